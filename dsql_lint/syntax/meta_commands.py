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

from dsql_lint.syntax.includes import INCLUDE
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
_READ = re.compile(r"(?<!:):(?:'(\w+)'|\"(\w+)\"|\{\?(\w+)\}|(\w+))")
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
    reproduce, each with the reason."""
    read: set[str] | None = None  # the psql variables the file reads, found once needed
    for statement in statements:
        if statement.kind is not Kind.META:
            continue
        for command in commands(statement.text):
            if "`" in command.argument:
                yield Refusal(statement, f"\\{command.name}", _BACKQUOTE)
                continue
            if command.name in ("set", "unset"):
                if read is None:
                    read = _variables_read(statements)
                why = _variable_refusal(command, read)
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


def _variable_refusal(command: MetaCommand, read: set[str]) -> str | None:
    words = command.argument.split(maxsplit=1)
    if not words or words[0] in _DISPLAY_VARIABLES:
        return None
    name = words[0]
    if name in _RUN_VARIABLES:
        return f"sets psql's {name}, which {_RUN_VARIABLES[name]}: apply does not"
    if name in read:
        return f"sets a psql variable the file reads (:{name}); apply does not substitute it"
    return None


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
    return {
        next(group for group in match.groups() if group)
        for text in texts
        for match in _READ.finditer(text)
    }
