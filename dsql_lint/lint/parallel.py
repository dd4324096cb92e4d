"""Analysing many statements (a large file, a folder of migrations) in several processes.

Parsing dominates the cost of linting and is independent per statement, so the statements
are cut into contiguous chunks analysed by forked workers (which inherit the compiled rules and
the statements, so nothing large is pickled on the way in). Results come back in order and
the catalog and transaction rules then run in the parent, exactly as in a serial run.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dsql_lint.engine.ruleset import RuleSet
    from dsql_lint.lint.pipeline import StatementResult
    from dsql_lint.syntax.split import Statement

# Below this much SQL, forking costs more than it saves (measured in bench/).
MIN_CHARS = 150_000

_STATE: tuple[RuleSet, list[Statement]] | None = None


def worth_it(statements: list[Statement]) -> bool:
    if not statements or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return _size(statements) >= MIN_CHARS


def _size(statements: list[Statement]) -> int:
    # Statements may come from several files: offsets are per file, so sizes are summed.
    return sum(s.end - s.start for s in statements)


def default_jobs() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


# A worker's results are pickled and read back by the parent, about 15% of the time it took
# to compute them (measured on bench/'s generated schema): the parent's own share, the first,
# is larger by that much so that it does not wait.
PARENT_WEIGHT = 1.15


def _chunks(statements: list[Statement], parts: int) -> list[tuple[int, int]]:
    """Contiguous index ranges of about equal amounts of work (the first one, the parent's,
    PARENT_WEIGHT times the others)."""
    share = _size(statements) / (PARENT_WEIGHT + parts - 1)
    bounds, start, budget, filled = [], 0, share * PARENT_WEIGHT, 0
    for i, statement in enumerate(statements):
        filled += statement.end - statement.start
        if filled >= budget and len(bounds) < parts - 1:
            bounds.append((start, i + 1))
            start, filled, budget = i + 1, 0, share
    bounds.append((start, len(statements)))
    return [b for b in bounds if b[0] < b[1]]


def _analyze_range(bounds: tuple[int, int]) -> list[StatementResult]:
    from dsql_lint.lint.pipeline import analyzed
    from dsql_lint.syntax.release import release

    assert _STATE is not None
    ruleset, statements = _STATE
    results = []
    for statement in statements[bounds[0] : bounds[1]]:
        parsed, result = analyzed(statement, ruleset)
        # Only what the parent needs travels back; the tree is freed now, not at exit.
        result.detach()
        release(parsed)
        results.append(result)
    return results


def analyze(statements: list[Statement], ruleset: RuleSet, jobs: int) -> list[StatementResult]:
    global _STATE
    ranges = _chunks(statements, jobs)
    _STATE = (ruleset, statements)
    context = multiprocessing.get_context("fork")
    try:
        if len(ranges) == 1:  # one statement is the parent's whole share: no worker to start
            return _analyze_range(ranges[0])
        with context.Pool(len(ranges) - 1) as pool:
            later = pool.map_async(_analyze_range, ranges[1:])
            first = _analyze_range(ranges[0])  # the parent takes a share too
            rest = later.get()
    finally:
        _STATE = None
    return [result for chunk in (first, *rest) for result in chunk]
