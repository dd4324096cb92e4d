"""The property the ledger exists for: whatever mix of kills (SIGKILL at random moments),
statement failures (a file made to fail, then corrected and repaired) and runs started
together happens, every statement ends applied exactly once, or its run reports it; none is
skipped or doubled silently.

Each statement of the migrations leaves a mark of its own (a row with its name, a table, or
its COPY's rows), so a mark counted twice, or missing while the ledger says applied, is
caught after every round. A seeded random loop keeps it reproducible (the seed is in the
failure message) and within about a minute; DSQL_LINT_PROPERTY_EXAMPLES runs more.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Database, create_database, run_cli
from pg_testserver import Server

from dsql_lint.apply.plan import build_plans

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("DSQL_LINT_PROPERTY_EXAMPLES", "3"))
COPY_ROWS = 6_500  # three batches
SLOW = "FROM pg_sleep(0.02)"  # each statement takes a while, so kills land mid-run

# What the migrations cannot hold (DSQL has no triggers, and they are linted): made first.
SETUP = """
CREATE TABLE marks (name text NOT NULL);
CREATE TABLE copied (id integer NOT NULL);
CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_sleep(0.15); RETURN NULL; END $$;
CREATE TRIGGER slow AFTER INSERT ON copied FOR EACH STATEMENT EXECUTE FUNCTION slow();
"""


def mark(name: str) -> str:
    return f"INSERT INTO marks SELECT '{name}' {SLOW};\n"


def broken(name: str) -> str:
    return f"INSERT INTO marks SELECT '{name}' WHERE 1 / 0 = 0;\n"


def migrations(rng: random.Random) -> tuple[dict[str, str], str | None]:
    """The files, and the one made to fail first, if any."""
    files: dict[str, str] = {}
    for version in range(1, 7):
        name = f"V{version}__step.sql"
        body = ""
        for index in range(rng.randint(2, 4)):
            what = rng.choice(["mark", "mark", "table", "block"])
            key = f"v{version}_{index}"
            if what == "table":
                body += f"CREATE TABLE {key} (id integer PRIMARY KEY);\n"
            elif what == "block":
                body += f"BEGIN;\n{mark(key + 'a')}{mark(key + 'b')}COMMIT;\n"
            else:
                body += mark(key)
        files[name] = body
    rows = "".join(f"{i}\n" for i in range(1, COPY_ROWS + 1))
    files["V7__copy.sql"] = f"COPY copied (id) FROM stdin;\n{rows}\\.\n" + mark("v7_after")
    failing = None
    if rng.random() < 0.7:
        failing = f"V{rng.randint(2, 6)}__step.sql"
        files[failing] += broken("broken")
    return files, failing


def spawn(folder: Path, db: Database) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DSQL_LINT_NO_CACHE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "dsql_lint", "apply", str(folder), "--dsn", db.dsn]
        + ["--format", "json", "--lock-timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(run: subprocess.Popen[str], killed: bool, seed: int) -> int:
    out, err = run.communicate(timeout=180)
    if killed:
        return run.returncode
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if run.returncode == 0:
        return 0
    # A run that did not finish says why: its last event is the error.
    assert events and events[-1]["event"] == "error", f"seed {seed}: {out}{err}"
    return run.returncode


def check_marks(db: Database, folder: Path, seed: int) -> None:
    """Between rounds: no mark doubled, and each statement's mark agrees with its ledger row
    (a DML statement commits with its row; a COPY with its count of rows; a DDL's intent row
    commits before it)."""
    counts = dict(db.query("SELECT name, count(*) FROM marks GROUP BY name"))
    assert all(count == 1 for count in counts.values()), f"seed {seed}: doubled {counts}"
    ledger = {}
    if db.query("SELECT to_regclass('dsql_lint.statements') IS NOT NULL") == [(True,)]:
        rows = db.query("SELECT file, statement_index, status, rows_done FROM dsql_lint.statements")
        ledger = {(file, index): (status, done) for file, index, status, done in rows}
    for plan in build_plans([str(folder)], dsql=False):
        for step in plan.steps:
            status, done = ledger.get((plan.name, step.index), (None, None))
            where = f"seed {seed}: {step.where} {step.first_line!r} is {status}"
            if step.copy_data is not None:
                ((rows, distinct),) = db.query("SELECT count(*), count(DISTINCT id) FROM copied")
                expected = COPY_ROWS if status == "applied" else done or 0
                assert rows == distinct == expected, f"{where} with {done} rows: {rows} in"
            elif step.text.startswith("INSERT INTO marks"):
                name = step.text.split("'")[1]
                assert (counts.get(name, 0) == 1) == (status == "applied"), where
            elif step.text.startswith("CREATE TABLE"):
                table = step.text.split()[2]
                exists = db.query(f"SELECT to_regclass('{table}') IS NOT NULL") == [(True,)]
                assert exists <= (status in ("applied", "started")), where
                assert (status == "applied") <= exists, where


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_kills_failures_and_concurrent_runs_apply_each_statement_once(
    pg: Server, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    db = create_database(pg)
    db.execute(SETUP)
    files, failing = migrations(rng)
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    for _ in range(3):
        runs = [spawn(folder, db) for _ in range(rng.choice([1, 2, 3]))]
        victims = [run for run in runs if rng.random() < 0.6]
        time.sleep(rng.uniform(0.8, 3.0))
        for run in victims:
            run.send_signal(signal.SIGKILL)
        for run in runs:
            finish(run, run in victims, seed)
        check_marks(db, folder, seed)
        if failing and _failed(db, failing):
            _correct(db, folder, failing, seed)
            failing = None
    for _ in range(2):  # to the end, with no more kills
        result = run_cli("apply", str(folder), "--dsn", db.dsn)
        if result.code == 0:
            break
        assert failing and _failed(db, failing), f"seed {seed}: {result.output}"
        _correct(db, folder, failing, seed)
        failing = None
    assert result.code == 0, f"seed {seed}: {result.output}"
    check_marks(db, folder, seed)
    statuses = db.query("SELECT DISTINCT status FROM dsql_lint.statements")
    assert statuses == [("applied",)], f"seed {seed}"
    assert db.query("SELECT count(*) FROM copied") == [(COPY_ROWS,)]
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0


def _failed(db: Database, file: str) -> bool:
    found = db.query(
        "SELECT 1 FROM dsql_lint.statements WHERE file = %s AND status = 'failed'", file
    )
    return bool(found)


def _correct(db: Database, folder: Path, file: str, seed: int) -> None:
    """The user's way forward: correct the failed statement, then `repair`."""
    path = folder / file
    path.write_text(path.read_text().replace(broken("broken"), mark("broken")))
    repaired = run_cli("repair", str(folder), "--dsn", db.dsn)
    assert repaired.code == 0 and "removed failed" in repaired.out, f"seed {seed}: {repaired}"
