"""The pre-flight's findings that matter to a run: those in statements it will run.

Statements that already ran cannot be changed, so their findings would only block the way
forward, or invite an edit of an applied file (`dsql-lint fix`) that apply then refuses.
Statements that never run forward (undo and down files, files below the baseline or beyond
`--to`) do not matter to the run. A COPY block over 3,000 rows (DSQL718) is no blocker when it
stands outside a BEGIN...COMMIT block: apply sends its rows in batches DSQL accepts
(copybatch.py); in a block, the rows would share one transaction, and DSQL would refuse it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from pathlib import Path

from dsql_lint.apply.ledger import APPLIED, SKIPPED, LedgerState
from dsql_lint.apply.plan import FilePlan
from dsql_lint.diagnostic import Diagnostic
from dsql_lint.report.model import LintReport

SPLIT_BY_APPLY = "DSQL718"  # a COPY block over 3,000 rows


def pending_only(
    report: LintReport, plans: list[FilePlan], state: LedgerState, selected: list[FilePlan]
) -> LintReport:
    runs = set(map(id, selected))
    # Per file on disk (a migration, or a file it includes): its steps' first lines, in
    # order, and whether each will run.
    lines: dict[Path, list[tuple[int, bool]]] = {}
    batched: set[tuple[Path, int]] = set()  # the COPY statements apply sends in batches
    for plan in plans:
        row = state.files.get(plan.name)
        finished = row is not None and row.applied
        for unit in plan.units:
            for step in unit.steps:
                done = state.status(plan.name, step.index) in (APPLIED, SKIPPED)
                pending = id(plan) in runs and not finished and not done
                path = Path(step.path).resolve()
                lines.setdefault(path, []).append((step.line, pending))
                if unit.batched:
                    batched.add((path, step.line))
    files = []
    for file in report.files:
        steps = sorted(lines.get(Path(file.source.path).resolve(), []))
        if not steps:  # an undo or down file: never run forward
            files.append(replace(file, diagnostics=[]))
            continue
        starts = [line for line, _ in steps]
        path = Path(file.source.path).resolve()

        def blocks(
            d: Diagnostic,
            steps: list[tuple[int, bool]] = steps,
            starts: list[int] = starts,
            path: Path = path,
        ) -> bool:
            at = bisect_right(starts, d.line) - 1
            if at < 0:  # before the first statement: keep
                return True
            line, pending = steps[at]
            return pending and not (d.code == SPLIT_BY_APPLY and (path, line) in batched)

        kept = [d for d in file.diagnostics if blocks(d)]
        files.append(replace(file, diagnostics=kept))
    return LintReport(files, report.rules)
