"""What `fix` says when it changes one half of a Prisma project and not the other.

`prisma migrate dev` replays prisma/migrations/*/migration.sql into a shadow database and
compares the result with schema.prisma: a column whose type or default the fix changed on one
side only is drift, and Prisma then offers to reset the database. The two fixes write the same
columns (a list `Json?` and `JSONB`, `@db.Money` `@db.Decimal(19, 2)` and `NUMERIC(19, 2)`),
but the migration's `CREATE TYPE ... AS ENUM` has no SQL fix, while the schema's enum becomes
`String` fields.
"""

from __future__ import annotations

import re
from pathlib import Path

from dsql_lint.orm.prisma import _blocks, _mapped

_ENUM = re.compile(r'CREATE\s+TYPE\s+"?(\w+)"?\s+AS\s+ENUM', re.I)


def drift_notes(changed: dict[str, bool], texts: dict[str, str]) -> list[str]:
    """One line per Prisma project of which the run changed one half and not the other,
    or left an enum the schema no longer has. `changed`: each file fixed (path -> whether
    fix changed it); `texts`: each file's text as fixed."""
    projects: dict[Path, tuple[list[str], list[str]]] = {}
    for path, did in changed.items():
        file = Path(path)
        schema = _schema_of(file)
        if schema is None:
            continue
        sides = projects.setdefault(schema, ([], []))
        if did:
            sides[file.suffix == ".prisma"].append(path)
    out = []
    for schema, (migrations, schemas) in projects.items():
        folder = schema.parent / "migrations"
        if migrations and not schemas:
            out.append(
                f"{_shown(schema)} is not changed by the fixes of its migrations: `prisma "
                "migrate dev` compares the two and would see drift; fix the schema too "
                f"(`dsql-lint fix --unsafe-fixes {_shown(schema)}`)"
            )
        elif schemas and not migrations and _migrations(folder):
            out.append(
                f"{_shown(folder)} is not changed by the fixes of {_shown(schema)}: `prisma "
                "migrate dev` compares the two and would see drift; fix the migrations too "
                f"(`dsql-lint fix --unsafe-fixes {_shown(folder)}`), or, once they are "
                "deployed, create a new one with `prisma migrate dev --create-only`"
            )
        enums = _left_enums(schema, folder, texts)
        if (schemas or migrations) and enums:
            names = ", ".join(enums)
            out.append(
                f"{_shown(folder)} still creates enum {names}, which {_shown(schema)} now "
                "declares as `String`: `prisma migrate dev` would see drift; replace the "
                "CREATE TYPE and the columns of that type by TEXT in the migration by hand"
            )
    return out


def _schema_of(file: Path) -> Path | None:
    """The schema.prisma of a Prisma project `file` belongs to: the file itself, or the one
    beside the `migrations` folder of a `migration.sql`."""
    if file.suffix == ".prisma":
        return file
    if file.name == "migration.sql" and file.parent.parent.name == "migrations":
        schema = file.parent.parent.parent / "schema.prisma"
        return schema if schema.is_file() else None
    return None


def _migrations(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/migration.sql")) if folder.is_dir() else []


def _left_enums(schema: Path, folder: Path, texts: dict[str, str]) -> list[str]:
    """The enums the migrations create that the schema (as fixed) no longer declares."""
    declared = {_mapped(b) for b in _blocks(_text(schema, texts)) if b.kind == "enum"}
    created: list[str] = []
    for migration in _migrations(folder):
        for name in _ENUM.findall(_text(migration, texts)):
            if name not in declared and name not in created:
                created.append(name)
    return created


def _text(path: Path, texts: dict[str, str]) -> str:
    for key, text in texts.items():
        if Path(key).resolve() == path.resolve():
            return text
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
