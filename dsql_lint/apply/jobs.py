"""Waiting for DSQL's asynchronous DDL jobs (dsql-facts.md, Asynchronous DDL)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from dsql_lint.apply.ddl import AsyncJob, Name, qualified

COMPLETED, FAILED, TIMEOUT = "completed", "failed", "timeout"


@dataclass(frozen=True)
class JobOutcome:
    status: str  # completed, failed, timeout
    details: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == COMPLETED


def job_id_of(cursor: Any) -> str | None:
    """The `job_id` column of the row an ASYNC statement returns, if any."""
    if cursor.description is None:
        return None
    names = [column.name for column in cursor.description]
    if "job_id" not in names:
        return None
    row = cursor.fetchone()
    return (
        None
        if row is None or row[names.index("job_id")] is None
        else str(row[names.index("job_id")])
    )


def wait_for_job(conn: Any, job_id: str, timeout: float | None) -> JobOutcome:
    """`CALL sys.wait_for_job` in autocommit, after the DDL committed.

    It returns a boolean and does not raise: anything but true is a failure. A client-side
    timer cancels the call at `timeout` (DSQL refuses SET statement_timeout).
    """
    import psycopg
    from psycopg import sql

    timer = threading.Timer(timeout, conn.cancel_safe) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        row = conn.execute(
            sql.SQL("CALL sys.wait_for_job({})").format(sql.Literal(job_id))
        ).fetchone()
    except psycopg.errors.QueryCanceled:
        return JobOutcome(TIMEOUT, f"still running after {timeout:g} s")
    finally:
        if timer:
            timer.cancel()
    if row is not None and row[0] is True:
        return JobOutcome(COMPLETED)
    return JobOutcome(FAILED, job_details(conn, job_id))


def job_details(conn: Any, job_id: str) -> str | None:
    """What sys.jobs says about a job (kept about 30 minutes); None if it cannot tell."""
    try:
        row = conn.execute(
            "SELECT status, details FROM sys.jobs WHERE job_id = %s", [job_id]
        ).fetchone()
    except Exception:
        return None
    if row is None:
        return None
    return f"{row[0]}: {row[1]}" if row[1] else str(row[0])


def running_job_for(conn: Any, job: AsyncJob) -> str | None:
    """The job still building an index whose job id was never recorded (crash window)."""
    names = [job.name, qualified((job.table[0], job.name))]
    try:
        row = conn.execute(
            "SELECT job_id FROM sys.jobs WHERE object_name = ANY(%s)"
            " AND status IN ('submitted', 'processing') LIMIT 1",
            [names],
        ).fetchone()
    except Exception:
        return None
    return str(row[0]) if row else None


def failed_index_advice(table: Name, index: str) -> str:
    """dsql-facts.md, Asynchronous DDL: a failed build leaves an invalid index that
    CREATE INDEX ... IF NOT EXISTS would silently accept, so it must be dropped first."""
    schema = table[0]
    target = f"{schema}.{index}" if schema else index
    return f"index {target} is left INVALID: run `DROP INDEX {target};` then apply again"
