"""Flyway placeholders: `${name}` replaced by the value `flyway.conf`, `flyway.toml` or the
environment gives it, and Flyway's own `${flyway:...}` by what Flyway would put in, as Flyway
does before it sends a migration; nothing replaced where `placeholderReplacement` is false.
`check` never parses a placeholder as SQL (see formats.py) and reports one that has no value
(DSQL014); `apply` sends the value, or refuses a placeholder that has none."""

from __future__ import annotations

import re
from pathlib import Path

from dsql_lint.apply.ledger import SCHEMA
from dsql_lint.errors import UserError
from dsql_lint.settings import toml_file
from dsql_lint.syntax.flyway_config import BUILT_IN, Placeholders, placeholders

PLACEHOLDER = re.compile(r"\$\{([^}\n]+)\}")
LEDGER = f"{SCHEMA}.files"  # ${flyway:table}: the history table, dsql-lint's ledger here
# Flyway's own placeholders apply cannot fill in as Flyway would, and what to write instead.
_UNKNOWN = {
    "timestamp": "the time Flyway runs the migration: use now() in the SQL",
    "workingDirectory": "the folder Flyway runs in: write the path in the SQL",
}


def config_values(start: Path) -> Placeholders:
    """The placeholder settings for a file in `start`; a malformed flyway.toml is an error at
    its line."""
    return placeholders(start, lambda path: toml_file.load(path)[0]) or Placeholders()


def substitute(
    text: str, config: Placeholders, path: str, line: int, login: tuple[str, str] | None
) -> str:
    """`text` as Flyway sends it. `login`: the user and database apply connects as (None
    without a target: a dry run given none)."""
    if not config.replace:
        return text

    def refuse(match: re.Match[str], why: str) -> UserError:
        at = line + text[: match.start()].count("\n")
        return UserError(f"placeholder {match.group()} {why}", path, at)

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in config.values:
            return config.values[name]
        if not name.startswith(BUILT_IN):
            raise refuse(
                match,
                f"has no value: set flyway.placeholders.{name} in flyway.conf (or "
                f"[flyway.placeholders] in flyway.toml, or FLYWAY_PLACEHOLDERS_{name.upper()} "
                "in the environment)",
            )
        own = name[len(BUILT_IN) :]
        known = {"filename": Path(path).name, "defaultSchema": config.default_schema}
        known["table"] = LEDGER
        if login is not None:
            known["user"], known["database"] = login
        if own in known:
            return known[own]
        if own in ("user", "database"):
            raise refuse(match, "is the target's: give the target (--endpoint or --dsn)")
        raise refuse(match, f"is {_UNKNOWN[own]}" if own in _UNKNOWN else "is not Flyway's")

    return PLACEHOLDER.sub(value, text)
