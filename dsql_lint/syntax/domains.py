"""CREATE DOMAIN read into a tree (sqlglot's Postgres parser keeps it as raw text):

    CREATE DOMAIN name [AS] type [constraint ...]
        exp.Create(kind="DOMAIN", this=exp.Table(name), expression=exp.DataType,
                   constraints=[exp.ColumnConstraint, ...])

The base type is the exp.DataType a column's type would be, so that the rules on column types
judge it too (their `parent:` names a Create of kind DOMAIN beside ColumnDef); the domain's
constraints (CHECK, NOT NULL, NULL, DEFAULT, COLLATE, each maybe `CONSTRAINT name`) are read
as a column's. The DSQL generator prints them back (`with_constraints`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

KIND = "DOMAIN"
CONSTRAINTS = "constraints"


def is_domain(tokens: list[Token]) -> bool:
    return (
        len(tokens) > 3
        and tokens[0].token_type is TokenType.CREATE
        and tokens[1].token_type is not TokenType.IDENTIFIER
        and tokens[1].text.upper() == KIND
    )


def is_domain_type(node: exp.Expr) -> bool:
    """True for the base type of a CREATE DOMAIN."""
    parent = node.parent
    return (
        isinstance(parent, exp.Create)
        and node.arg_key == "expression"
        and str(parent.args.get("kind") or "").upper() == KIND
    )


def parse(tokens: list[Token], parser: Any) -> exp.Create | None:
    """The statement's tree; None when it does not read as a domain (sqlglot keeps it as a
    command then)."""
    end = 3  # past the name's (last) part
    while end + 1 < len(tokens) and tokens[end].token_type is TokenType.DOT:
        end += 2
    if end >= len(tokens):
        return None
    rest = end + 1 if tokens[end].token_type is TokenType.ALIAS else end
    try:
        name = parser.parse_into(exp.Table, tokens[2:end])[0]
        # The name's last part stands for a column's name: what follows reads as a column's
        # type and constraints.
        column = parser.parse_into(exp.ColumnDef, [tokens[end - 1], *tokens[rest:]])[0]
    except Exception:  # noqa: BLE001 - not understood: kept as a command, as before
        return None
    if not isinstance(name, exp.Table) or not isinstance(column, exp.ColumnDef):
        return None
    kind = column.args.get("kind")
    if not isinstance(kind, exp.DataType):
        return None
    create = exp.Create(kind=KIND, this=name, expression=kind)
    constraints = column.args.get("constraints") or []
    if constraints:
        create.set(CONSTRAINTS, list(constraints))
    if tokens[0].comments:
        create.add_comments(tokens[0].comments)
    return create


Handler = Callable[[Any, exp.Expr], str]


def with_constraints(handler: Handler) -> Handler:
    """A domain's constraints after its type."""

    def sql(gen: Any, expression: exp.Expr) -> str:
        text = handler(gen, expression)
        constraints = expression.args.get(CONSTRAINTS)
        if not constraints or str(expression.args.get("kind") or "").upper() != KIND:
            return text
        return " ".join([text, *(gen.sql(c) for c in constraints)])

    return sql
