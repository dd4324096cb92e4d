"""Alembic's transaction across revisions: an online `upgrade` runs every pending revision in
env.py's one transaction unless `context.configure(..., transaction_per_migration=True)`. The
fixture's env.py is Alembic 1.20's generic template as `alembic init` writes it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.orm.alembic_env import run_of
from dsql_lint.settings import LintOptions

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "fixtures" / "frameworks" / "alembic-run"
ONLINE = "connection=connection, target_metadata=target_metadata"


def findings(*paths: Path) -> list[Diagnostic]:
    return lint_paths([str(p) for p in paths], LintOptions()).diagnostics


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT, tmp_path / "app")
    return tmp_path / "app"


def configured(project: Path, keywords: str) -> None:
    env = project / "migrations" / "env.py"
    text = env.read_text()
    assert ONLINE in text
    env.write_text(text.replace(ONLINE, f"{ONLINE}, {keywords}"))


def test_two_revisions_of_one_ddl_each_share_the_runs_transaction() -> None:
    versions = PROJECT / "migrations" / "versions"
    for revision in versions.glob("*.py"):
        assert findings(revision) == []  # each file alone looks fine
    found = findings(PROJECT)
    assert [(Path(d.path).name, d.line, d.code) for d in found] == [
        ("7a8b9c0d1e2f_orders.py", 14, "DSQL401")
    ]
    help_ = found[0].suggestion or ""
    assert "transaction_per_migration=True" in help_
    assert "each revision must hold one DDL" in help_
    assert "5d1e2f3a4b6c_accounts.py" in help_  # where the transaction began
    assert found[0].fix is FixAvailability.NONE  # no COMMIT can be written between two files


def test_transaction_per_migration_gives_each_revision_its_own(project: Path) -> None:
    configured(project, "transaction_per_migration=True")
    assert run_of(next((project / "migrations" / "versions").glob("*.py"))).per_migration
    assert findings(project) == []
    # Even then a revision holds one DDL, and the help says so in those terms.
    orders = project / "migrations" / "versions" / "7a8b9c0d1e2f_orders.py"
    text = orders.read_text()
    orders.write_text(
        text.replace("    op.execute(", '    op.execute("DROP TABLE old")\n' + "    op.execute(", 1)
    )
    found = findings(project)
    assert [(d.line, d.code) for d in found] == [(15, "DSQL401")]
    assert "each revision in a transaction of its own" in (found[0].suggestion or "")


def test_an_autocommit_block_commits_the_runs_transaction(project: Path) -> None:
    orders = project / "migrations" / "versions" / "7a8b9c0d1e2f_orders.py"
    text = orders.read_text()
    orders.write_text(
        text.replace(
            '    op.execute("CREATE TABLE orders',
            "    with op.get_context().autocommit_block():\n"
            '        op.execute("CREATE TABLE orders',
        )
    )
    assert findings(project) == []


@pytest.mark.parametrize(
    "keywords",
    ["transaction_per_migration=per_migration", "**options", "transaction_per_migration=False"],
)
def test_a_setting_not_read_statically_is_not_guessed(project: Path, keywords: str) -> None:
    configured(project, keywords)
    codes = [d.code for d in findings(project)]
    # False is the default said out loud; a variable or `**options` may say either.
    assert codes == (["DSQL401"] if keywords.endswith("False") else [])


def test_the_offline_configure_call_is_not_the_runs(project: Path) -> None:
    env = project / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "literal_binds=True,", "literal_binds=True, transaction_per_migration=True,"
        )
    )
    assert [d.code for d in findings(project)] == ["DSQL401"]


def test_the_findings_cache_follows_env_py(project: Path, findings_cache: Path) -> None:
    def check() -> tuple[int, str]:
        done = subprocess.run(
            [sys.executable, "-m", "dsql_lint", "check", str(project)],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode, done.stdout

    env = project / "migrations" / "env.py"
    template = env.read_text()
    assert check()[0] == 1
    configured(project, "transaction_per_migration=True")
    assert check()[0] == 0
    env.write_text(template)
    assert check()[0] == 1
    assert findings_cache.is_dir()
    # The later revision changed alone: the one before it is linted again with it.
    orders = project / "migrations" / "versions" / "7a8b9c0d1e2f_orders.py"
    orders.write_text(orders.read_text() + "\n# touched\n")
    code, out = check()
    assert code == 1 and "7a8b9c0d1e2f_orders.py:14:17: DSQL401" in out
