"""The ledger: what was applied to this target, in tables of its own (Flyway's history table
is the model). Schema `dsql_lint`: `files` (one row per migration file), `statements`
(one row per statement) and `lock` (the run holding the target, see lock.py). The
crash-window protocol that keeps it true is in docs/apply.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA = "dsql_lint"
STARTED, APPLIED, FAILED, SKIPPED = "started", "applied", "failed", "skipped"
NOT_RUN = "not run"  # shown, never stored: see LedgerState.not_run

# Each is DDL, so each runs in a transaction of its own (dsql-facts.md, Transactions).
# No SERIAL, no DEFAULT-ed ADD COLUMN: the tables are valid DSQL themselves.
CREATE_SCHEMA = f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"
CREATE_TABLES = {
    "files": f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.files (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    statements integer NOT NULL,
    started_at timestamptz NOT NULL,
    applied_at timestamptz,
    deleted_at timestamptz,
    path text
)""",
    "statements": f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.statements (
    file text NOT NULL,
    statement_index integer NOT NULL,
    line integer NOT NULL,
    sha256 text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    job_id text,
    error text,
    started_at timestamptz,
    finished_at timestamptz,
    catalog_before text,
    rows_done integer,
    rows_sha256 text,
    PRIMARY KEY (file, statement_index)
)""",
    "lock": f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.lock (
    name text PRIMARY KEY,
    run_id text NOT NULL,
    host text NOT NULL,
    boot_id text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL
)""",
}
# Ledgers written by earlier versions lack these columns: (table, column, statement).
ADD_COLUMNS = (
    (
        "statements",
        "catalog_before",
        f"ALTER TABLE {SCHEMA}.statements ADD COLUMN catalog_before text",
    ),
    ("statements", "rows_done", f"ALTER TABLE {SCHEMA}.statements ADD COLUMN rows_done integer"),
    (
        "statements",
        "rows_sha256",
        f"ALTER TABLE {SCHEMA}.statements ADD COLUMN rows_sha256 text",
    ),
    ("files", "deleted_at", f"ALTER TABLE {SCHEMA}.files ADD COLUMN deleted_at timestamptz"),
    ("files", "path", f"ALTER TABLE {SCHEMA}.files ADD COLUMN path text"),
)


@dataclass(frozen=True)
class FileRow:
    name: str
    checksum: str
    statements: int
    applied: bool
    deleted: bool = False  # applied, then removed from the folder on purpose (`repair`)
    path: str | None = None  # the path it ran from, as shown then (None: an older ledger)


@dataclass(frozen=True)
class StatementRow:
    file: str
    index: int
    sha256: str
    status: str
    job_id: str | None
    error: str | None
    catalog_before: str | None = None  # the catalog's fingerprint before a DDL ran
    # A COPY applied in batches (copybatch.py): the rows committed so far, and the checksum
    # of the statement and those rows.
    rows_done: int | None = None
    rows_sha256: str | None = None


@dataclass
class LedgerState:
    files: dict[str, FileRow]
    statements: dict[tuple[str, int], StatementRow]

    @classmethod
    def empty(cls) -> LedgerState:
        return cls({}, {})

    def status(self, file: str, index: int) -> str | None:
        row = self.statements.get((file, index))
        return row.status if row else None

    def not_run(self, file: str, index: int) -> bool:
        """A statement of a file recorded as applied that never ran: added by an edit that
        `repair --accept-edits` accepted."""
        row = self.files.get(file)
        return row is not None and row.applied and (file, index) not in self.statements


def exists(conn: Any) -> bool:
    row = conn.execute(f"SELECT to_regclass('{SCHEMA}.statements') IS NOT NULL").fetchone()
    return bool(row and row[0])


def create_statements(conn: Any) -> list[str]:
    """The DDL still needed to create or upgrade the ledger (each in its own transaction)."""
    out = [] if _schema_exists(conn) else [CREATE_SCHEMA]
    out += [sql for table, sql in CREATE_TABLES.items() if not _table_exists(conn, table)]
    out += [
        sql
        for table, column, sql in ADD_COLUMNS
        if _table_exists(conn, table) and not _column_exists(conn, table, column)
    ]
    return out


def _schema_exists(conn: Any) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", [SCHEMA]
    ).fetchone()
    return bool(row and row[0])


def _column_exists(conn: Any, table: str, column: str) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s)"
        " AND attname = %s AND NOT attisdropped)",
        [f"{SCHEMA}.{table}", column],
    ).fetchone()
    return bool(row and row[0])


def _table_exists(conn: Any, table: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.{table}"]).fetchone()
    return bool(row and row[0])


def load(conn: Any) -> LedgerState:
    if not exists(conn):
        return LedgerState.empty()
    # `status` and `apply --dry-run` read ledgers that apply has not upgraded yet.
    deleted = "deleted_at" if _column_exists(conn, "files", "deleted_at") else "NULL"
    path = "path" if _column_exists(conn, "files", "path") else "NULL"
    files = {
        name: FileRow(name, checksum, count, applied_at is not None, deleted_at is not None, path)
        for name, checksum, count, applied_at, deleted_at, path in conn.execute(
            f"SELECT name, checksum, statements, applied_at, {deleted}, {path} FROM {SCHEMA}.files"
        )
    }
    columns = STATEMENT_COLUMNS
    for table, column, _ in ADD_COLUMNS:
        if table == "statements" and not _column_exists(conn, "statements", column):
            columns = columns.replace(column, "NULL")
    statements = {
        (row[0], row[1]): StatementRow(*row)
        for row in conn.execute(f"SELECT {columns} FROM {SCHEMA}.statements")
    }
    return LedgerState(files, statements)


STATEMENT_COLUMNS = (
    "file, statement_index, sha256, status, job_id, error, catalog_before, rows_done, rows_sha256"
)


def reread(
    conn: Any, steps: list[Any], for_update: bool = False
) -> dict[tuple[str, int], StatementRow]:
    """The rows of these statements as committed now (in the caller's transaction);
    `for_update`: locked until it ends, so a writer of the same rows waits, then reads what
    this one wrote (PostgreSQL; on DSQL the write conflicts at COMMIT)."""
    if not steps:
        return {}
    return {
        (row[0], row[1]): StatementRow(*row)
        for row in conn.execute(
            f"SELECT {STATEMENT_COLUMNS} FROM {SCHEMA}.statements"
            " WHERE file = %s AND statement_index = ANY(%s)" + " FOR UPDATE" * for_update,
            [steps[0].file, [step.index for step in steps]],
        )
    }


def begin_file(conn: Any, name: str, checksum: str, statements: int, path: str) -> None:
    """Record a file as started, and the path it runs from (so that a file gone from the
    folder can be named as the user knew it); an unfinished file's row takes the file as it
    is now (only its statements that did not run may have changed: history.edit_of)."""
    conn.execute(
        f"INSERT INTO {SCHEMA}.files AS f (name, checksum, statements, started_at, path)"
        " VALUES (%s, %s, %s, now(), %s) ON CONFLICT (name) DO UPDATE SET"
        " checksum = EXCLUDED.checksum, statements = EXCLUDED.statements, path = EXCLUDED.path"
        " WHERE f.applied_at IS NULL",
        [name, checksum, statements, path],
    )


def finish_file(conn: Any, name: str) -> None:
    conn.execute(f"UPDATE {SCHEMA}.files SET applied_at = now() WHERE name = %s", [name])


def record(
    conn: Any,
    step: Any,
    status: str,
    job_id: str | None = None,
    error: str | None = None,
    catalog_before: str | None = None,
    progress: tuple[int, str] | None = None,
) -> None:
    """Upsert a statement's row; runs in the caller's transaction (or autocommit).
    `progress`: a batched COPY's rows committed so far and their checksum.

    An `applied` row is never turned back into `started` or `failed`: a late writer (a
    retry, a run that lost its lock) must not erase what another run applied."""
    rows_done, rows_sha = progress if progress else (None, None)
    finished = status in (APPLIED, FAILED, SKIPPED)
    conn.execute(
        f"""INSERT INTO {SCHEMA}.statements AS s
    (file, statement_index, line, sha256, kind, status, job_id, error, started_at, finished_at,
     catalog_before, rows_done, rows_sha256)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now(), CASE WHEN %s THEN now() END, %s, %s, %s)
ON CONFLICT (file, statement_index) DO UPDATE SET
    line = EXCLUDED.line, sha256 = EXCLUDED.sha256, kind = EXCLUDED.kind,
    status = EXCLUDED.status, job_id = COALESCE(EXCLUDED.job_id, s.job_id),
    error = EXCLUDED.error, started_at = COALESCE(s.started_at, EXCLUDED.started_at),
    finished_at = EXCLUDED.finished_at,
    catalog_before = COALESCE(EXCLUDED.catalog_before, s.catalog_before),
    rows_done = COALESCE(EXCLUDED.rows_done, s.rows_done),
    rows_sha256 = COALESCE(EXCLUDED.rows_sha256, s.rows_sha256)
WHERE s.status <> 'applied' OR EXCLUDED.status = 'applied'""",
        [
            step.file,
            step.index,
            step.line,
            step.sha256,
            step.kind,
            status,
            job_id,
            error,
            finished,
            catalog_before,
            rows_done,
            rows_sha,
        ],
    )


def rename_file(conn: Any, old: str, new: str) -> None:
    """Move a file's rows to a new ledger name (copied, then deleted: key columns are never
    updated in place). Runs in the caller's transaction."""
    conn.execute(
        f"INSERT INTO {SCHEMA}.files (name, checksum, statements, started_at, applied_at, path)"
        f" SELECT %s, checksum, statements, started_at, applied_at, path FROM {SCHEMA}.files"
        " WHERE name = %s",
        [new, old],
    )
    conn.execute(
        f"""INSERT INTO {SCHEMA}.statements
    (file, statement_index, line, sha256, kind, status, job_id, error, started_at, finished_at,
     catalog_before, rows_done, rows_sha256)
SELECT %s, statement_index, line, sha256, kind, status, job_id, error, started_at, finished_at,
    catalog_before, rows_done, rows_sha256
FROM {SCHEMA}.statements WHERE file = %s""",
        [new, old],
    )
    conn.execute(f"DELETE FROM {SCHEMA}.statements WHERE file = %s", [old])
    conn.execute(f"DELETE FROM {SCHEMA}.files WHERE name = %s", [old])


def set_checksums(conn: Any, name: str, checksum: str, statements: dict[int, str]) -> None:
    """Record a file's checksum and its statements' (by index). Caller's transaction."""
    conn.execute(f"UPDATE {SCHEMA}.files SET checksum = %s WHERE name = %s", [checksum, name])
    for index, sha in statements.items():
        conn.execute(
            f"UPDATE {SCHEMA}.statements SET sha256 = %s WHERE file = %s AND statement_index = %s",
            [sha, name, index],
        )


def forget(conn: Any, file: str, index: int) -> None:
    """Remove a statement's row (`repair`): the next run treats it as never run."""
    conn.execute(
        f"DELETE FROM {SCHEMA}.statements WHERE file = %s AND statement_index = %s", [file, index]
    )


def mark_deleted(conn: Any, name: str) -> None:
    """Record that an applied file left the folder on purpose (`repair`); its history stays,
    so it still counts as applied should it come back. Caller's transaction."""
    conn.execute(f"UPDATE {SCHEMA}.files SET deleted_at = now() WHERE name = %s", [name])


def forget_file(conn: Any, name: str) -> None:
    """Remove a file's rows (`repair`, for a file gone from the folder). Caller's transaction."""
    conn.execute(f"DELETE FROM {SCHEMA}.statements WHERE file = %s", [name])
    conn.execute(f"DELETE FROM {SCHEMA}.files WHERE name = %s", [name])


def resume_rows(conn: Any, file: str, index: int) -> None:
    """A failed batched COPY back to `started` with its rows kept (`repair`): the next run
    continues after the rows that committed, instead of copying them again."""
    conn.execute(
        f"UPDATE {SCHEMA}.statements SET status = %s, error = NULL"
        " WHERE file = %s AND statement_index = %s",
        [STARTED, file, index],
    )


def mark_baseline(conn: Any, name: str) -> None:
    """The row `baseline` records: a file of no statements, applied now."""
    conn.execute(
        f"INSERT INTO {SCHEMA}.files (name, checksum, statements, started_at, applied_at)"
        " VALUES (%s, 'baseline', 0, now(), now())",
        [name],
    )
