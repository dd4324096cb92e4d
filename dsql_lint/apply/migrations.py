"""Migration file conventions: what a file is (versioned, repeatable, baseline, undo, down),
its version, and its ledger identity.

Flyway: `V1.2__desc.sql` (versioned), `U1.2__desc.sql` (undo), `B5__desc.sql` (baseline),
`R__desc.sql` (repeatable). golang-migrate: `000001_desc.up.sql` / `000001_desc.down.sql`.
Prisma: `<timestamp>_desc/migration.sql`, known by its folder.
Numbered and timestamped files (`0001_desc.sql`, Rails' `20240101120000_desc.sql`) are
versioned. Any other file is unversioned and known by its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.errors import UserError

VERSIONED, REPEATABLE, BASELINE, UNDO, DOWN, PLAIN = (
    "versioned",
    "repeatable",
    "baseline",
    "undo",
    "down",
    "unversioned",
)
FORWARD = (VERSIONED, BASELINE, PLAIN, REPEATABLE)  # roles that may run forward

_FLYWAY = re.compile(r"^([VvUuBb])(\d+(?:[._]\d+)*)__(.*)\.sql$")
_REPEATABLE = re.compile(r"^[Rr]__(.*)\.sql$")
_UP_DOWN = re.compile(r"^(\d+(?:\.\d+)*)[_-](.*)\.(up|down)\.sql$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)(?:[_-](.*))?\.sql$")
_PRISMA_FOLDER = re.compile(r"^(\d{14})_")
_ROLES = {"v": VERSIONED, "u": UNDO, "b": BASELINE}

Version = tuple[int, ...]


@dataclass(frozen=True)
class Migration:
    path: str
    role: str
    version: Version | None
    description: str

    @property
    def file_name(self) -> str:
        """The ledger's name: Prisma's files are all migration.sql, known by their folder."""
        path = Path(self.path)
        if path.name == "migration.sql" and _PRISMA_FOLDER.match(path.parent.name):
            return f"{path.parent.name}/{path.name}"
        return path.name

    @property
    def forward(self) -> bool:
        return self.role in FORWARD


def parse_version(text: str) -> Version:
    """`1.2`, `1_2` and `1.2.0` name the same version (Flyway ignores trailing zeros)."""
    parts = [int(part) for part in re.split(r"[._]", text)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def format_version(version: Version) -> str:
    return ".".join(map(str, version))


def classify(path: str) -> Migration:
    name = Path(path).name
    if name == "migration.sql" and (match := _PRISMA_FOLDER.match(Path(path).parent.name)):
        # Prisma: prisma/migrations/<timestamp>_<name>/migration.sql
        folder = Path(path).parent.name
        return Migration(path, VERSIONED, parse_version(match.group(1)), _words(folder[15:]))
    if match := _FLYWAY.match(name):
        role = _ROLES[match.group(1).lower()]
        return Migration(path, role, parse_version(match.group(2)), _words(match.group(3)))
    if match := _REPEATABLE.match(name):
        return Migration(path, REPEATABLE, None, _words(match.group(1)))
    if match := _UP_DOWN.match(name):
        role = VERSIONED if match.group(3).lower() == "up" else DOWN
        return Migration(path, role, parse_version(match.group(1)), _words(match.group(2)))
    if match := _NUMBERED.match(name):
        return Migration(path, VERSIONED, parse_version(match.group(1)), _words(match.group(2)))
    return Migration(path, PLAIN, None, name)


def version_of_name(name: str) -> tuple[str, Version | None]:
    """The role and version of a ledger name (a file name, or a repeatable's `name@checksum`)."""
    migration = classify(name.split("@", 1)[0])
    return migration.role, migration.version


def run_order(migrations: list[Migration]) -> list[Migration]:
    """Forward migrations in the order they run, across every folder (as Flyway sorts all its
    locations): versioned and baseline files by version, then unversioned files by name, then
    repeatables by description. Two files of one version are refused, as Flyway does."""
    seen: dict[tuple[str, Version], str] = {}
    for m in migrations:
        if m.version is None or not m.forward:
            continue
        key = (BASELINE if m.role == BASELINE else VERSIONED, m.version)
        if key in seen:
            raise UserError(
                f"{m.path} and {seen[key]} have the same version {format_version(m.version)}"
            )
        seen[key] = m.path

    def key(m: Migration) -> tuple:
        if m.role in (VERSIONED, BASELINE):
            return (0, m.version, m.role == VERSIONED, m.path)
        if m.role == PLAIN:
            return (1, (), False, m.file_name)
        return (2, (), False, m.description, m.file_name)

    return sorted((m for m in migrations if m.forward), key=key)


def _words(description: str | None) -> str:
    return (description or "").replace("_", " ").strip()
