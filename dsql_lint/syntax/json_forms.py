"""PostgreSQL's JSON calls that sqlglot's Postgres parser reads as another call, read by token
rewrites that keep positions (see pgforms.py, which calls these):

    json_object('{a,1,b,2}')          the function of one text array, or of two (keys and
    json_object('{a,b}', '{1,2}')     values), not SQL/JSON's JSON_OBJECT(k : v, k VALUE v):
                                      exp.Anonymous, as any function sqlglot does not know
                                      (sqlglot read the second as one pair, the first not)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

Fixup = Callable[[Any], Any]

# Led by the `_` so that the search skips to each `_` at C speed (see pgforms._JSON_ARRAY).
IN_TEXT = re.compile(r"_(?<=\bjson_)object\s*\(", re.IGNORECASE)
_STAND_IN = "__json_object"
# What makes a call SQL/JSON's constructor: a key's `:` or VALUE, or its trailing clauses.
_CONSTRUCTOR_WORDS = frozenset({"VALUE", "KEY", "ABSENT", "RETURNING", "WITH", "WITHOUT", "ON"})


def _word(token: Token) -> str | None:
    return (
        None if token.token_type in (TokenType.IDENTIFIER, TokenType.STRING) else token.text.upper()
    )


def function_calls(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """Each `json_object(...)` with arguments and none of the constructor's words outside
    nested parentheses: its name read as a stand-in that sqlglot does not know, the name as
    written put back on the exp.Anonymous (in the order the calls start)."""
    out = list(tokens)
    names: list[str] = []
    n = len(tokens)
    for k in range(n - 2):
        if _word(tokens[k]) != "JSON_OBJECT" or tokens[k + 1].token_type is not TokenType.L_PAREN:
            continue
        depth, constructor, m = 0, False, k + 1
        while m < n:
            kind = tokens[m].token_type
            depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
            if depth == 0:
                break
            if depth == 1 and (kind is TokenType.COLON or _word(tokens[m]) in _CONSTRUCTOR_WORDS):
                constructor = True
            m += 1
        if constructor or m == k + 2:  # JSON_OBJECT() is the constructor's
            continue
        name = tokens[k]
        out[k] = Token(TokenType.VAR, _STAND_IN, name.line, name.col, name.start, name.end,
                       name.comments)  # fmt: skip
        names.append(name.text)
    if not names:
        return tokens
    fixups.append(partial(_set_names, names=names))
    return out


def _set_names(tree: exp.Expr | None, names: list[str]) -> exp.Expr | None:
    calls = [
        node
        for node in (tree.walk(bfs=False) if tree is not None else [])
        if isinstance(node, exp.Anonymous) and node.name == _STAND_IN
    ]
    for node, name in zip(calls, names, strict=False):
        node.set("this", name)
    return tree
