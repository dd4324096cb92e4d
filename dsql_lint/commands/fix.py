"""`dsql-lint fix`: rewrite SQL files in place so that Aurora DSQL accepts them."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import click

from dsql_lint.commands.options import (
    color_option,
    include_roots,
    lint_options,
    migration_paths,
)
from dsql_lint.diagnostic import FixAvailability, Severity
from dsql_lint.engine.model import Rule
from dsql_lint.errors import UserError
from dsql_lint.fix.actions import CHOICES
from dsql_lint.fix.edits import Edit, Fix
from dsql_lint.fix.engine import Fixer, FixOptions, FixResult
from dsql_lint.fix.files import write_atomic
from dsql_lint.fix.hosted import Host
from dsql_lint.fix.output import applied_lines, available_lines, remaining, summary, unified_diff
from dsql_lint.fix.prisma import fix_prisma
from dsql_lint.fix.prisma_drift import drift_notes
from dsql_lint.fix.style import cased
from dsql_lint.lint import runs
from dsql_lint.lint.pipeline import INCLUDED, SPLITTING, Linter
from dsql_lint.lint.psql_values import SUBSTITUTED, substituted
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.report.text import counted, use_color
from dsql_lint.settings import LintOptions, Overrides, active_rules, resolve_settings
from dsql_lint.syntax.formats import statements as migration_statements
from dsql_lint.syntax.includes import with_included
from dsql_lint.syntax.source import STDIN, Source, expand_paths, read_source
from dsql_lint.syntax.split import TxControl

if TYPE_CHECKING:
    from dsql_lint.fix.translate import Translator


# Why a finding that only the files' run together shows is left.
ALONE = (
    "it comes from a file included before it (\\i, \\ir), and fix judges each file alone:"
    " fix it by hand"
)


@dataclass
class Outcome:
    result: FixResult
    # From the translation of another dialect: what it did, and what it left undone (lossy
    # translations without --unsafe-fixes: those statements are still in the other dialect).
    translated: list[Fix] = field(default_factory=list)
    untranslated: list[Fix] = field(default_factory=list)

    @property
    def unfinished(self) -> bool:
        return bool(self.untranslated) or any(
            d.severity is Severity.ERROR for d in self.result.report.diagnostics
        )


def _echo_err(line: str) -> None:
    click.echo(line, err=True)


@click.command()
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", metavar="OUT", help="Write the fixed SQL to OUT (one input only).")
@click.option(
    "--diff",
    is_flag=True,
    help="Print a unified diff and write nothing; exit 1 if anything would change.",
)
@click.option("--unsafe-fixes", is_flag=True, help="Also apply the fixes that change behaviour.")
@click.option(
    "--serial-to",
    type=click.Choice(CHOICES["serial-to"]),
    default=CHOICES["serial-to"][0],
    show_default=True,
    help="What SERIAL columns become.",
)
@click.option(
    "--array-to",
    type=click.Choice(CHOICES["array-to"]),
    default=CHOICES["array-to"][0],
    show_default=True,
    help="What array columns become.",
)
@click.option(
    "--from",
    "from_dialect",
    metavar="DIALECT",
    help="Translate from this SQL dialect (mysql, sqlite, tsql, oracle, ...) to PostgreSQL first.",
)
@color_option("the findings")
@lint_options
def fix(
    paths: tuple[str, ...],
    output: str | None,
    diff: bool,
    unsafe_fixes: bool,
    serial_to: str,
    array_to: str,
    from_dialect: str | None,
    color: str,
    overrides: Overrides,
) -> int:
    """Fix DSQL incompatibilities in SQL files (in place), folders of migrations, or stdin (-).

    Each fix edits only the text it must: comments, case, layout and line endings elsewhere
    are kept. Every fix applied is listed on stderr; the findings that remain are reported as
    `check` reports them. Fixes that change behaviour (marked unsafe) are only listed unless
    --unsafe-fixes is given.

    Exit status: 0 nothing left, 1 findings remain (or, with --diff, changes pending),
    2 usage or input error.
    """
    settings = resolve_settings(list(paths), overrides)
    targets = migration_paths(paths, settings, orm=True)
    lint = settings.lint
    lint.include_roots = include_roots(targets, settings)
    rules = active_rules(lint)
    options = FixOptions(
        unsafe=unsafe_fixes, choices={"serial-to": serial_to, "array-to": array_to}
    )
    fixer = Fixer(rules, options, lint)
    files = expand_paths(targets, lint.exclude, orm=True)
    if output is not None and len(files) != 1:
        raise UserError("-o/--output needs exactly one input")
    translate = _translator(from_dialect, unsafe_fixes)
    # A later file is fixed in its translation: edits of the file as read would not fit it.
    fixer.later.editable = translate is None
    outcomes = []
    pending = False
    # All read first: a type change in one file must not break the files after it. A file
    # a migration includes is fixed too, once, as check reports it (`included by:`); not
    # into the one output file of -o.
    # With psql's variables given (-v) put in, as check reads them: a fix is decided on the
    # statement as it runs, and written in the file as written (fix/hosted.py).
    values = lint.psql_variables
    sources = [substituted(read_source(path, orm=True, strict=False), values) for path in files]
    if output is None:
        roots = list(lint.include_roots or ())
        read = with_included(
            sources,
            roots,
            lambda path: substituted(read_source(path, strict=False), values),
            lint.psql_variables,
        )
        sources = []
        for source in read:
            if all(source.path != s.path for s in sources):
                sources.append(source)
        files = [source.path for source in sources]
        _split_at_includes(fixer, sources, rules, lint)
    for at, (path, source) in enumerate(zip(files, sources, strict=True)):
        later = [
            s
            for s in sources[at + 1 :]
            if (not isinstance(s, MappedSource) or s.framework in SUBSTITUTED)
            and s.problem is None  # text, as SQL
        ]
        if isinstance(source, MappedSource) and path.endswith(".prisma"):
            outcome = Outcome(fix_prisma(fixer, Host.of(source)))  # in Prisma's terms
        elif isinstance(source, MappedSource):
            # Fixed in its string literals (a SQL file's text, around the psql variables put
            # in); it is PostgreSQL already (no --from).
            outcome = Outcome(fixer.fix_source(source, later, Host.of(source, values)))
        else:
            outcome = _fix_one(fixer, source, translate, later)
        outcomes.append(outcome)
        pending |= outcome.result.changed
        _emit(outcome, path, output, diff)
    _through_includes(sources, outcomes, rules, lint)
    _report(outcomes, rules, color, diff, translate is not None)
    fixed = {path: o.result for path, o in zip(files, outcomes, strict=True)}
    changed = {path: result.changed for path, result in fixed.items()}
    for line in drift_notes(changed, {path: result.text for path, result in fixed.items()}):
        _echo_err(line)
    if lint.framework_transactions:
        _runs_note(sources, lint.assume_in_transaction)
    unfinished = any(o.unfinished for o in outcomes)
    return 1 if pending and diff or unfinished else 0


def _split_at_includes(
    fixer: Fixer, sources: list[Source], rules: list[Rule], lint: LintOptions
) -> None:
    """The transaction blocks that run through included files, split at the including
    file's lines where `check` says fix splits them (lint/runs.py IncludeSplit): one
    `COMMIT; BEGIN;` before each such line, applied when fix reaches the including file."""
    if not any(source.included_by for source in sources):
        return
    linter = Linter(rules, replace(lint, jobs=1, fix_judge=None))
    reports = linter.lint_all(sources)
    splitting = {r.code for r in rules if r.fixer.get("action") == SPLITTING}
    for source, report in zip(sources, reports, strict=True):
        at = linter.include_splits.get(source.path)
        if not at:
            continue
        path = source.display_path
        fixed = [
            d
            for file in reports
            for d in file.diagnostics
            if d.code in splitting
            and d.fix is not FixAvailability.NONE
            and (file.source.included_by or ((file.source.display_path, 0),))[0][0] == path
        ]
        if not fixed:
            continue
        text = source.text
        newline = "\r\n" if "\r\n" in text else "\n"
        # In the case of the block's BEGIN (`begin;` in a lower-case file).
        style = next(
            (
                s.text
                for s in report.statements[at[0].index :: -1]
                if s.tx_control is TxControl.BEGIN
            ),
            "",
        )
        edits = []
        for statement in at:
            indent = text[text.rfind("\n", 0, statement.start) + 1 : statement.start]
            between = newline + indent if not indent.strip() else " "
            split = f"{cased('COMMIT;', style)}{between}{cased('BEGIN;', style)}{between}"
            edits.append(Edit(statement.start, statement.start, split))
        first = fixed[0]
        summary = (
            f"transaction split in {len(at) + 1} at the including file's lines: one DDL"
            " statement each, DDL apart from DML"
        )
        fixer.carry(path, Fix(first.code, first.name, first.fix, summary, tuple(edits), 0))


def _through_includes(
    sources: list[Source], outcomes: list[Outcome], rules: list[Rule], lint: LintOptions
) -> None:
    """What `check` finds in the fixed files read together, psql's included files at their
    include lines, that fix's lint of each file alone did not: the findings of a transaction
    that runs through included files, and those of a statement after an include that reads
    what the included file created. Added to what remains, so that fix's count is check's."""
    if not any(source.included_by for source in sources):
        return
    fixed = [
        Source(s.path, o.result.text, s.bom, s.encoding, s.problem, s.included_by)
        for s, o in zip(sources, outcomes, strict=True)
    ]
    options = replace(lint, jobs=1, fix_judge=None)
    for outcome, file in zip(outcomes, Linter(rules, options).lint_all(fixed), strict=True):
        report = outcome.result.report
        # Fix's own findings carry its decisions (a withdrawn fix's note); those of a block
        # it read without the included files do not count.
        own = {(d.code, d.start): d for d in report.diagnostics if d.fix_note != INCLUDED}
        report.diagnostics = [
            own.get((d.code, d.start))
            or (
                d
                if d.fix_note == INCLUDED or d.fix is FixAvailability.NONE
                else replace(d, fix=FixAvailability.NONE, fix_note=ALONE)
            )
            for d in file.diagnostics
        ]


def _runs_note(sources: list[Source], assume_in_transaction: bool) -> None:
    """Files whose framework runs them in one transaction: fix lints each file alone, so what
    that transaction breaks across them (a later file's DDL, DSQL401/402) is check's."""
    files = [migration_statements(source, assume_in_transaction) for source in sources]
    for chain in runs.chains(sources, files):
        group = [sources[index] for index, _ in chain]
        names = ", ".join(source.display_path for source in group)
        _echo_err(
            f"note: {runs.command_of(group[0])} runs {len(group)} files in one transaction "
            f"({names}); fix lints each file alone, so `dsql-lint check` reports what that "
            "transaction breaks across them (DSQL401/402)"
        )


def _translator(dialect: str | None, unsafe: bool) -> Translator | None:
    if dialect is None:
        return None
    from dsql_lint.fix.translate import translator

    return translator(dialect, unsafe)


def _fix_one(
    fixer: Fixer, source: Source, translate: Translator | None, later: list[Source]
) -> Outcome:
    if translate is None:
        return Outcome(fixer.fix_source(source, later))
    translated = translate(source)
    result = fixer.fix_source(translated.target, later)
    # The file as read is the reference for what changed and what to diff against.
    result.source = source

    def relined(fixes: list[Fix]) -> list[Fix]:  # at their lines in the fixed text
        return [replace(f, line=result.line(f.edits[0].start)) for f in fixes]

    return Outcome(result, relined(translated.applied), relined(translated.available))


def _emit(outcome: Outcome, path: str, output: str | None, diff: bool) -> None:
    result = outcome.result
    source = result.source
    if source.problem is not None and not source.problem.data:
        return  # a file that could not be read: nothing to write back
    if diff:
        if result.changed:
            click.echo(unified_diff(source.display_path, source.text, result.text), nl=False)
        return
    data = source.encode(result.text)
    if output is not None and output != STDIN:
        write_atomic(output, data)
    elif path == STDIN or output == STDIN:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif result.changed:
        write_atomic(path, data)


def _report(
    outcomes: list[Outcome],
    rules: list[Rule],
    color: str,
    diff: bool,
    translating: bool,
) -> None:
    if any(o.result.changed for o in outcomes):
        # One convention, as the findings that remain can only be on the fixed text.
        where = " (the + side of the diff)" if diff else ""
        _echo_err(f"Line numbers are those of the SQL as fixed{where}.")
    for outcome in outcomes:
        result = outcome.result
        path = result.source.display_path
        lines = applied_lines(path, outcome.translated + result.applied)
        lines += available_lines(path, outcome.untranslated + result.available)
        for line in lines:
            _echo_err(line)
        for error in result.errors:
            _echo_err(f"{error}; the finding is left as it is")
        for note in result.withdrawn:
            _echo_err(f"{note}; the finding is left as it is")
    colored = use_color(color, sys.stderr)
    findings = remaining([o.result for o in outcomes], rules, colored)
    if findings:
        click.echo(findings, err=True, nl=False, color=colored)
    translated = [fix for o in outcomes for fix in o.translated]
    _echo_err(summary([o.result for o in outcomes], translated, translating))
    untranslated = sum(f.safety is FixAvailability.UNSAFE for o in outcomes for f in o.untranslated)
    if untranslated:
        _echo_err(
            f"{counted(untranslated, 'lossy translation')} not done: those"
            " statements are left as written; see above, or use --unsafe-fixes."
        )
