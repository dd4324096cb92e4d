"""PostgreSQL's prefix operators, which sqlglot's Postgres parser reads only for a few (`-`,
`~`, `|/`, NOT), read by token rewrites that keep positions (see dialect.py, which calls it):

    SELECT @@ f1, # p.path, ?| s, !!q, |@|ARRAY[1], @ -3
                                       each operator and its operand an exp.Anonymous named
                                       by the operator (the operator's token read as a name,
                                       the operand in parentheses of tokens at its first and
                                       last places), args["prefix"]: printed as written

The operand is what PostgreSQL's prefix operator binds to before any other operator: a
name, a call, a literal, a parenthesized expression or an array, with its casts and
subscripts, or another prefix operator's expression.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

Fixup = Callable[[Any], Any]

PREFIX = "prefix"
# The characters a prefix operator sqlglot does not read starts with: a search at C speed
# before any scan of tokens.
IN_TEXT = re.compile(r"[@#?!|]")
_CHARS = frozenset("~!@#^&|`?+-*/%<>=")
_KEEPS_SIGN = frozenset("~!@#^&|`?%")
# Prefix operators sqlglot reads itself, and the placeholders of drivers (`%s`, `%(name)s`,
# `?`), which no built-in prefix operator is.
_READ = frozenset({"-", "+", "~", "|/", "||/", "%", "?"})
# Tokens after which an operator is a prefix one: where an expression starts.
_BEFORE = frozenset(
    {TokenType.L_PAREN, TokenType.COMMA, TokenType.L_BRACKET, TokenType.SELECT, TokenType.WHERE,
     TokenType.HAVING, TokenType.AND, TokenType.OR, TokenType.NOT, TokenType.WHEN,
     TokenType.THEN, TokenType.ELSE, TokenType.ON, TokenType.DISTINCT, TokenType.RETURNING}
)  # fmt: skip
_NAMES = frozenset({TokenType.VAR, TokenType.IDENTIFIER})
_LITERALS = frozenset({TokenType.STRING, TokenType.NUMBER, TokenType.NULL})


def _operator(token: Token) -> bool:
    return (
        token.token_type not in (TokenType.STRING, TokenType.IDENTIFIER)
        and bool(token.text)
        and all(c in _CHARS for c in token.text)
    )


def _closing(tokens: list[Token], i: int) -> int | None:
    """The bracket closing the one at i."""
    opening = tokens[i].token_type
    closing = TokenType.R_PAREN if opening is TokenType.L_PAREN else TokenType.R_BRACKET
    depth = 0
    for k in range(i, len(tokens)):
        kind = tokens[k].token_type
        depth += (kind is opening) - (kind is closing)
        if depth == 0:
            return k
    return None


def _operator_end(tokens: list[Token], k: int) -> int:
    """The last token of the operator PostgreSQL's lexer reads from k: the longest run of
    adjacent operator characters, less a trailing + or - unless it holds one of ~!@#^&|`?%."""
    end = k
    while (
        end + 1 < len(tokens)
        and _operator(tokens[end + 1])
        and tokens[end + 1].start == tokens[end].end + 1
    ):
        end += 1
    while (
        end > k
        and tokens[end].text[-1] in "+-"
        and not any(c in _KEEPS_SIGN for t in tokens[k:end] for c in t.text)
    ):
        end -= 1
    return end


def _operand_end(tokens: list[Token], k: int) -> int | None:
    """The last token of the operand that starts at k, or None if none does."""
    n = len(tokens)
    if k >= n:
        return None
    kind = tokens[k].token_type
    if _operator(tokens[k]):
        return _operand_end(tokens, _operator_end(tokens, k) + 1)
    if kind is TokenType.L_PAREN:
        end = _closing(tokens, k)
    elif kind is TokenType.ARRAY and k + 1 < n and tokens[k + 1].token_type is TokenType.L_BRACKET:
        end = _closing(tokens, k + 1)
    elif kind in _LITERALS:
        end = k
    elif kind in _NAMES:
        end = k
        while (
            end + 2 < n
            and tokens[end + 1].token_type is TokenType.DOT
            and tokens[end + 2].token_type in _NAMES
        ):
            end += 2
        if end + 1 < n and tokens[end + 1].token_type is TokenType.L_PAREN:
            end = _closing(tokens, end + 1)
    else:
        return None
    while end is not None and end + 1 < n:
        after = tokens[end + 1].token_type
        if after is TokenType.L_BRACKET:
            end = _closing(tokens, end + 1)
        elif after is TokenType.DCOLON and end + 2 < n and tokens[end + 2].token_type in _NAMES:
            end += 2
        else:
            break
    return end


def prefix_operators(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """The prefix operators among the tokens made calls. Only the tokens where `IN_TEXT`
    finds a character are looked at: a seed INSERT's e-mail addresses cost a search."""
    found = _prefixed(tokens, sql)
    if not found:
        return tokens
    fixups.append(_mark_prefix)
    out: list[Token] = []
    closes: list[int] = []  # where the operands being read end, innermost last
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if k in found:
            end, operand = found[k]
            text = "".join(t.text for t in tokens[k : end + 1])
            first = tokens[end + 1]
            out += [
                Token(TokenType.VAR, text, token.line, token.col, token.start, tokens[end].end,
                      token.comments),
                Token(TokenType.L_PAREN, "(", first.line, first.col, first.start, first.start),
            ]  # fmt: skip
            closes.append(operand)
            k = end + 1
            continue
        out.append(token)
        while closes and closes[-1] == k:
            closes.pop()
            out.append(Token(TokenType.R_PAREN, ")", token.line, token.col, token.end, token.end))
        k += 1
    return out


def _prefixed(tokens: list[Token], sql: str) -> dict[int, tuple[int, int]]:
    """Each prefix operator's first token: its last token, and its operand's."""
    starts = [t.start for t in tokens]
    found: dict[int, tuple[int, int]] = {}
    seen: set[int] = set()
    for match in IN_TEXT.finditer(sql, starts[0], tokens[-1].end + 1):
        k = bisect_left(starts, match.start())
        if k == len(tokens) or starts[k] != match.start() or not _operator(tokens[k]):
            continue  # in a string, a name or a comment
        while k and _adjacent(tokens[k - 1], tokens[k]):
            k -= 1  # an operator's later character (`>>`, `?#`) starts none
        if k in seen:
            continue
        seen.add(k)
        before = tokens[k - 1] if k else None
        infix = before is not None and (
            before.token_type is TokenType.STAR or not _operator(before)  # `t.* != x`
        )
        if infix and before.token_type not in _BEFORE:
            continue
        end = _operator_end(tokens, k)
        text = "".join(t.text for t in tokens[k : end + 1])
        operand = _operand_end(tokens, end + 1) if text not in _READ else None
        if operand is not None:
            found[k] = (end, operand)
    return found


def _adjacent(before: Token, token: Token) -> bool:
    """Whether `before` is an operator's character written right before `token`'s (a star
    is a column list's, as in `t.* != x`)."""
    return (
        _operator(before)
        and before.token_type is not TokenType.STAR
        and token.start == before.end + 1
    )


def _mark_prefix(tree: exp.Expr | None) -> exp.Expr | None:
    for node in tree.find_all(exp.Anonymous) if tree is not None else []:
        if all(c in _CHARS for c in node.name):
            node.set(PREFIX, True)
    return tree
