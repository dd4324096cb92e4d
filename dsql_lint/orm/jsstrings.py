"""JavaScript string literals decoded as JavaScript decodes them, each piece of the decoded
text anchored to the characters it was written with."""

from __future__ import annotations

import sys
from bisect import bisect_right

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def skip_space(text: str, i: int) -> int:
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("//", i):
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = len(text) if close < 0 else close + 2
        else:
            break
    return i


def string(text: str, start: int) -> tuple[list[tuple[str, int, int]] | None, int]:
    """A literal's decoded pieces (a piece per run between escapes, each anchored to its
    own characters), and the offset after its closing quote; None for a template with
    substitutions or an unterminated literal."""
    quote, i = text[start], start + 1
    pieces: list[tuple[str, int, int]] = []
    run = i
    while i < len(text):
        c = text[i]
        if c == quote:
            if run < i:
                pieces.append((text[run:i], run, i))
            return pieces, i + 1
        if quote == "`" and text.startswith("${", i):
            return None, _template_end(text, i)
        if c == "\n" and quote != "`":
            return None, i
        if c != "\\":
            i += 1
            continue
        if run < i:
            pieces.append((text[run:i], run, i))
        try:
            char, length = _escape(text, i)
        except ValueError:  # not a valid escape in JavaScript either: kept as written
            char, length = text[i + 1 : i + 2], 2
        pieces.append((char, i, i + length))
        i += length
        run = i
    return None, len(text)


def _escape(text: str, i: int) -> tuple[str, int]:
    nxt = text[i + 1 : i + 2]
    if nxt in _ESCAPES and not text[i + 2 : i + 3].isdigit():
        return _ESCAPES[nxt], 2
    if nxt == "x":
        return chr(int(text[i + 2 : i + 4], 16)), 4
    if nxt == "u" and text[i + 2 : i + 3] == "{":
        close = text.index("}", i)
        return chr(int(text[i + 3 : close], 16)), close + 1 - i
    if nxt == "u":
        return chr(int(text[i + 2 : i + 6], 16)), 6
    if text.startswith("\r\n", i + 1):
        return "", 3  # a line continuation
    if nxt in "\r\n\u2028\u2029":
        return "", 2
    return nxt, 2


def _template_end(text: str, i: int) -> int:
    close = text.find("`", i)
    return len(text) if close < 0 else close + 1


def code_spans(text: str) -> list[tuple[int, int]]:
    """Offsets that are comments or strings, so that a call named inside them is skipped."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if text.startswith("//", i) or text.startswith("/*", i):
            end = skip_space(text, i)
            out.append((i, end))
            i = end
        elif c in "'\"`":
            _, end = string(text, i)
            if end <= i:
                end = i + 1
            out.append((i, end))
            i = end
        else:
            i += 1
    return out


def in_code(spans: list[tuple[int, int]], at: int) -> bool:
    """Whether `at` is in no span (they are in order and do not overlap)."""
    k = bisect_right(spans, (at, sys.maxsize)) - 1
    return k < 0 or not spans[k][0] <= at < spans[k][1]
