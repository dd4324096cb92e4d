"""Parsing one statement with the DSQL dialect.

INTERFACE (stable; other modules depend on it):
    parse(statement) -> Parsed
    node_span(parsed, node) -> (start, end)   absolute character offsets, end exclusive
    head_span(parsed, node) -> (start, end)   the node's leading keywords (CREATE INDEX ASYNC)
    moved(parsed, statement) -> Parsed        a parse reused for the same text elsewhere
    parse_in_chunks(statement) -> Iterator[Parsed | None] | None
                                              a long INSERT ... VALUES, a chunk of rows a parse

Spans are computed in `spans.py` (grammar layouts) and `align.py` (their fallback).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax import rows
from dsql_lint.syntax.dialect import DSQL, INTERNAL_ARRAY, rewrite_internal_arrays
from dsql_lint.syntax.rows import RowCount
from dsql_lint.syntax.spans import head_span, node_span
from dsql_lint.syntax.split import Kind, Statement

__all__ = ["Parsed", "head_span", "moved", "node_span", "parse", "parse_in_chunks"]


@dataclass(slots=True, eq=False)
class Parsed:
    statement: Statement
    tree: exp.Expr | None  # None when the statement is not SQL or did not parse
    tokens: list[Any] = field(default_factory=list)  # sqlglot tokens, offsets relative to statement
    error: str | None = None
    error_offset: int | None = None  # absolute character offset of the parse error
    _spans: Any = field(default=None, repr=False)  # node_span's per-statement cache
    # A long VALUES list read in chunks (`rows.py`): set on the last chunk's parse, the
    # statement's shape, whose list stands for every row.
    rows: RowCount | None = None


class _DropUnsupportedSyntax(logging.Filter):
    """sqlglot warns for every statement it keeps as an exp.Command; for a linter those are
    valid PostgreSQL it does not model, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "contains unsupported syntax" not in str(record.msg)


logging.getLogger("sqlglot").addFilter(_DropUnsupportedSyntax())

_DIALECT = DSQL()
_TOKENIZER = _DIALECT.tokenizer()
_PARSER = _DIALECT.parser(error_level=ErrorLevel.IMMEDIATE, error_message_context=0)


_ROUTINES = ("FUNCTION", "PROCEDURE")


def _link_modes(tree: exp.Expr) -> None:
    """sqlglot puts a parameter's mode (`IN a int`) in its column's constraints without
    linking it to the column: linked here, so that a node path finds it again."""
    for column in tree.find_all(exp.ColumnDef):
        constraints = column.args.get("constraints") or []
        if any(constraint.parent is None for constraint in constraints):
            column.set("constraints", constraints)  # links each, with its index


def parse(statement: Statement) -> Parsed:
    """Parses one statement; never raises."""
    if statement.kind is not Kind.SQL:
        return Parsed(statement, None)
    return _parse(statement)


def parse_in_chunks(statement: Statement) -> Iterator[Parsed | None] | None:
    """A long `INSERT ... VALUES` (see `rows.py`) parsed as its head and a chunk of rows at a
    time, in order, the last parse with the tail and counting every row; None for any other
    statement. A None among the parses: the statement does not read as rows after all and is
    to be parsed whole."""
    long = rows.long_values(statement, _TOKENIZER)
    if long is None:
        return None
    return (
        None if chunk is None else Parsed(statement, chunk.tree, chunk.tokens, rows=chunk.rows)
        for chunk in rows.chunks(long, _ROWS_TOKENIZER, _PARSER)
    )


class _RowsTokenizer:
    """The tokenizer of a chunk of rows, which reads `_int4` as `int4[]` and a psql variable
    as one token, as `_parse` does."""

    def tokenize(self, text: str) -> list[Token]:
        tokens = _TOKENIZER.tokenize(text)
        if INTERNAL_ARRAY.search(text) is not None:
            tokens = rewrite_internal_arrays(tokens)
        return _glue_psql_reads(tokens) if _QUOTED_READ.search(text) else tokens


_ROWS_TOKENIZER = _RowsTokenizer()


# What a psql read of a quoted value needs: a colon right before a string or quoted name (a
# token that starts with its quote, or `U&`). Most colons are in times and casts.
_QUOTED_READ = re.compile(r":(?:['\"]|[uU]&)")


def _glue_psql_reads(tokens: list[Token]) -> list[Token]:
    """psql's `:'var'` and `:"var"` as one token: the quoted string or name, starting at the
    colon, as the value psql puts there does. The grammar has no such colon (the dialect
    drops it), and the tokens kept for spans are those the tree was parsed from: else a
    span placed by aligning them holds the colon alone, or the next node's text."""
    out: list[Token] = []
    for token in tokens:
        colon = out[-1] if out else None
        if (
            colon is not None
            and colon.token_type is TokenType.COLON
            and token.token_type in (TokenType.STRING, TokenType.IDENTIFIER)
            and token.start == colon.end + 1
        ):
            out[-1] = Token(
                token.token_type, token.text, token.line, colon.col, colon.start, token.end,
                colon.comments + token.comments,
            )  # fmt: skip
        else:
            out.append(token)
    return out


def moved(earlier: Parsed, statement: Statement) -> Parsed:
    """The parse of `statement` from that of the same text elsewhere: its tokens and tree are
    relative to the statement, and so are the spans it computed (taken over)."""
    found = Parsed(statement, earlier.tree, earlier.tokens, rows=earlier.rows)
    if earlier._spans is not None:
        found._spans, earlier._spans = earlier._spans, None
        found._spans.parsed = found
    return found


def _parse(statement: Statement) -> Parsed:
    body = statement.body
    try:
        tokens = _TOKENIZER.tokenize(body)
    except TokenError as err:
        message = _first_line(err).replace("Error tokenizing", "the parser cannot read the text", 1)
        return Parsed(statement, None, error=message, error_offset=statement.start)
    except Exception as err:  # noqa: BLE001 - any input must give a result, not a crash
        return _internal_error(statement, [], err)
    if INTERNAL_ARRAY.search(body) is not None:
        tokens = rewrite_internal_arrays(tokens)
    if _QUOTED_READ.search(body) is not None:
        tokens = _glue_psql_reads(tokens)
    try:
        trees = _PARSER.parse(tokens, body)
    except ParseError as err:
        return _parse_error(statement, tokens, err)
    except Exception as err:  # noqa: BLE001
        return _internal_error(statement, tokens, err)
    tree = next((t for t in trees if t is not None), None)
    if tree is not None and tree.parent is not None:
        # A form lifted out of the node sqlglot read it as (WITH ... VALUES): the root has no
        # parent, or node paths, which rebuild findings, would start above it.
        tree.pop()
    if isinstance(tree, exp.Create | exp.Drop) and tree.args.get("kind") in _ROUTINES:
        _link_modes(tree)
    if tree is None and tokens:  # sqlglot gave up without saying why, e.g. on `+`
        offset = statement.start + tokens[0].start
        return Parsed(statement, None, tokens, error="cannot parse", error_offset=offset)
    return Parsed(statement, tree, tokens)


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _parse_error(statement: Statement, tokens: list[Any], err: ParseError) -> Parsed:
    info = err.errors[0] if err.errors else {}
    description = _TOKEN_REPR.sub(_token_text, info.get("description") or _first_line(err))
    offset = _token_offset(tokens, info.get("line"), info.get("col"))
    if offset is None:
        offset = 0
    near = next((_cut(t.text) for t in tokens if t.start == offset), None)
    message = _plain(description, near)
    return Parsed(statement, None, tokens, error=message, error_offset=statement.start + offset)


def _plain(description: str, near: str | None) -> str:
    """sqlglot's message in a user's words, PostgreSQL's way (`at or near "x"`): not the
    parser's internals (`Invalid expression / Unexpected token`, `<class '...Comment'>`)."""
    got = _EXPECTED_GOT.match(description)
    if got:
        return f"expected {got.group(1)}, found {got.group(2)}"
    where = f'the parser stops at "{near}"' if near else "the parser stops here"
    expected = _EXPECTING.match(description)
    if expected:
        return f"{where}, expecting {expected.group(1)}"
    missing = _MISSING_ARG.search(description)
    if missing:
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", missing.group(1)).lower()
        return f"{where}: it does not know this form of {words}"
    if description.startswith("Invalid expression"):
        return where
    return f"{where}: {description}"


def _cut(token: str, limit: int = 40) -> str:
    """A long token (a string literal) named in a message by its start."""
    return token if len(token) <= limit else token[: limit - 1] + "…"


_EXPECTING = re.compile(r"Expecting (.+)$")
_EXPECTED_GOT = re.compile(r"Expected (.+?) but got (.+)$")
_MISSING_ARG = re.compile(r"missing for <class '[\w.]*?\.(\w+)'>")


# sqlglot puts a token's repr in some messages: "Expected table name but got <Token ...>".
_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")


def _token_text(match: re.Match[str]) -> str:
    return "the end of the statement" if match.group(1) == "SENTINEL" else repr(match.group(2))


def _internal_error(statement: Statement, tokens: list[Any], err: Exception) -> Parsed:
    if isinstance(err, RecursionError):
        message = "it is nested too deeply for the parser"
    else:
        message = f"the parser failed on it ({type(err).__name__}: {_first_line(err)})"
    return Parsed(statement, None, tokens, error=message, error_offset=statement.start)


def _token_offset(tokens: list[Any], line: int | None, col: int | None) -> int | None:
    """Start of the token sqlglot reports at (line, col): its position is the token's last
    character."""
    if line is None or col is None:
        return None
    for token in tokens:
        if token.line == line and token.col == col:
            return token.start
    return None
