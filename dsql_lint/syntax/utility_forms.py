"""PostgreSQL's utility forms sqlglot's Postgres parser lacks, read by token rewrites that keep
positions (see dialect.py, which calls these):

    ANALYZE (VERBOSE, SKIP_LOCKED) t   the parenthesized options dropped from the tokens, and
                                       kept as written as exp.Analyze's one option
    SET x = cache                      a value that is a keyword to sqlglot: read as a name
    DROP DATABASE d WITH (FORCE)       the options dropped from the tokens, and kept as
                                       written on exp.Drop (args["database_options"]), where
                                       the generator prints them back
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax.brackets import closing

Fixup = Callable[[Any], Any]


def analyze_options(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """ANALYZE's options in parentheses (sqlglot reads them only as bare words)."""
    if len(tokens) < 3 or tokens[1].token_type is not TokenType.L_PAREN or not sql:
        return tokens
    close = closing(tokens, 1)
    if close is None:
        return tokens
    fixups.append(partial(_set_options, options=sql[tokens[1].start : tokens[close].end + 1]))
    return [tokens[0], *tokens[close + 1 :]]


def _set_options(tree: exp.Expr | None, options: str) -> exp.Expr | None:
    if isinstance(tree, exp.Analyze):
        tree.set("options", [options])
    return tree


DATABASE_OPTIONS = "database_options"


def drop_database_options(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """`DROP DATABASE [IF EXISTS] d [WITH] (FORCE)`: the options, which end the statement."""
    if len(tokens) < 5 or tokens[1].text.upper() != "DATABASE" or not sql:
        return tokens
    if tokens[-1].token_type is not TokenType.R_PAREN:
        return tokens
    opening = next(
        (k for k in range(3, len(tokens)) if closing(tokens, k) == len(tokens) - 1), None
    )
    if opening is None:
        return tokens
    start = opening - 1 if tokens[opening - 1].token_type is TokenType.WITH else opening
    fixups.append(
        partial(_set_database_options, options=sql[tokens[start].start : tokens[-1].end + 1])
    )
    return tokens[:start]


def _set_database_options(tree: exp.Expr | None, options: str) -> exp.Expr | None:
    if isinstance(tree, exp.Drop):
        tree.set(DATABASE_OPTIONS, options)
    return tree


_VALUE_TOKENS = frozenset(
    {TokenType.VAR, TokenType.STRING, TokenType.NUMBER, TokenType.IDENTIFIER, TokenType.DEFAULT,
     TokenType.TRUE, TokenType.FALSE, TokenType.COMMA, TokenType.DASH, TokenType.PLUS}
)  # fmt: skip


def set_value_words(tokens: list[Token]) -> list[Token]:
    """`SET [LOCAL|SESSION] name = word`: PostgreSQL takes any word as a value, sqlglot only
    those it does not know as keywords (`= cache` failed): such a word read as a name."""
    eq = next(
        (i for i in range(2, min(len(tokens), 6)) if tokens[i].token_type is TokenType.EQ
         or tokens[i].text.upper() == "TO"),
        None,
    )  # fmt: skip
    if eq is None or any(t.token_type is TokenType.L_PAREN for t in tokens[eq:]):
        return tokens
    out = list(tokens)
    for i in range(eq + 1, len(out)):
        if out[i].token_type not in _VALUE_TOKENS and out[i].text.isidentifier():
            out[i] = Token(TokenType.VAR, out[i].text, out[i].line, out[i].col, out[i].start,
                           out[i].end, out[i].comments)  # fmt: skip
    return out
