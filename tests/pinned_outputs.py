"""What a failing rule fixture pins beside itself, and how to produce it.

Beside `fixtures/rules/<CODE>/fail*.sql`:
- `fail*.expected.txt`: the exact text of `dsql-lint check` on it (message, column, caret,
  help, fix and summary lines), run from the repository root so that the path it prints is
  `fixtures/rules/<CODE>/fail*.sql` on every machine;
- `fail*.fixed.sql`: what `dsql-lint fix` makes of it (safe fixes only), when that changes it;
- `fail*.unsafe-fixed.sql`: what `dsql-lint fix --unsafe-fixes` makes of it, when that differs
  from the safe result.

The target date is pinned, so that DSQL lifting a rule later changes no pinned output: the
fixture's own `target=` if it has one, else the day before the rule was lifted (the date its
fixture is tested on), else PINNED_TARGET. `tests/regen_fixtures.py` rewrites every one of
these files; `tests/test_pinned_fixtures.py` compares them.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from rule_fixtures import (
    FIXTURES,
    PINNED_SQL_SUFFIXES,
    ROOT,
    FixtureOptions,
    fixture_inputs,
    fixture_options,
    fixture_text,
)

from dsql_lint.cli import cli
from dsql_lint.diagnostic import FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.settings import LintOptions, all_rules

PINNED_TARGET = dt.date(2026, 12, 1)
RULES = {rule.code: rule for rule in all_rules(LintOptions())}

# Pinned file suffix -> `dsql-lint fix` options that produce it.
FIX_KINDS = dict(zip(PINNED_SQL_SUFFIXES, ([], ["--unsafe-fixes"]), strict=True))
CHECK_SUFFIX = ".expected.txt"


@dataclass(frozen=True, repr=False)
class Fixture:
    rule: Rule
    path: Path  # fixtures/rules/<CODE>/fail*.sql

    def __repr__(self) -> str:
        return self.relative

    @property
    def relative(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    def pinned(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name.removesuffix(".sql") + suffix)

    @property
    def header(self) -> FixtureOptions:
        return fixture_options(fixture_text(self.path))

    def options(self) -> list[str]:
        """The options the fixture's header asks for, with a pinned target."""
        header = self.header
        if header.target is None:
            lifted = self.rule.lifted
            target = lifted - dt.timedelta(days=1) if lifted else PINNED_TARGET
        elif header.latest:
            target = PINNED_TARGET
        else:
            target = header.target
        options = ["--isolated", "--no-color", "--target", target.isoformat()]
        if header.assume_in_transaction:
            options.append("--assume-in-transaction")
        return options

    @property
    def has_fix(self) -> bool:
        return self.rule.fix is not FixAvailability.NONE


def failing_fixtures() -> list[Fixture]:
    return [
        Fixture(RULES[folder.name], path)
        for folder in sorted(FIXTURES.iterdir())
        if folder.name in RULES
        for path in fixture_inputs(folder, "fail")
    ]


@contextmanager
def _at_root() -> Iterator[None]:
    """Commands run from the repository root, and may leave the collector off (check does)."""
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)
        gc.enable()


def _run(args: list[str]) -> bytes:
    with _at_root():
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    if result.exit_code not in (0, 1):
        raise AssertionError(
            f"dsql-lint {' '.join(args)} exited {result.exit_code}:\n{result.stderr}"
        )
    return result.stdout_bytes  # bytes: click's text would turn CRLF into LF


def check_output(fixture: Fixture) -> bytes:
    extra = ["--report-unused-ignores"] if fixture.header.report_unused_ignores else []
    return _run(["check", "--no-cache", "-j", "1", *fixture.options(), *extra, fixture.relative])


def fixed_outputs(fixture: Fixture) -> dict[str, bytes | None]:
    """Each pinned fix output by suffix; None where it must not exist (nothing changed, or
    the same as the safe result)."""
    # Every fixture, not only those of rules with a fix: other rules' fixes apply to it too.
    original = fixture.path.read_bytes()
    outputs: dict[str, bytes | None] = {}
    previous = original
    for suffix, flags in FIX_KINDS.items():
        options = [*fixture.options(), *fixture.header.fix_choices]
        text = _run(["fix", "-o", "-", *flags, *options, fixture.relative])
        outputs[suffix] = None if text == previous else text
        previous = text
    return outputs


def pinned_outputs(fixture: Fixture) -> dict[str, bytes | None]:
    """Every file the fixture pins, by suffix: its expected content, or None for none."""
    return {CHECK_SUFFIX: check_output(fixture), **fixed_outputs(fixture)}
