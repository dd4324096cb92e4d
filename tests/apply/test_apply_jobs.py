"""Async jobs on the DSQL path, with DSQL's sys.jobs / sys.wait_for_job emulated in SQL."""

from __future__ import annotations

import io

import pytest
from conftest import Database, ledger_rows

from dsql_lint.apply.connect import Session
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.executor import ExecOptions, Executor
from dsql_lint.apply.jobs import job_id_of, wait_for_job
from dsql_lint.apply.plan import build_plans
from dsql_lint.apply.progress import JsonReporter
from dsql_lint.apply.target import Target

# dsql-facts.md, Asynchronous DDL: CALL sys.wait_for_job returns a boolean, never raises.
EMULATION = """
CREATE SCHEMA sys;
CREATE TABLE sys.jobs (job_id text PRIMARY KEY, status text NOT NULL, details text,
                       object_name text);
CREATE SEQUENCE sys.waits;
CREATE PROCEDURE sys.wait_for_job(id text, INOUT ok boolean DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('sys.waits');
  IF id LIKE 'slow%' THEN PERFORM pg_sleep(30); END IF;
  ok := (SELECT status = 'completed' FROM sys.jobs WHERE job_id = id);
END $$;
"""

MIGRATION = (
    "CREATE TABLE t (id bigint PRIMARY KEY, v text);\n"
    "CREATE INDEX ASYNC t_v ON t (v);\n"
    "CREATE TABLE u (id bigint PRIMARY KEY);\n"
)


class EmulatedDsql(Executor):
    """The DSQL executor; an index statement 'returns' a job whose outcome the test sets."""

    outcome = "completed"

    def _execute(self, conn, step):  # noqa: ANN001, ANN202
        result = super()._execute(conn, step)
        if step.job is None:
            return result
        job_id = f"job-{step.index}"
        conn.execute(
            "INSERT INTO sys.jobs VALUES (%s, %s, %s, %s) ON CONFLICT (job_id)"
            " DO UPDATE SET status = EXCLUDED.status",
            [job_id, self.outcome, "duplicate key" if self.outcome == "failed" else None, "t_v"],
        )
        if self.outcome == "failed":  # what a failed build leaves behind
            conn.execute(
                "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 't_v'::regclass"
            )
        return job_id


def run(db: Database, folder, outcome: str = "completed", **options) -> tuple[str, str | None]:
    plans = build_plans([str(folder)], dsql=False)  # PostgreSQL spelling, DSQL behaviour
    session = Session(Target(kind="postgres", dsn=db.dsn))
    out = io.StringIO()
    executor = EmulatedDsql(session, ExecOptions(**options), JsonReporter(out), dsql=True)
    executor.outcome = outcome
    try:
        executor.run(plans, "emulated")
        return out.getvalue(), None
    except ApplyError as err:
        return out.getvalue(), str(err)
    finally:
        session.close()


@pytest.fixture
def dsql_db(db: Database) -> Database:
    db.execute(EMULATION)
    return db


def waits(db: Database) -> int:
    return db.query("SELECT last_value - 1 + is_called::int FROM sys.waits")[0][0]


def test_async_index_job_is_waited_for_after_commit(dsql_db: Database, migrations) -> None:
    out, error = run(dsql_db, migrations({"V1__a.sql": MIGRATION}))
    assert error is None
    assert waits(dsql_db) == 1
    assert '"job_id": "job-1", "status": "completed"' in out
    assert [(r[2], r[3]) for r in ledger_rows(dsql_db)] == [
        ("applied", None),
        ("applied", "job-1"),
        ("applied", None),
    ]


def test_a_failed_index_build_names_the_index_and_the_drop(dsql_db: Database, migrations) -> None:
    folder = migrations({"V1__a.sql": MIGRATION})
    _, error = run(dsql_db, folder, outcome="failed")
    assert error is not None
    assert "index build t_v on t (job job-1) failed: failed: duplicate key" in error
    assert "index t_v is left INVALID: run `DROP INDEX t_v;`" in error
    assert [(r[2], r[3]) for r in ledger_rows(dsql_db)] == [("applied", None), ("failed", "job-1")]
    assert dsql_db.query("SELECT to_regclass('u')") == [(None,)]  # the run stopped there
    # Re-running without dropping it: the invalid index is found, not silently accepted.
    _, again = run(dsql_db, folder, outcome="failed")
    assert again is not None and "DROP INDEX t_v;" in again
    dsql_db.execute("DROP INDEX t_v")
    _, fixed = run(dsql_db, folder)
    assert fixed is None
    assert {r[2] for r in ledger_rows(dsql_db)} == {"applied"}


def test_an_interrupted_build_without_a_recorded_job_is_not_trusted(
    dsql_db: Database, migrations
) -> None:
    """Crash window: the index exists but is invalid and no job id was recorded."""
    folder = migrations({"V1__a.sql": MIGRATION})
    run(dsql_db, folder)
    dsql_db.execute(
        "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 't_v'::regclass;"
        "UPDATE dsql_lint.statements SET status = 'started', job_id = NULL"
        " WHERE statement_index = 1;"
        "UPDATE dsql_lint.files SET applied_at = NULL;"
    )
    _, error = run(dsql_db, folder)
    assert error is not None and "DROP INDEX t_v;" in error


def test_no_wait_records_the_job_without_waiting(dsql_db: Database, migrations) -> None:
    out, error = run(dsql_db, migrations({"V1__a.sql": MIGRATION}), wait=False)
    assert error is None
    assert waits(dsql_db) == 0
    assert '"status": "not waited"' in out
    assert ledger_rows(dsql_db)[1][2:4] == ("applied", "job-1")


def test_job_timeout_cancels_the_wait(dsql_db: Database) -> None:
    with dsql_db.connect() as conn:
        outcome = wait_for_job(conn, "slow-1", timeout=0.5)
        assert outcome.status == "timeout"
        assert conn.execute("SELECT 1").fetchone() == (1,)  # the connection is still usable


def test_job_id_is_read_from_the_returned_row(dsql_db: Database) -> None:
    with dsql_db.connect() as conn:
        assert job_id_of(conn.execute("SELECT 'x' AS a, 'j-42' AS job_id")) == "j-42"
        assert job_id_of(conn.execute("SELECT 1 AS other")) is None
        assert job_id_of(conn.execute("CREATE TABLE z (id int)")) is None
