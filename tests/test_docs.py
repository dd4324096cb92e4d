"""docs/rules.md is generated from the rule YAML and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from dsql_lint.commands.docs import reference
from dsql_lint.settings import LintOptions, all_rules

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_reference_is_in_sync() -> None:
    expected = reference(all_rules(LintOptions()))
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is stale: run `dsql-lint rules --format markdown > docs/rules.md`"
    )


def test_every_rule_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule in all_rules(LintOptions()):
        assert f"## {rule.code} {rule.name}" in text
