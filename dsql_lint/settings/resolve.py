"""Settings resolved once, the same way for every command: the configuration file, then the
command line over it."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.errors import UserError
from dsql_lint.settings import config_file
from dsql_lint.settings.environment import environment
from dsql_lint.settings.lint import LintOptions, all_rules
from dsql_lint.syntax import psql_variables


@dataclass(frozen=True)
class Overrides:
    """What the command line says; None or empty where it says nothing (the file decides)."""

    config_path: Path | None = None
    isolated: bool = False  # read no configuration file
    target: dt.date | None = None
    assume_in_transaction: bool | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    report_unused_ignores: bool | None = None
    framework: str | None = None  # --framework: discover only this framework's migrations
    psql_variables: tuple[str, ...] = ()  # -v/--set NAME=VALUE, as psql takes them, in order


@dataclass(frozen=True)
class Settings:
    lint: LintOptions
    config_file: Path | None = None  # the file read, if any
    framework: str | None = None  # the framework whose migrations are discovered
    migrations: Path | None = None  # the configuration's `migrations` folder
    migrations_line: int | None = None  # where the configuration file says it
    bootstrap: tuple[Path, ...] = ()  # SQL the configuration says runs before the runner

    @functools.cached_property
    def environment(self) -> dict[str, str]:
        """The process environment over `.env`: read on first use, as only the commands that
        reach a cluster need it."""
        return environment()


def resolve_settings(paths: list[str], overrides: Overrides | None = None) -> Settings:
    """The settings for a run over `paths`: the configuration file found from them (or given),
    overridden by the command line. Unknown rules in either are errors."""
    given = overrides or Overrides()
    found = None if given.isolated else (given.config_path or config_file.discover(paths))
    conf = config_file.load(found) if found else config_file.Config()
    options = LintOptions(
        target=given.target or conf.target,
        assume_in_transaction=_first(given.assume_in_transaction, conf.assume_in_transaction),
        select=given.select or conf.select,
        ignore=given.ignore + conf.ignore,
        severity=conf.severity,
        rule_dirs=conf.rule_dirs,
        exclude=conf.exclude,
        report_unused_ignores=_first(given.report_unused_ignores, conf.report_unused_ignores),
        framework_transactions=_framework_runs(given.framework or conf.framework, conf),
        psql_variables=_psql_variables(given.psql_variables, conf.psql_variables),
    )
    known = {key for rule in all_rules(options) for key in (rule.code, rule.name)}
    config_file.check_rule_ids(conf, known)
    for value in (*given.select, *given.ignore):
        if not config_file.rule_id_known(value, known):
            raise UserError(f"unknown rule {value!r} in --select/--ignore")
    return Settings(
        lint=options,
        config_file=found,
        framework=given.framework or conf.framework,
        migrations=conf.migrations,
        migrations_line=conf.line_of(("migrations",)),
        bootstrap=conf.bootstrap,
    )


def _framework_runs(framework: str | None, conf: config_file.Config) -> bool:
    """Whether files are linted with their framework's transactions. A configuration that
    names a `migrations:` folder and no `framework:` says `dsql-lint apply` runs them (what
    `init` writes): they are then linted as apply runs them, each statement on its own."""
    return framework is not None or conf.migrations is None


def _psql_variables(assignments: tuple[str, ...], configured: dict[str, str]) -> dict[str, str]:
    try:
        return psql_variables.given(assignments, configured)
    except ValueError as err:
        raise UserError(f"-v/--set: {err}") from None


def _first(*values: bool | None) -> bool:
    """The first value said; not said anywhere: off."""
    return next((v for v in values if v is not None), False)
