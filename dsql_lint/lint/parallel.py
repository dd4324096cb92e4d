"""Analysing many statements (a large file, a folder of migrations) in several processes.

Parsing dominates the cost of linting and is independent per statement, so the statements
are cut into contiguous chunks analysed by forked workers (which inherit the compiled rules and
the statements, so nothing large is pickled on the way in). Results come back in order, a
piece at a time, and the catalog and transaction rules then run in the parent, exactly as in a
serial run.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterator
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


def _analyzed(bounds: tuple[int, int]) -> Iterator[StatementResult]:
    """The results of a range of statements, one at a time, each statement's tree freed as
    soon as it is analysed."""
    from dsql_lint.lint.pipeline import analyzed
    from dsql_lint.syntax.release import release

    assert _STATE is not None
    ruleset, statements = _STATE
    for statement in statements[bounds[0] : bounds[1]]:
        parsed, result = analyzed(statement, ruleset)
        # Only what the parent needs travels back; the tree is freed now, not at exit.
        result.detach()
        release(parsed)
        yield result


def _analyze_piece(bounds: tuple[int, int]) -> bytes:
    """A worker's results for a piece of its range, pickled here: the parent keeps them as
    these bytes, a fraction of the objects, until it settles them."""
    return pickle.dumps(list(_analyzed(bounds)), protocol=pickle.HIGHEST_PROTOCOL)


def _pieces(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [
        (start, min(start + PIECE, end))
        for first, end in ranges
        for start in range(first, end, PIECE)
    ]


# Statements a worker sends back at a time: the parent reads and settles each piece as it
# comes, so that it never holds more than one piece's results as objects.
PIECE = 2_000


def analyze(statements: list[Statement], ruleset: RuleSet, jobs: int) -> Iterator[StatementResult]:
    """Each statement's result, in order: the parent's share, the first, analysed as it is
    read, then the workers' pieces as they come."""
    global _STATE
    ranges = _chunks(statements, jobs)
    _STATE = (ruleset, statements)
    context = multiprocessing.get_context("fork")
    try:
        if len(ranges) == 1:  # one statement is the parent's whole share: no worker to start
            yield from _analyzed(ranges[0])
            return
        with context.Pool(len(ranges) - 1) as pool:
            later = pool.imap(_analyze_piece, _pieces(ranges[1:]))
            yield from _analyzed(ranges[0])  # the parent takes a share too
            for piece in later:
                yield from pickle.loads(piece)
    finally:
        _STATE = None
