"""`dsql-lint init`: set a project up for Aurora DSQL in one go, and say what was done, file by
file. Nothing is overwritten without --force; `.env`, `.gitignore`, JSON MCP configurations and
`.pre-commit-config.yaml` are merged into."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import click

from dsql_lint.commands.apply import _exit_on_apply_error
from dsql_lint.errors import UserError
from dsql_lint.init import mcp, merges, templates
from dsql_lint.init.changes import SKIP, UNCHANGED, Change, whole_file
from dsql_lint.init.detect import Detected, detect
from dsql_lint.init.install import this_install


@click.command()
@click.option("--endpoint", metavar="HOST", help="the cluster's endpoint, written to .env")
@click.option(
    "--cluster",
    metavar="ID",
    help="cluster identifier or ARN: its endpoint and region (GetCluster) go to .env",
)
@click.option("--region", help="AWS region [from the endpoint; else env AWS_REGION]")
@click.option("--user", default="admin", show_default=True, help="database role for MCP")
@click.option("--profile", help="AWS profile for the MCP server [env AWS_PROFILE; default]")
@click.option(
    "--migrations",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="the migrations folder [detected: the folder of SQL migrations]",
)
@click.option(
    "--mcp",
    "clients",
    multiple=True,
    type=click.Choice(mcp.CLIENTS),
    help="configure the Aurora DSQL MCP server for this client (repeatable)",
)
@click.option("--allow-writes", is_flag=True, help="let the MCP server write (read-only else)")
@click.option("--force", is_flag=True, help="replace files and values that differ")
@click.option("--dry-run", is_flag=True, help="show what would change; write nothing")
@_exit_on_apply_error
def init(**kw: Any) -> int:
    """Set the project up: .env, .dsql-lint.yaml, the pre-commit hook, a GitHub Actions
    workflow, the MCP client configuration, and .dsql-lint/ in .gitignore."""
    from dsql_lint.apply.target import region_of_host
    from dsql_lint.settings.environment import environment

    project = Path.cwd()
    env = environment()
    if kw["cluster"]:
        if kw["endpoint"]:
            raise UserError("give --cluster or --endpoint, not both")
        from dsql_lint.apply.clusters import endpoint_of

        found = endpoint_of(kw["cluster"], kw["region"], kw["profile"], env)
        kw["endpoint"], kw["region"] = found.endpoint, found.region
    endpoint = _host(kw["endpoint"] or env.get("DSQL_ENDPOINT") or "")
    region = kw["region"] or region_of_host(endpoint) or env.get("AWS_REGION") or ""
    if kw["endpoint"] and not region:
        raise UserError(f"cannot tell the AWS region of {endpoint}: give --region")
    found = _migrations(project, kw["migrations"])
    folder = None if found is None else _relative(found.folder, project, kw["migrations"])
    framework = None if found is None else found.framework
    applied = found is None or found.applied
    written = _bootstrap(project, found, kw["force"])
    changes = [
        _dotenv(project, kw["endpoint"], endpoint, region, kw["force"]),
        merges.line_file(project / ".gitignore", ".gitignore", ".dsql-lint/", "apply --local"),
        *([written] if written is not None else []),
        _config(project, folder, framework, kw["force"], written is not None),
    ]
    edit = ""
    if folder is None:
        why = "no migrations folder found (give --migrations DIR)"
        changes += [Change(None, ".pre-commit-config.yaml", SKIP, why)]
        changes += [Change(None, templates.WORKFLOW, SKIP, why)]
    else:
        install = this_install()
        entry = templates.precommit_repo(re.escape(folder), install, found.hook)
        changes.append(
            merges.precommit_file(
                project / ".pre-commit-config.yaml",
                ".pre-commit-config.yaml",
                entry,
                templates.HOOK_ID,
            )
        )
        workflow = templates.workflow(folder, install, applied)
        what = "GitHub Actions: check --format github" + (", then apply --local" if applied else "")
        path = project / templates.WORKFLOW
        changes.append(whole_file(path, templates.WORKFLOW, workflow, what, kw["force"]))
        if install.unreachable and changes[-1].writes:
            edit = f"edit {templates.WORKFLOW}'s pip install: {install.unreachable}, which CI "
            edit += "cannot install"
    profile = kw["profile"] or env.get("AWS_PROFILE") or "default"
    for client in dict.fromkeys(kw["clients"]):
        changes.append(_mcp(client, project, endpoint, region, profile, kw))
    _report(changes, kw["dry_run"], found, folder)
    if edit:
        click.echo(f"dsql-lint: {edit}", err=True)
    return 0


def _host(value: str) -> str:
    return value.strip().rstrip("/").removeprefix("postgresql://").removeprefix("https://")


def _migrations(project: Path, given: Path | None) -> Detected | None:
    """The folder given, with the framework discovery finds in it; else the one detected."""
    if given is None:
        return detect(project)
    folder = (project / given).resolve()
    if not folder.is_dir():
        raise UserError(f"--migrations {given}: no such folder")
    found = detect(folder)
    if found is None or found.framework is None:
        return Detected(folder, None, True, "")
    return dataclasses.replace(found, folder=folder, others=())


def _relative(folder: Path, project: Path, given: Path | None) -> str:
    try:
        return folder.relative_to(project.resolve()).as_posix()
    except ValueError:
        raise UserError(f"--migrations {given}: not inside the project ({project})") from None


def _dotenv(project: Path, given: str | None, endpoint: str, region: str, force: bool) -> Change:
    if not given:
        if endpoint:
            return Change(None, ".env", UNCHANGED, f"DSQL_ENDPOINT is {endpoint} already")
        return Change(
            None,
            ".env",
            SKIP,
            "no --endpoint or --cluster (`dsql-lint cluster create --wait --write-env` writes it)",
        )
    values = {"DSQL_ENDPOINT": endpoint, "AWS_REGION": region}
    return merges.env_file(project / ".env", ".env", values, force)


def _bootstrap(project: Path, found: Detected | None, force: bool) -> Change | None:
    """The `bootstrap:` file, where the runner `check` models for the migrations creates a
    bookkeeping table DSQL refuses only when it is missing (DSQL407): that table in DSQL's
    form, so that check, and the runner, find it there."""
    from dsql_lint.syntax.runners import RUNNERS

    runner = RUNNERS.get(found.modelled or "") if found is not None else None
    table = runner.bookkeeping if runner is not None else None
    if runner is None or table is None or not table.create:
        return None
    text = templates.bootstrap(runner.command, table.table, table.create)
    what = f"{table.table} in a form DSQL accepts, run before `{runner.command}` (DSQL407)"
    return whole_file(project / templates.BOOTSTRAP, templates.BOOTSTRAP, text, what, force)


def _config(
    project: Path, folder: str | None, framework: str | None, force: bool, bootstrap: bool
) -> Change:
    from dsql_lint.settings import config_file

    path = project / config_file.YAML_NAMES[0]
    found = config_file.discover([], start=project)
    keys = {"migrations": folder} if folder else {}
    if folder and framework:
        keys["framework"] = framework
    if bootstrap:
        keys["bootstrap"] = f"[{templates.BOOTSTRAP}]"
    if found is not None and found.parent == project.resolve():
        if found.name == config_file.PYPROJECT:
            add = "".join(f'; add {key} = "{value}"' for key, value in keys.items())
            why = f"the configuration is in pyproject.toml's [tool.dsql-lint]{add}"
            return Change(None, path.name, SKIP, why)
        path = found  # .dsql-lint.yml
    if path.exists() and keys:
        return merges.yaml_keys_file(path, path.name, keys, force)
    what = ", ".join(["target latest", *(f"{key} {value}" for key, value in keys.items())])
    text = templates.config(folder, framework, templates.BOOTSTRAP if bootstrap else None)
    return whole_file(path, path.name, text, what, force)


def _mcp(
    client: str, project: Path, endpoint: str, region: str, profile: str, kw: dict[str, Any]
) -> Change:
    place = mcp.config_place(client, project)
    if not endpoint or not region:
        why = "no endpoint: give --endpoint or --cluster (or set DSQL_ENDPOINT in .env)"
        return Change(None, place.shown, SKIP, why)
    entry = mcp.server_entry(endpoint, region, kw["user"], profile, kw["allow_writes"])
    change = merges.mcp_file(place.path, place.shown, mcp.SERVER, entry, kw["force"])
    if not change.writes:
        return change
    mode = "writes allowed" if kw["allow_writes"] else "read-only (--allow-writes to write)"
    return dataclasses.replace(change, note=f"{change.note}, {mode}")


def _report(
    changes: list[Change], dry_run: bool, found: Detected | None, folder: str | None
) -> None:
    if found is not None and found.said:  # what discovery found, as check says it
        click.echo(f"dsql-lint: {found.said}", err=True)
        if found.others:
            others = "; ".join(found.others)
            click.echo(f"dsql-lint: also found, not configured: {others}", err=True)
    for change in changes:
        if change.writes and not dry_run:
            change.write()
        click.echo(change.line(dry_run))
        if dry_run and change.writes:
            click.echo(change.diff(), nl=False)
    where = folder or "MIGRATIONS"
    then = (
        f"dsql-lint apply --local {where}"
        if found is None or found.applied
        else "the framework applies them (dsql-lint apply runs SQL files)"
    )
    click.echo(f"next: dsql-lint check {where}; {then}", err=True)
    if found is not None and found.runner:
        click.echo(
            f"dsql-lint: if {found.runner} runs these migrations instead of dsql-lint apply, add"
            f" `framework: {found.runner}` to .dsql-lint.yaml: check then models its runner",
            err=True,
        )
