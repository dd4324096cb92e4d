"""Whole files, fixed: `fixtures/fix/<case>/input.sql` becomes `expected.sql` (options in the
input's first line). The expected files are fixtures of their own: fixing them changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixkit import FIXTURES, fix_case, load

CASES = sorted(p.parent for p in (FIXTURES / "fix").glob("*/expected.sql"))


@pytest.mark.parametrize("folder", CASES, ids=lambda p: p.name)
def test_golden(folder: Path) -> None:
    source, result = fix_case(folder / "input.sql")
    expected = load(folder / "expected.sql")
    assert result.text == expected.text
    assert source.bom == expected.bom
