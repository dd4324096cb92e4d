"""The `fixer:` blocks of the rules: every fixable rule has one, and a bad one is an error
that names the rule file and line."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fixkit import fix_text

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.actions import ACTIONS, FixerError
from dsql_lint.fix.fixers import fixer_for, load_fixers
from dsql_lint.settings import LintOptions, all_rules

RULES = all_rules(LintOptions())


def test_every_fixable_rule_has_a_fixer() -> None:
    fixers = load_fixers(RULES)
    missing = [r.code for r in RULES if r.fix is not FixAvailability.NONE and r.code not in fixers]
    assert not missing, f"rules marked fixable without a `fixer:` block: {missing}"


def test_fixers_only_use_known_actions() -> None:
    used = {r.fixer["action"] for r in RULES if r.fixer}
    assert used <= set(ACTIONS)


def _rule_with(fixer: dict[str, Any]):  # type: ignore[no-untyped-def]
    return dataclasses.replace(RULES[0], fixer=fixer, fix=FixAvailability.SAFE)


def test_a_fixer_on_a_rule_marked_unfixable_is_an_error() -> None:
    rule = dataclasses.replace(
        RULES[0], fixer={"action": "delete-statement"}, fix=FixAvailability.NONE
    )
    with pytest.raises(FixerError, match="needs `fix: safe` or `fix: unsafe`"):
        fixer_for(rule)


@pytest.mark.parametrize(
    ("fixer", "message"),
    [
        ({"action": "rewrite-everything"}, "unknown action 'rewrite-everything'"),
        ({"action": "replace-type"}, "needs 'with'"),
        ({"action": "replace-type", "with": "TEXT", "colour": 1}, "unknown key 'colour'"),
        ({"action": "replace-type", "with": {"choice": "nope"}}, "unknown choice 'nope'"),
        (
            {"action": "replace-type", "with": {"choice": "array-to", "jsonb": "JSONB"}},
            "a text for each",
        ),
        (
            {"action": "delete-clause", "clause": "WITH", "operand": "brackets"},
            "`operand` must be one of",
        ),
        ({"action": "set-cache", "mode": "double"}, "`mode` must be one of"),
        ({"action": "delete-statement", "safety": "maybe"}, "`safety` must be safe or unsafe"),
        ({"action": "delete-statement", "safety": "unsafe"}, "contradicts the rule's `fix: safe`"),
        (
            {"action": "delete-statement", "otherwise": {"action": "nothing"}},
            "`otherwise` must be a fixer",
        ),
    ],
)
def test_bad_fixer_is_an_error_with_its_origin(fixer: dict[str, Any], message: str) -> None:
    rule = _rule_with(fixer)
    with pytest.raises(FixerError, match=message) as raised:
        fixer_for(rule)
    assert (raised.value.path, raised.value.line) == rule.origin


def test_not_valid_before_a_comma_leaves_the_statement_readable() -> None:
    # The fix writes NOT VALID after the CHECK, before the next action: `check` of the fixed
    # text reads it (its NOT VALID is the CHECK's own) and finds nothing left.
    text = "CREATE TABLE t (id bigint PRIMARY KEY, b int);\n" + (
        "ALTER TABLE t ADD CONSTRAINT c1 CHECK (b > 0), ADD COLUMN z text;\n"
    )
    result = fix_text(text)
    assert "CHECK (b > 0) NOT VALID, ADD COLUMN z text;" in result.text
    assert [d.code for d in result.report.diagnostics] == []


def test_no_words_are_added_to_a_statement_postgresql_refuses() -> None:
    # PostgreSQL 18's NOT ENFORCED is no PostgreSQL 16 (DSQL012): NOT VALID after it would
    # leave the statement refused, so DSQL204 offers no fix.
    text = "CREATE TABLE t (id bigint PRIMARY KEY, b int);\n" + (
        "ALTER TABLE t ADD CONSTRAINT c CHECK (b > 0) NOT ENFORCED;\n"
    )
    result = fix_text(text)
    assert result.text == text
    found = {d.code: d for d in result.report.diagnostics}
    assert sorted(found) == ["DSQL012", "DSQL204"]
    assert found["DSQL204"].fix is FixAvailability.NONE
    assert "grammar refuses" in (found["DSQL204"].fix_note or "")
