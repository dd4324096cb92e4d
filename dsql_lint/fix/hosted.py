"""Fixing an ORM file: the fixes planned on the SQL read out of its string literals, written
back into those literals.

Each edit of the SQL is placed in the file through the anchors of its MappedSource, and its
text escaped for the literal's syntax (orm/quoting.py). What cannot be written faithfully is
declined with the reason: an edit of generated SQL (Prisma, Rails' `create_table`), one that
cuts into an escape sequence or spans two literals, one that adds a statement to a string (the
call sends it as one query, which DSQL runs as one transaction: one DDL at most, per
../shared/dsql-facts.md), one that leaves a string empty. Every written fix is proved by
reading the file again: the literal must read back as exactly the fixed SQL.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import cast

from dsql_lint.fix import edits as ed
from dsql_lint.fix.edits import Edit, Fix
from dsql_lint.lint.psql_values import SUBSTITUTED, VALUE_OF, substituted
from dsql_lint.orm.detect import read_given
from dsql_lint.orm.mapped import Literal, MappedSource
from dsql_lint.orm.quoting import escape
from dsql_lint.syntax.bindings import STYLES, mask
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split

Reader = Callable[[Source], MappedSource]

GENERATED = "the SQL is generated from the {framework}'s own terms: see the suggestion"
ESCAPE = "the edit would cut into an escape sequence of the string"
TWO_LITERALS = "the edit spans two string literals"
ADDS_STATEMENT = (
    "the fix adds a statement to one string, which the call sends as one query: DSQL runs it"
    " as one transaction, where at most one DDL may be; write it as a call of its own"
)
EMPTIES = "the fix would leave an empty query string: remove the call instead"
READ_BACK = "the rewritten string would not read back as the fixed SQL"
# Of a file with values put in (lint/psql_values.py's PutIn says which).
COPIES_VALUE = (
    "the fix would write {value}{given} into the file, where the file reads the {read}; fix this"
    " statement by hand"
)
IN_VALUE = (
    "the fix edits {value}{given}, which fix does not write in the file; fix this statement by hand"
)


class Host:
    """An ORM file being fixed: fixes edit the file's text, whose SQL is read again after
    every pass with the reader that read it first."""

    def __init__(self, source: MappedSource, reader: Reader) -> None:
        self.file = Source(source.path, source.original, source.bom, source.encoding)
        self.reader = reader

    @classmethod
    def of(cls, source: MappedSource, values: Mapping[str, str] | None = None) -> Host:
        """The file `source` was read from, read again as it was; a SQL file with psql's
        variables put in, with their `values` (`-v`) put in again (a Flyway migration's
        placeholders, from its configuration again)."""
        if source.framework in SUBSTITUTED:
            given = dict(values or {})
            return cls(source, lambda file: cast(MappedSource, substituted(file, given)))
        reader = read_given(Path(source.path), source.original)
        assert reader is not None  # it read the file
        return cls(source, reader)

    def read(self, text: str) -> MappedSource:
        return self.reader(dataclasses.replace(self.file, text=text))

    def edits(self, fix: Fix, sql: MappedSource) -> tuple[Edit, ...] | str:
        """The fix's edits of `sql` as edits of the file, or why they cannot be written."""
        binding = _binding(sql, fix.edits)
        if binding:
            return f"the {sql.framework} would read `{binding}` in the new text as a binding"
        fixed = ed.apply(sql.text, fix.edits)
        # (psql runs a file statement by statement; a library's call sends one string)
        if sql.framework not in SUBSTITUTED and len(
            split(dataclasses.replace(sql, text=fixed))
        ) > len(split(sql)):
            return ADDS_STATEMENT
        substituted_in = sql.framework in SUBSTITUTED
        if substituted_in and _copies_value(sql, fix.edits):
            return COPIES_VALUE.format(**VALUE_OF[sql.framework]._asdict())
        placed = _placed(sql, fix.edits)
        if isinstance(placed, str):
            if substituted_in and placed == _generated(sql):
                return IN_VALUE.format(**VALUE_OF[sql.framework]._asdict())
            return placed
        written, literals = placed
        text = ed.apply(sql.original, written)
        again = self.read(text)
        if again.text != fixed:
            return READ_BACK
        for literal in literals:
            grown = sum(len(e.text) - (e.end - e.start) for e in written if _inside(e, literal))
            if not text[literal.start : literal.end + grown].strip():
                return EMPTIES
        return tuple(written)


def _binding(sql: MappedSource, edits: Sequence[Edit]) -> str:
    """A binding of the library that runs the SQL written by an edit (jsonb's `?` operator,
    which Knex would bind a value to, shifting the others), else ""."""
    style = STYLES.get(sql.bindings)
    for edit in edits if style is not None else ():
        masked, spans = mask(edit.text, style)
        if masked != edit.text:
            start, end = spans[0] if spans else (0, len(edit.text))
            return edit.text[start:end]
    return ""


def _copies_value(sql: MappedSource, edits: Sequence[Edit]) -> bool:
    """Whether an edit writes the text of a psql variable's value (a table named by
    `:schema`, copied into a new statement): the file would hold the value where it reads
    the variable, and another `-v` would not change it."""
    pieces = _Pieces(sql)
    values = {
        sql.text[slice(*pieces.span(k))]
        for k, anchor in enumerate(sql.anchors)
        if anchor[3] < 0 and pieces.span(k)[1] > pieces.span(k)[0]
    }
    return any(
        re.search(rf"(?<![\w\"]){re.escape(value)}(?![\w\"])", edit.text)
        for value in values
        for edit in edits
    )


def _generated(sql: MappedSource) -> str:
    return GENERATED.format(framework=sql.framework)


def _inside(edit: Edit, literal: Literal) -> bool:
    return literal.start <= edit.start and edit.end <= literal.end


class _Pieces:
    """The anchors of a MappedSource as pieces: each one's span of the SQL and of the file."""

    def __init__(self, sql: MappedSource) -> None:
        self.sql = sql
        self.starts = [a[0] for a in sql.anchors]

    def span(self, k: int) -> tuple[int, int]:
        end = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.sql.text)
        return self.starts[k], end

    def verbatim(self, k: int) -> bool:
        """Whether the piece is the file's text as it is (no escape decoded in it)."""
        lo, hi = self.span(k)
        _, start, end, literal = self.sql.anchors[k]
        return literal >= 0 and self.sql.text[lo:hi] == self.sql.original[start:end]

    def at(self, pos: int) -> int:
        return max(0, bisect_right(self.starts, pos) - 1)

    def file_offset(self, k: int, pos: int) -> int | None:
        """Where `pos` of the SQL is in the file, by piece `k`: None inside an escape."""
        lo, hi = self.span(k)
        start, end = self.sql.anchors[k][1:3]
        if self.verbatim(k):
            return start + pos - lo
        return start if pos == lo else end if pos == hi else None


def _placed(sql: MappedSource, edits: Sequence[Edit]) -> tuple[list[Edit], list[Literal]] | str:
    if not sql.anchors:
        return GENERATED.format(framework=sql.framework)
    pieces = _Pieces(sql)
    written: list[Edit] = []
    literals: list[Literal] = []
    for edit in edits:
        placed = _insertion(pieces, edit.start) if edit.start == edit.end else _span(pieces, edit)
        if isinstance(placed, str):
            return placed
        start, end, index = placed
        literal = sql.literals[index]
        text = escape(literal, edit.text)
        if text is None:
            return f"the new text cannot be written in {_described(literal)}"
        written.append(Edit(start, end, text))
        if literal not in literals:
            literals.append(literal)
    return written, literals


def _insertion(pieces: _Pieces, pos: int) -> tuple[int, int, int] | str:
    """An insertion at `pos`: in the first piece of a literal that holds or ends at it."""
    k = pieces.at(pos)
    while k > 0 and pieces.span(k - 1)[1] == pos:  # pieces ending here come first
        k -= 1
    cut = False
    while k < len(pieces.starts) and pieces.span(k)[0] <= pos:
        literal = pieces.sql.anchors[k][3]
        if literal >= 0 and pos <= pieces.span(k)[1]:
            at = pieces.file_offset(k, pos)
            if at is not None:
                return at, at, literal
            cut = True
        k += 1
    return ESCAPE if cut else GENERATED.format(framework=pieces.sql.framework)


def _span(pieces: _Pieces, edit: Edit) -> tuple[int, int, int] | str:
    """A replacement of `edit`'s span: within one literal, escapes whole or untouched."""
    first = pieces.at(edit.start)
    while pieces.span(first)[1] <= edit.start and first + 1 < len(pieces.starts):
        first += 1  # not an empty piece, nor one ending where the span starts
    last = first
    while last + 1 < len(pieces.starts) and pieces.starts[last + 1] < edit.end:
        last += 1
    literals = {pieces.sql.anchors[k][3] for k in range(first, last + 1)}
    if -1 in literals:
        return GENERATED.format(framework=pieces.sql.framework)
    if len(literals) > 1:
        return TWO_LITERALS
    start = pieces.file_offset(first, edit.start)
    end = pieces.file_offset(last, edit.end)
    if start is None or end is None:
        return ESCAPE
    return start, end, literals.pop()


def _described(literal: Literal) -> str:
    if literal.heredoc:
        return f"the heredoc ending at {literal.quote}"
    if literal.quote == "`":
        return "a template literal"
    return f"a {'raw ' if literal.raw else ''}{literal.quote}...{literal.quote} string"
