"""Moving a clause into another statement: a primary key or unique constraint added after
CREATE TABLE goes into the CREATE TABLE."""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.engine.matchers import code_only
from dsql_lint.fix.actions import Action, action
from dsql_lint.fix.constraints import short
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut_element
from dsql_lint.fix.dependents import Place
from dsql_lint.fix.edits import Edit, Fix, insert, replace
from dsql_lint.lint import actions as alter_actions
from dsql_lint.lint.schema import table_key
from dsql_lint.report.model import FileReport
from dsql_lint.syntax import locate
from dsql_lint.syntax.parse import Parsed
from dsql_lint.syntax.tokens import Tokens

_REST_OF_LINE = re.compile(r"[ \t]*(?:--[^\n]*)?(?=\r?\n)")


def create_table_before(ctx: FixContext, index: int, table: Any) -> Parsed | None:
    """The last CREATE TABLE of `table` in the file before statement `index`."""
    creates = ctx.memo("creates", lambda: _creates_by_table(ctx.report.parsed))
    before = [k for k in creates.get(table_key(table), ()) if k < index]
    return ctx.report.parsed[before[-1]] if before else None


def _creates_by_table(parsed: list[Parsed]) -> dict[Any, list[int]]:
    """Table -> the statements that create it, in order (one pass for all ADD COLUMN fixes,
    not one per fix)."""
    out: dict[Any, list[int]] = {}
    for k, statement in enumerate(parsed):
        key = _creates(statement.tree)
        if key is not None:
            out.setdefault(key, []).append(k)
    return out


def _creates(tree: Any) -> tuple[str, str] | None:
    """The table a CREATE TABLE (...) statement creates."""
    if isinstance(tree, exp.Create) and tree.kind == "TABLE" and isinstance(tree.this, exp.Schema):
        return table_key(tree.this.this)
    return None


def append_element(ctx: FixContext, tokens: Tokens, text: str) -> list[Edit] | None:
    """Edits adding `text` as the last element of CREATE TABLE (...): on a line of its own,
    indented like the last element, when the elements are one per line; else inline.

    The comma goes in by rewriting the last token of the last element with a comma after it,
    so that two fixes appending to one table collide and the second waits for the next pass
    (two commas at one point would not make a list)."""
    layout = locate.create_table_elements(tokens)
    if layout is None or not layout[1]:
        return None
    opening, elements = layout
    first, last = elements[-1]
    token = tokens[last - 1]
    tail = _REST_OF_LINE.match(ctx.text, token.end)
    one_per_line = ctx.line_of(tokens[first].start) > ctx.line_of(tokens[opening].start)
    if one_per_line and tail is not None:
        line = ctx.newline + ctx.indent(tokens[first].start) + text
        return [replace(token.start, token.end, token.text + ","), insert(tail.end(), line)]
    return [replace(token.start, token.end, f"{token.text}, {text}")]


def _has_primary_key(tree: exp.Create) -> bool:
    return tree.find(exp.PrimaryKey, exp.PrimaryKeyColumnConstraint) is not None


@action("fold-into-create")
class FoldIntoCreate(Action):
    """`ALTER TABLE [ONLY] t ADD CONSTRAINT c PRIMARY KEY|UNIQUE (...)` after `CREATE TABLE t`
    in the same file: the constraint becomes an element of the CREATE TABLE (its text copied
    as written) and the ALTER TABLE goes (the action only, when it has others)."""

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tree = ctx.parsed(diag.statement).tree
        act = diag.node.find_ancestor(exp.AddConstraint) if diag.node is not None else None
        if not isinstance(tree, exp.Alter) or act is None:
            return None
        create = create_table_before(ctx, diag.statement, tree.this)
        if create is None:
            return None
        if isinstance(diag.node, exp.PrimaryKey) and _has_primary_key(create.tree):  # type: ignore[arg-type]
            return None
        tokens = ctx.tokens(diag.statement)
        layout = locate.alter_table(tokens) if tokens.ok else None
        actions = tree.args.get("actions") or []
        if layout is None or act not in actions or len(layout.actions) != len(actions):
            return None
        k = actions.index(act)
        start, stop = layout.actions[k]
        constraint = tokens.text(start + 1, stop)
        target = ctx.tokens(create.statement.index)
        added = append_element(ctx, target, constraint) if target.ok else None
        if added is None:
            return None
        if len(actions) == 1:
            removal = [ctx.delete_statement(ctx.statement_of(diag))]
        else:
            removal = cut_element(tokens, list(layout.actions), k)
        summary = f"`{short(constraint)}` moved into CREATE TABLE (line {create.statement.line})"
        return self.make(diag, added + removal, summary)


# The ALTER TABLE actions that, run on the table between its CREATE TABLE and the ALTER TABLE
# adding a key, mean the same with the key already there: they neither add, drop nor rename
# a column, write no row and read no key. Any other action (ADD COLUMN, RENAME, a FOREIGN
# KEY, REPLICA IDENTITY USING INDEX...) declines the move.
_NEUTRAL_ACTIONS = frozenset(
    {
        "ALTER [ COLUMN ] column_name SET DEFAULT",
        "ALTER [ COLUMN ] column_name DROP DEFAULT",
        "ALTER [ COLUMN ] column_name SET NOT NULL",
        "ALTER [ COLUMN ] column_name ADD GENERATED",
        "ALTER [ COLUMN ] column_name SET STATISTICS",
        "ALTER [ COLUMN ] column_name SET STORAGE",
        "ADD [ CONSTRAINT constraint_name ] CHECK",
        "ADD [ CONSTRAINT constraint_name ] NOT NULL",
        "ADD [ CONSTRAINT constraint_name ] UNIQUE",
        "ADD [ CONSTRAINT constraint_name ] PRIMARY KEY",
        "OWNER TO",
        "ENABLE ROW LEVEL SECURITY",
        "FORCE ROW LEVEL SECURITY",
    }
)
# Statements that name the table and mean the same with its key declared earlier: rows
# loaded (a row the key refuses fails the original's ALTER TABLE too: no file gets further),
# a comment, a privilege, a sequence owned by a column, an index that is no constraint, a view
# or routine reading the table (pg_dump writes views before keys; PostgreSQL records no
# dependency of a view on a key it does not need, and one that needs it fails in the
# original, not in the fix).
_NEUTRAL_STATEMENT = re.compile(
    r"\s*(?:COPY\b|INSERT\s+INTO\b(?![\s\S]*\bON\s+CONFLICT\b)|COMMENT\s+ON\b|GRANT\b"
    r"|REVOKE\b|ALTER\s+SEQUENCE\b|CREATE\s+(?:UNIQUE\s+)?INDEX\b"
    r"|CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:MATERIALIZED|RECURSIVE|TEMP|TEMPORARY)\s+)*VIEW\b"
    r"|CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b)",
    re.IGNORECASE,
)
_IF_NOT_EXISTS = re.compile(r"\s*CREATE\s+(?:[A-Z]+\s+)*?TABLE\s+IF\s+NOT\s+EXISTS\b", re.I)


def why_not_moved(report: FileReport, index: int, at: int) -> str | None:
    """Why the key that statement `index` adds (its action at offset `at` of the file) cannot
    move into its table's CREATE TABLE without changing what the file does; None when it can.
    A statement between the two that names the table (other than those of _NEUTRAL_STATEMENT
    and ALTER TABLEs of _NEUTRAL_ACTIONS) may add or rename the key's columns, write rows the
    key refuses and delete them, or read the key; a CREATE TABLE IF NOT EXISTS creates no
    table when it exists, where the ALTER TABLE would still add the key. None too where the
    statements' uses were not recorded."""
    uses = report.uses
    if index >= len(uses) or uses[index] is None or uses[index].owner is None:
        return None
    table = uses[index].owner
    place = Place(report.source.display_path, report.statements, True, report.parsed, uses)
    created = None
    for k in place.naming(table):
        if k >= index:
            break
        if table in place.uses(k).redefines and place.uses(k).positions:
            created = k
    statements = report.statements
    if created is None:
        return (
            f"{table} is not created earlier in this file: fix moves a key only into a CREATE"
            " TABLE of the same file"
        )
    create = statements[created]
    if _IF_NOT_EXISTS.match(code_only(create.text)):
        return (
            f"the CREATE TABLE of {table} (line {create.line}) says IF NOT EXISTS: where the"
            " table exists it creates nothing, and the key moved into it would never be added"
        )
    own = statements[index]
    if not _neutral_alter(own.text, at - own.start):
        return (
            f"an action before the key in its ALTER TABLE changes {table} first: moved into"
            " the CREATE TABLE, the key would come before it"
        )
    for k in place.naming(table, created + 1):
        if k >= index:
            break
        text = statements[k].text
        if _NEUTRAL_STATEMENT.match(code_only(text)) or _neutral_alter(text, len(text)):
            continue
        return (
            f"line {statements[k].line} (`{short(statements[k].body)}`) uses {table} between its"
            f" CREATE TABLE (line {create.line}) and this ALTER TABLE: moved into the CREATE"
            " TABLE, the key would come before it"
        )
    return None


def _neutral_alter(text: str, before: int) -> bool:
    """Whether `text` is an ALTER TABLE whose actions that start before offset `before` are
    all _NEUTRAL_ACTIONS."""
    code = code_only(text)
    parts = alter_actions.classify("ALTER TABLE", code)
    if not re.match(r"\s*ALTER\s+TABLE\b", code, re.I) or not parts:
        return False
    return all(
        p.action is not None and p.action.action in _NEUTRAL_ACTIONS
        for p in parts
        if p.start < before
    )
