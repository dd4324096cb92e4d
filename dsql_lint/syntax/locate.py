"""Where the parts of a DDL statement are, in tokens: the places fix actions edit.

sqlglot trees say what a statement means but not where each part is written; these layouts
find the parts in the statement's tokens (column types, constraints, table elements, ALTER
TABLE actions, clauses), anchored by names the tree gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokens import TokenType

from dsql_lint.syntax.grammar import COLUMN_CONSTRAINT_WORDS, TABLE_CONSTRAINT_WORDS
from dsql_lint.syntax.tokens import Tokens

NAME_TOKENS = frozenset({TokenType.VAR, TokenType.IDENTIFIER})


@dataclass(frozen=True)
class Part:
    """Tokens [start, stop) of one part; `kind` is its leading keyword(s), `name` the name
    given with CONSTRAINT, if any."""

    kind: str
    start: int
    stop: int
    name: str | None = None


@dataclass(frozen=True)
class Column:
    start: int  # first token of the element (ADD for ALTER TABLE ... ADD COLUMN)
    name: int  # the column name
    type: Part
    constraints: tuple[Part, ...]
    stop: int

    def constraint(self, *kinds: str) -> Part | None:
        return next((c for c in self.constraints if c.kind in kinds), None)


@dataclass(frozen=True)
class Alter:
    """ALTER TABLE [ASYNC] [IF EXISTS] [ONLY] name [*] action, ..."""

    table: tuple[int, int]  # [ONLY] name, as written
    actions: tuple[tuple[int, int], ...]


def _constraint_start(tokens: Tokens, i: int, base: int) -> bool:
    token = tokens[i]
    if token.depth != base or not token.is_word(*COLUMN_CONSTRAINT_WORDS):
        return False
    before = tokens[i - 1] if i > 0 else None
    # ON DELETE SET NULL, DEFAULT NULL, NOT DEFERRABLE are not new constraints.
    if (
        token.is_word("NULL", "DEFAULT")
        and before is not None
        and before.is_word("SET", "DEFAULT", "NOT")
    ):
        return False
    if token.is_word("NOT"):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        return after is not None and after.is_word("NULL")
    return True


def column(tokens: Tokens, start: int, name: int, stop: int) -> Column:
    """The layout of a column definition whose name is token `name`, ending before `stop`."""
    base = tokens[name].depth
    starts = [i for i in range(name + 1, stop) if _constraint_start(tokens, i, base)]
    type_stop = starts[0] if starts else stop
    parts: list[Part] = []
    pending_name: tuple[int, str] | None = None
    for k, first in enumerate(starts):
        last = starts[k + 1] if k + 1 < len(starts) else stop
        if tokens[first].is_word("CONSTRAINT"):
            if first + 1 < last:
                pending_name = (first, tokens[first + 1].name)
            continue
        kind = "NOT NULL" if tokens[first].is_word("NOT") else tokens[first].word
        if pending_name is not None:
            parts.append(Part(kind, pending_name[0], last, pending_name[1]))
            pending_name = None
        else:
            parts.append(Part(kind, first, last))
    type_part = Part("TYPE", name + 1, type_stop)
    return Column(start, name, type_part, tuple(parts), stop)


def create_table_elements(tokens: Tokens) -> tuple[int, list[tuple[int, int]]] | None:
    """(index of the opening parenthesis, element ranges) of CREATE TABLE name (...)."""
    key = ("create table",)
    if key not in tokens.found:
        tokens.found[key] = _create_table_elements(tokens)
    return tokens.found[key]


def _create_table_elements(tokens: Tokens) -> tuple[int, list[tuple[int, int]]] | None:
    table = tokens.find("TABLE", stop=min(len(tokens), 6), depth=0)
    if table is None or not tokens[0].is_word("CREATE"):
        return None
    i = table + 1
    if tokens.find("IF", start=i, stop=i + 1) is not None:
        i += 3
    if i >= len(tokens):
        return None
    i = tokens.qualified_name_end(i)
    if i >= len(tokens) or tokens[i].type is not TokenType.L_PAREN:
        return None
    close = tokens.closing(i)
    return i, tokens.split(i + 1, close)


def alter_table(tokens: Tokens) -> Alter | None:
    if len(tokens) < 4 or not (tokens[0].is_word("ALTER") and tokens[1].is_word("TABLE")):
        return None
    i = 2
    if tokens[i].is_word("ASYNC"):
        i += 1
    if tokens[i].is_word("IF") and i + 2 < len(tokens):
        i += 2
    first = i
    if tokens[i].is_word("ONLY"):
        i += 1
    i = tokens.qualified_name_end(i)
    table = (first, i)
    if i < len(tokens) and tokens[i].text == "*":
        i += 1
    return Alter(table, tuple(tokens.split(i, len(tokens))))


def table_constraint_kind(tokens: Tokens, i: int) -> str | None:
    """The kind of the table constraint starting at `i` (`PRIMARY KEY`, `FOREIGN KEY`, ...),
    after its `CONSTRAINT name`, if any; None when no table constraint starts there."""
    if tokens.match(i, "CONSTRAINT"):
        i += 2
    return next(
        (w for w in TABLE_CONSTRAINT_WORDS if w != "CONSTRAINT" and tokens.match(i, w)), None
    )


def element_kind(tokens: Tokens, start: int) -> str:
    """`COLUMN`, or the kind of a table constraint (`PRIMARY KEY`, `FOREIGN KEY`, ...)."""
    return table_constraint_kind(tokens, start) or "COLUMN"


def add_column_name(tokens: Tokens, start: int, stop: int) -> int | None:
    """The name token of `ADD [COLUMN] [IF NOT EXISTS] name ...` in an ALTER TABLE action."""
    if not tokens[start].is_word("ADD"):
        return None
    i = start + 1
    if i < stop and tokens[i].is_word("COLUMN"):
        i += 1
    elif i < stop and table_constraint_kind(tokens, i):
        return None
    if i < stop and tokens[i].is_word("IF"):
        i += 3
    return i if i < stop else None


def find_column(tokens: Tokens, name: str) -> Column | None:
    """The definition of column `name` in a CREATE TABLE or an ALTER TABLE ... ADD COLUMN."""
    key = ("column", name)
    if key not in tokens.found:
        tokens.found[key] = _find_column(tokens, name)
    return tokens.found[key]


def _find_column(tokens: Tokens, name: str) -> Column | None:
    layout = create_table_elements(tokens)
    if layout is not None:
        for start, stop in layout[1]:
            if element_kind(tokens, start) == "COLUMN" and tokens[start].name == name:
                return column(tokens, start, start, stop)
        return None
    alter = alter_table(tokens)
    for start, stop in alter.actions if alter else ():
        at = add_column_name(tokens, start, stop)
        if at is not None and tokens[at].name == name:
            return column(tokens, start, at, stop)
    return None


def clause(
    tokens: Tokens,
    phrases: tuple[str, ...],
    operand: str,
    start: int = 0,
    depth: int | None = 0,
    stop: int | None = None,
) -> tuple[int, int, int] | None:
    """The first `phrase operand` from token `start`, the longest phrase winning at a position:
    (phrase, operand, end) token indexes. operand: `name` (a qualified name), `parens` (a
    parenthesised list) or `none`. A phrase without the operand it needs is skipped."""
    for i in range(start, len(tokens) if stop is None else stop):
        if depth is not None and tokens[i].depth != depth:
            continue
        for phrase in phrases:
            size = tokens.match(i, phrase)
            if not size:
                continue
            j = i + size
            end = _operand_end(tokens, j, operand)
            if end is not None:
                return i, j, end
    return None


def _operand_end(tokens: Tokens, j: int, operand: str) -> int | None:
    if operand == "none":
        return j
    if j >= len(tokens):
        return None
    if operand == "name":
        return (
            tokens.qualified_name_end(j)
            if tokens[j].type in NAME_TOKENS or tokens[j].word.isidentifier()
            else None
        )
    if operand == "parens":
        return tokens.closing(j) + 1 if tokens[j].type is TokenType.L_PAREN else None
    raise ValueError(operand)


def constraint_name_of(tokens: Tokens, start: int) -> str | None:
    """The name given by `CONSTRAINT name` at `start` (possibly after ADD)."""
    i = start + 1 if tokens[start].is_word("ADD") else start
    if tokens[i].is_word("CONSTRAINT") and i + 1 < len(tokens):
        return tokens[i + 1].text
    return None
