"""The pre-flight lints the statements a run will run, with the project's settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from conftest import Database, run_cli

SERIAL = "CREATE TABLE {name} (id serial PRIMARY KEY);\n"  # DSQL101, an error


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_findings_in_applied_statements_do_not_block_the_next_run(
    db: Database, tmp_path: Path
) -> None:
    folder = write(
        tmp_path / "m",
        {"V1__a.sql": SERIAL.format(name="a") + "CREATE TABLE b (id bigint PRIMARY KEY);\n"},
    )
    assert run_cli("apply", str(folder), "--dsn", db.dsn, "--force").code == 0
    write(folder, {"V2__c.sql": "CREATE TABLE c (id bigint PRIMARY KEY);\n"})
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert "DSQL101" not in result.err
    assert db.query("SELECT to_regclass('c')::text") == [("c",)]


def test_only_the_pending_statements_findings_are_reported(db: Database, tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"V1__a.sql": SERIAL.format(name="a")})
    assert run_cli("apply", str(folder), "--dsn", db.dsn, "--force").code == 0
    write(
        folder, {"V2__b.sql": "CREATE TABLE b (id bigint PRIMARY KEY);\n" + SERIAL.format(name="d")}
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 1
    assert "V2__b.sql:2:" in result.err and "V1__a.sql:1:" not in result.err
    assert "not applying: the linter found errors" in result.err
    assert db.query("SELECT to_regclass('b')") == [(None,)]


def test_the_projects_settings_apply(db: Database, tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"V1__a.sql": SERIAL.format(name="a")})
    refused = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert refused.code == 1 and "DSQL101" in refused.err
    (tmp_path / ".dsql-lint.yaml").write_text("ignore: [DSQL101]\n")
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output


def test_undo_and_down_files_do_not_block_the_run(db: Database, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {
            "V1__a.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n",
            "U1__a.sql": "TRUNCATE a;\n",  # DSQL701: DSQL refuses TRUNCATE
            "000002_b.down.sql": "TRUNCATE a;\n",
        },
    )
    assert "DSQL701" in run_cli("check", str(folder)).out
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert "TRUNCATE" not in result.err


def test_ctrl_c_before_any_statement_says_nothing_was_applied(tmp_path: Path) -> None:
    """SIGINT while apply still waits for the server (here one that accepts the connection
    and never answers): one line saying nothing was applied, exit 130, no traceback."""
    folder = write(tmp_path / "m", {"V1__a.sql": "SELECT 1;\n"})
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(60)
        port = server.getsockname()[1]
        env = {**os.environ, "DSQL_LINT_NO_CACHE": "1", "PGCONNECT_TIMEOUT": "120"}
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dsql_lint",
                "apply",
                str(folder),
                "--dsn",
                f"postgresql://u@127.0.0.1:{port}/db?sslmode=disable",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            # A shell's background job ignores SIGINT, and its children inherit that.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        connection, _ = server.accept()
        with connection:
            run.send_signal(signal.SIGINT)
            out, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert err.splitlines() == [
        "dsql-lint: error: interrupted while connecting, before any statement was sent: "
        "nothing was applied"
    ], err
