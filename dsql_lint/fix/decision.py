"""Each finding's fix decision, made once while linting: the rule's fixer judges the finding
(fix.actions.Action.judge), the finding carries the result (`Diagnostic.fix`), `check` prints
it and `fix` applies the finding's fix with that safety, or leaves the finding.

Most fixers fix every finding of their rule with the rule's `fix:`; a few decide per finding
(DSQL101 rewrites a BIGSERIAL column safely and a SERIAL one unsafely, DSQL302 removes USING
btree but leaves USING gin alone), for the user's choices (`check`: the defaults).

A fix that changes a column's type is also judged on what the statements after it, and the
later files of the run, do with the column (`settle`, once the files are linted): `check`
and `fix` both read that decision, and a finding whose fix would break one says which
(`Diagnostic.fix_note`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from dsql_lint.diagnostic import Diagnostic, FixAvailability, Severity
from dsql_lint.engine.model import Rule
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.report.model import FileReport, LintReport
from dsql_lint.settings.lint import LintOptions
from dsql_lint.syntax.source import Source

if TYPE_CHECKING:
    from dsql_lint.fix.actions import Action
    from dsql_lint.fix.dependents import Place
    from dsql_lint.fix.edits import Edit
    from dsql_lint.lint.schema import Catalog
    from dsql_lint.syntax.parse import Parsed
    from dsql_lint.syntax.tokens import ParseTokens

# The fix actions that change a column's type: what the later statements do with the column
# decides too.
FOLLOWING = frozenset({"replace-type"})
# The fix actions that move the finding's text into another statement (a key into its CREATE
# TABLE): an error found in that text would go with it.
MOVING = frozenset({"fold-into-create"})
# The fix actions that may add DDL after their finding's statement (a VALIDATE, the steps of a
# split ADD COLUMN): DDL that a transaction holding the statement must have room for.
ADDING = frozenset({"not-valid", "split-add-column"})
# The fix actions that split a transaction: the DML of one must stay in one.
SPLITTING = frozenset({"split-transaction"})
# (code, start) of a finding -> the edits carrying the later statements to its fix.
Followed = dict[tuple[str, int], "list[Edit]"]
# (code, start) of a finding -> the edits carrying the later files to its fix, by path.
Elsewhere = dict[tuple[str, int], "dict[str, list[Edit]]"]
# A finding's fix decision, and why it has none (the finding's `fix_note`); None: the rule's.
Judged = tuple[FixAvailability, str | None] | None


class FixJudge:
    """A settings.LintOptions.fix_judge. The fix machinery is imported on the first finding of
    a rule with a fixer, in the process that lints it (a parallel worker, say), not at
    start-up."""

    def __init__(self, choices: Mapping[str, str] | None = None) -> None:
        self.choices = choices
        # Rule code -> its fixer, if that decides per finding.
        self.fixers: dict[str, Action | None] = {}
        self.known: dict[tuple[str, int, str, str], Judged] = {}
        # The tokens of the statement judged last: its findings are judged one after another.
        self.last: tuple[Parsed, ParseTokens] | None = None

    def __call__(self, rule: Rule, parsed: Parsed, start: int, end: int) -> Judged:
        """The finding's fix decision, and why it has no fix; None: the rule's `fix:`."""
        if rule.code not in self.fixers:
            self.fixers[rule.code] = _deciding_fixer(rule)
        fixer = self.fixers[rule.code]
        if fixer is None:
            return None
        # The decision depends on the finding's text, its place in its statement (which column
        # of several `text[]` ones: one may have a CHECK) and the statement (an ADD COLUMN
        # cannot take what a CREATE TABLE can).
        statement = parsed.statement
        text = statement.source.text
        key = (rule.code, start - statement.start, text[start:end], statement.text)
        if key in self.known:
            return self.known[key]
        from dsql_lint.fix.actions import DEFAULT_CHOICES, NoFix

        decided = fixer.judge(
            self._tokens(parsed).part(start, end), self.choices or DEFAULT_CHOICES
        )
        found: Judged = (
            (FixAvailability.NONE, decided.why)
            if isinstance(decided, NoFix)
            else (decided, None)
            if decided is not None
            else None
        )
        if len(self.known) > 10_000:
            self.known.clear()
        self.known[key] = found
        return found

    def settle(
        self,
        report: FileReport,
        actions: Mapping[str, Action],
        later: Iterable[Place] = (),
        here: Place | None = None,
        before: Callable[[], Catalog] | None = None,
    ) -> tuple[FileReport, Followed, Elsewhere]:
        """The file-level part of the decision: each type change's finding is judged on the
        statements after it in `report` and in the files of `later`. A finding whose fix would
        break one has no fix, and its note says which; the others get the edits that carry
        those statements to the new type, in this file and in later ones. `before`: the
        schema model before the file (the tables a foreign key names that the file does not
        define)."""
        from dsql_lint.fix.dependents import Declined, Place, norm_type

        followed: Followed = {}
        elsewhere: Elsewhere = {}
        report = _moved_errors(report, actions)
        report = _added_ddl(report, actions)
        report = _split_dml(report, actions)
        if _orm(report.source) or not any(
            _follows(d, actions) or _declined(d, actions) for d in report.diagnostics
        ):
            return report, followed, elsewhere
        if here is None:
            here = Place(
                report.source.display_path,
                report.statements,
                True,
                report.parsed,
                report.uses,
                before,
            )
        choices = self.choices or _default_choices()
        following = [k for k, d in enumerate(report.diagnostics) if _follows(d, actions)]
        notes: dict[int, str] = {}  # why a finding has no fix
        remarks: dict[int, str] = {}  # what a finding's fix does beyond its edits
        relied: dict[int, set[tuple[str, str]]] = {}
        columns: dict[int, tuple[str, str]] = {}

        def changes() -> dict[tuple[str, str], str]:
            """What the fixes not declined change: asked by a foreign key between two
            changed columns, which holds."""
            out = {}
            for k in following:
                diag = report.diagnostics[k]
                change = actions[diag.code].change(diag, here, choices)
                if change is not None and k not in notes:
                    columns[k] = (change.table, change.column)
                    out[columns[k]] = norm_type(change.new_type)
            return out

        here.changes = changes
        judged = following
        while judged:
            for k in judged:
                diag = report.diagnostics[k]
                here.relied = set()
                try:
                    carried = actions[diag.code].dependents(diag, here, later, choices)
                except Declined as why:
                    notes[k] = str(why)
                    followed.pop((diag.code, diag.start), None)
                    elsewhere.pop((diag.code, diag.start), None)
                    if k in columns:
                        here.unchanged(columns[k])
                else:
                    relied[k] = here.relied
                    if carried is not None and carried.edits:
                        followed[(diag.code, diag.start)] = carried.edits
                    if carried is not None and carried.elsewhere:
                        elsewhere[(diag.code, diag.start)] = carried.elsewhere
                    if carried is not None and carried.note:
                        remarks[k] = carried.note
            # Judged again: the fixes that counted on a change now declined.
            judged = [
                k
                for k, on in relied.items()
                if on and k not in notes and not on <= here.changing.keys()
            ]
            for k in judged:
                del relied[k]
        here.changes = dict  # not a cycle through the closure: the collector is off
        # Declined for uses in their own statement: the later ones that would break are
        # named too, so that one run lists every use to change by hand.
        for k, diag in enumerate(report.diagnostics):
            action = actions[diag.code] if _declined(diag, actions) else None
            if action is None or action.declined_here(diag, here, choices) is None:
                continue
            try:
                action.dependents(diag, here, later, choices)
            except Declined as why:
                notes[k] = str(why)
        diagnostics = [
            dataclasses.replace(d, fix=FixAvailability.NONE, fix_note=notes[k])
            if k in notes
            else dataclasses.replace(d, fix_note=remarks[k])
            if k in remarks
            else d
            for k, d in enumerate(report.diagnostics)
        ]
        return dataclasses.replace(report, diagnostics=diagnostics), followed, elsewhere

    def settle_run(self, report: LintReport, options: LintOptions) -> LintReport:
        """`settle` for each file of a run, the files after it as its later ones (what `fix`
        of the same paths reads)."""
        rules = [
            r
            for r in report.rules
            if r.fixer.get("action") in FOLLOWING | MOVING | ADDING | SPLITTING
        ]
        codes = {r.code for r in rules}
        if not any(
            d.code in codes and (d.fix is not FixAvailability.NONE or d.fix_note)
            for d in report.diagnostics
        ):
            return report  # (without importing the fix machinery)
        from dsql_lint.fix.fixers import load_fixers

        actions = load_fixers(rules)
        places = later_places([f.source for f in report.files], options, report.files)
        files = []
        for at, file in enumerate(report.files):
            following = [p for p in places[at + 1 :] if p is not None]
            before = functools.partial(_schema_before, report.files[:at])
            files.append(self.settle(file, actions, following, before=before)[0])
        return LintReport(files, report.rules)

    def _tokens(self, parsed: Parsed) -> ParseTokens:
        """The statement's tokens, from its parse's: not tokenized again."""
        from dsql_lint.syntax.tokens import ParseTokens

        if self.last is None or self.last[0] is not parsed:
            self.last = (parsed, ParseTokens(parsed.statement, parsed.tokens))
        return self.last[1]


def _orm(source: Source) -> bool:
    """Whether `source` is SQL an ORM file holds or generates (a SQL file with psql's `-v`
    values put in is SQL text, its type changes judged like any file's)."""
    from dsql_lint.lint.psql_values import SUBSTITUTED

    return isinstance(source, MappedSource) and source.framework not in SUBSTITUTED


def _deciding_fixer(rule: Rule) -> Action | None:
    from dsql_lint.fix.fixers import fixer_for

    fixer = fixer_for(rule)
    return fixer if fixer is not None and fixer.per_finding else None


def _follows(diag: Diagnostic, actions: Mapping[str, Action]) -> bool:
    action = actions.get(diag.code)
    return action is not None and action.name in FOLLOWING and diag.fix is not FixAvailability.NONE


def _declined(diag: Diagnostic, actions: Mapping[str, Action]) -> bool:
    """Whether the finding is one of a type change that its decision declined, saying why."""
    action = actions.get(diag.code)
    return (
        action is not None
        and action.name in FOLLOWING
        and diag.fix is FixAvailability.NONE
        and bool(diag.fix_note)
    )


def _moved_errors(report: FileReport, actions: Mapping[str, Action]) -> FileReport:
    """`report` with no fix for the findings whose fix moves their text into another statement
    where that would change what the file does (fix.moves.why_not_moved: a statement between
    the two uses the table, a CREATE TABLE IF NOT EXISTS), or while an error of another rule
    is found in that text (a json column in a primary key, DSQL307): the statement it moves
    into (the CREATE TABLE) would be refused instead."""
    moving = [
        k
        for k, d in enumerate(report.diagnostics)
        if d.fix is not FixAvailability.NONE
        and (action := actions.get(d.code)) is not None
        and action.name in MOVING
    ]
    if not moving:
        return report
    from dsql_lint.fix.moves import why_not_moved

    diagnostics = list(report.diagnostics)
    for k in moving:
        diag = diagnostics[k]
        why = why_not_moved(report, diag.statement, diag.start)
        if why is not None:
            diagnostics[k] = dataclasses.replace(diag, fix=FixAvailability.NONE, fix_note=why)
    report = dataclasses.replace(report, diagnostics=diagnostics)
    errors: dict[int, list[Diagnostic]] = {}
    for d in report.diagnostics:
        if d.severity is Severity.ERROR:
            errors.setdefault(d.statement, []).append(d)
    diagnostics = list(report.diagnostics)
    for k in moving:
        diag = diagnostics[k]
        carried = next(
            (
                e
                for e in errors.get(diag.statement, ())
                if e.code != diag.code and diag.start <= e.start and e.end <= diag.end
            ),
            None,
        )
        if carried is not None:
            diagnostics[k] = dataclasses.replace(
                diag,
                fix=FixAvailability.NONE,
                fix_note=f"the fix would move {carried.code} with it ({carried.message}): DSQL"
                " would refuse the statement it moves into instead",
            )
    return dataclasses.replace(report, diagnostics=diagnostics)


def _added_ddl(report: FileReport, actions: Mapping[str, Action]) -> FileReport:
    """`report` with no fix for the findings whose fix adds DDL after their statement inside a
    transaction that fix cannot split there: one the file does not open and commit itself (a
    migration tool's, --assume-in-transaction, an including file's), or at a place in a
    savepoint's scope. The added statement would be a second DDL in it (DSQL401), which no
    pass could take out again. In a block the file opens and commits, the next pass splits it."""
    from dsql_lint.fix.transactions import no_room

    adding: dict[int, list[int]] = {}  # statement -> its findings of such actions
    added: dict[int, str] = {}  # statement -> what a fix of it adds
    for k, d in enumerate(report.diagnostics):
        action = actions.get(d.code)
        if d.fix is FixAvailability.NONE or action is None or action.name not in ADDING:
            continue
        adding.setdefault(d.statement, []).append(k)
        what = action.adds(d, report.source.text)
        if what is not None:
            added.setdefault(d.statement, what)
    if not added:
        return report
    diagnostics = list(report.diagnostics)
    for index, what in added.items():
        why = no_room(report.source, report.statements, index)
        if why is None:
            continue
        note = f"the {what} it adds would be another DDL in the transaction, and {why}"
        for k in adding[index]:
            diagnostics[k] = dataclasses.replace(
                diagnostics[k], fix=FixAvailability.NONE, fix_note=note
            )
    return dataclasses.replace(report, diagnostics=diagnostics)


def _split_dml(report: FileReport, actions: Mapping[str, Action]) -> FileReport:
    """`report` with the split of a transaction unsafe where it would commit some of the
    transaction's DML without the rest (a DDL between two DML statements that cannot move
    before them: fix.transactions.hoisted): the writes were all or nothing, and after the
    split a failure between the parts leaves the first."""
    from dsql_lint.fix.transactions import hoisted

    splitting = [
        k
        for k, d in enumerate(report.diagnostics)
        if d.fix is FixAvailability.SAFE
        and (action := actions.get(d.code)) is not None
        and action.name in SPLITTING
    ]
    if not splitting:
        return report
    diagnostics = list(report.diagnostics)
    notes: dict[int, str | None] = {}
    for k in splitting:
        tx = report.statements[diagnostics[k].statement].tx
        if tx is None:
            continue
        if tx not in notes:
            notes[tx] = hoisted([s for s in report.statements if s.tx == tx])[1]
        if notes[tx] is not None:
            diagnostics[k] = dataclasses.replace(
                diagnostics[k], fix=FixAvailability.UNSAFE, fix_note=notes[tx]
            )
    return dataclasses.replace(report, diagnostics=diagnostics)


def _schema_before(files: Sequence[FileReport]) -> Catalog:
    """The schema model after `files`, from the effects their lint recorded."""
    from dsql_lint.lint.schema import Catalog

    catalog = Catalog()
    for file in files:
        for effects in file.effects:
            catalog.apply(effects)
    return catalog


def _default_choices() -> Mapping[str, str]:
    from dsql_lint.fix.actions import DEFAULT_CHOICES

    return DEFAULT_CHOICES


def later_places(
    sources: Sequence[Source],
    options: LintOptions,
    linted: Sequence[FileReport] = (),
    editable: bool = True,
) -> list[Place | None]:
    """Each source as the statements a type change in an earlier file must not break, read
    when first asked; None for those that are not SQL text (ORM files, unreadable ones).
    `linted`: the sources' reports, whose statements' uses spare parsing them again.
    `editable`: whether fix writes in them what carries them to the change (not where it
    fixes another text than the file's: a translation from another dialect)."""
    from dsql_lint.fix.dependents import Place
    from dsql_lint.syntax.formats import statements

    places: list[Place | None] = []
    for at, source in enumerate(sources):
        if _orm(source) or source.problem is not None:
            places.append(None)
            continue
        split = statements(source, options.assume_in_transaction, options.framework_transactions)
        uses = linted[at].uses if at < len(linted) else ()
        # A file with psql's values put in is not edited at the positions of that text.
        text = editable and not isinstance(source, MappedSource)
        places.append(Place(source.display_path, split, text, uses=_aligned(uses, split)))
    return places


def _aligned(uses: Sequence[object], split: Sequence[object]) -> Sequence:
    """The lint's uses of a file's statements, when they are those of this split."""
    return uses if len(uses) == len(split) else ()
