"""Every rule: its failing and passing fixtures, and the examples in its docs."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import lint_text
from rule_fixtures import FIXTURES, expected_lines, fixture_inputs, fixture_options, fixture_text

from dsql_lint.diagnostic import Severity
from dsql_lint.engine.model import Rule
from dsql_lint.settings import LintOptions, all_rules

RULES = all_rules(LintOptions())


def _target_for(rule: Rule) -> dt.date | None:
    """A date on which the rule is active: the day before it was lifted, or today."""
    return rule.lifted - dt.timedelta(days=1) if rule.lifted else None


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.code}-{r.name}")
def test_rule_has_failing_and_passing_fixtures(rule: Rule) -> None:
    folder = FIXTURES / rule.code
    # An ORM note is about a TypeScript or Prisma file: its failing cases are fixtures/orm
    # (tests/test_orm.py, tests/test_orm_builders.py). A Flyway placeholder needs a Flyway
    # file's name and a flyway.conf beside it: tests/test_placeholders.py. A runner's refusal
    # is about a TypeORM project: tests/test_runners.py.
    elsewhere = {"orm_note", "orm_unread", "runner_refused", "unset_placeholder"} & set(rule.match)
    assert elsewhere or fixture_inputs(folder, "fail"), f"{folder}/fail*.sql missing"
    assert fixture_inputs(folder, "pass"), f"{folder}/pass*.sql missing"


def _fixture_cases() -> list[tuple[Rule, str]]:
    return [(rule, path.name) for rule in RULES for path in fixture_inputs(FIXTURES / rule.code)]


@pytest.mark.parametrize(
    ("rule", "name"), _fixture_cases(), ids=lambda v: v.code if isinstance(v, Rule) else v
)
def test_fixture(rule: Rule, name: str) -> None:
    path = FIXTURES / rule.code / name
    text = fixture_text(path)
    options = fixture_options(text)
    target = options.target or _target_for(rule)
    found = lint_text(
        path.read_bytes(),
        target,
        options.assume_in_transaction,
        path=str(path),  # where a psql include (DSQL011) looks
        report_unused_ignores=options.report_unused_ignores,
    )
    lines = sorted(d.line for d in found if d.code == rule.code)
    if name.startswith("fail"):
        expected = expected_lines(text, rule.code)
        assert expected, f"{name} marks no line with -- expect: {rule.code}"
        assert lines == expected
    else:
        assert lines == [], [d.message for d in found if d.code == rule.code]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.code}-{r.name}")
def test_docs_examples(rule: Rule) -> None:
    target = _target_for(rule)
    bad = lint_text(rule.docs.bad, target, report_unused_ignores=True)
    # Catalog examples need the schema around them; a block over the row limit is 3,001
    # lines, abridged in the docs (the fixtures hold it whole). ORM notes are about
    # TypeScript or Prisma files, not SQL (tests/test_orm.py); an unreadable file's example
    # is about its bytes, which a YAML text cannot hold (its fixtures do); a placeholder's
    # needs a Flyway file's name (tests/test_placeholders.py); a runner's refusal a TypeORM
    # project (tests/test_runners.py).
    elsewhere = {
        "copy_rows",
        "orm_note",
        "orm_unread",
        "runner_refused",
        "unreadable",
        "unset_placeholder",
    }
    if rule.scope.value != "catalog" and not elsewhere & set(rule.match):
        assert rule.code in {d.code for d in bad}, f"docs.bad of {rule.code} is not reported"
    if rule.docs.good:
        good = lint_text(rule.docs.good, target, report_unused_ignores=True)
        assert rule.code not in {d.code for d in good}, f"docs.good of {rule.code} is reported"
        # The fixed example is what a user copies: DSQL must accept it, not refuse it under
        # another rule. A goose example stands in a goose project, whose runner's own table
        # (DSQL407) is the project's to provide; a TypeScript one is not SQL.
        refused = {d.code for d in good if d.severity is Severity.ERROR} - {"DSQL407"}
        if not elsewhere & set(rule.match):
            assert not refused, f"docs.good of {rule.code} is refused: {sorted(refused)}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.lifted], ids=lambda r: r.code)
def test_lifted_rules_are_silent_by_default(rule: Rule) -> None:
    assert rule.code not in {d.code for d in lint_text(rule.docs.bad)}


def test_accepted_constructs_are_never_reported() -> None:
    """Everything DSQL accepts, per the facts: no rule may report any of it."""
    text = (FIXTURES / "DSQL001" / "pass-accepted.sql").read_text(encoding="utf-8")
    assert lint_text(text) == []
