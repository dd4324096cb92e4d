"""A connection lost within a run: the run reconnects and resumes as a new run would, so a
COMMIT whose answer was lost and a job wait cut short are each done exactly once; after
`--max-reconnects` losses in a row it stops as it always did, and the next run resumes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import Database, ledger_rows, run_cli
from job_emulation import EMULATION, BuildingDsql
from pg_proxy import Proxy

from dsql_lint.apply.connect import Session
from dsql_lint.apply.executor import ExecOptions
from dsql_lint.apply.plan import build_plans
from dsql_lint.apply.progress import JsonReporter
from dsql_lint.apply.retry import ReconnectPolicy
from dsql_lint.apply.target import Target

ROWS = (
    "CREATE TABLE t (id bigint PRIMARY KEY, v text);\n"
    "BEGIN;\n"
    "INSERT INTO t VALUES (1, 'a');\n"
    "INSERT INTO t VALUES (2, 'b');\n"
    "COMMIT;\n"
    "CREATE TABLE u (id bigint PRIMARY KEY);\n"
)


def proxied(db: Database, port: int) -> str:
    return f"host=127.0.0.1 port={port} dbname={db.name} user=postgres sslmode=disable"


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def named(out: str, name: str) -> list[dict]:
    return [e for e in events(out) if e["event"] == name]


@pytest.mark.parametrize("after", [False, True], ids=["commit-never-sent", "commit-answer-lost"])
def test_a_commit_cut_off_is_resumed_and_its_rows_written_once(
    db: Database, migrations, after: bool
) -> None:
    """Cut at the block's COMMIT: before it reached the server (rolled back: run again) or
    after the server committed it (outcome unknown: found committed, not run again)."""
    folder = migrations({"V1__rows.sql": ROWS})
    with Proxy(db.server.port, cut_on="COMMIT", cut_after=after) as proxy:
        result = run_cli("apply", str(folder), "--format", "json", "--dsn", proxied(db, proxy.port))
    assert proxy.cuts == 1
    assert result.code == 0, result.output
    (reconnect,) = named(result.out, "reconnect")
    assert reconnect["reason"].startswith("connection lost at ")
    assert "V1__rows.sql:4: " in reconnect["reason"]  # the block's last statement
    assert reconnect["attempt"] == 1 and reconnect["delay"] == 0
    assert db.query("SELECT id, v FROM t ORDER BY id") == [(1, "a"), (2, "b")]
    assert {row[2] for row in ledger_rows(db)} == {"applied"}
    statements = named(result.out, "statement")
    # Each statement once, as applied: the block's too, found committed or run again.
    assert [(e["line"], e["status"]) for e in statements] == [
        (1, "applied"),
        (3, "applied"),
        (4, "applied"),
        (6, "applied"),
    ]
    (done,) = named(result.out, "done")
    assert (done["applied"], done["skipped"], done["exit"]) == (4, 0, 0)


@pytest.mark.parametrize("after", [False, True], ids=["wait-never-sent", "wait-answer-lost"])
def test_a_job_wait_cut_off_is_resumed_and_the_index_built_once(
    db: Database, migrations, after: bool
) -> None:
    """Cut at `CALL sys.wait_for_job`: the index statement committed and its job was
    recorded, so the resume reconciles it from the catalog (an index still building, whose
    job is known, is waited for again; a valid one is done) and never runs it again."""
    db.execute(EMULATION)
    folder = migrations(
        {
            "V1__a.sql": "CREATE TABLE t (id bigint PRIMARY KEY, v text);\n"
            "CREATE INDEX ASYNC t_v ON t (v);\n"
            "CREATE TABLE u (id bigint PRIMARY KEY);\n"
        }
    )
    out = io.StringIO()
    with Proxy(db.server.port, cut_on="wait_for_job", cut_after=after) as proxy:
        session = Session(Target(kind="postgres", dsn=proxied(db, proxy.port)))
        executor = BuildingDsql(session, ExecOptions(), JsonReporter(out), dsql=True)
        try:
            executor.run(build_plans([str(folder)], dsql=False), "emulated")
        finally:
            session.close()
    assert proxy.cuts == 1
    assert db.query("SELECT job_id FROM sys.waits") == [("job-1",)]
    assert db.query(
        "SELECT indexrelid::regclass::text, indisvalid FROM pg_index"
        " WHERE indrelid = 't'::regclass AND NOT indisprimary"
    ) == [("t_v", True)]
    assert [(r[1], r[2], r[3]) for r in ledger_rows(db)] == [
        (0, "applied", None),
        (1, "applied", "job-1"),
        (2, "applied", None),
    ]
    (reconnect,) = named(out.getvalue(), "reconnect")
    assert "V1__a.sql:2" in reconnect["reason"]
    (reconcile,) = named(out.getvalue(), "reconcile")
    expected = "applied (index is valid)" if after else "index build still running as job job-1"
    assert reconcile["outcome"] == expected
    assert [e["status"] for e in named(out.getvalue(), "statement")] == ["applied"] * 3


def test_losses_in_a_row_stop_the_run_as_before_and_the_next_run_resumes(
    db: Database, migrations, tmp_path: Path
) -> None:
    """Every try of the same statement is cut: after --max-reconnects reconnects the run
    stops with the error of a lost connection (exit 1); a later run applies the rest."""
    folder = migrations({"V1__rows.sql": ROWS})
    with Proxy(db.server.port, cut_on="CREATE TABLE u", cut_on_times=100) as proxy:
        result = run_cli(
            "apply",
            str(folder),
            "--format",
            "json",
            "--max-reconnects",
            "2",
            "--dsn",
            proxied(db, proxy.port),
        )
    assert result.code == 1, result.output
    assert proxy.cuts == 3
    assert [e["attempt"] for e in named(result.out, "reconnect")] == [1, 2]
    (error,) = named(result.out, "error")
    assert error["message"].startswith("connection lost at ")
    assert "V1__rows.sql:6" in error["message"]
    assert "(gave up after 2 reconnects)" in error["message"]
    assert error["message"].endswith("run apply again to resume")
    assert db.query("SELECT to_regclass('u')") == [(None,)]
    again = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert db.query("SELECT count(*) FROM t") == [(2,)]
    assert {row[2] for row in ledger_rows(db)} == {"applied"}


def test_progress_between_losses_starts_the_count_again(db: Database, migrations) -> None:
    """Two losses at two different statements with --max-reconnects 1 (each statement ran,
    its answer was lost): each is a new outage, a statement was done in between, so the run
    goes on."""
    folder = migrations({"V1__rows.sql": ROWS})
    with Proxy(
        db.server.port, cut_on="(id bigint PRIMARY KEY", cut_on_times=2, cut_after=True
    ) as proxy:
        result = run_cli(
            "apply",
            str(folder),
            "--format",
            "json",
            "--max-reconnects",
            "1",
            "--dsn",
            proxied(db, proxy.port),
        )
    assert proxy.cuts == 2
    assert result.code == 0, result.output
    assert [e["attempt"] for e in named(result.out, "reconnect")] == [1, 1]
    assert [e["line"] for e in named(result.out, "reconcile")] == [1, 6]
    assert db.query("SELECT count(*) FROM t") == [(2,)]


def test_the_delays_grow_from_an_immediate_first_reconnect() -> None:
    policy = ReconnectPolicy(base=1.0, cap=8.0)
    assert policy.delay(1) == 0.0
    for attempt, ceiling in ((2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)):
        assert ceiling / 2 <= policy.delay(attempt) <= ceiling


def test_the_text_output_says_where_the_connection_was_lost_and_how_it_resumed(
    db: Database, migrations
) -> None:
    folder = migrations({"V1__rows.sql": ROWS})
    with Proxy(db.server.port, cut_on="CREATE TABLE u", cut_after=True) as proxy:
        result = run_cli("apply", str(folder), "--dsn", proxied(db, proxy.port))
    assert result.code == 0, result.output
    lines = result.err.splitlines()
    (reconnect,) = [line for line in lines if line.startswith("reconnect (")]
    assert "connection lost at " in reconnect and "V1__rows.sql:6: " in reconnect
    assert reconnect.endswith("; attempt 1 in 0.00 s")
    (resume,) = [line for line in lines if line.startswith("resume ")]
    assert resume.endswith("V1__rows.sql:6  interrupted: applied (the catalog shows its effect)")
    assert lines[-1].startswith("done: 4 applied, 0 already applied, 0 failed in ")


@pytest.mark.parametrize(
    "text, line", [("CREATE TABLE u", 6), ("VALUES (2, 'b')", 4)], ids=["ddl", "block"]
)
def test_server_unavailable_past_its_retries_reconnects_and_resumes(
    db: Database, migrations, text: str, line: int
) -> None:
    """XX000 `server unavailable` on every try on one connection: once its retries are used
    up, the run reconnects as for a lost connection and a new connection applies the unit;
    nothing is recorded as failed."""
    folder = migrations({"V1__rows.sql": ROWS})
    with Proxy(db.server.port, unavailable_on=text) as proxy:
        result = run_cli(
            "apply",
            str(folder),
            "--format",
            "json",
            "--max-retries",
            "2",
            "--dsn",
            proxied(db, proxy.port),
        )
    assert result.code == 0, result.output
    assert proxy.unavailable == 3  # the first try and its 2 retries
    assert [e["sqlstate"] for e in named(result.out, "retry")] == ["XX000", "XX000"]
    (reconnect,) = named(result.out, "reconnect")
    assert reconnect["reason"].startswith(f"server unavailable at {folder}/V1__rows.sql:{line}: ")
    assert "gave up after 2 retries of `server unavailable` (XX000)" in reconnect["reason"]
    assert db.query("SELECT id, v FROM t ORDER BY id") == [(1, "a"), (2, "b")]
    assert db.query("SELECT to_regclass('u') IS NOT NULL") == [(True,)]
    assert {row[2] for row in ledger_rows(db)} == {"applied"}
    assert [e["status"] for e in named(result.out, "statement")] == ["applied"] * 4


def test_server_unavailable_on_every_connection_stops_as_a_lost_connection_does(
    db: Database, migrations
) -> None:
    """Unavailable on each new connection too: after --max-reconnects the run stops (exit 1),
    the statement is left to be reconciled, not recorded as failed, and the next run applies
    it."""
    folder = migrations({"V1__rows.sql": ROWS})
    with Proxy(db.server.port, unavailable_on="CREATE TABLE u", unavailable_conns=100) as proxy:
        result = run_cli(
            "apply",
            str(folder),
            "--format",
            "json",
            "--max-retries",
            "1",
            "--max-reconnects",
            "2",
            "--dsn",
            proxied(db, proxy.port),
        )
    assert result.code == 1, result.output
    assert proxy.unavailable == 6  # 2 tries on each of 3 connections
    (error,) = named(result.out, "error")
    assert error["message"].startswith(f"server unavailable at {folder}/V1__rows.sql:6: ")
    assert "(gave up after 2 reconnects)" in error["message"]
    assert [row[2] for row in ledger_rows(db)][-1] == "started"
    again = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert {row[2] for row in ledger_rows(db)} == {"applied"}
