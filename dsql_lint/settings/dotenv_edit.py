"""Setting keys of a project's `.env` in place, as AWS's guide does by hand: read it first,
replace or add the keys, keep every other line and comment as it was."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from dsql_lint.errors import UserError

# `.env` files end up in repositories: a secret is never written into one.
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|ACCESS_KEY", re.IGNORECASE)
_ASSIGNMENT = re.compile(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=)")


def update_dotenv(path: Path, values: Mapping[str, str]) -> dict[str, str]:
    """Set `values` in the `.env` at `path` (created if missing); returns what each key became:
    "added", "updated" or "unchanged"."""
    try:
        with open(path, encoding="utf-8", newline="") as file:  # keeps \r\n as it is
            text = file.read()
    except FileNotFoundError:
        text = ""
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    after, outcome = set_keys(text, values, str(path))
    _write(path, after)
    return outcome


def set_keys(text: str, values: Mapping[str, str], shown: str) -> tuple[str, dict[str, str]]:
    """`.env` text with `values` set: a key's line is rewritten in place (its `export`, its
    comment and its line ending kept), a missing key appended; every other line as it was.
    Returns the text and what each key became: "added", "updated" or "unchanged"."""
    for key in values:
        if SECRET_NAME.search(key):
            raise UserError(f"refusing to write {key} into {shown}: it names a secret")
    lines = text.splitlines(keepends=True)
    outcome: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = _ASSIGNMENT.match(line)
        if match is None or match.group(2) not in values:
            continue
        key = match.group(2)
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        comment = _comment(body[match.end() :])
        new = f"{match.group(1)}{key}{match.group(3)}{_quoted(values[key])}{comment}{ending}"
        if outcome.get(key) != "updated":
            outcome[key] = "unchanged" if new == line else "updated"
        lines[index] = new
    newline = "\r\n" if "\r\n" in text else "\n"
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    for key, value in values.items():
        if key not in outcome:
            lines.append(f"{key}={_quoted(value)}{newline}")
            outcome[key] = "added"
    return "".join(lines), {key: outcome[key] for key in values}


def _comment(value: str) -> str:
    """The comment after a value (` # ...`), kept when the value is replaced."""
    stripped = value.lstrip()
    if stripped[:1] in ("'", '"'):
        close = stripped.find(stripped[0], 1)
        rest = stripped[close + 1 :] if close > 0 else ""
        return rest if rest.lstrip().startswith("#") else ""
    comment = re.search(r"\s+#.*$", value)
    return comment.group(0) if comment else ""


def _quoted(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.:/@+-]*", value):
        return value
    return "'" + value + "'" if "'" not in value else '"' + value + '"'


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.dsql-lint-tmp")
    try:
        temporary.write_bytes(text.encode("utf-8"))
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {err.strerror}") from None
