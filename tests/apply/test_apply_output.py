"""What a failed run says: the error last, at the line PostgreSQL points at, with DETAIL and
HINT; transient outages retried; region and TLS mistakes explained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FAKE_ENDPOINT, Database, ledger_rows, run_cli

SETUP = "CREATE TABLE t (id integer PRIMARY KEY);\n"
BAD_COLUMN = SETUP + "INSERT INTO t (id)\nSELECT\n    idd\nFROM t;\n"


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_a_failed_run_ends_with_its_error(db: Database, migrations) -> None:
    folder = str(migrations({"V1__bad.sql": BAD_COLUMN}))
    result = run_cli("apply", folder, "--dsn", db.dsn, "--format", "json")
    assert result.code == 1
    done, error = events(result.out)[-2:]
    assert done["event"] == "done" and done["exit"] == result.code == 1
    assert error["event"] == "error"
    # PostgreSQL points at `idd`, three lines into the statement that starts on line 2.
    assert (error["line"], error["statement_line"], error["sqlstate"]) == (4, 2, "42703")
    assert error["message"].startswith(f'{folder}/V1__bad.sql:4: column "idd" does not exist')
    assert 'HINT: Perhaps you meant to reference the column "t.id"' in error["message"]
    assert error["hint"].startswith("Perhaps you meant")


def test_text_output_has_no_done_line_on_failure(db: Database, migrations) -> None:
    folder = str(migrations({"V1__bad.sql": BAD_COLUMN}))
    result = run_cli("apply", folder, "--dsn", db.dsn)
    assert result.code == 1
    assert "done:" not in result.err
    assert result.err.rstrip().splitlines()[-1].startswith("  HINT: Perhaps you meant")


def test_detail_is_kept(db: Database, migrations) -> None:
    db.execute("CREATE TABLE u (id integer PRIMARY KEY); INSERT INTO u VALUES (1);")
    folder = str(migrations({"V1__dup.sql": "INSERT INTO u\nVALUES (1);\n"}))
    result = run_cli("apply", folder, "--dsn", db.dsn, "--format", "json")
    error = events(result.out)[-1]
    assert error["sqlstate"] == "23505" and error["detail"] == "Key (id)=(1) already exists."
    assert "\n  DETAIL: Key (id)=(1) already exists." in error["message"]
    assert [r[2] for r in ledger_rows(db)] == ["failed"]


# XX000 `server unavailable` (dsql-facts.md): injected the first N times, for DDL at the
# statement and for DML at COMMIT (a deferred constraint trigger).
UNAVAILABLE = """
CREATE TABLE outage (n integer NOT NULL);
CREATE SEQUENCE outage_hits;
CREATE FUNCTION outage_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_query() NOT LIKE '%dsql_lint%'
     AND nextval('outage_hits') <= (SELECT n FROM outage) THEN
    RAISE EXCEPTION 'server unavailable' USING ERRCODE = 'XX000';
  END IF;
END $$;
CREATE EVENT TRIGGER outage ON ddl_command_end EXECUTE FUNCTION outage_ddl();
CREATE TABLE items (id integer PRIMARY KEY);
CREATE FUNCTION outage_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('outage_hits') <= (SELECT n FROM outage) THEN
    RAISE EXCEPTION 'server unavailable' USING ERRCODE = 'XX000';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER outage AFTER INSERT ON items DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION outage_commit();
"""


def test_server_unavailable_retries_the_unit(db: Database, migrations) -> None:
    db.execute(UNAVAILABLE)
    folder = str(migrations({"V1__t.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n"}))
    db.execute("INSERT INTO outage VALUES (2)")
    first = run_cli("apply", folder, "--dsn", db.dsn, "--format", "json")
    retries = [e for e in events(first.out) if e["event"] == "retry"]
    assert first.code == 0, first.output
    assert [r["sqlstate"] for r in retries] == ["XX000", "XX000"]
    assert db.query("SELECT to_regclass('a') IS NOT NULL") == [(True,)]
    # The next hit (1000) fails, at the COMMIT of the rows, then none.
    db.execute("UPDATE outage SET n = 1000; SELECT setval('outage_hits', 999)")
    migrations({"V2__rows.sql": "INSERT INTO items VALUES (1);\n"})
    rows = run_cli("apply", folder, "--dsn", db.dsn, "--format", "json")
    assert rows.code == 0, rows.output
    assert [e["sqlstate"] for e in events(rows.out) if e["event"] == "retry"] == ["XX000"]
    assert db.query("SELECT id FROM items") == [(1,)]
    assert {r[2] for r in ledger_rows(db)} == {"applied"}


def test_a_token_for_another_region_is_warned_about(aws_env: None, tmp_path) -> None:
    (tmp_path / "V1__a.sql").write_text(SETUP)
    result = run_cli(
        "apply",
        "V1__a.sql",
        "--endpoint",
        FAKE_ENDPOINT,
        "--region",
        "eu-west-1",
        "--connect-to",
        "127.0.0.1:1/postgres",
    )
    assert result.code == 1
    assert "signed for region eu-west-1" in result.err
    assert "in us-east-1: the cluster will refuse it; use --region us-east-1" in result.err


def test_verify_ca_without_a_ca_file_is_refused_with_working_advice(
    aws_env: None, migrations
) -> None:
    folder = migrations({"V1__a.sql": "CREATE TABLE t (id uuid PRIMARY KEY);\n"})
    command = ["apply", str(folder), "--endpoint", FAKE_ENDPOINT, "--sslmode", "verify-ca"]
    result = run_cli(*command)
    assert result.code == 2
    assert "verify-ca needs --sslrootcert FILE" in result.err
    assert "use verify-full (the default)" in result.err


def test_no_credentials_is_one_error_line_and_no_done_line(
    migrations, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    folder = migrations({"V1__a.sql": "CREATE TABLE t (id uuid PRIMARY KEY);\n"})
    result = run_cli("apply", str(folder), "--endpoint", "abc.dsql.us-east-1.on.aws")
    assert result.code == 2
    assert "done:" not in result.output
    assert "cannot sign an IAM token" in result.err and "Traceback" not in result.err


def test_a_long_statement_is_shown_cut_in_text_and_json(db: Database, migrations) -> None:
    rows = ", ".join(f"({i})" for i in range(2000))  # a data file's one-line INSERT
    folder = str(migrations({"V1__data.sql": SETUP + f"INSERT INTO t (id) VALUES {rows};\n"}))
    text = run_cli("apply", folder, "--dsn", db.dsn, "--dry-run")
    assert text.code == 0, text.output
    shown = next(line for line in text.output.splitlines() if "INSERT INTO t" in line)
    assert shown.endswith("INSERT INTO t (id) VALUES " + rows[: 80 - 29].rstrip() + "..."), shown
    db.execute("DROP TABLE IF EXISTS t")
    result = run_cli("apply", folder, "--dsn", db.dsn, "--format", "json")
    assert result.code == 0, result.output
    (insert,) = [e for e in events(result.out) if "INSERT" in e.get("sql", "")]
    assert insert["sql"] == shown.split("pending   ")[1]
    assert db.query("SELECT count(*) FROM t") == [(2000,)]
    logged = run_cli("apply", folder, "--dsn", db.dsn)
    assert logged.code == 0 and "(1999)" not in logged.output
