"""Running the plan: one unit (transaction) at a time, each recorded in the ledger.

The protocol that keeps the ledger true across crashes (docs/apply.md, "Crash window"):
- DDL cannot share a transaction with a ledger write (dsql-facts.md, Transactions), so an
  intent row (`started`) commits first, then the DDL runs in its own transaction, then the
  row becomes `applied`. A `started` (or `failed`) row found later is reconciled by reading
  the catalog for the statement's effect.
- DML (and queries inside blocks) commit in the same transaction as their `applied` rows.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dsql_lint.apply import copybatch, foreign_ledgers, history, ledger, upkeep
from dsql_lint.apply.connect import Session
from dsql_lint.apply.ddl import AsyncJob, qualified, written
from dsql_lint.apply.errors import ApplyError, CannotConnect, ConnectionLost
from dsql_lint.apply.interrupt import cancelling_on_interrupt
from dsql_lint.apply.jobs import failed_index_advice, job_id_of, running_job_for, wait_for_job
from dsql_lint.apply.ledger import APPLIED, FAILED, NOT_RUN, SKIPPED, STARTED, LedgerState
from dsql_lint.apply.live_catalog import (
    ABSENT,
    VALID,
    effects_hold,
    fingerprint,
    index_state,
    indexes_on,
    readable,
    recorded,
    unnamed_index,
)
from dsql_lint.apply.lock import RunLock
from dsql_lint.apply.migrations import Version
from dsql_lint.apply.plan import DDL, DML, QUERY, SESSION, FilePlan, Step, Unit
from dsql_lint.apply.progress import Reporter
from dsql_lint.apply.retry import (
    ReconnectPolicy,
    RetryPolicy,
    StillUnavailable,
    is_unavailable,
    with_retries,
)
from dsql_lint.lint.schema import Effect

T = TypeVar("T")
DONE = (APPLIED, SKIPPED)
_COPY_ROW = re.compile(r"^COPY [^,]+, line (\d+)")  # PostgreSQL's context of a COPY error

# dsql-facts.md, Transactions: 3,000 rows, 10 MiB, 5 minutes per transaction -> 54000.
BATCH_ADVICE = (
    "the transaction exceeded Aurora DSQL's limits (3,000 modified rows, 10 MiB of changes, "
    "5 minutes): split it into batches of fewer rows, each in its own transaction"
)


@dataclass(frozen=True)
class ExecOptions:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    reconnect: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    job_timeout: float | None = 1800.0
    wait: bool = True
    lock_timeout: float = 600.0
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
        self.lock: RunLock | None = None
        self._current: str = "connecting"
        self._running: Step | None = None  # the statement sent last, for error positions
        # The file's line of the data a COPY sent last, as PostgreSQL's "line N" counts them.
        self._copy_first_line: int | None = None
        self._unit: Unit | None = None  # the unit being run
        # The unit in flight when the connection was lost: found done on resume, this run
        # applied it (it holds the lock), so it is reported applied, not skipped.
        self._unknown: Unit | None = None
        self._reported: set[tuple[str, int]] = set()  # a resume reports each statement once
        self._progress = 0  # statements reported and COPY batches committed
        self._copying: tuple[int, int] | None = None  # a COPY's rows committed, and its rows
        self._started = False

    @property
    def conn(self) -> Any:
        return self.session.conn

    @property
    def sent_any(self) -> bool:
        """Has a migration statement been sent yet (a Ctrl-C before one applied nothing)?"""
        return self._running is not None

    @property
    def current(self) -> str:
        """Where the run is: a statement's file:line, or the phase before the first."""
        return self._current

    def interrupted_at(self) -> str:
        """Where a Ctrl-C stopped the run, with a COPY's rows already committed."""
        if self._copying is None:
            return self._current
        done, total = self._copying
        return f"{self._current} (the COPY stopped with {copybatch.committed(done, total)})"

    # -- the run ---------------------------------------------------------------------------

    def run(self, plans: list[FilePlan], target: str) -> None:
        import psycopg

        try:
            try:
                self._run_reconnecting(plans, target)
            finally:
                self._release_lock()
        except (psycopg.OperationalError, psycopg.InterfaceError) as err:
            if not self._broken():
                raise ApplyError(f"{self._current}: {_first_line(err)}") from None
            raise ConnectionLost(_lost_message(self._current, err)) from None

    def _run_reconnecting(self, plans: list[FilePlan], target: str) -> None:
        """Run; when the connection is lost, reconnect (a new connection signs a new token)
        and resume as a new run would: the ledger is read again and the unit whose outcome
        is unknown is reconciled (DDL) or found committed or not (DML). Gives up after
        `max_reconnects` losses in a row with no statement done in between."""
        policy = self.options.reconnect
        attempt, progress, first = 0, -1, ""
        while True:
            try:
                self._run(plans, target)
                return
            except Exception as err:
                if not self._lost(err):
                    raise
                if self._progress > progress:  # a new outage: count its reconnects afresh
                    attempt, progress, first = 0, self._progress, self._current
                attempt += 1
                if attempt > policy.max_reconnects:
                    if attempt == 1:
                        raise
                    raise ConnectionLost(
                        _lost_message(first, err, gave_up=policy.max_reconnects)
                    ) from None
                self._unknown = self._unit
                delay = policy.delay(attempt)
                self.reporter.event(
                    "reconnect",
                    reason=f"{_loss(err)} at {self._current}: {_first_line(err)}",
                    attempt=attempt,
                    delay=round(delay, 3),
                )
                # What a new run starts with: no connection, no session settings (the file's
                # SET statements run again as the resume passes them).
                self.session.settings = []
                self.session.close()
                time.sleep(delay)

    def _lost(self, err: Exception) -> bool:
        """A connection this run had was lost, or could not be opened again."""
        import psycopg

        if not self.session.connections:
            return False  # the first connection failed: nothing to resume
        if isinstance(err, (CannotConnect, StillUnavailable)):
            return True
        lost = isinstance(err, (psycopg.OperationalError, psycopg.InterfaceError, ApplyError))
        return lost and self._broken()

    def _run(self, plans: list[FilePlan], target: str) -> None:
        if not self._started and not ledger.exists(self.conn):
            self._warn_foreign_ledgers()
        self._current = "creating the ledger"
        self.ensure_ledger()
        self._current = "taking the apply lock"
        if self.lock is None:
            self.lock = RunLock(self.session, self.options.lock_timeout, self.reporter.event)
            self.lock.acquire()
        else:
            self.lock.reacquire()
        self._current = "reading the ledger"
        self.state, adoption = history.adopt(plans, ledger.load(self.conn))
        if adoption:
            self._retrying(lambda: history.persist(self.conn, adoption), None)
        history.check_edits(plans, self.state)
        plans = history.select(plans, self.state, self.options.to, self.options.out_of_order)
        steps = [step for plan in plans for step in plan.steps]
        done = sum(self.state.status(s.file, s.index) in DONE for s in steps)
        if not self._started:
            self._started = True
            self.reporter.event(
                "start",
                files=len(plans),
                statements=len(steps),
                already_applied=done,
                target=target,
                run_id=self.lock.run_id,
            )
        for plan in plans:
            self._run_file(plan)

    def _warn_foreign_ledgers(self) -> None:
        tables = foreign_ledgers.found(self.conn)
        if tables:
            self.reporter.event("warning", message=foreign_ledgers.warning(tables))

    def ensure_ledger(self) -> None:
        upkeep.ensure_ledger(self.conn, lambda attempt: self._retrying(attempt, None))

    def _release_lock(self) -> None:
        import psycopg

        if self.lock is None:
            return
        try:
            self.lock.release()
        except (psycopg.Error, ApplyError):
            # The row stays; its heartbeat stops, so the next run takes it over as stale.
            self.reporter.event(
                "warning", message="could not release the apply lock; it goes stale in 5 minutes"
            )

    def _run_file(self, plan: FilePlan) -> None:
        row = self.state.files.get(plan.name)
        if row is not None and row.applied:
            for step in plan.steps:
                accepted = self.state.not_run(plan.name, step.index)
                self._report(step, NOT_RUN if accepted else "skipped")
            return
        self._current = plan.path
        if row is None or row.checksum != plan.checksum:
            self._retrying(
                lambda: ledger.begin_file(
                    self.conn, plan.name, plan.checksum, len(plan.steps), plan.path
                ),
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
        self._unit = unit
        if self.lock is not None:
            self.lock.check()
        self._refresh(unit.steps)
        statuses = [self.state.status(step.file, step.index) for step in unit.steps]
        if unit.kind == SESSION:
            self._run_session(unit.steps[0], statuses[0])
            return
        if all(status in DONE for status in statuses):
            for step in unit.steps:
                self._report(step, self._found_done())
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
        if unit.kind == QUERY and unit.steps[0].sql and unit.steps[0].analysis.waits_for_job:
            self._fresh_for_wait()
        started = time.monotonic()
        if unit.kind in (DDL, DML):
            if unit.kind == DDL:
                ran = self._run_ddl(unit, statuses)
            else:
                ran = self._run_copy(unit) if unit.batched else self._run_transaction(unit)
            if not ran:
                for step in unit.steps:
                    self._report(step, self._found_done())
                return
        elif unit.kind == QUERY:
            self._run_query(unit.steps[0])
        else:
            self._run_skipped(unit)
            return
        seconds = time.monotonic() - started
        for step in unit.steps:
            self._report(step, "applied", seconds)

    # -- DDL: intent, statement, done --------------------------------------------------------

    def _run_ddl(self, unit: Unit, statuses: list[str | None]) -> bool:
        """Run a DDL unit; False when the ledger shows another run applied it."""
        step = _checked_step(unit)
        row = self.state.statements.get((step.file, step.index))
        # A `failed` row is a statement the server refused: it never took effect, so it is
        # never reconciled, unless it committed and only its async job failed (job_id).
        interrupted = any(status == STARTED for status in statuses) or (
            row is not None and row.status == FAILED and row.job_id is not None
        )
        if interrupted and self._reconcile(step):
            self._record_all(unit.steps, APPLIED)
            return True
        effects = readable(step.analysis.effects)
        before = fingerprint(self.conn, effects) if effects else None
        # The intent, with the catalog as it is now, commits before the DDL runs.
        self._record_all(unit.steps, STARTED, catalog_before=before)
        if self._all_applied(unit.steps):  # the intent did not overwrite another run's row
            return False
        job_ids = self._guarded(unit.steps, lambda: self._retrying(self._ddl_attempt(unit), unit))
        for each, job_id in zip(unit.steps, job_ids, strict=True):
            if job_id is not None:
                self._retrying(
                    lambda s=each, j=job_id: ledger.record(self.conn, s, STARTED, j), None
                )
                self._wait(each, job_id)
        self._record_all(unit.steps, APPLIED)
        return True

    def _ddl_attempt(self, unit: Unit) -> Callable[[], list[str | None]]:
        unknown = False  # the last try's COMMIT may have happened (XX000 server unavailable)

        def attempt() -> list[str | None]:
            nonlocal unknown
            if unknown and self._reconcile(_checked_step(unit)):
                return [None] * len(unit.steps)  # it had committed: a crash in the window
            try:
                if len(unit.steps) == 1:
                    return [self._execute(self.conn, unit.steps[0])]
                with self.conn.transaction():
                    return [self._execute(self.conn, step) for step in unit.steps]
            except Exception as err:
                unknown = is_unavailable(err)
                raise

        return attempt

    def _reconcile(self, step: Step) -> bool:
        """After an interrupted run: did the DDL take effect? (docs/apply.md, Crash window).

        Only a change of the catalog from the state recorded with the intent to the
        statement's effect proves it ran; where the catalog cannot tell, the run stops."""
        row = self.state.statements.get((step.file, step.index))
        effects = readable(step.analysis.effects)
        if not effects:
            self._cannot_tell(step, "its effect cannot be read from the catalog")
        job = step.job
        job_id = row.job_id if row else None
        # A validation interrupted while waiting is waited for; a failed one is run again.
        if job is not None and job.kind == "validate" and job_id and row and row.status == STARTED:
            self._reconciled(step, f"validation job {job_id} recorded: waiting for it")
            self._wait(step, job_id)
            return True
        before = row.catalog_before if row else None
        states = recorded(before, effects)  # None: no usable record of the catalog before
        if states is not None and fingerprint(self.conn, effects) == before:
            self._reconciled(step, "not applied (the catalog is as before): running it again")
            return False
        for effect, state in zip(effects, states or [None] * len(effects), strict=True):
            if unnamed_index(effect):
                return self._reconcile_unnamed_index(step, effect, state)
        if states is None and effects_hold(self.conn, effects):
            # An intent written without the catalog's prior state (an older dsql-lint).
            self._cannot_tell(step, "the catalog shows its effect, but not whether it held before")
        if job is not None and job.kind == "index":
            return self._reconcile_index(step, job, job_id)
        if effects_hold(self.conn, effects):
            self._reconciled(step, "applied (the catalog shows its effect)")
            return True
        if states is None:
            self._reconciled(step, "not applied: running it again")
            return False
        self._cannot_tell(
            step, "the catalog changed since the intent was recorded, but not to its effect"
        )
        return False

    def _reconcile_index(self, step: Step, job: AsyncJob, job_id: str | None) -> bool:
        state = index_state(self.conn, job.table, job.name)
        if state == ABSENT:
            self._reconciled(step, "not applied: running it again")
            return False
        if state == VALID:
            self._reconciled(step, "applied (index is valid)")
            return True
        job_id = job_id or (running_job_for(self.conn, job) if self.dsql else None)
        if job_id is None:
            self._fail([step], f"{step.where}: {failed_index_advice(job.table, job.name)}")
        assert job_id is not None
        self._reconciled(step, f"index build still running as job {job_id}")
        self._wait(step, job_id)
        return True

    def _reconcile_unnamed_index(self, step: Step, effect: Effect, before: Any) -> bool:
        """An unnamed CREATE INDEX: its index is one of the table that the intent did not see
        (`before`: the table's indexes recorded with the intent)."""
        assert effect.table is not None
        table = written(effect.table, effect)
        if not isinstance(before, list):
            self._cannot_tell(step, "no record of the table's indexes before it ran")
        known = {index[0] for index in before}
        new = [index for index in indexes_on(self.conn, table) if index[0] not in known]
        if len(new) != 1:
            self._cannot_tell(step, f"{len(new)} indexes appeared on {qualified(table)} since")
        name, _, valid = new[0]
        if valid:
            self._reconciled(step, f"applied (index {name} appeared and is valid)")
            return True
        return self._reconcile_index(step, AsyncJob("index", table, name), None)

    def _cannot_tell(self, step: Step, why: str) -> None:
        message = (
            f"{step.where}: the last run was interrupted while `{step.first_line}` ran, and "
            f"the catalog cannot tell whether it took effect ({why}). Check the database. "
            "If it did not, `dsql-lint repair` clears its row and the next apply runs it; if "
            f"it did, record that: UPDATE {ledger.SCHEMA}.statements SET status = 'applied' "
            f"WHERE file = '{step.file}' AND statement_index = {step.index}. It is never run "
            "twice silently"
        )
        # The row stays `started`: every run stops here until the user decides.
        self._retrying(lambda: ledger.record(self.conn, step, STARTED, None, message), None)
        self._report(step, "failed")
        raise ApplyError(message)

    def _wait(self, step: Step, job_id: str) -> None:
        if not self.options.wait:
            self.reporter.event(
                "job", file=step.path, **step.position, job_id=job_id, status="not waited"
            )
            return
        self._fresh_for_wait()
        self.reporter.event("job", file=step.path, **step.position, job_id=job_id, status="waiting")
        outcome = wait_for_job(self.conn, job_id, self.options.job_timeout)
        self.reporter.event(
            "job",
            file=step.path,
            **step.position,
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

    def _run_transaction(self, unit: Unit) -> bool:
        """Run a DML unit; False when the ledger shows another run applied it."""

        tries = 0

        def attempt() -> bool:
            nonlocal tries
            tries += 1
            with self.conn.transaction():
                # Re-read inside the transaction, on every try: after a COMMIT of unknown
                # outcome (XX000) the unit may be applied already; on a first try, only by
                # another run.
                if self._all_applied(unit.steps):
                    return tries > 1
                for step in unit.steps:
                    self._execute(self.conn, step)
                for step in unit.steps:
                    ledger.record(self.conn, step, APPLIED)
                return True

        return self._guarded(unit.steps, lambda: self._retrying(attempt, unit))

    def _run_copy(self, unit: Unit) -> bool:
        """Run a COPY's rows in batches DSQL accepts, each committed with the ledger row that
        counts the rows in, so a resume continues after the last batch that committed;
        False when the ledger shows another run applied it."""
        step = unit.steps[0]
        assert step.copy_data is not None and step.sql is not None
        rows = copybatch.rows_of(step.text, step.copy_data)
        if not len(rows):
            return self._run_transaction(unit)
        known = (0, rows.digest())  # the checksum of the first rows, fed as batches commit
        sent = False

        def prefix(count: int) -> Any:
            fed, digest = known
            if fed > count:
                fed, digest = 0, rows.digest()
            digest = digest.copy()
            copybatch.feed(digest, rows.rows[fed:count])
            return digest

        def attempt() -> tuple[int, Any] | None:
            nonlocal sent
            with cancelling_on_interrupt(self.conn):
                with self.conn.transaction():
                    # Re-read on every try: after a COMMIT of unknown outcome (XX000) the batch
                    # may be in already.
                    row = ledger.reread(self.conn, [step], for_update=True).get(
                        (step.file, step.index)
                    )
                    if row is not None:
                        self.state.statements[(step.file, step.index)] = row
                    if row is not None and row.status in DONE:
                        return None
                    done = (row.rows_done or 0) if row is not None else 0
                    self._copying = (done, len(rows))
                    digest = prefix(done)
                    if done and row is not None and digest.hexdigest() != row.rows_sha256:
                        raise ApplyError(
                            f"{step.where}: the first {done:,} rows of this COPY were committed, "
                            "and have been edited since: restore them (only rows not yet copied "
                            "may change)"
                        )
                    first, end = next(rows.batches(done))
                    # The server counts the header, sent again with each batch, as line 1.
                    skipped = rows.lines_before(first) - bool(rows.header)
                    self._copy(step, rows.data(first, end), skipped)
                    sent = True
                    copybatch.feed(digest, rows.rows[first:end])
                    status = APPLIED if end == len(rows) else STARTED
                    ledger.record(self.conn, step, status, progress=(end, digest.hexdigest()))
                self._copying = (end, len(rows))  # committed
            return end, digest

        while True:
            if self.lock is not None:
                self.lock.check()  # a run whose lock was taken over stops between batches
            batch = self._guarded([step], lambda: self._retrying(attempt, unit))
            if batch is None:
                return sent
            known = batch
            self._progress += 1
            self.reporter.event(
                "copy", file=step.path, **step.position, rows=batch[0], total=len(rows)
            )
            if batch[0] == len(rows):
                self._copying = None
                return True

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
            self._report(step, self._found_done())
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
        self._running = step
        if step.copy_data is not None:
            self._copy(step, copy_rows(step.copy_data), 0)
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

    def _copy(self, step: Step, data: str, skipped: int) -> None:
        """Send `data` as the rows of `step`'s COPY; `skipped`: the lines of the file's data
        before those sent (rows an earlier batch sent)."""
        self._current = step.where
        self._running = step
        self._copy_first_line = None if step.copy_line is None else step.copy_line + skipped
        with self.conn.cursor() as cursor, cursor.copy(step.sql) as copy:
            copy.write(data)

    # -- helpers -------------------------------------------------------------------------

    def _retrying(self, attempt: Callable[[], T], unit: Unit | None) -> T:
        first = unit.steps[0] if unit and unit.steps else None
        where = first.path if first else self._current

        def on_retry(n: int, delay: float, err: BaseException) -> None:
            self.counts["retries"] += 1
            self.reporter.event(
                "retry",
                file=where,
                **(first.position if first else {}),
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
        except StillUnavailable:
            raise  # not the statement's failure: the run reconnects (_run_reconnecting)
        except ApplyError as err:
            if self._broken():
                raise
            self._fail(steps, str(err))
        except psycopg.Error as err:
            if self._broken():
                raise
            running = self._running if self._running in steps else None
            message, fields = server_error(err, running, self._current, self._copy_first_line)
            self._fail(steps, message, fields=fields)

    def _fail(
        self,
        steps: list[Step],
        message: str,
        job_id: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Any:
        for step in steps:
            self._retrying(
                lambda s=step: ledger.record(self.conn, s, FAILED, job_id, message), None
            )
            self._report(step, "failed")
        raise ApplyError(message, **(fields or {}))

    def _refresh(self, steps: list[Step]) -> None:
        for key, row in ledger.reread(self.conn, steps).items():
            self.state.statements[key] = row

    def _all_applied(self, steps: list[Step]) -> bool:
        rows = ledger.reread(self.conn, steps)
        for key, row in rows.items():
            self.state.statements[key] = row
        return all(self.state.status(step.file, step.index) in DONE for step in steps)

    def _record_all(
        self, steps: list[Step], status: str, catalog_before: str | None = None
    ) -> None:
        for step in steps:
            self._retrying(
                lambda s=step: ledger.record(self.conn, s, status, catalog_before=catalog_before),
                None,
            )

    def _reconciled(self, step: Step, outcome: str) -> None:
        self.reporter.event("reconcile", file=step.path, **step.position, outcome=outcome)

    def _found_done(self) -> str:
        """How the current unit is reported when the ledger shows it done: by another run,
        or by this one before its connection was lost."""
        return "applied" if self._unit is not None and self._unit is self._unknown else "skipped"

    def _fresh_for_wait(self) -> None:
        """A job wait is one long call, so the connection-age check between units cannot
        run during it: a connection that could reach the cap while waiting is replaced first
        (a wait without a timeout always starts on a new connection)."""
        if self.session.refresh_for(self.options.job_timeout or math.inf):
            self.reporter.event("reconnect", reason="connection age, before a job wait")

    def _report(self, step: Step, status: str, seconds: float | None = None) -> None:
        if (step.file, step.index) in self._reported:
            return  # reported before a reconnect; the resume passes it again
        self._reported.add((step.file, step.index))
        self._progress += 1
        self.counts[status] += 1
        self.reporter.event(
            "statement",
            file=step.path,
            **step.position,
            index=step.index,
            status=status,
            sql=step.first_line,
            seconds=None if seconds is None else round(seconds, 3),
        )

    def _broken(self) -> bool:
        conn = self.session._conn
        return conn is None or conn.closed or conn.broken


def _checked_step(unit: Unit) -> Step:
    """The statement of a DDL unit whose effect the catalog shows."""
    return next((s for s in unit.steps if s.kind in (DDL, "other")), unit.steps[0])


def copy_rows(data: str) -> str:
    """COPY data without the `\\.` end marker (psql's framing, not part of the rows)."""
    lines = data.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip("\r") == "\\.":
            lines = lines[:i]
            break
    text = "\n".join(lines)
    return text if not text or text.endswith("\n") else text + "\n"


def server_error(
    err: Any, step: Step | None, where: str, copy_first_line: int | None = None
) -> tuple[str, dict[str, Any]]:
    """The server's error as the user needs it: the line PostgreSQL points at inside the
    statement (or, in a COPY's rows, the row's line: `copy_first_line` is the file's line of
    the first line sent), its SQLSTATE, DETAIL and HINT, and what to do about DSQL's limits."""
    diag = getattr(err, "diag", None)
    sqlstate = getattr(err, "sqlstate", None)
    fields: dict[str, Any] = {"sqlstate": sqlstate}
    if step is not None:
        line = step.line
        position = getattr(diag, "statement_position", None)
        if position and step.sql and str(position).isdigit():
            line += step.sql[: int(position) - 1].count("\n")
        row = _COPY_ROW.search(getattr(diag, "context", None) or "")
        if step.copy_data is not None and copy_first_line is not None and row:
            line = copy_first_line + int(row.group(1)) - 1
        where = f"{step.path}:{line}"
        if step.column and line == step.line:  # the line holds another statement too
            where += f":{step.column}"
        fields.update(file=step.path, line=line, statement_line=step.line)
    message = f"{where}: {_first_line(err)}"
    if sqlstate:
        message += f" [SQLSTATE {sqlstate}]"
    for label, text in (
        ("DETAIL", getattr(diag, "message_detail", None)),
        ("HINT", getattr(diag, "message_hint", None)),
    ):
        if text:
            message += f"\n  {label}: {text}"
            fields[label.lower()] = text
    if sqlstate == "54000":
        message += f"\n  {BATCH_ADVICE}"
    elif sqlstate == "0A000":
        message += "\n  Aurora DSQL does not support this: see `dsql-lint check`"
    return message, fields


def _lost_message(where: str, err: BaseException, gave_up: int = 0) -> str:
    tries = f" (gave up after {gave_up} reconnect{'s' * (gave_up != 1)})" if gave_up else ""
    return (
        f"{_loss(err)} at {where}: {_first_line(err)}{tries}. The ledger records how far "
        "the run got: run apply again to resume"
    )


def _loss(err: BaseException) -> str:
    return "server unavailable" if isinstance(err, StillUnavailable) else "connection lost"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
