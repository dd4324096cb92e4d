"""How Alembic groups revisions into transactions, from env.py's `context.configure(...)`.

Online, `alembic upgrade` runs every pending revision inside env.py's one
`with context.begin_transaction():` unless env.py passes `transaction_per_migration=True` to
`context.configure`; then each revision is a transaction of its own (Alembic's
MigrationContext.begin_transaction and run_migrations). Every env.py template Alembic ships
(generic, async, multidb, pyproject) leaves it out. The online call is the one given a
`connection=` (the offline one writes a script, given a `url=`). env.py is where Alembic
runs it: `<script_location>/env.py`, `script_location` from alembic.ini or pyproject.toml,
else the folder above `versions/`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.orm.pyliterals import constant, keyword, name_of
from dsql_lint.syntax import alembic_config
from dsql_lint.syntax.config_reads import config_text, looked_for


@dataclass(frozen=True)
class Run:
    env: Path  # where Alembic reads env.py for this revision
    found: bool  # env.py is there (else read as Alembic's templates write it)
    # True: a transaction per revision; False: one for the whole run; None: env.py sets it
    # in a way not read here (a variable, `**kwargs`, calls that disagree).
    per_migration: bool | None


def run_of(revision: Path) -> Run:
    env = _env_path(revision)
    if not looked_for(env):
        return Run(env, False, False)
    try:
        tree = ast.parse(config_text(env, errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return Run(env, True, None)
    return Run(env, True, _per_migration(tree))


def _env_path(revision: Path) -> Path:
    folder = revision.resolve().parent
    for found in alembic_config.locations(folder):
        inside = any(f.resolve() in (folder, *folder.parents) for f in found.folders)
        if inside and found.script is not None:
            return found.script.resolve() / "env.py"
    beside = folder / "env.py"  # a script_location holding its revisions itself
    return beside if looked_for(beside) else folder.parent / "env.py"


def _per_migration(tree: ast.Module) -> bool | None:
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and name_of(node.func) == "configure"
    ]
    online = [call for call in calls if keyword(call, "connection") is not None] or calls
    said: set[bool | None] = set()
    for call in online:
        value = keyword(call, "transaction_per_migration")
        if value is None:
            # `**options` may hold it (Flask-Migrate's configure_args)
            spread = any(k.arg is None for k in call.keywords)
            said.add(None if spread else False)
        else:
            setting = constant(value)
            said.add(setting if isinstance(setting, bool) else None)
    if not said:
        return False
    return said.pop() if len(said) == 1 else None
