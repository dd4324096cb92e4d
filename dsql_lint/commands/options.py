"""Options shared by the commands that lint: check, fix, apply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dsql_lint.engine.loader import parse_date
from dsql_lint.errors import UserError
from dsql_lint.settings import LintOptions, all_rules


def parse_target(value: str | None) -> dt.date | None:
    """`latest`/`today` is today's DSQL; `YYYY-MM[-DD]` an earlier one; None: not given."""
    if value is None:
        return None
    if value.lower() in ("latest", "today"):
        return dt.date.today()
    try:
        return parse_date(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected latest or YYYY-MM[-DD]") from None


def _target_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    return parse_target(value)


def _codes_callback(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
    return tuple(code.strip() for item in value for code in item.split(",") if code.strip())


def lint_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command with --target, --assume-in-transaction, --select, --ignore, --config."""
    decorators = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Configuration file (default: the nearest .dsql-lint.yaml or pyproject.toml).",
        ),
        click.option("--isolated", is_flag=True, help="Ignore configuration files."),
        click.option(
            "--target",
            metavar="latest|YYYY-MM[-DD]",
            callback=_target_callback,
            help="Lint for the DSQL of this date (default: today's).",
        ),
        click.option(
            "--assume-in-transaction",
            is_flag=True,
            default=None,
            help="Treat each file as one transaction (Flyway, Rails and others wrap files so).",
        ),
        click.option(
            "--select",
            multiple=True,
            callback=_codes_callback,
            metavar="CODES",
            help="Only these rules (codes, code prefixes or names; comma-separated).",
        ),
        click.option(
            "--ignore",
            multiple=True,
            callback=_codes_callback,
            metavar="CODES",
            help="Skip these rules (codes, code prefixes or names; comma-separated).",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def resolve_options(
    paths: list[str],
    config_path: Path | None,
    isolated: bool,
    target: dt.date | None,
    assume_in_transaction: bool | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    report_unused_ignores: bool | None = None,
) -> LintOptions:
    """Lint options from the configuration file, overridden by the command line."""
    from dsql_lint import config as cfg

    found = None if isolated else (config_path or cfg.discover(paths))
    conf = cfg.load(found) if found else cfg.Config()
    options = LintOptions(
        target=target or conf.target,
        assume_in_transaction=_first(assume_in_transaction, conf.assume_in_transaction, False),
        select=select or conf.select,
        ignore=ignore + conf.ignore,
        severity=conf.severity,
        rule_dirs=conf.rule_dirs,
        exclude=conf.exclude,
        report_unused_ignores=_first(report_unused_ignores, conf.report_unused_ignores, False),
    )
    known = {key for rule in all_rules(options) for key in (rule.code, rule.name)}
    cfg.check_rule_ids(conf, known)
    for value in (*select, *ignore):
        if not cfg.rule_id_known(value, known):
            raise UserError(f"unknown rule {value!r} in --select/--ignore")
    return options


def _first(*values: bool | None) -> bool:
    return next(v for v in values if v is not None)  # type: ignore[return-value]
