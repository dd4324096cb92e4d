"""PostgreSQL's query forms sqlglot's Postgres parser lacks, read by token rewrites that keep
positions (see pgforms.py, which calls these):

    ORDER BY a USING >, b USING ~<~    the operator dropped from the tokens and set on the
                                       sort key (exp.Ordered args["using"]), where the
                                       generator prints it back
    TABLESAMPLE system (pct)           an expression as the argument, not only a number
    WITH c AS (...) VALUES (1), (2)    a VALUES list after a WITH (also in parentheses):
                                       exp.Values holding the CTEs (args["with_"]), as an
                                       exp.Select holds them; the generator prints them back
    SUBSTRING(s SIMILAR p ESCAPE e)    read as SUBSTRING(s FROM p FOR e), the same function
                                       (SQL:1999's spelling), exp.Substring args["similar"]:
                                       printed as written
    MERGE INTO t USING a JOIN b ON x ON y
                                       a joined source: exp.Merge's `using` is the first
                                       table, holding the joins, as in a FROM clause
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax.brackets import closing, last_end, written_before

Fixup = Callable[[Any], Any]

USING = "using_operator"
_OPERATOR_CHARS = frozenset("~!@#^&|`?+-*/%<>=")
# What may follow a sort key: the next key, the end of the list, or what comes after it.
_AFTER = frozenset(
    {TokenType.COMMA, TokenType.R_PAREN, TokenType.LIMIT, TokenType.OFFSET, TokenType.FETCH,
     TokenType.FOR, TokenType.SEMICOLON, TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT}
)  # fmt: skip


def _synthetic(kind: TokenType, text: str, at: Token, after: bool = False) -> Token:
    """A token the source does not have, at one character of `at` (its first or last)."""
    position = at.end if after else at.start
    return Token(kind, text, at.line, at.col, position, position)


def _closing(tokens: list[Token], types: list[TokenType], start: int) -> int:
    """Where the parentheses open before `start` close (len(tokens) if none do)."""
    depth = 0
    for m in range(start, len(tokens)):
        depth += (types[m] is TokenType.L_PAREN) - (types[m] is TokenType.R_PAREN)
        if depth < 0:
            return m
    return len(tokens)


_MAIN = frozenset(
    {TokenType.SELECT, TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE, TokenType.MERGE,
     TokenType.VALUES, TokenType.TABLE, TokenType.L_PAREN}
)  # fmt: skip


def with_values(tokens: list[Token], types: list[TokenType], fixups: list[Fixup]) -> list[Token]:
    """`WITH ... VALUES rows`, wherever CTEs start: sqlglot's VALUES holds no CTEs, so the
    rows are read as `SELECT * FROM (VALUES rows)`, of tokens at VALUES' and the last row's
    places, and the VALUES then takes the SELECT's place with the ORDER BY, LIMIT, OFFSET
    and FETCH written after the rows, which the SELECT read."""
    inserts: dict[int, list[Token]] = {}
    starts: set[int] = set()
    k = -1
    for _ in range(types.count(TokenType.WITH)):  # list.index finds each at C speed
        k = types.index(TokenType.WITH, k + 1)
        if not _starts_ctes(tokens, k):
            continue
        depth, main = 0, None
        for m in range(k + 1, len(tokens)):
            if depth == 0 and types[m] in _MAIN and types[m - 1] is TokenType.R_PAREN:
                main = m if types[m] is TokenType.VALUES else None
                break
            depth += (types[m] is TokenType.L_PAREN) - (types[m] is TokenType.R_PAREN)
            if depth < 0:
                break
        if main is None:
            continue
        values, end = tokens[main], _rows_end(types, main, _closing(tokens, types, main))
        inserts.setdefault(main, []).extend(
            [_synthetic(TokenType.SELECT, "SELECT", values),
             _synthetic(TokenType.STAR, "*", values),
             _synthetic(TokenType.FROM, "FROM", values),
             _synthetic(TokenType.L_PAREN, "(", values)]
        )  # fmt: skip
        inserts.setdefault(end + 1, []).insert(
            0, _synthetic(TokenType.R_PAREN, ")", tokens[end], after=True)
        )
        starts.add(values.start)
    if not inserts:
        return tokens
    out: list[Token] = []
    for k, token in enumerate(tokens):
        out += inserts.get(k, ())
        out.append(token)
    out += inserts.get(len(tokens), ())
    fixups.append(partial(_values_with_ctes, starts=starts))
    return out


_MODIFIERS = frozenset({TokenType.ORDER_BY, TokenType.LIMIT, TokenType.OFFSET, TokenType.FETCH})


def _rows_end(types: list[TokenType], values: int, close: int) -> int:
    """The last token of the rows of the VALUES at `values`, which end before `close` or
    at the first ORDER BY, LIMIT, OFFSET or FETCH outside their parentheses."""
    depth = 0
    for m in range(values + 1, close):
        depth += (types[m] is TokenType.L_PAREN) - (types[m] is TokenType.R_PAREN)
        if depth == 0 and types[m] in _MODIFIERS:
            return m - 1
    return close - 1


def _starts_ctes(tokens: list[Token], k: int) -> bool:
    """Whether the WITH at k starts CTEs: `WITH [RECURSIVE] name [(...)] AS`."""
    if k + 2 >= len(tokens):
        return False
    name, after = tokens[k + 1], tokens[k + 2]
    return name.text.upper() == "RECURSIVE" or (
        name.token_type is not TokenType.STRING
        and after.token_type in (TokenType.ALIAS, TokenType.L_PAREN)
    )


def _values_with_ctes(tree: exp.Expr | None, starts: set[int]) -> exp.Expr | None:
    stars = [
        star
        for star in (tree.find_all(exp.Star) if tree is not None else [])
        if star.meta.get("start") in starts and isinstance(star.parent, exp.Select)
    ]
    for star in stars:
        select = star.parent
        source = select.args.get("from_")
        values = source.this if source is not None else None
        if not isinstance(values, exp.Values):
            continue
        values.set("with_", select.args.get("with_"))
        for key in ("order", "limit", "offset"):
            values.set(key, select.args.get(key))
        if select is tree:
            tree = values.pop()  # the root: no parent, so that node paths start from it
        else:
            select.replace(values)
    return tree


SIMILAR = "similar"


def substring_similar(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """Each SUBSTRING(... SIMILAR ... ESCAPE ...): the two words read as FROM and FOR; the
    calls marked in the order they start (False for the others)."""
    out = list(tokens)
    marks: list[bool] = []
    n = len(tokens)
    for k in range(n - 1):
        if (
            tokens[k].text.upper() != "SUBSTRING"
            or tokens[k + 1].token_type is not TokenType.L_PAREN
        ):
            continue
        depth, similar, escape = 0, None, None
        for m in range(k + 1, n):
            kind = tokens[m].token_type
            depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
            if depth == 0:
                break
            if depth == 1 and kind is TokenType.VAR and tokens[m].text.upper() == "SIMILAR":
                similar = m
            elif depth == 1 and kind is TokenType.ESCAPE:
                escape = m
        marks.append(similar is not None and escape is not None)
        if similar is not None and escape is not None:
            out[similar] = _retyped(tokens[similar], TokenType.FROM, "FROM")
            out[escape] = _retyped(tokens[escape], TokenType.FOR, "FOR")
    if not any(marks):
        return tokens
    fixups.append(partial(_mark_similar, marks=marks))
    return out


def _retyped(token: Token, kind: TokenType, text: str) -> Token:
    return Token(kind, text, token.line, token.col, token.start, token.end, token.comments)


def _mark_similar(tree: exp.Expr | None, marks: list[bool]) -> exp.Expr | None:
    calls = list(tree.find_all(exp.Substring, bfs=False)) if tree is not None else []
    for node, similar in zip(calls, marks, strict=False):
        if similar:
            node.set(SIMILAR, True)
    return tree


def merge_joined_source(
    tokens: list[Token], types: list[TokenType], fixups: list[Fixup]
) -> list[Token]:
    """`MERGE INTO t USING a [INNER|LEFT|...] JOIN b ON x ON y WHEN ...`: the source, up to
    the last ON before the first WHEN [NOT] MATCHED outside parentheses, read in parentheses
    of tokens at its first and last places (sqlglot reads a parenthesized join), which are
    then dropped from the tree."""
    using = next((k for k, kind in enumerate(types) if kind is TokenType.USING), None)
    if using is None:
        return tokens
    depth, last_on, joined = 0, None, False
    for m in range(using + 1, len(tokens) - 1):
        kind = types[m]
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if depth:
            continue
        if kind is TokenType.JOIN:
            joined = True
        elif kind is TokenType.ON:
            last_on = m
        elif kind is TokenType.WHEN and tokens[m + 1].text.upper() in ("MATCHED", "NOT"):
            break
    if not joined or last_on is None or last_on <= using + 1:
        return tokens
    first, last = tokens[using + 1], tokens[last_on - 1]
    fixups.append(_unwrap_joined_source)
    return [
        *tokens[: using + 1],
        _synthetic(TokenType.L_PAREN, "(", first),
        *tokens[using + 1 : last_on],
        _synthetic(TokenType.R_PAREN, ")", last, after=True),
        *tokens[last_on:],
    ]


def _unwrap_joined_source(tree: exp.Expr | None) -> exp.Expr | None:
    for merge in tree.find_all(exp.Merge) if tree is not None else []:
        source = merge.args.get("using")
        inner = source.this if isinstance(source, exp.Subquery) else None
        if isinstance(inner, exp.Table | exp.Subquery) and inner.args.get("joins"):
            merge.set("using", inner)
    return tree


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
    keys = [(last_end(o.this), o) for o in tree.find_all(exp.Ordered, bfs=False)]
    for start, operator in found:
        owner = written_before(keys, start)
        if owner is not None:
            owner.set(USING, operator)
    return tree


def tablesample_arguments(
    tokens: list[Token], fixups: list[Fixup], sub_parser: Callable[[], Any]
) -> list[Token]:
    """`TABLESAMPLE method (expression) [REPEATABLE (expression)]`: sqlglot reads a number or
    a parenthesized term only as the method's argument, so an expression (`pct`, `-1`,
    `x::int`) is read in parentheses made of its own first and last tokens, dropped from the
    tree after parsing; it reads a number only as REPEATABLE's, so an expression there
    (`1 + 2`, NULL) is parsed on its own, read as a number at its place, and then set as
    the sample's seed."""
    out: list[Token] = []
    wrapped = False
    seeds: dict[int, exp.Expr] = {}
    n = len(tokens)
    k = 0
    while k < n:
        token = tokens[k]
        out.append(token)
        k += 1
        if token.token_type is not TokenType.TABLE_SAMPLE or k + 1 >= n:
            continue
        out.append(tokens[k])  # the method
        k += 1
        inner = _argument(tokens, k)
        if inner is None:
            continue
        if _one_number(inner):
            out += tokens[k : k + len(inner) + 2]
        else:
            first, last = inner[0], inner[-1]
            out += [
                tokens[k],
                Token(TokenType.L_PAREN, "(", first.line, first.col, first.start, first.start),
                *inner,
                Token(TokenType.R_PAREN, ")", last.line, last.col, last.end, last.end),
                tokens[k + len(inner) + 1],
            ]
            wrapped = True
        k += len(inner) + 2
        repeatable = k < n and tokens[k].text.upper() == "REPEATABLE"
        seed = _argument(tokens, k + 1) if repeatable else None
        if seed is None or _one_number(seed):
            continue
        parsed = _condition(seed, sub_parser)
        if parsed is None:
            continue
        first, last = seed[0], seed[-1]
        number = Token(TokenType.NUMBER, "0", first.line, first.col, first.start, last.end)
        out += [tokens[k], tokens[k + 1], number, tokens[k + len(seed) + 2]]
        seeds[first.start] = parsed
        k += len(seed) + 3
    if wrapped or seeds:
        fixups.append(partial(_unwrap_samples, seeds=seeds))
    return out


def _argument(tokens: list[Token], open_: int) -> list[Token] | None:
    """The tokens in the parentheses at `open_` (None when none close there)."""
    close = closing(tokens, open_)
    return None if close is None else tokens[open_ + 1 : close]


def _one_number(inner: list[Token]) -> bool:
    return not inner or (len(inner) == 1 and inner[0].token_type is TokenType.NUMBER)


def _condition(tokens: list[Token], sub_parser: Callable[[], Any]) -> exp.Expr | None:
    try:
        parsed = sub_parser().parse_into(exp.Condition, tokens)[0]
    except Exception:  # noqa: BLE001 - left as sqlglot reads it, which reports the error
        return None
    return parsed if isinstance(parsed, exp.Expr) else None


def _unwrap_samples(tree: exp.Expr | None, seeds: dict[int, exp.Expr]) -> exp.Expr | None:
    for sample in tree.find_all(exp.TableSample) if tree is not None else []:
        for key in ("percent", "size"):
            value = sample.args.get(key)
            if isinstance(value, exp.Paren):
                sample.set(key, value.this)
        seed = sample.args.get("seed")
        parsed = seeds.get(seed.meta.get("start", -1)) if seed is not None else None
        if parsed is not None:
            sample.set("seed", parsed)
    return tree
