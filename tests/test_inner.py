"""Statements nested in others are linted as statements: CREATE SCHEMA's elements and the
bodies of LANGUAGE sql functions, with positions in the file."""

from __future__ import annotations

from helpers import lint_text

from dsql_lint.diagnostic import FixAvailability

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
        "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'TRUNCATE t';\n"
    )
    assert [code for code, *_ in found(text) if code == "DSQL701"] == []
