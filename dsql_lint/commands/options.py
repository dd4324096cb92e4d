"""Command-line options that set what a run is configured with, shared by the commands
(check, fix, apply, status): click turns them into `settings.Overrides`; the settings
themselves are resolved in `dsql_lint.settings`."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from dsql_lint.engine.loader import parse_date
from dsql_lint.errors import InputError, UserError
from dsql_lint.settings import Overrides, Settings
from dsql_lint.syntax.discover import FRAMEWORKS, discover
from dsql_lint.syntax.flyway_config import locations as flyway_locations
from dsql_lint.syntax.includes import roots_of
from dsql_lint.syntax.source import real


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


def config_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command with --config and --isolated: which configuration file it reads."""
    return _options(command, _CONFIG_OPTIONS)


def lint_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command with --config, --isolated, --target, --assume-in-transaction,
    --select, --ignore and -v: what it lints with."""
    return _options(command, _CONFIG_OPTIONS + _LINT_OPTIONS + _PSQL_OPTIONS)


def plan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command that reads the migrations as apply runs them (status, validate,
    repair, baseline) with --config, --isolated and -v: psql's variables, which the files'
    includes (`\\ir :dir/a.sql`) may read."""
    return _options(command, _CONFIG_OPTIONS + _PSQL_OPTIONS)


_CONFIG_OPTIONS = [
    click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Configuration file (default: the nearest .dsql-lint.yaml or pyproject.toml).",
    ),
    click.option("--isolated", is_flag=True, help="Ignore configuration files."),
]
_LINT_OPTIONS = [
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
        "--framework",
        type=click.Choice(FRAMEWORKS),
        help="With no paths: discover only this framework's migrations.",
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
_PSQL_OPTIONS = [
    click.option(
        "-v",
        "--set",
        "psql_variables",
        multiple=True,
        metavar="NAME=VALUE",
        help="A psql variable, as `psql -v` gives it: put in where the SQL reads :NAME, "
        ":'NAME' or :\"NAME\" (repeatable; `-v NAME` unsets one of the configuration's).",
    ),
]


COLOR_WHEN = ("auto", "always", "never")


def color_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--color auto|always|never` as ruff has it: always with a value, so that the word after
    it is never taken for a path (or a path for it); and the older `--no-color`. The command
    receives `color`, one of COLOR_WHEN."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def merged(*args: Any, color: str, no_color: bool, **kwargs: Any) -> Any:
            return command(*args, color="never" if no_color else color, **kwargs)

        merged = click.option("--no-color", is_flag=True, hidden=True)(merged)
        return click.option(
            "--color",
            type=click.Choice(COLOR_WHEN),
            default="auto",
            show_default=True,
            help=f"Colour {what}: auto is on a terminal unless NO_COLOR is set (FORCE_COLOR: "
            "always).",
        )(merged)

    return decorate


def migration_paths(paths: tuple[str, ...], settings: Settings, orm: bool = False) -> list[str]:
    """The paths given, or else the project's migrations as discovery finds them, said on
    stderr ("Prisma migrations in prisma/migrations (12 folders)"); after the configuration's
    `bootstrap:` files, which run before the framework's runner."""
    here, given = Path.cwd(), {real(p) for p in paths}
    first = [_shown(p, here) for p in settings.bootstrap if real(p) not in given]
    if paths:
        return first + list(paths)
    root = Path(".")
    configured = configured_migrations(settings)
    folders = () if configured is None else (configured,)
    found = discover(root, settings.framework, folders, orm=orm)
    for group in found:
        click.echo(f"dsql-lint: {group.summary(root)}", err=True)
    later = [_shown(p, here) for group in found for p in group.files]
    return first + [p for p in later if p not in first]


def configured_migrations(settings: Settings) -> Path | None:
    """The configuration's `migrations:` folder, which must exist."""
    folder = settings.migrations
    if folder is not None and not folder.is_dir():
        config = str(settings.config_file) if settings.config_file else None
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(
            f"`migrations:` names {folder}, which {what}", config, settings.migrations_line
        )
    return folder


def include_roots(targets: list[str], settings: Settings) -> tuple[Path, ...]:
    """The folders whose files a psql include may name: those checked (a file's own folder)
    and the configuration's migrations folder, as `apply` inlines them."""
    configured = [] if settings.migrations is None else [settings.migrations.resolve()]
    return (*roots_of(targets), *configured)


# What apply, status, validate, repair and baseline run when given no path: a migration tool's
# folder. Plain *.sql files, a Rails structure dump and ORM files are run only when named.
APPLIED = {
    "flyway",
    "goose",
    "dbmate",
    "liquibase",
    "drizzle",
    "prisma",
    "supabase",
    "golang-migrate",
}


def apply_paths(paths: tuple[str, ...], settings: Settings) -> list[str]:
    """The paths given (a folder whose flyway.conf or flyway.toml names locations: those
    locations), else the configuration's `migrations:` folder, else the one migration folder
    discovery finds (said on stderr, as check says it)."""
    if paths:
        here = Path.cwd()
        out: list[str] = []
        for path in paths:
            located = flyway_locations(Path(path), climb=False) if Path(path).is_dir() else []
            out.extend([_shown(p, here) for p in located] or [path])
        return out
    here = Path.cwd()
    if (configured := configured_migrations(settings)) is not None:
        return [_shown(configured, here)]
    try:
        found = [g for g in discover(Path("."), settings.framework) if g.framework in APPLIED]
    except InputError:
        found = []
    if not found and (refused := _framework_refusal(settings.framework)):
        raise UserError(refused)
    if len(found) != 1:
        said = "; ".join(group.summary(Path(".")) for group in found)
        raise UserError(
            "no migrations: give the folder (or set `migrations:` in .dsql-lint.yaml)"
            + (f": discovery found several ({said})" if found else "")
        )
    click.echo(f"dsql-lint: {found[0].summary(Path('.'))}", err=True)
    return [_shown(folder, here) for folder in found[0].folders]


def _framework_refusal(framework: str | None) -> str | None:
    """What discovery found that apply does not run (a framework's own migrations, as check
    and init name them), with how to get SQL from them: said, not "no migrations"."""
    from dsql_lint.orm.detect import apply_refusal  # the ORM readers, only on this path

    try:
        found = discover(Path("."), framework, orm=True)
    except InputError:
        return None
    for group in found:
        refusal = next(filter(None, map(apply_refusal, group.files)), None)
        if refusal is not None:
            label, how = refusal
            what = label if label.endswith("s") else f"a {label}"
            return (
                f"no migrations apply runs: discovery found {group.summary(Path('.'))}; "
                f"apply runs SQL files, not {what}: {how}"
            )
    return None


def bootstrap_paths(settings: Settings) -> tuple[Path, ...]:
    """The configuration's `bootstrap:` files as the user would type them from here: apply
    runs them before the migrations, as check reads them first."""
    return tuple(Path(_shown(path, Path.cwd())) for path in settings.bootstrap)


def _shown(path: Path, here: Path) -> str:
    """As the user would type it from here."""
    absolute = path if path.is_absolute() else here / path
    try:
        return real(absolute).relative_to(real(here)).as_posix() or "."
    except ValueError:
        return str(path)


_OVERRIDES = {f.name for f in fields(Overrides)}


def _options(
    command: Callable[..., Any], options: list[Callable[[Any], Any]]
) -> Callable[..., Any]:
    """Add `options` to `command`, which receives every setting the command line gives (these
    and any other option named as an `Overrides` field) as one `overrides` argument."""

    @functools.wraps(command)
    def collected(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _OVERRIDES & kwargs.keys()}
        return command(*args, overrides=Overrides(**given), **kwargs)

    for option in reversed(options):
        collected = option(collected)
    return collected
