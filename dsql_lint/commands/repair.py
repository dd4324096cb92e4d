"""`dsql-lint repair`: the way forward after a failure, as Flyway's repair: failed rows are
removed from the ledger (the statement runs again on the next apply), files gone from the
folder before they finished are forgotten and applied ones marked deleted, with
`--accept-edits` edited files' checksums are realigned with the files as they are now, and
with `--mark-applied` files applied by hand are recorded as applied without running them
(Flyway's skip). It holds the apply lock while it
writes."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import click

from dsql_lint.apply import history, ledger
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.migrations import UNDO, VERSIONED, classify
from dsql_lint.apply.plan import FilePlan
from dsql_lint.apply.upkeep import holding_lock, retried
from dsql_lint.commands.apply import (
    _exit_on_apply_error,
    _require,
    _session,
    _target,
    compared_plans,
    local_options,
    lock_timeout_option,
    target_options,
)
from dsql_lint.commands.options import apply_paths, plan_options
from dsql_lint.errors import UserError
from dsql_lint.settings import resolve_settings

# Statements recorded per transaction by --mark-applied (DSQL: 3,000 modified rows at most).
MARK_CHUNK = 1000


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--accept-edits",
    multiple=True,
    metavar="FILE",
    help="record FILE's current checksum: its edit is accepted (repeat for several files)",
)
@click.option(
    "--mark-applied",
    multiple=True,
    metavar="FILE",
    help="record FILE as applied without running it, after you applied it by hand "
    "(repeat for several files)",
)
@target_options
@local_options
@lock_timeout_option
@plan_options
@_exit_on_apply_error
def repair(
    paths: tuple[str, ...],
    accept_edits: tuple[str, ...],
    mark_applied: tuple[str, ...],
    lock_timeout: float,
    **kw: Any,
) -> int:
    """Remove failed statements from the ledger, forget unfinished files gone from the folder,
    realign the checksums of the files given to --accept-edits and record the files given to
    --mark-applied as applied. Prints each change."""
    settings = resolve_settings(list(paths), kw.pop("overrides"))
    paths = tuple(apply_paths(paths, settings))
    target = _require(_target(kw, settings))
    plans = compared_plans(paths, settings, target)
    accepted = [_plan_of("--accept-edits", path, plans, paths) for path in accept_edits]
    marked = [_plan_of("--mark-applied", path, plans, paths) for path in mark_applied]
    session = _session(target)
    try:
        if not marked and not ledger.exists(session.conn):
            raise ApplyError("the target has no ledger: nothing to repair")
        with holding_lock(session, lock_timeout) as conn:
            changes = _repair(conn, plans, accepted, marked)
    finally:
        session.close()
    click.echo(f"repair: {changes} change{'s' * (changes != 1)}", err=True)
    return 0


def _repair(
    conn: Any, plans: list[FilePlan], accepted: list[FilePlan], marked: list[FilePlan]
) -> int:
    state, adoption = history.adopt(plans, ledger.load(conn))
    if adoption:
        history.persist(conn, adoption)
    changes = 0
    for plan in marked:
        changes += _mark_applied(conn, plan, state)
    skip = {plan.name for plan in marked}

    def clear() -> list[tuple[str, bool]]:
        # (what to print, whether it changed the ledger): printed once the transaction
        # committed, as it may be tried again.
        said: list[tuple[str, bool]] = []
        with conn.transaction():
            for (file, index), row in sorted(state.statements.items()):
                if file in skip:
                    continue
                # A `started` row with an error is one apply could not decide (the catalog
                # cannot tell whether it ran): the user checked, and it runs again.
                undecided = row.status == ledger.STARTED and row.error
                if row.status != ledger.FAILED and not undecided:
                    continue
                if row.status == ledger.FAILED and row.rows_done:
                    ledger.resume_rows(conn, file, index)
                    said.append(
                        (
                            f"kept {file} statement {index}: its first {row.rows_done:,} rows "
                            f"committed before it failed ({row.error}); the next apply "
                            "continues after them",
                            True,
                        )
                    )
                else:
                    ledger.forget(conn, file, index)
                    what = "failed" if row.status == ledger.FAILED else "undecided"
                    said.append((f"removed {what} {file} statement {index}: {row.error}", True))
            for name in history.missing(plans, state):
                said.append(_forget_missing(conn, name, state))
            for plan in accepted:
                said.append(_accept(conn, plan, state))
        return said

    said = retried(clear)
    for line, _ in said:
        click.echo(line)
    # Flyway's repair realigns every checksum; this one only those named, as an edit to an
    # applied file is a change that never reaches the target unless it goes in a new file.
    chosen = {plan.name for plan in accepted}
    for plan in plans:
        if plan.name not in chosen and (why := history.edit_of(plan, state)):
            click.echo(
                f"left as it is: {why}; accept it with `dsql-lint repair --accept-edits "
                f"{plan.path}`, or restore it and put the change in a new migration file"
            )
    return changes + sum(changed for _, changed in said)


def _plan_of(option: str, path: str, plans: list[FilePlan], given: tuple[str, ...]) -> FilePlan:
    wanted = Path(path).resolve()
    for plan in plans:
        if Path(plan.path).resolve() == wanted or plan.name == path:
            return plan
    raise UserError(f"{option} {path}: {_not_a_migration(path, plans, given)}")


def _not_a_migration(path: str, plans: list[FilePlan], given: tuple[str, ...]) -> str:
    """Why `path` names none of the migrations apply runs, and what it could mean."""
    migration = classify(path)
    if not migration.forward:
        what = "an undo file" if migration.role == UNDO else "a down migration"
        forward = [
            plan.path
            for plan in plans
            if plan.version == migration.version and plan.role == VERSIONED
        ]
        instead = f"; mark {forward[0]} instead" if forward else ""
        return f"{what}: apply never runs it, so it is never recorded as applied{instead}"
    folders = ", ".join(given) or "."
    exists = Path(path).is_file()
    reason = f"not among the migrations of {folders}" if exists else f"no such file in {folders}"
    names = {Path(plan.path).name: plan.path for plan in plans}
    close = difflib.get_close_matches(Path(path).name, list(names), n=3, cutoff=0.8)
    if close:
        reason += f" (did you mean {', '.join(names[name] for name in close)}?)"
    return reason


def _forget_missing(conn: Any, name: str, state: ledger.LedgerState) -> tuple[str, bool]:
    """A file gone from the folder: forgotten if it never finished (a failed migration
    replaced by another); an applied one is marked deleted, as Flyway's repair does, and its
    history kept: that is what stops it from running again should it come back (or should
    repair have been given the wrong folder)."""
    if state.files[name].applied:
        ledger.mark_deleted(conn, name)
        return (
            f"marked {name} deleted: applied, and no longer in the folder (its history is "
            "kept: should it come back, it counts as applied)",
            True,
        )
    ledger.forget_file(conn, name)
    return f"removed {name}: not in the folder, and never finished", True


def _mark_applied(conn: Any, plan: FilePlan, state: ledger.LedgerState) -> int:
    row = state.files.get(plan.name)
    if row is not None and row.applied:
        click.echo(f"{plan.path}: already applied, nothing to mark")
        return 0
    steps = [
        step
        for step in plan.steps
        if state.status(plan.name, step.index) not in (ledger.APPLIED, ledger.SKIPPED)
    ]

    def begin() -> None:
        ledger.begin_file(conn, plan.name, plan.checksum, len(plan.steps), plan.path)

    retried(begin)
    for start in range(0, len(steps), MARK_CHUNK):

        def record(chunk: list[Any] = steps[start : start + MARK_CHUNK]) -> None:
            with conn.transaction():
                for step in chunk:
                    ledger.record(conn, step, ledger.APPLIED)

        retried(record)
    retried(lambda: ledger.finish_file(conn, plan.name))
    click.echo(
        f"{plan.path}: marked applied ({len(steps)} statement{'s' * (len(steps) != 1)}), not run"
    )
    return 1


def _accept(conn: Any, plan: FilePlan, state: ledger.LedgerState) -> tuple[str, bool]:
    row = state.files.get(plan.name)
    if row is None:
        return f"{plan.path}: never applied, nothing to accept", False
    if history.edit_of(plan, state) is None and row.checksum == plan.checksum:
        return f"{plan.path}: not edited, nothing to accept", False
    shas = {
        step.index: step.sha256
        for step in plan.steps
        if (plan.name, step.index) in state.statements
    }
    ledger.set_checksums(conn, plan.name, plan.checksum, shas)
    return (
        f"{plan.path}: checksum realigned ({row.checksum[:12]}... -> {plan.checksum[:12]}...):"
        " the edit is accepted, and is not run",
        True,
    )
