"""A parallel run (statements analysed in forked workers) reports exactly what a serial run
reports, catalog findings included, across files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dsql_lint.lint import parallel
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.settings import LintOptions


def _report(folder: Path, jobs: int) -> list[tuple]:
    report = lint_paths([str(folder)], LintOptions(jobs=jobs))
    return [dataclasses.astuple(d.without_node()) for d in report.diagnostics]


def test_parallel_and_serial_runs_agree(migrations: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = _report(migrations, jobs=1)
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    monkeypatch.setattr(parallel, "PIECE", 3)  # the worker's results come back in pieces
    calls = []
    real = parallel.analyze
    monkeypatch.setattr(parallel, "analyze", lambda *a: calls.append(a) or real(*a))
    together = _report(migrations, jobs=2)
    assert len(calls) == 1, "the parallel path was taken"
    assert together == serial
    assert any(row[7] == "DSQL801" for row in serial), "the catalog finding is in the test"
    assert len({row[0] for row in serial}) > 3, "findings come from several files"


def test_chunks_cover_every_statement_once(migrations: Path) -> None:
    from dsql_lint.syntax.source import read_source
    from dsql_lint.syntax.split import split

    statements = [s for path in sorted(migrations.iterdir()) for s in split(read_source(str(path)))]
    for parts in (1, 2, 3, 7):
        chunks = parallel._chunks(statements, parts)
        covered = [i for start, end in chunks for i in range(start, end)]
        assert covered == list(range(len(statements)))
        assert len(chunks) <= parts
    # The parent's chunk, the first, is larger: the others' results must also travel back.
    first, second = parallel._chunks(statements, 2)
    sizes = [parallel._size(statements[a:b]) for a, b in (first, second)]
    assert sizes[0] > sizes[1]


def test_a_subject_sent_to_another_process_answers_as_the_node_did() -> None:
    import pickle

    from dsql_lint.lint.schema import NODE_FACTS, Subject
    from dsql_lint.syntax.parse import parse
    from dsql_lint.syntax.source import Source
    from dsql_lint.syntax.split import split

    sql = (
        "ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_id_seq'::regclass);\n"
        "ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id, b);\n"
        "ALTER TABLE t DROP CONSTRAINT t_pkey;\n"
        "CREATE INDEX ASYNC i ON t (a, lower(b), c);\n"
    )
    nodes = 0
    for statement in split(Source("x.sql", sql)):
        tree = parse(statement).tree
        assert tree is not None
        for node in tree.walk():
            live = Subject(("public", "t"), node)
            sent = pickle.loads(pickle.dumps(live))
            assert sent.node is None
            assert {n: sent.fact(n) for n in NODE_FACTS} == {n: live.fact(n) for n in NODE_FACTS}
            nodes += 1
    assert nodes > 20


def test_a_type_change_is_decided_on_what_the_workers_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check decides a type change's fix on what each later statement names, as the lint
    recorded it while the statement's tree lived: in a worker, for a parallel run."""
    from dsql_lint.fix.decision import FixJudge

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "V1__a.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY, tags text[], note text);\n"
        "CREATE TABLE u (id int PRIMARY KEY, labels text[]);\n"
        "ALTER TABLE t ADD CONSTRAINT t_note UNIQUE (note);\n"
        "INSERT INTO u VALUES (1, '{a,b}');\n"
    )
    (folder / "V2__b.sql").write_text("ALTER TABLE t ADD CONSTRAINT t_tags UNIQUE (tags);\n")

    def decided(jobs: int) -> list[tuple]:
        options = LintOptions(jobs=jobs)
        judge = options.fix_judge = FixJudge()
        report = judge.settle_run(lint_paths([str(folder)], options), options)
        return [(d.path, d.line, d.code, d.fix, d.fix_note) for d in report.diagnostics]

    serial = decided(1)
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    calls = []
    real = parallel.analyze
    monkeypatch.setattr(parallel, "analyze", lambda *a: calls.append(a) or real(*a))
    assert decided(2) == serial and len(calls) == 1
    # The type changes' notes (the transaction findings of these Flyway files have their own).
    notes = [note for *_, code, _, note in serial if note and code == "DSQL102"]
    assert len(notes) == 1 and "V2__b.sql:1 makes tags part of a unique constraint" in notes[0]
