"""psql's include meta-commands (`\\i`, `\\ir`, `\\include`, `\\include_relative`): the file
each names, and why it cannot be run with the migrations. `apply` inlines the files that can
be, and `check` reads them after the file that includes them (`with_included`); both report
the others (DSQL011), so that a file never read is not "All clean"."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dsql_lint.syntax.formats import statements
from dsql_lint.syntax.source import STDIN, Source, real
from dsql_lint.syntax.split import Kind, Statement

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
    unset: str = ""  # the first read of a psql variable its name holds with no value (`:dir`)

    @property
    def unset_hint(self) -> str:
        """Why the name is read as written, and how to give the variable its value, as DSQL015
        says; "" where its name reads no variable without one."""
        if not self.unset:
            return ""
        name = _VARIABLE.match(self.unset)
        variable = name[str(name.lastgroup)] if name else self.unset
        return (
            f" (no value is given to psql variable `{self.unset}`, so its name is read as"
            f" written: give one with `-v {variable}=VALUE`, which check, fix, apply, status,"
            f" validate, repair and baseline take as psql does, or `{variable}: VALUE` under"
            " `psql-variables:` in the configuration)"
        )


def meta_command(statement: Statement) -> tuple[str, str]:
    """(command, argument) of a meta-command statement: `\\ir a.sql` -> ("ir", "a.sql")."""
    match = _COMMAND.match(statement.text)
    if match is None:
        return "", ""
    return match.group(1), match.group(2).strip()


def include_of(statement: Statement, values: Mapping[str, str] | None = None) -> Include | None:
    """The file a meta-command statement includes, or None if it includes none. `values`: the
    psql variables given (`-v`), which psql puts in the argument before reading it."""
    command, argument = meta_command(statement)
    if command not in INCLUDE:
        return None
    name = argument.split()[0] if argument else ""
    unset = ""
    if name[:1] in ("'", '"'):  # psql takes a quoted name as written, variables and all
        name = name.strip("'\"")
    elif ":" in name:
        name = _interpolated(name, values or {})
        left = _VARIABLE.search(name)
        unset = left[0] if left else ""
    if not name:
        return Include(command, name, None)
    path = _resolve(statement.source.path, name, INCLUDE[command])
    return Include(command, name, path, unset)


# A variable read in a meta-command's argument (psqlscanslash.l): `:name` is its value,
# `:'name'` and `:"name"` its value quoted as a literal and as a name, quotes and all (so a
# file name read as `:'dir'/a.sql` starts with a quote, and psql finds no such file).
_VARIABLE = re.compile(r":(?:'(?P<literal>\w+)'|\"(?P<identifier>\w+)\"|(?P<raw>\w+))")
_QUOTES = {"literal": "'", "identifier": '"', "raw": ""}


def _interpolated(argument: str, values: Mapping[str, str]) -> str:
    """`argument` with the given variables' values put in; a variable with none is left as
    written, as psql leaves it."""

    def put(read: re.Match[str]) -> str:
        form = str(read.lastgroup)
        name = read[form]
        if name not in values:
            return read[0]
        quote = _QUOTES[form]
        return f"{quote}{values[name].replace(quote, quote * 2) if quote else values[name]}{quote}"

    return _VARIABLE.sub(put, argument)


def _resolve(including: str, name: str, relative: bool) -> Path:
    base = Path(including).parent if relative else Path.cwd()
    return real(base / name)


def problem(include: Include, roots: Iterable[Path], chain: Sequence[Path] = ()) -> str | None:
    """Why the included file cannot run with the migrations under `roots`, or None. `chain`:
    the files psql is reading when it meets the include, outermost first (the including
    file last): naming one of them is a cycle, which psql follows until it runs out of
    file handles."""
    if include.path is None:
        return "names no file"
    # Existence first: psql reads `\i` from the directory it runs in, so a path that leads
    # out of the folder from there is most often one that does not exist.
    if not include.path.is_file():
        return f"names a file that does not exist{include.unset_hint}"
    if not any(include.path.is_relative_to(root) for root in roots):
        return "names a file outside the migrations folder"
    if include.path in chain:
        cycle = " -> ".join(p.name for p in [*chain[chain.index(include.path) :], include.path])
        return f"makes an include cycle ({cycle})"
    return None


def chain_of(source: Source) -> list[Path]:
    """The files psql is reading in `source`: those that include it, then itself."""
    return [real(path) for path, _ in source.included_by] + [real(source.path)]


def with_included(
    sources: Sequence[Source],
    roots: Sequence[Path],
    read: Callable[[str], Source],
    values: Mapping[str, str] | None = None,
) -> list[Source]:
    """`sources` with the files each includes read right after it, in the order psql meets
    them (and those they include in turn), each marked with the include lines it is read
    through, as `apply` inlines them; a file another of `sources` includes is read there
    only, as apply plans it, and a file one migration includes twice where it first
    includes it (the linter runs it again at the other: lint/runs.py). `read`: a file's Source as
    psql runs it. Includes that cannot be followed (outside `roots`, missing, a cycle) are
    DSQL011's. `values`: the psql variables given, which psql puts in an include's argument
    (`\\i :dir/a.sql`)."""
    found = {
        source.path: list(_included(source, roots, read, values))
        for source in sources
        if source.path != STDIN and source.problem is None and "\\i" in source.text
    }

    def expansion(source: Source) -> list[Source]:
        return [source, *found.get(source.path, ())]

    inside = {_key(s) for included in found.values() for s in included}
    reached = {_key(s) for top in sources if _key(top) not in inside for s in expansion(top)}
    out: list[Source] = []
    for source in sources:
        # Read where its includer reads it; unless only files it includes include it (a
        # cycle among the files given).
        if _key(source) in inside and _key(source) in reached:
            continue
        out.extend(expansion(source))
        reached.update(map(_key, expansion(source)))
    # A file one migration includes twice is read once, where psql first runs it: its
    # findings are about its lines, which one fix edits, and the second run repeats the same
    # statements in the same context. Included by two migrations, it is read in each (their
    # variables and schema differ).
    first: dict[tuple[str, Path | str], Source] = {}
    for source in out:
        root = source.included_by[0][0] if source.included_by else source.path
        first.setdefault((root, _key(source)), source)
    return list(first.values())


def _key(source: Source) -> Path | str:
    return STDIN if source.path == STDIN else real(source.path)


def _included(
    source: Source,
    roots: Sequence[Path],
    read: Callable[[str], Source],
    values: Mapping[str, str] | None,
) -> Iterator[Source]:
    chain = chain_of(source)
    for statement in statements(source):
        include = include_of(statement, values) if statement.kind is Kind.META else None
        if include is None or include.path is None or problem(include, roots, chain):
            continue
        by = (*source.included_by, (source.display_path, statement.line))
        included = replace(read(shown(include.path, source.path)), included_by=by)
        yield included
        if included.problem is None and "\\i" in included.text:
            yield from _included(included, roots, read, values)


def shown(path: Path, including: str) -> str:
    """The included file's path as the user sees the including one's: relative to the
    working directory when the migrations were given that way, absolute otherwise."""
    folder = Path(including).parent
    return os.path.normpath(folder / os.path.relpath(path, folder.resolve()))


def roots_of(paths: Iterable[str]) -> list[Path]:
    """The migration folders of the paths given: each folder, or each file's own folder."""
    out = []
    for raw in paths:
        path = real(raw)
        out.append(path if path.is_dir() else path.parent)
    return out


def included_state(path: str, text: str, values: Mapping[str, str] | None = None) -> str:
    """Which files the text's include lines may name (with the psql variables given put in),
    and whether each exists: what a file's cached findings depend on besides its text."""
    if "\\i" not in text:
        return ""
    names = [
        _interpolated(name, values) if values else name for name in _INCLUDE_LINE.findall(text)
    ]
    return "".join(
        f"{target}\0{target.is_file()}\0"
        for name in names
        for target in (_resolve(path, name.strip("'\""), r) for r in (False, True))
    )
