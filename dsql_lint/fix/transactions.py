"""Splitting a transaction block DSQL cannot run: one DDL statement per transaction, and DDL
never with DML. `COMMIT; BEGIN;` goes after the statement that ends each group, so the
statements keep their order and the comments before a statement stay with it."""

from __future__ import annotations

import re

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.engine.matchers import code_only
from dsql_lint.fix.actions import Action, action
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.dependents import name_words
from dsql_lint.fix.edits import Fix, insert
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


def hoisted(members: list[Statement]) -> tuple[list[int], str | None]:
    """For the transaction block of `members` (BEGIN to COMMIT): the DDL statements standing
    between two of its DML statements (indexes in `members`), which the split moves before
    the first DML so that the DML stays in one transaction; and why the split must instead
    commit the DML apart (a failure after the first commit then keeps half of the writes), or
    None. A DDL moves only when no statement it would move before names what it changes: the
    column it adds (and none reads `*`), else any name it spells."""
    kinds = [_kind(s) for s in members]
    dml = [k for k, kind in enumerate(kinds) if kind == DML]
    between = [k for k in range(dml[0], dml[-1]) if kinds[k] == DDL] if dml else []
    for k in between:
        changed, star = _changed(members[k])
        for j in range(dml[0], k):
            code = code_only(members[j].body)
            if kinds[j] == DDL or not (changed & name_words(code) or (star and "*" in code)):
                continue
            return [], (
                f"the DDL of line {members[k].line} stands between the DML of lines"
                f" {members[dml[0]].line} and {members[dml[-1]].line}, and line"
                f" {members[j].line} before it reads what it changes: split, the DML would"
                " commit in parts, and a failure after the first commit keeps half of the"
                " writes"
            )
    return between, None


# `ALTER TABLE t ADD [COLUMN] [IF NOT EXISTS] c ...` of one action: what it changes for the
# statements before it is the column alone.
_ADD_COLUMN = re.compile(
    r"\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?[\w.\"]+\s+ADD\s+(?:COLUMN\s+)?"
    r"(?:IF\s+NOT\s+EXISTS\s+)?(?P<column>\w+|\"(?:[^\"]|\"\")+\")[^,]*",
    re.IGNORECASE,
)


def _changed(statement: Statement) -> tuple[set[str], bool]:
    """The names a DDL statement changes, as words, and whether a `*` reads the change (a
    column added)."""
    code = code_only(statement.body)
    column = _ADD_COLUMN.fullmatch(code)
    if column is not None:
        return name_words(column.group("column")), True
    return name_words(code), False


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
        moved, why = hoisted([p.statement for p in members])
        if moved and why is None:
            return self._hoist(diag, ctx, [members[k].statement for k in moved], members)
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

    def _hoist(
        self, diag: Diagnostic, ctx: FixContext, moved: list[Statement], members: list[Parsed]
    ) -> Fix | None:
        """The DDL between the block's DML moved before its first DML, in their order: the
        next pass splits the block with its DML in one transaction."""
        first = next(p.statement for p in members if _kind(p.statement) == DML)
        edits = [ctx.delete_statement(s) for s in moved]
        indent = ctx.newline + ctx.indent(first.start)
        edits += [insert(first.start, s.text + indent) for s in moved]
        lines = ", ".join(str(s.line) for s in moved)
        summary = f"DDL of line {lines} moved before the DML of line {first.line}, to split after"
        return self.make(diag, edits, summary)


def _by_transaction(parsed: list[Parsed]) -> dict[int, list[Parsed]]:
    """The statements of each transaction block, read once per lint (not once per finding:
    a dump has thousands of blocks)."""
    blocks: dict[int, list[Parsed]] = {}
    for p in parsed:
        if p.statement.tx is not None:
            blocks.setdefault(p.statement.tx, []).append(p)
    return blocks
