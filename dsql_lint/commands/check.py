"""`dsql-lint check`: report every DSQL incompatibility, with exact positions."""

from __future__ import annotations

import importlib
from functools import partial
from typing import TYPE_CHECKING

import click

from dsql_lint.commands.options import (
    color_option,
    include_roots,
    lint_options,
    migration_paths,
)
from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.decision import FixJudge
from dsql_lint.lint import parallel
from dsql_lint.lint.cache import FindingsCache, lint_cached
from dsql_lint.lint.psql_values import as_psql_runs
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.report import FORMATS
from dsql_lint.report.model import LintReport
from dsql_lint.report.text import use_color
from dsql_lint.settings import LintOptions, Overrides, resolve_settings
from dsql_lint.syntax.source import STDIN, expand_paths, read_source, with_history

if TYPE_CHECKING:
    from dsql_lint.fix.engine import Fixer


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@color_option("text output")
@click.option(
    "--report-unused-ignores",
    is_flag=True,
    default=None,
    help="Report `-- dsql-lint: ignore` comments that suppress nothing.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for large inputs (default: the CPUs available, at most 4; 1: none).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither reuse nor keep findings of unchanged files (also: DSQL_LINT_NO_CACHE=1).",
)
@click.option(
    "--history",
    is_flag=True,
    help="Read the earlier migrations of each given file's folder as context, unreported "
    "(the pre-commit hook passes only the staged files).",
)
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="Read standard input as the file NAME: the name findings are reported at, and the "
    "path its framework, configuration and includes are found from (as ruff's).",
)
@lint_options
def check(
    paths: tuple[str, ...],
    output_format: str,
    color: str,
    jobs: int | None,
    no_cache: bool,
    history: bool,
    stdin_filename: str | None,
    overrides: Overrides,
) -> int:
    """Report DSQL incompatibilities in SQL files, folders of migrations, or stdin (-).

    Folders are searched for *.sql files, which are read in migration order (Flyway V2 before
    V10, numeric and timestamp prefixes compared as numbers), and for framework files: Rails
    migrations (db/migrate/*.rb) and db/schema.rb, Alembic and Django migrations, Prisma
    schemas, and TypeORM, Knex, Sequelize and MikroORM migrations are read as the SQL the
    framework sends for them, with findings at their own lines. With no paths, the
    project's migrations are found from each framework's markers (goose, dbmate, Liquibase,
    Prisma, Drizzle, Supabase, Rails, Alembic, Django, golang-migrate, Flyway, ORM files),
    and what was found is said on stderr.

    Exit status: 0 clean, 1 error-severity findings, 2 usage or input error.
    """
    if stdin_filename is not None:
        paths = _stdin_only(paths)
    named = [stdin_filename if p == STDIN and stdin_filename else p for p in paths]
    settings = resolve_settings(named, overrides)
    targets = migration_paths(paths, settings, orm=True)
    options = settings.lint
    options.jobs = jobs or parallel.default_jobs()
    judge = options.fix_judge = FixJudge()
    roots = [stdin_filename if t == STDIN and stdin_filename else t for t in targets]
    options.include_roots = include_roots(roots, settings)
    files, context = expand_paths(targets, options.exclude, orm=True), set()
    if history:
        from dsql_lint.orm.detect import migrations_only  # reads ORM files: only when asked

        files, context = with_history(migrations_only(files), options.exclude)
    read = [read_source(p, orm=True, strict=False, stdin_name=stdin_filename) for p in files]
    sources = as_psql_runs(read, options, targets)
    if context:  # what a context file includes is context too
        context |= {s.path for s in sources if s.included_by and s.included_by[0][0] in context}
    cache = FindingsCache.for_run(options, enabled=not no_cache)
    report = lint_cached(sources, options, cache)
    # What the later statements and files do to a type change's fix: decided on the whole run.
    decide = partial(judge.settle_run, options=options)
    report = decide(report) if cache is None else cache.settle(sources, report, decide)
    report = _writable(report, options)
    if context:
        report = report.without(context)
    module = importlib.import_module(FORMATS[output_format])
    if output_format == "text":
        colored = use_color(color)
        # click strips colour from what is not a terminal unless told it is wanted
        click.echo(module.render(report, color=colored), nl=False, color=colored)
    else:
        click.echo(module.render(report), nl=False)
    return 1 if report.has_errors else 0


def _stdin_only(paths: tuple[str, ...]) -> tuple[str, ...]:
    """With --stdin-filename, standard input is what is checked, as ruff reads it: a path
    given beside it is said and left."""
    for path in paths:
        if path != STDIN:
            click.echo(f"dsql-lint: ignoring {path} in favour of standard input", err=True)
    return (STDIN,)


def _writable(report: LintReport, options: LintOptions) -> LintReport:
    """The fix decisions of the findings in ORM files as `fix` makes them: none where the
    fix cannot be written in the file (generated SQL, a statement added to one string); a
    Prisma schema's as fix/prisma.py makes them."""
    files = []
    fixer: Fixer | None = None
    for file in report.files:
        schema = isinstance(file.source, MappedSource) and file.source.path.endswith(".prisma")
        if not schema and (
            not isinstance(file.source, MappedSource)
            or all(d.fix is FixAvailability.NONE for d in file.diagnostics)
        ):
            files.append(file)
            continue
        if fixer is None:
            from dsql_lint.fix.engine import Fixer, FixOptions  # only for fixable ORM files

            fixer = Fixer(report.rules, FixOptions(), options)
        if schema:  # fixed in Prisma's terms, by the same fixes as `fix`'s
            from dsql_lint.fix.prisma import decisions

            files.append(decisions(fixer, file) if file.diagnostics else file)
        else:
            files.append(fixer.writable(file))
    return LintReport(files, report.rules)
