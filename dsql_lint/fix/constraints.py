"""Actions on constraints: remove one, add one NOT VALID and validate it asynchronously."""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.fix import locate
from dsql_lint.fix.actions import Action, action
from dsql_lint.fix.columns import column_of
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut, cut_element
from dsql_lint.fix.edits import Edit, Fix, insert
from dsql_lint.fix.style import cased
from dsql_lint.fix.tokens import Tokens

MAX_NAME = 63  # PostgreSQL truncates longer identifiers
_VALIDATE = re.compile(r"alter\s+table\s+(?:async\s+)?.*?\bvalidate\s+constraint\s+(\S+)\s*;?\s*$", re.I | re.S)


def _child_of(node: Any, parent_type: type) -> tuple[Any, Any] | None:
    """(ancestor of `node` whose parent is a `parent_type`, that parent)."""
    while node is not None and node.parent is not None:
        if isinstance(node.parent, parent_type):
            return node, node.parent
        node = node.parent
    return None


def _same_count(ranges: list[tuple[int, int]], nodes: list[Any]) -> bool:
    """Whether the token layout and the tree agree on how many items a list has."""
    return len(ranges) == len(nodes)


def short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@action("delete-constraint")
class DeleteConstraint(Action):
    """Remove the constraint the finding is on: a column's REFERENCES clause, a table element
    with its comma, or an ALTER TABLE action (the whole statement, with the statements that
    validate the constraint, when it is the only action)."""

    def plan(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        node = diag.node
        if node is None:
            return None
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok:
            return None
        if isinstance(node.parent, exp.ColumnConstraint):
            return self._inline(diag, ctx, node)
        alter = _child_of(node, exp.Alter)
        if alter is not None:
            return self._alter_action(diag, ctx, tokens, *alter)
        element = _child_of(node, exp.Schema)
        if element is not None:
            return self._table_element(diag, tokens, *element)
        return None

    def _inline(self, diag: Diagnostic, ctx: FixContext, node: Any) -> Fix | None:
        found = column_of(node, ctx, diag.statement)
        part = found[1].constraint("REFERENCES") if found else None
        if found is None or part is None:
            return None
        tokens = found[0]
        summary = f"removed `{short(tokens.text(part.start, part.stop))}`"
        return self.make(diag, [cut(tokens, part.start, part.stop)], summary)

    def _table_element(self, diag: Diagnostic, tokens: Tokens, element: Any, schema: Any) -> Fix | None:
        layout = locate.create_table_elements(tokens)
        if layout is None or not _same_count(layout[1], schema.expressions):
            return None
        k = schema.expressions.index(element)
        start, stop = layout[1][k]
        summary = f"removed `{short(tokens.text(start, stop))}`"
        return self.make(diag, cut_element(tokens, layout[1], k), summary)

    def _alter_action(
        self, diag: Diagnostic, ctx: FixContext, tokens: Tokens, act: Any, alter: Any
    ) -> Fix | None:
        layout = locate.alter_table(tokens)
        actions = alter.args.get("actions") or []
        if layout is None or act not in actions or not _same_count(list(layout.actions), actions):
            return None
        k = actions.index(act)
        start, stop = layout.actions[k]
        summary = f"removed `{short(tokens.text(start, stop))}`"
        if len(actions) > 1:
            return self.make(diag, cut_element(tokens, list(layout.actions), k), summary)
        statement = ctx.statement_of(diag)
        edits = [ctx.delete_statement(statement)]
        name = locate.constraint_name_of(tokens, start)
        if name is not None:
            edits.extend(_validations(ctx, statement.index, name))
        return self.make(diag, edits, summary + " (the statement)")


def _validations(ctx: FixContext, after: int, name: str) -> list[Edit]:
    """Deletions of the statements after `after` that validate constraint `name`."""
    edits = []
    for statement in ctx.statements[after + 1 :]:
        match = _VALIDATE.match(statement.text)
        if match and match.group(1).strip('"').lower() == name.strip('"').lower():
            edits.append(ctx.delete_statement(statement))
    return edits


@action("not-valid")
class NotValid(Action):
    """Add the constraint NOT VALID, then validate it in the background:

        ALTER TABLE t ADD CONSTRAINT c ... NOT VALID;
        ALTER TABLE ASYNC t VALIDATE CONSTRAINT c;

    An unnamed constraint gets the name PostgreSQL would give it, so that it can be validated.
    validate: the statement added after (default above; {table} and {constraint} filled in)
    """

    keys = frozenset({"validate"})
    DEFAULT_VALIDATE = "ALTER TABLE ASYNC {table} VALIDATE CONSTRAINT {constraint};"

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.validate = self.text_param("validate", self.DEFAULT_VALIDATE)

    def plan(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        found = _child_of(diag.node, exp.Alter) if diag.node is not None else None
        tokens = ctx.tokens(diag.statement)
        layout = locate.alter_table(tokens) if tokens.ok else None
        if found is None or layout is None:
            return None
        act, alter = found
        actions = alter.args.get("actions") or []
        if act not in actions or not _same_count(list(layout.actions), actions):
            return None
        start, stop = layout.actions[actions.index(act)]
        if not tokens[start].is_word("ADD"):
            return None
        style = tokens[0].text
        edits = [insert(tokens[stop - 1].end, cased(" NOT VALID", style))]
        name = locate.constraint_name_of(tokens, start)
        if name is None:
            name = _default_name(alter, diag.node)
            edits.append(insert(tokens[start + 1].start, cased("CONSTRAINT ", style) + name + " "))
        table = tokens.text(*layout.table)
        validate = cased(self.validate, style).format(table=table, constraint=name)
        edits.append(ctx.after_statement(ctx.statement_of(diag), validate))
        return self.make(diag, edits, f"constraint {name} added NOT VALID, then validated with ALTER TABLE ASYNC")


def _default_name(alter: Any, node: Any) -> str:
    """The name PostgreSQL gives an unnamed constraint: table_columns_fkey, table_column_check."""
    table = alter.this.name
    if isinstance(node, exp.ForeignKey):
        columns = [c.name for c in node.expressions]
        suffix = "fkey"
    else:
        columns = [c.name for c in node.find_all(exp.Column)][:1]
        suffix = "check"
    stem = "_".join([table, *columns])[: MAX_NAME - len(suffix) - 1]
    return f"{stem}_{suffix}"
