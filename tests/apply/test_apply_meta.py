"""psql meta-commands in migrations: `\\i`/`\\ir` inlined, the dangerous ones refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Database, ledger_rows, run_cli


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def test_included_files_run_as_part_of_the_migration(db: Database, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {
            "V1__schema.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n\\ir common/b.sql\n"
            "INSERT INTO b VALUES (1);\n",
            "common/b.sql": "CREATE TABLE b (id bigint PRIMARY KEY);\n",
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert db.query("SELECT id FROM b") == [(1,)]
    # common/b.sql is part of V1, not a migration of its own
    assert [(r[0], r[1], r[2]) for r in ledger_rows(db)] == [
        ("V1__schema.sql", 0, "applied"),
        ("V1__schema.sql", 1, "applied"),
        ("V1__schema.sql", 2, "applied"),
    ]
    # an edit of the included file is an edit of the migration
    (folder / "common" / "b.sql").write_text("CREATE TABLE b (id bigint PRIMARY KEY, x int);\n")
    edited = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert edited.code == 1 and "V1__schema.sql was edited" in edited.err


def test_an_included_file_is_shown_as_the_migrations_were_given(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given relative to the working directory, the included file's statements are shown
    relative to it too (the plan, the progress lines and the errors), as every other path."""
    write(
        tmp_path / "db" / "m",
        {
            "V1__a.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n\\ir lib/part.sql\n",
            "lib/part.sql": "CREATE TABLE b (id bigint PRIMARY KEY);\nSELECT 1/0;\n",
        },
    )
    monkeypatch.chdir(tmp_path / "db")
    plan = run_cli("apply", "m", "--dry-run")
    assert "  m/lib/part.sql:1 " in plan.out, plan.output
    result = run_cli("apply", "m", "--dsn", db.dsn)
    assert result.code == 1
    assert "applied  m/lib/part.sql:1  CREATE TABLE b" in result.err, result.err
    assert "dsql-lint: error: m/lib/part.sql:2: division by zero" in result.err, result.err
    assert str(tmp_path) not in result.output


def test_an_include_cycle_is_refused(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {"V1__a.sql": "SELECT 1;\n\\ir b.sql\n", "b.sql": "SELECT 2;\n\\ir V1__a.sql\n"},
    )
    result = run_cli("apply", str(folder), "--dry-run")
    assert result.code == 2
    assert "include cycle (V1__a.sql -> b.sql -> V1__a.sql)" in result.err


def test_an_include_outside_the_migrations_folder_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"outside.sql": "SELECT 1;\n"})
    folder = write(tmp_path / "m", {"V1__a.sql": "SELECT 1;\n\\ir ../outside.sql\n"})
    result = run_cli("apply", str(folder), "--dry-run")
    assert result.code == 2
    assert "V1__a.sql:2:" in result.err and "inside the migrations folder" in result.err


@pytest.mark.parametrize(
    "meta",
    [
        "\\connect other",
        "\\c other",
        "\\copy t FROM 'rows.csv'",
        "\\! rm -rf /tmp/x",
        "\\gexec",
        # psql would skip the DROP; apply would run it
        "\\if false\nDROP TABLE a;\n\\endif",
        "\\set tbl a\nDROP TABLE :tbl;",
        "SELECT 1 AS one \\gset",
        "\\q\nDROP TABLE a;",
        "\\echo ok \\connect other",
        "\\set AUTOCOMMIT off",
        "\\echo `rm -rf /tmp/x`",
        "\\some_future_command",
        "SELECT 1 \\; DROP TABLE a;",  # one query, one transaction, under psql
    ],
)
def test_meta_commands_apply_does_not_reproduce_refuse_the_plan_before_anything_runs(
    db: Database, tmp_path: Path, meta: str
) -> None:
    folder = write(
        tmp_path / "m",
        {
            "V1__a.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n",
            "V2__b.sql": f"CREATE TABLE b (id bigint PRIMARY KEY);\n\n{meta}\n",
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--force")
    assert result.code == 2, result.output
    assert "V2__b.sql:3: \\" in result.err and "refused" in result.err
    assert db.query("SELECT to_regclass('a')") == [(None,)]


def test_meta_commands_that_change_nothing_the_server_receives_are_passed_over(
    db: Database, tmp_path: Path
) -> None:
    folder = write(
        tmp_path / "m",
        {
            "V1__a.sql": "\\set ON_ERROR_STOP on\n\\set unread 1\n\\pset format unaligned\n"
            "\\echo creating a :unread\nCREATE TABLE a (id bigint PRIMARY KEY);\n"
            "\\timing on\n\\encoding UTF8\nINSERT INTO a VALUES (1);\n",
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert db.query("SELECT id FROM a") == [(1,)]


def test_psql_variables_given_with_v_are_put_in_as_psql_puts_them(
    db: Database, tmp_path: Path
) -> None:
    """`:"name"` a quoted name, `:'name'` a literal (with a backslash, E''), `:name` as
    written: the server gets what psql would send it."""
    folder = write(
        tmp_path / "m",
        {
            "V1__a.sql": 'CREATE TABLE :"tbl" (id bigint PRIMARY KEY, note text DEFAULT '
            ":'note', path text DEFAULT :'path');\nINSERT INTO :\"tbl\" (id) VALUES (:id);\n",
        },
    )
    args = ("-v", 'tbl=Odd"Name', "-v", "note=it's", "--set", "path=C:\\dir", "-v", "id=7")
    result = run_cli("apply", str(folder), "--dsn", db.dsn, *args)
    assert result.code == 0, result.output
    assert db.query('SELECT id, note, path FROM "Odd""Name"') == [(7, "it's", "C:\\dir")]


def test_a_variable_read_after_a_word_is_put_in_and_a_slice_is_sent_as_written(
    db: Database, tmp_path: Path
) -> None:
    """psql reads `t_:sfx` as `t_` and the variable `sfx`, and sends a slice's `[1:n]`, whose
    `n` has no value, as written: so does apply."""
    folder = write(
        tmp_path / "m",
        {
            "V1__a.sql": "CREATE TABLE t_:sfx (id bigint PRIMARY KEY, n int);\n"
            "INSERT INTO t_:sfx VALUES (1, 2);\n"
            "CREATE VIEW w AS SELECT (ARRAY[10, 20, 30])[1:n] AS s FROM t_:sfx;\n",
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "-v", "sfx=v2")
    assert result.code == 0, result.output
    assert db.query("SELECT s FROM w") == [([10, 20],)]
    assert db.query("SELECT to_regclass('t_v2') IS NOT NULL") == [(True,)]


def test_a_psql_variable_with_no_value_refuses_the_migration(db: Database, tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"V1__a.sql": "SELECT 1;\nCREATE TABLE :tbl (id int);\n"})
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 2, result.output  # refused before anything runs, as DSQL013
    assert "V1__a.sql:2:" in result.err and "psql variable `:tbl` has no value" in result.err
    assert db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'tbl'") == [(0,)]


def test_a_set_read_by_an_included_file_is_refused(tmp_path: Path) -> None:
    """psql runs the included file with the including file's variables: a `\\set` its
    included file reads changes what psql sends, which apply would send as written."""
    folder = write(
        tmp_path / "m",
        {"V1__a.sql": "\\set tbl items\n\\ir b.sql\n", "b.sql": "CREATE TABLE :tbl (id int);\n"},
    )
    result = run_cli("apply", str(folder), "--dry-run")
    assert result.code == 2, result.output
    assert "V1__a.sql:1: \\set tbl refused: it sets a psql variable (:tbl) that b.sql" in result.err


def test_an_include_reads_the_variables_given(db: Database, tmp_path: Path) -> None:
    """`\\ir :dir/b.sql` with `-v dir=common` runs common/b.sql, as psql does."""
    folder = write(
        tmp_path / "m",
        {
            "V1__schema.sql": "\\ir :dir/b.sql\n",
            "common/b.sql": "CREATE TABLE b (id bigint PRIMARY KEY);\n",
        },
    )
    missing = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert missing.code != 0 and db.query("SELECT to_regclass('b') IS NULL") == [(True,)]
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "-v", "dir=common")
    assert result.code == 0, result.output
    assert db.query("SELECT count(*) FROM b") == [(0,)]
