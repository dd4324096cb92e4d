"""DSQL's asynchronous index builds, emulated on the test PostgreSQL for the executor's DSQL
path (dsql-facts.md, Asynchronous DDL): an index statement "returns" a job id and its index
stays invalid, as while a cluster builds it, until `CALL sys.wait_for_job` completes the job.
Each wait is recorded with the backend that ran it."""

from __future__ import annotations

from typing import Any

from dsql_lint.apply.executor import Executor

EMULATION = """
CREATE SCHEMA sys;
CREATE TABLE sys.jobs (job_id text PRIMARY KEY, status text NOT NULL, details text,
                       object_name text);
CREATE TABLE sys.waits (job_id text NOT NULL, pid integer NOT NULL);
CREATE PROCEDURE sys.wait_for_job(id text, INOUT ok boolean DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sys.waits VALUES (id, pg_backend_pid());
  UPDATE sys.jobs SET status = 'completed' WHERE job_id = id;
  UPDATE pg_index SET indisvalid = true
  WHERE indexrelid = (SELECT object_name FROM sys.jobs WHERE job_id = id)::regclass;
  ok := true;
END $$;
"""


class BuildingDsql(Executor):
    """The DSQL executor against PostgreSQL plans (CREATE INDEX without ASYNC), whose index
    statements start a job that leaves the index building (invalid) until waited for."""

    def _execute(self, conn: Any, step: Any) -> str | None:
        result = super()._execute(conn, step)
        if step.job is None or step.job.kind != "index":
            return result
        job_id = f"job-{step.index}"
        conn.execute(
            "INSERT INTO sys.jobs VALUES (%s, 'processing', NULL, %s)"
            " ON CONFLICT (job_id) DO UPDATE SET status = 'processing'",
            [job_id, step.job.name],
        )
        conn.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass",
            [step.job.name],
        )
        return job_id
