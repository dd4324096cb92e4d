"""A transaction split never goes inside a savepoint's scope: ROLLBACK TO must find its
SAVEPOINT in the same transaction."""

from __future__ import annotations

from fixkit import Case, fix_text

from dsql_lint.diagnostic import FixAvailability

BLOCK = """BEGIN;
CREATE TABLE a (id int PRIMARY KEY);
SAVEPOINT s1;
CREATE TABLE b (id int PRIMARY KEY);
ROLLBACK TO SAVEPOINT s1;
CREATE TABLE c (id int PRIMARY KEY);
COMMIT;
"""


def test_no_split_between_savepoint_and_rollback_to() -> None:
    result = fix_text(BLOCK, Case())
    assert result.text == BLOCK.replace(
        "ROLLBACK TO SAVEPOINT s1;\n", "ROLLBACK TO SAVEPOINT s1;\nCOMMIT;\nBEGIN;\n"
    )
    assert "not inside a savepoint's scope" in result.applied[0].summary


def test_after_release_the_split_is_free_again() -> None:
    text = BLOCK.replace("ROLLBACK TO SAVEPOINT s1", "RELEASE s1")
    result = fix_text(text, Case())
    assert result.text.count("COMMIT;\nBEGIN;") == 1
    assert "RELEASE s1;\nCOMMIT;\nBEGIN;\n" in result.text


def test_a_finding_only_a_split_inside_the_scope_would_fix_says_no_fix() -> None:
    # pg_regress create_table.sql: the second DDL is inside the savepoint's scope.
    text = """BEGIN;
CREATE TABLE a (c int);
SAVEPOINT q; DROP TABLE a; ROLLBACK TO q;
COMMIT;
"""
    result = fix_text(text, Case())
    assert result.text == text
    found = [(d.code, d.fix) for d in result.first.diagnostics if d.code == "DSQL401"]
    assert found == [("DSQL401", FixAvailability.NONE)]
