"""The parenthesis closing an opening one, in a statement's sqlglot tokens: shared by the
token rewrites of the grammar modules (pgforms imports them, so it cannot hold it)."""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType


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
