"""Flyway placeholders: `${name}` replaced by the value `flyway.conf` or `flyway.toml` gives it,
as Flyway does before it sends a migration. `check` never parses a placeholder as SQL (see
formats.py); `apply` sends the value, or refuses a placeholder that has none."""

from __future__ import annotations

import re
from pathlib import Path

from dsql_lint.errors import UserError
from dsql_lint.settings import toml_file
from dsql_lint.syntax.formats import layout
from dsql_lint.syntax.source import Source

PLACEHOLDER = re.compile(r"\$\{([^}\n]+)\}")
_CONF_LINE = re.compile(r"^\s*flyway\.placeholders\.([^=\s]+)\s*=\s*(.*?)\s*$", re.M)


def config_values(start: Path) -> dict[str, str]:
    """The placeholders of the nearest flyway.conf / flyway.toml above `start`."""
    for folder in (start, *start.parents):
        conf, toml = folder / "flyway.conf", folder / "flyway.toml"
        if conf.is_file():
            return dict(_CONF_LINE.findall(conf.read_text(encoding="utf-8")))
        if toml.is_file():
            return _toml_values(toml)
    return {}


def _toml_values(path: Path) -> dict[str, str]:
    document, _ = toml_file.load(path)
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


def unset(source: Source) -> list[str]:
    """What `check` says of a Flyway file's placeholders that the configuration gives no value
    (it reads them as identifiers: the statement around one is still checked)."""
    found = layout(source) if "${" in source.text else None
    if found is None or not found.placeholders:
        return []
    values = config_values(Path(source.path).resolve().parent)
    return [
        f"{source.display_path}:{source.position(offset)[0]}: placeholder ${{{name}}} has no "
        "value in flyway.conf or flyway.toml (checked as an identifier; apply refuses it)"
        for offset, name in found.placeholders
        if name not in values and name != "flyway:filename"
    ]


def substitute(text: str, values: dict[str, str], path: str, line: int) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "flyway:filename":
            return Path(path).name
        if name not in values:
            raise UserError(
                f"placeholder ${{{name}}} has no value: set flyway.placeholders.{name} in "
                "flyway.conf (or [flyway.placeholders] in flyway.toml)",
                path,
                line + text[: match.start()].count("\n"),
            )
        return values[name]

    return PLACEHOLDER.sub(value, text)
