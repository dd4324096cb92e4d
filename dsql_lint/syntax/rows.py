"""A long `INSERT ... VALUES` list parsed a chunk of rows at a time.

sqlglot's tree of a statement costs about a hundred bytes per character of it, and a seed
file's single INSERT of 400,000 rows is an ordinary input: its tree alone would take
gigabytes. The rows of a VALUES list do not depend on each other, so such a statement is read
as its head (`INSERT INTO t (a, b) VALUES`), its rows and its tail (`ON CONFLICT ...`,
`RETURNING ...`), and parsed as a sequence of INSERTs of the head and one chunk of rows each.
Their tokens keep the statement's own offsets, so each tree's spans, text and findings are
those of the whole statement. The last parse, which has the tail too, is the statement's
shape: its VALUES list stands for every row (`Parsed.rows`).

A chunk ends at a `)` followed by a comma, taken only if the text up to it tokenizes as whole
rows: a `)` in a string, a quoted name, a comment or a dollar-quoted body does not end one,
and a chunk's tokens are exactly those the whole statement's would be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax.split import Kind, Statement

# Below this many characters a statement is parsed whole: its tree is a few megabytes.
MIN_CHARS = 100_000
# Characters of rows per parse: its tree lives until its rows are checked.
CHUNK_CHARS = 32_000

_VALUES = re.compile(r"\bVALUES\s*\(", re.I)
# A row's end, a comma and the next row: nothing between them can carry a comment, so no
# token of a chunk has one that the whole statement's tokens would not.
_ROW_END = re.compile(r"\)\s*,\s*\(")
_L_PAREN, _R_PAREN, _COMMA = TokenType.L_PAREN, TokenType.R_PAREN, TokenType.COMMA


class RowCount(NamedTuple):
    """The shape's VALUES list (its own items are the last chunk's rows) and how many rows
    the statement's list holds."""

    listed: list[Any]
    total: int


@dataclass(slots=True)
class LongValues:
    statement: Statement
    body: str  # the statement's text without its `;`, read once
    head: list[Token]  # INSERT ... VALUES, offsets in `body`
    start: int  # where the rows begin in `body`: the first row's `(`


def long_values(
    statement: Statement, tokenizer: Any, min_chars: int = MIN_CHARS
) -> LongValues | None:
    """The statement as a head and rows, if it is an `INSERT ... VALUES` of at least
    `min_chars` characters; None otherwise."""
    if statement.kind is not Kind.SQL or statement.end - statement.start < min_chars:
        return None
    body = statement.body
    found = _VALUES.search(body)
    if found is None:
        return None
    start = found.end() - 1
    head = _tokenize(tokenizer, body, 0, start)
    if (
        not head
        or head[0].token_type is not TokenType.INSERT
        or head[-1].token_type is not TokenType.VALUES
        or head[-1].start != found.start()  # the word found is the VALUES keyword
        or _depth(head) != 0  # not a VALUES nested in the statement
    ):
        return None
    return LongValues(statement, body, head, start)


class Chunk(NamedTuple):
    tokens: list[Token]  # the head's and the chunk's (and the tail's), offsets in the body
    tree: exp.Insert
    rows: RowCount | None  # the last chunk's: every row of the statement


def chunks(
    long: LongValues, tokenizer: Any, parser: Any, size: int = CHUNK_CHARS
) -> Iterator[Chunk | None]:
    """The statement's head with each chunk of about `size` characters of rows, parsed, in
    order; the last one has the tail too and counts every row. A None where the text does not
    read as rows and a tail after all: the statement is then to be parsed whole (what came
    before is void)."""
    body, pos, total = long.body, long.start, 0
    while True:
        cut = _chunk(tokenizer, long, pos, size)
        if cut is None:  # the rest: rows, then the tail
            rest = _tokenize(tokenizer, body, pos, len(body), long.start)
            tree = _rows_insert(parser, long, rest, pos) if rest and _rows(rest)[0] else None
            if tree is None:
                yield None
                return
            rows = RowCount(tree.expression.expressions, total + len(tree.expression.expressions))
            yield Chunk(long.head + rest, tree, rows)
            return
        tokens, after = cut
        tree = _rows_insert(parser, long, tokens, pos)
        if tree is None:
            yield None
            return
        pos = after
        total += len(tree.expression.expressions)
        yield Chunk(long.head + tokens, tree, None)


def row_nodes(tree: exp.Expr) -> Iterator[exp.Expr]:
    """Every node of the rows of an INSERT ... VALUES."""
    for row in tree.expression.expressions:
        yield from row.walk()


def _chunk(tokenizer: Any, long: LongValues, pos: int, size: int) -> tuple[list[Token], int] | None:
    """The tokens of whole rows from `pos`, about `size` characters of them, placed after the
    head as `_rows_insert` parses them, and where the rows after them begin; None when the
    rest is short or no cut is found soon enough."""
    body = long.body
    if pos + size >= len(body):
        return None
    for tried, end in enumerate(_ROW_END.finditer(body, pos + size)):
        if tried == _TRIES:
            break
        cut = end.start() + 1
        tokens = _tokenize(tokenizer, body, pos, cut, long.start)
        if (
            tokens
            and tokens[-1].end == long.start + cut - pos - 1
            and _rows(tokens)[1] == len(tokens)
        ):
            return tokens, end.end() - 1
    return None


# Candidate cuts tried before reading the rest as one chunk (a string full of `),(`).
_TRIES = 16


def _rows(tokens: list[Token]) -> tuple[int, int]:
    """How many `( ... )` groups, apart by commas, the tokens start with, and the index of
    the first token after them."""
    count, k, total = 0, 0, len(tokens)
    while k < total and tokens[k].token_type is _L_PAREN:
        depth, k = 1, k + 1
        while k < total and depth:
            kind = tokens[k].token_type
            depth += 1 if kind is _L_PAREN else -1 if kind is _R_PAREN else 0
            k += 1
        if depth:
            return count, k
        count += 1
        if (
            k + 1 < total
            and tokens[k].token_type is _COMMA
            and tokens[k + 1].token_type is _L_PAREN
        ):
            k += 1
        else:
            break
    return count, k


def _depth(tokens: list[Token]) -> int:
    return sum(1 if t.token_type is _L_PAREN else -1 for t in tokens if t.token_type in _PARENS)


_PARENS = frozenset({_L_PAREN, _R_PAREN})


def _tokenize(
    tokenizer: Any, body: str, start: int, end: int, at: int | None = None
) -> list[Token] | None:
    """The tokens of body[start:end] with offsets from `at` (default: in `body`); None if it
    does not tokenize (it ends inside a string, a quoted name, a comment or a dollar-quoted
    body)."""
    try:
        tokens = tokenizer.tokenize(body[start:end])
    except TokenError:
        return None
    _move(tokens, start if at is None else at)
    return tokens


def _rows_insert(parser: Any, long: LongValues, tokens: list[Token], pos: int) -> exp.Insert | None:
    """The INSERT of the head and the rows (and the tail) `tokens` are, which begin at `pos`
    in the body, then moved there with the nodes read from them. Parsed from the text of the
    head and of those rows alone, the tokens placed right after the head's: the parser
    searches the text it is given for forms to rewrite, and given the body up to the rows,
    each chunk read every chunk before it again (a statement's cost grew with the square of
    its size)."""
    shift = pos - long.start
    text = long.body[: long.start] + long.body[pos : tokens[-1].end + 1 + shift]
    tree = _insert(parser, long.head + tokens, text)
    _move(tokens, shift)
    if tree is not None and shift:
        for node in tree.walk():  # (sqlglot keeps a name's or a literal's offsets in its meta)
            start = node.meta_get("start")
            if start is not None and start >= long.start:
                meta = node.meta
                meta["start"] = start + shift
                meta["end"] = meta.get("end", start) + shift
    return tree


def _move(tokens: list[Token], shift: int) -> None:
    if shift:
        for token in tokens:
            token.start += shift
            token.end += shift


def _insert(parser: Any, tokens: list[Token], body: str) -> exp.Insert | None:
    """The INSERT of the head and rows (and the tail) these tokens are; None if it is not one."""
    try:
        trees = parser.parse(tokens, body)
    except Exception:  # noqa: BLE001 - the whole statement's parse says what is wrong
        return None
    tree = trees[0] if len(trees) == 1 else None
    if not isinstance(tree, exp.Insert) or not isinstance(tree.expression, exp.Values):
        return None
    return tree
