"""The state a Django migration runs against, built as `manage.py sqlmigrate` builds it: the
migrations it depends on (`dependencies`, followed through every app, `__first__` and
`__latest__`, `swappable_dependency(settings.AUTH_USER_MODEL)` the user model's app's first),
each applied before the migrations that depend on it, their operations replayed on the state.

An app's migrations are looked for in `<app>/migrations` beside the migration's app folder,
else anywhere in the project (the folder of its manage.py). A relation to a model that no
migration before this one creates takes its key from the model's app's migrations, all of
them, or, for Django's own apps, their integer `id` (django_state.CONTRIB).
"""

from __future__ import annotations

import ast
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dsql_lint.orm.django_editor import apply
from dsql_lint.orm.django_fields import column_of, is_key, sql_type
from dsql_lint.orm.django_settings import user_model
from dsql_lint.orm.django_state import Created, State, items, options_of
from dsql_lint.orm.pyliterals import constant, keyword, name_of

Node = tuple[str, str]  # app label, migration name
KEPT = 8  # states kept after a prefix of a plan
_STATES: OrderedDict[int, State] = OrderedDict()


@dataclass(frozen=True)
class Migration:
    dependencies: tuple[Node, ...]
    operations: tuple[ast.Call, ...]


def state_before(path: Path, app: str, dependencies: list[Node]) -> State:
    """The state the migration at `path` (of `app`, depending on `dependencies`) starts from.

    The state after each prefix of the plan is kept (a few, by the files' modification
    times), so that reading an app's migrations one after another replays each operation
    once, not once per later migration."""
    root = path.parent.parent.parent
    found: dict[Node, tuple[int, Migration] | None] = {}
    order = _order(root, dependencies, found)
    keys, key = [], hash(root)
    for node in order:
        stamp = found[node][0] if found[node] else None  # type: ignore[index]
        key = hash((key, node, stamp))
        keys.append(key)
    start = next((k + 1 for k in reversed(range(len(keys))) if keys[k] in _STATES), 0)
    state = _STATES[keys[start - 1]].copy() if start else State(path.parent, _fallback(root))
    for node in order[start:]:
        for operation in found[node][1].operations if found[node] else ():  # type: ignore[index]
            apply(state, node[0], operation)
    if keys:
        _STATES[keys[-1]] = state.copy()
        _STATES.move_to_end(keys[-1])
        while len(_STATES) > KEPT:
            _STATES.popitem(last=False)
    return state


def dependencies_of(tree: ast.AST, folder: Path) -> list[Node]:
    """A Migration class's `dependencies`, each resolved to an app and a migration name."""
    out: list[Node] = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets)
        ):
            continue
        for item in items(node.value):
            if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                app, name = constant(item.elts[0]), constant(item.elts[1])
                if isinstance(app, str) and isinstance(name, str):
                    out.append((app, name))
            elif isinstance(item, ast.Call) and name_of(item.func) == "swappable_dependency":
                label = user_model(folder.resolve())
                out.append((label.rpartition(".")[0].rsplit(".", 1)[-1], "__first__"))
        break
    return out


def _order(
    root: Path, start: list[Node], found: dict[Node, tuple[int, Migration] | None]
) -> list[Node]:
    """The migrations `start` needs, each after those it depends on (depth first, as
    Django's forwards plan orders them); `found` gets each one's file, read."""
    out: list[Node] = []
    listed: dict[str, dict[str, tuple[str, int]]] = {}
    stack: list[tuple[Node, bool]] = [(n, False) for n in reversed(start)]
    while stack:
        node, expanded = stack.pop()
        node = _resolved(root, node)
        if expanded:
            out.append(node)
            continue
        if node in found:
            continue
        found[node] = _migration(root, node, listed)
        stack.append((node, True))
        read = found[node]
        for dependency in reversed(read[1].dependencies if read else ()):
            if _resolved(root, dependency) not in found:
                stack.append((dependency, False))
    return out


def migrations_of(root: Path, app: str) -> Path:
    """An app's migrations folder: beside the migration's app, else wherever the project
    (the folder of its manage.py, else `root`) has a `<app>/migrations` folder."""
    beside = root / app / "migrations"
    if beside.is_dir():
        return beside
    return _apps(_project(root)).get(app, beside)


def _project(root: Path) -> Path:
    for above in (root, *root.parents):
        if (above / "manage.py").is_file():
            return above
    return root


SKIPPED = {"node_modules", "site-packages", "__pycache__", "venv", "env"}


@lru_cache(maxsize=8)
def _apps(project: Path) -> dict[str, Path]:
    """The `<app>/migrations` folders of a project, four levels deep at most, the first found
    for each app (not in hidden folders, virtualenvs or node_modules)."""
    out: dict[str, Path] = {}
    for folder, subfolders, _ in os.walk(project):
        depth = len(Path(folder).relative_to(project).parts)
        subfolders[:] = sorted(
            s for s in subfolders if not s.startswith(".") and s not in SKIPPED and depth < 4
        )
        if "migrations" in subfolders:
            out.setdefault(Path(folder).name, Path(folder) / "migrations")
    return out


def _resolved(root: Path, node: Node) -> Node:
    app, name = node
    if name not in ("__first__", "__latest__"):
        return node
    names = _names(migrations_of(root, app))
    if not names:
        return node
    return (app, names[0] if name == "__first__" else names[-1])


def _names(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")


def _migration(
    root: Path, node: Node, listed: dict[str, dict[str, tuple[str, int]]]
) -> tuple[int, Migration] | None:
    """A migration's file, read, with its modification time; `listed`: each app's folder,
    listed once (name -> path, modification time)."""
    if node[0] not in listed:
        folder = migrations_of(root, node[0])
        try:
            with os.scandir(folder) as entries:
                listed[node[0]] = {
                    e.name[:-3]: (e.path, e.stat().st_mtime_ns)
                    for e in entries
                    if e.name.endswith(".py")
                }
        except OSError:
            listed[node[0]] = {}
    found = listed[node[0]].get(node[1])
    if found is None:
        return None
    read = _read(*found)
    return None if read is None else (found[1], read)


@lru_cache(maxsize=1024)
def _read(name: str, stamp: int) -> Migration | None:
    """A migration file's dependencies and operations (`stamp` its modification time, so
    that an edited file is read again)."""
    path = Path(name)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    cls = next(
        (
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.ClassDef) and any(name_of(b) == "Migration" for b in n.bases)
        ),
        None,
    )
    if cls is None:
        return None
    operations: list[ast.Call] = []
    for statement in cls.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "operations" for t in statement.targets
        ):
            operations = [o for o in items(statement.value) if isinstance(o, ast.Call)]
    return Migration(tuple(dependencies_of(cls, path.parent)), tuple(operations))


def _fallback(root: Path) -> Callable[[str], Created]:
    def created(app: str) -> Created:
        folder = migrations_of(root, app)
        files = sorted(folder.glob("*.py")) if folder.is_dir() else []
        return _created(app, tuple((f, f.stat().st_mtime_ns) for f in files))

    return created


@lru_cache(maxsize=64)
def _created(app: str, files: tuple[tuple[Path, int], ...]) -> Created:
    """The models the app's migration `files` create: model name -> its table, and field
    name -> column and type ("pk" the key's; a relation's type is not known here, but its
    column is)."""
    out: Created = {}
    for file, _ in files:
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and name_of(call.func) == "CreateModel"):
                continue
            model = str(constant(keyword(call, "name", 0))).lower()
            db_table = constant(options_of(keyword(call, "options")).get("db_table"))
            table = db_table if isinstance(db_table, str) else f"{app}_{model}"
            columns = out.setdefault(model, (table, {}))[1]
            for entry in items(keyword(call, "fields", 1)):
                if not (isinstance(entry, ast.Tuple) and len(entry.elts) == 2):
                    continue
                name, field = entry.elts
                if isinstance(field, ast.Call):
                    columns[str(constant(name))] = (
                        column_of(str(constant(name)), field),
                        sql_type(field),
                    )
                    if is_key(field):
                        columns["pk"] = columns[str(constant(name))]
    return out
