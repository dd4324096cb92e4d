"""The PostgreSQL proof of a fix: the original and the fixed SQL loaded into fresh databases of
the test PostgreSQL, their errors compared by kind (SQLSTATE).

Each statement runs as plain PostgreSQL runs it, through apply's `--dsn` translation (ASYNC
removed, `CALL sys.wait_for_job` skipped); psql meta-commands and COPY data are skipped.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from postgres import Database

from dsql_lint.apply.ddl import analyze, postgres_form
from dsql_lint.fix.engine import FixResult
from dsql_lint.fix.guard import Backward
from dsql_lint.report.model import FileReport
from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Kind, split

COPY_FROM_STDIN = re.compile(r"\bFROM\s+STDIN\b", re.IGNORECASE)


def load(db: Database, text: str) -> list[tuple[int, str]]:
    """The offset and SQLSTATE of each statement of `text` that fails in `db`."""
    import psycopg

    errors: list[tuple[int, str]] = []
    with db.connect() as conn:
        conn.execute("SET statement_timeout = '10s'")
        for statement in split(Source("proof.sql", text)):
            if statement.kind is not Kind.SQL or COPY_FROM_STDIN.search(statement.text):
                continue
            sql = postgres_form(statement.text, analyze(parse(statement)))
            if sql is None or not sql.strip(" \t\r\n;"):
                continue
            try:
                conn.execute(sql)
            except psycopg.Error as err:
                errors.append((statement.start, err.sqlstate or "?"))
    return errors


@dataclass
class Proof:
    before: Counter[str]  # errors of the original, by SQLSTATE
    after: Counter[str]  # errors of the fixed text
    new: Counter[str]  # errors of the fixed text of a kind the original did not have
    introduced: set[str]  # rules that find something only in the fixed text


def prove(new_database: Callable[[], Database], result: FixResult) -> Proof:
    """Load the original and the fixed text of `result`, each into a fresh database. The fixed
    text loads first: what either creates beyond its database (roles) then stands in the way
    of the original, never of the fix.

    An error of a new kind is no harm where the original statement it comes from failed too
    (a fixture whose table is missing: the original failed on syntax, the fix on the table)."""
    original = result.source.text
    databases = new_database(), new_database()
    try:
        after = load(databases[0], result.text)
        before = load(databases[1], original)
    finally:
        for db in databases:
            db.drop()
    starts = [s.start for s in split(Source("proof.sql", original))]
    kinds = {kind for _, kind in before}
    failed = {bisect.bisect_right(starts, pos) for pos, _ in before}
    backwards = [Backward(step.fixes) for step in reversed(result.passes)]
    new: Counter[str] = Counter()
    for pos, kind in after:
        for backward in backwards:
            pos = backward.back(pos)[0]
        if kind not in kinds and bisect.bisect_right(starts, pos) not in failed:
            new[kind] += 1
    return Proof(
        Counter(k for _, k in before),
        Counter(k for _, k in after),
        new,
        introduced(result.first, result.report),
    )


def introduced(first: FileReport, last: FileReport) -> set[str]:
    """The rules that find something in the fixed text and found nothing in the original."""
    return {d.code for d in last.diagnostics} - {d.code for d in first.diagnostics}
