"""ALTER TABLE ... ADD COLUMN with a DEFAULT or constraints, which DSQL rejects, as the steps
it accepts: the bare column, then its default, a backfill, and the constraints added so that
existing rows are validated in the background."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.engine.matchers import code_only
from dsql_lint.fix.actions import Action, Decision, NoFix, action
from dsql_lint.fix.columns import column_of
from dsql_lint.fix.constraints import MAX_NAME, alter_target, table_name, unused_name
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut
from dsql_lint.fix.edits import Fix
from dsql_lint.fix.moves import create_table_before
from dsql_lint.fix.style import cased
from dsql_lint.syntax import locate
from dsql_lint.syntax.tokens import Tokens

BATCH = 1000  # rows per backfill transaction, well under DSQL's 3,000
MOVABLE = ("DEFAULT", "CHECK", "REFERENCES", "UNIQUE")
BLOCKING = ("PRIMARY KEY", "GENERATED")  # cannot be added to an existing table at all


def _name(*parts: str, suffix: str) -> str:
    return "_".join(parts)[: MAX_NAME - len(suffix) - 1] + "_" + suffix


def _primary_key(ctx: FixContext, index: int, alter: exp.Alter) -> list[str]:
    """The primary key columns of the table, from its CREATE TABLE in this file."""
    create = create_table_before(ctx, index, alter.this)
    if create is None or create.tree is None:
        return []
    for node in create.tree.find_all(exp.PrimaryKey, exp.PrimaryKeyColumnConstraint):
        if isinstance(node, exp.PrimaryKey):
            return [c.name for c in node.expressions]
        coldef = node.find_ancestor(exp.ColumnDef)
        return [coldef.name] if coldef is not None else []
    return []


def _default_null(span: Tokens) -> bool:
    return re.fullmatch(r"DEFAULT\s+NULL", span.text(0, len(span)), re.IGNORECASE) is not None


def _is_default_null(tokens: Tokens, part: Any) -> bool:
    body = tokens.text(part.start, part.stop)
    return part.kind == "DEFAULT" and re.fullmatch(r"DEFAULT\s+NULL", body, re.I) is not None


def _clause(span: Tokens) -> str:
    """The ADD COLUMN clause holding the finding, from its ADD to the next comma, comments
    blanked (`NOT /* note */ NULL` is NOT NULL too)."""
    text = span.statement.source.text
    start, end = span.statement.start, span.statement.end
    head = text[start : span[0].start]
    adds = [m.end() for m in re.finditer(r"\bADD\b", head, re.IGNORECASE)]
    clause_start = start + adds[-1] if adds else start
    comma = text.find(",", span[-1].end, end)
    return code_only(text[clause_start : comma if comma >= 0 else end])


def _required_default(span: Tokens) -> bool:
    """Whether the finding is a DEFAULT of a NOT NULL column: the default is what fills the
    existing rows, and without it the bare ADD COLUMN fails on a table that has rows (and DSQL
    refuses the NOT NULL anyway: DSQL602)."""
    if not span.ok or span[0].text.upper() != "DEFAULT":
        return False
    return re.search(r"\bNOT\s+NULL\b", _clause(span), re.IGNORECASE) is not None


def _guarded(span: Tokens) -> str | None:
    """Why the split cannot keep the guards of the ADD COLUMN: with IF NOT EXISTS on the
    column, a column that exists already is left as it is, where the steps split off would
    change it; with IF EXISTS on the table, the unique index step cannot say it (CREATE
    INDEX has no such guard for its table). None: the steps keep them."""
    if not span.ok:
        return None
    clause = _clause(span)
    if re.match(r"\s*(?:COLUMN\s+)?IF\s+NOT\s+EXISTS\b", clause, re.IGNORECASE):
        return (
            "the column is added IF NOT EXISTS: where it exists already the ADD COLUMN leaves"
            " it as it is, and the steps split off would give that column the default or"
            " constraints"
        )
    table_guard = re.match(
        r"\s*ALTER\s+TABLE\s+(?:ASYNC\s+)?IF\s+EXISTS\b",
        code_only(span.statement.text),
        re.IGNORECASE,
    )
    if table_guard and re.search(r"\bUNIQUE\b", clause, re.IGNORECASE):
        return (
            "the table is altered IF EXISTS, which the CREATE UNIQUE INDEX split off cannot"
            " say: where the table is absent it would fail"
        )
    return None


class _Steps:
    """The statements that follow the bare ADD COLUMN, in the order they must run."""

    def __init__(self, target: str, table: str, bare_table: str, column: str, style: str) -> None:
        # `target`: what the ALTER TABLE steps alter, with the original's IF EXISTS and ONLY.
        self.target, self.table, self.bare_table = target, table, bare_table
        self.column, self.style = column, style
        self.lines: list[str] = []
        self.moved: list[str] = []

    def sql(self, text: str) -> None:
        self.lines.append(cased(text, self.style))

    def default(self, expression: str, key: list[str]) -> None:
        t, c = self.table, self.column
        self.sql(f"ALTER TABLE {self.target} ALTER COLUMN {c} SET DEFAULT {expression};")
        keys = ", ".join(key) if key else "<primary key>"
        self.lines.append(
            "-- dsql-lint: backfill the existing rows in batches under DSQL's 3,000-row"
            " transaction limit: run this until it updates no row"
        )
        self.lines.append(
            f"-- UPDATE {t} SET {c} = {expression} WHERE ({keys}) IN"
            f" (SELECT {keys} FROM {t} WHERE {c} IS NULL LIMIT {BATCH});"
        )
        self.moved.append("DEFAULT")

    def not_valid(self, constraint: str, name: str, kind: str) -> None:
        self.sql(f"ALTER TABLE {self.target} ADD CONSTRAINT {name} {constraint} NOT VALID;")
        self.sql(f"ALTER TABLE ASYNC {self.target} VALIDATE CONSTRAINT {name};")
        self.moved.append(kind)

    def unique(self) -> None:
        name = _name(self.bare_table, self.column, suffix="key")
        self.sql(f"CREATE UNIQUE INDEX ASYNC {name} ON {self.table} ({self.column});")
        self.moved.append("UNIQUE")


@action("split-add-column")
class SplitAddColumn(Action):
    """`ALTER TABLE t ADD COLUMN c type DEFAULT d CHECK (...) REFERENCES r UNIQUE` becomes

        ALTER TABLE t ADD COLUMN c type;
        ALTER TABLE t ALTER COLUMN c SET DEFAULT d;
        -- how to backfill existing rows in batches under the row limit
        ALTER TABLE t ADD CONSTRAINT t_c_check CHECK (...) NOT VALID;
        ALTER TABLE ASYNC t VALIDATE CONSTRAINT t_c_check;
        ALTER TABLE t ADD CONSTRAINT t_c_fkey FOREIGN KEY (c) REFERENCES r NOT VALID;
        ALTER TABLE ASYNC t VALIDATE CONSTRAINT t_c_fkey;
        CREATE UNIQUE INDEX ASYNC t_c_key ON t (c);

    NOT NULL stays on the column, as a finding: DSQL cannot add it to an existing table.
    PRIMARY KEY and GENERATED columns are left as findings."""

    @property
    def per_finding(self) -> bool:
        return True  # a finding on PRIMARY KEY stays

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        blocking = next((words for words in BLOCKING if span.has(words)), None)
        if blocking is not None:
            return NoFix(
                f"DSQL adds no {blocking} column to an existing table, split or not:"
                " the column belongs in its CREATE TABLE"
            )
        if _required_default(span):
            return NoFix(
                "the DEFAULT of a NOT NULL column is what fills the rows the table has: without"
                " it the ADD COLUMN fails on a table with rows (and DSQL refuses the NOT NULL,"
                " DSQL602)"
            )
        if _default_null(span):
            return FixAvailability.SAFE  # the column is NULL without it: nothing changes
        guarded = _guarded(span)
        if guarded is not None:
            return NoFix(guarded)
        return None

    def adds(self, diag: Diagnostic, text: str) -> str | None:
        # DEFAULT NULL alone is dropped, nothing added (decision.py declines a statement's
        # findings together: another clause of the column is split off with it).
        if re.fullmatch(r"DEFAULT\s+NULL", text[diag.start : diag.end], re.IGNORECASE):
            return None
        return "ALTER TABLE steps split off the ADD COLUMN"

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tree = ctx.parsed(diag.statement).tree
        found = column_of(diag.node, ctx, diag.statement) if diag.node is not None else None
        if not isinstance(tree, exp.Alter) or found is None:
            return None
        tokens, column = found
        layout = locate.alter_table(tokens)
        if layout is None or column.constraint(*BLOCKING):
            return None
        # A NOT NULL column keeps its DEFAULT: it fills the rows the table has.
        required = column.constraint("NOT NULL") is not None
        parts = [
            p
            for p in column.constraints
            if p.kind in MOVABLE and not (required and p.kind == "DEFAULT")
        ]
        if not parts:
            return None
        edits = [cut(tokens, p.start, p.stop) for p in parts]
        # DEFAULT NULL is what a column has without a default: dropped, nothing to add back.
        parts = [p for p in parts if not _is_default_null(tokens, p)]
        if not parts:
            name = tokens[column.name].text
            return self.make(diag, edits, f"ADD COLUMN {name}: DEFAULT NULL dropped")
        steps = self._steps(ctx, diag, tree, tokens, layout, column, parts)
        statement = ctx.statement_of(diag)
        separator = ctx.newline + ctx.indent(statement.start)
        edits.append(ctx.after_statement(statement, separator.join(steps.lines)))
        summary = (
            f"ADD COLUMN {steps.column} split: {', '.join(steps.moved)} added in separate steps"
        )
        return self.make(diag, edits, summary)

    @staticmethod
    def _steps(
        ctx: FixContext,
        diag: Diagnostic,
        tree: exp.Alter,
        tokens: Tokens,
        layout: locate.Alter,
        column: locate.Column,
        parts: list[Any],
    ) -> _Steps:
        name = tokens[column.name].text
        bare_table = tokens[layout.table[1] - 1].name
        steps = _Steps(
            alter_target(tokens, layout),
            table_name(tokens, layout),
            bare_table,
            name,
            tokens[0].text,
        )
        for part in parts:
            # The clause after the keyword (and after CONSTRAINT name), as written.
            keyword = part.start + (2 if part.name else 0)
            body = tokens.text(keyword + 1, part.stop)
            if part.kind == "DEFAULT":
                steps.default(body, _primary_key(ctx, diag.statement, tree))
            elif part.kind == "CHECK":
                constraint = part.name or unused_name(
                    ctx, _name(bare_table, tokens[column.name].name, suffix="check")
                )
                steps.not_valid(f"CHECK {body}", constraint, "CHECK")
            elif part.kind == "REFERENCES":
                constraint = part.name or unused_name(
                    ctx, _name(bare_table, tokens[column.name].name, suffix="fkey")
                )
                steps.not_valid(f"FOREIGN KEY ({name}) REFERENCES {body}", constraint, "REFERENCES")
            else:
                steps.unique()
        return steps
