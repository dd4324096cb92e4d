"""PostgreSQL's own grammar as the judge of syntax.

sqlglot reads many dialects and is lenient on purpose: it takes `ENGINE=InnoDB`, a trailing
comma in a column list, `UPDATE ... LIMIT` or `varchar CHARACTER SET utf8`, and what it
cannot read it keeps as a bare Command, so a statement the server refuses with a syntax error
would pass unexamined. pglast binds libpg_query, which is the PostgreSQL server's parser: it
says what the server's grammar answers, with its message and position. DSQL's own additions
to the grammar (`CREATE [UNIQUE] INDEX ASYNC`, `ALTER TABLE ASYNC`) are blanked before
asking; function bodies are strings to this grammar, as they are to the server's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# DSQL's ASYNC keyword, blanked to spaces so that every position stays where it was; also in
# the elements of a CREATE SCHEMA. Words are apart by spaces or comments.
_GAP = r"(?:\s|/\*.*?\*/|--[^\n]*(?:\n|\Z))+"
_ASYNC = re.compile(
    rf"(\b(?:CREATE{_GAP}(?:UNIQUE{_GAP})?INDEX|ALTER{_GAP}TABLE){_GAP})ASYNC\b",
    re.I | re.S,
)

_ANY_ASYNC = re.compile("async", re.I).search  # a literal search: most statements have none


@dataclass(frozen=True)
class Rejection:
    message: str  # the server's own words: `syntax error at or near "ENGINE"`
    offset: int | None  # character offset in the statement; None: at its end


def rejection(sql: str) -> Rejection | None:
    """What PostgreSQL's grammar says of `sql` (one statement): None when it accepts it."""
    from pglast.parser import ParseError, split

    try:
        masked = _ASYNC.sub(lambda m: m.group(1) + "     ", sql) if _ANY_ASYNC(sql) else sql
        # The parser's own split: it parses as the server does, without building the tree's
        # JSON (which costs ten times the text: 1 s and 50 MB for 400,000 rows).
        split(masked, with_parser=True)
    except ParseError as err:
        message, offset = (err.args + (None, None))[:2]
        return Rejection(str(message), offset if isinstance(offset, int) else None)
    return None
