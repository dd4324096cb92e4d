"""Tests for dsql_lint.syntax.spans: grammar layouts give the same spans as the aligner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers import FIXTURES, parsed_statements
from sqlglot import exp
from test_parse import parsed, texts

from dsql_lint.syntax.align import STATS
from dsql_lint.syntax.parse import Parsed, node_span
from dsql_lint.syntax.spans import Spans

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORPUS_FILES = sorted(CORPUS.rglob("*.sql")) if CORPUS.is_dir() else []


def spans_of(p: Parsed, nodes: list[exp.Expr], *, layouts: bool) -> list[tuple[int, int]]:
    p._spans = None
    Spans.layouts = layouts
    try:
        return [node_span(p, node) for node in nodes]
    finally:
        Spans.layouts = True
        p._spans = None


def disagreements(paths: list[Path]) -> tuple[Counter[str], list[str]]:
    """The oracle: the span of every node of every statement, with layouts and with the
    aligner alone (the algorithm all spans came from before layouts), deepest nodes first so
    that layouts place what they can before anything is generated as a whole. Returns how
    many nodes each layout placed, and where the two answers differ."""
    before = Counter(STATS)
    differ = []
    for path, p in parsed_statements(paths):
        nodes = list(p.tree.walk())[::-1]
        fast = spans_of(p, nodes, layouts=True)
        slow = spans_of(p, nodes, layouts=False)
        for node, a, b in zip(nodes, fast, slow, strict=True):
            if a != b:
                differ.append(f"{path.name}:{p.statement.line} {type(node).__name__} {a} {b}")
    placed = Counter({k: n for k, n in (STATS - before).items() if k.startswith("layout")})
    return placed, differ


def test_layouts_agree_with_the_aligner_on_the_fixtures() -> None:
    placed, differ = disagreements(sorted(FIXTURES.rglob("*.sql")))
    assert differ == []
    # Every layout was exercised, and they placed many nodes.
    assert {k for k in placed if placed[k] >= 10} == set(LAYOUTS), placed
    assert sum(placed.values()) > 1000


LAYOUTS = {
    "layout: table elements",
    "layout: column type",
    "layout: index parameters",
}


@pytest.mark.skipif(not CORPUS_FILES, reason=f"no corpus at {CORPUS}")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_layouts_agree_with_the_aligner_on_the_corpus(path: Path) -> None:
    assert disagreements([path])[1] == []


def test_layouts_place_columns_and_index_parameters() -> None:
    p = parsed("CREATE TABLE t (a int[] NOT NULL, b numeric(10, 2), CHECK (b > 0));")
    p2 = parsed("CREATE INDEX i ON public.t USING btree (a, lower(b)) WHERE c;")
    assert texts(p, exp.ColumnDef) == ["a int[] NOT NULL", "b numeric(10, 2)"]
    assert texts(p, exp.DataType, exp.ColumnDef) == ["int[]", "numeric(10, 2)"]
    assert texts(p2, exp.IndexParameters) == ["USING btree (a, lower(b)) WHERE c"]
    # Neither needed the statement to be regenerated as a whole.
    assert p._spans.traced is None and p2._spans.traced is None


def test_the_aligner_is_counted() -> None:
    before = Counter(STATS)
    p = parsed("SELECT a FROM t WHERE a > 1;")
    texts(p, exp.Where)
    used = STATS - before
    assert used["statements regenerated"] == 1 and used["fallback: Select"] == 1


def test_debug_prints_the_counts_at_exit(tmp_path: Path) -> None:
    sql = tmp_path / "a.sql"
    sql.write_text("CREATE TABLE t (id serial PRIMARY KEY);\n")  # a finding on the type
    env = {**os.environ, "DSQL_LINT_DEBUG": "spans", "PYTHONPATH": str(Path(__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--no-cache", "-j", "1", str(sql)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "layout: column type 1" in done.stderr, done.stderr
    quiet = {**env, "DSQL_LINT_DEBUG": ""}
    done = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--no-cache", "-j", "1", str(sql)],
        capture_output=True,
        text=True,
        env=quiet,
    )
    assert "dsql-lint spans" not in done.stderr
