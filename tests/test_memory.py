"""Memory follows the largest statement, not the input: `check` frees each statement's tree
once it is analysed (with the cyclic collector paused, as the linter runs), `fix` keeps them.
Measured by counting live sqlglot nodes and by tracemalloc's peak, never by timing."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlglot import exp

from dsql_lint.lint import parallel
from dsql_lint.lint.pipeline import Linter
from dsql_lint.settings import LintOptions, active_rules
from dsql_lint.syntax.source import Source

# Statements with findings of every kind: node rules (spans computed, so the span machinery's
# copies of the tree are made), catalog rules (built while the tree lives), a parse error.
MIXED = """\
CREATE TABLE t{n} (id SERIAL PRIMARY KEY, tags text[], doc jsonb, price numeric(10,2));
CREATE INDEX i{n} ON t{n} USING gin (doc);
ALTER TABLE t{n} ADD CONSTRAINT f{n} FOREIGN KEY (id) REFERENCES t0 (id);
INSERT INTO t{n} (id, tags) VALUES ({n}, '{{a,b}}'), ({n} + 1, '{{}}');
BEGIN; UPDATE t{n} SET price = 1 WHERE id = {n}; CREATE INDEX ASYNC j{n} ON t{n} (price); COMMIT;
SELECT FROM WHERE;
"""


def _insert(n: int) -> str:
    return f"INSERT INTO public.events VALUES ({n}, 'kind {n}', '{{\"step\": {n}}}', now());\n"


def _live_nodes() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, exp.Expr))


@contextmanager
def _collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _linter(keep_trees: bool = False, jobs: int = 1) -> Linter:
    options = LintOptions(jobs=jobs)
    return Linter(active_rules(options), options, keep_trees=keep_trees)


def _lint(text: str, keep_trees: bool = False, jobs: int = 1) -> tuple[int, list]:
    """Live sqlglot nodes left once linting is done (the report still held), and the report."""
    linter = _linter(keep_trees, jobs)
    with _collector_paused():
        before = _live_nodes()
        report = linter.lint_source(Source("t.sql", text))
        return _live_nodes() - before, report.diagnostics


def test_check_leaves_no_tree_alive_fix_keeps_them() -> None:
    text = "".join(MIXED.format(n=n) for n in range(30))
    released, found = _lint(text)
    kept, found_kept = _lint(text, keep_trees=True)
    assert released == 0
    assert kept > 30 * 20, "the trees fix needs are kept (and the count sees them)"
    assert [d.without_node() for d in found_kept] == found
    codes = {d.code for d in found}
    assert {"DSQL012", "DSQL101"} <= codes and len(codes) > 5, codes  # SELECT FROM WHERE
    assert all(d.node is None for d in found)
    assert all(d.node is not None for d in found_kept if d.code == "DSQL101")


def test_a_parallel_run_leaves_no_tree_alive_in_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    text = "".join(MIXED.format(n=n) for n in range(30))
    released, found = _lint(text, jobs=2)
    assert released == 0
    assert found == _lint(text)[1]


def _peak(text: str, keep_trees: bool) -> int:
    linter = _linter(keep_trees)
    linter.lint_source(Source("warm.sql", _insert(0)))  # rules compiled, caches filled
    with _collector_paused():
        tracemalloc.start()
        try:
            linter.lint_source(Source("t.sql", text))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_peak_memory_grows_far_less_than_the_trees_would() -> None:
    few, many = 200, 2000
    small = "".join(_insert(n) for n in range(few))
    large = "".join(_insert(n) for n in range(many))
    per_statement = (_peak(large, False) - _peak(small, False)) / (many - few)
    per_tree = (_peak(large, True) - _peak(small, True)) / (many - few)
    # What stays per statement (its offsets, kind, effects) is a small part of its tree.
    assert per_statement * 8 < per_tree, (per_statement, per_tree)


def test_one_statement_larger_than_the_rest_together(tmp_path: Path) -> None:
    """The parallel split gives it all to the parent: no pool of 0 workers (once a crash)."""
    from dsql_lint.lint.pipeline import lint_paths

    rows = ", ".join(f"({n}, 'name {n:08d}')" for n in range(7000))
    path = tmp_path / "big.sql"
    path.write_text(f"CREATE TABLE t (id int, name text);\nINSERT INTO t VALUES {rows};\n")
    assert path.stat().st_size > parallel.MIN_CHARS
    serial, parallel_run = (lint_paths([str(path)], LintOptions(jobs=j)) for j in (1, 2))
    assert [d.code for d in parallel_run.diagnostics] == ["DSQL717"]  # over 3,000 rows
    assert parallel_run.diagnostics == serial.diagnostics
