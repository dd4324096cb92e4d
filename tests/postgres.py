"""The test PostgreSQL, shared by the tests that need one (apply, fix's proof): one server per
test process, a fresh database per use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pg_testserver import Server, start_server


@contextmanager
def serving() -> Iterator[Server]:
    import psycopg

    server = start_server()
    try:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            # Roles the DSQL-path tests log in as (a token is signed for each; trust auth).
            conn.execute("CREATE ROLE admin LOGIN SUPERUSER")
            conn.execute("CREATE ROLE app LOGIN SUPERUSER")
        yield server
    finally:
        server.stop()


@dataclass
class Database:
    server: Server
    name: str

    @property
    def dsn(self) -> str:
        return self.server.dsn(self.name)

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.dsn, autocommit=True)

    def query(self, sql: str, *params: Any) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, list(params) or None).fetchall()

    def execute(self, sql: str) -> None:
        with self.connect() as conn:
            conn.execute(sql)

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.server.dsn(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def create_database(server: Server) -> Database:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    return Database(server, name)
