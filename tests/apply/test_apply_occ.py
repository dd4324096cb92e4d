"""Optimistic concurrency conflicts, injected server-side, are retried with backoff."""

from __future__ import annotations

import json
import random

import pytest
from conftest import Database, ledger_rows, run_cli

from dsql_lint.apply.retry import RetriesExhausted, RetryPolicy, is_occ_error, with_retries

# DDL conflicts: an event trigger raising DSQL's catalog conflict (dsql-facts.md, OCC) the
# first N times; nextval() survives the rollback, so the count holds across retries.
DDL_CONFLICTS = """
CREATE TABLE occ_config (n integer NOT NULL);
CREATE SEQUENCE occ_hits;
CREATE FUNCTION occ_inject() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_query() NOT LIKE '%dsql_lint%'
     AND nextval('occ_hits') <= (SELECT n FROM occ_config) THEN
    RAISE EXCEPTION 'change conflicts with another transaction, please retry: (OC001)'
      USING ERRCODE = '40001';
  END IF;
END $$;
CREATE EVENT TRIGGER occ ON ddl_command_start EXECUTE FUNCTION occ_inject();
"""

# DML conflicts at COMMIT, where DSQL reports them: a deferred constraint trigger.
DML_CONFLICTS = """
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE occ_config (n integer NOT NULL);
CREATE SEQUENCE occ_hits;
CREATE FUNCTION occ_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('occ_hits') <= (SELECT n FROM occ_config) THEN
    RAISE EXCEPTION 'conflict (OC000)' USING ERRCODE = 'OC000';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER occ AFTER INSERT ON items DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION occ_commit();
"""

SCHEMA = {
    "V1__tables.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n"
    "CREATE TABLE b (id bigint PRIMARY KEY);\n",
    "V2__index.sql": "CREATE INDEX ASYNC b_id ON b (id);\n",
}


def events(out: str, name: str) -> list[dict]:
    return [e for e in map(json.loads, out.splitlines()) if e["event"] == name]


def test_ddl_conflicts_are_retried_until_the_run_succeeds(db: Database, migrations) -> None:
    db.execute(DDL_CONFLICTS + "INSERT INTO occ_config VALUES (3);")
    folder = migrations(SCHEMA)
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--format", "json")
    assert result.code == 0, result.output
    retries = events(result.out, "retry")
    assert [r["attempt"] for r in retries] == [1, 2, 3]
    assert all(r["sqlstate"] == "40001" and "(OC001)" in r["error"] for r in retries)
    assert retries[0]["file"].endswith("V1__tables.sql") and retries[0]["line"] == 1
    assert db.query("SELECT to_regclass('b_id') IS NOT NULL") == [(True,)]
    assert {row[2] for row in ledger_rows(db)} == {"applied"}


def test_past_the_bound_the_run_fails_cleanly_and_resumes(db: Database, migrations) -> None:
    db.execute(DDL_CONFLICTS + "INSERT INTO occ_config VALUES (1000);")
    folder = migrations(SCHEMA)
    failed = run_cli("apply", str(folder), "--dsn", db.dsn, "--max-retries", "2")
    assert failed.code == 1
    assert "gave up after 2 retries" in failed.err
    assert failed.err.count("retry ") == 2  # each retry logged
    rows = ledger_rows(db)
    assert [(r[0], r[1], r[2]) for r in rows] == [("V1__tables.sql", 0, "failed")]
    assert "(OC001)" in rows[0][4]
    assert db.query("SELECT to_regclass('a')") == [(None,)]
    db.execute("UPDATE occ_config SET n = 0")
    again = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert [r[2] for r in ledger_rows(db)] == ["applied"] * 3


def test_commit_time_conflict_retries_the_whole_transaction(db: Database, migrations) -> None:
    db.execute(DML_CONFLICTS + "INSERT INTO occ_config VALUES (2);")
    folder = migrations(
        {
            "V1__data.sql": "BEGIN;\nINSERT INTO items VALUES (1, 'one');\n"
            "INSERT INTO items VALUES (2, 'two');\nCOMMIT;\n"
        }
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--format", "json")
    assert result.code == 0, result.output
    assert [r["sqlstate"] for r in events(result.out, "retry")] == ["OC000", "OC000"]
    assert db.query("SELECT id, name FROM items ORDER BY id") == [(1, "one"), (2, "two")]
    assert [r[2] for r in ledger_rows(db)] == ["applied", "applied"]


class Conflict(Exception):
    def __init__(self, sqlstate: str | None, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "message", "retryable"),
    [
        ("40001", "serialization failure", True),
        ("OC000", "x", True),
        ("OC001", "x", True),
        (None, "change conflicts with another transaction (OC001)", True),
        ("XX000", "mutation conflicts (OC000)", True),
        ("23505", "duplicate key", False),
        ("54000", "transaction row limit exceeded", False),
    ],
)
def test_which_errors_are_conflicts(sqlstate: str | None, message: str, retryable: bool) -> None:
    assert is_occ_error(Conflict(sqlstate, message)) is retryable


def test_backoff_is_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(base=0.1, cap=1.0)
    rng = random.Random(7)
    for retry, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
        delays = [policy.delay(retry, rng) for _ in range(300)]
        assert 0 <= min(delays) < ceiling * 0.1  # full jitter reaches down to zero
        assert ceiling * 0.9 < max(delays) <= ceiling


def test_retries_are_bounded_in_count_and_in_time() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    def always_conflicts() -> None:
        raise Conflict("40001", "(OC000)")

    with pytest.raises(RetriesExhausted, match="after 4 retries"):
        with_retries(always_conflicts, RetryPolicy(max_retries=4), lambda *a: None, sleep)
    assert len(slept) == 4

    slept.clear()
    slow = RetryPolicy(max_retries=1000, max_seconds=5.0, base=1.0, cap=2.0)
    with pytest.raises(RetriesExhausted, match="after 5 s"):
        with_retries(always_conflicts, slow, lambda *a: None, sleep, lambda: clock[0])
    assert sum(slept) <= 5.0

    def not_a_conflict() -> None:
        raise Conflict("23505", "duplicate")

    with pytest.raises(Conflict):
        with_retries(not_a_conflict, RetryPolicy(), lambda *a: None, sleep)
