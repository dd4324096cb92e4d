"""DSQL303's fix on a real PostgreSQL: an index whose keys are all DESC, made ascending, still
gives its order (scanned backwards, NULLS included), so that fix is safe; an index of mixed
directions made ascending no longer does, so that fix is unsafe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixkit import fix_text
from pg_testserver import Server
from postgres import Database, create_database, serving


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving() as server:
        yield server


@pytest.fixture
def db(server: Server) -> Iterator[Database]:
    database = create_database(server)
    yield database
    database.drop()


def fixed(index: str) -> tuple[str, set[bool]]:
    """The index as `fix --unsafe-fixes` writes it (without ASYNC, for PostgreSQL), and the
    safety of the fixes applied."""
    result = fix_text(index + "\n", unsafe=True)
    return result.text.replace(" ASYNC", ""), {fix.safe for fix in result.applied}


def sorts(db: Database, order: str) -> bool:
    """Whether PostgreSQL must sort for `ORDER BY order` rather than read an index in order."""
    with db.connect() as conn:
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(f"EXPLAIN SELECT * FROM events ORDER BY {order}").fetchall()
    return any("Sort" in line for (line,) in plan)


@pytest.mark.parametrize(
    ("keys", "order"),
    [
        ("at DESC", "at DESC"),
        ("kind DESC NULLS LAST, at DESC", "kind DESC NULLS LAST, at DESC"),
        ("kind DESC NULLS FIRST, at DESC NULLS LAST", "kind DESC NULLS FIRST, at DESC NULLS LAST"),
    ],
)
def test_all_desc_keys_made_ascending_keep_the_order(db: Database, keys: str, order: str) -> None:
    db.execute("CREATE TABLE events (kind int, at int)")
    index, safety = fixed(f"CREATE INDEX ASYNC events_idx ON events ({keys});")
    assert "DESC" not in index.upper() and safety == {True}
    db.execute(index)
    assert not sorts(db, order), index


def test_mixed_keys_made_ascending_lose_the_order_and_the_fix_says_unsafe(db: Database) -> None:
    db.execute("CREATE TABLE events (kind int, at int)")
    original = "CREATE INDEX ASYNC events_idx ON events (kind, at DESC);"
    index, safety = fixed(original)
    assert index == "CREATE INDEX events_idx ON events (kind, at);\n" and safety == {False}
    db.execute(index)
    assert sorts(db, "kind, at DESC")
    db.execute("DROP INDEX events_idx")
    db.execute(original.replace(" ASYNC", ""))
    assert not sorts(db, "kind, at DESC")  # what the original served
