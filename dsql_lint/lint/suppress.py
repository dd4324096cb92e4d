"""Inline suppressions, in the manner of ruff's `noqa` and squawk's `squawk-ignore`.

-- dsql-lint: ignore DSQL101,array-column   on a statement's line, or on the lines
                                            just above it: that statement only
-- dsql-lint: ignore                        every rule, that statement only
-- dsql-lint: ignore-file DSQL301           the whole file
-- noqa: DSQL101                            sqlfluff's spelling: that statement only

Codes, code prefixes (`DSQL3`) and names are accepted, as with `--ignore`. A `noqa` comment
is shared with sqlfluff, so only its DSQL codes are ours: a bare `-- noqa` or one naming only
sqlfluff's codes (`LT05`) suppresses nothing here and is not said to name an unknown rule.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Statement, in_comment

DIRECTIVE = re.compile(
    r"--[ \t]*(?:dsql-lint:[ \t]*(ignore-file|ignore)\b|(noqa)[ \t]*:)([^\r\n]*)", re.IGNORECASE
)
ALL = "*"
NO_STATEMENT = -1


@dataclass
class Suppression:
    line: int
    col: int
    start: int
    end: int
    codes: frozenset[str]  # codes or names, upper-cased; ALL for every rule
    whole_file: bool
    written: tuple[str, ...] = ()  # the codes and names as written, for messages
    used: set[str] = field(default_factory=set)

    def covers(self, diag: Diagnostic) -> bool:
        name = diag.name.upper()
        return any(code in (ALL, "ALL", name) or diag.code.startswith(code) for code in self.codes)


def everything(
    whole: list[Suppression], by_statement: dict[int, list[Suppression]]
) -> list[Suppression]:
    return [*whole, *(s for items in by_statement.values() for s in items)]


def unknown(
    suppressions: list[Suppression], codes: set[str], names: set[str]
) -> list[tuple[Suppression, str]]:
    """The (suppression, value) pairs naming no rule: a typo would otherwise suppress nothing,
    silently. `codes` and `names` are every rule's, upper-cased, active or not."""
    found = []
    for item in sorted(suppressions, key=lambda s: s.start):
        for value in item.written:
            upper = value.upper()
            if upper == "ALL" or upper in names or any(c.startswith(upper) for c in codes):
                continue
            found.append((item, value))
    return found


def _words(text: str) -> tuple[str, ...]:
    # A directive ends at a later comment's `--`, or with the block comment it is in.
    return tuple(w for w in re.split(r"[,\s]+", text.split("--")[0].split("*/")[0]) if w)


def _codes(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.upper() for w in words) if words else frozenset({ALL})


def find(
    source: Source, statements: list[Statement]
) -> tuple[list[Suppression], dict[int, list[Suppression]]]:
    """Suppressions of the file, and those of each statement index."""
    whole: list[Suppression] = []
    by_statement: dict[int, list[Suppression]] = {}
    if "dsql-lint:" not in source.text and "noqa" not in source.text.lower():
        return whole, by_statement
    starts = [s.start for s in statements]
    for match in DIRECTIVE.finditer(source.text):
        if _quoted(statements, starts, match.start()):
            continue  # data or a body's text, not a comment of the file
        line, col = source.position(match.start())
        words = _words(match.group(3))
        if match.group(2):  # sqlfluff's noqa: only the codes that are ours
            words = tuple(w for w in words if w.upper().startswith("DSQL"))
            if not words:
                continue
        item = Suppression(
            line,
            col,
            match.start(),
            match.end(),
            _codes(words),
            (match.group(1) or "").lower() == "ignore-file",
            words,
        )
        if item.whole_file:
            whole.append(item)
            continue
        # One after the last statement suppresses nothing: kept under no statement's index,
        # so that it is reported unused (and its unknown codes named) rather than dropped.
        target = _statement_for(source, statements, starts, match.start())
        by_statement.setdefault(NO_STATEMENT if target is None else target, []).append(item)
    return whole, by_statement


def _quoted(statements: list[Statement], starts: list[int], offset: int) -> bool:
    """Whether `offset` is inside a statement but not in one of its comments."""
    position = bisect_right(starts, offset) - 1
    if position < 0:
        return False
    statement = statements[position]
    return offset < statement.end and not in_comment(statement, offset)


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
    return sorted((s for s in everything(whole, by_statement) if not s.used), key=lambda s: s.start)
