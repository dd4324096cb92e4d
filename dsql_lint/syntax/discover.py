"""Finding a project's migrations from the markers each framework leaves, when a command is
given no paths.

A detector looks at one SQL file (its path and first lines) and names the framework and the
folder it belongs to, or says nothing; `DETECTORS` is the list, first match wins, so a reader
of another kind of schema adds its entry. Files no detector claims are plain SQL, checked as
before. Each group of files is read in its framework's order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dsql_lint.errors import InputError
from dsql_lint.syntax import alembic_config
from dsql_lint.syntax.flyway_config import locations as flyway_locations
from dsql_lint.syntax.formats import SUPABASE_SEED, is_supabase
from dsql_lint.syntax.source import drizzle_journal, migration_key
from dsql_lint.syntax.supabase_config import CONFIG, is_seed, project_of

# Folders no migration lives in, and which can be huge.
SKIPPED = {".git", ".hg", "node_modules", ".venv", "venv", "__pycache__", "target", "dist"}
HEAD_BYTES = 4096  # enough for a file's markers: they come before its SQL


@dataclass(frozen=True)
class Claim:
    framework: str
    folder: Path  # the migrations folder the file belongs to
    unit: str = "files"  # what the summary counts: "files" or "folders" (Prisma)


# (path, the file's first bytes as text) -> a claim, or None.
Detector = Callable[[Path, str], Claim | None]

_PRISMA_FOLDER = re.compile(r"^\d{14}_")
_FLYWAY_NAME = re.compile(r"^[VvRrBbUu](?:\d+(?:[._]\d+)*)?__.+\.sql$")
_UP_DOWN = re.compile(r"^\d+(?:\.\d+)*[_-].*\.(up|down)\.sql$", re.I)


def _liquibase(path: Path, head: str) -> Claim | None:
    if re.match(r"(?:\s*\n)*--\s*liquibase\s+formatted\s+sql", head, re.I):
        return Claim("liquibase", path.parent)
    return None


def _goose(path: Path, head: str) -> Claim | None:
    return Claim("goose", path.parent) if re.search(r"^--\s*\+goose\s", head, re.M) else None


def _dbmate(path: Path, head: str) -> Claim | None:
    return Claim("dbmate", path.parent) if re.search(r"^--\s*migrate:up", head, re.M) else None


def _prisma(path: Path, head: str) -> Claim | None:
    folder = path.parent
    if path.name == "migration.sql" and _PRISMA_FOLDER.match(folder.name):
        return Claim("prisma", folder.parent, "folders")
    return None


def _drizzle(path: Path, head: str) -> Claim | None:
    if (path.parent / "meta" / "_journal.json").is_file():
        return Claim("drizzle", path.parent)
    return None


def _supabase(path: Path, head: str) -> Claim | None:
    return Claim("supabase", path.parent) if is_supabase(path) else None


def _supabase_seed(path: Path, head: str) -> Claim | None:
    """A seed file supabase/config.toml's `[db.seed] sql_paths` names (the CLI runs them after
    the migrations: `db reset`, `db push --include-seed`)."""
    if not is_seed(path):
        return None
    project = project_of(path.parent)
    return Claim(SUPABASE_SEED, project.folder if project else path.parent)


def _rails(path: Path, head: str) -> Claim | None:
    if path.name == "structure.sql" and path.parent.name == "db":
        return Claim("rails", path.parent)
    return None


def _golang_migrate(path: Path, head: str) -> Claim | None:
    return Claim("golang-migrate", path.parent) if _UP_DOWN.match(path.name) else None


def _flyway(path: Path, head: str) -> Claim | None:
    return Claim("flyway", path.parent) if _FLYWAY_NAME.match(path.name) else None


DETECTORS: list[tuple[str, Detector]] = [
    ("liquibase", _liquibase),
    ("goose", _goose),
    ("dbmate", _dbmate),
    ("prisma", _prisma),
    ("drizzle", _drizzle),
    ("supabase", _supabase),
    (SUPABASE_SEED, _supabase_seed),
    ("rails", _rails),
    ("golang-migrate", _golang_migrate),
    ("flyway", _flyway),
]
# Frameworks whose migrations are not SQL files: found by dsql_lint.orm's detectors.
FRAMEWORKS = [name for name, _ in DETECTORS] + ["alembic", "django"]
LABELS = {
    "liquibase": "Liquibase changelogs",
    "goose": "goose migrations",
    "dbmate": "dbmate migrations",
    "prisma": "Prisma migrations",
    "drizzle": "Drizzle migrations",
    "supabase": "Supabase migrations",
    SUPABASE_SEED: "Supabase seed files",
    "rails": "Rails structure dump",
    "golang-migrate": "golang-migrate migrations",
    "flyway": "Flyway migrations",
    "sql": "SQL files",
    "orm": "ORM files",
}


ALEMBIC = "Alembic migrations"  # what discovery calls a group of Alembic revisions

# What discovery reads, said when it finds nothing.
SEARCHED = (
    "*.sql files by their framework's markers; schema.prisma; TypeORM, Knex, Sequelize and "
    "MikroORM migrations (.ts/.js); Alembic and Django migrations (.py in versions/ and "
    "migrations/ folders, and alembic.ini's version_locations); Rails db/structure.sql, "
    "db/migrate/*.rb and db/schema.rb"
)


@dataclass
class Found:
    framework: str
    folder: Path
    unit: str
    files: list[Path] = field(default_factory=list)
    located: list[Path] = field(default_factory=list)  # flyway.locations, version_locations
    said_by: str = ""  # the configuration that named `located`, when one did

    @property
    def folders(self) -> list[Path]:
        return self.located or [self.folder]

    def summary(self, root: Path) -> str:
        where = ", ".join(_relative(folder, root) for folder in self.folders)
        count = len(self.files)
        unit = self.unit if count != 1 else self.unit[:-1]
        said = f", {self.said_by}" if self.said_by else ""
        return f"{LABELS.get(self.framework, self.framework)} in {where} ({count} {unit}{said})"


def discover(
    root: Path, framework: str | None = None, folders: Iterable[Path] = (), orm: bool = False
) -> list[Found]:
    """The migrations under `root` (or only in `folders`, from the configuration), grouped by
    framework and folder, each group in the order its framework runs it. `framework` keeps
    only that framework's files, read as its format whatever their markers say. `orm`: also
    the ORM files dsql_lint.orm recognises (check reads them)."""
    places = list(folders) or [root]
    groups: dict[tuple[str, Path], Found] = {}
    located = [] if folders or framework not in (None, "flyway") else flyway_locations(root)
    claimed: set[Path] = set()
    if located:
        # One group across its locations: Flyway orders versions over all of them.
        group = Found("flyway", located[0], "files", located=located, said_by="flyway.locations")
        files = [p for p in _sql_files(located) if _FLYWAY_NAME.match(p.name)]
        group.files = list({p.resolve(): p for p in files}.values())
        claimed = {p.resolve() for p in group.files}
        if group.files:
            groups[("flyway", located[0])] = group
    for path in _sql_files(places):
        if path.resolve() in claimed:
            continue
        claim = _claim(path)
        if framework is not None:
            if claim.framework != framework and not folders:
                continue
            claim = Claim(framework, claim.folder, claim.unit)
        key = (claim.framework, claim.folder)
        groups.setdefault(key, Found(claim.framework, claim.folder, claim.unit)).files.append(path)
    if orm:
        from dsql_lint.orm.detect import kinds_in  # the ORM readers build on Source

        said_by: dict[Path, str] = {}

        if framework in (None, "alembic"):
            for revisions in _alembic_revisions(root, places):
                groups[(ALEMBIC, revisions.folder)] = revisions
                claimed |= {p.resolve() for p in revisions.files}
        # The configured folders only where the configuration names none of its own.
        orm_places = places if folders else places + _configured(root, places, said_by)
        for place in orm_places:
            for path, (name, label) in kinds_in(place) if place.is_dir() else ():
                if path.resolve() in claimed:
                    continue
                if framework is None or name == framework:
                    if (label, path.parent) not in groups:
                        said = _said(root, path, said_by)
                        groups[(label, path.parent)] = Found(
                            label, path.parent, "files", said_by=said
                        )
                    groups[(label, path.parent)].files.append(path)
    if not groups:
        looked = ", ".join(_relative(p, root) for p in places)
        kinds = ", ".join([framework] if framework else FRAMEWORKS)
        raise InputError(f"no SQL migrations found in {looked} (looked for {kinds}: {SEARCHED})")
    # A project's seed files after its migrations, which the CLI runs first.
    found = sorted(
        groups.values(),
        key=lambda g: (g.framework == "sql", g.framework == SUPABASE_SEED, str(g.folder)),
    )
    for group in found:
        group.files = _ordered(group)
        group.said_by = group.said_by or _supabase_said(group)
    return found


def _supabase_said(group: Found) -> str:
    """What supabase/config.toml says of a Supabase group: where its seed files are named,
    and that the CLI skips migrations it disabled (they are checked all the same)."""
    if group.framework not in ("supabase", SUPABASE_SEED):
        return ""
    project = project_of(group.folder)
    if project is None:
        return ""
    config = f"{project.folder.name}/{CONFIG}"
    if group.framework == SUPABASE_SEED:
        return f"{config} [db.seed] sql_paths"
    if not project.migrations:
        return f"{config}: [db.migrations] enabled = false: the CLI skips them"
    return ""


def _configured(root: Path, places: list[Path], said_by: dict[Path, str]) -> list[Path]:
    """The migrations folders a knexfile, .sequelizerc or TypeORM data source names (noted in
    `said_by`), less those the walk of `places` reaches: they are outside it. A compiled
    output folder (`dist/migrations`) is the same migrations again, never read."""
    from dsql_lint.orm.detect import SKIPPED
    from dsql_lint.orm.js_config import migration_folders

    out = []
    base = root.resolve()
    walked = [p.resolve() for p in places]
    for folder, config in migration_folders(root):
        inside = folder.relative_to(base).parts if folder.is_relative_to(base) else folder.parts
        if SKIPPED & set(inside):
            continue
        said_by[folder] = config
        if not any(folder.is_relative_to(p) for p in walked):
            out.append(folder)
    return out


def _said(root: Path, path: Path, said_by: dict[Path, str]) -> str:
    """The configuration that names the folder of an ORM migration `path`, and the
    transaction setting its runner follows there (orm/js_config.py), as discovery says them."""
    from dsql_lint.orm.js_config import RUNNER_CONFIGS, transaction_mode
    from dsql_lint.orm.scripts import SCRIPT_SUFFIXES, framework

    folder = path.parent.resolve()
    said = said_by.get(folder, "")
    if path.suffix not in SCRIPT_SUFFIXES:
        return said
    name = framework(path.read_text(encoding="utf-8", errors="replace"))
    mode = transaction_mode(folder, name) if name in RUNNER_CONFIGS else None
    if mode is None:
        return said
    return f"{_relative(mode.config, root)}: {mode.command or mode.disagreement or mode.setting}"


def _alembic_revisions(root: Path, places: list[Path]) -> list[Found]:
    """Alembic's revisions in the folders each configuration names (alembic.ini's
    `version_locations`, else `script_location`/versions), one group per configuration in
    revision order, where its folders are among `places`."""
    from dsql_lint.orm.alembic import is_alembic  # the ORM readers build on Source

    inside = [place.resolve() for place in places]
    out: list[Found] = []
    for found in alembic_config.locations(root):
        folders = [f for f in found.folders if any(f.resolve().is_relative_to(p) for p in inside)]
        if not folders:
            continue
        said = "version_locations" if found.configured else ""
        group = Found(ALEMBIC, folders[0], "files", located=folders, said_by=said)
        for folder in folders:
            names = folder.rglob("*.py") if found.recursive else folder.glob("*.py")
            for path in sorted(names):
                if "__pycache__" in path.parts or path.name.startswith(("__init__", ".#")):
                    continue
                if is_alembic(path.read_text(encoding="utf-8", errors="replace")):
                    group.files.append(path)
        group.files = list({p.resolve(): p for p in group.files}.values())
        if group.files:
            out.append(group)
    return out


def _claim(path: Path) -> Claim:
    head = _head(path)
    for _, detector in DETECTORS:
        claim = detector(path, head)
        if claim is not None:
            return claim
    return Claim("sql", path.parent)


def _sql_files(places: list[Path]) -> list[Path]:
    out: list[Path] = []
    for place in places:
        if place.is_file():
            out.append(place)
            continue
        for folder, dirs, files in os.walk(place):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED and not d.startswith("."))
            out.extend(Path(folder) / name for name in sorted(files) if name.endswith(".sql"))
    return out


def _head(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff")
    except OSError:
        return ""


def _ordered(group: Found) -> list[Path]:
    if group.framework == "drizzle":
        journaled = drizzle_journal(group.folder)
        if journaled:
            return [p for p in journaled if p in group.files]
    if group.framework == ALEMBIC:
        from dsql_lint.orm.alembic import ordered  # the ORM readers build on Source

        return ordered(group.files)
    if group.framework == "prisma":
        return sorted(group.files, key=lambda p: p.parent.name)
    if group.framework == SUPABASE_SEED:
        project = project_of(group.folder)
        order = {path: at for at, path in enumerate(project.seeds if project else ())}
        return sorted(group.files, key=lambda p: order.get(p.resolve(), len(order)))
    return sorted(group.files, key=lambda p: (migration_key(p), p.as_posix()))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return str(path)
