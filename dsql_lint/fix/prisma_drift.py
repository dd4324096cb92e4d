"""What `fix` says when a Prisma project's two halves still differ after it.

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
from typing import TYPE_CHECKING

from dsql_lint.orm.prisma import _blocks, _mapped
from dsql_lint.syntax.source import Source

if TYPE_CHECKING:
    from dsql_lint.lint.pipeline import Linter

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
        if not (schemas or migrations) or not _migrations(folder):
            continue
        enums = _left_enums(schema, folder, texts)
        # What still differs, not which half this run changed: the other half may have
        # been fixed by an earlier run. An enum's columns are said with the enum.
        differ = [d for d in _differing(schema, folder, texts) if d[2].strip('"') not in enums]
        columns = ", ".join(f"{name} ({new} in the schema, {old} in the migrations)"
                            for name, new, old in differ)  # fmt: skip
        if differ and migrations and not schemas:
            out.append(
                f"{_shown(schema)} is not changed by the fixes of its migrations, and the two "
                f"differ on {columns}: `prisma migrate dev` compares them and would see "
                f"drift; fix the schema too (`dsql-lint fix --unsafe-fixes {_shown(schema)}`)"
            )
        elif differ and schemas and not migrations:
            out.append(
                f"{_shown(folder)} is not changed by the fixes of {_shown(schema)}, and the "
                f"two differ on {columns}: `prisma migrate dev` compares them and would see "
                f"drift; fix the migrations too (`dsql-lint fix --unsafe-fixes "
                f"{_shown(folder)}`), or, once they are deployed, create a new one with "
                "`prisma migrate dev --create-only`"
            )
        elif differ:
            out.append(
                f"{_shown(schema)} and {_shown(folder)} still differ on {columns}: `prisma "
                "migrate dev` compares them and would see drift"
            )
        if enums:
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


def _differing(schema: Path, folder: Path, texts: dict[str, str]) -> list[tuple[str, str, str]]:
    """The columns the schema (as Prisma writes its SQL) and the migrations (replayed in
    order) both have, with different types: (table.column, the schema's, the migrations')."""
    from dsql_lint.lint.pipeline import Linter  # the parser, only for a Prisma project fixed
    from dsql_lint.orm.detect import read_given

    text = _text(schema, texts)
    reader = read_given(schema, text)
    if reader is None:
        return []
    wanted = _tables(Linter([]), [reader(Source(str(schema), text))])
    had = _tables(Linter([]), [Source(str(m), _text(m, texts)) for m in _migrations(folder)])
    return [
        (f"{table[1]}.{column}", kind, had[table][column])
        for table, columns in wanted.items()
        for column, kind in columns.items()
        if column in had.get(table, {}) and had[table][column] != kind
    ]


def _tables(linter: Linter, sources: list[Source]) -> dict[tuple[str, str], dict[str, str]]:
    linter.lint_all(sources)
    return {key: table.columns for key, table in linter.catalog.tables.items()}


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
