"""Actions on constraints: remove one, add one NOT VALID and validate it asynchronously."""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.fix.actions import Action, action
from dsql_lint.fix.columns import column_of
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut, cut_element
from dsql_lint.fix.edits import Edit, Fix, insert
from dsql_lint.fix.style import cased
from dsql_lint.syntax import locate
from dsql_lint.syntax.tokens import Tokens

MAX_NAME = 63  # PostgreSQL truncates longer identifiers
_NAMED = re.compile(r'\bconstraint\s+("(?:[^"]|"")+"|[^\s(;,]+)', re.I)
_VALIDATE = re.compile(
    r"alter\s+table\s+(?:async\s+)?.*?\bvalidate\s+constraint\s+([^\s;]+)", re.I | re.S
)


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

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
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

    def _table_element(
        self, diag: Diagnostic, tokens: Tokens, element: Any, schema: Any
    ) -> Fix | None:
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
    """Add the ALTER TABLE's constraints of the given `kinds` NOT VALID, then validate them in
    the background:

        ALTER TABLE t ADD CONSTRAINT c ... NOT VALID;
        ALTER TABLE ASYNC t VALIDATE CONSTRAINT c;

    An unnamed constraint gets the name PostgreSQL would give it, so that it can be validated.
    validate: the statement added after (default above; {table} and {constraint} filled in).
    """

    keys = frozenset({"kinds", "validate"})
    required = frozenset({"kinds"})
    DEFAULT_VALIDATE = "ALTER TABLE ASYNC {table} VALIDATE CONSTRAINT {constraint};"

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.kinds = self.words_param("kinds")
        self.validate = self.text_param("validate", self.DEFAULT_VALIDATE)

    def adds(self, diag: Diagnostic, text: str) -> str | None:
        return "ALTER TABLE ASYNC ... VALIDATE CONSTRAINT"

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        layout = locate.alter_table(tokens) if tokens.ok else None
        if layout is None:
            return None
        style = tokens[0].text
        table = alter_target(tokens, layout)
        edits: list[Edit] = []
        names: list[str] = []
        for start, stop in layout.actions:
            kind = locate.table_constraint_kind(tokens, start + 1)
            if not tokens[start].is_word("ADD") or kind not in self.kinds:
                continue
            if tokens.match(stop - 2, "NOT VALID"):
                continue
            name = locate.constraint_name_of(tokens, start)
            if name is None:
                name = unused_name(ctx, default_name(tokens, layout, start + 1, kind))
                named = cased("CONSTRAINT ", style) + name + " "
                edits.append(insert(tokens[start + 1].start, named))
            edits.append(insert(tokens[stop - 1].end, cased(" NOT VALID", style)))
            names.append(name)
        if not edits:
            return None
        statement = ctx.statement_of(diag)
        validate = cased(self.validate, style)
        lines = [validate.format(table=table, constraint=name) for name in names]
        separator = ctx.newline + ctx.indent(statement.start)
        edits.append(ctx.after_statement(statement, separator.join(lines)))
        listed = ", ".join(names)
        return self.make(diag, edits, f"{listed}: added NOT VALID, validated by ALTER TABLE ASYNC")


def _constraint_names(text: str) -> set[str]:
    """The constraint names the file gives, folded as PostgreSQL folds them."""
    return {
        name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()
        for name in _NAMED.findall(text)
    }


def unused_name(ctx: FixContext, name: str) -> str:
    """`name`, or PostgreSQL's choice when the file already uses it: orders_qty_check1, then
    2... The names chosen are shared by the pass's fixes: two unnamed checks get two names."""
    taken = ctx.memo("constraint-names", lambda: _constraint_names(ctx.text))
    chosen, suffix = name, 0
    while chosen.lower() in taken:
        suffix += 1
        chosen = f"{name}{suffix}"
    taken.add(chosen.lower())
    return chosen


def table_name(tokens: Tokens, layout: locate.Alter) -> str:
    """The table of an ALTER TABLE as written, without ONLY: what another kind of statement
    (CREATE INDEX, UPDATE) names."""
    start, stop = layout.table
    if tokens[start].is_word("ONLY"):
        start += 1
    return tokens.text(start, stop)


def alter_target(tokens: Tokens, layout: locate.Alter) -> str:
    """What an ALTER TABLE alters as written: its IF EXISTS, ONLY and qualified name, which
    every ALTER TABLE a fix writes from it keeps (without IF EXISTS a step fails where the
    table is absent, which the original skipped)."""
    start, stop = layout.table
    if tokens[start - 2].is_word("IF") and tokens[start - 1].is_word("EXISTS"):
        start -= 2
    return tokens.text(start, stop)


def default_name(tokens: Tokens, layout: locate.Alter, start: int, kind: str) -> str:
    """The name PostgreSQL gives an unnamed constraint: table_columns_fkey, table_column_check."""
    table = tokens[layout.table[1] - 1].name
    group = tokens.find("(", start=start)
    columns: list[str] = []
    if group is not None:
        inner = range(group + 1, tokens.closing(group))
        names = [tokens[i].name for i in inner if tokens[i].type in locate.NAME_TOKENS]
        if kind == "FOREIGN KEY":
            columns = names
        else:
            calls = {
                tokens[i].name for i in inner if i + 1 < len(tokens) and tokens[i + 1].text == "("
            }
            columns = [n for n in names if n not in calls][:1]
    suffix = "fkey" if kind == "FOREIGN KEY" else kind.lower().replace(" ", "_")
    stem = "_".join([table, *columns])[: MAX_NAME - len(suffix) - 1]
    return f"{stem}_{suffix}"
