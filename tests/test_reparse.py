"""Tests for dsql_lint.lint.reparse: what one lint of fix's passes reuses is what analysing the
statement again would give."""

from __future__ import annotations

from dsql_lint.lint.pipeline import Linter
from dsql_lint.lint.reparse import ParseCache
from dsql_lint.lint.schema import Catalog
from dsql_lint.settings import LintOptions, active_rules
from dsql_lint.syntax.source import Source

# A statement repeated (its finding holds no node: the command table's DSQL006) around one that
# has a finding holding its node.
SQL = "CHECKPOINT;\nCREATE INDEX i ON t (c);\nSELECT 1;\n  CHECKPOINT;\nCHECKPOINT;\n"


def test_a_statement_takes_over_the_analysis_of_the_same_text_earlier_in_the_lint() -> None:
    options = LintOptions()
    rules = active_rules(options)
    parses = ParseCache()
    reused = Linter(rules, options, keep_trees=True).lint_source(
        Source("t.sql", SQL), Catalog(), parses
    )
    fresh = Linter(rules, options).lint_source(Source("t.sql", SQL), Catalog())
    statements = reused.statements
    assert parses.twin(statements[3]) is not None  # the first CHECKPOINT's analysis, offered
    assert parses.twin(statements[1]) is None  # its finding holds a node of its own tree
    found = [d.without_node() for d in reused.diagnostics]
    assert found == fresh.diagnostics
    checkpoints = [d for d in found if d.statement in (0, 3, 4)]
    assert {d.statement for d in checkpoints} == {0, 3, 4}  # each at its own place
    assert len({(d.line, d.start) for d in checkpoints}) == len(checkpoints)
    assert all(reused.parsed[k].tree is not reused.parsed[0].tree for k in (3, 4))
