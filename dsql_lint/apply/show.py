"""Printing the plan (`apply --dry-run`) and the ledger's view of it (`status`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from dsql_lint.apply.copybatch import MAX_ROWS, committed, rows_of
from dsql_lint.apply.history import Problem, edit_of, missing_problems, outdated
from dsql_lint.apply.ledger import APPLIED, NOT_RUN, SKIPPED, STARTED, LedgerState, StatementRow
from dsql_lint.apply.plan import DDL, FilePlan, Step, Unit
from dsql_lint.apply.target import Target
from dsql_lint.syntax.source import migration_key


def transaction_of(unit: Unit) -> str:
    if unit.refusal:
        return f"REFUSED: {unit.refusal}"
    if unit.block:
        return f"block from line {unit.begin_line}"
    if unit.batched:
        return f"batches of {MAX_ROWS:,} rows"
    return "own transaction" if unit.kind == DDL else "autocommit"


def waits_for(step: Step, target: Target | None) -> str | None:
    if step.job is None:
        return None
    if target is not None and not target.is_dsql:
        return f"none ({step.job.describe()} runs synchronously on PostgreSQL)"
    return step.job.describe()


def ledger_status(step: Step, state: LedgerState | None) -> str:
    if state is None:
        return "unknown"
    if state.not_run(step.file, step.index):
        return NOT_RUN
    return state.status(step.file, step.index) or "pending"


def _where_width(plans: list[FilePlan]) -> int:
    """One width for the `file:line` column of every plan, so the columns after it line up."""
    return max((len(step.where) for plan in plans for step in plan.steps), default=0)


def print_plan(
    plans: list[FilePlan], state: LedgerState | None, target: Target | None, fmt: str
) -> None:
    where = target.describe() if target else "no target: planned from the files alone"
    width = _where_width(plans)
    if fmt == "text":
        click.echo(f"plan ({where})")
    for plan in plans:
        if fmt == "text":
            edited = _edited(plan, state)
            click.echo(
                f"{plan.path}" + (" [EDITED since applied: apply will refuse]" if edited else "")
            )
        for unit in plan.units:
            for step in unit.steps:
                fields = {
                    "file": plan.path,
                    "line": step.line,
                    "index": step.index,
                    "kind": step.kind,
                    "transaction": transaction_of(unit),
                    "waits_for": waits_for(step, target),
                    "ledger": ledger_status(step, state),
                    "sql": step.first_line,
                }
                if fmt == "json":
                    click.echo(json.dumps({"event": "plan", **fields}))
                    continue
                line = (
                    f"  {step.where:<{width}} {step.kind:<7} {fields['transaction']:<20} "
                    f"{fields['ledger']:<9} {step.first_line}"
                )
                if fields["waits_for"]:
                    line += f"\n  {'':<{width}} waits for: {fields['waits_for']}"
                click.echo(line)


def print_status(
    plans: list[FilePlan], state: LedgerState, fmt: str, selected: list[FilePlan]
) -> int:
    """Print each file's and statement's status, and the applied files the folder no longer
    has where their version puts them (Flyway info's "Missing"); the number of failed
    statements."""
    failed = 0
    runs = set(map(id, selected))
    width = _where_width(plans)
    gone = sorted(missing_problems(plans, state), key=lambda p: _order(p.ledger_name or p.name))
    for plan in plans:
        while gone and _order(gone[0].ledger_name or gone[0].name) < _order(plan.name):
            _print_missing(gone.pop(0), state, fmt)
        steps = plan.steps
        statuses = [ledger_status(step, state) for step in steps]
        failed += statuses.count("failed")
        not_run = statuses.count(NOT_RUN)
        applied = sum(s in ("applied", "skipped") for s in statuses)
        overall = "applied" if applied + not_run == len(steps) else "pending"
        copying = _copy_in_progress(plan, state)
        if copying is not None:
            overall = "in progress"
        if "failed" in statuses:
            overall = "failed"
        if overall == "pending" and outdated(plan, state):
            overall = "outdated"  # changed since it ran: apply runs it again
        if id(plan) not in runs:
            overall = "below baseline" if plan.role == "versioned" else "not used"
        if _edited(plan, state):
            overall = "edited since applied"
        if fmt == "json":
            click.echo(
                json.dumps(
                    {
                        "event": "file",
                        "file": plan.path,
                        "name": plan.name,
                        "status": overall,
                        "applied": applied,
                        "not_run": not_run,
                        "statements": len(steps),
                        **({"rows_done": copying[0], "rows": copying[1]} if copying else {}),
                    }
                )
            )
        else:
            accepted = f", {not_run} not run: edits accepted by repair" if not_run else ""
            if overall == "outdated":
                accepted += "; changed since it was applied: `dsql-lint apply` runs it again"
            copy = f"; COPY: {committed(*copying)}" if copying else ""
            click.echo(
                f"{plan.path}: {overall} "
                f"({applied}/{len(steps)} statements applied{accepted}{copy})"
            )
        for step, status in zip(steps, statuses, strict=True):
            row = state.statements.get((step.file, step.index))
            fields: dict[str, Any] = {
                "file": plan.path,
                "line": step.line,
                "index": step.index,
                "status": status,
                "job_id": row.job_id if row else None,
                "error": row.error if row else None,
                "sql": step.first_line,
            }
            rows = _copied(step, row)
            if rows is not None:
                fields.update(rows_done=rows[0], rows=rows[1])
            if fmt == "json":
                click.echo(json.dumps({"event": "statement", **fields}))
            elif overall not in ("applied", "below baseline", "not used"):
                extra = f"  [{row.error}]" if row and row.error else ""
                if rows is not None and status == STARTED:
                    extra += f"  [COPY: {committed(*rows)}]"
                click.echo(f"  {step.where:<{width}} {status:<8} {step.first_line}{extra}")
    for problem in gone:
        _print_missing(problem, state, fmt)
    return failed


def _order(name: str) -> tuple:
    """Where a file falls among the others by its version, as Flyway lists them."""
    return migration_key(Path(name.split("@", 1)[0]))


def _print_missing(problem: Problem, state: LedgerState, fmt: str) -> None:
    name = problem.ledger_name or problem.name
    total = state.files[name].statements
    done = (APPLIED, SKIPPED)
    applied = sum(row.status in done for (file, _), row in state.statements.items() if file == name)
    if fmt == "json":
        fields = {"file": problem.name, "name": name, "status": "missing", "applied": applied}
        click.echo(json.dumps({"event": "file", **fields, "not_run": 0, "statements": total}))
    else:
        click.echo(
            f"{problem.name}: missing ({problem.detail}; {applied}/{total} statements applied): "
            f"{problem.remedy}"
        )


def _copied(step: Step, row: StatementRow | None) -> tuple[int, int] | None:
    """A COPY run in batches: the rows committed (the ledger counts them with each batch, and
    a resume goes on from there) and the rows of the file."""
    if row is None or row.rows_done is None or step.copy_data is None:
        return None
    return row.rows_done, len(rows_of(step.text, step.copy_data))


def _copy_in_progress(plan: FilePlan, state: LedgerState) -> tuple[int, int] | None:
    """The rows of a file's COPY that an interrupted run left partly committed."""
    for step in plan.steps:
        row = state.statements.get((step.file, step.index))
        rows = _copied(step, row)
        if row is not None and row.status == STARTED and rows is not None and rows[0]:
            return rows
    return None


def _edited(plan: FilePlan, state: LedgerState | None) -> bool:
    return state is not None and edit_of(plan, state) is not None
