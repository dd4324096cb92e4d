"""apply runs each framework's migrations as its own tool would (up sections, changesets,
breakpoints; down sections and rollback lines never), against PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Database, run_cli

FRAMEWORKS = Path(__file__).resolve().parents[2] / "fixtures" / "frameworks"


def tables(db: Database) -> list[str]:
    rows = db.query(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'dsql_lint')"
        " ORDER BY 1"
    )
    return [name for (name,) in rows]


def indexes(db: Database) -> list[str]:
    rows = db.query(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
        " AND indexname NOT LIKE '%pkey' ORDER BY 1"
    )
    return [name for (name,) in rows]


def test_goose_up_sections_run_and_down_sections_never(db: Database) -> None:
    result = run_cli("apply", str(FRAMEWORKS / "goose"), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert tables(db) == ["public.users"]
    assert indexes(db) == ["users_email_idx"]
    assert db.query("SELECT touch()") == [(1,)]


def test_liquibase_changesets_run_and_rollback_lines_never(db: Database) -> None:
    result = run_cli("apply", str(FRAMEWORKS / "liquibase"), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert tables(db) == ["public.orders"]
    assert indexes(db) == ["orders_total_idx"]
    assert db.query("SELECT total FROM orders")[0][0] == 1


@pytest.mark.parametrize(
    ("name", "created", "indexed"),
    [
        ("dbmate", ["public.accounts"], ["accounts_name_idx"]),
        ("drizzle", ["public.comments", "public.posts"], ["comments_post_idx"]),
        ("prisma", ["public.Order", "public.User"], []),
    ],
)
def test_dbmate_drizzle_and_prisma(
    db: Database, name: str, created: list[str], indexed: list[str]
) -> None:
    result = run_cli("apply", str(FRAMEWORKS / name), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert tables(db) == created
    assert indexes(db) == indexed


def test_prisma_migrations_are_known_by_their_folder(db: Database) -> None:
    assert run_cli("apply", str(FRAMEWORKS / "prisma"), "--dsn", db.dsn).code == 0
    names = db.query("SELECT name FROM dsql_lint.files WHERE name LIKE '%/migration.sql'")
    assert sorted(n for (n,) in names) == [
        "20240101000000_init/migration.sql",
        "20240201000000_orders/migration.sql",
    ]


def test_apply_with_no_paths_runs_the_configured_folder(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FRAMEWORKS / "goose", tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dsql-lint.yaml").write_text("migrations: db/migrations\n")
    result = run_cli("apply", "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert tables(db) == ["public.users"]


def test_flyway_placeholders_take_the_config_values(db: Database, tmp_path: Path) -> None:
    db.execute("CREATE SCHEMA app")
    result = run_cli("apply", str(FRAMEWORKS / "flyway" / "sql"), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert tables(db) == ["app.items"]
    shutil.copytree(FRAMEWORKS / "flyway" / "sql", tmp_path / "sql")
    (tmp_path / "flyway.conf").write_text("flyway.locations=filesystem:sql\n")
    missing = run_cli("apply", str(tmp_path / "sql"), "--dsn", db.dsn)
    assert missing.code != 0
    assert "V1__create_items.sql:1: placeholder ${schema} has no value" in missing.err


@pytest.mark.parametrize(
    "how",
    [["drizzle"], ["--framework", "drizzle", "drizzle"], []],
    ids=["folder", "framework", "configured"],
)
def test_a_drizzle_migration_its_journal_does_not_list_never_runs(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: list[str]
) -> None:
    shutil.copytree(FRAMEWORKS / "drizzle", tmp_path, dirs_exist_ok=True)
    (tmp_path / "drizzle" / "0002_orphan.sql").write_text("CREATE TABLE orphan (id int);\n")
    (tmp_path / ".dsql-lint.yaml").write_text("migrations: drizzle\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("apply", *how, "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert tables(db) == ["public.comments", "public.posts"]
    assert "orphan" not in result.output
    checked = run_cli("check", *how)
    assert "2 files" in checked.output and "orphan" not in checked.output, checked.output


ORM = FRAMEWORKS.parent / "orm"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            "alembic/migrations/versions/1a2b3c4d5e6f_create_accounts.py",
            "not Alembic migrations: run `alembic upgrade head --sql > upgrade.sql`",
        ),
        ("alembic-locations/db/core", "not Alembic migrations: run `alembic upgrade head --sql"),
        ("django/shop/migrations", "not Django migrations: run `python manage.py sqlmigrate"),
        ("rails/db/migrate", "not Rails migrations: set `config.active_record.schema_format"),
        ("../orm/rails/db/schema.rb", "not a Rails schema: set `config.active_record"),
        ("../orm/prisma/schema.prisma", "not a Prisma schema: run `prisma migrate dev"),
    ],
)
def test_framework_migrations_are_refused_with_how_to_get_their_sql(
    db: Database, given: str, said: str
) -> None:
    # What check reads from them is a reconstruction, and their framework keeps its own
    # history table: apply runs nothing and says how to get the exact SQL.
    path = FRAMEWORKS / given
    result = run_cli("apply", str(path), "--dsn", db.dsn)
    assert result.code == 2, result.output
    [line] = result.err.splitlines()
    assert line.startswith(f"dsql-lint: error: {path}: apply runs SQL files, {said}")
    assert tables(db) == []
    assert db.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'dsql_lint'") == [(0,)]


def test_a_configured_framework_folder_is_refused_with_no_path(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FRAMEWORKS / "django", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".dsql-lint.yaml").write_text("migrations: shop/migrations\nframework: django\n")
    monkeypatch.chdir(tmp_path)
    for command in ("apply", "status", "validate"):
        result = run_cli(command, "--dsn", db.dsn)
        assert result.code == 2, result.output
        assert "apply runs SQL files, not Django migrations" in result.err
    assert tables(db) == []


def test_a_first_apply_on_a_database_another_tool_migrated_points_to_baseline(
    db: Database, tmp_path: Path
) -> None:
    """apply never writes dbmate's or Flyway's history table; on a database that has one and
    no dsql-lint ledger yet, its first run says so in one line and names `baseline`."""
    db.execute("CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)")
    db.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20240101000000_users.sql").write_text(
        "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n"
        "-- migrate:down\nDROP TABLE users;\n"
    )
    first = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert first.code == 0, first.output
    (warning,) = [line for line in first.err.splitlines() if line.startswith("warning: ")]
    assert warning == (
        "warning: this database has another tool's migration history, "
        "public.schema_migrations (golang-migrate, dbmate or Rails), and no dsql-lint ledger: "
        "if that tool applied these migrations, stop and run `dsql-lint baseline --version V` "
        "first, or apply runs them all again (apply never reads or writes that table)"
    )
    # The other tool's table is left as it was; later runs have a ledger and say nothing.
    assert db.query("SELECT version FROM schema_migrations") == [("20240101000000",)]
    (folder / "20240102000000_more.sql").write_text(
        "-- migrate:up\nCREATE TABLE more (id bigint PRIMARY KEY);\n"
    )
    second = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert second.code == 0 and "warning: " not in second.err, second.output


def test_flyway_s_history_table_is_named_too(db: Database, migrations) -> None:
    db.execute("CREATE SCHEMA app; CREATE TABLE app.flyway_schema_history (version text)")
    folder = migrations({"V1__a.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n"})
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--format", "json")
    assert result.code == 0, result.output
    warnings = [
        e["message"] for e in map(json.loads, result.out.splitlines()) if e["event"] == "warning"
    ]
    assert len(warnings) == 1 and "app.flyway_schema_history (Flyway)" in warnings[0]
    later = migrations({"V2__b.sql": "CREATE TABLE b (id bigint PRIMARY KEY);\n"})
    assert '"warning"' not in run_cli("apply", str(later), "--dsn", db.dsn, "--format", "json").out


def test_a_rails_db_folder_runs_its_sql_and_says_the_rb_files_are_not_run(
    db: Database, tmp_path: Path
) -> None:
    # A Rails db/ holds structure.sql (the SQL to apply) beside db/migrate and schema.rb:
    # apply runs the SQL, as Flyway passes over what is no SQL migration, and says so.
    shutil.copytree(FRAMEWORKS / "rails" / "db", tmp_path / "db")
    (tmp_path / "db" / "structure.sql").write_text("CREATE TABLE users (id uuid PRIMARY KEY);\n")
    result = run_cli("apply", str(tmp_path / "db"), "--dsn", db.dsn)
    assert result.code == 0, result.output
    warnings = [line for line in result.err.splitlines() if "warning" in line]
    assert warnings == [
        "dsql-lint: warning: Rails migrations not run (3 files): apply runs SQL files; set "
        "`config.active_record.schema_format = :sql`, run `rails db:migrate` on a local "
        "database, then `rails db:structure:dump`, and apply db/structure.sql"
    ]
    assert tables(db) == ["public.users"]
