"""What a run lints with: its options and its rules. Light on purpose (no parser): `check`
reads them before it knows whether anything needs parsing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dsql_lint.diagnostic import FixAvailability, Severity
from dsql_lint.engine.loader import builtin_rules_dir, check_unique, load_rules
from dsql_lint.engine.model import Rule

if TYPE_CHECKING:
    from dsql_lint.syntax.parse import Parsed

# (rule, the statement's parse, the finding's span in it) -> the finding's fix decision, or
# None. The parse, for its tokens: the decision reads them without tokenizing again.
FixJudge = Callable[[Rule, "Parsed", int, int], FixAvailability | None]


@dataclass
class LintOptions:
    target: dt.date | None = None  # None: today
    assume_in_transaction: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)  # code or name -> severity
    rule_dirs: tuple[Path, ...] = ()  # extra (user) rule directories
    exclude: tuple[str, ...] = ()
    report_unused_ignores: bool = False
    # Transactions as each framework's own runner makes them (a goose Up, a Liquibase
    # changeset); off for apply's pre-flight, whose runner commits after each DDL.
    framework_transactions: bool = True
    # The migrations folders: a psql include of a file outside them is reported (DSQL011).
    # None: each file's own folder.
    include_roots: tuple[Path, ...] | None = None
    jobs: int = 1  # processes for much SQL; trees are then not kept (check only)
    # Decides a finding's fix when its rule's fixer decides per finding (see fix.decision);
    # None: the rule's `fix:`. Wired by the commands and the Fixer: linting itself
    # knows nothing of fixing.
    fix_judge: FixJudge | None = None
    # psql's variables given from outside the files (-v, `psql-variables:`): put in where
    # the SQL reads them; a read of any other is DSQL015.
    psql_variables: dict[str, str] = field(default_factory=dict)

    @property
    def target_date(self) -> dt.date:
        return self.target or dt.date.today()


def all_rules(options: LintOptions) -> list[Rule]:
    """Built-in rules and the user's own, sorted by code."""
    rules = load_rules([builtin_rules_dir()])
    if options.rule_dirs:
        rules = rules + load_rules(options.rule_dirs, builtin=False)
        check_unique(rules)
    return sorted(rules, key=lambda r: r.code)


def active_rules(options: LintOptions, rules: list[Rule] | None = None) -> list[Rule]:
    chosen = select_rules(
        rules or all_rules(options), options.target_date, options.select, options.ignore
    )
    if not options.severity:
        return chosen
    overrides = options.severity
    return [
        replace(r, severity=overrides.get(r.code, overrides.get(r.name, r.severity)))
        for r in chosen
    ]


def select_rules(
    rules: Iterable[Rule],
    target: dt.date,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> list[Rule]:
    """Rules active for `target`, filtered by code/name/prefix selections."""
    chosen = [r for r in rules if r.active_on(target)]
    selected = list(select)
    if selected:
        chosen = [r for r in chosen if _matches(r, selected)]
    ignored = list(ignore)
    return [r for r in chosen if not _matches(r, ignored)]


def _matches(rule: Rule, patterns: list[str]) -> bool:
    return any(
        rule.name == p or rule.code.startswith(p.upper()) or p.upper() == "ALL" for p in patterns
    )
