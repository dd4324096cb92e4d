"""Which files are ORM files, and how each is read.

A detector looks at a file's name and text and returns a reader or None; `check` on a folder
takes the files a detector claims (a `.ts` file that is no migration is not read). New
formats add a detector to DETECTORS.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from dsql_lint.orm import alembic, django, prisma, rails, scripts
from dsql_lint.orm.mapped import Builder, MappedSource, Note
from dsql_lint.syntax import alembic_config
from dsql_lint.syntax.source import ORM_SUFFIXES, Source

Reader = Callable[[Source], MappedSource]
SUFFIXES = ORM_SUFFIXES
SCRIPTS = SUFFIXES[1:-2]
# The folders Alembic (`versions/`) and Django (`<app>/migrations/`) keep migrations in: other
# Python files are never read.
PYTHON_FOLDERS = {"versions", "migrations"}
# Folders of installed or built code, never the project's own migrations.
SKIPPED = {"node_modules", "dist", "build", ".git", ".next"}

DRIZZLE = re.compile(r"""from\s+['"]drizzle-orm/(?:pg-core|mysql-core|sqlite-core)['"]""")
ENTITY = re.compile(r"""@Entity\s*\(|from\s+['"]typeorm['"][\s\S]*@\w*(?:Column|Entity)\s*\(""")


def _prisma(path: Path, text: str) -> Reader | None:
    return prisma.read if path.suffix == ".prisma" else None


def _migration(path: Path, text: str) -> Reader | None:
    name = scripts.framework(text) if path.suffix in SCRIPTS else None
    return None if name is None else (lambda source: scripts.read(source, name))


def _drizzle_schema(path: Path, text: str) -> Reader | None:
    if path.suffix not in SCRIPTS or not DRIZZLE.search(text):
        return None
    return lambda source: _pointer(
        source,
        "Drizzle schema",
        "a Drizzle schema is linted through the SQL `drizzle-kit generate` writes: run it and "
        "check the drizzle/ folder (its `--> statement-breakpoint` files)",
    )


def _typeorm_entity(path: Path, text: str) -> Reader | None:
    if path.suffix not in SCRIPTS or not ENTITY.search(text):
        return None
    return lambda source: _pointer(
        source,
        "TypeORM entity",
        "a TypeORM entity is linted through the migration `typeorm migration:generate` writes: "
        "generate it and check that file (never rely on `synchronize: true` on DSQL)",
    )


def _alembic(path: Path, text: str) -> Reader | None:
    return alembic.read if path.suffix == ".py" and alembic.is_alembic(text) else None


def _django(path: Path, text: str) -> Reader | None:
    return django.read if path.suffix == ".py" and django.is_django(text) else None


def _rails_migration(path: Path, text: str) -> Reader | None:
    return rails.read if path.suffix == ".rb" and rails.is_migration(text) else None


def _rails_schema(path: Path, text: str) -> Reader | None:
    return rails.read if path.name == "schema.rb" and rails.is_schema(text) else None


# First match wins: a migration that also imports Drizzle is read as a migration.
DETECTORS: tuple[Callable[[Path, str], Reader | None], ...] = (
    _prisma,
    _migration,
    _drizzle_schema,
    _typeorm_entity,
    _alembic,
    _django,
    _rails_migration,
    _rails_schema,
)
# Each detector's framework (as `--framework` names it) and what discovery calls its files.
KINDS: dict[Callable[[Path, str], Reader | None], tuple[str, str]] = {
    _prisma: ("prisma", "Prisma schema"),
    _migration: ("orm", "ORM migrations"),
    _drizzle_schema: ("drizzle", "Drizzle schema"),
    _typeorm_entity: ("orm", "TypeORM entities"),
    _alembic: ("alembic", "Alembic migrations"),
    _django: ("django", "Django migrations"),
    _rails_migration: ("rails", "Rails migrations"),
    _rails_schema: ("rails", "Rails schema"),
}


# How to get the SQL each framework's files stand for, which `dsql-lint apply` runs: the SQL
# read from them here is a reconstruction for linting, and the framework keeps its own history
# table (alembic_version, django_migrations, schema_migrations), which apply would not write.
SQL_FROM = {
    "alembic": "run `alembic upgrade head --sql > upgrade.sql` (offline mode) and apply that file",
    "django": (
        "run `python manage.py sqlmigrate APP NNNN > NNNN.sql` for each migration and apply "
        "those files"
    ),
    "rails": (
        "set `config.active_record.schema_format = :sql`, run `rails db:migrate` on a local "
        "database, then `rails db:structure:dump`, and apply db/structure.sql"
    ),
    "prisma": (
        "run `prisma migrate dev --create-only` and apply prisma/migrations (its migration.sql "
        "files)"
    ),
    "drizzle": "run `drizzle-kit generate` and apply the drizzle/ folder it writes",
    "orm": "run it with its own tool, or write the migration as a .sql file",
}


def apply_refusal(path: Path) -> tuple[str, str] | None:
    """For a framework's own migration (an ORM file), which `dsql-lint apply` does not run:
    what its files are called (KINDS) and how to get SQL apply runs; None for other files."""
    if path.suffix not in SUFFIXES:
        return None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    detector = next((d for d in DETECTORS if d(path, text) is not None), None)
    name, label = KINDS[detector] if detector is not None else ("orm", "scripts")
    return label, SQL_FROM[name]


def reader_for(path: Path, text: str) -> Reader | None:
    """How to read a file that is an ORM file (None for SQL and files of no ORM)."""
    if path.suffix not in SUFFIXES:
        return None
    return next((r for d in DETECTORS if (r := d(path, text)) is not None), None)


def migrations_only(files: list[str]) -> list[str]:
    """The given files less the scripts that are no migration: the pre-commit hook passes
    every staged Python, Ruby or TypeScript file, and a model or a helper holds no SQL."""
    out = []
    for name in files:
        path = Path(name)
        if path.suffix in SUFFIXES:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""  # read_source says what is wrong with it
            if text and reader_for(path, text) is None:
                continue
        out.append(name)
    return out


def read_given(path: Path, text: str) -> Reader | None:
    """As reader_for, for a file named on the command line: a script no detector claims is
    said to hold nothing to check, not parsed as SQL."""
    found = reader_for(path, text)
    if found is not None or path.suffix not in SUFFIXES:
        return found
    return lambda source: _pointer(
        source,
        "Script",
        "no SQL to check: dsql-lint found nothing here that it reads, which is the SQL of "
        "TypeORM, Knex, Sequelize and MikroORM migrations (queryRunner.query, knex.raw, "
        "queryInterface.sequelize.query, this.addSql) and their schema builders "
        "(knex.schema, queryInterface, queryRunner), Drizzle schemas, TypeORM entities, "
        "Alembic and Django migrations, and Rails migrations and db/schema.rb",
    )


def _pointer(source: Source, framework: str, message: str) -> MappedSource:
    first = re.search(r"\S", source.text)
    at = first.start() if first else 0
    return Builder().source(source, framework, [Note(at, at + 1, f"{framework}: {message}")])


def found_in(folder: Path) -> list[Path]:
    """The ORM files under a folder that a detector claims."""
    return [path for path, _ in kinds_in(folder)]


def kinds_in(folder: Path) -> list[tuple[Path, tuple[str, str]]]:
    """The ORM files under a folder that a detector claims, each with its framework and
    what its files are called (KINDS). A Drizzle schema is left out where drizzle-kit's SQL
    is there (its `meta/_journal.json`): that SQL is what is linted."""
    claimed: list[tuple[Path, Callable]] = []
    generated = False
    # Alembic's version_locations hold revisions whatever their folders' names.
    located = {f.resolve() for found in alembic_config.locations(folder) for f in found.folders}
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIPPED]  # never walked into
        generated |= Path(root).name == "meta" and "_journal.json" in names
        revisions = Path(root).resolve() in located
        for name in names:
            path = Path(root, name)
            wanted = _candidate(path) or (revisions and _revision_file(path))
            detector = _detector(path) if wanted else None
            if detector is not None:
                claimed.append((path, detector))
    return [(path, KINDS[d]) for path, d in claimed if not (generated and d is _drizzle_schema)]


def run_order(paths: list[Path]) -> list[Path]:
    """`paths`, sorted as migrations, with Alembic revisions (the one ORM whose run order is
    not its file names) put in `down_revision` order among the places they hold."""
    revisions = [
        i for i, path in enumerate(paths) if path.suffix == ".py" and _detector(path) is _alembic
    ]
    ordered = alembic.ordered([paths[i] for i in revisions])
    out = list(paths)
    for i, path in zip(revisions, ordered, strict=True):
        out[i] = path
    return out


def _candidate(path: Path) -> bool:
    if path.suffix == ".py":
        return path.parent.name in PYTHON_FOLDERS and _revision_file(path)
    if path.suffix == ".rb":  # Rails keeps them in db/migrate and db/schema.rb
        return path.parent.name == "migrate" or path.name == "schema.rb"
    return path.suffix in SUFFIXES


def _revision_file(path: Path) -> bool:
    return path.suffix == ".py" and path.name != "__init__.py"


def _detector(path: Path) -> Callable | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return next((d for d in DETECTORS if d(path, text) is not None), None)
