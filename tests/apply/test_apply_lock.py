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
