"""PostgreSQL's query forms sqlglot's Postgres parser lacks, read by token rewrites that keep
positions (see pgforms.py, which calls these):

    ORDER BY a USING >, b USING ~<~    the operator dropped from the tokens and set on the
                                       sort key (exp.Ordered args["using"]), where the
                                       generator prints it back
    TABLESAMPLE system (pct)           an expression as the argument, not only a number
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

Fixup = Callable[[Any], Any]

USING = "using_operator"
_OPERATOR_CHARS = frozenset("~!@#^&|`?+-*/%<>=")
# What may follow a sort key: the next key, the end of the list, or what comes after it.
_AFTER = frozenset(
    {TokenType.COMMA, TokenType.R_PAREN, TokenType.LIMIT, TokenType.OFFSET, TokenType.FETCH,
     TokenType.FOR, TokenType.SEMICOLON, TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT}
)  # fmt: skip


def _operator(token: Token) -> bool:
    return (
        token.token_type not in (TokenType.STRING, TokenType.IDENTIFIER)
        and bool(token.text)
        and all(c in _OPERATOR_CHARS for c in token.text)
    )


def order_using(
    tokens: list[Token], types: list[TokenType], sql: str, fixups: list[Fixup]
) -> list[Token]:
    """`ORDER BY a USING op`: a USING followed by operator characters only, which no other
    USING is (JOIN's columns, an index's method, DELETE's tables). `types`: the tokens'."""
    found: list[tuple[int, str]] = []
    drop: set[int] = set()
    n = len(tokens)
    k = -1
    for _ in range(types.count(TokenType.USING)):  # list.index finds each at C speed
        k = types.index(TokenType.USING, k + 1)
        if k + 1 >= n or not _operator(tokens[k + 1]):
            continue
        end = k + 1
        while (
            end + 1 < n
            and _operator(tokens[end + 1])
            and tokens[end + 1].start == (tokens[end].end + 1)
        ):
            end += 1
        after = tokens[end + 1] if end + 1 < n else None
        nulls = after is not None and after.text.upper() == "NULLS"
        if after is not None and after.token_type not in _AFTER and not nulls:
            continue
        found.append((tokens[k].start, sql[tokens[k + 1].start : tokens[end].end + 1]))
        drop.update(range(k, end + 1))
    if not found:
        return tokens
    fixups.append(partial(_set_using, found=found))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_using(tree: exp.Expr | None, found: list[tuple[int, str]]) -> exp.Expr | None:
    if tree is None:
        return tree
    keys = [(_last_end(o.this), o) for o in tree.find_all(exp.Ordered, bfs=False)]
    for start, operator in found:
        before = [key for key in keys if key[0] < start]
        if before:
            best = max(end for end, _ in before)
            next(o for end, o in before if end == best).set(USING, operator)
    return tree


def _last_end(node: exp.Expr) -> int:
    return max((n.meta.get("end", -1) for n in node.walk()), default=-1)


def tablesample_arguments(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`TABLESAMPLE method (expression)`: sqlglot reads a number or a parenthesized term only,
    so an expression (`pct`, `-1`, `x::int`) is read in parentheses made of its own first and
    last tokens, dropped from the tree after parsing."""
    out: list[Token] = []
    wrapped = False
    n = len(tokens)
    k = 0
    while k < n:
        token = tokens[k]
        out.append(token)
        k += 1
        if token.token_type is not TokenType.TABLE_SAMPLE or k + 1 >= n:
            continue
        out.append(tokens[k])  # the method
        open_ = k + 1
        if open_ >= n or tokens[open_].token_type is not TokenType.L_PAREN:
            k += 1
            continue
        close, depth = open_, 0
        for m in range(open_, n):
            kind = tokens[m].token_type
            depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
            if depth == 0:
                close = m
                break
        inner = tokens[open_ + 1 : close]
        if (
            close == open_
            or not inner
            or (len(inner) == 1 and inner[0].token_type is TokenType.NUMBER)
        ):
            k += 1
            continue
        first, last = inner[0], inner[-1]
        out += [
            tokens[open_],
            Token(TokenType.L_PAREN, "(", first.line, first.col, first.start, first.start),
            *inner,
            Token(TokenType.R_PAREN, ")", last.line, last.col, last.end, last.end),
        ]
        wrapped = True
        k = close
    if wrapped:
        fixups.append(_unwrap_samples)
    return out


def _unwrap_samples(tree: exp.Expr | None) -> exp.Expr | None:
    for sample in tree.find_all(exp.TableSample) if tree is not None else []:
        for key in ("percent", "size"):
            value = sample.args.get(key)
            if isinstance(value, exp.Paren):
                sample.set(key, value.this)
    return tree
