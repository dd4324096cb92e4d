"""Every failing rule fixture's full `check` output and `fix` result, as pinned beside it: a
wrong column, caret, message or fix fails here, not only a wrong line (tests/test_rules.py).
Regenerate with `python tests/regen_fixtures.py` and review the diff."""

from __future__ import annotations

import difflib

import pytest
from pinned_outputs import FIX_KINDS, RULES, Fixture, failing_fixtures, pinned_outputs

FIXTURES = failing_fixtures()
REGEN = "python tests/regen_fixtures.py"


def _diff(expected: bytes, actual: bytes, name: str) -> str:
    lines = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        f"{name} (pinned)",
        f"{name} (now)",
    )
    return "".join(lines)


@pytest.mark.parametrize(
    "fixture", FIXTURES, ids=lambda f: f.relative.removeprefix("fixtures/rules/")
)
def test_pinned_outputs(fixture: Fixture) -> None:
    problems = []
    for suffix, actual in pinned_outputs(fixture).items():
        path = fixture.pinned(suffix)
        if actual is None:
            if path.exists():
                problems.append(f"{path.name} is pinned, but nothing produces it any more")
        elif not path.exists():
            problems.append(
                f"{path.name} is not pinned; it would be:\n{actual.decode('utf-8', 'replace')}"
            )
        elif (expected := path.read_bytes()) != actual:
            problems.append(_diff(expected, actual, path.name))
    if problems:
        pytest.fail("\n".join(problems) + f"\nIf the change is intended: {REGEN}", pytrace=False)


@pytest.mark.parametrize(
    "code", sorted({f.rule.code for f in FIXTURES if f.has_fix}), ids=lambda code: code
)
def test_every_fix_is_pinned(code: str) -> None:
    """A rule with a fix shows it on one of its failing fixtures at least."""
    pinned = [
        f.pinned(suffix)
        for f in FIXTURES
        if f.rule.code == code
        for suffix in FIX_KINDS
        if f.pinned(suffix).exists()
    ]
    assert pinned, f"{code} has a fix (`fix: {RULES[code].fix.value}`), but no fixture pins it"
