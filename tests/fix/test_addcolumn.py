"""ADD COLUMN with a DEFAULT: DEFAULT NULL is dropped and nothing else; a NOT NULL column keeps
its DEFAULT (without it, adding the column fails on a table that has rows)."""

from __future__ import annotations

from fixkit import Case, fix_text

from dsql_lint.diagnostic import FixAvailability

TABLE = "CREATE TABLE a (id uuid PRIMARY KEY);\n"


def test_default_null_is_dropped_safely() -> None:
    result = fix_text(TABLE + "ALTER TABLE a ADD COLUMN c text DEFAULT NULL;\n", Case())
    assert result.text == TABLE + "ALTER TABLE a ADD COLUMN c text;\n"
    assert [f.safe for f in result.applied] == [True]
    assert not result.remaining


def test_not_null_with_a_default_is_declined() -> None:
    text = TABLE + "ALTER TABLE a ADD COLUMN d int NOT NULL DEFAULT 0;\n"
    result = fix_text(text, Case(unsafe=True))
    assert result.text == text
    found = {d.code: d.fix for d in result.remaining}
    assert found == {"DSQL601": FixAvailability.NONE, "DSQL602": FixAvailability.NONE}


def test_the_next_column_of_the_statement_is_not_its_business() -> None:
    text = TABLE + "ALTER TABLE a ADD COLUMN b int DEFAULT 0, ADD COLUMN n int NOT NULL;\n"
    result = fix_text(text, Case(unsafe=True))
    assert "ALTER TABLE a ALTER COLUMN b SET DEFAULT 0;" in result.text
