"""Tests for dsql_lint.syntax.dialect: DSQL statements parse to structured nodes and regenerate."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.generators.postgres import PostgresGenerator
from sqlglot.parsers.postgres import PostgresParser
from sqlglot.tokens import TokenType

from dsql_lint.syntax.dialect import (
    ASYNC,
    CALL,
    DSQL,
    NULLS_DISTINCT,
    called,
    is_async,
    is_validate_constraint,
    validated_constraints,
)
from dsql_lint.syntax.unicode_escapes import decode


def one(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=DSQL)


def roundtrip(sql: str) -> str:
    return one(sql).sql(dialect=DSQL)


# --- CREATE INDEX ASYNC -----------------------------------------------------------------------


def test_postgres_reads_async_as_the_index_name() -> None:
    """The bug the dialect exists for, and a check that Postgres itself is left untouched."""
    tree = sqlglot.parse_one("CREATE INDEX ASYNC idx ON t(c)", read="postgres")
    assert tree.this.name.upper() == "ASYNC"


def test_async_index_is_not_an_index_named_async() -> None:
    tree = one("CREATE INDEX ASYNC idx ON t(c)")
    assert isinstance(tree, exp.Create) and tree.kind == "INDEX"
    assert tree.this.name == "idx"
    assert tree.this.args["table"].name == "t"
    assert tree.args[ASYNC] is True and is_async(tree)
    assert tree.sql(dialect=DSQL) == "CREATE INDEX ASYNC idx ON t(c)"


def test_plain_index_is_not_async() -> None:
    tree = one("CREATE INDEX idx ON t (c)")
    assert ASYNC not in tree.args and not is_async(tree)
    assert tree.sql(dialect=DSQL) == "CREATE INDEX idx ON t(c)"


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE INDEX ASYNC idx ON t(c)",
        "CREATE UNIQUE INDEX ASYNC idx ON t(c)",
        "CREATE INDEX ASYNC IF NOT EXISTS idx ON s.t(a, b DESC)",
        "CREATE UNIQUE INDEX ASYNC IF NOT EXISTS idx ON t(c) INCLUDE (d, e)",
        "CREATE UNIQUE INDEX ASYNC idx ON t(c) NULLS NOT DISTINCT",
        "CREATE UNIQUE INDEX ASYNC idx ON t(c) NULLS DISTINCT",
        "CREATE UNIQUE INDEX ASYNC idx ON t(c) INCLUDE (d) NULLS NOT DISTINCT WHERE c > 1",
        "CREATE INDEX ASYNC idx ON t(LOWER(c)) WHERE NOT d IS NULL",
        "CREATE INDEX ASYNC ON t(c)",
        "CREATE INDEX ASYNC idx ON ONLY t(c)",
        "CREATE INDEX idx ON t USING btree(c) NULLS DISTINCT WITH (fillfactor=70)",
    ],
)
def test_index_roundtrip(sql: str) -> None:
    assert roundtrip(sql) == sql
    assert roundtrip(roundtrip(sql)) == sql


def test_index_roundtrip_modulo_formatting() -> None:
    sql = "create unique index async if not exists idx on t (c) include (d) nulls not distinct"
    expected = "CREATE UNIQUE INDEX ASYNC IF NOT EXISTS idx ON t(c) INCLUDE (d) NULLS NOT DISTINCT"
    assert roundtrip(sql) == expected


def test_index_clauses_are_structured() -> None:
    tree = one(
        "CREATE UNIQUE INDEX ASYNC i ON ONLY t (c) INCLUDE (d) NULLS NOT DISTINCT WHERE c > 0"
    )
    index = tree.this
    params = index.args["params"]
    assert tree.args["unique"] is True
    assert index.args["only"] is True
    assert params.args[NULLS_DISTINCT] is False
    assert [c.name for c in params.args["include"]] == ["d"]
    assert isinstance(params.args["where"], exp.Where)


def test_nulls_inside_the_column_list_is_left_alone() -> None:
    tree = one("CREATE INDEX ASYNC i ON t (c DESC NULLS LAST) WHERE a IS NOT DISTINCT FROM b")
    assert NULLS_DISTINCT not in tree.this.args["params"].args
    assert tree.sql(dialect=DSQL) == (
        "CREATE INDEX ASYNC i ON t(c DESC NULLS LAST) WHERE a IS NOT DISTINCT FROM b"
    )


# --- ALTER TABLE [ASYNC] ... VALIDATE CONSTRAINT ----------------------------------------------


def test_async_validate_constraint() -> None:
    tree = one("ALTER TABLE ASYNC IF EXISTS ONLY s.t VALIDATE CONSTRAINT c")
    assert isinstance(tree, exp.Alter)
    assert is_async(tree)
    assert tree.args["exists"] and tree.args["only"]
    assert tree.this.sql() == "s.t"
    (action,) = tree.args["actions"]
    assert isinstance(action, exp.AnalyzeValidate) and is_validate_constraint(action)
    assert action.this.name == "c"
    assert tree.sql(dialect=DSQL) == "ALTER TABLE ASYNC IF EXISTS ONLY s.t VALIDATE CONSTRAINT c"


def test_sync_validate_constraint_is_structured_too() -> None:
    tree = one("ALTER TABLE t VALIDATE CONSTRAINT c")
    assert isinstance(tree, exp.Alter) and not is_async(tree)
    assert [v.this.name for v in validated_constraints(tree)] == ["c"]
    assert tree.sql(dialect=DSQL) == "ALTER TABLE t VALIDATE CONSTRAINT c"


def test_validate_among_other_actions() -> None:
    sql = 'ALTER TABLE t VALIDATE CONSTRAINT "C", DROP CONSTRAINT d, VALIDATE CONSTRAINT e'
    tree = one(sql)
    actions = tree.args["actions"]
    assert [type(a).__name__ for a in actions] == ["AnalyzeValidate", "Drop", "AnalyzeValidate"]
    assert actions[0].this.quoted
    assert tree.sql(dialect=DSQL) == sql


def test_table_named_async() -> None:
    tree = one("ALTER TABLE async ADD COLUMN x INT")
    assert not is_async(tree)
    assert tree.this.name == "async"
    tree = one("ALTER TABLE async.t VALIDATE CONSTRAINT c")
    assert not is_async(tree) and tree.this.sql() == "async.t"


def test_add_foreign_key_not_valid_then_validate() -> None:
    add, validate = sqlglot.parse(
        "ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES p (id) NOT VALID;"
        "ALTER TABLE ASYNC o VALIDATE CONSTRAINT fk",
        read=DSQL,
    )
    assert add.args["not_valid"] and add.find(exp.ForeignKey)
    assert is_async(validate) and validated_constraints(validate)[0].this.name == "fk"


# --- CALL sys.wait_for_job --------------------------------------------------------------------


def test_call_wait_for_job() -> None:
    tree = one("CALL sys.wait_for_job('abc-123')")
    assert isinstance(tree, exp.Command) and tree.name == "CALL"
    call = called(tree)
    assert call is tree.args[CALL]
    assert isinstance(call, exp.Dot) and call.this.name == "sys"
    function = call.expression
    assert isinstance(function, exp.Anonymous) and function.name == "wait_for_job"
    assert [a.name for a in function.expressions] == ["abc-123"]
    assert tree.sql(dialect=DSQL) == "CALL sys.wait_for_job('abc-123')"


def test_call_keeps_statement_count_and_comments() -> None:
    trees = sqlglot.parse("/* wait */ CALL sys.wait_for_job('a'); SELECT 1; CALL p()", read=DSQL)
    assert [type(t).__name__ for t in trees] == ["Command", "Select", "Command"]
    assert trees[0].comments == [" wait "]
    assert called(trees[2]).name == "p"
    assert called(trees[1]) is None


def test_bare_call_is_a_command() -> None:
    tree = one("CALL")
    assert isinstance(tree, exp.Command) and called(tree) is None


# --- Postgres forms sqlglot's Postgres dialect misses -----------------------------------------


def test_int_array_column() -> None:
    tree = one("CREATE TABLE t (n int ARRAY, j jsonb, m int ARRAY[3])")
    kinds = [c.args["kind"] for c in tree.this.expressions]
    assert [k.sql(dialect=DSQL) for k in kinds] == ["INT[]", "JSONB", "INT[3]"]
    assert kinds[0].is_type(exp.DType.ARRAY)


def test_array_constructors_are_untouched() -> None:
    sql = "SELECT ARRAY[1, 2], ARRAY(SELECT 1), CAST(x AS INT[]) FROM t"
    assert roundtrip("SELECT ARRAY[1,2], ARRAY(SELECT 1), x::int ARRAY FROM t") == sql


def test_serial_is_regenerated_as_written() -> None:
    sql = "CREATE TABLE t (id SERIAL PRIMARY KEY, b BIGSERIAL)"
    assert roundtrip(sql) == sql
    assert "IDENTITY" in sqlglot.parse_one(sql, read="postgres").sql("postgres")


def test_function_properties_have_their_parent() -> None:
    tree = one("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql IMMUTABLE")
    properties = tree.args["properties"]
    assert all(p.parent is properties for p in properties.expressions)


# --- the dialect as a sqlglot dialect ---------------------------------------------------------


def test_registered_by_name() -> None:
    tree = sqlglot.parse_one("CREATE INDEX ASYNC i ON t (c)", read="dsql")
    assert is_async(tree)
    assert sqlglot.transpile("ALTER TABLE ASYNC t VALIDATE CONSTRAINT c", read="dsql") == [
        "ALTER TABLE ASYNC t VALIDATE CONSTRAINT c"
    ]


def test_class_attributes_come_from_postgres() -> None:
    assert DSQL.parser_class.FUNCTIONS is PostgresParser.FUNCTIONS
    assert DSQL.generator_class.TYPE_MAPPING is PostgresGenerator.TYPE_MAPPING
    assert exp.DataType.build("int ARRAY", dialect=DSQL).sql(dialect=DSQL) == "INT[]"


def test_pretty_generation() -> None:
    sql = one("CREATE UNIQUE INDEX ASYNC i ON t (c) NULLS NOT DISTINCT").sql(
        dialect=DSQL, pretty=True
    )
    assert sql.startswith("CREATE UNIQUE INDEX ASYNC i ON t")
    assert "NULLS NOT DISTINCT" in sql


def test_generated_nodes_can_be_built_by_hand() -> None:
    tree = exp.Alter(
        this=exp.to_table("t"),
        kind="TABLE",
        actions=[exp.AnalyzeValidate(kind="CONSTRAINT", this=exp.to_identifier("c"))],
    )
    tree.set(ASYNC, True)
    assert tree.sql(dialect=DSQL) == "ALTER TABLE ASYNC t VALIDATE CONSTRAINT c"


# --- identity columns -------------------------------------------------------------------------


def identity(sql: str) -> exp.GeneratedAsIdentityColumnConstraint:
    return one(sql).find(exp.GeneratedAsIdentityColumnConstraint)


def test_identity_cache_is_parsed() -> None:
    """sqlglot's Postgres dialect rejects CACHE, which DSQL requires."""
    sql = "CREATE TABLE a (big BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1))"
    with pytest.raises(sqlglot.errors.ParseError):
        sqlglot.parse_one(sql, read="postgres")
    node = identity(sql)
    assert node.this is False and node.args["cache"].to_py() == 1
    assert roundtrip(sql) == sql


def test_identity_options_in_any_order() -> None:
    sql = (
        "CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 65536 NO CYCLE"
        " START WITH -1 AS integer NO MINVALUE MAXVALUE 99 INCREMENT 2 SEQUENCE NAME s.x))"
    )
    args = identity(sql).args
    assert args["cache"].to_py() == 65536
    assert args["start"].sql() == "-1"
    assert args["increment"].to_py() == 2
    assert args["minvalue"] is False and args["maxvalue"].to_py() == 99
    assert args["cycle"] is False
    assert args["data_type"].is_type(exp.DType.INT)
    assert args["sequence_name"].sql() == "s.x"
    assert roundtrip(sql) == (
        "CREATE TABLE a (id BIGINT GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME s.x AS INT"
        " START WITH -1 INCREMENT BY 2 NO MINVALUE MAXVALUE 99 CACHE 65536 NO CYCLE))"
    )


def test_identity_in_alter_table_and_next_to_others() -> None:
    tree = one("ALTER TABLE t ADD COLUMN x bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1)")
    assert tree.find(exp.GeneratedAsIdentityColumnConstraint).args["cache"].to_py() == 1
    tree = one(
        "CREATE TABLE a (b int GENERATED ALWAYS AS IDENTITY, c int GENERATED ALWAYS AS (b + 1)"
        " STORED, d bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 5 CACHE 1))"
    )
    first, second = tree.find_all(exp.GeneratedAsIdentityColumnConstraint)
    assert "cache" not in first.args
    assert second.args["start"].to_py() == 5 and second.args["cache"].to_py() == 1
    assert isinstance(tree.find(exp.ComputedColumnConstraint), exp.ComputedColumnConstraint)


def test_unknown_identity_option_is_a_parse_error() -> None:
    with pytest.raises(sqlglot.errors.ParseError):
        one("CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY (FOO 1))")


# --- statements sqlglot does not model --------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SAVEPOINT before_update",
        "RELEASE SAVEPOINT before_update",
        "LISTEN order_events",
        "NOTIFY order_events, 'created'",
        "UNLISTEN *",
        "DEALLOCATE PREPARE find_order",
        "DISCARD ALL",
        "CHECKPOINT",
        "START TRANSACTION ISOLATION LEVEL READ COMMITTED",
        "BEGIN TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ ONLY",
        "COMMIT PREPARED 'x'",
        "ABORT",
    ],
)
def test_postgres_statements_sqlglot_misreads_are_commands(sql: str) -> None:
    """sqlglot's Postgres dialect reads `SAVEPOINT x` as a column alias and fails on others."""
    tree = one(sql)
    assert isinstance(tree, exp.Command)
    assert tree.name == sql.split()[0].upper()
    assert tree.sql(dialect=DSQL) == sql


def test_transactions_sqlglot_models_keep_their_nodes() -> None:
    trees = sqlglot.parse(
        "BEGIN ISOLATION LEVEL SERIALIZABLE; SAVEPOINT a; ROLLBACK TO SAVEPOINT a; COMMIT",
        read=DSQL,
    )
    assert [type(t).__name__ for t in trees] == ["Transaction", "Command", "Rollback", "Commit"]


def test_unicode_escaped_names_and_strings_read_as_what_they_denote() -> None:
    sql = "CREATE TABLE u&\"t\\0061\" (id serial, note text DEFAULT U&'d!0061t' UESCAPE '!')"
    tree = sqlglot.parse_one(sql, read=DSQL)
    table = tree.find(exp.Table)
    assert table.name == "ta" and table.this.quoted
    assert tree.find(exp.DataType).this is exp.DType.SERIAL
    assert tree.find(exp.Literal).this == "dat"
    # One token each, spanning the whole form (UESCAPE included): positions hold.
    tokens = DSQL().tokenizer().tokenize(sql)
    spans = [
        (t.start, t.end) for t in tokens if t.token_type in (TokenType.IDENTIFIER, TokenType.STRING)
    ]
    assert [sql[a : b + 1] for a, b in spans] == ['u&"t\\0061"', "U&'d!0061t' UESCAPE '!'"]


def test_unicode_escapes_decoded_as_postgresql_does() -> None:
    assert decode("a\\+01F600\\\\") == "a\U0001f600\\"
    assert decode("\\D83D\\DE00") == "\U0001f600"  # a UTF-16 surrogate pair
    assert decode("x!0041", "!") == "xA"
    assert decode("\\00zz") is None and decode("\\D83D") is None
    # `u & "x"`, spaced, is a bitwise AND, not an escape.
    tree = sqlglot.parse_one('SELECT u & "x" FROM t', read=DSQL)
    assert tree.find(exp.BitwiseAnd) is not None
