"""IAM tokens expire (900 s; dsql-facts.md, Connecting) while a run goes on for longer: every new
connection must carry a token signed for it. botocore signs with a clock the test moves, and the
proxy in front of the test PostgreSQL asks for the password as DSQL does and checks the token
offline (iam_check.py) at that clock, so an expired token is refused as the cluster would."""

from __future__ import annotations

import io
import json
import time
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from conftest import FAKE_CREDENTIALS, FAKE_ENDPOINT, Database, Tls, dsql_args, run_cli
from iam_check import SIGV4_DATE, Clock, token_problem
from job_emulation import EMULATION, BuildingDsql
from pg_proxy import Proxy

from dsql_lint.apply.connect import MAX_CONNECTION_AGE, Session, connect
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.executor import ExecOptions
from dsql_lint.apply.iam_token import TOKEN_LIFETIME, TokenSource
from dsql_lint.apply.plan import build_plans
from dsql_lint.apply.progress import JsonReporter
from dsql_lint.apply.target import ConnectTo, Target

START = datetime(2026, 12, 7, 12, 0, 0)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """botocore's signer reads this clock."""
    import botocore.auth

    clock = Clock(START)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: clock.now)
    return clock


def gate(clock: Clock, later: float = 0.0) -> Callable[[str, str], str | None]:
    """The cluster's check of each login's token at the clock's time; then the clock moves on
    by `later` seconds, as if the next connection came that much later."""

    def check(user: str, secret: str) -> str | None:
        problem = token_problem(
            secret,
            secret=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            host=FAKE_ENDPOINT,
            region="us-east-1",
            user=user,
            now=clock.now,
        )
        clock.advance(later)
        return problem

    return check


def target(proxy: Proxy, db: Database, tls: Tls) -> Target:
    return Target(
        kind="dsql",
        host=FAKE_ENDPOINT,
        region="us-east-1",
        sslrootcert=str(tls.ca_file),
        connect_to=ConnectTo("127.0.0.1", proxy.port, db.name),
    )


def signed_at(token: str) -> datetime:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit("https://" + token).query))
    return datetime.strptime(query["X-Amz-Date"], SIGV4_DATE)


def test_an_expired_token_is_refused_and_a_fresh_one_goes_through(
    aws_env: None, db: Database, tls: Tls, clock: Clock
) -> None:
    source = TokenSource(FAKE_ENDPOINT, "us-east-1", "admin")
    with Proxy(db.server.port, tls=tls.context, password=gate(clock)) as proxy:
        stale = source()
        clock.advance(TOKEN_LIFETIME + 1)
        with pytest.raises(ApplyError) as refused:
            connect(target(proxy, db, tls), lambda: stale)
        with connect(target(proxy, db, tls), source) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("admin",)
    assert "the IAM token expired at 12:15:00" in str(refused.value)
    assert stale not in str(refused.value)
    assert [login.refused is None for login in proxy.logins] == [False, True]
    assert signed_at(proxy.logins[1].password) == START.replace(minute=15, second=1)


def test_every_reconnect_of_a_long_run_signs_a_new_token(
    aws_env: None, db: Database, tls: Tls, clock: Clock
) -> None:
    """The connection-age cap (50 min) and a connection the server ended: both reconnect, each
    time long after the last token expired."""
    with Proxy(db.server.port, tls=tls.context, password=gate(clock)) as proxy:
        session = Session(
            target(proxy, db, tls),
            TokenSource(FAKE_ENDPOINT, "us-east-1", "admin"),
            clock=clock.seconds,
        )
        first_pid = session.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        clock.advance(MAX_CONNECTION_AGE)
        assert session.refresh_if_old()
        second_pid = session.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        clock.advance(TOKEN_LIFETIME * 2)
        db.execute(f"SELECT pg_terminate_backend({second_pid})")
        # The backend gone and the proxy's side closed before the next request: the client
        # then reads the server's FATAL and the end of the connection, whatever the timing.
        deadline = time.monotonic() + 30
        while db.query(f"SELECT 1 FROM pg_stat_activity WHERE pid = {second_pid}") or (
            proxy.open_connections()
        ):
            assert time.monotonic() < deadline, "the terminated connection stayed open"
            time.sleep(0.05)
        with pytest.raises(psycopg.OperationalError, match="terminat"):
            session.conn.execute("SELECT 1")
        third_pid = session.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        session.close()
    assert len({first_pid, second_pid, third_pid}) == 3
    assert [login.refused for login in proxy.logins] == [None, None, None]
    assert [signed_at(login.password) for login in proxy.logins] == [
        START,
        START.replace(minute=50),
        START.replace(hour=13, minute=20),
    ]


def test_a_run_whose_connections_come_after_the_tokens_expiry_applies_everything(
    aws_env: None, db: Database, tls: Tls, clock: Clock, tmp_path: Path
) -> None:
    """apply end to end, each connection coming 20 minutes after the one before: a token kept
    from an earlier connection would be refused. Each file's SET gives it a session of its own."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for n in (1, 2, 3):
        (folder / f"V{n}__t{n}.sql").write_text(
            f"SET search_path TO public;\nCREATE TABLE t{n} (id bigint PRIMARY KEY);\n"
        )
    ca = ("--sslrootcert", str(tls.ca_file))
    with Proxy(db.server.port, tls=tls.context, password=gate(clock, later=20 * 60)) as proxy:
        applied = run_cli("apply", str(folder), *dsql_args(proxy.port, db.name, *ca))
        status = run_cli("status", str(folder), *dsql_args(proxy.port, db.name, *ca))
    assert applied.code == 0, applied.output
    assert status.code == 0, status.output
    assert [login.refused for login in proxy.logins] == [None] * len(proxy.logins)
    assert len(proxy.logins) >= 4
    # Each token was signed for its own connection, at the time that connection was made.
    times = [signed_at(login.password) for login in proxy.logins]
    assert times == [START.replace(hour=12 + n // 3, minute=n % 3 * 20) for n in range(len(times))]
    assert db.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_name ~ '^t[123]$'"
    ) == [(3,)]


def test_a_connection_lost_mid_run_is_reopened_with_a_fresh_token(
    aws_env: None, db: Database, tls: Tls, clock: Clock, tmp_path: Path
) -> None:
    """The server drops the connection (as at DSQL's 60-minute cap) long after the first
    token expired: the run reconnects with a token signed then, and goes on."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "V1__t.sql").write_text(
        "CREATE TABLE t1 (id bigint PRIMARY KEY);\nCREATE TABLE t2 (id bigint PRIMARY KEY);\n"
    )
    ca = ("--sslrootcert", str(tls.ca_file), "--format", "json")
    check = gate(clock, later=20 * 60)
    with Proxy(db.server.port, tls=tls.context, password=check, cut_on="CREATE TABLE t2") as proxy:
        result = run_cli("apply", str(folder), *dsql_args(proxy.port, db.name, *ca))
    assert result.code == 0, result.output
    assert proxy.cuts == 1
    reconnects = [e for e in map(json.loads, result.out.splitlines()) if e["event"] == "reconnect"]
    assert len(reconnects) == 1 and "connection lost at" in reconnects[0]["reason"]
    assert [login.refused for login in proxy.logins] == [None] * len(proxy.logins)
    times = [signed_at(login.password) for login in proxy.logins]
    assert times == sorted(set(times)) and len(times) >= 2  # one token per connection
    assert db.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_name ~ '^t[12]$'"
    ) == [(2,)]


@pytest.mark.parametrize(("minutes", "replaced"), [(10, False), (40, True)])
def test_a_job_wait_starts_on_a_connection_young_enough_to_outlast_it(
    aws_env: None, db: Database, tls: Tls, clock: Clock, migrations, minutes: int, replaced: bool
) -> None:
    """An index statement that takes `minutes`, then a wait of up to --job-timeout (30 min):
    a connection 40 minutes old would pass the age cap (50 min) during the wait, which no
    check between units can catch, so the wait gets a new connection, with a token signed
    then (the first one expired long before); one 10 minutes old is kept."""
    db.execute(EMULATION)
    folder = migrations(
        {
            "V1__a.sql": "CREATE TABLE t (id bigint PRIMARY KEY, v text);\n"
            "CREATE INDEX ASYNC t_v ON t (v);\n"
        }
    )

    class SlowBuild(BuildingDsql):
        built_on: int | None = None

        def _execute(self, conn, step):  # noqa: ANN001, ANN202
            job_id = super()._execute(conn, step)
            if job_id is not None:
                self.built_on = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
                clock.advance(minutes * 60)
            return job_id

    out = io.StringIO()
    with Proxy(db.server.port, tls=tls.context, password=gate(clock)) as proxy:
        session = Session(
            target(proxy, db, tls),
            TokenSource(FAKE_ENDPOINT, "us-east-1", "admin"),
            clock=clock.seconds,
        )
        executor = SlowBuild(session, ExecOptions(job_timeout=1800), JsonReporter(out), dsql=True)
        try:
            executor.run(build_plans([str(folder)], dsql=False), "emulated")
        finally:
            session.close()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    reconnects = [e["reason"] for e in events if e["event"] == "reconnect"]
    assert reconnects == (["connection age, before a job wait"] if replaced else [])
    (waited_on,) = db.query("SELECT pid FROM sys.waits")
    assert (waited_on[0] != executor.built_on) is replaced
    assert [login.refused for login in proxy.logins] == [None] * len(proxy.logins)
    if replaced:
        assert START.replace(minute=minutes) in [signed_at(x.password) for x in proxy.logins]
    assert {row[0] for row in db.query("SELECT status FROM dsql_lint.statements")} == {"applied"}
