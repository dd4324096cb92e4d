"""`dsql-lint baseline --version V`: adopt an existing database, whose schema already holds
the migrations up to V. Like Flyway's baseline, it records one marker row: versioned files
up to V are never run on this target, later ones run as usual. It holds the apply lock while
it writes."""

from __future__ import annotations

from typing import Any

import click

from dsql_lint.apply import history, ledger
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.migrations import VERSIONED, format_version
from dsql_lint.apply.upkeep import holding_lock, retried
from dsql_lint.commands.apply import (
    _exit_on_apply_error,
    _require,
    _session,
    _target,
    _version_callback,
    compared_plans,
    local_options,
    lock_timeout_option,
    target_options,
)
from dsql_lint.commands.options import apply_paths, plan_options
from dsql_lint.settings import resolve_settings


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--version",
    "version",
    required=True,
    metavar="VERSION",
    callback=_version_callback,
    help="the version the database already has",
)
@target_options
@local_options
@lock_timeout_option
@plan_options
@_exit_on_apply_error
def baseline(
    paths: tuple[str, ...], version: tuple[int, ...], lock_timeout: float, **kw: Any
) -> int:
    """Mark every versioned migration up to --version as applied, on a database whose schema
    already has them; refused when the ledger already has history."""
    settings = resolve_settings(list(paths), kw.pop("overrides"))
    paths = tuple(apply_paths(paths, settings))
    target = _require(_target(kw, settings))
    plans = compared_plans(paths, settings, target)
    below = [
        p for p in plans if p.role == VERSIONED and p.version is not None and p.version <= version
    ]
    session = _session(target)
    try:
        # The ledger is created (its DDL retried on conflicts, OC001) and the lock taken
        # before the ledger is read: an apply started meanwhile cannot slip in between.
        with holding_lock(session, lock_timeout) as conn:
            state = ledger.load(conn)
            if state.files:
                count = len(state.files)
                raise ApplyError(
                    f"the ledger already has {count} file{'s' * (count != 1)}: baseline is "
                    "for a database that was never migrated with dsql-lint"
                )
            retried(lambda: ledger.mark_baseline(conn, history.baseline_marker(version)))
    finally:
        session.close()
    for plan in below:
        click.echo(f"{plan.path}: below the baseline, never run on this target")
    click.echo(
        f"baseline: version {format_version(version)} recorded; "
        f"{len(below)} file{'s' * (len(below) != 1)} at or below it",
        err=True,
    )
    return 0
