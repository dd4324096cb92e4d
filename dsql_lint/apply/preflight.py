"""The pre-flight's findings that matter to a run: those in statements it will run.

Statements that already ran cannot be changed, so their findings would only block the way
forward, or invite an edit of an applied file (`dsql-lint fix`) that apply then refuses.
Statements that never run forward (undo and down files, files below the baseline or beyond
`--to`) do not matter to the run.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from pathlib import Path

from dsql_lint.apply.ledger import APPLIED, SKIPPED, LedgerState
from dsql_lint.apply.plan import FilePlan
from dsql_lint.report.model import LintReport


def pending_only(
    report: LintReport, plans: list[FilePlan], state: LedgerState, selected: list[FilePlan]
) -> LintReport:
    runs = set(map(id, selected))
    # Per file on disk (a migration, or a file it includes): its steps' first lines, in
    # order, and whether each will run.
    lines: dict[Path, list[tuple[int, bool]]] = {}
    for plan in plans:
        row = state.files.get(plan.name)
        finished = row is not None and row.applied
        for step in plan.steps:
            done = state.status(plan.name, step.index) in (APPLIED, SKIPPED)
            pending = id(plan) in runs and not finished and not done
            lines.setdefault(Path(step.path).resolve(), []).append((step.line, pending))
    files = []
    for file in report.files:
        steps = sorted(lines.get(Path(file.source.path).resolve(), []))
        if not steps:  # an undo or down file: never run forward
            files.append(replace(file, diagnostics=[]))
            continue
        starts = [line for line, _ in steps]

        def runs_at(
            line: int, steps: list[tuple[int, bool]] = steps, starts: list[int] = starts
        ) -> bool:
            at = bisect_right(starts, line) - 1
            return at < 0 or steps[at][1]  # before the first statement: keep

        kept = [d for d in file.diagnostics if runs_at(d.line)]
        files.append(replace(file, diagnostics=kept))
    return LintReport(files, report.rules)
