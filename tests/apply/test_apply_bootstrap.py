"""The configuration's `bootstrap:` files (SQL run before the framework's runner, such as its
bookkeeping table in DSQL's form) mean to apply what they mean to check: they run first, once,
recorded in the ledger like any file; status and validate list them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import Database, run_cli

PROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "runners" / "drizzle-bootstrap"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(PROJECT, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def applied_order(db: Database) -> list[str]:
    rows = db.query("SELECT name FROM dsql_lint.files ORDER BY applied_at, name")
    return [name for (name,) in rows]


def test_bootstrap_runs_first_then_the_migrations(db: Database, project: Path) -> None:
    result = run_cli("apply", "drizzle", "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert applied_order(db)[0] == "bootstrap.sql"
    assert db.query("SELECT count(*) FROM drizzle.__drizzle_migrations") == [(0,)]
    assert db.query("SELECT to_regclass('public.tickets') IS NOT NULL") == [(True,)]
    # Once: a second run has nothing to do, and status and validate know the file.
    again = run_cli("apply", "drizzle", "--dsn", db.dsn)
    assert again.code == 0 and "done: 0 applied" in again.output, again.output
    assert "skipped  db/bootstrap.sql:3" in again.output
    status = run_cli("status", "drizzle", "--dsn", db.dsn)
    assert "bootstrap.sql" in status.out, status.output
    assert run_cli("validate", "drizzle", "--dsn", db.dsn).code == 0


def test_without_the_key_the_bootstrap_file_is_not_run(db: Database, project: Path) -> None:
    (project / ".dsql-lint.yaml").unlink()
    assert run_cli("apply", "drizzle", "--dsn", db.dsn).code == 0
    assert db.query("SELECT to_regclass('drizzle.__drizzle_migrations')") == [(None,)]


def test_the_dry_run_lists_it_first(project: Path) -> None:
    result = run_cli("apply", "drizzle", "--dry-run")
    assert result.code == 0, result.output
    shown = result.out
    assert shown.index("bootstrap.sql") < shown.index("0000_users.sql"), shown
