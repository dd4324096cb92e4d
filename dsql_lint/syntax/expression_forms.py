"""PostgreSQL's expression forms sqlglot's Postgres parser lacks, read by token rewrites that
keep positions (dialect.py calls these):

    COLLATION FOR (e)                  exp.Anonymous named "COLLATION FOR": printed as written
                                       (PostgreSQL's pg_collation_for(e))
    e IS [NOT] [NFC|NFD|NFKC|NFKD] NORMALIZED
                                       exp.Is whose expression is exp.Var("NFC NORMALIZED"),
                                       printed as written (PostgreSQL's is_normalized(e, 'NFC'));
                                       IS NOT sets its negate, as for IS NOT NULL
    SELECT set('t'), f(x, set(y))      a function named set, a keyword to sqlglot: the word
                                       read as a name where an expression starts
    INTERVAL '1 day 02:00:00'          the text as written: sqlglot shortens a string of
    INTERVAL '3 days ago', 'P1D'       one number and unit to them, dropping the rest
                                       ('1 DAY'): exp.Interval of the string, no unit
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax.brackets import last_end, positions, written_before

Fixup = Callable[[Any], Any]

# The tokens that one of these forms holds (a statement of none of them is not scanned).
WORDS = frozenset({TokenType.IS, TokenType.FOR, TokenType.INTERVAL, TokenType.SET})
_FORMS = frozenset({"NFC", "NFD", "NFKC", "NFKD"})
# sqlglot's own reading of an interval's string (sqlglot.expressions.builders): where it
# finds one number and unit, it keeps them alone.
_NUMBER_AND_UNIT = re.compile(r"\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]+)\s*")


def _word(token: Token) -> str | None:
    return (
        None if token.token_type in (TokenType.IDENTIFIER, TokenType.STRING) else token.text.upper()
    )


def rewrite(tokens: list[Token], types: list[TokenType], fixups: list[Fixup]) -> list[Token]:
    """The forms above made Postgres-parsable (`types`: the tokens', holding IS, FOR,
    INTERVAL or SET)."""
    if TokenType.INTERVAL in types:
        _interval_texts(tokens, types, fixups)
    out = tokens
    if TokenType.SET in types and types[0] is not TokenType.ALTER:
        out = _set_calls(out, types)  # (ALTER TABLE's `, SET (fillfactor = 10)` is no call)
    if TokenType.FOR in types:
        out = _collation_for(out, types)
    if TokenType.IS in types:
        out = _is_normalized(out, [t.token_type for t in out] if out is not tokens else types,
                             fixups)  # fmt: skip
    return out


def _interval_texts(tokens: list[Token], types: list[TokenType], fixups: list[Fixup]) -> None:
    """`INTERVAL 'text'`: each text, in order, and which of them sqlglot shortens."""
    texts = [
        tokens[k + 1].text
        for k in positions(types, TokenType.INTERVAL)
        if k + 1 < len(types) and types[k + 1] is TokenType.STRING
    ]
    shortened = [
        len(_NUMBER_AND_UNIT.findall(text)) == 1 and _NUMBER_AND_UNIT.fullmatch(text) is None
        for text in texts
    ]
    if any(shortened):
        fixups.append(partial(_set_interval_texts, texts=texts, shortened=shortened))


def _set_interval_texts(
    tree: exp.Expr | None, texts: list[str], shortened: list[bool]
) -> exp.Expr | None:
    intervals = [
        node
        for node in (tree.walk(bfs=False) if tree is not None else [])
        if isinstance(node, exp.Interval) and isinstance(node.this, exp.Literal)
        and node.this.is_string
    ]  # fmt: skip
    if len(intervals) != len(texts):
        return tree  # not the intervals the tokens hold: left as read
    for node, text, short in zip(intervals, texts, shortened, strict=True):
        if short:
            node.set("this", exp.Literal.string(text))
            node.set("unit", None)
    return tree


# Where an expression starts, as a set function's call follows them (UPDATE's `t SET (a, b)`,
# ON CONFLICT's and MERGE's `UPDATE SET (a, b)` follow a name or UPDATE).
_EXPRESSION_STARTS = frozenset(
    {TokenType.SELECT, TokenType.COMMA, TokenType.L_PAREN, TokenType.EQ, TokenType.NEQ,
     TokenType.LT, TokenType.LTE, TokenType.GT, TokenType.GTE, TokenType.PLUS, TokenType.DASH,
     TokenType.DPIPE, TokenType.WHERE, TokenType.AND, TokenType.OR, TokenType.NOT,
     TokenType.WHEN, TokenType.THEN, TokenType.ELSE, TokenType.RETURNING}
)  # fmt: skip


def _set_calls(tokens: list[Token], types: list[TokenType]) -> list[Token]:
    """`set(...)` where an expression starts: SET read as a name."""
    out = tokens
    for k in positions(types, TokenType.SET):
        if k == 0 or k + 1 >= len(types) or types[k + 1] is not TokenType.L_PAREN:
            continue
        if types[k - 1] not in _EXPRESSION_STARTS:
            continue
        if out is tokens:
            out = list(tokens)
        word = tokens[k]
        out[k] = Token(TokenType.VAR, word.text, word.line, word.col, word.start, word.end,
                       word.comments)  # fmt: skip
    return out


def _collation_for(tokens: list[Token], types: list[TokenType]) -> list[Token]:
    """`COLLATION FOR (e)`: the two words read as one function name."""
    out = tokens
    for k in reversed(list(positions(types, TokenType.FOR))):
        if (
            k == 0
            or k + 1 >= len(tokens)
            or types[k + 1] is not TokenType.L_PAREN
            or _word(tokens[k - 1]) != "COLLATION"
        ):
            continue
        if out is tokens:
            out = list(tokens)
        first = tokens[k - 1]
        name = Token(TokenType.VAR, "COLLATION FOR", first.line, first.col, first.start,
                     tokens[k].end, [*first.comments, *tokens[k].comments])  # fmt: skip
        out[k - 1 : k + 1] = [name]
    return out


def _is_normalized(tokens: list[Token], types: list[TokenType], fixups: list[Fixup]) -> list[Token]:
    """`e IS [NOT] [form] NORMALIZED`: read as `e IS [NOT] NULL`, the NULL at the words'
    place, which the fixup then replaces by the words (found by where each IS is)."""
    out = tokens
    found: list[tuple[int, Token, Token]] = []
    for k in reversed(list(positions(types, TokenType.IS))):
        m = k + 2 if k + 1 < len(types) and types[k + 1] is TokenType.NOT else k + 1
        first = m
        if m < len(tokens) and _word(tokens[m]) in _FORMS:
            m += 1
        if m >= len(tokens) or _word(tokens[m]) != "NORMALIZED":
            continue
        if out is tokens:
            out = list(tokens)
        last = tokens[m]
        null = Token(TokenType.NULL, "NULL", last.line, last.col, tokens[first].start, last.end)
        out[first : m + 1] = [null]
        found.append((tokens[k].start, tokens[first], last))
    if found:
        fixups.append(partial(_set_normalized, found=found))
    return out


def _set_normalized(
    tree: exp.Expr | None, found: list[tuple[int, Token, Token]]
) -> exp.Expr | None:
    tests = [
        (last_end(node.this), node)
        for node in (tree.find_all(exp.Is) if tree is not None else [])
        if isinstance(node.expression, exp.Null) and node.this is not None
    ]
    for start, first, last in found:
        node = written_before(tests, start)
        if node is None:
            continue
        words = "NORMALIZED" if first is last else f"{first.text.upper()} NORMALIZED"
        var = exp.Var(this=words)
        var.meta.update(line=last.line, col=last.col, start=first.start, end=last.end)
        node.set("expression", var)
    return tree
