"""A parallel run (statements analysed in forked workers) reports exactly what a serial run
reports, catalog findings included, across files."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from dsql_lint import parallel
from dsql_lint.lint import LintOptions, lint_paths

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _indexes(count: int) -> str:
    return "".join(f"CREATE INDEX ASYNC i{n} ON wide (c{n});\n" for n in range(count))


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    columns = ", ".join(f"c{n} int" for n in range(30))
    (folder / "V1__wide.sql").write_text(f"CREATE TABLE wide (id bigint PRIMARY KEY, {columns});\n")
    # The 25th index on `wide` is a catalog finding that only the earlier files explain.
    (folder / "V2__indexes.sql").write_text(_indexes(26))
    (folder / "V3__example.sql").write_text((FIXTURES / "examples" / "schema.sql").read_text())
    for n, fixture in enumerate(sorted((FIXTURES / "rules").glob("DSQL[15]*/fail*.sql"))):
        shutil.copy(fixture, folder / f"V{n + 4}__{fixture.parent.name}.sql")
    return folder


def _report(folder: Path, jobs: int) -> list[tuple]:
    report = lint_paths([str(folder)], LintOptions(jobs=jobs))
    return [dataclasses.astuple(d.without_node()) for d in report.diagnostics]


def test_parallel_and_serial_runs_agree(migrations: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = _report(migrations, jobs=1)
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    calls = []
    real = parallel.analyze
    monkeypatch.setattr(parallel, "analyze", lambda *a: calls.append(a) or real(*a))
    together = _report(migrations, jobs=2)
    assert len(calls) == 1, "the parallel path was taken"
    assert together == serial
    assert any(row[7] == "DSQL801" for row in serial), "the catalog finding is in the test"
    assert len({row[0] for row in serial}) > 3, "findings come from several files"


def test_chunks_cover_every_statement_once(migrations: Path) -> None:
    from dsql_lint.source import read_source
    from dsql_lint.split import split

    statements = [s for path in sorted(migrations.iterdir()) for s in split(read_source(str(path)))]
    for parts in (1, 2, 3, 7):
        chunks = parallel._chunks(statements, parts)
        covered = [i for start, end in chunks for i in range(start, end)]
        assert covered == list(range(len(statements)))
        assert len(chunks) <= parts
