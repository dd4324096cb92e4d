"""Statements nested in a statement, which PostgreSQL runs or checks as statements of their own.

INTERFACE:
    inner_statements(parsed) -> Inner       the nested statements, with exact offsets

- `CREATE SCHEMA s [AUTHORIZATION r] CREATE TABLE ... CREATE INDEX ... GRANT ...`: each schema
  element is a statement run with the schema (`runs_now`: its effects count).
- `CREATE FUNCTION/PROCEDURE ... LANGUAGE sql AS $$ body $$` and `... BEGIN ATOMIC body END`:
  the body's statements, run at each call (`runs_now` is False). A body written as a
  single-quoted string is left alone: its doubled quotes would shift every offset.

Each nested statement shares the outer statement's source and index, so its findings point
into the file and belong to the statement that holds them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sqlglot.tokens import TokenType

from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Kind, Statement, split

_SCHEMA_ELEMENTS = frozenset({TokenType.CREATE, TokenType.GRANT})
_ROUTINES = frozenset({"FUNCTION", "PROCEDURE"})


@dataclass(frozen=True, slots=True)
class Inner:
    statements: list[Statement] = field(default_factory=list)
    runs_now: bool = False  # run with the outer statement (schema elements), not on call


_NONE = Inner()


def inner_statements(parsed: Any) -> Inner:
    """The statements nested in `parsed` (a Parsed), none for most statements."""
    tokens = parsed.tokens
    if len(tokens) < 3 or tokens[0].token_type is not TokenType.CREATE:
        return _NONE
    if tokens[1].token_type is TokenType.SCHEMA:
        return Inner(_schema_elements(parsed.statement, tokens), runs_now=True)
    words = [t.text.upper() for t in tokens[1:4]]
    if not _ROUTINES.intersection(words) or not _language_sql(tokens):
        return _NONE
    body = _body(parsed.statement, tokens)
    return Inner(_statements_in(parsed.statement, *body)) if body else _NONE


def _schema_elements(statement: Statement, tokens: list[Any]) -> list[Statement]:
    starts = [
        i
        for i, depth in _top_level(tokens)
        if i > 2 and depth == 0 and tokens[i].token_type in _SCHEMA_ELEMENTS
    ]
    out = []
    for n, first in enumerate(starts):
        last = (starts[n + 1] if n + 1 < len(starts) else len(tokens)) - 1
        if tokens[last].token_type is TokenType.SEMICOLON:
            last -= 1
        start = statement.start + tokens[first].start
        end = statement.start + tokens[last].end + 1
        out.append(_nested(statement, start, end))
    return out


def _top_level(tokens: list[Any]) -> list[tuple[int, int]]:
    """Each token's index and its parenthesis depth."""
    depth = 0
    out = []
    for i, token in enumerate(tokens):
        if token.token_type is TokenType.L_PAREN:
            depth += 1
        elif token.token_type is TokenType.R_PAREN:
            depth -= 1
        out.append((i, depth))
    return out


def _language_sql(tokens: list[Any]) -> bool:
    return any(
        tokens[i].text.upper() == "LANGUAGE" and tokens[i + 1].text.lower() == "sql"
        for i in range(len(tokens) - 1)
    )


def _body(statement: Statement, tokens: list[Any]) -> tuple[int, int] | None:
    """Absolute offsets of the body's text: inside the dollar quotes, or between BEGIN ATOMIC
    and the last END."""
    text = statement.source.text
    for i, token in enumerate(tokens):
        if token.token_type is TokenType.HEREDOC_STRING:
            start, end = statement.start + token.start, statement.start + token.end + 1
            if text[start] != "$":
                continue
            tag = text[start : text.index("$", start + 1) + 1]
            return start + len(tag), end - len(tag)
        if (
            token.token_type is TokenType.BEGIN
            and i + 1 < len(tokens)
            and tokens[i + 1].text.upper() == "ATOMIC"
        ):
            ends = [t for t in tokens[i + 2 :] if t.token_type is TokenType.END]
            if ends:
                return statement.start + tokens[i + 1].end + 1, statement.start + ends[-1].start
    return None


def _statements_in(statement: Statement, start: int, end: int) -> list[Statement]:
    """The statements of source text [start, end), split like a file's (strings, comments and
    dollar quotes of the body respected)."""
    # Spaces in front keep offsets absolute; line and column are the real source's.
    window = Source(statement.source.path, " " * start + statement.source.text[start:end])
    return [_nested(statement, s.start, s.end) for s in split(window) if s.kind is Kind.SQL]


def _nested(statement: Statement, start: int, end: int) -> Statement:
    line, col = statement.source.position(start)
    return dataclasses.replace(
        statement, start=start, end=end, line=line, col=col, tx=None, tx_control=None
    )
