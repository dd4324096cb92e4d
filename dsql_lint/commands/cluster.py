"""`dsql-lint cluster list|show|create|wait|delete`: find or create an Aurora DSQL cluster, wait
until it accepts connections, put its endpoint in `.env`, and delete it when done."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from dsql_lint.apply import clusters
from dsql_lint.apply.clusters import Cluster
from dsql_lint.commands.apply import _exit_on_apply_error
from dsql_lint.errors import UserError
from dsql_lint.settings.environment import environment

DOTENV = Path(".env")


def _aws_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--region", help="AWS region [env AWS_REGION; else the profile's]"),
        click.option("--profile", help="AWS profile for credentials (SSO works)"),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return _exit_on_apply_error(command)


def _client(kw: dict[str, Any], region: str | None = None) -> tuple[Any, str]:
    where = region or clusters.control_region(kw["region"], kw["profile"], environment())
    return clusters.client(where, kw["profile"]), where


def _write_env_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--write-env",
        is_flag=True,
        help="set DSQL_ENDPOINT and AWS_REGION in ./.env (other lines are kept)",
    )(command)


def _wait_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--timeout", type=click.FloatRange(0), default=600, show_default=True, metavar="SECONDS"
    )(command)
    return click.option(
        "--interval",
        type=click.FloatRange(0),
        default=2,
        show_default=True,
        metavar="SECONDS",
        help="time between two status reads",
    )(command)


@click.group()
def cluster() -> None:
    """Find, create, wait for and delete Aurora DSQL clusters (boto3's `dsql` client)."""


@cluster.command("list")
@_aws_options
def list_(**kw: Any) -> int:
    """The region's clusters: identifier, status, creation time, endpoint, Name tag."""
    dsql, region = _client(kw)
    found = list(clusters.iter_clusters(dsql, region))
    if kw["fmt"] == "json":
        click.echo(json.dumps([c.as_json() for c in found], indent=2))
        return 0
    if not found:
        click.echo(f"no clusters in {region}: create one with `dsql-lint cluster create`")
        return 0
    rows = [("IDENTIFIER", "STATUS", "CREATED", "ENDPOINT", "NAME")]
    rows += [(c.identifier, c.status, _when(c), c.endpoint, c.name) for c in found]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[4]]).rstrip())
    return 0


@cluster.command()
@click.argument("identifier")
@_write_env_option
@_aws_options
def show(identifier: str, **kw: Any) -> int:
    """One cluster: status and what it means for connecting, endpoint, region, tags."""
    name, arn_region = clusters.parse_identifier(identifier)
    dsql, region = _client(kw, arn_region)
    found = clusters.get(dsql, name, region)
    _print(found, kw["fmt"])
    if kw["write_env"]:
        _write_env(found, kw["fmt"])
    return 0


@cluster.command()
@click.option("--name", help="the cluster's Name tag [the current folder's name]")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="a tag (repeatable)")
@click.option(
    "--no-deletion-protection",
    is_flag=True,
    help="allow deleting the cluster (protection is on by default)",
)
@click.option("--wait", is_flag=True, help="wait until the cluster is ACTIVE")
@_wait_options
@_write_env_option
@_aws_options
def create(**kw: Any) -> int:
    """Create a cluster (deletion protection on, tagged with Name), then optionally wait
    for it and write its endpoint to .env."""
    tags = _tags(kw["tags"])
    tags.setdefault("Name", kw["name"] or Path.cwd().name)
    dsql, region = _client(kw)
    created = clusters.create(dsql, region, tags, not kw["no_deletion_protection"])
    if kw["fmt"] == "text":
        click.echo(f"created cluster {created.identifier} in {region} ({created.status})")
    if kw["wait"]:
        created = _wait(dsql, created.identifier, region, kw)
    _print(created, kw["fmt"])
    if kw["write_env"]:
        _write_env(created, kw["fmt"])
    if not kw["wait"] and kw["fmt"] == "text" and created.status not in clusters.CONNECTABLE:
        click.echo(f"next: dsql-lint cluster wait {created.identifier} --region {region}")
    return 0


@cluster.command()
@click.argument("identifier")
@_wait_options
@_write_env_option
@_aws_options
def wait(identifier: str, **kw: Any) -> int:
    """Wait until a cluster accepts connections (ACTIVE), printing each status change."""
    name, arn_region = clusters.parse_identifier(identifier)
    dsql, region = _client(kw, arn_region)
    ready = _wait(dsql, name, region, kw)
    if kw["fmt"] == "json":
        _print(ready, "json")
    if kw["write_env"]:
        _write_env(ready, kw["fmt"])
    return 0


@cluster.command()
@click.argument("identifier")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@click.option(
    "--disable-deletion-protection",
    is_flag=True,
    help="turn the cluster's deletion protection off first (create turns it on)",
)
@_aws_options
def delete(identifier: str, **kw: Any) -> int:
    """Delete a cluster and all its data. Asks first unless --yes; a cluster with deletion
    protection on is refused unless --disable-deletion-protection."""
    name, arn_region = clusters.parse_identifier(identifier)
    dsql, region = _client(kw, arn_region)
    found = clusters.get(dsql, name, region)
    if found.deletion_protection and not kw["disable_deletion_protection"]:
        raise UserError(
            f"cluster {name} has deletion protection on: run again with"
            " --disable-deletion-protection to turn it off and delete it"
        )
    if not kw["yes"]:
        if not sys.stdin.isatty():
            raise UserError(f"deleting cluster {name} loses its data: add --yes to confirm")
        click.confirm(
            f"Delete cluster {name} ({found.name}) in {region} and all its data?", abort=True
        )
    deleted = clusters.delete(dsql, name, region, kw["disable_deletion_protection"])
    if kw["fmt"] == "json":
        click.echo(json.dumps(deleted.as_json(), indent=2))
    else:
        click.echo(f"deleting cluster {name} in {region} ({deleted.status})")
    return 0


def _wait(dsql: Any, identifier: str, region: str, kw: Mapping[str, Any]) -> Cluster:
    def progress(found: Cluster, elapsed: float) -> None:
        sys.stdout.flush()  # "created cluster ..." first, even when stdout is a pipe
        line = f"{found.identifier}: {found.status} after {elapsed:.0f} s"
        if kw["fmt"] == "json":
            event = {"event": "status", "identifier": found.identifier, "status": found.status}
            click.echo(json.dumps({**event, "seconds": round(elapsed, 1)}), err=True)
        else:
            click.echo(line, err=True)
        sys.stderr.flush()

    return clusters.wait_active(dsql, identifier, region, kw["timeout"], kw["interval"], progress)


def _print(found: Cluster, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(found.as_json(), indent=2))
        return
    tags = ", ".join(f"{k}={v}" for k, v in sorted((found.tags or {}).items()))
    for label, value in (
        ("identifier", found.identifier),
        ("status", f"{found.status} ({found.meaning})"),
        ("endpoint", found.endpoint),
        ("region", found.region),
        ("created", _when(found)),
        ("deletion protection", _on_off(found.deletion_protection)),
        ("tags", tags or "-"),
        ("arn", found.arn),
    ):
        click.echo(f"{label + ':':<21}{value}")


def _write_env(found: Cluster, fmt: str) -> None:
    from dsql_lint.settings.dotenv_edit import update_dotenv

    values = {"DSQL_ENDPOINT": found.endpoint, "AWS_REGION": found.region}
    outcome = update_dotenv(DOTENV, values)
    if fmt == "json":
        click.echo(json.dumps({"event": "env", "file": str(DOTENV), **outcome}), err=True)
        return
    said = ", ".join(f"{key} {what}" for key, what in outcome.items())
    click.echo(f"{DOTENV}: {said}")


def _tags(given: tuple[str, ...]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in given:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--tag must be KEY=VALUE, got {item!r}")
        tags[key.strip()] = value.strip()
    return tags


def _when(found: Cluster) -> str:
    return found.created.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if found.created else "-"


def _on_off(flag: bool | None) -> str:
    return "unknown" if flag is None else ("on" if flag else "off")
