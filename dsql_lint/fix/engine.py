"""Lint, plan fixes, apply the ones that fit together, and again, until nothing changes.

Each pass plans fixes on a fresh lint of the text as fixed so far, so that a fix may build on
another (a statement added by one fix is split into its own transaction by the next pass), and
fixes whose edits collide simply wait for the next pass.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.fix import edits as ed
from dsql_lint.fix.actions import DEFAULT_CHOICES, Action, merged
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.decision import Elsewhere, FixJudge, Followed, later_places
from dsql_lint.fix.dependents import Place
from dsql_lint.fix.edits import Fix
from dsql_lint.fix.fixers import load_fixers
from dsql_lint.fix.guard import FixKey, Statements, Withdrawals, fix_key, harms
from dsql_lint.fix.hosted import Host
from dsql_lint.lint.pipeline import Linter
from dsql_lint.lint.reparse import ParseCache
from dsql_lint.lint.schema import Catalog
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.report.model import FileReport
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import Source

MAX_PASSES = 8


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False
    choices: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CHOICES))


@dataclass(frozen=True)
class Pass:
    """One round of edits: `after` is `before` with the edits of `fixes` applied."""

    before: str
    after: str
    fixes: tuple[Fix, ...]


@dataclass
class FixResult:
    source: Source  # as read
    text: str  # as fixed
    passes: list[Pass]
    report: FileReport  # the lint of the fixed text
    first: FileReport  # the lint of the text as read
    available: list[
        Fix
    ]  # fixes for what remains, not applied (unsafe ones, without --unsafe-fixes)
    errors: list[str] = field(default_factory=list)  # actions that failed; their findings remain
    # The (code, start) of the findings of `report` whose fix the guard withdrew, since it
    # made its statement worse (`check` could not know: each carries its own fix_note).
    declined: set[tuple[str, int]] = field(default_factory=set)
    stopped: str = "done"  # or "cycle", "passes": why the passes ended
    # Each pass's positions forward, and the fixed text's newlines: for `line`.
    _forwards: list[ed.Forward] = field(default_factory=list, repr=False)
    _newlines: list[int] = field(default_factory=list, repr=False)

    @property
    def withdrawn(self) -> list[str]:
        """Why each finding left whose rule has a fix has none: one note per finding."""
        path = self.source.display_path
        return [
            f"{path}:{d.line}: {d.code} not fixed: {d.fix_note}"
            for d in self.report.diagnostics
            if d.fix is FixAvailability.NONE and d.fix_note
        ]

    @functools.cached_property
    def applied(self) -> list[Fix]:
        """The fixes applied, each at its line in the fixed text (where a split that added
        lines before it moved it), like the findings that remain: asked by the list of fixes
        and by the summary, so placed once."""
        return [
            dataclasses.replace(fix, line=self.line(fix.file_edits[0].start, since=k))
            for k, p in enumerate(self.passes)
            for fix in p.fixes
            if fix.code  # a pass that only lays the text out (fix/prisma.py) fixes nothing
        ]

    def line(self, pos: int, since: int = 0) -> int:
        """The line in the fixed text of position `pos` of the text before pass `since`
        (0: the text as read)."""
        if not self._forwards:
            self._forwards = [
                ed.Forward(e for fix in step.fixes for e in fix.file_edits) for step in self.passes
            ]
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        for forward in self._forwards[since:]:
            pos = forward(pos)
        return bisect.bisect_left(self._newlines, pos) + 1

    @property
    def converged(self) -> bool:
        """Whether the last lint found nothing more to fix (so fixing again changes nothing)."""
        return self.stopped == "done"

    @property
    def changed(self) -> bool:
        return self.text != self.source.text

    @property
    def remaining(self) -> list[Diagnostic]:
        return self.report.diagnostics


class Fixer:
    """Fixes sources in order, carrying the catalog from one file to the next like `check`."""

    def __init__(
        self, rules: list[Rule], options: FixOptions, lint: LintOptions | None = None
    ) -> None:
        # One process: fixes need the trees, which parallel linting does not keep. Each
        # finding carries its fix decision for the user's choices: what `_plan` applies.
        self.judge = FixJudge(options.choices)
        lint = dataclasses.replace(lint or LintOptions(), jobs=1, fix_judge=self.judge)
        self.linter = Linter(rules, lint, keep_trees=True)
        self.actions: dict[str, Action] = load_fixers(rules)
        self.options = options
        # The schema after the files fixed so far, as fixed.
        self.catalog = Catalog()
        self.later = Later(lint)
        # Path of a later file -> the edits that fixes made elsewhere bring to it (a fix of an
        # earlier file, a split at its include lines), applied when its turn comes.
        self.carried: dict[str, list[Fix]] = {}

    def fix_source(
        self, source: Source, later: Sequence[Source] = (), host: Host | None = None
    ) -> FixResult:
        """Each pass lints the text fixed so far against a copy of the schema before the file;
        the last pass's schema is what the next file sees. `later`: the files to be fixed
        after this one (a folder's), which a column's type change must not break. `host`:
        the ORM file `source`'s SQL was read from, which the fixes then edit, its SQL read
        again (and so linted and guarded) after each pass."""
        self.later.now(later)
        if host is not None:
            source = host.file
        parses = ParseCache()  # each pass changes few statements
        passes: list[Pass] = []
        errors: list[str] = []
        withdrawn = Withdrawals()
        text = source.text
        carried = self._carried(source, host)
        if carried:
            after = ed.apply(text, (e for fix in carried for e in fix.edits))
            passes.append(Pass(text, after, tuple(carried)))
            text = after
        seen = {text}
        first: FileReport | None = None
        # The lint of the text before the last pass (its fix decision settled), and the
        # schema after it.
        # And its fixes, planned once.
        last: tuple[FileReport, Catalog, Followed, Planned] | None = None
        again: tuple[FileReport, Catalog, Followed, Planned] | None = None  # to plan on again
        while True:
            if again is not None:
                report, catalog, followed, plan = again
                again = None
            else:
                catalog = copy.deepcopy(self.catalog)
                now = (
                    host.read(text)
                    if host is not None
                    else Source(
                        source.path,
                        text,
                        source.bom,
                        source.encoding,
                        source.problem,
                        source.included_by,  # its includer's transaction holds it too
                    )
                )
                report = self.linter.lint_source(now, catalog, parses)
                report, followed, elsewhere = self.judge.settle(
                    report, self.actions, self.later, before=lambda: self.catalog
                )
                if host is not None:
                    report = self.writable(report, host, followed)
                plan = self._plan(report, followed, host, elsewhere)
            first = first or report
            fixable: set[tuple[str, int]] = set()
            planned = plan.chosen(withdrawn.now, self.options.unsafe, fixable)
            errors.extend(plan.errors)
            if last is not None and self._withdraw(last[3], report, passes[-1], fixable, withdrawn):
                # Back to the text before that pass, whose lint is planned on again without
                # what was withdrawn: only the new text of the next pass is linted.
                text = passes.pop().before
                again, last = last, None
                parses.release_unused(again[0].parsed)
                continue
            chosen = ed.select(f for f in planned if f.safe or self.options.unsafe)
            stopped = "done" if not chosen else "passes" if len(passes) >= MAX_PASSES else ""
            fixed = (
                ed.apply(text, (e for fix in chosen for e in fix.file_edits))
                if not stopped
                else text
            )
            if not stopped and fixed in seen:
                stopped = "cycle"  # stop rather than undo and redo
            if stopped:
                self.catalog = catalog
                available = [f for f in planned if not f.safe] if not self.options.unsafe else []
                unique = list(dict.fromkeys(errors))
                unfixed = plan.withdrawn(withdrawn.now) if withdrawn else {}
                if unfixed:
                    report = _unfixable(report, unfixed)
                parses.release_unused(report.parsed)
                result = FixResult(
                    source,
                    text,
                    passes,
                    report,
                    first,
                    available,
                    unique,
                    stopped=stopped,
                    declined=set(unfixed),
                )
                for fix in result.applied:
                    for path, edits in fix.elsewhere:
                        origin = f"{source.display_path}:{fix.line}"
                        summary = f"follows the fix at {origin} ({fix.summary})"
                        self.carry(
                            path,
                            Fix(fix.code, fix.name, fix.safety, summary, edits, 0, origin=origin),
                        )
                return result
            seen.add(fixed)
            passes.append(Pass(text, fixed, tuple(chosen)))
            withdrawn.advance(chosen)
            text = fixed
            last = report, catalog, followed, plan
            # The statements this pass edits are parsed anew: their trees go now, not after the
            # next lint (what the guard reads of them is read first).
            edited = plan.statements.edited(chosen)
            plan.statements.pin(edited)
            parses.drop(report.parsed[k] for k in edited if k < len(report.parsed))
            # Nor do their findings' nodes keep them: this lint is planned (`plan`) already.
            report.diagnostics = [
                d.without_node() if d.node is not None and d.statement in edited else d
                for d in report.diagnostics
            ]
            parses.release_unused(report.parsed)
            del report, plan, planned, chosen

    def writable(
        self, report: FileReport, host: Host | None = None, followed: Followed | None = None
    ) -> FileReport:
        """`report` of an ORM file with the findings whose fix cannot be written in the file
        (fix/hosted.py) marked as having none, and why: `check` shows them so, as `fix` leaves
        them. Without `host` (check's report, whose trees are freed), the file is linted
        again here."""
        source = report.source
        assert isinstance(source, MappedSource)
        planned = report
        if host is None:
            host = Host.of(source, self.linter.options.psql_variables)
            planned = self.linter.lint_source(source, copy.deepcopy(self.catalog))
        ctx = FixContext(planned, self.options.choices, followed or {})
        why: dict[tuple[str, int], str] = {}
        for diag in planned.diagnostics:
            action = self.actions.get(diag.code)
            fix = action.plan(diag, ctx) if action is not None else None
            written = host.edits(fix, source) if fix is not None else None
            if isinstance(written, str):
                why[(diag.code, diag.start)] = written
        return _unfixable(report, why) if why else report

    def _withdraw(
        self,
        before: Planned,
        after: FileReport,
        step: Pass,
        fixable: set[tuple[str, int]],
        withdrawn: Withdrawals,
    ) -> bool:
        """Whether fixes of `step`, planned on `before`, made their statement worse: the pass
        is undone, and those fixes are withdrawn for good."""
        found = harms(before.statements, after, step.fixes, fixable)
        why = []
        for harm in found:
            diag = harm.introduced
            # The error is in a text that is not kept: the statement is named by its words.
            words = " ".join(after.statements[diag.statement].text.split())
            shown = words if len(words) <= 60 else words[:57] + "..."
            why.append(
                (
                    harm.fix,
                    f"the fix ({harm.fix.summary}) would bring {diag.code} into `{shown}`"
                    f" ({diag.message})",
                )
            )
        if found:
            withdrawn.undo(why)
        return bool(found)

    def carry(self, path: str, fix: Fix) -> None:
        """Applies `fix`, made elsewhere (its edits of file `path` as read), first thing when
        `path` is fixed."""
        self.carried.setdefault(path, []).append(fix)

    def _carried(self, source: Source, host: Host | None) -> list[Fix]:
        """The fixes made elsewhere whose edits reach `source`, as they apply together."""
        reaching = self.carried.pop(source.display_path, [])
        if host is not None:  # (never planned: such edits are of plain SQL text)
            return []
        return ed.select(
            dataclasses.replace(
                fix,
                edits=merged(dict.fromkeys(fix.edits)),
                line=source.position(fix.edits[0].start)[0],
            )
            for fix in reaching
        )

    def _plan(
        self,
        report: FileReport,
        followed: Followed,
        host: Host | None = None,
        elsewhere: Elsewhere | None = None,
    ) -> Planned:
        """The fixes of the findings of `report`, each written in the `host` file where the
        SQL was read from one, with the edits it carries into later files (`elsewhere`)."""
        ctx = FixContext(report, self.options.choices, followed)
        planned = Planned(Statements(report))
        for diag in report.diagnostics:
            action = self.actions.get(diag.code)
            if action is None:
                continue
            try:
                fix = action.plan(diag, ctx)
            except Exception as err:  # a bug in one action must not lose the other fixes
                planned.errors.append(
                    f"{diag.path}:{diag.line}: {diag.code} fix failed ({type(err).__name__}: {err})"
                )
                continue
            if fix is None:
                continue
            if host is not None:
                assert isinstance(report.source, MappedSource)
                written = host.edits(fix, report.source)
                if isinstance(written, str):  # `writable` marked it: not reached
                    continue
                fix = dataclasses.replace(fix, written=written)
            # The line of the first edit: the finding may span the whole statement.
            line = report.source.position(fix.edits[0].start)[0]
            later = (elsewhere or {}).get((diag.code, diag.start), {})
            carried = tuple((path, tuple(edits)) for path, edits in later.items())
            planned.fixes.append(
                ((diag.code, diag.start), dataclasses.replace(fix, line=line, elsewhere=carried))
            )
        return planned


@dataclass
class Planned:
    """The fixes of one lint's findings, planned once: when a pass is withdrawn, the lint
    before it is planned again by leaving out what was withdrawn, not by planning anew."""

    statements: Statements  # of the lint planned on
    # Each fix with its finding's (code, start): not the finding, whose node holds a tree.
    fixes: list[tuple[tuple[str, int], Fix]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # actions that failed

    @property
    def report(self) -> FileReport:
        return self.statements.report

    def _why(self, withdrawn: Mapping[FixKey, str]) -> list[str | None]:
        """Why each fix is withdrawn, or None."""
        return [withdrawn.get(fix_key(fix)) for _, fix in self.fixes]

    def chosen(
        self, withdrawn: Mapping[FixKey, str], unsafe: bool, fixable: set[tuple[str, int]]
    ) -> list[Fix]:
        """The fixes but those withdrawn; `fixable` gets the (code, start) of each finding a
        fix that will apply removes."""
        why = self._why(withdrawn) if withdrawn else [None] * len(self.fixes)
        out = []
        for (finding, fix), reason in zip(self.fixes, why, strict=True):
            if reason is not None:
                continue
            out.append(fix)
            if fix.safe or unsafe:
                fixable.add(finding)
        return out

    def withdrawn(self, withdrawn: Mapping[FixKey, str]) -> dict[tuple[str, int], str]:
        """The (code, start) of the findings whose fix was withdrawn -> why."""
        why = zip(self.fixes, self._why(withdrawn), strict=True)
        return {finding: reason for (finding, _), reason in why if reason is not None}


class Later:
    """The files to be fixed after the current one, each read the first time a fix asks.
    `editable`: whether a fix may carry edits into them (as read: not translated first)."""

    def __init__(self, options: LintOptions) -> None:
        self.options = options
        self.editable = True
        self.sources: Sequence[Source] = ()
        self.places: dict[str, Place | None] = {}

    def now(self, later: Sequence[Source]) -> None:
        self.sources = later
        paths = {s.path for s in later}
        self.places = {k: v for k, v in self.places.items() if k in paths}

    def __iter__(self) -> Iterator[Place]:
        for source in self.sources:
            if source.path not in self.places:
                self.places[source.path] = later_places(
                    [source], self.options, editable=self.editable
                )[0]
            place = self.places[source.path]
            if place is not None:
                yield place


def _unfixable(report: FileReport, declined: Mapping[tuple[str, int], str]) -> FileReport:
    """`report` with the findings whose fix was withdrawn marked as having none, and why."""
    diagnostics = [
        dataclasses.replace(d, fix=FixAvailability.NONE, fix_note=declined[(d.code, d.start)])
        if (d.code, d.start) in declined
        else d
        for d in report.diagnostics
    ]
    return dataclasses.replace(report, diagnostics=diagnostics)
