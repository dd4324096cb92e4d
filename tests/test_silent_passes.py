"""Issue 11, "no silent passes": each family of statements DSQL refuses, walked whole, is
reported, and under the rule of what it does; a finding's words fit its statement."""

from __future__ import annotations

import pytest
from helpers import lint_text

from dsql_lint.diagnostic import Severity
from dsql_lint.engine.loader import builtin_rules_dir, load_rules

RULES = {rule.code: rule for rule in load_rules([builtin_rules_dir()])}


def _errors(sql: str) -> list[str]:
    return [d.code for d in lint_text(sql + "\n") if d.severity is Severity.ERROR]


def _refused_settings() -> list[str]:
    """DSQL710's settings: those whose SET the facts record as refused."""
    regex = RULES["DSQL710"].match["where"]["$rest"]
    return list(regex["groups"]["setting"]["in"])


@pytest.mark.parametrize("setting", _refused_settings())
@pytest.mark.parametrize(
    "form", ["SET {} = 0", "SET LOCAL {} TO 0", "SET SESSION {} = DEFAULT", "RESET {}"]
)
def test_every_way_to_change_a_refused_setting_is_the_same_error(form: str, setting: str) -> None:
    """SET and RESET of a setting DSQL refuses are DSQL710 alike: RESET is no warning."""
    found = lint_text(form.format(setting) + ";\n")
    assert [(d.code, d.severity) for d in found] == [("DSQL710", Severity.ERROR)], found
    said = found[0].message.split(":")[0]
    assert said == f"DSQL rejects this {form.split()[0]}", found[0].message
