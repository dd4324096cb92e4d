"""Bindings: the parts of a statement's text that its runner replaces before the server reads it.

psql substitutes its variables (`:var`, `:'var'`, `:"var"`); a driver or query builder its
placeholders (Knex's `?` and `??`, SQLAlchemy's `:name`, psycopg's `%s`). What they stand for
is not in the text, so the server's grammar is asked about the text with each binding masked
by a stand-in of the same length (positions hold): a number where a value goes, a name where
a name goes, a quoted string or name where the runner quotes the value. A stand-in cannot say
what the real value would make of the statement, so a refusal at a binding is no finding.

Each style is matched as its library matches it, in code only (strings, quoted names,
comments and dollar quotes are skipped): a cast's `::` and a slice's `a[1:2]` are no binding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a binding's named group stands for, and so its stand-in.
_VALUE = "value"  # a value: digits, a literal the grammar takes wherever a value goes
_NAME = "name"  # a name, or psql's text put in as written: underscores, an identifier
_QUOTED = "quoted"  # psql's :'var' and :"var": the same quotes around underscores
_ESCAPE = "escape"  # an escaped binding character (`\?`, `%%`): the character alone

# psql's `:name` right after a word, as in `t:x` or a slice's `a[lo:hi]`: psql's lexer reads
# it (its variable rule matches after any token but `::`), puts in a variable's value, and
# leaves it as written when the variable has none, which the server then reads as written.
GLUED = "glued"

KINDS = frozenset({_VALUE, _NAME, _QUOTED, _ESCAPE})
# The reads of psql's variables, glued ones too (not masked: as written, they are judged).
PSQL_READS = KINDS | {GLUED}
# Only a name binding: a parser that reads a value binding as a placeholder (sqlglot reads
# `?`, `:name`, `%s`) still needs a name where a name goes.
NAMES = frozenset({_NAME})
# What the linter's own parser is given in place of the bindings: names as names, and an
# escaped binding character as the character the library sends (psycopg's `%%` is `%`).
PARSER_KINDS = frozenset({_NAME, _ESCAPE})

_NAMED = r"(?<![:\w\\]):\w+(?![\w:])"  # SQLAlchemy's pattern for text() binds, whole words
# Each alternative starts with its character, the lookbehind after it: so the search skips
# at C speed to the characters that can start one, instead of trying every position (every
# statement with a colon is searched: a time's in a string).
_SKIPPED = re.compile(
    r"""'[^']*(?:''[^']*)*'|"[^"]*(?:""[^"]*)*"|--[^\n]*|/\*"""
    r"""|[eE](?<![\w$][eE])'(?:[^'\\]|\\.|'')*'"""
    r"""|\$(?<![\w$]\$)(?P<tag>(?:[^\W\d]\w*)?)\$[\s\S]*?\$(?P=tag)\$"""
)


@dataclass(frozen=True)
class Style:
    """A runner's binding syntax: one alternative per kind of binding, in `_VALUE`, `_NAME`,
    `_QUOTED` or `_ESCAPE` groups."""

    name: str
    pattern: re.Pattern[str]
    # The characters a binding can start with: a statement with none is as written (a test
    # at C speed before `pattern`, which not every style leads with a character).
    first: re.Pattern[str]
    # A binding (its kind's group) or what skips one (a string, a quoted name, a comment, a
    # dollar quote: no kind's group), the first of them from a position in one search; what
    # skips it first when both start there.
    scan: re.Pattern[str]


def _style(name: str, first: str, /, prefix: str = "", **groups: str) -> Style:
    """`prefix`: what every binding starts with; a pattern that starts with a literal is
    searched for far faster (that one matters: every statement of a SQL file is searched)."""
    alternatives = "|".join(f"(?P<{kind}>{regex})" for kind, regex in groups.items())
    binding = f"{prefix}(?:{alternatives})"
    # (no group around the skipped alternatives: each starts with its character, which the
    # search skips to, not trying every position)
    scan = re.compile(f"{_SKIPPED.pattern}|{binding}")
    return Style(name, re.compile(binding), re.compile(f"[{re.escape(first)}]"), scan)


STYLES = {
    # psql: `:var` is put in as written, `:'var'` as a quoted literal, `:"var"` as a quoted
    # name, `:{?var}` as TRUE or FALSE.
    "psql": _style(
        "psql",
        ":",
        prefix=r":(?<!::)",  # a colon not after a colon (a `::` cast)
        quoted=r"'\w+'|\"\w+\"",
        value=r"\{\?\w+\}",
        glued=r"(?<=\w:)\w+",
        name=r"\w+",
    ),
    # Knex (and MikroORM, which runs its SQL through Knex): `\?` is a question mark, `??` a
    # name, `?` a value; with an object of bindings `:name:` a name and `:name` a value.
    "knex": _style(
        "knex",
        "?:",
        escape=r"\\\?",
        name=r"\?\?|(?<![:\w]):\w+:(?!:)",
        value=rf"\?|{_NAMED}",
    ),
    # Sequelize: replacements `?` and `:name`, bind parameters `$name` (`$1` is PostgreSQL's).
    "sequelize": _style("sequelize", "?:$", value=rf"\?|{_NAMED}|(?<![\w$])\$[^\W\d]\w*(?![\w$])"),
    # SQLAlchemy's text(), which Alembic's op.execute wraps a string in: `\:` is a colon.
    "sqlalchemy": _style("sqlalchemy", ":", escape=r"\\:", value=_NAMED),
    # psycopg, as Django's RunSQL passes its params: `%s`, `%(name)s`, and `%%` for a `%`.
    "pyformat": _style("pyformat", "%", escape="%%", value=r"%(?:\(\w+\))?s"),
}


def mask(
    sql: str, style: Style, kinds: frozenset[str] = KINDS
) -> tuple[str, list[tuple[int, int]]]:
    """`sql` with each binding of `kinds` replaced by its stand-in, and the spans of the
    bindings replaced."""
    if style.first.search(sql) is None or style.pattern.search(sql) is None:
        return sql, []  # most statements: `::` casts only
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = done = 0
    scan = style.scan.search
    while (found := scan(sql, pos)) is not None:
        kind = found.lastgroup
        if kind not in PSQL_READS:  # a string, name or comment opens first: skipped whole
            start = found.start()
            pos = _comment_end(sql, start) if sql[start] == "/" else found.end()
            continue
        start, end = found.span()
        pos = end
        if kind not in kinds:
            continue
        out.append(sql[done:start])
        out.append(_stand_in(kind, sql[start:end]))
        if kind != _ESCAPE:
            spans.append((start, end))
        done = end
    out.append(sql[done:])
    return "".join(out), spans


def _comment_end(sql: str, i: int) -> int:
    """Where the block comment that opens at `i` ends: comments nest in PostgreSQL."""
    depth = 0
    for delimiter in re.finditer(r"/\*|\*/", sql[i:]):
        depth += 1 if delimiter.group() == "/*" else -1
        if depth == 0:
            return i + delimiter.end()
    return len(sql)


def _stand_in(kind: str, text: str) -> str:
    if kind == _ESCAPE:
        return " " + text[1:]
    if kind == _NAME:
        return "_" * len(text)
    if kind == _QUOTED:
        return text[1] + "_" * (len(text) - 2) + text[1]
    return "0" * len(text)
