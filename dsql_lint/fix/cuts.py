"""Deleting parts of a statement with their separators, keeping the comments around them.

A deletion never takes the line break that ends a `--` comment: the code after it would
become part of the comment. Whitespace is taken on the clause's own line only.
"""

from __future__ import annotations

from dsql_lint.fix.edits import Edit, delete
from dsql_lint.syntax.tokens import Tokens

_SPACE = " \t"


def _spaces_before(text: str, offset: int) -> int:
    while offset > 0 and text[offset - 1] in _SPACE:
        offset -= 1
    return offset


def _spaces_after(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in _SPACE:
        offset += 1
    return offset


def _line_break_after(text: str, offset: int) -> int | None:
    """Just past the line break at `offset` (CRLF or LF), if one is there."""
    if text.startswith("\r\n", offset):
        return offset + 2
    if text.startswith("\n", offset):
        return offset + 1
    return None


def cut_span(text: str, start: int, end: int) -> Edit:
    """Delete text[start:end] with the blanks that would be left over: the spaces before it on
    its line, or, when it is alone on its line, the whole line."""
    before = _spaces_before(text, start)
    after = _spaces_after(text, end)
    starts_line = before == 0 or text[before - 1] == "\n"
    if not starts_line:
        return delete(before, end)
    line_end = _line_break_after(text, after) if after < len(text) else after
    if line_end is not None and before > 0:
        return delete(before, line_end)
    return delete(start, after)


def cut(tokens: Tokens, start: int, stop: int) -> Edit:
    """Delete tokens [start, stop) and the blanks that would be left over."""
    text = tokens.statement.source.text
    return cut_span(text, tokens[start].start, tokens[stop - 1].end)


def cut_element(tokens: Tokens, ranges: list[tuple[int, int]], k: int) -> list[Edit]:
    """Delete element `k` of a comma-separated list and one comma next to it."""
    return cut_elements(tokens, ranges, [k])


def cut_elements(tokens: Tokens, ranges: list[tuple[int, int]], doomed: list[int]) -> list[Edit]:
    """Delete some elements of a comma-separated list (not all), each with one comma: the one
    before it, or, for the elements leading the list, the one after the last of them. A comma
    goes on its own when a comment sits between it and its element, so that the comment stays."""
    text = tokens.statement.source.text
    lead = 0
    while lead in doomed:
        lead += 1
    edits: list[Edit] = []
    if lead:
        comma = tokens[ranges[lead - 1][1]]  # the separator after the leading run
        edits.append(cut_span(text, tokens[ranges[0][0]].start, comma.end))
    for k in sorted(set(doomed)):
        if k < lead:
            continue
        start, stop = ranges[k]
        comma = tokens[start - 1]
        if not text[comma.end : tokens[start].start].strip():
            edits.append(delete(comma.start, tokens[stop - 1].end))  # `, element` as one span
        else:
            edits += [delete(comma.start, comma.end), cut(tokens, start, stop)]
    return edits
