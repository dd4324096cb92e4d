"""psql's variables given from outside the file: `psql -v NAME=VALUE` (`--set`), which check
and apply take alike, or the configuration's `psql-variables:`. psql puts a variable's value
in where the SQL reads it, before the server sees the text (psqlscan.l): `:name` as written,
`:'name'` as a quoted literal, `:"name"` as a quoted name; a variable with no value is left
as written, which the server refuses. So check lints, and apply sends, the SQL with the values
put in, and a read of a variable with no value is a finding (and apply's refusal).

A variable the file itself `\\set`s or `\\unset`s is not put in from outside: psql would use
the file's value from there on, which apply does not substitute (DSQL013 says so)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dsql_lint.syntax import bindings
from dsql_lint.syntax.meta_commands import commands
from dsql_lint.syntax.split import Kind, Statement

# The message both check (the rule's) and apply (its refusal) give: `{variable}` as read.
NO_VALUE = (
    "psql variable `{variable}` has no value (no `\\set`, `-v NAME=VALUE` or `psql-variables:` "
    "gives it one): psql sends it as written, which the server refuses; `dsql-lint apply` "
    "refuses the migration"
)
RAW, LITERAL, IDENTIFIER, TEST = "raw", "literal", "identifier", "test"
_READ = re.compile(
    r":(?:'(?P<literal>\w+)'|\"(?P<identifier>\w+)\"|\{\?(?P<test>\w+)\}|(?P<raw>\w+))"
)
_NAME = re.compile(r"[A-Za-z_\x80-\uffff][\w\x80-\uffff]*")  # psql's valid_variable_name
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Read:
    """A variable read in a statement: offsets into the file's text."""

    start: int
    end: int
    name: str
    form: str  # RAW, LITERAL, IDENTIFIER or TEST (`:{?name}`: TRUE or FALSE, never unset,
    # and masked as any value: it is only of use in a `\\if`, which DSQL013 refuses)
    # Right after a word (`t:x`, a slice's `a[lo:hi]`): psql puts a value in, and sends it
    # as written when the variable has none, which may be what the SQL means.
    glued: bool = False

    @property
    def written(self) -> str:
        return {RAW: ":{}", LITERAL: ":'{}'", IDENTIFIER: ':"{}"', TEST: ":{{?{}}}"}[
            self.form
        ].format(self.name)


def assignment(text: str) -> tuple[str, str | None]:
    """`NAME=VALUE` as psql's `-v` reads it: (name, value); `NAME` alone unsets the variable
    (value None), as in psql. A name psql would refuse is a ValueError."""
    name, equals, value = text.partition("=")
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid psql variable name {name!r} (expected NAME=VALUE)")
    return name, value if equals else None


def given(assignments: Iterable[str], configured: Mapping[str, str]) -> dict[str, str]:
    """The variables of a run: the configuration's, then each `-v` in order over them."""
    values = dict(configured)
    for text in assignments:
        name, value = assignment(text)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


def reads(statements: Sequence[Statement]) -> list[Read]:
    """The variables the SQL statements read, found as psql finds them: not in strings,
    quoted names, dollar quotes, comments or `::` casts; not in COPY data; after a word too,
    as psql's lexer reads `t:x` (`Read.glued`)."""
    out = []
    style = bindings.STYLES["psql"]
    binding = style.pattern.search
    for statement in statements:
        if statement.kind is not Kind.SQL:
            continue
        text = statement.text
        # Most statements hold no binding at all (a time's colons): not masked.
        if ":" not in text or binding(text) is None:
            continue
        for start, end in bindings.mask(text, style, bindings.PSQL_READS)[1]:
            match = _READ.fullmatch(text, start, end)
            if match is not None and match.lastgroup is not None:
                at, form = statement.start + start, match.lastgroup
                glued = form == RAW and _WORD.match(text, start - 1) is not None
                out.append(Read(at, statement.start + end, match[form], form, glued))
    return out


def set_in_file(statements: Sequence[Statement]) -> set[str] | None:
    """The variables the file's meta-commands set or unset (`\\set`, `\\unset`, `\\getenv`,
    `\\prompt`); None when any may be set (`\\gset` names them after a query's columns).
    DSQL013 refuses all of them but `\\set` and `\\unset` of a variable no SQL reads."""
    names: set[str] = set()
    for statement in statements:
        if statement.kind is not Kind.META:
            continue
        for command in commands(statement.text):
            words = command.argument.split()
            if command.name in ("gset", "gxset"):
                return None
            if command.name in ("set", "unset", "getenv") and words:
                names.add(words[0])
            elif command.name == "prompt" and words:
                names.add(words[-1])
    return names


def value_of(read: Read, values: Mapping[str, str]) -> str:
    """What psql puts in for the read of a variable that has a value."""
    value = values[read.name]
    if read.form == IDENTIFIER:  # PQescapeIdentifier
        return '"' + value.replace('"', '""') + '"'
    if read.form == LITERAL:  # PQescapeLiteral: with a backslash, E'' and a space before it
        quoted = "'" + value.replace("'", "''").replace("\\", "\\\\") + "'"
        return f" E{quoted}" if "\\" in value else quoted
    return value


def unset(statements: Sequence[Statement], values: Mapping[str, str]) -> list[Read]:
    """The reads of variables with no value: neither given nor set in the file. Not a glued
    one: psql sends it as written, which the server's grammar judges (`a[lo:hi]` is a slice,
    `t:x` a syntax error)."""
    found = [
        r for r in reads(statements) if r.form != TEST and not r.glued and r.name not in values
    ]
    if not found:
        return []
    own = set_in_file(statements)
    return [] if own is None else [r for r in found if r.name not in own]


def substitutions(
    statements: Sequence[Statement], values: Mapping[str, str]
) -> list[tuple[Read, str]]:
    """Each read psql puts a given value in for, with the text it puts there."""
    if not values:
        return []
    found = [r for r in reads(statements) if r.form != TEST and r.name in values]
    if not found:
        return []
    own = set_in_file(statements)
    if own is None:
        return []
    return [(r, value_of(r, values)) for r in found if r.name not in own]


def substitute(text: str, done: Sequence[tuple[Read, str]]) -> str:
    """`text` with each read replaced by its value."""
    out, at = [], 0
    for read, value in done:
        out.append(text[at : read.start])
        out.append(value)
        at = read.end
    out.append(text[at:])
    return "".join(out)
