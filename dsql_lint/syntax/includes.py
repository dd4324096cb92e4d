"""psql's include meta-commands (`\\i`, `\\ir`, `\\include`, `\\include_relative`): the file
each names, and why it cannot be run with the migrations. `apply` inlines the files that can
be; `check` reports the others (DSQL011), so that a file it never read is not "All clean"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.syntax.split import Statement

# Command -> whether its file is relative to the including file (else to psql's folder).
INCLUDE = {"i": False, "include": False, "ir": True, "include_relative": True}
_COMMAND = re.compile(r"\\(!|[A-Za-z_]+)\s*(.*)", re.S)
# Include lines, for a cache key that must change when an included file comes or goes.
_INCLUDE_LINE = re.compile(r"^[ \t]*\\(?:include_relative|include|ir|i)[ \t]+(\S+)", re.M)


@dataclass(frozen=True)
class Include:
    command: str  # i, ir, include or include_relative
    name: str  # as written; "" when none is
    path: Path | None  # resolved; None when no file is named


def meta_command(statement: Statement) -> tuple[str, str]:
    """(command, argument) of a meta-command statement: `\\ir a.sql` -> ("ir", "a.sql")."""
    match = _COMMAND.match(statement.text)
    if match is None:
        return "", ""
    return match.group(1), match.group(2).strip()


def include_of(statement: Statement) -> Include | None:
    """The file a meta-command statement includes, or None if it includes none."""
    command, argument = meta_command(statement)
    if command not in INCLUDE:
        return None
    name = argument.split()[0].strip("'\"") if argument else ""
    if not name:
        return Include(command, name, None)
    return Include(command, name, _resolve(statement.source.path, name, INCLUDE[command]))


def _resolve(including: str, name: str, relative: bool) -> Path:
    base = Path(including).parent if relative else Path.cwd()
    return (base / name).resolve()


def problem(include: Include, roots: Iterable[Path]) -> str | None:
    """Why the included file cannot run with the migrations under `roots`, or None."""
    if include.path is None:
        return "names no file"
    if not any(include.path.is_relative_to(root) for root in roots):
        return "names a file outside the migrations folder"
    if not include.path.is_file():
        return "names a file that does not exist"
    return None


def roots_of(paths: Iterable[str]) -> list[Path]:
    """The migration folders of the paths given: each folder, or each file's own folder."""
    out = []
    for raw in paths:
        path = Path(raw).resolve()
        out.append(path if path.is_dir() else path.parent)
    return out


def included_state(path: str, text: str) -> str:
    """Which files the text's include lines may name, and whether each exists: what a
    file's cached findings depend on besides its text."""
    if "\\i" not in text:
        return ""
    names = _INCLUDE_LINE.findall(text)
    return "".join(
        f"{target}\0{target.is_file()}\0"
        for name in names
        for target in (_resolve(path, name.strip("'\""), r) for r in (False, True))
    )
