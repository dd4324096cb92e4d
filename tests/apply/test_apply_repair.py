"""repair and baseline as ledger writers: they take the apply lock, baseline retries the
ledger's DDL on conflicts, `repair --mark-applied` records a file applied by hand, repair
forgets a failed file deleted from the folder and marks an applied one deleted; the plan
leaves out the config's `exclude`."""

from __future__ import annotations

from pathlib import Path

from conftest import Database, ledger_rows, run_cli
from test_apply_occ import DML_CONFLICTS

LOG = "CREATE TABLE log (n bigint PRIMARY KEY);\n"


def entry(n: int) -> str:
    return f"INSERT INTO log VALUES ({n});\n"


def hold_lock(db: Database) -> None:
    """The lock row of a live run on another machine (its heartbeat is fresh)."""
    db.execute(
        "INSERT INTO dsql_lint.lock (name, run_id, host, boot_id, pid, started_at, heartbeat_at)"
        " VALUES ('apply', 'otherrun', 'elsewhere', 'b', 1, now(), now())"
    )


def test_repair_and_baseline_wait_for_the_lock_like_apply(db: Database, migrations) -> None:
    folder = migrations({"V1__log.sql": LOG, "V2__a.sql": entry(1) + entry(1)})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 1  # V2 fails: a row to repair
    hold_lock(db)
    for command in (["repair"], ["baseline", "--version", "1"]):
        result = run_cli(*command, str(folder), "--dsn", db.dsn, "--lock-timeout", "0")
        assert result.code == 1, result.output
        assert "another apply holds the lock: run otherrun (host elsewhere" in result.err
    assert ("V2__a.sql", 1, "failed") in [r[:3] for r in ledger_rows(db)]  # repair wrote nothing
    db.execute("DELETE FROM dsql_lint.lock")
    repaired = run_cli("repair", str(folder), "--dsn", db.dsn)
    assert repaired.code == 0 and "removed failed V2__a.sql statement 1" in repaired.out
    assert db.query("SELECT count(*) FROM dsql_lint.lock") == [(0,)]  # given back


def test_baseline_retries_conflicts_while_it_creates_the_ledger(db: Database, migrations) -> None:
    # DSQL's catalog conflict (dsql-facts.md, OCC) on the ledger's first two DDL statements.
    db.execute(
        "CREATE SEQUENCE hits;"
        "CREATE FUNCTION conflict() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF current_query() LIKE '%dsql_lint%' AND nextval('hits') <= 2 THEN"
        " RAISE EXCEPTION 'change conflicts with another transaction, please retry: (OC001)'"
        " USING ERRCODE = '40001'; END IF; END $$;"
        "CREATE EVENT TRIGGER conflict ON ddl_command_start EXECUTE FUNCTION conflict()"
    )
    folder = migrations({"V1__log.sql": LOG, "V2__a.sql": entry(1)})
    result = run_cli("baseline", str(folder), "--version", "1", "--dsn", db.dsn)
    assert result.code == 0, result.output
    # CREATE SCHEMA conflicts twice and goes through on its third try; the three tables next.
    assert db.query("SELECT last_value FROM hits") == [(6,)]
    assert db.query("SELECT name FROM dsql_lint.files") == [("<< baseline 1 >>",)]


def test_mark_applied_records_a_file_applied_by_hand_without_running_it(
    db: Database, migrations
) -> None:
    db.execute(LOG)
    folder = migrations({"V1__a.sql": entry(1), "V2__b.sql": entry(2) + "SELECT 1/0;\n"})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 1
    db.execute("INSERT INTO log VALUES (20)")  # the user did V2's work by hand
    marked = run_cli(
        "repair", str(folder), "--dsn", db.dsn, "--mark-applied", str(folder / "V2__b.sql")
    )
    assert marked.code == 0, marked.output
    assert "V2__b.sql: marked applied (1 statement), not run" in marked.out
    assert "repair: 1 change" in marked.err
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0
    again = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert again.code == 0 and "done: 0 applied" in again.err, again.output
    assert db.query("SELECT n FROM log ORDER BY n") == [(1,), (2,), (20,)]
    twice = run_cli("repair", str(folder), "--dsn", db.dsn, "--mark-applied", "V2__b.sql")
    assert "already applied, nothing to mark" in twice.out and "repair: 0 changes" in twice.err
    unknown = run_cli("repair", str(folder), "--dsn", db.dsn, "--mark-applied", "V9__x.sql")
    assert unknown.code == 2
    assert f"--mark-applied V9__x.sql: no such file in {folder}" in unknown.err


def test_mark_applied_says_what_the_file_is_when_it_is_no_migration(
    db: Database, migrations, tmp_path: Path
) -> None:
    """An undo or down file never runs forward; a missing file is named as such, with the
    migrations its name is close to; a file outside the folders given is not in them. Each is
    a usage error (exit 2) that changes nothing."""
    folder = migrations(
        {
            "V1__a.sql": entry(1),
            "V2__orders.sql": entry(2),
            "U2__orders.sql": "SELECT 1;\n",
            "3_more.down.sql": "SELECT 1;\n",
        }
    )
    db.execute(LOG)

    def mark(path: str) -> str:
        result = run_cli("repair", str(folder), "--dsn", db.dsn, "--mark-applied", path)
        assert result.code == 2, result.output
        return result.err.strip()

    undo = mark(str(folder / "U2__orders.sql"))
    assert undo.endswith(
        "U2__orders.sql: an undo file: apply never runs it, so it is never recorded as "
        f"applied; mark {folder / 'V2__orders.sql'} instead"
    ), undo
    down = mark(str(folder / "3_more.down.sql"))
    assert down.endswith(
        "a down migration: apply never runs it, so it is never recorded as applied"
    )
    typo = mark(str(folder / "V2__order.sql"))
    assert typo.endswith(
        f"V2__order.sql: no such file in {folder} (did you mean {folder / 'V2__orders.sql'}?)"
    ), typo
    elsewhere = tmp_path / "V7__elsewhere.sql"
    elsewhere.write_text(entry(7))
    assert mark(str(elsewhere)).endswith(f"not among the migrations of {folder}")
    assert db.query("SELECT to_regclass('dsql_lint.files')") == [(None,)]


def test_a_failed_file_deleted_from_the_folder_is_forgotten_by_repair(
    db: Database, migrations
) -> None:
    db.execute(LOG)
    folder = migrations({"V1__a.sql": entry(1), "V2__b.sql": entry(1)})  # V2 fails
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 1
    (folder / "V2__b.sql").unlink()  # replaced by another migration
    (folder / "V3__c.sql").write_text(entry(3))
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    stuck = run_cli("validate", str(folder), "--dsn", db.dsn)
    assert stuck.code == 1 and "V2__b.sql: missing" in stuck.out
    (folder / "V1__a.sql").rename(folder.parent / "V1__a.sql")  # an applied file goes missing
    repaired = run_cli("repair", str(folder), "--dsn", db.dsn)
    assert repaired.code == 0, repaired.output
    assert "removed V2__b.sql: not in the folder, and never finished" in repaired.out
    assert "marked V1__a.sql deleted: applied, and no longer in the folder" in repaired.out
    assert "V2__b.sql" not in {r[0] for r in ledger_rows(db)}
    assert db.query("SELECT name FROM dsql_lint.files ORDER BY name") == [
        ("V1__a.sql",),
        ("V3__c.sql",),
    ]
    # As after Flyway's repair: a deleted migration is no longer "missing".
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0
    (folder.parent / "V1__a.sql").rename(folder / "V1__a.sql")  # back: still applied
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0
    again = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert again.code == 0 and "done: 0 applied" in again.err, again.output
    assert db.query("SELECT n FROM log ORDER BY n") == [(1,), (3,)]


def test_the_plan_leaves_out_the_files_the_config_excludes(
    db: Database, tmp_path: Path, migrations
) -> None:
    folder = migrations({"V1__log.sql": LOG, "V2__a.sql": entry(1)})
    (folder / "legacy").mkdir()
    (folder / "legacy" / "V0__old.sql").write_text("CREATE TABLE old (id int PRIMARY KEY);\n")
    (tmp_path / ".dsql-lint.yaml").write_text("exclude: ['migrations/legacy/*.sql']\n")
    plan = run_cli("apply", str(folder), "--dsn", db.dsn, "--dry-run")
    assert "V2__a.sql" in plan.out and "V0__old.sql" not in plan.out, plan.output
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0 and "apply: 2 files" in result.err, result.output
    assert db.query("SELECT to_regclass('old')") == [(None,)]
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0


def test_a_batched_copy_is_retried_on_conflicts_without_doubling_rows(
    db: Database, migrations
) -> None:
    db.execute(DML_CONFLICTS + "INSERT INTO occ_config VALUES (2);")
    rows = "\n".join(f"{i}\t{i}-name" for i in range(1, 4001))
    folder = migrations({"V1__items.sql": f"COPY items (id, name) FROM stdin;\n{rows}\n\\.\n"})
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--format", "json")
    assert result.code == 0, result.output
    assert result.out.count('"event": "retry"') == 2
    assert db.query("SELECT count(*), count(DISTINCT id) FROM items") == [(4000, 4000)]


def test_an_accepted_edit_is_not_run_and_every_command_says_so(db: Database, migrations) -> None:
    folder = migrations({"V1__log.sql": LOG})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    (folder / "V1__log.sql").write_text(LOG + "CREATE TABLE extra (n int PRIMARY KEY);\n")
    accepted = run_cli(
        "repair", str(folder), "--dsn", db.dsn, "--accept-edits", str(folder / "V1__log.sql")
    )
    assert accepted.code == 0 and "the edit is accepted, and is not run" in accepted.out
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0
    status = run_cli("status", str(folder), "--dsn", db.dsn)
    assert "applied (1/2 statements applied, 1 not run: edits accepted by repair)" in status.out
    assert "pending" not in status.out
    again = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert "not run  " in again.err and "V1__log.sql:2" in again.err
    assert "done: 0 applied, 1 already applied, 1 not run (edits accepted by repair)" in again.err
    assert db.query("SELECT to_regclass('extra') IS NULL") == [(True,)]
