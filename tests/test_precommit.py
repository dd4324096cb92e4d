"""The pre-commit hook (.pre-commit-hooks.yaml), run by the real `pre-commit`.

The hook's repository is this project: used as it is when it is a clean git checkout with
a commit (CI's fresh clone), else a snapshot of its working tree committed to a temporary
repository. `pre-commit try-repo` on a working tree with uncommitted changes only carries
over tracked files (new, untracked ones are silently left out), and fails outright on a
repository without commits, so the snapshot is what makes the test see the code as it is.

Slow: pre-commit builds the hook's virtualenv (`pip install .` with our dependencies);
`try-repo` does it on every call, `run`/`install` once per PRE_COMMIT_HOME (module-scoped).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "precommit"
MIGRATION = "migrations/0001_create_t.sql"
HOOK_ID = "dsql-lint"
TIMEOUT = 900  # seconds: building the hook environment downloads our dependencies
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", ".work", "__pycache__", "*.egg-info", ".*_cache", ".hypothesis"
)


# --- helpers --------------------------------------------------------------------------


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = run(["git", *args], cwd, env)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pre_commit", *args], cwd, env)


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def diagnostic(path: str, line: int) -> re.Pattern[str]:
    """`path:line[:col]: DSQLnnn` as the text format prints it."""
    return re.compile(rf"{re.escape(path)}:{line}:(?:\d+:)?\s*DSQL\d+")


def is_clean_checkout(root: Path, env: dict[str, str]) -> bool:
    """A git checkout with a commit and nothing uncommitted or untracked."""
    if not (root / ".git").exists():
        return False
    has_head = run(["git", "rev-parse", "--verify", "-q", "HEAD"], root, env).returncode == 0
    status = run(["git", "status", "--porcelain"], root, env)
    return has_head and status.returncode == 0 and not status.stdout.strip()


def working_tree_files(root: Path, env: dict[str, str]) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, or None outside a git checkout."""
    if not (root / ".git").exists():
        return None
    proc = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], root, env)
    if proc.returncode != 0:
        return None
    return sorted({name for name in proc.stdout.split("\0") if name})


def snapshot(root: Path, dest: Path, env: dict[str, str]) -> tuple[str, str]:
    """Commit a copy of the working tree of `root` to a new repository at `dest`."""
    files = working_tree_files(root, env)
    if files is None:
        shutil.copytree(root, dest, ignore=SNAPSHOT_IGNORE, dirs_exist_ok=True)
    for name in files or ():
        src = root / name
        if src.is_file() or src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name, follow_symlinks=False)
    git(dest, env, "init", "-q")
    git(dest, env, "add", "-A")
    git(dest, env, "commit", "-q", "--no-verify", "-m", "snapshot of the working tree")
    return str(dest), git(dest, env, "rev-parse", "HEAD")


def write_migration(work: Path, kind: str) -> Path:
    target = work / MIGRATION
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / kind / "0001_create_t.sql", target)
    return target


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Isolated from the user's git config and hooks; one PRE_COMMIT_HOME per module."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    identity = {"NAME": "dsql-lint tests", "EMAIL": "tests@example.invalid"}
    for role in ("AUTHOR", "COMMITTER"):
        base.update({f"GIT_{role}_{key}": value for key, value in identity.items()})
    base.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        PRE_COMMIT_COLOR="never",
    )
    return base


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[str, str]:
    """(repo, rev) of the hook: the project itself if committed and clean, else a snapshot."""
    if is_clean_checkout(ROOT, env):
        return str(ROOT), git(ROOT, env, "rev-parse", "HEAD")
    return snapshot(ROOT, tmp_path_factory.mktemp("hook-repo"), env)


@pytest.fixture
def work(tmp_path: Path, env: dict[str, str]) -> Path:
    """An empty git repository where migrations get committed."""
    git(tmp_path, env, "init", "-q")
    return tmp_path


# --- tests ----------------------------------------------------------------------------


def test_manifest_declares_the_hook() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == HOOK_ID)
    assert hook["entry"] == "dsql-lint check --history"
    assert hook["language"] == "python"
    assert re.search(hook["files"], "db/migrate/20240101000000_create_users.rb")
    assert not re.search(hook["files"], "README.md")
    assert hook["require_serial"] is True


def test_try_repo_refuses_a_bad_migration(
    hook_repo: tuple[str, str], env: dict[str, str], work: Path
) -> None:
    write_migration(work, "bad")
    git(work, env, "add", MIGRATION)
    repo, rev = hook_repo
    proc = pre_commit(work, env, "try-repo", repo, HOOK_ID, "--ref", rev, "--files", MIGRATION)
    text = output(proc)
    assert proc.returncode == 1, text
    assert "Failed" in text, text
    assert diagnostic(MIGRATION, 2).search(text), text  # CREATE TABLE ... SERIAL
    assert diagnostic(MIGRATION, 3).search(text), text  # CREATE INDEX without ASYNC


def test_try_repo_passes_a_good_migration(
    hook_repo: tuple[str, str], env: dict[str, str], work: Path
) -> None:
    write_migration(work, "good")
    git(work, env, "add", MIGRATION)
    repo, rev = hook_repo
    # --verbose: pre-commit shows a passing hook's output too; a good migration has none.
    args = ("try-repo", repo, HOOK_ID, "--ref", rev, "--verbose", "--files", MIGRATION)
    proc = pre_commit(work, env, *args)
    text = output(proc)
    assert proc.returncode == 0, text
    assert "Passed" in text, text
    assert not re.search(r"DSQL\d+", text), f"findings on a good migration:\n{text}"


def test_the_hook_checks_a_staged_rails_migration_and_passes_over_other_scripts(
    hook_repo: tuple[str, str], env: dict[str, str], work: Path
) -> None:
    """Rails, Alembic, Django and TypeScript migrations are files `check` reads: the hook
    sees them; a staged Python file that is no migration is no finding."""
    folder = work / "db" / "migrate"
    folder.mkdir(parents=True)
    migration = "db/migrate/20240101000000_add_score.rb"
    (work / migration).write_text(
        "class AddScore < ActiveRecord::Migration[7.1]\n"
        "  def change\n"
        "    add_column :users, :score, :integer, default: 0\n"
        "  end\n"
        "end\n"
    )
    (work / "util.py").write_text("print('not a migration')\n")
    git(work, env, "add", migration, "util.py")
    repo, rev = hook_repo
    proc = pre_commit(work, env, "try-repo", repo, HOOK_ID, "--ref", rev, "--all-files")
    text = output(proc)
    assert proc.returncode == 1, text
    assert re.search(rf"{re.escape(migration)}:3:\d+: DSQL601 \[add-column-default\]", text), text
    assert "util.py" not in text, text


def test_the_hook_sees_the_earlier_migrations_of_a_staged_one(
    hook_repo: tuple[str, str], env: dict[str, str], work: Path
) -> None:
    """The 25th index of a table, staged alone, is refused as `check db/migrations` refuses
    it: the 24 before it are in an earlier, already committed migration."""
    folder = work / "migrations"
    folder.mkdir()
    columns = ", ".join(f"c{i} int" for i in range(25))
    indexes = "".join(f"CREATE INDEX ASYNC i{i} ON t (c{i});\n" for i in range(24))
    (folder / "V1__t.sql").write_text(
        f"CREATE TABLE t (id uuid PRIMARY KEY, {columns});\n{indexes}"
    )
    git(work, env, "add", "migrations/V1__t.sql")
    git(work, env, "commit", "-q", "--no-verify", "-m", "24 indexes")
    staged = "migrations/V2__one_more.sql"
    (work / staged).write_text("CREATE INDEX ASYNC i24 ON t (c24);\n")
    git(work, env, "add", staged)
    repo, rev = hook_repo
    proc = pre_commit(work, env, "try-repo", repo, HOOK_ID, "--ref", rev, "--files", staged)
    text = output(proc)
    assert proc.returncode == 1, text
    assert re.search(rf"{re.escape(staged)}:1:1: DSQL801 \[too-many-indexes\]", text), text
    assert "V1__t.sql" not in text, text  # context only: never reported


def test_the_hook_given_a_migration_sees_the_files_it_includes(
    hook_repo: tuple[str, str], env: dict[str, str], work: Path
) -> None:
    """A staged migration whose only line is `\\ir parts/t.sql`: the hook reads the included
    file where psql runs it, as `apply` does, and refuses what it holds."""
    folder = work / "migrations"
    (folder / "parts").mkdir(parents=True)
    (folder / "parts" / "t.sql").write_text("CREATE TABLE t (id serial PRIMARY KEY);\n")
    staged = "migrations/V1__main.sql"
    (work / staged).write_text("\\ir parts/t.sql\n")
    git(work, env, "add", staged, "migrations/parts/t.sql")
    repo, rev = hook_repo
    proc = pre_commit(work, env, "try-repo", repo, HOOK_ID, "--ref", rev, "--files", staged)
    text = output(proc)
    assert proc.returncode == 1, text
    assert re.search(r"migrations/parts/t\.sql:1:20: DSQL101 \[serial-column\]", text), text
    assert f"included by: {staged}:1" in text, text


def test_git_commit_runs_the_installed_hook(
    hook_repo: tuple[str, str], env: dict[str, str], work: Path
) -> None:
    repo, rev = hook_repo
    config = f"repos:\n  - repo: {json.dumps(repo)}\n    rev: {rev}\n    hooks:\n"
    (work / ".pre-commit-config.yaml").write_text(config + f"      - id: {HOOK_ID}\n")
    git(work, env, "add", ".pre-commit-config.yaml")
    git(work, env, "commit", "-q", "-m", "pre-commit config")
    installed = pre_commit(work, env, "install")
    assert installed.returncode == 0, output(installed)

    write_migration(work, "bad")
    git(work, env, "add", MIGRATION)
    refused = run(["git", "commit", "-m", "bad migration"], work, env)
    text = output(refused)
    assert refused.returncode != 0, text
    assert diagnostic(MIGRATION, 2).search(text), text
    assert diagnostic(MIGRATION, 3).search(text), text
    assert git(work, env, "rev-list", "--count", "HEAD") == "1"

    write_migration(work, "good")
    git(work, env, "add", MIGRATION)
    accepted = run(["git", "commit", "-m", "good migration"], work, env)
    assert accepted.returncode == 0, output(accepted)
    assert "Passed" in output(accepted)
    assert git(work, env, "rev-list", "--count", "HEAD") == "2"
