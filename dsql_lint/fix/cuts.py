"""Deleting parts of a statement with their separators, keeping the comments around them."""

from __future__ import annotations

from dsql_lint.fix.edits import Edit, delete
from dsql_lint.fix.tokens import Tokens


def _blank_before(text: str, offset: int, floor: int) -> int:
    """Start of the whitespace run ending at `offset` (not before `floor`)."""
    start = offset
    while start > floor and text[start - 1] in " \t\r\n":
        start -= 1
    return start


def _blank_after(text: str, offset: int) -> int:
    end = offset
    while end < len(text) and text[end] in " \t":
        end += 1
    return end


def cut(tokens: Tokens, start: int, stop: int) -> Edit:
    """Delete tokens [start, stop) and the whitespace before them."""
    text = tokens.statement.source.text
    floor = tokens[start - 1].end if start > 0 else tokens.statement.start
    first = _blank_before(text, tokens[start].start, floor)
    if start == 0:  # at the head of a statement, eat the blank after instead
        return delete(tokens[start].start, _blank_after(text, tokens[stop - 1].end))
    return delete(first, tokens[stop - 1].end)


def cut_element(tokens: Tokens, ranges: list[tuple[int, int]], k: int) -> list[Edit]:
    """Delete element `k` of a comma-separated list and one comma next to it. The comma is
    deleted on its own, so that a comment between it and the element survives."""
    start, stop = ranges[k]
    if k > 0:
        comma = start - 1
        return [delete(tokens[comma].start, tokens[comma].end), cut(tokens, start, stop)]
    if len(ranges) > 1:
        comma = stop  # the separator after the first element
        text = tokens.statement.source.text
        return [delete(tokens[start].start, _blank_after(text, tokens[comma].end))]
    return [cut(tokens, start, stop)]
