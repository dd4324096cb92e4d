"""What every command that writes the ledger does first: create or upgrade the ledger, and
take the apply lock, so `repair` and `baseline` never write while an `apply` runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from dsql_lint.apply import ledger
from dsql_lint.apply.connect import Session
from dsql_lint.apply.lock import RunLock
from dsql_lint.apply.progress import Reporter
from dsql_lint.apply.retry import RetryPolicy, with_retries

T = TypeVar("T")


def ensure_ledger(conn: Any, retrying: Callable[[Callable[[], Any]], Any]) -> None:
    """Create the ledger's missing tables and columns; `retrying` runs a try again on a
    conflict (a DDL conflicts with another session's, OC001)."""
    import psycopg

    for statement in ledger.create_statements(conn):
        # One DDL per transaction (dsql-facts.md, Transactions).
        try:
            retrying(lambda s=statement: conn.execute(s))
        except (
            psycopg.errors.UniqueViolation,
            psycopg.errors.DuplicateObject,
            psycopg.errors.DuplicateTable,
            psycopg.errors.DuplicateSchema,
            psycopg.errors.DuplicateColumn,
        ):
            # Runs started together race to create the ledger, before any lock exists: on
            # PostgreSQL the loser of `IF NOT EXISTS` may get a duplicate error instead.
            if conn.closed or conn.broken:
                raise


def retried(attempt: Callable[[], T]) -> T:
    """`attempt`, tried again on conflicts and outages as apply's defaults do."""
    return with_retries(attempt, RetryPolicy(), lambda *_: None)


@contextmanager
def holding_lock(session: Session, timeout: float) -> Iterator[Any]:
    """The ledger made current and the apply lock held (waiting up to `timeout` seconds for
    a run that holds it, as a second apply would); yields the connection."""
    conn = session.conn
    ensure_ledger(conn, retried)
    lock = RunLock(session, timeout, Reporter().event)
    lock.acquire()
    try:
        yield conn
    finally:
        lock.release()
