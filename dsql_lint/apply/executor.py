"""Running the plan: one unit (transaction) at a time, each recorded in the ledger.

The protocol that keeps the ledger true across crashes (docs/apply.md, "Crash window"):
- DDL cannot share a transaction with a ledger write (dsql-facts.md, Transactions), so an
  intent row (`started`) commits first, then the DDL runs in its own transaction, then the
  row becomes `applied`. A `started` (or `failed`) row found later is reconciled by reading
  the catalog for the statement's effect.
- DML (and queries inside blocks) commit in the same transaction as their `applied` rows.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dsql_lint.apply import history, ledger
from dsql_lint.apply.connect import Session
from dsql_lint.apply.errors import ApplyError, ConnectionLost
from dsql_lint.apply.jobs import failed_index_advice, job_id_of, running_job_for, wait_for_job
from dsql_lint.apply.ledger import APPLIED, FAILED, SKIPPED, STARTED, LedgerState
from dsql_lint.apply.live_catalog import ABSENT, VALID, effects_hold, index_state, readable
from dsql_lint.apply.migrations import Version
from dsql_lint.apply.plan import DDL, DML, QUERY, SESSION, FilePlan, Step, Unit
from dsql_lint.apply.progress import Reporter
from dsql_lint.apply.retry import RetryPolicy, with_retries

T = TypeVar("T")
DONE = (APPLIED, SKIPPED)

# dsql-facts.md, Transactions: 3,000 rows, 10 MiB, 5 minutes per transaction -> 54000.
BATCH_ADVICE = (
    "the transaction exceeded Aurora DSQL's limits (3,000 modified rows, 10 MiB of changes, "
    "5 minutes): split it into batches of fewer rows, each in its own transaction"
)


@dataclass(frozen=True)
class ExecOptions:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    job_timeout: float | None = 1800.0
    wait: bool = True
    to: Version | None = None  # apply --to: no versioned file above it
    out_of_order: bool = False


class Executor:
    def __init__(
        self, session: Session, options: ExecOptions, reporter: Reporter, dsql: bool
    ) -> None:
        self.session = session
        self.options = options
        self.reporter = reporter
        self.dsql = dsql
        self.counts: Counter[str] = Counter()
        self.state = LedgerState.empty()
        self._current: str = "connecting"

    @property
    def conn(self) -> Any:
        return self.session.conn

    # -- the run ---------------------------------------------------------------------------

    def run(self, plans: list[FilePlan], target: str) -> None:
        import psycopg

        try:
            self._run(plans, target)
        except (psycopg.OperationalError, psycopg.InterfaceError) as err:
            if not self._broken():
                raise ApplyError(f"{self._current}: {_first_line(err)}") from None
            raise ConnectionLost(
                f"connection lost at {self._current}: {_first_line(err)}. The ledger records "
                "how far the run got: run apply again to resume"
            ) from None

    def _run(self, plans: list[FilePlan], target: str) -> None:
        self._current = "creating the ledger"
        self.ensure_ledger()
        self.state, adoption = history.adopt(plans, ledger.load(self.conn))
        if adoption:
            self._retrying(lambda: history.persist(self.conn, adoption), None)
        history.check_edits(plans, self.state)
        plans = history.select(plans, self.state, self.options.to, self.options.out_of_order)
        steps = [step for plan in plans for step in plan.steps]
        done = sum(self.state.status(s.file, s.index) in DONE for s in steps)
        self.reporter.event(
            "start",
            files=len(plans),
            statements=len(steps),
            already_applied=done,
            target=target,
        )
        for plan in plans:
            self._run_file(plan)

    def ensure_ledger(self) -> None:
        for statement in ledger.create_statements(self.conn):
            # One DDL per transaction (dsql-facts.md, Transactions); DDL hits OC001 too.
            self._retrying(lambda s=statement: self.conn.execute(s), None)

    def _run_file(self, plan: FilePlan) -> None:
        row = self.state.files.get(plan.name)
        if row is not None and row.applied:
            for step in plan.steps:
                self._report(step, "skipped")
            return
        self._current = plan.path
        if row is None or row.checksum != plan.checksum:
            self._retrying(
                lambda: ledger.begin_file(self.conn, plan.name, plan.checksum, len(plan.steps)),
                None,
            )
        for unit in plan.units:
            self._run_unit(unit)
        self._retrying(lambda: ledger.finish_file(self.conn, plan.name), None)
        self.session.reset()

    def _run_unit(self, unit: Unit) -> None:
        if not unit.steps:
            return
        self._current = unit.where
        statuses = [self.state.status(step.file, step.index) for step in unit.steps]
        if unit.kind == SESSION:
            self._run_session(unit.steps[0], statuses[0])
            return
        if all(status in DONE for status in statuses):
            for step in unit.steps:
                self._report(step, "skipped")
            return
        if unit.refusal:
            message = (
                f"{unit.where}: transaction block refused before running it: {unit.refusal} "
                "(Aurora DSQL refuses it the same way: give each DDL a transaction of its own, "
                "apart from DML)"
            )
            self._fail(unit.steps, message)
        if self.session.refresh_if_old():
            self.reporter.event("reconnect", reason="connection age cap")
        started = time.monotonic()
        if unit.kind == DDL:
            self._run_ddl(unit, statuses)
        elif unit.kind == DML:
            self._run_transaction(unit)
        elif unit.kind == QUERY:
            self._run_query(unit.steps[0])
        else:
            self._run_skipped(unit)
            return
        seconds = time.monotonic() - started
        for step in unit.steps:
            self._report(step, "applied", seconds)

    # -- DDL: intent, statement, done --------------------------------------------------------

    def _run_ddl(self, unit: Unit, statuses: list[str | None]) -> None:
        if any(status in (STARTED, FAILED) for status in statuses) and self._reconcile(unit):
            self._record_all(unit.steps, APPLIED)
            return
        self._record_all(unit.steps, STARTED)  # the intent commits before the DDL runs
        job_ids = self._guarded(unit.steps, lambda: self._retrying(self._ddl_attempt(unit), unit))
        for step, job_id in zip(unit.steps, job_ids, strict=True):
            if job_id is not None:
                self._retrying(
                    lambda s=step, j=job_id: ledger.record(self.conn, s, STARTED, j), None
                )
                self._wait(step, job_id)
        self._record_all(unit.steps, APPLIED)

    def _ddl_attempt(self, unit: Unit) -> Callable[[], list[str | None]]:
        def attempt() -> list[str | None]:
            if len(unit.steps) == 1:
                return [self._execute(self.conn, unit.steps[0])]
            with self.conn.transaction():
                return [self._execute(self.conn, step) for step in unit.steps]

        return attempt

    def _reconcile(self, unit: Unit) -> bool:
        """After an interrupted run: did the DDL take effect? (docs/apply.md, Crash window)."""
        step = next((s for s in unit.steps if s.kind in (DDL, "other")), unit.steps[0])
        row = self.state.statements.get((step.file, step.index))
        effects = readable(step.analysis.effects)
        job = step.job
        if not effects:
            self._reconciled(step, "its effect cannot be read from the catalog: running it again")
            return False
        if job is not None and job.kind == "index":
            state = index_state(self.conn, job.table, job.name)
            if state == ABSENT:
                self._reconciled(step, "not applied: running it again")
                return False
            if state == VALID:
                self._reconciled(step, "applied (index is valid)")
                return True
            job_id = (row.job_id if row else None) or (
                running_job_for(self.conn, job) if self.dsql else None
            )
            if job_id is None:
                self._fail([step], f"{step.where}: {failed_index_advice(job.table, job.name)}")
            self._reconciled(step, f"index build still running as job {job_id}")
            self._wait(step, job_id)
            return True
        if effects_hold(self.conn, effects):
            self._reconciled(step, "applied (the catalog shows its effect)")
            return True
        if job is not None and row is not None and row.job_id:
            self._reconciled(step, f"validation job {row.job_id} recorded: waiting for it")
            self._wait(step, row.job_id)
            return True
        self._reconciled(step, "not applied: running it again")
        return False

    def _wait(self, step: Step, job_id: str) -> None:
        if not self.options.wait:
            self.reporter.event(
                "job", file=step.path, line=step.line, job_id=job_id, status="not waited"
            )
            return
        self.reporter.event("job", file=step.path, line=step.line, job_id=job_id, status="waiting")
        outcome = wait_for_job(self.conn, job_id, self.options.job_timeout)
        self.reporter.event(
            "job",
            file=step.path,
            line=step.line,
            job_id=job_id,
            status=outcome.status,
            detail=outcome.details,
        )
        if outcome.ok:
            return
        what = step.job.describe() if step.job else "job"
        message = f"{step.where}: {what} (job {job_id}) {outcome.status}"
        if outcome.details:
            message += f": {outcome.details}"
        if step.job is not None and step.job.kind == "index" and outcome.status != "timeout":
            message += "; " + failed_index_advice(step.job.table, step.job.name)
        elif outcome.status == "timeout":
            message += "; it may still finish: run apply again to wait for it"
        self._fail([step], message, job_id=job_id)

    # -- DML and queries: statements and done rows in one transaction -------------------------

    def _run_transaction(self, unit: Unit) -> None:
        def attempt() -> None:
            with self.conn.transaction():
                for step in unit.steps:
                    self._execute(self.conn, step)
                for step in unit.steps:
                    ledger.record(self.conn, step, APPLIED)

        self._guarded(unit.steps, lambda: self._retrying(attempt, unit))

    def _run_query(self, step: Step) -> None:
        # Autocommit: `CALL sys.wait_for_job` must run outside a transaction
        # (dsql-facts.md, Asynchronous DDL). Re-running a query after a crash is harmless.
        self._guarded([step], lambda: self._retrying(lambda: self._execute(self.conn, step), None))
        self._record_all([step], APPLIED)

    def _run_session(self, step: Step, status: str | None) -> None:
        # Settings are replayed on every run and reconnect: they shape what follows.
        if step.sql:
            self._guarded([step], lambda: self.conn.execute(step.sql))
            self.session.settings.append(step.sql)
        if status in DONE:
            self._report(step, "skipped")
            return
        self._record_all([step], APPLIED)
        self._report(step, "applied")

    def _run_skipped(self, unit: Unit) -> None:
        for step in unit.steps:
            why = "rolled back" if unit.block else "psql meta-command, not run"
            self.reporter.event("warning", message=f"{step.where}: {why}: {step.first_line}")
            self._record_all([step], SKIPPED)
            self._report(step, "skipped")

    def _execute(self, conn: Any, step: Step) -> str | None:
        """Run one statement; the job id if it started an async job."""
        if step.sql is None:
            return None
        self._current = step.where
        if step.copy_data is not None:
            with conn.cursor() as cursor, cursor.copy(step.sql) as copy:
                copy.write(copy_rows(step.copy_data))
            return None
        cursor = conn.execute(step.sql)
        if step.analysis.waits_for_job:
            row = cursor.fetchone()
            if not row or row[0] is not True:
                raise ApplyError(
                    f"{step.where}: sys.wait_for_job returned {row[0] if row else None}: "
                    "the job failed or timed out"
                )
            return None
        return job_id_of(cursor)

    # -- helpers -------------------------------------------------------------------------

    def _retrying(self, attempt: Callable[[], T], unit: Unit | None) -> T:
        where = unit.where if unit else self._current

        def on_retry(n: int, delay: float, err: BaseException) -> None:
            self.counts["retries"] += 1
            self.reporter.event(
                "retry",
                file=where.rsplit(":", 1)[0],
                line=int(where.rsplit(":", 1)[1]) if ":" in where else None,
                attempt=n,
                delay=round(delay, 3),
                sqlstate=getattr(err, "sqlstate", None),
                error=_first_line(err),
            )

        return with_retries(attempt, self.options.retry, on_retry)

    def _guarded(self, steps: list[Step], action: Callable[[], T]) -> T:
        """Run `action`; a statement error is recorded as `failed` and ends the run."""
        import psycopg

        try:
            return action()
        except ApplyError as err:
            if self._broken():
                raise
            self._fail(steps, str(err))
        except psycopg.Error as err:
            if self._broken():
                raise
            self._fail(steps, f"{self._current}: {explain(err)}")

    def _fail(self, steps: list[Step], message: str, job_id: str | None = None) -> Any:
        for step in steps:
            self._retrying(
                lambda s=step: ledger.record(self.conn, s, FAILED, job_id, message), None
            )
            self._report(step, "failed")
        raise ApplyError(message)

    def _record_all(self, steps: list[Step], status: str) -> None:
        for step in steps:
            self._retrying(lambda s=step: ledger.record(self.conn, s, status), None)

    def _reconciled(self, step: Step, outcome: str) -> None:
        self.reporter.event("reconcile", file=step.path, line=step.line, outcome=outcome)

    def _report(self, step: Step, status: str, seconds: float | None = None) -> None:
        self.counts[status] += 1
        self.reporter.event(
            "statement",
            file=step.path,
            line=step.line,
            index=step.index,
            status=status,
            sql=step.first_line,
            seconds=None if seconds is None else round(seconds, 3),
        )

    def _broken(self) -> bool:
        conn = self.session._conn
        return conn is None or conn.closed or conn.broken


def copy_rows(data: str) -> str:
    """COPY data without the `\\.` end marker (psql's framing, not part of the rows)."""
    lines = data.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip("\r") == "\\.":
            lines = lines[:i]
            break
    text = "\n".join(lines)
    return text if not text or text.endswith("\n") else text + "\n"


def explain(err: Any) -> str:
    sqlstate = getattr(err, "sqlstate", None)
    message = _first_line(err)
    if sqlstate:
        message += f" [SQLSTATE {sqlstate}]"
    if sqlstate == "54000":
        message += f"; {BATCH_ADVICE}"
    elif sqlstate == "0A000":
        message += "; Aurora DSQL does not support this: see `dsql-lint check`"
    return message


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
