"""`settings.AUTH_USER_MODEL` as a Django project's settings module says it, read statically.

A migration's `ForeignKey(to=settings.AUTH_USER_MODEL)` references the user model the
project configures. The settings module is the one DJANGO_SETTINGS_MODULE names (the
environment, else `manage.py`'s `os.environ.setdefault(...)`, found in the migration's folder
or above), looked up from manage.py's folder as `python manage.py` imports it: `pkg/settings.py`
or `pkg/settings/__init__.py`, following its `from .base import *` style imports of modules
beside it. Its `AUTH_USER_MODEL = "app.Model"` is table `app_model`; without one, Django's
default `auth.User`, table `auth_user`.
"""

from __future__ import annotations

import ast
import os
import re
from functools import lru_cache
from pathlib import Path

from dsql_lint.syntax.config_reads import config_text, looked_for

DEFAULT = "auth.User"
_SETTINGS_MODULE = re.compile(
    r"""setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']"""
)


def user_table(migration: Path) -> str:
    """The table of the project's user model, for a migration at `migration`."""
    label = user_model(migration.resolve().parent)
    app, _, model = label.rpartition(".")
    return f"{app.rsplit('.', 1)[-1]}_{model}".lower()


@lru_cache(maxsize=64)
def user_model(folder: Path) -> str:
    """`AUTH_USER_MODEL` of the project whose manage.py is in `folder` or above it."""
    for above in (folder, *folder.parents):
        manage = above / "manage.py"
        if looked_for(manage):
            return _from_settings(above, _module_name(manage)) or DEFAULT
    return DEFAULT


def _module_name(manage: Path) -> str | None:
    named = os.environ.get("DJANGO_SETTINGS_MODULE")
    if named:
        return named
    found = _SETTINGS_MODULE.search(config_text(manage, errors="replace"))
    return found.group(1) if found else None


def _from_settings(root: Path, module: str | None) -> str | None:
    if module is None:
        return None
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if looked_for(path):
            return _assigned(path, set())
    return None


def _assigned(path: Path, seen: set[Path]) -> str | None:
    """The last `AUTH_USER_MODEL = "..."` of a settings file, after those of the modules it
    star-imports from its own package (a later assignment wins, as Python runs them)."""
    if path in seen:
        return None
    seen.add(path)
    try:
        tree = ast.parse(config_text(path, errors="replace"))
    except (SyntaxError, ValueError):
        return None
    found: str | None = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            if any(alias.name == "*" for alias in node.names):
                module = path.parent.joinpath(*node.module.split("."))
                for inner in (module.with_suffix(".py"), module / "__init__.py"):
                    if looked_for(inner):
                        found = _assigned(inner, seen) or found
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "AUTH_USER_MODEL" for t in node.targets
        ):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found = value.value
    return found
