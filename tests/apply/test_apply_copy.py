"""COPY ... FROM stdin over DSQL's 3,000 rows: sent in batches, each committed with its count,
so a kill between batches resumes after the last one that committed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import Database, run_cli

from dsql_lint.apply.copybatch import MAX_ROWS, rows_of

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 10_000
TABLE = "CREATE TABLE items (id integer NOT NULL, name text NOT NULL);\n"


def copy_file(rows: range, bad: int | None = None) -> str:
    lines = [f"{i}\t{i}-name" for i in rows]
    if bad is not None:
        lines[bad - rows.start] = f"{bad}\t{bad}-name\textra-column"
    return "COPY items (id, name) FROM stdin;\n" + "\n".join(lines) + "\n\\.\n"


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def copied(out: str) -> list[int]:
    return [e["rows"] for e in events(out) if e["event"] == "copy"]


def apply(folder: Path, db: Database, *extra: str):  # noqa: ANN201 - conftest.Result
    return run_cli("apply", str(folder), "--dsn", db.dsn, "--format", "json", *extra)


def assert_each_row_once(db: Database) -> None:
    assert db.query("SELECT count(*), count(DISTINCT id) FROM items") == [(TOTAL, TOTAL)]


def copy_row(db: Database) -> list[tuple]:
    return db.query(
        "SELECT status, rows_done FROM dsql_lint.statements WHERE file = 'V2__items.sql'"
    )


def test_a_copy_over_the_row_limit_runs_in_batches_of_the_limit(db: Database, migrations) -> None:
    folder = migrations({"V1__t.sql": TABLE, "V2__items.sql": copy_file(range(1, TOTAL + 1))})
    result = apply(folder, db)
    assert result.code == 0, result.output
    # 2,999 rows and the ledger row: 3,000 modified rows per transaction.
    assert copied(result.out) == [2999, 5998, 8997, 10000]
    assert_each_row_once(db)
    assert copy_row(db) == [("applied", TOTAL)]
    # check still reports it: a COPY is one transaction for any other tool.
    check = run_cli("check", str(folder / "V2__items.sql"))
    assert "DSQL718" in check.output
    again = apply(folder, db)
    assert again.code == 0 and copied(again.out) == [], again.output


def test_a_kill_between_batches_resumes_after_the_last_committed_batch(
    db: Database, migrations
) -> None:
    db.execute(TABLE)
    # Each batch takes a while, so the kill lands between batches, not after the last.
    db.execute(
        "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_sleep(0.4); RETURN NULL; END $$;"
        "CREATE TRIGGER slow AFTER INSERT ON items FOR EACH STATEMENT EXECUTE FUNCTION slow()"
    )
    folder = migrations({"V2__items.sql": copy_file(range(1, TOTAL + 1))})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DSQL_LINT_NO_CACHE": "1"}
    first = subprocess.Popen(
        [sys.executable, "-m", "dsql_lint", "apply", str(folder), "--dsn", db.dsn]
        + ["--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert first.stdout is not None
    for line in first.stdout:
        if json.loads(line)["event"] == "copy":
            break
    first.send_signal(signal.SIGKILL)
    first.communicate()
    [(status, done)] = copy_row(db)
    assert status == "started" and done in (2999, 5998, 8997), (status, done)
    assert db.query("SELECT count(*) FROM items") == [(done,)]
    # validate says what is left; the rerun continues after the committed rows.
    validate = run_cli("validate", str(folder), "--dsn", db.dsn)
    said = f"{done:,} of its {TOTAL:,} rows committed, {TOTAL - done:,} to go"
    assert validate.code == 1 and said in validate.out
    second = apply(folder, db)
    assert second.code == 0, second.output
    assert copied(second.out)[0] == done + min(MAX_ROWS, TOTAL - done)
    assert_each_row_once(db)
    assert copy_row(db) == [("applied", TOTAL)]


def test_ctrl_c_in_a_batch_cancels_it_and_status_shows_the_rows_committed(
    db: Database, migrations
) -> None:
    """SIGINT while a batch's COPY runs on the server: the COPY is cancelled, its transaction
    rolls back cleanly (no psycopg warning), one line says where, exit 130; status counts the
    batches that committed, as the resume goes on from them."""
    db.execute(TABLE)
    # The second batch's first row waits in its trigger (a cancel ends the wait): the
    # interrupt is sent once the server shows the COPY waiting there.
    db.execute(
        "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$;"
        "CREATE TRIGGER slow BEFORE INSERT ON items FOR EACH ROW"
        " WHEN (NEW.id = 3000) EXECUTE FUNCTION slow()"
    )
    folder = migrations({"V2__items.sql": copy_file(range(1, TOTAL + 1))})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DSQL_LINT_NO_CACHE": "1"}
    run = subprocess.Popen(
        [sys.executable, "-m", "dsql_lint", "apply", str(folder), "--dsn", db.dsn],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A shell's background job (CI's, say) ignores SIGINT, and its children inherit that:
        # this run gets Ctrl-C as a terminal gives it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert run.stderr is not None
    for line in run.stderr:
        if line.startswith("copy "):
            break
    deadline = time.monotonic() + 30
    while not db.query(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'COPY%'"
    ):
        assert time.monotonic() < deadline and run.poll() is None, "no COPY waited"
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    _, rest = run.communicate(timeout=60)
    assert run.returncode == 130, rest
    assert "error ignored" not in rest and "Traceback" not in rest, rest
    (error,) = [line for line in rest.splitlines() if line.strip()]
    assert error == (
        f"dsql-lint: error: interrupted at {folder}/V2__items.sql:1 (the COPY stopped with "
        "2,999 of its 10,000 rows committed, 7,001 to go): the ledger records how far the run "
        "got; run apply again to resume"
    ), rest
    assert copy_row(db) == [("started", 2999)]
    assert db.query("SELECT count(*) FROM items") == [(2999,)]
    status = run_cli("status", str(folder), "--dsn", db.dsn)
    assert "V2__items.sql: in progress (0/1 statements applied; COPY: 2,999 of its 10,000 " in (
        status.out
    )
    said = "[COPY: 2,999 of its 10,000 rows committed, 7,001 to go]"
    assert f"started  COPY items (id, name) FROM stdin  {said}" in (status.out)
    as_json = [
        json.loads(line)
        for line in run_cli(
            "status", str(folder), "--dsn", db.dsn, "--format", "json"
        ).out.splitlines()
    ]
    assert [(e["status"], e["rows_done"], e["rows"]) for e in as_json] == [
        ("in progress", 2999, TOTAL),
        ("started", 2999, TOTAL),
    ]
    validate = run_cli("validate", str(folder), "--dsn", db.dsn)
    said = "interrupted: COPY: 2,999 of its 10,000 rows committed, 7,001 to go: run apply"
    assert said in validate.out
    db.execute("DROP TRIGGER slow ON items")
    resumed = apply(folder, db)
    assert resumed.code == 0, resumed.output
    assert copied(resumed.out)[0] == 5998
    assert_each_row_once(db)


def test_a_failed_batch_keeps_the_rows_before_it_and_the_corrected_file_continues(
    db: Database, migrations
) -> None:
    folder = migrations({"V1__t.sql": TABLE, "V2__items.sql": copy_file(range(1, TOTAL + 1), 7000)})
    failed = apply(folder, db)
    assert failed.code == 1
    assert copied(failed.out) == [2999, 5998]
    # The error names the row's line in the file: row 7,000 is on line 7,001.
    error = events(failed.out)[-1]
    assert error["line"] == 7001 and error["sqlstate"] == "22P04", error
    assert copy_row(db) == [("failed", 5998)]
    assert db.query("SELECT count(*) FROM items") == [(5998,)]
    # repair keeps the committed rows: the next apply continues after them.
    repaired = run_cli("repair", str(folder), "--dsn", db.dsn)
    assert repaired.code == 0 and "5,998 rows" in repaired.output, repaired.output
    (folder / "V2__items.sql").write_text(copy_file(range(1, TOTAL + 1)))
    fixed = apply(folder, db)
    assert fixed.code == 0, fixed.output
    assert copied(fixed.out) == [8997, 10000]
    assert_each_row_once(db)


def test_rows_already_copied_may_not_change(db: Database, migrations) -> None:
    folder = migrations({"V1__t.sql": TABLE, "V2__items.sql": copy_file(range(1, TOTAL + 1), 7000)})
    assert apply(folder, db).code == 1
    # The failing row corrected, and a committed row changed as well.
    edited = copy_file(range(1, TOTAL + 1)).replace("\n5\t5-name\n", "\n5\tfive\n")
    (folder / "V2__items.sql").write_text(edited)
    result = apply(folder, db)
    assert result.code == 1
    assert "the first 5,998 rows of this COPY were committed" in result.output
    assert db.query("SELECT count(*) FROM items") == [(5998,)]


def test_the_preflight_lets_a_batched_copy_through_but_not_one_in_a_block(
    db: Database, migrations
) -> None:
    big = copy_file(range(1, 3502))
    folder = migrations({"V1__t.sql": TABLE, "V2__items.sql": big})
    plan = apply(folder, db, "--dry-run")
    assert plan.code == 0 and '"transaction": "batches of 2,999 rows"' in plan.out, plan.output
    (folder / "V2__items.sql").write_text(f"BEGIN;\n{big}COMMIT;\n")
    blocked = apply(folder, db)
    assert blocked.code == 1 and "DSQL718" in blocked.output, blocked.output
    assert db.query("SELECT to_regclass('items')") == [(None,)]


def test_csv_records_with_line_breaks_and_a_header_are_cut_between_records(
    db: Database, migrations
) -> None:
    records = "".join(f'{i},"line one\nline {i}"\n' for i in range(1, 4001))
    text = f"COPY items (id, name) FROM stdin WITH (FORMAT csv, HEADER);\nid,name\n{records}\\.\n"
    assert len(rows_of(text.split("\n", 1)[0], text.split("\n", 1)[1])) == 4000
    folder = migrations({"V1__t.sql": TABLE, "V2__items.sql": text})
    result = apply(folder, db)
    assert result.code == 0, result.output
    assert copied(result.out) == [2999, 4000]
    assert db.query(
        "SELECT count(DISTINCT id), min(name), count(*) FILTER (WHERE name ~ '\\n') FROM items"
    ) == [(4000, "line one\nline 1", 4000)]


def test_a_header_line_is_set_apart_only_when_the_options_ask_for_one() -> None:
    data = "h\n1\n\\.\n"
    assert rows_of("COPY t (header) FROM stdin", data).header == ""  # a column's name
    assert rows_of("COPY t FROM stdin WITH (FORMAT csv, HEADER false)", data).header == ""
    with_header = rows_of("COPY t FROM stdin WITH (FORMAT text, HEADER)", data)
    assert (with_header.header, with_header.rows) == ("h\n", ["1\n"])


def test_check_says_apply_loads_what_it_reports(tmp_path: Path) -> None:
    """DSQL718 stays (psql would send the block as one transaction), and its help names the
    batches apply sends, as many rows as apply's own batch holds."""
    path = tmp_path / "V1__load.sql"
    path.write_text(TABLE + copy_file(range(1, 3_002)))
    checked = run_cli("check", str(path), "--isolated", "--no-cache")
    assert checked.code == 1 and "DSQL718" in checked.out
    assert "`dsql-lint apply` needs no split" in checked.out
    assert f"in batches of {MAX_ROWS:,} rows" in checked.out
