"""PostgreSQL's own grammar as the judge of syntax.

sqlglot reads many dialects and is lenient on purpose: it takes `ENGINE=InnoDB`, a trailing
comma in a column list, `UPDATE ... LIMIT` or `varchar CHARACTER SET utf8`, and what it
cannot read it keeps as a bare Command, so a statement the server refuses with a syntax error
would pass unexamined. pglast binds libpg_query, which is the PostgreSQL server's parser: it
says what the server's grammar answers, with its message and position. DSQL's own additions
to the grammar (`CREATE [UNIQUE] INDEX ASYNC`, `ALTER TABLE ASYNC`) are blanked before
asking, and bindings (psql's variables, an ORM's placeholders) masked; function bodies are
strings to this grammar, as they are to the server's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dsql_lint.syntax.bindings import Style, mask

# DSQL's ASYNC keyword, blanked to spaces so that every position stays where it was; also in
# the elements of a CREATE SCHEMA. Words are apart by spaces or comments.
_GAP = r"(?:\s|/\*.*?\*/|--[^\n]*(?:\n|\Z))+"
_ASYNC = re.compile(
    rf"(\b(?:CREATE{_GAP}(?:UNIQUE{_GAP})?INDEX|ALTER{_GAP}TABLE){_GAP})ASYNC\b",
    re.I | re.S,
)

_ANY_ASYNC = re.compile("async", re.I).search  # a literal search: most statements have none

# pglast turns the server's error position into a character offset as if it counted bytes, but
# PostgreSQL counts characters: past a non-ASCII character the offset falls short. Every
# non-ASCII character is a letter to PostgreSQL's scanner (an identifier's or inside a string),
# so an ASCII letter in its place reads the same and makes bytes and characters one.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True)
class Rejection:
    message: str  # the server's own words: `syntax error at or near "ENGINE"`
    offset: int | None  # character offset in the statement; None: at its end


def rejection(sql: str, bindings: Style | None = None) -> Rejection | None:
    """What PostgreSQL's grammar says of `sql` (one statement): None when it accepts it, or
    when it refuses it at a binding of `bindings`' syntax (what its value makes of the
    statement is not known)."""
    from pglast.parser import ParseError

    masked, spans = mask(sql, bindings) if bindings is not None else (sql, [])
    if _ANY_ASYNC(masked):
        masked = _ASYNC.sub(lambda m: m.group(1) + "     ", masked)
    try:
        _parse(masked)
    except ParseError as err:
        message, offset = (err.args + (None, None))[:2]
        if not isinstance(offset, int):
            offset = None
        elif not masked.isascii():
            offset = _ascii_offset(masked)
        if offset is not None and any(start <= offset < end for start, end in spans):
            return None
        return Rejection(str(message), offset)
    return None


def reading(sql: str) -> Any:
    """What `sql` means to PostgreSQL's parser: its tree, without positions and with the
    `pg_catalog` that the grammar puts before the types and functions it names itself
    (`boolean` is pg_catalog.bool, `bool` bool). Two texts of one reading mean the same;
    the tests and `bench/grammar_gaps.py --meaning` hold regenerated SQL to it. Raises
    pglast's ParseError for a text PostgreSQL refuses."""
    import json

    from pglast.parser import parse_sql_json

    catalog = {"String": {"sval": "pg_catalog"}}

    def bare(node: Any) -> Any:
        if isinstance(node, list):
            return [bare(item) for item in node if item != catalog]
        if isinstance(node, dict):
            return {k: bare(v) for k, v in node.items() if not k.endswith(("location", "_len"))}
        return node

    return bare(json.loads(parse_sql_json(sql)))


def _parse(sql: str) -> None:
    """Parses `sql` as the server does, raising pglast's ParseError if it refuses it: the
    parser's own split, which builds no JSON of the tree (that cost ten times the text: 1 s
    and 50 MB for an INSERT of 400,000 rows)."""
    from pglast.parser import split

    split(sql, with_parser=True)


def _ascii_offset(masked: str) -> int | None:
    from pglast.parser import ParseError

    try:
        _parse(_NON_ASCII.sub("x", masked))
    except ParseError as err:
        offset = (err.args + (None, None))[1]
        return offset if isinstance(offset, int) else None
    return None
