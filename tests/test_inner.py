"""Statements nested in others are linted as statements: CREATE SCHEMA's elements and the
bodies of LANGUAGE sql functions, with positions in the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import lint_text

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.lint import parallel, pipeline
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.settings import LintOptions

SCHEMA = (
    "CREATE SCHEMA app\n"
    "    CREATE TABLE orders (id serial PRIMARY KEY, tags text[])\n"
    "    CREATE INDEX orders_tags ON orders (tags)\n"
    "    CREATE VIEW v AS SELECT id FROM orders\n"
    "    CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();\n"
)


def found(text: str) -> list[tuple[str, int, int, str]]:
    return [
        (d.code, d.line, d.col, text[d.start : d.end])
        for d in lint_text(text)
        if d.code != "DSQL006"  # which commands are documented is another matter
    ]


def test_schema_elements_are_statements() -> None:
    assert found(SCHEMA) == [
        ("DSQL101", 2, 29, "serial"),
        ("DSQL102", 2, 54, "text[]"),
        ("DSQL301", 3, 5, "CREATE INDEX orders_tags ON orders (tags)"),
        ("DSQL511", 5, 5, SCHEMA.splitlines()[4].strip().rstrip(";")),
    ]


def test_schema_elements_are_in_the_schema_model() -> None:
    # The 25th index counts against the table the schema created (24 indexes at most).
    indexes = "".join(f"CREATE INDEX ASYNC i{n} ON app.orders (id);\n" for n in range(25))
    table = "CREATE TABLE app.orders (id bigint PRIMARY KEY)"
    alone = found(f"CREATE SCHEMA app;\n{table};\n{indexes}")
    assert [(code, line) for code, line, *_ in alone] == [("DSQL801", 27)]
    nested = found(f"CREATE SCHEMA app\n{table};\n{indexes}")
    assert [(code, line) for code, line, *_ in nested] == [("DSQL801", 27)]


def test_sql_function_bodies_are_statements() -> None:
    text = (
        "CREATE FUNCTION add_order(n int) RETURNS void LANGUAGE sql AS $body$\n"
        "  CREATE TABLE IF NOT EXISTS x (id serial);\n"
        "  TRUNCATE orders;\n"
        "$body$;\n"
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  TRUNCATE orders;\n"
        "  SELECT 1;\n"
        "END;\n"
    )
    assert found(text) == [
        ("DSQL101", 2, 36, "serial"),
        ("DSQL701", 3, 3, "TRUNCATE orders"),
        ("DSQL701", 7, 3, "TRUNCATE orders"),
    ]


def test_nested_findings_are_reported_not_fixed() -> None:
    diagnostics = lint_text(SCHEMA)
    assert diagnostics and all(d.fix is FixAvailability.NONE for d in diagnostics)
    assert {d.statement for d in diagnostics} == {0}


def test_other_bodies_are_not_read_as_sql() -> None:
    text = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN TRUNCATE t; END $$;\n"
        "CREATE FUNCTION h() RETURNS int LANGUAGE plpgsql AS 'BEGIN TRUNCATE t; END';\n"
        "CREATE FUNCTION k() RETURNS text LANGUAGE sql AS $$ SELECT 'TRUNCATE t' $$;\n"
    )
    assert [code for code, *_ in found(text) if code == "DSQL701"] == []


def test_single_quoted_sql_bodies_are_statements_at_their_positions() -> None:
    """Doubled quotes are the body's quotes: its literals stay literals, and each finding is
    where the file has it."""
    text = (
        "CREATE FUNCTION h() RETURNS void LANGUAGE sql AS 'TRUNCATE t';\n"
        "CREATE FUNCTION tag(n int) RETURNS void LANGUAGE sql AS '\n"
        "  INSERT INTO log VALUES (''it''''s a TRUNCATE t; inside''); -- a ''quote''\n"
        "  CREATE TABLE x (id serial, tags text[]);\n"
        "  SELECT E''\\n'' FROM t TABLESAMPLE SYSTEM (1);\n"
        "';\n"
    )
    assert found(text) == [
        ("DSQL701", 1, 51, "TRUNCATE t"),
        ("DSQL101", 4, 22, "serial"),
        ("DSQL102", 4, 35, "text[]"),
        ("DSQL712", 5, 25, "TABLESAMPLE SYSTEM (1)"),
    ]


NESTED_CATALOG = (
    "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n"
    "CREATE SCHEMA app\n"
    "    CREATE TABLE items (id bigint PRIMARY KEY)\n"
    + "".join(f"    CREATE INDEX ASYNC i{n} ON items (id)\n" for n in range(25))
    + ";\n"
    "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$\n"
    "  ALTER TABLE orders DROP COLUMN id;\n"
    "$$;\n"
    "CREATE FUNCTION g() RETURNS void LANGUAGE sql\n"
    "BEGIN ATOMIC\n"
    "  ALTER TABLE orders ADD UNIQUE (note);\n"
    "END;\n"
)


def test_catalog_checks_run_inside_nested_statements() -> None:
    """Against the schema as it stands at each nested statement: the 25th index of a schema
    element (not every one), a table's key or constraints named in a function body."""
    assert [(code, line, col) for code, line, col, _ in found(NESTED_CATALOG)] == [
        ("DSQL801", 28, 5),
        ("DSQL615", 31, 22),
        ("DSQL622", 35, 26),
    ]


def test_nested_catalog_findings_agree_in_a_parallel_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parallel run keeps no trees: the nested statement is found and parsed again."""
    (tmp_path / "V1__nested.sql").write_text(NESTED_CATALOG)

    def run(jobs: int) -> list[tuple[str, int, int]]:
        report = lint_paths([str(tmp_path)], LintOptions(jobs=jobs))
        return [(d.code, d.line, d.col) for d in report.diagnostics if d.code != "DSQL006"]

    serial = run(1)
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    assert run(2) == serial
    assert {"DSQL801", "DSQL615", "DSQL622"} <= {code for code, *_ in serial}


NESTED_TWICE = (
    "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n"
    "CREATE FUNCTION outer_f() RETURNS void LANGUAGE sql AS $outer$\n"
    "  CREATE FUNCTION inner_f() RETURNS void LANGUAGE sql AS $inner$\n"
    "    ALTER TABLE orders DROP COLUMN id;\n"
    "  $inner$;\n"
    "  CREATE SCHEMA app CREATE TABLE items (id serial PRIMARY KEY);\n"
    "$outer$;\n"
)


def test_statements_nested_two_levels_down_are_checked_with_the_catalog() -> None:
    """A function in a function body, a schema's elements in a function body: their catalog
    checks run as one level down."""
    assert [(code, line, col) for code, line, col, _ in found(NESTED_TWICE)] == [
        ("DSQL615", 4, 24),
        ("DSQL101", 6, 44),
    ]


def nested_functions(depth: int) -> str:
    """`depth` functions, each in the body of the one before, the last holding a SERIAL."""
    text = "CREATE TABLE t (id serial PRIMARY KEY)"
    for level in range(depth, 0, -1):
        text = (
            f"CREATE FUNCTION f{level}() RETURNS void LANGUAGE sql AS $b{level}$ {text} $b{level}$"
        )
    return text + ";\n"


def test_nesting_is_looked_into_down_to_a_bound() -> None:
    assert "DSQL101" in {d.code for d in lint_text(nested_functions(pipeline.MAX_DEPTH))}
    assert "DSQL101" not in {d.code for d in lint_text(nested_functions(pipeline.MAX_DEPTH + 1))}
    lint_text(nested_functions(400))  # no recursion error


DO_BLOCK = (
    "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n"
    "DO $$\n"
    "BEGIN\n"
    "  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n"
    "    CREATE TYPE mood AS ENUM ('happy', 'sad');\n"
    "  END IF;\n"
    "  CREATE FUNCTION f() RETURNS void LANGUAGE sql\n"
    "    AS $f$ ALTER TABLE orders DROP COLUMN id $f$;\n"
    "  EXECUTE 'CREATE TABLE t (id serial)';\n"
    "EXCEPTION WHEN duplicate_object THEN NULL;\n"
    "END $$;\n"
    "DO LANGUAGE plpgsql 'BEGIN CREATE TABLE u (id serial, note text DEFAULT ''x''); END';\n"
)


def test_a_do_blocks_statements_are_checked_where_they_are_written() -> None:
    """As PL/pgSQL's parser reads the block: in an IF branch, a LANGUAGE sql function's body
    two levels down (with the catalog), a single-quoted block; not what EXECUTE runs."""
    assert [(code, line, col, text[:40]) for code, line, col, text in found(DO_BLOCK)] == [
        ("DSQL005", 2, 1, "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FR"),
        ("DSQL514", 5, 5, "CREATE TYPE mood AS ENUM ('happy', 'sad'"),
        ("DSQL615", 8, 31, "DROP COLUMN id"),
        ("DSQL005", 12, 1, "DO LANGUAGE plpgsql 'BEGIN CREATE TABLE "),
        ("DSQL101", 12, 47, "serial"),
    ]
