"""Inline suppressions, in the manner of ruff's `noqa` and squawk's `squawk-ignore`.

-- dsql-lint: ignore DSQL101,array-column   on a statement's line, or on the lines
                                            just above it: that statement only
-- dsql-lint: ignore                        every rule, that statement only
-- dsql-lint: ignore-file DSQL301           the whole file
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Statement

DIRECTIVE = re.compile(r"--[ \t]*dsql-lint:[ \t]*(ignore-file|ignore)\b([^\r\n]*)")
ALL = "*"


@dataclass
class Suppression:
    line: int
    col: int
    start: int
    end: int
    codes: frozenset[str]  # codes or names, upper-cased; ALL for every rule
    whole_file: bool
    used: set[str] = field(default_factory=set)

    def covers(self, diag: Diagnostic) -> bool:
        return ALL in self.codes or diag.code in self.codes or diag.name.upper() in self.codes


def _codes(text: str) -> frozenset[str]:
    words = [w.strip().upper() for w in re.split(r"[,\s]+", text.split("--")[0]) if w.strip()]
    return frozenset(words) if words else frozenset({ALL})


def find(
    source: Source, statements: list[Statement]
) -> tuple[list[Suppression], dict[int, list[Suppression]]]:
    """Suppressions of the file, and those of each statement index."""
    whole: list[Suppression] = []
    by_statement: dict[int, list[Suppression]] = {}
    if "dsql-lint:" not in source.text:
        return whole, by_statement
    starts = [s.start for s in statements]
    for match in DIRECTIVE.finditer(source.text):
        line, col = source.position(match.start())
        item = Suppression(
            line,
            col,
            match.start(),
            match.end(),
            _codes(match.group(2)),
            match.group(1) == "ignore-file",
        )
        if item.whole_file:
            whole.append(item)
            continue
        target = _statement_for(source, statements, starts, match.start())
        if target is not None:
            by_statement.setdefault(target, []).append(item)
    return whole, by_statement


def _statement_for(
    source: Source, statements: list[Statement], starts: list[int], offset: int
) -> int | None:
    """The statement a comment at `offset` belongs to: the one whose text contains it or ends
    on its line (a trailing comment), else the next one."""
    position = bisect_left(starts, offset)
    if position > 0:
        previous = statements[position - 1]
        same_line = "\n" not in source.text[previous.end : offset]
        if offset < previous.end or same_line:
            return previous.index
    return statements[position].index if position < len(statements) else None


def apply(
    diagnostics: list[Diagnostic],
    whole: list[Suppression],
    by_statement: dict[int, list[Suppression]],
) -> list[Diagnostic]:
    kept = []
    for diag in diagnostics:
        matching = [s for s in (*whole, *by_statement.get(diag.statement, ())) if s.covers(diag)]
        for suppression in matching:
            suppression.used.add(diag.code)
        if not matching:
            kept.append(diag)
    return kept


def unused(
    whole: list[Suppression], by_statement: dict[int, list[Suppression]]
) -> list[Suppression]:
    everything = [*whole, *(s for items in by_statement.values() for s in items)]
    return sorted((s for s in everything if not s.used), key=lambda s: s.start)
