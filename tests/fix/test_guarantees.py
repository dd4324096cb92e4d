"""The guarantees of `fix` on every fixture: rules' fixtures and fix's own, in safe and unsafe
mode. The corpus has its own, slower test (test_corpus.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixkit import (
    FIXTURES,
    Case,
    assert_guarantees,
    assert_idempotent,
    case_of,
    fix_source,
    fixer,
    load,
)

from dsql_lint.lint import pipeline, reparse
from dsql_lint.lint.schema import Catalog
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split

FILES = sorted((FIXTURES / "rules").rglob("*.sql")) + sorted(
    p for p in (FIXTURES / "fix").rglob("*.sql") if "mysql" not in p.parts
)


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", FILES, ids=_id)
def test_fixture_guarantees(path: Path, unsafe: bool) -> None:
    source = load(path)
    case = case_of(source.text)
    result = fix_source(source, case, unsafe)
    assert_guarantees(result, unsafe, case)
    assert_idempotent(result, case, unsafe)


SEED_GUIDE = sorted((FIXTURES / "fix" / "seed-guide").glob("input*.sql"))


@pytest.mark.parametrize("path", SEED_GUIDE, ids=_id)
def test_seed_guide_schemas_lint_clean_with_unsafe_fixes(path: Path) -> None:
    """The 2025 seed guide's rules (`--target 2025-05`): everything is fixable, no finding of
    any severity is left."""
    source = load(path)
    case = case_of(source.text)
    assert case.target is not None and case.target.year == 2025
    result = fix_source(source, Case(case.target, unsafe=True, choices=case.choices))
    assert [f"{d.line}: {d.code} {d.message}" for d in result.remaining] == []


@pytest.mark.parametrize("name", ["migrations", "pg-dump"])  # (seed-guide: one pass)
def test_later_passes_reuse_the_parses_of_unchanged_statements(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass parses and analyses again only the statements the pass before changed, and its
    lint is the lint of its text parsed afresh (the same findings, at the same places)."""
    source = load(FIXTURES / "fix" / name / "input.sql")
    parsed: list[str] = []
    analysed: list[str] = []
    real, real_analyze = reparse.parse, pipeline.analyze

    def counting(statement):  # type: ignore[no-untyped-def]
        parsed.append(statement.body)
        return real(statement)

    def counting_analyses(parse, ruleset, **options):  # type: ignore[no-untyped-def]
        analysed.append(parse.statement.body)
        return real_analyze(parse, ruleset, **options)

    monkeypatch.setattr(reparse, "parse", counting)
    monkeypatch.setattr(pipeline, "analyze", counting_analyses)
    engine = fixer(case_of(source.text), unsafe=True)
    result = engine.fix_source(source)
    texts = [p.before for p in result.passes] + [result.text]
    every = sum(len(split(Source(source.path, t, source.bom))) for t in texts)
    assert len(result.passes) >= 2
    assert len(parsed) < every
    assert len(analysed) < every
    fresh = engine.linter.lint_source(Source(source.path, result.text, source.bom), Catalog())
    assert result.report.diagnostics == fresh.diagnostics
