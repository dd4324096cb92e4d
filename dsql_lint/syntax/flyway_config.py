"""Where Flyway looks for migrations (`flyway.locations`) and the values of its placeholders
(`flyway.placeholders.NAME`), as Flyway reads them.

From, first found: the FLYWAY_LOCATIONS environment variable; `flyway.locations=` (or a
command-line style `-locations=`) in `flyway.conf`; `locations` under `[flyway]` or an
`[environments.NAME.flyway]` table of `flyway.toml`. The configuration file is the nearest one
in the folder or above it. Each location is comma-separated, `filesystem:PATH` (relative to
the configuration file's folder) or `classpath:PATH` (Maven's `src/main/resources/PATH`); a
bare path is a filesystem one, as Flyway reads it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

_CONF = re.compile(r"^\s*(?:flyway\.|-)locations\s*=\s*(.*?)\s*$", re.M)
_PLACEHOLDER_LINE = re.compile(r"^\s*flyway\.placeholders\.([^=\s]+)\s*=\s*(.*?)\s*$", re.M)
CLASSPATH = Path("src", "main", "resources")


def locations(start: Path, climb: bool = True) -> list[Path]:
    """The folders Flyway reads, or [] where nothing says (discovery then finds Flyway files
    by their names wherever they are). `climb`: a configuration file above `start` counts."""
    base, spec = _configured(start, climb)
    if spec is None:
        return []
    out: list[Path] = []
    for item in spec:
        scheme, _, rest = item.strip().partition(":")
        if not rest:
            scheme, rest = "filesystem", scheme
        if scheme == "classpath":
            out.append(base / CLASSPATH / rest.lstrip("/"))
        elif scheme == "filesystem":
            out.append(base / rest)
    return [path for path in out if path.is_dir()]


def _configured(start: Path, climb: bool) -> tuple[Path, list[str] | None]:
    environment = os.environ.get("FLYWAY_LOCATIONS")
    if environment:
        return start, environment.split(",")
    for folder in (start, *start.parents) if climb else (start,):
        conf, toml = folder / "flyway.conf", folder / "flyway.toml"
        if conf.is_file():
            found = _CONF.findall(conf.read_text(encoding="utf-8", errors="replace"))
            return folder, (found[-1].split(",") if found else None)
        if toml.is_file():
            return folder, _toml(toml)
    return start, None


def _toml(path: Path) -> list[str] | None:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None  # placeholders (apply) report a malformed file at its line
    tables = [document.get("flyway", {})]
    tables += [
        env.get("flyway", {})
        for env in document.get("environments", {}).values()
        if isinstance(env, dict)
    ]
    for table in tables:
        value = table.get("locations") if isinstance(table, dict) else None
        if isinstance(value, str):
            return value.split(",")
        if isinstance(value, list):
            return [str(v) for v in value]
    return None


def placeholder_values(
    start: Path, load_toml: Callable[[Path], dict[str, Any]] | None = None
) -> dict[str, str] | None:
    """The placeholders of the nearest flyway.conf or flyway.toml at or above `start`; None
    when that flyway.toml is not TOML (`load_toml`, which may raise instead, reads it)."""
    for folder in (start, *start.parents):
        conf, toml = folder / "flyway.conf", folder / "flyway.toml"
        if conf.is_file():
            text = conf.read_text(encoding="utf-8", errors="replace")
            return dict(_PLACEHOLDER_LINE.findall(text))
        if toml.is_file():
            document = (load_toml or _load_quietly)(toml)
            return None if document is None else _toml_placeholders(document)
    return {}


def _load_quietly(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _toml_placeholders(document: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    # [flyway.placeholders], then each [environments.NAME.flyway.placeholders] over it.
    tables = [document.get("flyway", {}).get("placeholders", {})]
    tables += [
        env.get("flyway", {}).get("placeholders", {})
        for env in document.get("environments", {}).values()
        if isinstance(env, dict)
    ]
    for table in tables:
        values.update({str(k): str(v) for k, v in table.items()})
    return values


def placeholder_state(path: str, text: str) -> str:
    """The placeholder values a Flyway file's findings depend on: part of its cache key."""
    if "${" not in text:
        return ""
    values = placeholder_values(Path(path).resolve().parent)
    return repr(None if values is None else sorted(values.items()))
