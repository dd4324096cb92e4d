"""apply against plain PostgreSQL (--dsn): translation, transactions, ledger, plan, status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, Database, catalog_dump, ledger_rows, run_cli

BASIC = FIXTURES / "basic"


def copy_basic(tmp_path: Path) -> Path:
    folder = tmp_path / "basic"
    shutil.copytree(BASIC, folder)
    return folder


def test_dsql_syntax_is_translated_and_everything_lands_once(db: Database) -> None:
    result = run_cli("apply", str(BASIC), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert db.query("SELECT count(*) FROM events") == [(3,)]
    assert db.query("SELECT id FROM accounts ORDER BY id") == [(1,), (2,), (3,), (4,)]
    assert db.query(
        "SELECT indexrelid::regclass::text, indisvalid FROM pg_index"
        " WHERE indrelid IN ('events'::regclass, 'accounts'::regclass) ORDER BY 1"
    ) == [("accounts_email", True), ("accounts_pkey", True), ("events_account", True)]
    assert db.query("SELECT convalidated FROM pg_constraint WHERE conname = 'events_kind'") == [
        (True,)
    ]
    assert db.query("SELECT note FROM events WHERE kind = 'signup'") == [("first",), ("first",)]
    rows = ledger_rows(db)
    assert len(rows) == 14 and {r[2] for r in rows} == {"applied"}
    assert db.query("SELECT count(*) FROM dsql_lint.files WHERE applied_at IS NOT NULL") == [(2,)]
    dump = catalog_dump(db)
    again = run_cli("apply", str(BASIC), "--dsn", db.dsn)
    assert again.code == 0
    assert "done: 0 applied, 14 already applied, 0 failed" in again.err
    assert catalog_dump(db) == dump


def test_an_applied_file_that_was_edited_is_refused(db: Database, tmp_path: Path) -> None:
    folder = copy_basic(tmp_path)
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    path = folder / "V1__schema.sql"
    path.write_text(path.read_text() + "CREATE TABLE more (id bigint PRIMARY KEY);\n")
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 1
    assert "V1__schema.sql was edited after it was applied" in result.err
    assert db.query("SELECT to_regclass('more')") == [(None,)]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "BEGIN;\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id bigint PRIMARY KEY);\nCOMMIT;\n",
            "ddl and dml are not supported in the same transaction",
        ),
        (
            "BEGIN;\nCREATE TABLE b (id bigint PRIMARY KEY);\n"
            "CREATE TABLE c (id bigint PRIMARY KEY);\nCOMMIT;\n",
            "only one DDL statement is supported in a transaction",
        ),
    ],
)
def test_a_block_dsql_would_refuse_fails_before_it_runs(
    db: Database, migrations, block: str, message: str
) -> None:
    folder = migrations({"V1__a.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n" + block})
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--force")  # past the linter
    assert result.code == 1
    assert message in result.err and "V1__a.sql:3" in result.err
    assert db.query("SELECT count(*) FROM a") == [(0,)]  # the block's INSERT never ran
    assert db.query("SELECT to_regclass('b')") == [(None,)]
    assert [r[2] for r in ledger_rows(db)] == ["applied", "failed", "failed"]


def test_linter_errors_stop_the_run_before_any_connection(migrations) -> None:
    folder = migrations({"V1__a.sql": "CREATE TABLE s (id serial PRIMARY KEY);\n"})
    nowhere = "host=127.0.0.1 port=9 dbname=x user=x sslmode=disable connect_timeout=2"
    stopped = run_cli("apply", str(folder), "--dsn", nowhere)
    assert stopped.code == 1
    assert "DSQL101" in stopped.err and "not applying: the linter found errors" in stopped.err
    assert "cannot connect" not in stopped.err
    forced = run_cli("apply", str(folder), "--dsn", nowhere, "--force")
    assert forced.code == 1
    assert "cannot connect" in forced.err  # --force went on to connect
    # One error line, worded as every other command's.
    errors = [line for line in forced.err.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("dsql-lint: error: cannot connect"), errors


def test_transaction_limit_errors_advise_batching(db: Database, migrations) -> None:
    db.execute(
        "CREATE TABLE big (id bigint PRIMARY KEY);"
        "CREATE TABLE staging AS SELECT generate_series(1, 5000) AS id;"
        "CREATE FUNCTION too_big() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " RAISE EXCEPTION 'transaction row limit exceeded' USING ERRCODE = '54000'; END $$;"
        "CREATE TRIGGER too_big BEFORE INSERT ON big FOR EACH ROW EXECUTE FUNCTION too_big();"
    )
    # The row count comes from a table, so only the cluster can refuse it (the linter cannot).
    folder = migrations({"V1__fill.sql": "INSERT INTO big SELECT id FROM staging;\n"})
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 1
    assert "SQLSTATE 54000" in result.err and "batches" in result.err
    assert "3,000 modified rows" in result.err
    assert [r[2] for r in ledger_rows(db)] == ["failed"]


def test_dry_run_without_a_target_plans_from_the_files(monkeypatch) -> None:
    monkeypatch.delenv("DSQL_ENDPOINT", raising=False)
    result = run_cli("apply", str(BASIC), "--dry-run")
    assert result.code == 0, result.output
    out = result.out
    assert "no target: planned from the files alone" in out
    lines = out.splitlines()
    index_line = next(i for i, line in enumerate(lines) if "V1__schema.sql:10" in line)
    assert "own transaction" in lines[index_line] and "unknown" in lines[index_line]
    assert "CREATE INDEX ASYNC events_account ON events (account_id)" in lines[index_line]
    assert "waits for: index build events_account on events" in lines[index_line + 1]
    assert "waits for: constraint validation events_kind on events" in out
    block = next(line for line in lines if "V2__data.sql:3 " in line)
    assert "block from line 2" in block
    assert "autocommit" in next(line for line in lines if "V2__data.sql:7 " in line)
    copy = next(line for line in lines if "V2__data.sql:8 " in line)
    assert "batches of 2,999 rows" in copy  # a COPY outside a block


def test_dry_run_with_a_target_shows_the_ledger(db: Database, tmp_path: Path) -> None:
    folder = copy_basic(tmp_path)
    assert run_cli("apply", str(folder / "V1__schema.sql"), "--dsn", db.dsn).code == 0
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--dry-run", "--format", "json")
    assert result.code == 0, result.output
    plan = [json.loads(line) for line in result.out.splitlines()]
    assert {e["event"] for e in plan} == {"plan"}
    status = {(Path(e["file"]).name, e["line"]): e["ledger"] for e in plan}
    assert status[("V1__schema.sql", 10)] == "applied"
    assert status[("V2__data.sql", 3)] == "pending"
    assert len(plan) == 14
    # dry-run applied nothing
    assert db.query("SELECT to_regclass('signups')") == [(None,)]


def test_status_shows_applied_and_pending(db: Database, tmp_path: Path) -> None:
    folder = copy_basic(tmp_path)
    assert run_cli("apply", str(folder / "V1__schema.sql"), "--dsn", db.dsn).code == 0
    result = run_cli("status", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert "V1__schema.sql: applied (4/4 statements applied)" in result.out
    assert "V2__data.sql: pending (0/10 statements applied)" in result.out
    assert "V2__data.sql:6" in result.out and "pending" in result.out
    as_json = run_cli("status", str(folder), "--dsn", db.dsn, "--format", "json")
    files = [e for e in map(json.loads, as_json.out.splitlines()) if e["event"] == "file"]
    assert [(f["name"], f["status"], f["applied"]) for f in files] == [
        ("V1__schema.sql", "applied", 4),
        ("V2__data.sql", "pending", 0),
    ]


def test_json_format_emits_one_event_per_line(db: Database) -> None:
    result = run_cli("apply", str(BASIC), "--dsn", db.dsn, "--format", "json")
    assert result.code == 0, result.output
    events = [json.loads(line) for line in result.out.splitlines()]
    assert events[0]["event"] == "start" and events[0]["statements"] == 14
    assert events[-1]["event"] == "done" and events[-1]["applied"] == 14
    statements = [e for e in events if e["event"] == "statement"]
    assert len(statements) == 14
    assert {"file", "line", "index", "status", "sql", "seconds", "time"} <= set(statements[0])
    assert result.err == ""


def test_plain_log_lines_when_not_on_a_terminal(db: Database) -> None:
    result = run_cli("apply", str(BASIC), "--dsn", db.dsn)
    assert result.code == 0
    lines = result.err.splitlines()
    assert lines[0].startswith("apply: 2 files, 14 statements (0 already applied)")
    assert any(line.startswith("applied  ") and "V1__schema.sql:2" in line for line in lines)
    assert "\r" not in result.err  # no progress bar redraws


def test_a_terminal_gets_a_progress_bar(monkeypatch) -> None:
    import io
    import sys

    from dsql_lint.apply.progress import BarReporter, JsonReporter, Reporter, make_reporter

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    bar = make_reporter("text", 3)
    assert isinstance(bar, BarReporter)
    bar.event("statement", file="V1.sql", line=1, index=0, status="applied", sql="x")
    bar.close()
    assert "applying" in sys.stderr.getvalue() or "V1.sql:1" in sys.stderr.getvalue()
    assert isinstance(make_reporter("json", 3), JsonReporter)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    plain = make_reporter("text", 3)
    assert type(plain) is Reporter


def test_psql_meta_commands_are_recorded_as_skipped(db: Database, migrations) -> None:
    folder = migrations(
        {"V1__a.sql": "\\set ON_ERROR_STOP on\nCREATE TABLE a (id bigint PRIMARY KEY);\n"}
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--force")
    assert result.code == 0, result.output
    assert "psql meta-command, not run" in result.err
    assert [r[2] for r in ledger_rows(db)] == ["skipped", "applied"]
