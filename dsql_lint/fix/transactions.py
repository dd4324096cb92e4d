"""Splitting a transaction block DSQL cannot run: one DDL statement per transaction, and DDL
never with DML. `COMMIT; BEGIN;` goes after the statement that ends each group, so the
statements keep their order and the comments before a statement stay with it."""

from __future__ import annotations

import re

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.engine.matchers import code_only
from dsql_lint.fix.actions import Action, action
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.edits import Fix
from dsql_lint.fix.style import cased
from dsql_lint.lint.classify import (
    DDL,
    DML,
    QUERY,
    class_of_keyword,
    savepoint_scopes,
    statement_class,
)
from dsql_lint.lint.runs import held_by_includer
from dsql_lint.syntax.parse import Parsed
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Statement, TxControl

# A statement a fix adds right after another, as the savepoint scopes read it.
_ADDED = "ALTER TABLE added"


def group_starts(members: list[Parsed]) -> list[int]:
    """Indexes in `members` of the statements that must start a new transaction."""
    starts = []
    ddl = dml = False
    for k, parsed in enumerate(members):
        kind = statement_class(parsed)
        if kind not in (DDL, DML):
            continue
        if ddl or (kind == DDL and dml):
            starts.append(k)
            ddl = dml = False
        ddl, dml = ddl or kind == DDL, dml or kind == DML
    return starts


def dml_parted(members: list[Statement]) -> str | None:
    """Why splitting the transaction block of `members` (BEGIN to COMMIT) changes what it
    does: a DDL statement between two DML statements puts them in two transactions, so the
    first commits whatever becomes of the second (a debit without its credit). None: its
    DML stays in one transaction."""
    kinds = [_kind(s) for s in members]
    dml = [k for k, kind in enumerate(kinds) if kind == DML]
    between = [k for k in range(dml[0], dml[-1]) if kinds[k] == DDL] if dml else []
    if not between:
        return None
    ddl, first, last = members[between[0]], members[dml[0]], members[dml[-1]]
    return (
        f"the DDL of line {ddl.line} stands between the DML of lines {first.line} and"
        f" {last.line}: split, they commit apart, and a failure after the first commit keeps"
        " half of the writes (move the DDL before or after them to keep them in one"
        " transaction)"
    )


def _kind(statement: Statement) -> str:
    """A statement's class from its words (no tree: `check` has freed them); a WITH that
    writes rows is DML."""
    kind = class_of_keyword(statement.body)
    if kind != DDL and re.search(
        r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", code_only(statement.body), re.I
    ):
        return DML if kind in (DML, QUERY) else kind
    return kind


def no_room(source: Source, statements: list[Statement], index: int) -> str | None:
    """Why no COMMIT can go right after statement `index` (so that a DDL added there runs in
    a transaction of its own), or None when one can: the statement runs in no transaction,
    or in one its file opens and commits, outside any savepoint's scope."""
    statement = statements[index]
    if statement.tx is None:
        if held_by_includer(source):
            return (
                "fix cannot put a COMMIT inside the transaction of the file that includes this"
                f" one ({source.included_by[-1][0]}:{source.included_by[-1][1]})"
            )
        return None
    members = [s for s in statements if s.tx == statement.tx]
    if members[0].tx_control is not TxControl.BEGIN or (
        members[-1].tx_control is not TxControl.COMMIT
    ):
        return (
            "the file does not open and commit that transaction itself (a migration tool's,"
            " or --assume-in-transaction): fix cannot put a COMMIT inside it"
        )
    at = members.index(statement) + 1
    texts = [s.text for s in members]
    if at in savepoint_scopes([*texts[:at], _ADDED, *texts[at:]]):
        return (
            "it would be in a savepoint's scope, where a COMMIT would move ROLLBACK TO"
            " SAVEPOINT into another transaction"
        )
    return None


@action("split-transaction")
class SplitTransaction(Action):
    """Commit between the groups of a BEGIN ... COMMIT block. A block the file does not open
    itself (a migration tool's transaction) or that ends in ROLLBACK is left as a finding."""

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tx = ctx.statement_of(diag).tx
        if tx is None:
            return None
        members = ctx.memo("transactions", lambda: _by_transaction(ctx.report.parsed))[tx]
        if len(members) < 3:
            return None
        if members[0].statement.tx_control is not TxControl.BEGIN:
            return None
        if members[-1].statement.tx_control is not TxControl.COMMIT:
            return None
        inner = members[1:-1]
        scoped = savepoint_scopes([p.statement.text for p in inner])
        starts = [k for k in group_starts(inner) if k not in scoped]
        if not starts:
            return None
        style = members[0].statement.text
        edits = []
        for k in starts:
            previous = ctx.report.statements[inner[k].statement.index - 1]
            text = (
                cased("COMMIT;", style)
                + ctx.newline
                + ctx.indent(previous.start)
                + cased("BEGIN;", style)
            )
            edits.append(ctx.after_statement(previous, text))
        count = len(starts) + 1
        summary = f"transaction split in {count}: one DDL statement each, DDL apart from DML"
        if scoped:
            summary += "; not inside a savepoint's scope (SAVEPOINT to its last ROLLBACK TO)"
        return self.make(diag, edits, summary)


def _by_transaction(parsed: list[Parsed]) -> dict[int, list[Parsed]]:
    """The statements of each transaction block, read once per lint (not once per finding:
    a dump has thousands of blocks)."""
    blocks: dict[int, list[Parsed]] = {}
    for p in parsed:
        if p.statement.tx is not None:
            blocks.setdefault(p.statement.tx, []).append(p)
    return blocks
