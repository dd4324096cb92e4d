"""Finding a project's migrations: a framework's folder as discovery finds it, or the folder of
SQL files that tools put there."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.errors import InputError
from dsql_lint.init.templates import HOOK_TYPES
from dsql_lint.syntax.discover import Found, discover
from dsql_lint.syntax.runners import LABELS

# Folders no migration lives in (dependencies, builds, tool state).
_PRUNE = {"node_modules", "venv", "target", "build", "dist", "__pycache__"}
# Names Flyway, golang-migrate, dbmate, Rails, Prisma, Supabase and others give the folder.
_MIGRATION_NAME = re.compile(r"^(migrations?|migrate|schema|sql|ddl)$", re.IGNORECASE)
MAX_DEPTH = 8


def migrations_folder(project: Path) -> Path | None:
    """The folder named like migrations (`db/migrations`, Flyway's `db/migration`...) with the
    most `.sql` files under it, else the folder with the most `.sql` files of its own; None
    when the project has no SQL file. Prisma's one folder per migration counts as one."""
    direct: Counter[Path] = Counter()
    for folder, names, files in os.walk(project):
        here = Path(folder)
        names[:] = [n for n in names if n not in _PRUNE and not n.startswith(".")]
        if len(here.relative_to(project).parts) >= MAX_DEPTH:
            names[:] = []
        count = sum(name.lower().endswith(".sql") for name in files)
        if count:
            direct[here] = count
    if not direct:
        return None
    named: Counter[Path] = Counter()
    for folder, count in direct.items():
        for above in (folder, *folder.parents):
            if above == project or project not in above.parents:
                break
            if _MIGRATION_NAME.match(above.name):
                named[above] += count
                break
    pool = named or direct
    return max(pool, key=lambda folder: (pool[folder], -len(folder.parts), str(folder)))


@dataclass(frozen=True)
class Detected:
    """What `init` writes for a project: the folder, and the framework that runs it."""

    folder: Path
    framework: str | None  # `framework:`, when the files say which tool runs them
    applied: bool  # `dsql-lint apply` can run the folder (SQL files)
    said: str  # what discovery found, as check says it
    others: tuple[str, ...] = ()  # other frameworks found, not written
    # The framework whose own runner could run the folder instead of `dsql-lint apply`.
    runner: str | None = None
    # The runner `check` models for the files (syntax/runners.py), whose bookkeeping table
    # `init` writes in DSQL's form as the `bootstrap:` file when DSQL refuses the runner's.
    modelled: str | None = None
    hook: str = "sql"  # the pre-commit `types` of the migration files


# Discovery's groups init can name -> the `framework:` it writes and whether `dsql-lint apply`
# runs the files. Where apply can run them, the workflow init writes makes apply the runner, so
# no `framework:` is written: with one, check models that framework's own runner (its version
# row beside each DDL, DSQL406), and the workflow's check would fail on what its apply runs.
# A Rails structure dump or schema.rb is taken only where there are no Rails migrations.
_KNOWN: dict[str, tuple[str | None, bool]] = {
    "liquibase": (None, True),
    "goose": (None, True),
    "dbmate": (None, True),
    "drizzle": (None, True),
    "prisma": (None, True),
    "supabase": (None, True),
    "golang-migrate": (None, True),
    "flyway": (None, True),
    "Alembic migrations": ("alembic", False),
    "Django migrations": ("django", False),
    "Rails migrations": ("rails", False),
    "Rails schema": ("rails", False),
    "rails": ("rails", False),
    # TypeORM, Knex, Sequelize and MikroORM migrations: their runner is the framework's, which
    # `check` models whatever the configuration says.
    "ORM migrations": (None, False),
}
_RUNNERS = {"liquibase", "goose", "dbmate", "drizzle", "prisma", "supabase", "flyway"}
_SECOND = {"Rails schema", "rails"}


def detect(project: Path) -> Detected | None:
    """The migrations of the framework discovery finds with the most files under `project`
    (one framework's folders together: Django's apps, Flyway's locations), else the folder
    `migrations_folder` picks for plain SQL; None when the project has neither."""
    try:
        found = [g for g in discover(project, orm=True) if g.framework in _KNOWN]
    except InputError:
        found = []
    kinds: dict[str, list[Found]] = {}
    for group in found:
        kinds.setdefault(_KNOWN[group.framework][0] or group.framework, []).append(group)
    if not kinds:
        folder = migrations_folder(project)
        return None if folder is None else Detected(folder, None, True, "")
    ranked = sorted(kinds.values(), key=lambda gs: (-_weight(gs), str(gs[0].folder)))
    chosen = [g for g in ranked[0] if g.framework not in _SECOND] or ranked[0]
    framework, applied = _KNOWN[chosen[0].framework]
    folders = [f.resolve() for g in chosen for f in g.folders]
    folder = Path(os.path.commonpath(folders)) if len(folders) > 1 else folders[0]
    said = "; ".join(g.summary(project) for g in chosen)
    others = tuple(g.summary(project) for gs in ranked[1:] for g in gs)
    runner = chosen[0].framework if applied and chosen[0].framework in _RUNNERS else None
    modelled, hook = framework, HOOK_TYPES.get(framework or "", "sql")
    if chosen[0].framework == "ORM migrations":
        modelled, hook = _script_runner(chosen[0].files), "text"
    return Detected(folder, framework, applied, said, others, runner, modelled, hook)


def _script_runner(files: list[Path]) -> str | None:
    """The runner of a folder of TypeScript/JavaScript migrations, from its first file."""
    from dsql_lint.orm.scripts import framework  # the ORM readers, only on this path

    for path in files:
        label = framework(path.read_text(encoding="utf-8", errors="replace"))
        if label is not None:
            return LABELS.get(label)
    return None


def _weight(groups: list[Found]) -> int:
    """Files that are migrations count; a schema dump counts as one."""
    return sum(1 if g.framework in _SECOND else len(g.files) for g in groups)
