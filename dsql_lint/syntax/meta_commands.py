"""psql meta-commands that check and apply may pass over, and why every other one is refused.

apply sends a migration's SQL itself and does not run psql's meta-commands. Passing one over is
right only when psql, running it, would send the server exactly what apply sends: that is an
allow-list, from psql 16's documentation. Every other meta-command (`\\if`, which makes psql
skip statements apply would run; `\\set` of a variable the file reads; `\\gset`, `\\g`; any
unknown one) is DSQL013 in check and refuses the plan in apply. Includes (`\\i`, `\\ir`) are
neither: apply inlines them, and check reports the ones it cannot (DSQL011)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.errors import InputError
from dsql_lint.syntax import bindings
from dsql_lint.syntax.includes import INCLUDE, include_of
from dsql_lint.syntax.source import read_source
from dsql_lint.syntax.split import Kind, Statement

# Meta-commands that only print, or only set how psql prints results: psql sends the server
# nothing for them. `\restrict`/`\unrestrict` are pg_dump's guard (16.10, 17.6), which only
# stops psql from running other meta-commands in between.
_PRINTS = frozenset(
    {
        "echo",
        "qecho",
        "warn",
        "errverbose",
        "conninfo",
        "copyright",
        "?",
        "h",
        "help",
        "pset",
        "timing",
        "a",
        "C",
        "f",
        "H",
        "t",
        "T",
        "x",
        "restrict",
        "unrestrict",
    }
)
# psql's variables that only shape its display or its own stop at an error (apply always
# stops at the first error): setting one changes nothing the server receives.
_DISPLAY_VARIABLES = frozenset(
    {
        "ON_ERROR_STOP",
        "ECHO",
        "ECHO_HIDDEN",
        "QUIET",
        "VERBOSITY",
        "SHOW_CONTEXT",
        "SHOW_ALL_RESULTS",
        "HIDE_TABLEAM",
        "HIDE_TOAST_COMPRESSION",
        "PROMPT1",
        "PROMPT2",
        "PROMPT3",
        "HISTCONTROL",
        "HISTFILE",
        "HISTSIZE",
        "IGNOREEOF",
        "COMP_KEYWORD_CASE",
    }
)
# psql's variables that change what psql sends, and how.
_RUN_VARIABLES = {
    "AUTOCOMMIT": "opens transactions psql commits (or not) itself",
    "ON_ERROR_ROLLBACK": "wraps each statement of a block in a savepoint, so that an error "
    "does not end the block",
    "FETCH_COUNT": "runs queries through cursors",
    "SINGLELINE": "ends a statement at the end of its line",
    "SINGLESTEP": "asks before sending each statement",
}
# Why the meta-commands we know are refused; others get _UNKNOWN.
_WHY = {
    "c": "connects to another database: the rest would run outside this target and its ledger",
    "copy": "copies through psql's client, which apply is not: use COPY ... FROM stdin",
    "!": "runs a shell command, which apply never does",
    "gexec": "runs statements generated at run time, which the plan cannot check or record",
    "if": "is psql's conditional (\\if ... \\endif): psql skips the statements of the "
    "branches it does not take, which apply would run",
    "g": "sends the statement with psql's output options (to a file or a shell command)",
    "gset": "stores the statement's result in psql variables, which apply does not",
    "gdesc": "makes psql describe the statement without running it, which apply would run",
    "watch": "makes psql run the statement again and again",
    "crosstabview": "sends the statement with psql's output options",
    "q": "makes psql stop reading the file: apply would run the statements after it",
    "r": "makes psql drop the statement being written, which apply would run",
    "o": "writes results to a file or a shell command on the client",
    "w": "writes to a file or a shell command on the client",
    "cd": "changes the folder psql reads \\i files from",
    "prompt": "reads a psql variable from the terminal",
    "bind": "gives the next statement parameters, which apply does not",
    "lo": "runs large-object functions through psql's client",
    ";": "joins the statements around it into one query, which the server runs in one "
    "transaction; apply sends them one by one",
}
_SAME_AS = {
    "connect": "c",
    "elif": "if",
    "else": "if",
    "endif": "if",
    "gx": "g",
    "quit": "q",
    "reset": "r",
    "out": "o",
    "write": "w",
    "bind_named": "bind",
    "lo_import": "lo",
    "lo_export": "lo",
    "lo_unlink": "lo",
}
_UNKNOWN = "is a psql meta-command whose effect apply does not reproduce"
_BACKQUOTE = "runs a shell command (its backquoted argument), which apply never does"
# Meta-commands whose argument is the rest of the line, backslashes included.
_WHOLE_LINE = frozenset({"!", "copy", "h", "help", "ef", "ev", "sf", "sv"})
_NAME = re.compile(r"\\([A-Za-z_]\w*\+?|.)", re.S)
# A psql variable read: `:name`, `:'name'`, `:"name"`, `:{?name}`; not a `::` cast.
_VARIABLE_NAME = re.compile(r"\w+")
_UTF8 = frozenset({"utf8", "unicode"})


@dataclass(frozen=True)
class MetaCommand:
    name: str  # without its backslash: "set", "if", "!"
    argument: str  # as written, up to the next meta-command on the line


@dataclass(frozen=True)
class Refusal:
    statement: Statement
    written: str  # the meta-command as the message names it: `\if`, `\set tbl`
    why: str


def commands(text: str) -> list[MetaCommand]:
    """The meta-commands of a meta-command line: like psql, an unquoted backslash in the
    arguments starts the next one (`\\echo a \\connect b` is two)."""
    out = []
    pos = 0
    while (match := _NAME.search(text, pos)) is not None:
        name = match.group(1)
        end = len(text) if name in _WHOLE_LINE else _argument_end(text, match.end())
        if name != "\\":  # `\\` separates meta-commands on a line
            out.append(MetaCommand(name, text[match.end() : end].strip()))
        pos = end
    return out


def _argument_end(text: str, pos: int) -> int:
    quote = ""
    while pos < len(text):
        char = text[pos]
        if quote:
            if char == "\\" and quote == "'":
                pos += 1  # an escape inside single quotes
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "\\":
            return pos
        pos += 1
    return pos


def refusals(statements: Sequence[Statement]) -> Iterator[Refusal]:
    """The meta-commands among `statements` (one file's) whose effect apply does not
    reproduce, each with the reason. psql runs an included file (`\\i`, `\\ir`) with the
    including file's variables: a `\\set` before the include of a file that reads the
    variable is judged as one the file itself reads."""
    read: set[str] | None = None  # the psql variables the file reads, found once needed
    for at, statement in enumerate(statements):
        if statement.kind is not Kind.META:
            continue
        for command in commands(statement.text):
            if "`" in command.argument:
                yield Refusal(statement, f"\\{command.name}", _BACKQUOTE)
                continue
            if command.name in ("set", "unset"):
                if read is None:
                    read = _variables_read(statements)
                why = _variable_refusal(command, read, _included_reads(statements[at + 1 :]))
                variable = command.argument.split(maxsplit=1)[:1]
                written = " ".join([f"\\{command.name}", *variable])
            else:
                why, written = _refusal(command), f"\\{command.name}"
            if why is not None:
                yield Refusal(statement, written, why)


def _refusal(command: MetaCommand) -> str | None:
    if command.name in _PRINTS or command.name in INCLUDE:
        return None
    if command.name == "encoding":
        encoding = re.sub(r"[^a-z0-9]", "", command.argument.lower())
        if not encoding or encoding in _UTF8:
            return None
        return "makes psql send the rest of the file in another encoding; apply sends UTF-8"
    return _WHY.get(_SAME_AS.get(command.name, command.name), _UNKNOWN)


def _variable_refusal(
    command: MetaCommand, read: set[str], included: Iterator[tuple[str, set[str]]]
) -> str | None:
    words = command.argument.split(maxsplit=1)
    if not words or words[0] in _DISPLAY_VARIABLES:
        return None
    name = words[0]
    if name in _RUN_VARIABLES:
        return f"sets psql's {name}, which {_RUN_VARIABLES[name]}: apply does not"
    if name in read:
        return f"sets a psql variable the file reads (:{name}); apply does not substitute it"
    reader = next((written for written, names in included if name in names), None)
    if reader is not None:
        return (
            f"sets a psql variable (:{name}) that {reader}, included after it, reads; apply "
            "does not substitute it"
        )
    return None


def _included_reads(
    statements: Sequence[Statement], seen: frozenset[Path] = frozenset()
) -> Iterator[tuple[str, set[str]]]:
    """The files the statements include, in order (and those they include in turn), each
    named as written with the variables it reads; files that cannot be read are passed over (DSQL011
    reports them)."""
    from dsql_lint.syntax.formats import statements as file_statements

    for statement in statements:
        include = include_of(statement) if statement.kind is Kind.META else None
        if include is None or include.path is None or include.path in seen:
            continue
        try:
            source = read_source(str(include.path), strict=False)
        except InputError:
            continue
        included = file_statements(source)
        yield include.name, _variables_read(included)
        yield from _included_reads(included, seen | {include.path})


def _variables_read(statements: Sequence[Statement]) -> set[str]:
    """The psql variables the statements read, where reading changes what the server gets:
    in SQL and in meta-commands other than those that only print."""
    texts = [
        text
        for statement in statements
        if statement.kind is not Kind.COPY_DATA
        for text in (
            [statement.text]
            if statement.kind is Kind.SQL
            else [c.argument for c in commands(statement.text) if c.name not in _PRINTS]
        )
    ]
    # Found as psql finds them: not in strings, quoted names, dollar quotes or comments.
    return {
        name.group()
        for text in texts
        for start, end in bindings.mask(text, bindings.STYLES["psql"], bindings.PSQL_READS)[1]
        if (name := _VARIABLE_NAME.search(text, start, end))
    }
