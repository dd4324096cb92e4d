"""Lint, plan fixes, apply the ones that fit together, and again, until nothing changes.

Each pass plans fixes on a fresh lint of the text as fixed so far, so that a fix may build on
another (a statement added by one fix is split into its own transaction by the next pass), and
fixes whose edits collide simply wait for the next pass.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.fix import edits as ed
from dsql_lint.fix.actions import DEFAULT_CHOICES, Action
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.decision import FixJudge
from dsql_lint.fix.dependents import Names, Place
from dsql_lint.fix.edits import Fix
from dsql_lint.fix.fixers import load_fixers
from dsql_lint.fix.guard import FixKey, Statements, harms
from dsql_lint.lint.pipeline import Linter
from dsql_lint.lint.reparse import ParseCache
from dsql_lint.lint.schema import Catalog
from dsql_lint.report.model import FileReport
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split

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
    # Fixes withdrawn because they made their statement worse; their findings remain.
    withdrawn: list[str] = field(default_factory=list)
    # The (code, start) of the findings of `report` whose fix was withdrawn or declined (one
    # note may stand for several: the same edit in statements alike).
    declined: set[tuple[str, int]] = field(default_factory=set)
    stopped: str = "done"  # or "cycle", "passes": why the passes ended

    @property
    def applied(self) -> list[Fix]:
        return [fix for p in self.passes for fix in p.fixes]

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
        lint = dataclasses.replace(
            lint or LintOptions(), jobs=1, fix_judge=FixJudge(options.choices)
        )
        self.linter = Linter(rules, lint, keep_trees=True)
        self.actions: dict[str, Action] = load_fixers(rules)
        self.options = options
        # The schema after the files fixed so far, as fixed.
        self.catalog = Catalog()
        self.later = Later()
        self.names = Names()

    def fix_source(self, source: Source, later: Sequence[Source] = ()) -> FixResult:
        """Each pass lints the text fixed so far against a copy of the schema before the file;
        the last pass's schema is what the next file sees. `later`: the files to be fixed
        after this one (a folder's), which a column's type change must not break."""
        self.later.now(later)
        declined: dict[tuple[str, int], str] = {}
        parses = ParseCache()  # each pass changes few statements
        passes: list[Pass] = []
        errors: list[str] = []
        withdrawn: dict[FixKey, str] = {}
        text = source.text
        seen = {text}
        first: FileReport | None = None
        # The lint of the text before the last pass, the schema after it, and its fixes.
        last: tuple[FileReport, Catalog, Planned] | None = None
        again: tuple[FileReport, Catalog, Planned] | None = None  # a lint to plan on again
        while True:
            if again is not None:
                report, catalog, plan = again
                again = None
            else:
                catalog = copy.deepcopy(self.catalog)
                now = Source(source.path, text, source.bom, source.encoding, source.problem)
                report = self.linter.lint_source(now, catalog, parses)
                plan = self._plan(report)
            first = first or report
            fixable: set[tuple[str, int]] = set()
            planned = plan.chosen(withdrawn, self.options.unsafe, fixable)
            errors.extend(plan.errors)
            declined.clear()
            declined.update(plan.declined)
            if last is not None and self._withdraw(last[2], report, passes[-1], fixable, withdrawn):
                # Back to the text before that pass, whose lint is planned on again without
                # what was withdrawn: only the new text of the next pass is linted.
                text = passes.pop().before
                again, last = last, None
                parses.release_unused(again[0].parsed)
                continue
            chosen = ed.select(f for f in planned if f.safe or self.options.unsafe)
            stopped = "done" if not chosen else "passes" if len(passes) >= MAX_PASSES else ""
            fixed = (
                ed.apply(text, (e for fix in chosen for e in fix.edits)) if not stopped else text
            )
            if not stopped and fixed in seen:
                stopped = "cycle"  # stop rather than undo and redo
            if stopped:
                self.catalog = catalog
                available = [f for f in planned if not f.safe] if not self.options.unsafe else []
                unique = list(dict.fromkeys(errors))
                unfixed = set(declined)
                if withdrawn:
                    unfixed |= plan.withdrawn(withdrawn)
                if unfixed:
                    report = _unfixable(report, unfixed)
                parses.release_unused(report.parsed)
                return FixResult(
                    source,
                    text,
                    passes,
                    report,
                    first,
                    available,
                    unique,
                    stopped=stopped,
                    withdrawn=[*withdrawn.values(), *declined.values()],
                    declined=unfixed,
                )
            seen.add(fixed)
            passes.append(Pass(text, fixed, tuple(chosen)))
            text = fixed
            last = report, catalog, plan
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

    def _withdraw(
        self,
        before: Planned,
        after: FileReport,
        step: Pass,
        fixable: set[tuple[str, int]],
        withdrawn: dict[FixKey, str],
    ) -> bool:
        """Whether fixes of `step`, planned on `before`, made their statement worse: those are
        withdrawn for good."""
        statements = before.statements
        found = harms(statements, after, step.fixes, fixable)
        for harm in found:
            diag = harm.introduced
            withdrawn[statements.key(harm.fix)] = (
                f"{before.report.source.display_path}:{harm.fix.line}: {harm.fix.code} not fixed:"
                f" the fix ({harm.fix.summary}) would bring {diag.code} on line {diag.line}"
                f" ({diag.message})"
            )
        return bool(found)

    def _plan(self, report: FileReport) -> Planned:
        """The fixes of the findings of `report`, and the findings whose fixer declined, with
        the reason."""
        self.names.next_pass()
        ctx = FixContext(report, self.options.choices, self.later, self.names)
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
            # The line of the first edit: the finding may span the whole statement.
            line = report.source.position(fix.edits[0].start)[0]
            planned.fixes.append(((diag.code, diag.start), dataclasses.replace(fix, line=line)))
        planned.declined.update(ctx.declined)
        return planned


@dataclass
class Planned:
    """The fixes of one lint's findings, planned once: when a pass is withdrawn, the lint
    before it is planned again by leaving out what was withdrawn, not by planning anew."""

    statements: Statements  # of the lint planned on
    # Each fix with its finding's (code, start): not the finding, whose node holds a tree.
    fixes: list[tuple[tuple[str, int], Fix]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # actions that failed
    declined: dict[tuple[str, int], str] = field(default_factory=dict)  # fixers' refusals

    @property
    def report(self) -> FileReport:
        return self.statements.report

    def _withdrawn(self, withdrawn: Mapping[FixKey, str]) -> list[bool]:
        """Whether each fix is withdrawn. A fix's key is read only when its rule and edits are
        those of a withdrawn fix: reading every fix's table and column was most of a withdrawal."""
        alike = {(code, edits) for code, _, edits in withdrawn}
        text = self.report.source.text
        return [
            (fix.code, tuple((text[e.start : e.end], e.text) for e in fix.edits)) in alike
            and self.statements.key(fix) in withdrawn
            for _, fix in self.fixes
        ]

    def chosen(
        self, withdrawn: Mapping[FixKey, str], unsafe: bool, fixable: set[tuple[str, int]]
    ) -> list[Fix]:
        """The fixes but those withdrawn; `fixable` gets the (code, start) of each finding a
        fix that will apply removes."""
        gone = self._withdrawn(withdrawn) if withdrawn else [False] * len(self.fixes)
        out = []
        for (finding, fix), left_out in zip(self.fixes, gone, strict=True):
            if left_out:
                continue
            out.append(fix)
            if fix.safe or unsafe:
                fixable.add(finding)
        return out

    def withdrawn(self, withdrawn: Mapping[FixKey, str]) -> set[tuple[str, int]]:
        """The (code, start) of the findings whose fix was withdrawn."""
        gone = self._withdrawn(withdrawn)
        return {
            finding for (finding, _), left_out in zip(self.fixes, gone, strict=True) if left_out
        }


class Later:
    """The files to be fixed after the current one, parsed the first time a fix asks."""

    def __init__(self) -> None:
        self.sources: Sequence[Source] = ()
        self.places: dict[str, Place] = {}

    def now(self, later: Sequence[Source]) -> None:
        self.sources = later
        paths = {s.path for s in later}
        self.places = {k: v for k, v in self.places.items() if k in paths}

    def __iter__(self) -> Iterator[Place]:
        for source in self.sources:
            if source.path not in self.places:
                parsed = [parse(s) for s in split(source)]
                self.places[source.path] = Place(source.display_path, parsed, False)
            yield self.places[source.path]


def _unfixable(report: FileReport, declined: set[tuple[str, int]]) -> FileReport:
    """`report` with the findings whose fix was withdrawn marked as having none."""
    diagnostics = [
        dataclasses.replace(d, fix=FixAvailability.NONE) if (d.code, d.start) in declined else d
        for d in report.diagnostics
    ]
    return dataclasses.replace(report, diagnostics=diagnostics)
