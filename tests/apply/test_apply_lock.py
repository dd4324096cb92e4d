"""One apply at a time: runs started together, a held lock, a stale lock, a dead holder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Database, ledger_rows, run_cli

from dsql_lint.apply.connect import Session
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.lock import RunLock
from dsql_lint.apply.target import Target

ROOT = Path(__file__).resolve().parents[2]
COUNTER = "CREATE TABLE counter (n integer NOT NULL); INSERT INTO counter VALUES (0);"
FILES = {f"V{i}__inc.sql": "UPDATE counter SET n = n + 1;\n" for i in range(1, 11)}


def spawn(folder: Path, dsn: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DSQL_LINT_NO_CACHE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "dsql_lint", "apply", str(folder), "--dsn", dsn, "--format", "json"]
        + list(extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def insert_lock(db: Database, heartbeat: str, host: str = "elsewhere", pid: int = 1) -> None:
    """The row a run on another machine holds (the ledger must exist: one run creates it)."""
    db.execute(
        "INSERT INTO dsql_lint.lock (name, run_id, host, boot_id, pid, started_at, heartbeat_at)"
        f" VALUES ('apply', 'otherrun', '{host}', 'b', {pid}, now(), {heartbeat})"
    )


def test_runs_started_together_apply_each_file_once(db: Database, migrations) -> None:
    db.execute(COUNTER)
    folder = migrations(FILES)
    runs = [spawn(folder, db.dsn) for _ in range(4)]
    results = [(run.wait(120), *run.communicate()) for run in runs]
    for code, out, err in results:
        assert code == 0, out + err
        assert events(out)[-1]["event"] == "done" and events(out)[-1]["exit"] == 0
    assert db.query("SELECT n FROM counter") == [(10,)]
    rows = ledger_rows(db)
    assert [(r[0], r[2]) for r in rows] == [(name, "applied") for name in sorted(FILES)]
    applied = [e for _, out, _ in results for e in events(out) if e.get("status") == "applied"]
    assert sorted(e["file"].rsplit("/", 1)[1] for e in applied) == sorted(FILES)
    # Those that found the lock taken (timing decides which) said by whom, and waited.
    waited = [e for _, out, _ in results for e in events(out) if e.get("status") == "waiting"]
    assert all(e["pid"] and e["host"] and e["holder"] for e in waited)
    assert db.query("SELECT count(*) FROM dsql_lint.lock") == [(0,)]


def test_a_held_lock_times_out_naming_its_holder(db: Database, migrations) -> None:
    db.execute(COUNTER)
    folder = migrations({"V1__inc.sql": FILES["V1__inc.sql"]})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    folder = migrations(FILES)
    insert_lock(db, "now()")
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--lock-timeout", "1")
    assert result.code == 1
    assert "another apply holds the lock: run otherrun (host elsewhere, pid 1" in result.err
    assert "gave up after 1 s (--lock-timeout)" in result.err
    assert db.query("SELECT n FROM counter") == [(1,)]
    assert db.query("SELECT run_id FROM dsql_lint.lock") == [("otherrun",)]


def test_a_stale_lock_is_taken_over_with_a_warning(db: Database, migrations) -> None:
    db.execute(COUNTER)
    folder = migrations({"V1__inc.sql": FILES["V1__inc.sql"]})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    insert_lock(db, "now() - interval '6 minutes'")
    folder = migrations(FILES)
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--lock-timeout", "0")
    assert result.code == 0, result.output
    assert "took over the apply lock of run otherrun" in result.err
    assert "no heartbeat for over 300 s" in result.err
    assert db.query("SELECT n FROM counter") == [(10,)]
    assert db.query("SELECT count(*) FROM dsql_lint.lock") == [(0,)]


def test_a_killed_run_on_this_machine_does_not_block_the_next(db: Database, migrations) -> None:
    db.execute(COUNTER)
    folder = migrations({"V1__inc.sql": FILES["V1__inc.sql"]})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    db.execute(
        "INSERT INTO dsql_lint.lock (name, run_id, host, boot_id, pid, started_at, heartbeat_at)"
        f" VALUES ('apply', 'killed', '{socket.gethostname()}', '{boot_id}', {gone.pid},"
        " now(), now())"
    )
    result = run_cli("apply", str(migrations(FILES)), "--dsn", db.dsn, "--lock-timeout", "0")
    assert result.code == 0, result.output
    assert "took over the apply lock of run killed" in result.err
    assert "its process no longer exists on this machine" in result.err
    assert db.query("SELECT n FROM counter") == [(10,)]


def test_a_live_holder_on_this_machine_is_waited_for(db: Database, migrations) -> None:
    db.execute(COUNTER)
    folder = migrations({"V1__inc.sql": FILES["V1__inc.sql"]})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    db.execute(
        "INSERT INTO dsql_lint.lock (name, run_id, host, boot_id, pid, started_at, heartbeat_at)"
        f" VALUES ('apply', 'alive', '{socket.gethostname()}', '{boot_id}', {os.getpid()},"
        " now(), now())"
    )
    result = run_cli("apply", str(migrations(FILES)), "--dsn", db.dsn, "--lock-timeout", "0")
    assert result.code == 1
    assert "another apply holds the lock: run alive" in result.err
    assert db.query("SELECT n FROM counter") == [(1,)]


def test_the_heartbeat_keeps_the_lock_and_notices_a_takeover(db: Database, migrations) -> None:
    db.execute(COUNTER)
    folder = migrations({"V1__inc.sql": FILES["V1__inc.sql"]})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    session = Session(Target(kind="postgres", dsn=db.dsn))
    lock = RunLock(session, 0, lambda *args, **fields: None, heartbeat_seconds=0.2)
    lock.acquire()
    age = "SELECT extract(epoch FROM now() - heartbeat_at) < 0.5 FROM dsql_lint.lock"
    time.sleep(1.5)
    assert db.query(age) == [(True,)]  # beaten since, without any statement running
    lock.check()
    db.execute("UPDATE dsql_lint.lock SET run_id = 'thief'")
    time.sleep(1)
    with pytest.raises(ApplyError, match="lost the apply lock"):
        lock.check()
    lock.release()
    session.close()
    assert db.query("SELECT run_id FROM dsql_lint.lock") == [("thief",)]


OLD_LEDGER = """
CREATE SCHEMA dsql_lint;
CREATE TABLE dsql_lint.files (name text PRIMARY KEY, checksum text NOT NULL,
    statements integer NOT NULL, started_at timestamptz NOT NULL, applied_at timestamptz);
CREATE TABLE dsql_lint.statements (file text NOT NULL, statement_index integer NOT NULL,
    line integer NOT NULL, sha256 text NOT NULL, kind text NOT NULL, status text NOT NULL,
    job_id text, error text, started_at timestamptz, finished_at timestamptz,
    PRIMARY KEY (file, statement_index));
"""


def test_a_ledger_of_an_older_version_is_read_then_upgraded(db: Database, migrations) -> None:
    db.execute(COUNTER + OLD_LEDGER)
    folder = str(migrations(FILES))
    status = run_cli("status", folder, "--dsn", db.dsn)
    assert status.code == 0, status.output
    result = run_cli("apply", folder, "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert db.query("SELECT n FROM counter") == [(10,)]
    assert db.query("SELECT to_regclass('dsql_lint.lock') IS NOT NULL") == [(True,)]
    assert db.query("SELECT count(*) FROM dsql_lint.statements WHERE status = 'applied'") == [(10,)]


def test_a_holder_killed_mid_run_is_taken_over_and_nothing_runs_twice(
    db: Database, migrations
) -> None:
    db.execute(COUNTER)
    slow = "UPDATE counter SET n = n + 1 WHERE pg_sleep(0.3) IS NOT NULL;\n"
    folder = migrations({name: slow for name in FILES})
    holder = spawn(folder, db.dsn)
    assert holder.stdout is not None
    applied = 0
    while applied < 3:  # the holder is mid-run: three files applied, the fourth running
        line = holder.stdout.readline()
        assert line, holder.communicate()
        applied += '"status": "applied"' in line
    waiters = [spawn(folder, db.dsn) for _ in range(2)]
    time.sleep(1.5)  # the waiters find the lock taken
    holder.kill()
    holder.wait()
    waiters[0].kill()  # a waiter dies too: it held nothing
    out, err = waiters[1].communicate(timeout=120)
    assert waiters[1].returncode == 0, out + err
    said = [e.get("message", "") for e in events(out) if e["event"] == "warning"]
    assert any("its process no longer exists on this machine" in m for m in said), out
    assert db.query("SELECT n FROM counter") == [(10,)]
    assert {r[2] for r in ledger_rows(db)} == {"applied"} and len(ledger_rows(db)) == 10
    assert db.query("SELECT count(*) FROM dsql_lint.lock") == [(0,)]
