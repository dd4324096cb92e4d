"""Where Alembic looks for revisions: `version_locations`, as Alembic 1.20's Config and
ScriptDirectory read it (alembic/config.py, alembic/script/base.py).

From `[alembic]` in `alembic.ini` (the nearest in the folder or above it, else those in the
folders just below), else `[tool.alembic]` in pyproject.toml. `%(here)s` is the configuration file's
folder, as configparser interpolates it. `version_locations` is split on `path_separator`
(`space`, `newline`, `os`, `:` or `;`; the older `version_path_separator` too), else on commas
and spaces as Alembic's legacy splitting does; without it, `<script_location>/versions`.
Relative paths are Alembic's working directory's: the configuration file's folder, where
`alembic` is run. A `package:path` location (a package resource) is read as that path below
the configuration file's folder. Only a location's own files are revisions, unless
`recursive_version_locations = true`.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.syntax.config_reads import config_text, looked_for

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
SEPARATOR_NAMES = ("path_separator", "version_path_separator")  # the first said is used
_LEGACY_SPLIT = re.compile(r", *|(?: +)")


@dataclass(frozen=True)
class Locations:
    folders: list[Path]
    recursive: bool
    configured: bool  # version_locations said them (not the default script_location/versions)
    script: Path | None = None  # script_location: the folder of env.py


def locations(start: Path) -> list[Locations]:
    """The folders Alembic reads revisions from, per configuration: the nearest one in the
    folder or above it, else each one in a folder just below (a repository of several
    services); [] where none is found (discovery then finds revisions in `versions/`
    folders wherever they are)."""
    for folder in (start, *start.parents):
        found = _ini(folder / "alembic.ini") or _pyproject(folder / "pyproject.toml")
        if found is not None:
            return [found]
    below = (_ini(ini) for ini in sorted(start.glob("*/alembic.ini")))
    return [found for found in below if found is not None]


def _ini(path: Path) -> Locations | None:
    if not looked_for(path):
        return None
    parser = configparser.ConfigParser({"here": path.parent.absolute().as_posix()})
    try:
        parser.read_string(config_text(path), source=str(path))
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    if not parser.has_section("alembic"):
        return None
    names = ("version_locations", "script_location", "recursive_version_locations")
    options = {name: _option(parser, name) for name in (*names, *SEPARATOR_NAMES)}
    spec = options.get("version_locations", "").strip()
    script = options.get("script_location", "").strip()
    folders: list[str] = []
    if spec:
        said = next((options[n] for n in SEPARATOR_NAMES if options[n]), "")
        separator = SEPARATORS.get(said.strip())
        parts = spec.split(separator) if separator else _LEGACY_SPLIT.split(spec)
        folders = [part.strip() for part in parts if part.strip()]
    elif script:
        folders = [f"{script}/versions"]
    else:
        return None
    recursive = options.get("recursive_version_locations", "").strip() == "true"
    return _resolved(path.parent, folders, recursive, bool(spec), script)


def _option(parser: configparser.ConfigParser, name: str) -> str:
    """One option, interpolated (`%(here)s`); a value that does not interpolate is unread,
    the others still are (sqlalchemy.url often holds a `%`)."""
    try:
        return parser.get("alembic", name, fallback="") or ""
    except configparser.Error:
        return ""


def _pyproject(path: Path) -> Locations | None:
    if not looked_for(path):
        return None
    try:
        table = tomllib.loads(config_text(path)).get("tool", {}).get("alembic")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(table, dict):
        return None
    here = {"here": path.parent.absolute().as_posix()}
    spec = table.get("version_locations")
    script = table.get("script_location")
    script = script % here if isinstance(script, str) else ""
    if isinstance(spec, list) and spec:
        folders = [str(item) % here for item in spec]
    elif script:
        folders = [f"{script}/versions"]
    else:
        return None
    recursive = table.get("recursive_version_locations") is True
    return _resolved(path.parent, folders, recursive, bool(spec), script)


def _resolved(
    base: Path, folders: list[str], recursive: bool, configured: bool, script: str
) -> Locations:
    out = [_path(base, folder) for folder in folders]
    home = _path(base, script) if script else None
    return Locations([p for p in out if p.is_dir()], recursive, configured, home)


def _path(base: Path, folder: str) -> Path:
    if not os.path.isabs(folder) and ":" in folder:  # a package resource
        folder = "/".join(folder.split(":"))
    return base / folder
