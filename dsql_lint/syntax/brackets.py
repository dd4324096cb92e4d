"""The parenthesis closing an opening one, in a statement's sqlglot tokens, and the node that
a clause the tokens no longer hold was written after: shared by the token rewrites of the
grammar modules (pgforms imports them, so it cannot hold them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

Node = TypeVar("Node", bound=exp.Expr)


def closing(tokens: list[Token], i: int) -> int | None:
    """Index of the `)` closing the `(` at i; None when it is not closed (or no `(` is at i)."""
    if i >= len(tokens) or tokens[i].token_type is not TokenType.L_PAREN:
        return None
    depth = 0
    for k in range(i, len(tokens)):
        kind = tokens[k].token_type
        if kind is TokenType.L_PAREN:
            depth += 1
        elif kind is TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return k
    return None


def positions(types: list[TokenType], kind: TokenType, start: int = 0) -> Iterator[int]:
    """Indices of `kind` in `types` from `start` on (list.index scans at C speed; counting
    first avoids its ValueError, which formats the enum's repr)."""
    i = -1
    for _ in range(types.count(kind)):
        i = types.index(kind, i + 1)
        if i >= start:
            yield i


def last_end(node: exp.Expr) -> int:
    """The end of the last token that a node of `node` was read from (-1: none)."""
    return max((n.meta.get("end", -1) for n in node.walk()), default=-1)


def written_before(nodes: Iterable[tuple[int, Node]], start: int) -> Node | None:
    """Of `nodes` (each with its `last_end`), the one that ends last before `start`: the node
    a clause read out of the tokens at `start` follows."""
    before = [(end, node) for end, node in nodes if end < start]
    return max(before, key=lambda pair: pair[0])[1] if before else None
