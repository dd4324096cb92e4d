"""Fixtures for the apply tests: one PostgreSQL per test process (tests/postgres.py), a fresh
database per test."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_mock import cluster_tls, moto, moto_server  # noqa: F401 - fixtures of the control-plane tests
from pg_testserver import Server
from postgres import Database, create_database, serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "apply"


@pytest.fixture(scope="session")
def pg() -> Iterator[Server]:
    with serving() as server:
        yield server


@pytest.fixture
def db(pg: Server) -> Database:
    return create_database(pg)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


def run_cli(*args: str) -> Result:
    """`dsql-lint ARGS` in this process, through the real entry point (exit codes included)."""
    from click.testing import CliRunner

    from dsql_lint.cli import main

    runner = CliRunner()
    saved = sys.argv
    code = 0
    with runner.isolation() as (out, err, _):
        sys.argv = ["dsql-lint", *args]
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.argv = saved
            # main() leaves the collector off and the heap frozen, for a process that ends
            # with the command: this one goes on.
            gc.unfreeze()
            gc.enable()
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def migrations(tmp_path: Path):  # noqa: ANN201 - a factory
    """Write migration files into a fresh folder: migrations({"V1__a.sql": "..."})."""

    def write(files: dict[str, str]) -> Path:
        folder = tmp_path / "migrations"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text)
        return folder

    return write


# The DSQL endpoint the DSQL-path tests pretend to reach: the TLS proxy's certificate is
# issued for it, and libpq connects to 127.0.0.1 (--connect-to) while verifying this name.
FAKE_ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no profile files, no .env: signing works offline."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "DSQL_ENDPOINT", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)


@dataclass
class Tls:
    ca_file: Path
    context: Any  # ssl.SSLContext serving a certificate for FAKE_ENDPOINT


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    import ssl

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert(FAKE_ENDPOINT, "localhost", "127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Tls(ca_file, context)


def dsql_args(port: int, database: str, *extra: str) -> list[str]:
    """Target options for the DSQL path (token, TLS) with the socket sent to a local proxy."""
    return ["--endpoint", FAKE_ENDPOINT, "--connect-to", f"127.0.0.1:{port}/{database}", *extra]


DUMP_QUERIES = (
    """SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default
    FROM information_schema.columns
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'dsql_lint')
    ORDER BY 1, 2, ordinal_position""",
    """SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
    WHERE schemaname NOT IN ('pg_catalog', 'dsql_lint') ORDER BY 1, 2, 3""",
    """SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'pg_toast', 'dsql_lint') ORDER BY 1""",
    """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2""",
    """SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1""",
)


def catalog_dump(db: Database) -> list[list[tuple]]:
    """The schema and every row of every table, outside the ledger."""
    dump = [db.query(query) for query in DUMP_QUERIES]
    tables = db.query(
        "SELECT quote_ident(table_name) FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    for (table,) in tables:
        dump.append(db.query(f"SELECT row_to_json(t)::text AS r FROM {table} t ORDER BY r"))
    return dump


def ledger_rows(db: Database) -> list[tuple]:
    return db.query(
        "SELECT file, statement_index, status, job_id, error FROM dsql_lint.statements"
        " ORDER BY file, statement_index"
    )
