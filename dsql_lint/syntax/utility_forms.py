"""PostgreSQL's utility forms sqlglot's Postgres parser lacks, read by token rewrites that keep
positions (see dialect.py, which calls these):

    ANALYZE (VERBOSE, SKIP_LOCKED) t   the parenthesized options dropped from the tokens, and
                                       kept as written as exp.Analyze's one option
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

Fixup = Callable[[Any], Any]


def _closing(tokens: list[Token], i: int) -> int | None:
    depth = 0
    for k in range(i, len(tokens)):
        kind = tokens[k].token_type
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if depth == 0:
            return k
    return None


def analyze_options(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """ANALYZE's options in parentheses (sqlglot reads them only as bare words)."""
    if len(tokens) < 3 or tokens[1].token_type is not TokenType.L_PAREN or not sql:
        return tokens
    close = _closing(tokens, 1)
    if close is None:
        return tokens
    fixups.append(partial(_set_options, options=sql[tokens[1].start : tokens[close].end + 1]))
    return [tokens[0], *tokens[close + 1 :]]


def _set_options(tree: exp.Expr | None, options: str) -> exp.Expr | None:
    if isinstance(tree, exp.Analyze):
        tree.set("options", [options])
    return tree
