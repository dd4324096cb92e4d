"""Connections are replaced before DSQL's 60-minute cap, with session settings replayed."""

from __future__ import annotations

import io
import json

from conftest import FIXTURES, Database, ledger_rows

from dsql_lint.apply.connect import MAX_CONNECTION_AGE, Session
from dsql_lint.apply.executor import ExecOptions, Executor
from dsql_lint.apply.plan import build_plans
from dsql_lint.apply.progress import JsonReporter
from dsql_lint.apply.target import Target


def test_the_age_cap_is_below_sixty_minutes() -> None:
    assert MAX_CONNECTION_AGE < 60 * 60


def test_an_old_connection_is_replaced_and_settings_replayed(db: Database) -> None:
    now = [0.0]
    tokens: list[int] = []
    session = Session(Target(kind="postgres", dsn=db.dsn), max_age=100.0, clock=lambda: now[0])
    session.token = lambda: str(tokens.append(1))  # unused for PostgreSQL; must not be called
    first = session.conn
    session.conn.execute("SET search_path TO pg_catalog")
    session.settings.append("SET search_path TO pg_catalog")
    now[0] = 99.0
    assert session.refresh_if_old() is False and session.conn is first
    now[0] = 100.0
    assert session.refresh_if_old() is True
    second = session.conn
    assert second is not first and first.closed
    assert second.execute("SHOW search_path").fetchone() == ("pg_catalog",)
    assert session.connections == 2 and tokens == []
    session.close()


def test_the_executor_reconnects_between_units(db: Database) -> None:
    session = Session(Target(kind="postgres", dsn=db.dsn), max_age=0.0)
    out = io.StringIO()
    plans = build_plans([str(FIXTURES / "basic")], dsql=False)
    Executor(session, ExecOptions(), JsonReporter(out), dsql=False).run(plans, "test")
    session.close()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    reconnects = [e for e in events if e["event"] == "reconnect"]
    assert len(reconnects) >= 10
    # One more: the last file's session reset closed the connection the lock is given back on.
    assert session.connections == len(reconnects) + 2
    assert {row[2] for row in ledger_rows(db)} == {"applied"}
