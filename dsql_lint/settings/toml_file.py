"""pyproject.toml: the parsed document, and the line of each key for `file:line` errors
(tomllib keeps no positions)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from dsql_lint.errors import RuleError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

KeyPath = tuple[str, ...]

_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]")
_ASSIGNMENT = re.compile(rf"^\s*({_DOTTED})\s*=")
_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def load(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed document and its text; a malformed one is a one-line `file:line` error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise RuleError(err.strerror or "cannot read", str(path)) from None
    except UnicodeDecodeError:
        raise RuleError("not valid UTF-8", str(path)) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        reason, line = _position(str(err), text)
        raise RuleError(f"invalid TOML: {reason}", str(path), line) from None


def _position(message: str, text: str) -> tuple[str, int]:
    """The reason without its position, and the line: tomllib puts both in its message (only
    Python 3.14 has them as attributes)."""
    found = _POSITION.search(message)
    if found is None:
        return message, 1
    reason = message[: found.start()]
    if found.group(1) is None:
        return f"{reason} (at the end of the file)", max(1, len(text.splitlines()))
    return f"{reason} (column {found.group(2)})", int(found.group(1))


def key_lines(text: str) -> dict[KeyPath, int]:
    """The line where each key (by its path from the top of the document) is first written.

    Table headers, `[[arrays]]` and dotted keys all name paths; keys of an inline table are on
    the line of the key that holds it (see `line_of`). Lines inside multi-line strings are
    skipped, as they hold no keys.
    """
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    open_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string is not None:
            if line.count(open_string) % 2:
                open_string = None
            continue
        header = _HEADER.match(line)
        assignment = None if header else _ASSIGNMENT.match(line)
        if header:
            table = _path(header.group(1))
            _record(lines, table, number)
        elif assignment:
            _record(lines, table + _path(assignment.group(1)), number)
        open_string = next((q for q in ('"""', "'''") if line.count(q) % 2), None)
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of `path`, or of its nearest enclosing key written out."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _path(dotted: str) -> KeyPath:
    """The keys of a (possibly quoted, dotted) TOML key, as TOML reads them."""
    try:
        node: Any = tomllib.loads(f"{dotted} = 0")
    except tomllib.TOMLDecodeError:
        return ()
    keys: list[str] = []
    while isinstance(node, dict):
        ((key, node),) = node.items()
        keys.append(key)
    return tuple(keys)


def _record(lines: dict[KeyPath, int], path: KeyPath, number: int) -> None:
    for end in range(1, len(path) + 1):
        lines.setdefault(path[:end], number)
