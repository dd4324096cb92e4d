"""`dsql-lint validate`: does the target match the migrations folder? The CI gate before a
deploy: exit 1 when a file is edited, missing, failed, pending or out of order."""

from __future__ import annotations

import json
from typing import Any

import click

from dsql_lint.apply import history
from dsql_lint.commands.apply import (
    _exit_on_apply_error,
    _format_option,
    _read_ledger,
    _require,
    _target,
    compared_plans,
    read_local_option,
    target_options,
)
from dsql_lint.commands.options import apply_paths, plan_options
from dsql_lint.settings import resolve_settings


@click.command()
@click.argument("paths", nargs=-1)
@target_options
@read_local_option
@plan_options
@_format_option
@_exit_on_apply_error
def validate(paths: tuple[str, ...], **kw: Any) -> int:
    """Check that the target's ledger matches the migrations: nothing edited, missing,
    failed, pending or out of order (exit 1 otherwise). Reads only; writes nothing."""
    settings = resolve_settings(list(paths), kw.pop("overrides"))
    paths = tuple(apply_paths(paths, settings))
    target = _require(_target(kw, settings, reads_only=True))
    plans = compared_plans(paths, settings, target)
    state, _ = history.adopt(plans, _read_ledger(target))
    found = history.problems(plans, state)
    for problem in found:
        if kw["fmt"] == "json":
            fields = {
                "kind": problem.kind,
                "file": problem.name,
                "detail": problem.detail,
                "next": problem.remedy,
            }
            if problem.ledger_name:
                fields["name"] = problem.ledger_name
            click.echo(json.dumps({"event": "problem", **fields}))
        else:
            click.echo(f"{problem.name}: {problem.kind}: {problem.detail}")
            click.echo(f"  next: {problem.remedy}")
    code = 1 if found else 0
    if kw["fmt"] == "json":
        click.echo(json.dumps({"event": "done", "problems": len(found), "exit": code}))
    elif found:
        click.echo(f"validate: {len(found)} problem{'s' * (len(found) != 1)}", err=True)
    else:
        files = f"{len(plans)} file{'s' * (len(plans) != 1)}"
        click.echo(f"validate: {files}, the target matches the folder", err=True)
    return code
