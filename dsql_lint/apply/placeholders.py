"""Flyway placeholders: `${name}` replaced by the value `flyway.conf` or `flyway.toml` gives it,
as Flyway does before it sends a migration. `check` never parses a placeholder as SQL (see
formats.py) and reports one that has no value (DSQL014); `apply` sends the value, or refuses
a placeholder that has none."""

from __future__ import annotations

import re
from pathlib import Path

from dsql_lint.errors import UserError
from dsql_lint.settings import toml_file
from dsql_lint.syntax.flyway_config import placeholder_values

PLACEHOLDER = re.compile(r"\$\{([^}\n]+)\}")


def config_values(start: Path) -> dict[str, str]:
    """The placeholders of the nearest flyway.conf / flyway.toml above `start`; a malformed
    flyway.toml is an error at its line."""
    return placeholder_values(start, lambda path: toml_file.load(path)[0]) or {}


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
