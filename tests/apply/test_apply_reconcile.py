"""Reconciliation never lies: a refused DDL is not "applied", a crash in the window is
decided by the catalog's change from the state recorded with the intent, or not at all."""

from __future__ import annotations

from conftest import Database, ledger_rows, run_cli
from pg_proxy import Proxy

VIEW = "CREATE TABLE t (a integer, b integer, c integer);\nCREATE VIEW v AS SELECT a, b FROM t;\n"


def proxied(db: Database, port: int) -> str:
    return f"host=127.0.0.1 port={port} dbname={db.name} user=postgres sslmode=disable"


def cut_run(db: Database, folder: str, statement: str, after: bool) -> None:
    """Apply with the connection cut at `statement`: before the server sees it, or after it
    ran but before its answer came back (the crash window). The run stops there (no
    reconnect), so the next run is the one that reconciles."""
    with Proxy(db.server.port, cut_on=statement, cut_after=after) as proxy:
        result = run_cli("apply", folder, "--max-reconnects", "0", "--dsn", proxied(db, proxy.port))
    assert proxy.cuts == 1 and result.code == 1, result.output


def view_columns(db: Database) -> list[str]:
    return [
        name
        for (name,) in db.query(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'v'::regclass ORDER BY attnum"
        )
    ]


def test_a_refused_replace_view_is_never_reconciled_as_applied(db: Database, migrations) -> None:
    db.execute(VIEW)
    folder = str(migrations({"V1__view.sql": "CREATE OR REPLACE VIEW v AS SELECT a FROM t;\n"}))
    first = run_cli("apply", folder, "--dsn", db.dsn)
    assert first.code == 1 and "42P16" in first.err, first.output
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 1 and "42P16" in again.err, again.output
    assert "catalog shows its effect" not in again.output
    assert view_columns(db) == ["a", "b"]
    assert [r[2] for r in ledger_rows(db)] == ["failed"]


def test_a_failed_create_table_of_an_existing_table_stays_failed(db: Database, migrations) -> None:
    db.execute("CREATE TABLE x (id integer);")
    folder = str(migrations({"V1__x.sql": "CREATE TABLE x (id bigint PRIMARY KEY);\n"}))
    assert run_cli("apply", folder, "--dsn", db.dsn).code == 1
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 1 and "42P07" in again.err, again.output
    assert [r[2] for r in ledger_rows(db)] == ["failed"]


def test_replace_view_cut_before_it_ran_is_run_again(db: Database, migrations) -> None:
    db.execute(VIEW)
    folder = str(
        migrations({"V1__view.sql": "CREATE OR REPLACE VIEW v AS SELECT a, b, c FROM t;\n"})
    )
    cut_run(db, folder, "CREATE OR REPLACE VIEW", after=False)
    assert view_columns(db) == ["a", "b"]
    assert [r[2] for r in ledger_rows(db)] == ["started"]
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert "not applied (the catalog is as before): running it again" in again.err
    assert view_columns(db) == ["a", "b", "c"]


def test_replace_view_cut_after_it_ran_is_reconciled(db: Database, migrations) -> None:
    db.execute(VIEW)
    folder = str(
        migrations({"V1__view.sql": "CREATE OR REPLACE VIEW v AS SELECT a, b, c FROM t;\n"})
    )
    cut_run(db, folder, "CREATE OR REPLACE VIEW", after=True)
    assert view_columns(db) == ["a", "b", "c"]
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert "applied (the catalog shows its effect)" in again.err
    assert [r[2] for r in ledger_rows(db)] == ["applied"]


def test_an_unnamed_index_cut_after_it_ran_is_found_not_built_twice(
    db: Database, migrations
) -> None:
    db.execute("CREATE TABLE t (c integer); CREATE INDEX t_c_old ON t (c);")
    folder = str(migrations({"V1__ix.sql": "CREATE INDEX ASYNC ON t (c);\n"}))
    cut_run(db, folder, "INDEX ON t", after=True)
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert "applied (index t_c_idx appeared and is valid)" in again.err
    indexes = db.query("SELECT indexname FROM pg_indexes WHERE tablename = 't' ORDER BY 1")
    assert indexes == [("t_c_idx",), ("t_c_old",)]


def test_an_unnamed_index_cut_before_it_ran_is_built_once(db: Database, migrations) -> None:
    db.execute("CREATE TABLE t (c integer);")
    folder = str(migrations({"V1__ix.sql": "CREATE INDEX ASYNC ON t (c);\n"}))
    cut_run(db, folder, "INDEX ON t", after=False)
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert db.query("SELECT count(*) FROM pg_indexes WHERE tablename = 't'") == [(1,)]


def test_where_the_catalog_cannot_tell_every_run_stops_and_names_repair(
    db: Database, migrations
) -> None:
    db.execute("CREATE TABLE t (c integer);")
    folder = str(migrations({"V1__c.sql": "COMMENT ON TABLE t IS 'counted';\n"}))
    cut_run(db, folder, "COMMENT ON", after=True)
    for _ in range(2):
        again = run_cli("apply", folder, "--dsn", db.dsn)
        assert again.code == 1, again.output
        assert "cannot tell whether it took effect" in again.err
        assert "dsql-lint repair" in again.err
        assert [r[2] for r in ledger_rows(db)] == ["started"]
    cleared = run_cli("repair", folder, "--dsn", db.dsn)
    assert cleared.code == 0 and "removed undecided V1__c.sql statement 0" in cleared.output
    assert run_cli("apply", folder, "--dsn", db.dsn).code == 0
    assert db.query("SELECT obj_description('t'::regclass)") == [("counted",)]


def columns_of(db: Database, table: str) -> list[str]:
    return [
        name
        for (name,) in db.query(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum",
            table,
        )
    ]


def test_a_statement_of_several_effects_is_decided_on_all_of_them(db: Database, migrations) -> None:
    db.execute("CREATE TABLE t (a integer);")
    folder = str(
        migrations({"V1__cols.sql": "ALTER TABLE t ADD COLUMN b int, ADD COLUMN c int;\n"})
    )
    cut_run(db, folder, "ADD COLUMN b", after=False)
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert "not applied (the catalog is as before): running it again" in again.err
    assert columns_of(db, "t") == ["a", "b", "c"]


def test_a_rename_cut_after_it_ran_is_reconciled(db: Database, migrations) -> None:
    db.execute("CREATE TABLE t (a integer);")
    folder = str(migrations({"V1__mv.sql": "ALTER TABLE t RENAME COLUMN a TO b;\n"}))
    cut_run(db, folder, "RENAME COLUMN", after=True)
    again = run_cli("apply", folder, "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert "applied (the catalog shows its effect)" in again.err
    assert columns_of(db, "t") == ["b"]
