"""Statements nested in a statement, which PostgreSQL runs or checks as statements of their own.

INTERFACE:
    inner_statements(parsed) -> Inner       the nested statements, with exact offsets

- `CREATE SCHEMA s [AUTHORIZATION r] CREATE TABLE ... CREATE INDEX ... GRANT ...`: each schema
  element is a statement run with the schema (`runs_now`: its effects count).
- `CREATE FUNCTION/PROCEDURE ... LANGUAGE sql AS $$ body $$`, `AS 'body'` and `... BEGIN
  ATOMIC body END`: the body's statements, run at each call (`runs_now` is False). A body
  written as a single-quoted string is read through a copy of the file in which each doubled
  quote of the body is one quote and a space (`unquoted`): offsets stay those of the file.
- `DO [LANGUAGE plpgsql] $$ body $$`: the SQL statements of the PL/pgSQL block, as
  PostgreSQL's PL/pgSQL parser reads them (in IF, LOOP and EXCEPTION branches too; not the
  strings EXECUTE runs), run now (`runs_now`). DSQL refuses the block (DSQL005); what it
  holds is what must be rewritten as statements, with their own findings.

Each nested statement shares the outer statement's source and index, so its findings point
into the file and belong to the statement that holds them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot.tokens import TokenType

from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Kind, Statement, split

_SCHEMA_ELEMENTS = frozenset({TokenType.CREATE, TokenType.GRANT})
_ROUTINES = frozenset({"FUNCTION", "PROCEDURE"})
# DO, its language before or after the body, and the body: dollar-quoted, or single-quoted
# (group `quoted`).
_LANGUAGE = r"LANGUAGE\s+(?P<{}>\w+|\"[^\"]*\")"
_DO = re.compile(
    r"DO\s+(?:" + _LANGUAGE.format("before") + r"\s+)?"
    r"(?:(?P<tag>\$(?:[^\W\d]\w*)?\$)(?P<dollar>.*?)(?P=tag)|'(?P<quoted>(?:[^']|'')*)')"
    r"(?:\s+" + _LANGUAGE.format("after") + r")?\s*;?\s*\Z",
    re.I | re.S,
)


@dataclass(frozen=True, slots=True)
class Inner:
    statements: list[Statement] = field(default_factory=list)
    runs_now: bool = False  # run with the outer statement (schema elements), not on call


_NONE = Inner()


def inner_statements(parsed: Any) -> Inner:
    """The statements nested in `parsed` (a Parsed), none for most statements."""
    tokens = parsed.tokens
    if tokens and tokens[0].text.upper() == "DO":
        return _do_block(parsed.statement)
    if len(tokens) < 3 or tokens[0].token_type is not TokenType.CREATE:
        return _NONE
    if tokens[1].token_type is TokenType.SCHEMA:
        return Inner(_schema_elements(parsed.statement, tokens), runs_now=True)
    words = [t.text.upper() for t in tokens[1:4]]
    language = _language(tokens)
    if not _ROUTINES.intersection(words) or language not in ("sql", None):
        return _NONE
    body = _body(parsed.statement, tokens)
    if body is None:
        return _NONE
    start, end, quoted, atomic = body
    if language is None and not atomic:  # PostgreSQL: a quoted body needs its LANGUAGE
        return _NONE
    source = parsed.statement.source
    if quoted:
        # Same length, same line ends: positions, line starts and byte counts are the file's.
        text = source.text
        source = dataclasses.replace(
            source, text=text[:start] + unquoted(text[start:end]) + text[end:]
        )
    return Inner(_statements_in(parsed.statement, source, start, end))


def _do_block(statement: Statement) -> Inner:
    match = _DO.match(statement.text)
    if match is None:
        return _NONE
    language = (match.group("before") or match.group("after") or "plpgsql").strip('"')
    if language.lower() != "plpgsql":
        return _NONE
    quoted = match.group("quoted") is not None
    group = "quoted" if quoted else "dollar"
    start, end = statement.start + match.start(group), statement.start + match.end(group)
    source = statement.source
    if quoted:
        text = source.text
        source = dataclasses.replace(
            source, text=text[:start] + unquoted(text[start:end]) + text[end:]
        )
    body = source.text[start:end]
    out = []
    for offset, query in _plpgsql_statements(body):
        out.append(_nested(statement, start + offset, start + offset + len(query), source))
    return Inner(out, runs_now=True)


def _plpgsql_statements(body: str) -> list[tuple[int, str]]:
    """(offset in `body`, text) of each SQL statement of a PL/pgSQL block, in text order;
    none if PL/pgSQL's parser refuses it."""
    from pglast.parser import ParseError, parse_plpgsql_json

    tag = "$dsql_lint$"
    while tag in body:
        tag = tag[:-1] + "_$"
    # The body's first line is the function's: PL/pgSQL's line numbers are the body's.
    wrapped = f"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"
    try:
        tree = json.loads(parse_plpgsql_json(wrapped))
    except ParseError:
        return []
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", body)]
    out = []
    for line, query in _executed_sql(tree):
        at = body.find(query, line_starts[min(max(line, 1), len(line_starts)) - 1])
        if at >= 0:
            out.append((at, query))
    return sorted(out)


def _executed_sql(node: Any) -> Iterator[tuple[int, str]]:
    """(line, text) of each SQL statement PL/pgSQL runs as written, at any depth."""
    if isinstance(node, list):
        for item in node:
            yield from _executed_sql(item)
    elif isinstance(node, dict):
        executed = node.get("PLpgSQL_stmt_execsql")
        if executed is not None:
            query = executed.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
            if query:
                yield executed.get("lineno", 1), query
            return
        for value in node.values():
            yield from _executed_sql(value)


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


def _language(tokens: list[Any]) -> str | None:
    """The routine's LANGUAGE, lower case; None where it names none (a BEGIN ATOMIC body is
    SQL then, as PostgreSQL reads it)."""
    return next(
        (
            tokens[i + 1].text.lower()
            for i in range(len(tokens) - 1)
            if tokens[i].text.upper() == "LANGUAGE"
        ),
        None,
    )


def _body(statement: Statement, tokens: list[Any]) -> tuple[int, int, bool, bool] | None:
    """Absolute offsets of the body's text: inside the dollar quotes or single quotes (then
    True), or between BEGIN ATOMIC and the last END (then atomic, the last True)."""
    text = statement.source.text
    for i, token in enumerate(tokens):
        start, end = statement.start + token.start, statement.start + token.end + 1
        if token.token_type is TokenType.HEREDOC_STRING:
            if text[start] != "$":
                continue
            tag = text[start : text.index("$", start + 1) + 1]
            return start + len(tag), end - len(tag), False, False
        if (
            token.token_type is TokenType.STRING
            and text[start] == "'"
            and i > 0
            and tokens[i - 1].token_type is TokenType.ALIAS
        ):
            return start + 1, end - 1, True, False
        if (
            token.token_type is TokenType.BEGIN
            and i + 1 < len(tokens)
            and tokens[i + 1].text.upper() == "ATOMIC"
        ):
            ends = [t for t in tokens[i + 2 :] if t.token_type is TokenType.END]
            if ends:
                start = statement.start + tokens[i + 1].end + 1
                return start, statement.start + ends[-1].start, False, True
    return None


def _statements_in(statement: Statement, source: Source, start: int, end: int) -> list[Statement]:
    """The statements of `source`'s text [start, end), split like a file's (strings, comments
    and dollar quotes of the body respected)."""
    # Spaces in front keep offsets absolute; line and column are the real source's.
    window = Source(source.path, " " * start + source.text[start:end])
    return [_nested(statement, s.start, s.end, source) for s in split(window) if s.kind is Kind.SQL]


def _nested(statement: Statement, start: int, end: int, source: Source | None = None) -> Statement:
    source = source or statement.source
    line, col = source.position(start)
    return dataclasses.replace(
        statement,
        source=source,
        start=start,
        end=end,
        line=line,
        col=col,
        tx=None,
        tx_control=None,
    )


def unquoted(body: str) -> str:
    """A single-quoted string's content with each doubled quote read as one, padded with a
    space to its length: outside the body's own literals before an opening quote and after a
    closing one (inside, after a prefix such as E'), inside them after an escaped quote.
    Comments of the body are kept as they are."""
    out: list[str] = []
    i, n, literal = 0, len(body), False
    while i < n:
        if literal:
            if body.startswith("''''", i):  # an escaped quote inside the body's literal
                out.append("''  ")
                i += 4
            elif body.startswith("''", i):
                out.append("' ")
                literal, i = False, i + 2
            else:
                out.append(body[i])
                i += 1
        elif body.startswith("''", i):
            prefixed = bool(out) and out[-1][-1:].isalnum()  # E'..', U&'..', date'..'
            out.append("' " if prefixed else " '")
            literal, i = True, i + 2
        elif body.startswith(("--", "/*"), i):
            close = "\n" if body.startswith("--", i) else "*/"
            stop = body.find(close, i + 2)
            stop = n if stop < 0 else stop + len(close)
            out.append(body[i:stop])
            i = stop
        else:
            out.append(body[i])
            i += 1
    return "".join(out)
