"""`dsql-lint apply` and `dsql-lint status`."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.ledger import NOT_RUN
from dsql_lint.apply.migrations import Version, parse_version
from dsql_lint.apply.plan import FilePlan, build_plans, migration_files, passed_over
from dsql_lint.apply.target import SSLMODES, Target, resolve_target
from dsql_lint.commands.options import (
    apply_paths,
    bootstrap_paths,
    lint_options,
    plan_options,
)
from dsql_lint.errors import UserError
from dsql_lint.report.model import LintReport
from dsql_lint.settings import LintOptions, Settings, resolve_settings
from dsql_lint.syntax.source import expand_paths


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--endpoint", metavar="HOST", help="Aurora DSQL endpoint [env DSQL_ENDPOINT]"),
        click.option(
            "--cluster",
            metavar="ID",
            help="Aurora DSQL cluster identifier or ARN: endpoint and region from GetCluster",
        ),
        click.option("--region", help="AWS region [env AWS_REGION; else from the endpoint]"),
        click.option("--user", default="admin", show_default=True, help="database role"),
        click.option("--profile", help="AWS profile for credentials (SSO works)"),
        click.option(
            "--sslmode",
            type=click.Choice(SSLMODES),
            help="TLS mode [verify-full; plaintext modes are refused for DSQL]",
        ),
        click.option("--sslrootcert", metavar="FILE", help="CA bundle [the system trust store]"),
        click.option("--dsn", help="plain PostgreSQL target instead of DSQL (local testing)"),
        # Where the socket really goes (an IP): for tunnels and tests; TLS still checks --endpoint.
        click.option("--connect-to", hidden=True, metavar="IP:PORT[/DB]"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def local_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--local and --fresh: the commands that run on a target's ledger can rehearse locally."""
    options = [
        click.option(
            "--local",
            is_flag=True,
            help="rehearse on the project's own PostgreSQL in .dsql-lint/local/ (needs the "
            "`local` extra)",
        ),
        click.option("--fresh", is_flag=True, help="with --local: delete its data first"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def lock_timeout_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--lock-timeout",
        type=click.FloatRange(0),
        default=600,
        show_default=True,
        metavar="SECONDS",
        help="wait this long for another apply on the same target to finish",
    )(command)


def read_local_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--local for the commands that only read a ledger: they read the rehearsal that apply
    made, and never create or delete it (so no --fresh)."""
    return click.option(
        "--local",
        is_flag=True,
        help="read the project's local rehearsal in .dsql-lint/local/ (made by `apply --local`)",
    )(command)


def _target(kw: dict[str, Any], settings: Settings, reads_only: bool = False) -> Target | None:
    local, fresh = kw.pop("local"), kw.pop("fresh", False)
    if fresh and not local:
        raise UserError("--fresh goes with --local (it deletes the local rehearsal's data)")
    if local:
        return _local_target(kw, fresh, settings, create=not reads_only)
    endpoint, region = kw.pop("endpoint"), kw.pop("region")
    cluster = kw.pop("cluster")
    if cluster:
        if endpoint or kw["dsn"]:
            raise UserError("give one of --cluster, --endpoint and --dsn")
        from dsql_lint.apply.clusters import endpoint_of

        found = endpoint_of(cluster, region, kw["profile"], settings.environment)
        endpoint, region = found.endpoint, found.region
    return resolve_target(
        endpoint=endpoint,
        region=region,
        user=kw.pop("user"),
        profile=kw.pop("profile"),
        sslmode=kw.pop("sslmode"),
        sslrootcert=kw.pop("sslrootcert"),
        dsn=kw.pop("dsn"),
        connect_to=kw.pop("connect_to"),
        env=settings.environment,
    )


def _local_target(kw: dict[str, Any], fresh: bool, settings: Settings, create: bool) -> Target:
    """The project's local PostgreSQL, running until the command ends; the plans and the
    executor treat it as they treat `--dsn`. The project is the folder of its configuration
    file, else the current one; `create`: a command that writes makes it when it is missing."""

    from dsql_lint.apply.local import description, local_server

    names = ("endpoint", "cluster", "dsn", "connect_to")
    given = [f"--{name.replace('_', '-')}" for name in names if kw.pop(name)]
    if given:
        raise UserError(f"--local rehearses on a local PostgreSQL: drop {', '.join(given)}")
    for name in ("region", "user", "profile", "sslmode", "sslrootcert"):
        kw.pop(name)
    project = settings.config_file.parent if settings.config_file else Path.cwd()
    running = click.get_current_context().with_resource(local_server(project, fresh, create))
    label = description(project)
    click.echo(f"dsql-lint: {label}", err=True)
    return Target(kind="postgres", dsn=running.dsn(), label=label)


def _require(target: Target | None) -> Target:
    if target is None:
        raise UserError(
            "no target: give --endpoint HOST (or set DSQL_ENDPOINT), --cluster ID, --dsn DSN "
            "or --local"
        )
    return target


def _session(target: Target) -> Any:
    from dsql_lint.apply.connect import Session
    from dsql_lint.apply.iam_token import TokenSource

    token = None
    if target.is_dsql:
        assert target.host and target.region
        token = TokenSource(target.host, target.region, target.user, target.profile)
    return Session(target, token)


def _format_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="json: one event per line on stdout (docs/apply.md)",
    )(command)


def _exit_on_apply_error(command: Callable[..., int]) -> Callable[..., int]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return command(*args, **kwargs)
        except ApplyError as err:
            if kwargs.get("fmt") == "json":
                click.echo(json.dumps({"event": "error", "message": str(err)}))
            else:
                click.echo(f"dsql-lint: error: {err}", err=True)
            return 1

    return wrapper


def _version_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    if not re.fullmatch(r"\d+(?:[._]\d+)*", value):
        raise click.BadParameter(f"{value!r}: expected a version such as 3 or 1.2")
    return parse_version(value)


NOTHING_APPLIED = "before any statement was sent: nothing was applied"


@click.command()
@click.argument("paths", nargs=-1)
@target_options
@local_options
@click.option(
    "--dry-run", is_flag=True, help="print the plan; reads the ledger if a target is given"
)
@click.option("--force", is_flag=True, help="apply even if the linter reports errors")
@click.option("--job-timeout", type=float, default=1800, show_default=True, metavar="SECONDS")
@click.option("--no-wait", is_flag=True, help="do not wait for async index builds/validations")
@click.option("--max-retries", type=click.IntRange(0), default=10, show_default=True)
@click.option(
    "--retry-timeout",
    type=float,
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="stop retrying a conflicting transaction after this long",
)
@click.option(
    "--max-reconnects",
    type=click.IntRange(0),
    default=5,
    show_default=True,
    help="a lost connection is reopened and the run resumes, this many times in a row "
    "without progress (the first at once, then after 1, 2, 4... s)",
)
@lock_timeout_option
@click.option(
    "--to",
    metavar="VERSION",
    callback=_version_callback,
    help="apply versioned migrations up to this version only",
)
@click.option(
    "--out-of-order",
    is_flag=True,
    help="apply new files whose version is below the highest applied one",
)
@lint_options
@_format_option
@_exit_on_apply_error
def apply(paths: tuple[str, ...], **kw: Any) -> int:
    """Apply migrations to Aurora DSQL (or PostgreSQL with --dsn), statement by statement.

    The linter runs first, with the project's configuration as `check` reads it."""
    try:
        return _plan_and_apply(paths, kw)
    except KeyboardInterrupt:
        # Ctrl-C once the run has begun is caught where it can say how far it got.
        click.echo(f"dsql-lint: error: interrupted {NOTHING_APPLIED}", err=True)
        return 130


def _plan_and_apply(paths: tuple[str, ...], kw: dict[str, Any]) -> int:
    settings = resolve_settings(list(paths), kw.pop("overrides"))
    paths = tuple(apply_paths(paths, settings))
    # Input first: a missing file is said before a --local server is made for it.
    migration_files(list(paths), settings.lint.exclude)
    target = _target(kw, settings)
    plans = build_plans(
        list(paths),
        target is None or target.is_dsql,
        settings.lint.exclude,
        target.login() if target is not None else None,
        settings.lint.psql_variables,
        first=bootstrap_paths(settings),
    )
    for line in passed_over(list(paths)):
        click.echo(f"dsql-lint: warning: {line}", err=True)
    linted = _bootstrap_first(list(paths), bootstrap_paths(settings))
    report = _preflight_report(linted, settings.lint, plans, target, kw["to"])
    if not _preflight(report, force=kw["force"], dry_run=kw["dry_run"]):
        return 1
    if kw["dry_run"]:
        from dsql_lint.apply import history
        from dsql_lint.apply.show import print_plan

        # The plan is shown, and the exit status is the run's: 1 where apply would stop.
        stops = int(report.has_errors and not kw["force"])
        if target is None:
            print_plan(plans, None, target, kw["fmt"])
            return stops
        state, _ = history.adopt(plans, _read_ledger(target))
        selected = history.select(plans, state, kw["to"], kw["out_of_order"])
        print_plan(selected, state, target, kw["fmt"])
        return stops
    return _apply(plans, _require(target), kw)


def _bootstrap_first(paths: list[str], bootstrap: tuple[Path, ...]) -> list[str]:
    """What the pre-flight lints: the `bootstrap:` files first, as `check` reads them and as
    apply runs them, then the migrations without them."""
    if not bootstrap:
        return paths
    early = {p.resolve() for p in bootstrap}
    later = [f for f in expand_paths(paths) if Path(f).resolve() not in early]
    return [str(p) for p in bootstrap] + later


def _apply(plans: list[FilePlan], target: Target, kw: dict[str, Any]) -> int:
    from dsql_lint.apply.executor import ExecOptions, Executor
    from dsql_lint.apply.progress import make_reporter
    from dsql_lint.apply.retry import ReconnectPolicy, RetryPolicy

    options = ExecOptions(
        retry=RetryPolicy(max_retries=kw["max_retries"], max_seconds=kw["retry_timeout"]),
        reconnect=ReconnectPolicy(max_reconnects=kw["max_reconnects"]),
        job_timeout=kw["job_timeout"] or None,
        wait=not kw["no_wait"],
        lock_timeout=kw["lock_timeout"],
        to=kw["to"],
        out_of_order=kw["out_of_order"],
    )
    reporter = make_reporter(kw["fmt"], sum(len(p.steps) for p in plans))
    _warn_region(target, reporter)
    session = _session(target)
    executor = Executor(session, options, reporter, dsql=target.is_dsql)
    started = _now()
    code, error = 0, None
    try:
        executor.run(plans, target.describe())
    except ApplyError as err:
        code, error = 1, err
    except UserError as err:  # nothing to connect with (no credentials to sign a token): input
        code, error = 2, err
    except KeyboardInterrupt:
        code = 130
        error = ApplyError(
            f"interrupted at {executor.interrupted_at()}: the ledger records how far the run got; "
            "run apply again to resume"
            if executor.sent_any
            else f"interrupted while {executor.current}, {NOTHING_APPLIED}"
        )
    finally:
        session.close()
        # JSON ends with the error event; text has no "done" line before an error.
        if code == 0 or kw["fmt"] == "json":
            reporter.event(
                "done",
                applied=executor.counts["applied"],
                skipped=executor.counts["skipped"],
                failed=executor.counts["failed"],
                not_run=executor.counts[NOT_RUN],
                retries=executor.counts["retries"],
                seconds=round(_now() - started, 3),
                exit=code,
            )
        if error is not None:
            reporter.event("error", message=str(error), **getattr(error, "fields", {}))
        reporter.close()
    return code


def _warn_region(target: Target, reporter: Any) -> None:
    """A token signed for another region than the endpoint's is refused at connect time."""
    from dsql_lint.apply.target import region_of_host

    if not target.is_dsql or not target.host:
        return
    endpoint_region = region_of_host(target.host)
    if endpoint_region and target.region and endpoint_region != target.region:
        reporter.event(
            "warning",
            message=f"the token is signed for region {target.region} (from --region or "
            f"AWS_REGION) but the endpoint {target.host} is in {endpoint_region}: the cluster "
            f"will refuse it; use --region {endpoint_region}",
        )


def _now() -> float:
    import time

    return time.monotonic()


def _preflight_report(
    paths: list[str],
    options: LintOptions,
    plans: list[FilePlan],
    target: Target | None,
    to: Version | None,
) -> LintReport:
    """The linter's findings in the statements this run will run. The ledger is read only
    when there are errors, to set aside those in statements that already ran; without it
    (no target, or one that cannot be reached) every forward statement counts, so the run
    stops before connecting."""
    from dsql_lint.apply import history
    from dsql_lint.apply.ledger import LedgerState
    from dsql_lint.apply.preflight import pending_only
    from dsql_lint.fix.decision import FixJudge
    from dsql_lint.lint.pipeline import lint_paths

    # The runner is ours, whatever the framework's would do: one DDL per transaction.
    options.framework_transactions = False
    judge = options.fix_judge = FixJudge()  # the fix each finding shows is the one `fix` makes
    report = lint_paths(paths, options)
    if not report.has_errors:
        return report
    report = judge.settle_run(report, options)
    try:
        state = _read_ledger(target) if target else None
    except ApplyError:
        state = None
    if state is None:  # what ran is unknown: every forward statement counts
        return pending_only(report, plans, LedgerState.empty(), plans)
    state, _ = history.adopt(plans, state)
    selected = history.select(plans, state, to, allow_out_of_order=True)
    return pending_only(report, plans, state, selected)


def _preflight(report: LintReport, force: bool, dry_run: bool) -> bool:
    """Error findings stop the run."""
    from dsql_lint.report.text import render

    if not report.has_errors:
        return True
    click.echo(render(report), err=True, nl=False)
    if force:
        click.echo("dsql-lint: --force: applying despite the errors above", err=True)
        return True
    if dry_run:
        click.echo("dsql-lint: apply would stop here (fix the errors, or --force)", err=True)
        return True
    click.echo("dsql-lint: not applying: the linter found errors (fix them, or --force)", err=True)
    return False


def compared_plans(paths: tuple[str, ...], settings: Settings, target: Target) -> list[FilePlan]:
    """The plans that status, validate, repair and baseline compare with the ledger: the psql
    variables given are put in (an include may read one), and no other is required of them,
    as they run nothing (build_plans)."""
    return build_plans(
        list(paths),
        target.is_dsql,
        settings.lint.exclude,
        target.login(),
        settings.lint.psql_variables,
        first=bootstrap_paths(settings),
        required=False,
    )


def _read_ledger(target: Target) -> Any:
    from dsql_lint.apply import ledger

    session = _session(target)
    try:
        return ledger.load(session.conn)
    finally:
        session.close()


@click.command()
@click.argument("paths", nargs=-1)
@target_options
@read_local_option
@plan_options
@_format_option
@_exit_on_apply_error
def status(paths: tuple[str, ...], **kw: Any) -> int:
    """Show which statements of the migrations are applied, failed or pending (exit 1 when
    any failed)."""
    from dsql_lint.apply import history
    from dsql_lint.apply.show import print_status

    settings = resolve_settings(list(paths), kw.pop("overrides"))
    paths = tuple(apply_paths(paths, settings))
    target = _require(_target(kw, settings, reads_only=True))
    plans = compared_plans(paths, settings, target)
    state, _ = history.adopt(plans, _read_ledger(target))
    selected = history.select(plans, state, allow_out_of_order=True)
    failed = print_status(plans, state, kw["fmt"], selected)
    return 1 if failed else 0
