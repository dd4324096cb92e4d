"""`dsql-lint doctor`: is everything ready for `apply`? One line per check, in the order of
AWS's "Get started with DSQL" guide, each problem with its fix; exit 1 on any problem."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from dsql_lint.commands.apply import target_options

MARKS = {
    "ok": "ok",
    "problem": "PROBLEM",
    "unknown": "unknown",
    "skipped": "skipped",
    "info": "info",
}


@click.command()
@target_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def doctor(fmt: str, **kw: Any) -> int:
    """Check credentials, identity, permissions, region, endpoint, DNS, TCP, TLS, the IAM
    token, a connection and the ledger, then the local tools (psql, uv, the MCP server)."""
    from dsql_lint.doctor.checks import PROBLEM, Doctor, Options

    doctor_ = Doctor(Options(**kw), os.environ, Path.cwd())
    checks = []
    for check in doctor_.run():
        checks.append(check)
        if fmt == "text":
            click.echo(f"{MARKS[check.state]:<8} {check.name:<12} {check.detail}")
            if check.fix and check.state == PROBLEM:
                click.echo(f"{'':<8} {'':<12} fix: {check.fix}")
    problems = [check for check in checks if check.state == PROBLEM]
    code = 1 if problems else 0
    if fmt == "json":
        summary = {"problems": len(problems), "ready": not problems, "exit": code}
        click.echo(json.dumps({"checks": [c.as_json() for c in checks], **summary}, indent=2))
    elif problems:
        count = f"{len(problems)} problem{'s' * (len(problems) != 1)}"
        click.echo(f"doctor: {count}: apply cannot run yet; first fix {problems[0].name}")
    else:
        click.echo("doctor: ready: `dsql-lint apply PATHS` can reach the target")
    return code
