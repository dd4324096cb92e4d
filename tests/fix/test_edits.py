"""Edits and their selection: what may apply together."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.actions import merged
from dsql_lint.fix.edits import Edit, Fix, apply, select


def _fix(*edits: Edit, code: str = "X") -> Fix:
    return Fix(code, "x", FixAvailability.SAFE, "", tuple(edits), 1)


def test_overlap() -> None:
    assert Edit(0, 5).overlaps(Edit(4, 6))
    assert not Edit(0, 5).overlaps(Edit(5, 6))
    assert Edit(0, 5).overlaps(Edit(3, 3))  # inserting inside a replaced span
    assert not Edit(0, 5).overlaps(Edit(5, 5))  # at its edge
    assert not Edit(2, 2, "a").overlaps(Edit(2, 2, "b"))  # both insertions apply


def test_apply_keeps_the_order_of_insertions_at_one_point() -> None:
    assert apply("abc", [Edit(1, 1, "x"), Edit(1, 1, "y"), Edit(1, 2, "B")]) == "axyBc"


def test_select_defers_colliding_fixes_and_merges_identical_ones() -> None:
    first = _fix(Edit(0, 3, "a"), code="A")
    colliding = _fix(Edit(2, 4, "b"), code="B")
    same = _fix(Edit(0, 3, "a"), code="C")
    far = _fix(Edit(10, 10, "z"), Edit(1, 1, "y"), code="D")  # one edit inside `first`
    chosen = select([colliding, far, same, first])
    assert [f.code for f in chosen] == ["A"]
    assert chosen[0].codes == ("C",)


spans = st.tuples(st.integers(0, 40), st.integers(0, 6)).map(lambda t: Edit(t[0], t[0] + t[1], "x"))


def _disjoint(edits: list[Edit]) -> bool:
    return not any(a.overlaps(b) for i, a in enumerate(edits) for b in edits[i + 1 :])


# The filter rejects many draws: on a loaded machine generation is slow, not wrong.
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(st.lists(spans, min_size=1, max_size=3).filter(_disjoint), max_size=12))
def test_selected_fixes_never_overlap(groups: list[list[Edit]]) -> None:
    chosen = select(_fix(*sorted(g), code=str(i)) for i, g in enumerate(groups))
    for i, one in enumerate(chosen):
        for other in chosen[i + 1 :]:
            assert not any(a.overlaps(b) for a in one.edits for b in other.edits)


def test_a_fix_joins_its_overlapping_deletions() -> None:
    assert merged([Edit(5, 9), Edit(0, 6), Edit(12, 12, "x")]) == (Edit(0, 9), Edit(12, 12, "x"))
