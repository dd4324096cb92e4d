"""`dsql-lint repair`: the way forward after a failure, as Flyway's repair: failed rows are
removed from the ledger (the statement runs again on the next apply) and, with
`--accept-edits`, edited files' checksums are realigned with the files as they are now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dsql_lint.apply import history, ledger
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.plan import FilePlan, build_plans
from dsql_lint.commands.apply import (
    _exit_on_apply_error,
    _require,
    _session,
    _target,
    local_options,
    target_options,
)
from dsql_lint.commands.options import apply_paths, config_options
from dsql_lint.settings import resolve_settings


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--accept-edits",
    multiple=True,
    metavar="FILE",
    help="record FILE's current checksum: its edit is accepted (repeat for several files)",
)
@target_options
@local_options
@config_options
@_exit_on_apply_error
def repair(paths: tuple[str, ...], accept_edits: tuple[str, ...], **kw: Any) -> int:
    """Remove failed statements from the ledger, and realign the checksums of the files
    given to --accept-edits. Prints each change."""
    settings = resolve_settings(list(paths), kw.pop("overrides"))
    paths = tuple(apply_paths(paths, settings))
    target = _require(_target(kw, settings))
    plans = build_plans(list(paths), dsql=target.is_dsql)
    accepted = [_plan_of(path, plans) for path in accept_edits]
    session = _session(target)
    try:
        conn = session.conn
        if not ledger.exists(conn):
            raise ApplyError("the target has no ledger: nothing to repair")
        state, adoption = history.adopt(plans, ledger.load(conn))
        if adoption:
            history.persist(conn, adoption)
        changes = 0
        with conn.transaction():
            for (file, index), row in sorted(state.statements.items()):
                # A `started` row with an error is one apply could not decide (the catalog
                # cannot tell whether it ran): the user checked, and it runs again.
                undecided = row.status == ledger.STARTED and row.error
                if row.status != ledger.FAILED and not undecided:
                    continue
                ledger.forget(conn, file, index)
                what = "failed" if row.status == ledger.FAILED else "undecided"
                click.echo(f"removed {what} {file} statement {index}: {row.error}")
                changes += 1
            for plan in accepted:
                changes += _accept(conn, plan, state)
    finally:
        session.close()
    click.echo(f"repair: {changes} change{'s' * (changes != 1)}", err=True)
    return 0


def _plan_of(path: str, plans: list[FilePlan]) -> FilePlan:
    wanted = Path(path).resolve()
    for plan in plans:
        if Path(plan.path).resolve() == wanted or plan.name == path:
            return plan
    raise ApplyError(f"--accept-edits {path}: not one of the migrations given")


def _accept(conn: Any, plan: FilePlan, state: ledger.LedgerState) -> int:
    row = state.files.get(plan.name)
    if row is None:
        click.echo(f"{plan.path}: never applied, nothing to accept")
        return 0
    if history.edit_of(plan, state) is None and row.checksum == plan.checksum:
        click.echo(f"{plan.path}: not edited, nothing to accept")
        return 0
    shas = {
        step.index: step.sha256
        for step in plan.steps
        if (plan.name, step.index) in state.statements
    }
    ledger.set_checksums(conn, plan.name, plan.checksum, shas)
    click.echo(
        f"{plan.path}: checksum realigned ({row.checksum[:12]}... -> {plan.checksum[:12]}...):"
        " the edit is accepted, and is not run"
    )
    return 1
