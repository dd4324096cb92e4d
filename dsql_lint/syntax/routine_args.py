"""A routine's parameters as PostgreSQL writes them, read by token rewrites that keep positions
(see pgforms.py, which calls these):

    DROP FUNCTION f(IN a int, b VARIADIC int[], x anyelement)
                                       each parameter reduced to its type (PostgreSQL finds
                                       the routine by the types alone): exp.Drop's expressions
    DROP FUNCTION|PROCEDURE|ROUTINE a(int), b(), c
                                       exp.Drop(kind=...) whose tables are the routines, each
                                       with its types in args["parameters"] (None where no
                                       parentheses are written)
    CREATE FUNCTION f(s.ctype, aggtype[]) unnamed parameters of a user-defined type: the
                                       exp.DataType nodes a cast to it reads
    CREATE FUNCTION f(t.c%TYPE) RETURNS SETOF t.c%TYPE
                                       a column's type: the name and `%TYPE` one name token
                                       as written, which sqlglot reads as a user-defined type
                                       (a parameter's, or the returned type) or, unnamed, as
                                       a parameter written as one name, like `f(mytype)`
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

PARAMETERS = "parameters"
MODES = frozenset({"IN", "OUT", "INOUT", "VARIADIC"})
_ROUTINES = frozenset({"FUNCTION", "PROCEDURE", "ROUTINE"})
_NAME = frozenset({TokenType.VAR, TokenType.IDENTIFIER})
_QUOTED = frozenset({TokenType.STRING, TokenType.IDENTIFIER})

Fixup = Callable[[Any], Any]


def _upper(token: Token | None) -> str | None:
    if token is None or token.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
        return None
    return token.text.upper()


def _retyped(token: Token, token_type: TokenType, text: str) -> Token:
    return Token(token_type, text, token.line, token.col, token.start, token.end, token.comments)


def named_type(tokens: list[Token]) -> bool:
    """`name[.name...][[]...]`: a type only a user or an extension defines, which sqlglot's
    own type parser does not read (a cheap test on the tokens, no parse)."""
    n, i = len(tokens), 1
    if not n or tokens[0].token_type not in _NAME:
        return False
    while i + 1 < n and tokens[i].token_type is TokenType.DOT and tokens[i + 1].token_type in _NAME:
        i += 2
    while i < n and tokens[i].token_type is TokenType.L_BRACKET:
        i += 1
        if i < n and tokens[i].token_type is TokenType.NUMBER:
            i += 1
        if i == n or tokens[i].token_type is not TokenType.R_BRACKET:
            return False
        i += 1
    return i == n


def column_types(tokens: list[Token]) -> list[Token]:
    """Each `name.name[...]%TYPE` (PostgreSQL wants a dot: a table's column) one VAR token at
    its place, its text as written."""
    out: list[Token] = []
    n, k = len(tokens), 0
    while k < n:
        end = k
        while (
            end + 2 < n
            and _name(tokens[end])
            and tokens[end + 1].token_type is TokenType.DOT
            and _name(tokens[end + 2])
        ):
            end += 2
        if (
            end > k
            and end + 2 < n
            and tokens[end + 1].token_type is TokenType.MOD
            and _upper(tokens[end + 2]) == "TYPE"
            and (not out or out[-1].token_type is not TokenType.DOT)
        ):
            first, last = tokens[k], tokens[end + 2]
            text = "".join(t.text for t in tokens[k : end + 3])
            out.append(Token(TokenType.VAR, text, first.line, first.col, first.start, last.end,
                             first.comments))  # fmt: skip
            k = end + 3
            continue
        out.append(tokens[k])
        k += 1
    return out


def _name(token: Token) -> bool:
    """An unquoted name, or a word sqlglot knows as a keyword that PostgreSQL takes as a name
    here (a quoted one is left out: the generator would print its quotes doubled)."""
    return token.token_type not in _QUOTED and token.text.isidentifier()


def data_type(tokens: list[Token], sub_parser: Callable[[], Any]) -> exp.Expr | None:
    """The type the tokens spell, or None: sqlglot's types, else a user-defined one read as
    the type of a cast (`CAST(NULL AS s.t[])`, made of tokens at the type's place)."""
    if not tokens:
        return None
    try:
        parsed = sub_parser().parse_into(exp.DataType, tokens)[0]
    except Exception:  # noqa: BLE001 - not one of sqlglot's types
        parsed = None
    if isinstance(parsed, exp.DataType):
        return parsed
    if not named_type(tokens):
        return None
    first, last = tokens[0], tokens[-1]
    cast = [
        _retyped(first, TokenType.VAR, "CAST"),
        _retyped(first, TokenType.L_PAREN, "("),
        _retyped(first, TokenType.NULL, "NULL"),
        _retyped(first, TokenType.ALIAS, "AS"),
        *tokens,
        _retyped(last, TokenType.R_PAREN, ")"),
    ]
    try:
        parsed = sub_parser().parse_into(exp.Condition, cast)[0]
    except Exception:  # noqa: BLE001 - not a type after all
        return None
    return parsed.to if isinstance(parsed, exp.Cast) else None


def type_start(part: list[Token], sub_parser: Callable[[], Any]) -> int:
    """Where the type of a parameter `[mode] [name] [mode] type` starts in its tokens."""
    i = 1 if len(part) > 1 and _upper(part[0]) in MODES else 0
    if len(part) - i > 1 and data_type(part[i:], sub_parser) is None:
        after = i + 2 if _upper(part[i + 1]) in MODES and len(part) - i > 2 else i + 1
        if data_type(part[after:], sub_parser) is not None:
            return after
    return i


def _split(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """The comma-separated parts of tokens[start:end] at depth 0, as (begin, end) pairs."""
    parts: list[tuple[int, int]] = []
    depth, begin = 0, start
    for k in range(start, end):
        kind = tokens[k].token_type
        if kind in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif kind in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        elif kind is TokenType.COMMA and depth == 0:
            parts.append((begin, k))
            begin = k + 1
    parts.append((begin, end))
    return parts


def drop_routines(
    tokens: list[Token], fixups: list[Fixup], sub_parser: Callable[[], Any]
) -> list[Token]:
    """DROP FUNCTION, PROCEDURE or ROUTINE: each parameter reduced to its type, and several
    routines read as DROP TABLE's several names, given their kind and types back."""
    kind = _upper(tokens[1]) if len(tokens) > 2 else None
    if kind not in _ROUTINES:
        return tokens
    first = 4 if _upper(tokens[2]) == "IF" and _upper(tokens[3]) == "EXISTS" else 2
    end = len(tokens)
    while end > first and _upper(tokens[end - 1]) in ("CASCADE", "RESTRICT"):
        end -= 1
    routines = _split(tokens, first, end)
    out: list[Token] = list(tokens[:first])
    found: list[list[Token] | None] = []
    for n, (begin, stop) in enumerate(routines):
        if n:
            out.append(tokens[begin - 1])
        open_ = next(
            (k for k in range(begin, stop) if tokens[k].token_type is TokenType.L_PAREN), stop
        )
        name = tokens[begin:open_]
        types: list[Token] = []
        for a, b in _split(tokens, open_ + 1, stop - 1) if open_ < stop else []:
            if a < b:
                if types:
                    types.append(tokens[a - 1])
                types += tokens[a + type_start(tokens[a:b], sub_parser) : b]
        if len(routines) == 1:
            out += name
            if open_ < stop:
                out += [tokens[open_], *types, tokens[stop - 1]]
        else:
            out += name
            found.append([tokens[open_], *types, tokens[stop - 1]] if open_ < stop else None)
    out += tokens[end:]
    if len(routines) > 1:
        out[1] = _retyped(tokens[1], TokenType.TABLE, "TABLE")
        drop = [tokens[0], tokens[1]]
        parsed = [None if f is None else _parameters(drop, f, sub_parser) for f in found]
        fixups.append(partial(_set_routines, kind=kind, parameters=parsed))
    return out


def _parameters(
    drop: list[Token], parenthesized: list[Token], sub_parser: Callable[[], Any]
) -> list[exp.Expr]:
    """The types of one routine's parentheses, read as sqlglot reads a DROP FUNCTION's."""
    name = _retyped(drop[1], TokenType.VAR, "f")
    try:
        tree = sub_parser().parse([drop[0], drop[1], name, *parenthesized], "")[0]
    except Exception:  # noqa: BLE001 - left out: the statement still reads as a drop
        return []
    return list(tree.expressions) if isinstance(tree, exp.Drop) else []


def _set_routines(
    tree: exp.Expr | None, kind: str, parameters: list[list[exp.Expr] | None]
) -> exp.Expr | None:
    if isinstance(tree, exp.Drop):
        tree.set("kind", kind)
        for table, types in zip(tree.args.get("tables") or [], parameters, strict=False):
            if types is not None:
                table.set(PARAMETERS, types)
    return tree
