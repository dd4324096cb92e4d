"""Where Flyway looks for migrations (`flyway.locations`) and the values of its placeholders
(`flyway.placeholders.NAME`, and the settings about them), as Flyway reads them.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsql_lint.syntax.config_reads import config_text, looked_for
from dsql_lint.syntax.source import real

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

_CONF = re.compile(r"^\s*(?:flyway\.|-)locations\s*=\s*(.*?)\s*$", re.M)
_PLACEHOLDER_LINE = re.compile(r"^\s*flyway\.placeholders\.([^=\s]+)\s*=\s*(.*?)\s*$", re.M)
BUILT_IN = "flyway:"  # ${flyway:user} and the like: Flyway fills them in itself
_SETTINGS = ("placeholderReplacement", "defaultSchema", "schemas")
_SETTING_LINE = re.compile(rf"^\s*flyway\.({'|'.join(_SETTINGS)})\s*=\s*(.*?)\s*$", re.M)
_ENV_PLACEHOLDER = "FLYWAY_PLACEHOLDERS_"
_ENV_SETTINGS = {
    "placeholderReplacement": "FLYWAY_PLACEHOLDER_REPLACEMENT",
    "defaultSchema": "FLYWAY_DEFAULT_SCHEMA",
    "schemas": "FLYWAY_SCHEMAS",
}
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
        if looked_for(conf):
            found = _CONF.findall(config_text(conf, errors="replace"))
            return folder, (found[-1].split(",") if found else None)
        if looked_for(toml):
            return folder, _toml(toml)
    return start, None


def _toml(path: Path) -> list[str] | None:
    try:
        document = tomllib.loads(config_text(path))
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


@dataclass(frozen=True)
class Placeholders:
    """What Flyway puts in for `${name}`: the configured values, whether it replaces at all
    (`placeholderReplacement`), and the schema `${flyway:defaultSchema}` names."""

    values: dict[str, str] = field(default_factory=dict)
    replace: bool = True
    default_schema: str = "public"  # Flyway's: the first of `schemas`, else the connection's


def placeholders(
    start: Path, load_toml: Callable[[Path], dict[str, Any]] | None = None
) -> Placeholders | None:
    """The placeholder settings of the nearest flyway.conf or flyway.toml at or above `start`,
    under the environment's (FLYWAY_PLACEHOLDERS_NAME, FLYWAY_PLACEHOLDER_REPLACEMENT,
    FLYWAY_DEFAULT_SCHEMA, FLYWAY_SCHEMAS), which Flyway reads over its files; None when that
    flyway.toml is not TOML (`load_toml`, which may raise instead, reads it)."""
    settings: dict[str, Any] = {}
    for folder in (start, *start.parents):
        conf, toml = folder / "flyway.conf", folder / "flyway.toml"
        if looked_for(conf):
            settings = _conf_settings(config_text(conf, errors="replace"))
            break
        if looked_for(toml):
            document = (load_toml or _load_quietly)(toml)
            if document is None:
                return None
            settings = _toml_settings(document)
            break
    environment = _environment_settings()
    values = {**settings.pop("placeholders", {}), **environment.pop("placeholders", {})}
    settings.update(environment)
    schemas = settings.get("schemas") or []
    return Placeholders(
        values=values,
        replace=str(settings.get("placeholderReplacement", "true")).strip().lower() != "false",
        default_schema=str(settings.get("defaultSchema") or (schemas[0] if schemas else "public")),
    )


def _conf_settings(text: str) -> dict[str, Any]:
    settings: dict[str, Any] = {"placeholders": dict(_PLACEHOLDER_LINE.findall(text))}
    for key, value in _SETTING_LINE.findall(text):
        settings[key] = (
            [v.strip() for v in value.split(",") if v.strip()] if key == "schemas" else value
        )
    return settings


def _toml_settings(document: dict[str, Any]) -> dict[str, Any]:
    # [flyway], then each [environments.NAME.flyway] over it.
    tables = [document.get("flyway", {})]
    tables += [
        env.get("flyway", {})
        for env in document.get("environments", {}).values()
        if isinstance(env, dict)
    ]
    settings: dict[str, Any] = {"placeholders": {}}
    for table in tables:
        if not isinstance(table, dict):
            continue
        settings["placeholders"].update(
            {str(k): str(v) for k, v in table.get("placeholders", {}).items()}
        )
        for key in _SETTINGS:
            if key in table:
                value = table[key]
                settings[key] = [str(v) for v in value] if isinstance(value, list) else value
    if isinstance(settings.get("schemas"), str):
        settings["schemas"] = settings["schemas"].split(",")
    return settings


def _environment_settings() -> dict[str, Any]:
    # Flyway names an environment placeholder by the rest of the variable, lower-cased.
    named = {
        key[len(_ENV_PLACEHOLDER) :].lower(): value
        for key, value in os.environ.items()
        if key.startswith(_ENV_PLACEHOLDER) and len(key) > len(_ENV_PLACEHOLDER)
    }
    settings: dict[str, Any] = {
        key: os.environ[env] for key, env in _ENV_SETTINGS.items() if env in os.environ
    }
    if "schemas" in settings:
        settings["schemas"] = settings["schemas"].split(",")
    return {**settings, "placeholders": named} if named else settings


def _load_quietly(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(config_text(path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def placeholder_state(path: str, text: str) -> str:
    """The placeholder values a Flyway file's findings depend on: part of its cache key."""
    if "${" not in text:
        return ""
    return repr(placeholders(real(path).parent))
