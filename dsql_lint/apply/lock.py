"""One `apply` at a time per target, without advisory locks (DSQL has none).

The lock is a row of `dsql_lint.lock`: the INSERT that creates it is arbitrated by the
primary key (PostgreSQL) or by optimistic concurrency at COMMIT (DSQL), so exactly one run
gets it. The holder refreshes `heartbeat_at` from a thread with a connection of its own, so a
long async-job wait keeps the lock alive. A row whose heartbeat is older than any DSQL
transaction can last (dsql-facts.md, Transactions: 5 minutes) belongs to a dead run and is
taken over, with a warning; so is the row of a process that no longer exists on this very
machine (same host name and boot id), so a rerun after a kill does not wait 5 minutes.
Times are the server's (`now()`), so hosts' clocks do not matter.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dsql_lint.apply.connect import Session
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.ledger import SCHEMA

NAME = "apply"
STALE_SECONDS = 5 * 60
HEARTBEAT_SECONDS = 30.0
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Holder:
    run_id: str
    host: str
    boot_id: str
    pid: int
    started_at: Any
    heartbeat_age: float  # seconds since its last heartbeat, by the server's clock

    def dead_here(self) -> bool:
        """Its process is gone, and it ran on this machine (not merely a same-named host)."""
        if self.host != socket.gethostname() or self.boot_id != _boot_id() or not self.boot_id:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False

    def describe(self) -> str:
        return (
            f"run {self.run_id} (host {self.host}, pid {self.pid}, started {self.started_at}, "
            f"last heartbeat {self.heartbeat_age:.0f} s ago)"
        )


class RunLock:
    def __init__(
        self,
        session: Session,
        timeout: float,
        on_event: Callable[..., None],
        stale_seconds: float = STALE_SECONDS,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.on_event = on_event
        self.stale_seconds = stale_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.run_id = uuid.uuid4().hex[:12]
        self.lost: str | None = None  # why the lock was lost while running
        # True from the first write on: a write whose answer was lost may have taken the lock,
        # and deleting our own run id's row is harmless when it did not.
        self._held = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- taking and giving back ------------------------------------------------------------

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        self._held = True
        last: str | None = None
        while True:
            if self._try_insert():
                break
            holder = self._holder()
            if holder is None:
                continue  # released between our insert and our read: try again at once
            if holder.run_id == self.run_id:
                break  # our own insert, whose answer a lost connection kept from us
            stale = holder.heartbeat_age > self.stale_seconds
            dead = not stale and holder.dead_here()
            if (stale or dead) and self._take_over(holder, stale):
                why = (
                    f"no heartbeat for over {self.stale_seconds:g} s"
                    if stale
                    else "its process no longer exists on this machine"
                )
                self.on_event(
                    "warning",
                    message=f"took over the apply lock of {holder.describe()}: that run is "
                    f"dead ({why}); what it left started is reconciled now",
                )
                break
            if holder.run_id != last:
                last = holder.run_id
                self.on_event(
                    "lock",
                    status="waiting",
                    holder=holder.run_id,
                    host=holder.host,
                    pid=holder.pid,
                    message=f"another apply holds the lock: {holder.describe()}; "
                    f"waiting up to {self.timeout:g} s",
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ApplyError(
                    f"another apply holds the lock: {holder.describe()}; gave up after "
                    f"{self.timeout:g} s (--lock-timeout). If that run is dead, its lock is "
                    f"taken over once its heartbeat is {self.stale_seconds:g} s old"
                )
            time.sleep(min(remaining, POLL_SECONDS * random.uniform(0.5, 1.0)))
        self._thread = threading.Thread(target=self._beat, name="dsql-lint-lock", daemon=True)
        self._thread.start()

    def reacquire(self) -> None:
        """After a reconnect within the run: take the lock if taking it was cut short;
        otherwise the row must still be ours (an outage longer than the stale age lets
        another run take it over)."""
        if self._thread is None:
            self.acquire()
            return
        self.check()
        cursor = self.session.conn.execute(
            f"UPDATE {SCHEMA}.lock SET heartbeat_at = now() WHERE name = %s AND run_id = %s",
            [NAME, self.run_id],
        )
        if cursor.rowcount == 0:
            self._held = False
            self.lost = (
                f"this run ({self.run_id}) lost the apply lock while it reconnected: another "
                "run took it over as stale; stopping before the next statement"
            )
            raise ApplyError(self.lost)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.heartbeat_seconds + 5)
        if not self._held:
            return
        import psycopg

        delete = f"DELETE FROM {SCHEMA}.lock WHERE name = %s AND run_id = %s"
        try:
            self.session.conn.execute(delete, [NAME, self.run_id])
        except (psycopg.OperationalError, psycopg.InterfaceError):
            # The run's connection was lost (that may be why it ends): give the lock back on
            # a new one, or the next run would wait for it to go stale.
            self.session.close()
            self.session.conn.execute(delete, [NAME, self.run_id])
        self._held = False

    def check(self) -> None:
        """Stop before the next unit when another run took the lock over."""
        if self.lost:
            raise ApplyError(self.lost)

    # -- the rows ----------------------------------------------------------------------------

    def _try_insert(self) -> bool:
        import psycopg

        from dsql_lint.apply.retry import is_occ_error

        try:
            self.session.conn.execute(
                f"INSERT INTO {SCHEMA}.lock"
                " (name, run_id, host, boot_id, pid, started_at, heartbeat_at)"
                " VALUES (%s, %s, %s, %s, %s, now(), now())",
                [NAME, self.run_id, socket.gethostname(), _boot_id(), os.getpid()],
            )
            return True
        except psycopg.errors.UniqueViolation:
            return False
        except psycopg.Error as err:
            if is_occ_error(err):  # another run's insert committed first (DSQL)
                return False
            raise

    def _holder(self) -> Holder | None:
        row = self.session.conn.execute(
            "SELECT run_id, host, boot_id, pid, started_at,"
            " extract(epoch FROM now() - heartbeat_at)::float8"
            f" FROM {SCHEMA}.lock WHERE name = %s",
            [NAME],
        ).fetchone()
        return None if row is None else Holder(*row)

    def _take_over(self, holder: Holder, stale: bool) -> bool:
        """Replace a dead run's row; of several takers only one matches (OCC or row lock)."""
        import psycopg

        from dsql_lint.apply.retry import is_occ_error

        try:
            cursor = self.session.conn.execute(
                f"UPDATE {SCHEMA}.lock SET run_id = %s, host = %s, boot_id = %s, pid = %s,"
                " started_at = now(), heartbeat_at = now()"
                " WHERE name = %s AND run_id = %s"
                " AND (NOT %s OR heartbeat_at < now() - make_interval(secs => %s))",
                [
                    self.run_id,
                    socket.gethostname(),
                    _boot_id(),
                    os.getpid(),
                    NAME,
                    holder.run_id,
                    stale,
                    self.stale_seconds,
                ],
            )
        except psycopg.Error as err:
            if is_occ_error(err):
                return False
            raise
        return cursor.rowcount == 1

    def _beat(self) -> None:
        session = Session(self.session.target, self.session.token)
        try:
            while not self._stop.wait(self.heartbeat_seconds):
                try:
                    session.refresh_if_old()
                    cursor = session.conn.execute(
                        f"UPDATE {SCHEMA}.lock SET heartbeat_at = now()"
                        " WHERE name = %s AND run_id = %s",
                        [NAME, self.run_id],
                    )
                except Exception:  # noqa: BLE001 - a missed beat is retried at the next
                    session.close()
                    continue
                if cursor.rowcount == 0:
                    self._held = False
                    self.lost = (
                        f"this run ({self.run_id}) lost the apply lock: another run took it "
                        "over as stale; stopping before the next statement"
                    )
                    return
        finally:
            session.close()


def _boot_id() -> str:
    """This kernel's boot id (Linux): a pid means the same process only under the same one."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as file:
            return file.read().strip()
    except OSError:
        return ""
