"""PostgreSQL's data-changing forms sqlglot's Postgres parser lacks, read by token rewrites that
keep positions (see pgforms.py, which calls these):

    INSERT INTO t (a[1], f.x, g[1].y[2:3]) ...
                                       a target column with subscripts or fields: in the
                                       target's exp.Schema, the expression the same text
                                       reads as elsewhere (exp.Bracket, exp.Column, exp.Dot)
    COPY t FROM STDIN (FORMAT csv)     the options without WITH, read as with it
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax.brackets import last_end, written_before

Fixup = Callable[[Any], Any]

_NAME = frozenset({TokenType.VAR, TokenType.IDENTIFIER})
_INDIRECTION = frozenset({TokenType.L_BRACKET, TokenType.DOT})


def insert_targets(
    tokens: list[Token], fixups: list[Fixup], sub_parser: Callable[[], Any]
) -> list[Token]:
    """Each INSERT's target columns written with subscripts or fields: the column's name
    stays in the list, the rest is read with it as an expression and put in its place."""
    types = [t.token_type for t in tokens]
    # A target's subscript or field is after the first `(` (a dump's INSERTs have dots in
    # their table names only): tested at C speed before the scan of every INTO.
    first = types.index(TokenType.L_PAREN) if TokenType.L_PAREN in types else len(types)
    if TokenType.L_BRACKET not in types and TokenType.DOT not in types[first:]:
        return tokens
    found: dict[int, exp.Expr] = {}
    drop: set[int] = set()
    n = len(tokens)
    into = -1
    for _ in range(types.count(TokenType.INTO)):  # list.index finds each at C speed
        into = types.index(TokenType.INTO, into + 1)
        if into == 0 or into > n - 3 or tokens[into - 1].text.upper() != "INSERT":
            continue
        k = into + 1
        while k + 1 < n and tokens[k + 1].token_type is TokenType.DOT:
            k += 2
        k += 1
        if k + 1 < n and tokens[k].token_type is TokenType.ALIAS:
            k += 2
        if k >= n or tokens[k].token_type is not TokenType.L_PAREN:
            continue
        depth, begin = 0, k + 1
        for m in range(k + 1, n):
            kind = tokens[m].token_type
            if kind in (TokenType.L_PAREN, TokenType.L_BRACKET):
                depth += 1
            elif kind is TokenType.R_BRACKET or (kind is TokenType.R_PAREN and depth > 0):
                depth -= 1
            elif depth == 0 and kind in (TokenType.COMMA, TokenType.R_PAREN):
                target = tokens[begin:m]
                if (
                    len(target) > 2
                    and target[0].token_type in _NAME
                    and target[1].token_type in _INDIRECTION
                ):
                    parsed = _expression(target, sub_parser)
                    if parsed is not None:
                        found[target[0].start] = parsed
                        drop.update(range(begin + 1, m))
                begin = m + 1
                if kind is TokenType.R_PAREN:
                    break
    if not found:
        return tokens
    fixups.append(partial(_set_targets, found=found))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _expression(tokens: list[Token], sub_parser: Callable[[], Any]) -> exp.Expr | None:
    try:
        parsed = sub_parser().parse_into(exp.Condition, tokens)[0]
    except Exception:  # noqa: BLE001 - left as sqlglot reads it, which reports the error
        return None
    return parsed if isinstance(parsed, exp.Bracket | exp.Column | exp.Dot) else None


def _set_targets(tree: exp.Expr | None, found: dict[int, exp.Expr]) -> exp.Expr | None:
    for insert in tree.find_all(exp.Insert) if tree is not None else []:
        schema = insert.this
        if not isinstance(schema, exp.Schema):
            continue
        for name in list(schema.expressions):
            target = found.get(name.meta.get("start", -1))
            if isinstance(name, exp.Identifier) and target is not None:
                name.replace(target)
    return tree


SEARCH_CYCLE = "search_cycle"
_CLAUSE_END = {"SEARCH": "SET", "CYCLE": "USING"}


def search_cycle(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """`WITH RECURSIVE c AS (...) SEARCH DEPTH|BREADTH FIRST BY a SET s CYCLE a SET b [TO x
    DEFAULT y] USING p`: the clauses name columns and constants only; dropped, and kept as
    written on the CTE (args["search_cycle"]), where the generator prints them back."""
    found: list[tuple[int, exp.Var]] = []
    drop: set[int] = set()
    n = len(tokens)
    k = 0
    while k < n - 1:
        if tokens[k].token_type is not TokenType.R_PAREN:
            k += 1
            continue
        m = k + 1
        while m < n and _word(tokens[m]) in _CLAUSE_END and _clause_start(tokens, m):
            last = _word(tokens[m])
            end = next(
                (j for j in range(m + 1, n - 1) if _word(tokens[j]) == _CLAUSE_END[last]), None
            )
            if end is None:
                break
            m = end + 2
        if m > k + 1:
            drop.update(range(k + 1, m))
            first, last = tokens[k + 1], tokens[m - 1]
            clause = exp.Var(this=sql[first.start : last.end + 1])
            clause.meta.update(line=first.line, col=first.col, start=first.start, end=last.end)
            found.append((first.start, clause))
        k = m
    if not found:
        return tokens
    fixups.append(partial(_set_search_cycle, found=found))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _word(token: Token) -> str | None:
    return (
        None if token.token_type in (TokenType.IDENTIFIER, TokenType.STRING) else token.text.upper()
    )


def _clause_start(tokens: list[Token], m: int) -> bool:
    after = _word(tokens[m + 1]) if m + 1 < len(tokens) else None
    if _word(tokens[m]) == "SEARCH":
        return after in ("DEPTH", "BREADTH")
    return m + 1 < len(tokens) and tokens[m + 1].token_type in _NAME | {TokenType.VAR}


def _set_search_cycle(tree: exp.Expr | None, found: list[tuple[int, exp.Var]]) -> exp.Expr | None:
    if tree is None:
        return tree
    ctes = [(last_end(cte), cte) for cte in tree.find_all(exp.CTE, bfs=False)]
    for start, clause in found:
        owner = written_before(ctes, start)
        if owner is not None:
            owner.set(SEARCH_CYCLE, clause)
    return tree


_CHANGES = frozenset({TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE, TokenType.MERGE})


def copy_of_changes(
    tokens: list[Token], fixups: list[Fixup], parse: Callable[[list[Token]], Any]
) -> list[Token]:
    """`COPY (INSERT|UPDATE|DELETE|MERGE ... RETURNING ...) TO ...`: the statement in the
    parentheses parsed on its own (`parse`: the dialect's, with its forms), the COPY read
    around a stand-in `(SELECT NULL)` made of its first token, whose subquery then holds it."""
    if len(tokens) < 4 or tokens[1].token_type is not TokenType.L_PAREN:
        return tokens
    if tokens[2].token_type not in _CHANGES:
        return tokens
    depth = 0
    close = None
    for k in range(1, len(tokens)):
        kind = tokens[k].token_type
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if depth == 0:
            close = k
            break
    if close is None:
        return tokens
    inner = parse(tokens[2:close])
    first = tokens[2]
    fixups.append(partial(_set_copied, statement=inner))
    return [
        *tokens[:2],
        Token(TokenType.SELECT, "SELECT", first.line, first.col, first.start, first.end),
        Token(TokenType.NULL, "NULL", first.line, first.col, first.start, first.end),
        *tokens[close:],
    ]


def _set_copied(tree: exp.Expr | None, statement: exp.Expr) -> exp.Expr | None:
    if isinstance(tree, exp.Copy) and isinstance(tree.this, exp.Subquery):
        tree.this.set("this", statement)
    return tree


def copy_options_without_with(tokens: list[Token]) -> list[Token]:
    """`COPY t FROM STDIN (FORMAT csv)`: the options' WITH is optional, and sqlglot reads
    `stdin (...)` as a call without it: a WITH at the parenthesis' place."""
    depth = 0
    for k, token in enumerate(tokens):
        kind = token.token_type
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if depth or k == 0 or (kind is not TokenType.FROM and _word(token) != "TO"):
            continue
        options = k + 2  # after STDIN, STDOUT or a file's name (not PROGRAM's command)
        if options < len(tokens) and tokens[options].token_type is TokenType.L_PAREN:
            paren = tokens[options]
            with_ = Token(TokenType.WITH, "WITH", paren.line, paren.col, paren.start, paren.start)
            return [*tokens[:options], with_, *tokens[options:]]
        return tokens
    return tokens
