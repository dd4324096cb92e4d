"""Edits on spans of a source text, and fixes made of them.

A fix never regenerates a statement: it replaces, inserts or deletes exact character spans, so
that every character outside its edits (comments, case, blank lines, CRLF) survives.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from dsql_lint.diagnostic import FixAvailability


@dataclass(frozen=True, order=True, slots=True)
class Edit:
    start: int  # character offsets into the text the fix was planned on, end exclusive
    end: int
    text: str = ""

    def overlaps(self, other: Edit) -> bool:
        """Whether the two edits cannot both apply: their spans intersect, or one inserts
        strictly inside the span the other replaces. Insertions at one point both apply."""
        if self.start == self.end or other.start == other.end:
            point, span = (self, other) if self.start == self.end else (other, self)
            return span.start < point.start < span.end
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Fix:
    code: str
    name: str
    safety: FixAvailability  # SAFE or UNSAFE
    summary: str  # what changed, for the user
    edits: tuple[Edit, ...]
    line: int  # 1-based line of the finding it fixes
    codes: tuple[str, ...] = field(default=())  # other findings the same edits fix
    # The edits as written in the file, where the SQL was read out of another language's
    # strings (fix/hosted.py); else the file is the SQL and `edits` are its edits.
    written: tuple[Edit, ...] = field(default=())
    # The edits of later files of the run that the fix carries to its change (a column there
    # that references the changed key), by path: applied when fix reaches each file.
    elsewhere: tuple[tuple[str, tuple[Edit, ...]], ...] = field(default=())
    # For the edits an earlier file's fix carries into this one: that finding (`path:line`),
    # which the fix counts (not these edits).
    origin: str = ""

    @property
    def safe(self) -> bool:
        return self.safety is FixAvailability.SAFE

    @property
    def file_edits(self) -> tuple[Edit, ...]:
        return self.written or self.edits


def replace(start: int, end: int, text: str) -> Edit:
    return Edit(start, end, text)


def insert(at: int, text: str) -> Edit:
    return Edit(at, at, text)


def delete(start: int, end: int) -> Edit:
    return Edit(start, end, "")


class Taken:
    """The edits of the fixes chosen so far, sorted, to test a new edit against its neighbours
    only: chosen edits never overlap, so only the ones just before its end can."""

    def __init__(self) -> None:
        self.edits: list[Edit] = []

    def collides(self, edit: Edit) -> bool:
        k = bisect.bisect_left(self.edits, (edit.end, edit.end), key=_position)
        for i in range(k - 1, -1, -1):  # not a slice: copying the list was quadratic
            other = self.edits[i]
            if edit.overlaps(other):
                return True
            if other.start < other.end <= edit.start:
                return False  # a span ending before: the ones before it end earlier still
        return False

    def add(self, edits: Iterable[Edit]) -> None:
        for edit in edits:
            bisect.insort(self.edits, edit, key=_position)


def _position(edit: Edit) -> tuple[int, int]:
    return edit.start, edit.end


class Forward:
    """Positions in a text, to the text with `edits` applied: a position inside a replaced
    span goes to where the new text starts."""

    def __init__(self, edits: Iterable[Edit]) -> None:
        self.edits = sorted(edits, key=_position)
        self.starts = [e.start for e in self.edits]
        self.shifts = [0]  # the shift of the edits before each
        for edit in self.edits:
            self.shifts.append(self.shifts[-1] + len(edit.text) - (edit.end - edit.start))

    def __call__(self, pos: int) -> int:
        k = bisect.bisect_left(self.starts, pos)  # the edits starting before pos
        if k and self.edits[k - 1].end > pos:
            return self.edits[k - 1].start + self.shifts[k - 1]
        return pos + self.shifts[k]


def select(fixes: Iterable[Fix]) -> list[Fix]:
    """The fixes that can apply together: in order of position, a fix whose edits collide with
    one already taken waits for the next pass. Fixes with identical edits apply once."""
    chosen: list[Fix] = []
    taken = Taken()
    by_edits: dict[tuple[Edit, ...], int] = {}
    for fix in sorted(fixes, key=lambda f: (min(e.start for e in f.edits), f.code)):
        same = by_edits.get(fix.edits)
        if same is not None:
            first = chosen[same]
            if fix.code != first.code and fix.code not in first.codes:
                chosen[same] = dataclasses.replace(first, codes=(*first.codes, fix.code))
            continue
        if any(taken.collides(edit) for edit in fix.edits):
            continue
        by_edits[fix.edits] = len(chosen)
        chosen.append(fix)
        taken.add(fix.edits)
    return chosen


def apply(text: str, edits: Iterable[Edit]) -> str:
    """`text` with non-overlapping `edits` applied; insertions at one point keep their order."""
    ordered = sorted(enumerate(edits), key=lambda item: (item[1].start, item[1].end, item[0]))
    out: list[str] = []
    pos = 0
    for _, edit in ordered:
        out.append(text[pos : edit.start])
        out.append(edit.text)
        pos = max(pos, edit.end)
    out.append(text[pos:])
    return "".join(out)
