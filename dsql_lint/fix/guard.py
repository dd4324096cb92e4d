"""The guard of every fix pass: a fix must not leave its statement worse than it found it.

The lint after a pass is compared with the lint before it, statement by statement: an error
whose rule the statement did not break before (a rewrite that no longer parses) is blamed on
the fixes that edited that statement, and those fixes are withdrawn; one in a statement naming
their table (a user rule's error on an ALTER COLUMN of a column that became jsonb) on those
that edited before a name it uses. An error that a fix planned on the new lint removes
is no harm: fixes build on each other (a split statement is moved out of its transaction by
the next pass). A withdrawn fix is that fix only, known by its edits where they are (moved
along as later passes edit the text), not every fix making the same edit elsewhere.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from dsql_lint.diagnostic import Diagnostic, Severity
from dsql_lint.fix.edits import Edit, Fix, Forward
from dsql_lint.report.model import FileReport

# What identifies a fix: its rule and its edits in the file, where they are. Not its table,
# column and edit text: the same `USING btree` removed from six indexes on one table is six
# fixes, and the one that makes its statement worse is withdrawn alone.
FixKey = tuple[str, tuple[Edit, ...]]


def fix_key(fix: Fix) -> FixKey:
    return fix.code, fix.file_edits


class Withdrawals:
    """The fixes withdrawn for good, each at its place in the text as fixed so far: a pass
    moves them forward, undoing the pass moves them back."""

    def __init__(self) -> None:
        self.now: dict[FixKey, str] = {}  # -> why
        self._before: list[dict[FixKey, str]] = []  # as they were before each pass

    def __bool__(self) -> bool:
        return bool(self.now)

    def advance(self, fixes: Sequence[Fix]) -> None:
        """The pass of `fixes` is applied: the withdrawn edits move with the text."""
        self._before.append(self.now)
        if self.now:
            forward = Forward(e for fix in fixes for e in fix.file_edits)
            self.now = {
                (code, tuple(Edit(forward(e.start), forward(e.end), e.text) for e in edits)): why
                for (code, edits), why in self.now.items()
            }

    def undo(self, harmful: Iterable[tuple[Fix, str]]) -> None:
        """The last pass is undone for `harmful` fixes of it, withdrawn with their reasons."""
        self.now = self._before.pop()
        self.now = {**self.now, **{fix_key(fix): why for fix, why in harmful}}


class Statements:
    """A report's statements by position, and the table each defines or alters, which outlives
    the statement's tree (`pin`)."""

    def __init__(self, report: FileReport) -> None:
        self.report = report
        self.starts = [s.start for s in report.statements]
        self._targets: dict[int | None, str | None] = {}

    def at(self, pos: int) -> int | None:
        """The index of the statement at `pos` (or the last one before it)."""
        if not self.starts:
            return None
        return self.report.statements[max(0, bisect.bisect_right(self.starts, pos) - 1)].index

    def edited(self, fixes: Iterable[Fix]) -> set[int]:
        """The statements whose text the edits of `fixes` change (not one before or after
        which text is inserted: that text may be a statement of its own)."""
        statements = self.report.statements
        found: set[int] = set()
        for fix in fixes:
            for edit in fix.edits:
                first = max(0, bisect.bisect_right(self.starts, edit.start) - 1)
                last = bisect.bisect_right(self.starts, max(edit.start, edit.end - 1))
                for k in range(first, last):
                    statement = statements[k]
                    if edit.end > edit.start:
                        touched = statement.start < edit.end and edit.start < statement.end
                    else:
                        touched = statement.start < edit.start < statement.end
                    if touched:
                        found.add(statement.index)
        return found

    def target(self, statement: int | None) -> str | None:
        """The table statement `statement` defines or alters: the first it names."""
        if statement not in self._targets:
            self._targets[statement] = _target(self.report, statement)
        return self._targets[statement]

    def pin(self, statements: Iterable[int]) -> None:
        """Reads the targets of `statements` now: their trees are about to be freed."""
        for statement in statements:
            self.target(statement)


@dataclass(frozen=True)
class Harm:
    fix: Fix
    introduced: Diagnostic  # in the text after the pass


def harms(
    statements: Statements,
    after: FileReport,
    fixes: Sequence[Fix],
    fixable: Collection[tuple[str, int]],
) -> list[Harm]:
    """The fixes of the pass from `statements`' report to `after` that brought an error into a
    statement they edited, each with one such error. `fixable`: the (code, start) of the
    findings of `after` that a fix planned on it will remove."""
    before = statements.report
    mapping = Backward(fixes)
    had = {(d.code, d.statement) for d in before.diagnostics if d.severity is Severity.ERROR}
    found: dict[int, Harm] = {}
    places: list[tuple[str | None, str | None]] = []  # each fix's subject and target
    by_subject: dict[str, list[int]] = {}  # the fixes by subject: errors x fixes was quadratic
    for diag in after.diagnostics:
        if diag.severity is not Severity.ERROR or (diag.code, diag.start) in fixable:
            continue
        origin, inside = mapping.back(diag.start)
        statement = statements.at(origin)
        if statement is None or (diag.code, statement) in had:
            continue
        # The fix whose new text holds the error; else the fixes, in this statement or in
        # one defining a table it names, that edit after a name it names (a column's new type
        # that an index elsewhere cannot take; not the ASYNC added to that index).
        if inside is not None:
            blamed = [inside]
        else:
            if not places:  # read once: a pass has hundreds of fixes, and may bring as many errors
                places = [
                    (_subject(before, fix), statements.target(statements.at(fix.edits[0].start)))
                    for fix in fixes
                ]
                for k, (subject, _) in enumerate(places):
                    if subject is not None:
                        by_subject.setdefault(subject, []).append(k)
            names = _names(after, diag.statement)
            span = before.statements[statement]
            near = [
                k
                for name in names
                for k in by_subject.get(name, ())
                if places[k][1] in names
                or any(span.start <= e.start <= span.end for e in fixes[k].edits)
            ]
            # Those that change a column come first (a type an index cannot take); then those
            # that edit this statement: a fix whose name before it is its table's (USING
            # removed after `ON t`) reaches no other statement, and is blamed elsewhere only
            # when nothing else is there to blame.
            blamed = (
                [k for k in near if places[k][0] != places[k][1]]
                or [
                    k
                    for k in near
                    if any(span.start <= e.start <= span.end for e in fixes[k].edits)
                ]
                or near
            )
        for k in blamed:
            found.setdefault(k, Harm(fixes[k], diag))
    return [found[k] for k in sorted(found)]


class Backward:
    """Positions in the text after a pass, back to the text before it."""

    def __init__(self, fixes: Sequence[Fix]) -> None:
        owned = sorted((e, k) for k, fix in enumerate(fixes) for e in fix.edits)
        self.edits: list[Edit] = [e for e, _ in owned]
        self.owners = [k for _, k in owned]
        # Where each edit's new text starts after the pass.
        self.starts: list[int] = []
        shift = 0
        for edit in self.edits:
            self.starts.append(edit.start + shift)
            shift += len(edit.text) - (edit.end - edit.start)

    def back(self, pos: int) -> tuple[int, int | None]:
        """The position before the pass, and the fix whose new text holds `pos`, if one does."""
        k = bisect.bisect_right(self.starts, pos) - 1
        if k < 0:
            return pos, None
        edit, start = self.edits[k], self.starts[k]
        if pos < start + len(edit.text):
            return edit.start, self.owners[k]
        return edit.end + (pos - start - len(edit.text)), None


def _names(report: FileReport, statement: int) -> set[str]:
    """Every name a statement uses (tables, columns, indexes), lower-cased, without schema."""
    parsed = report.parsed[statement] if statement < len(report.parsed) else None
    if parsed is None or parsed.tree is None:
        return set()
    return {i.name.lower() for i in parsed.tree.find_all(exp.Identifier) if i.name}


_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
# Not starting inside a name: a search from each character of a word was quadratic.
_LAST_NAME = re.compile(r'(?<![\w"])(\w+|"(?:[^"]|"")+")\W*\Z')


def _subject(report: FileReport, fix: Fix) -> str | None:
    """The name written just before the fix's first edit (the column whose type it changes),
    lower-cased."""
    start = fix.edits[0].start
    # A comment between the name and the type is not the name.
    before = _COMMENT.sub(" ", report.source.text[max(0, start - 200) : start])
    found = _LAST_NAME.search(before)
    if found is None:
        return None
    name = found.group(1)
    return name[1:-1].replace('""', '"').lower() if name.startswith('"') else name.lower()


def _target(report: FileReport, statement: int | None) -> str | None:
    """The table a statement defines or alters: the first it names."""
    if statement is None or statement >= len(report.parsed):
        return None
    tree = report.parsed[statement].tree
    table = tree.find(exp.Table) if tree is not None else None
    return table.name.lower() if table is not None and table.name else None
