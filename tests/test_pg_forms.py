"""PostgreSQL forms sqlglot's Postgres parser lacks: they parse, their nodes' spans point at
the text they came from, generation prints what was read, and rules still see inside them."""

from __future__ import annotations

from helpers import codes, lint_text
from sqlglot import exp

from dsql_lint.syntax.dialect import DSQL
from dsql_lint.syntax.dml_forms import SEARCH_CYCLE
from dsql_lint.syntax.operator_forms import PREFIX
from dsql_lint.syntax.parse import Parsed, node_span, parse
from dsql_lint.syntax.pg_grammar import reading
from dsql_lint.syntax.pgforms import (
    BARE,
    NO_INHERIT,
    NOT_VALID,
    OVERRIDING,
    VIRTUAL,
    WITH_OPTIONS,
)
from dsql_lint.syntax.query_forms import USING
from dsql_lint.syntax.routine_args import PARAMETERS
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split
from dsql_lint.syntax.xml_forms import TEMPLATE


def parsed(text: str) -> Parsed:
    (statement,) = split(Source("t.sql", "-- before\n" + text))
    result = parse(statement)
    assert result.error is None, result.error
    assert result.tree is not None
    return result


def text_of(p: Parsed, node: exp.Expr) -> str:
    start, end = node_span(p, node)
    return p.statement.source.text[start:end]


def regenerated(text: str) -> str:
    dialect = DSQL()
    return dialect.generate(dialect.parse(text)[0])


def means_the_same(sql: str) -> bool:
    """Whether PostgreSQL reads the regenerated SQL as it reads `sql`."""
    return reading(regenerated(sql)) == reading(sql)


def test_insert_overriding() -> None:
    p = parsed("INSERT INTO items (id, name) OVERRIDING SYSTEM VALUE VALUES (1, 'a');")
    assert p.tree.args[OVERRIDING] == "SYSTEM"
    assert text_of(p, p.tree.expression) == "VALUES (1, 'a')"
    assert regenerated("INSERT INTO t OVERRIDING USER VALUE SELECT 1") == (
        "INSERT INTO t OVERRIDING USER VALUE SELECT 1"
    )


def test_merge_insert_overriding() -> None:
    sql = (
        "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN "
        "INSERT (a, b) OVERRIDING USER VALUE VALUES (s.a, s.b)"
    )
    assert regenerated(sql) == sql
    p = parsed(sql + ";")
    assert p.tree.find(exp.Insert).args[OVERRIDING] == "USER"


def test_geometric_literals_are_casts() -> None:
    p = parsed("SELECT 1 FROM p WHERE f <@ box '(0,0,1,1)' OR f <@ circle '<(5,5),5>';")
    casts = list(p.tree.find_all(exp.Cast))
    assert sorted(c.to.sql() for c in casts) == ["box", "circle"]
    assert sorted(text_of(p, c.this) for c in casts) == ["'(0,0,1,1)'", "'<(5,5),5>'"]


def test_bare_geometric_and_pattern_operators() -> None:
    p = parsed("SELECT 1 FROM p WHERE p.f <<| '(0, 0)' AND f ~= g AND name ~<~ 'YX';")
    operators = list(p.tree.find_all(exp.Operator))
    assert sorted(o.args["operator"] for o in operators) == ["<<|", "~<~", "~="]
    assert all(o.args[BARE] for o in operators)
    assert sorted(text_of(p, o.this) for o in operators) == ["f", "name", "p.f"]
    assert regenerated("SELECT a |>> b, a >^ b") == "SELECT a |>> b, a >^ b"
    # Written as OPERATOR(...), it stays so.
    assert regenerated("SELECT a OPERATOR(pg_catalog.<<|) b") == (
        "SELECT a OPERATOR(pg_catalog.<<|) b"
    )


def test_drop_several_indexes() -> None:
    p = parsed('DROP INDEX CONCURRENTLY IF EXISTS "a", b;')
    assert p.tree.args["kind"] == "INDEX" and p.tree.args["concurrently"]
    assert [text_of(p, t) for t in p.tree.args["tables"]] == ['"a"', "b"]
    assert regenerated("DROP INDEX a, b") == "DROP INDEX a, b"


def test_comment_is_null() -> None:
    p = parsed("COMMENT ON INDEX six IS NULL;")
    assert isinstance(p.tree.expression, exp.Null)
    assert text_of(p, p.tree.expression) == "NULL"


def test_unnamed_function_arguments_of_several_tokens() -> None:
    p = parsed(
        "CREATE FUNCTION f(timestamp with time zone, OUT text[], b int, double precision)"
        " RETURNS date LANGUAGE sql AS $$ SELECT 1 $$;"
    )
    params = p.tree.this.expressions
    assert [text_of(p, param) for param in params] == [
        "timestamp with time zone",
        "OUT text[]",
        "b int",
        "double precision",
    ]
    assert isinstance(params[0], exp.DataType) and params[0].is_type("timestamptz")


def test_virtual_generated_columns() -> None:
    p = parsed(
        "CREATE TABLE t (a int, u text GENERATED ALWAYS AS (upper(a)) VIRTUAL,"
        " s int GENERATED ALWAYS AS (1) STORED, d int GENERATED ALWAYS AS (2),"
        " i bigint GENERATED ALWAYS AS IDENTITY (CACHE 1));"
    )
    computed = list(p.tree.find_all(exp.ComputedColumnConstraint))
    assert [c.args.get(VIRTUAL) for c in computed] == [True, None, False]
    assert [text_of(p, c.this) for c in computed] == ["upper(a)", "1", "2"]
    assert len(list(p.tree.find_all(exp.GeneratedAsIdentityColumnConstraint))) == 1
    sql = "CREATE TABLE t (u TEXT GENERATED ALWAYS AS (UPPER(a)) VIRTUAL)"
    assert regenerated(sql) == sql


def test_rules_see_beside_the_new_forms() -> None:
    found = lint_text(
        "CREATE TABLE films (id bigint PRIMARY KEY, tags text[], title text,"
        " u text GENERATED ALWAYS AS (upper(title)) VIRTUAL);\n"
        "ALTER TABLE films ADD COLUMN v text GENERATED ALWAYS AS (lower(title)) VIRTUAL;\n"
    )
    # DSQL's PostgreSQL 16 has no VIRTUAL (18): its grammar refuses both; in the second,
    # DSQL607 also says that DSQL adds no generated column (what only DSQL refuses does not
    # stand for the syntax error).
    assert sorted(codes(found)) == ["DSQL012", "DSQL012", "DSQL102", "DSQL607"]
    virtual = next(d for d in found if d.code == "DSQL012")
    assert (virtual.line, virtual.col) == (1, 111)
    array = next(d for d in found if d.code == "DSQL102")
    assert (array.line, array.col, array.end - array.start) == (1, 49, len("text[]"))


def test_partition_key_opclasses() -> None:
    p = parsed("CREATE TABLE p (a int, b int) PARTITION BY RANGE (a int4_ops, plusone(b));")
    (opclass,) = p.tree.find_all(exp.Opclass)
    assert text_of(p, opclass) == "a int4_ops"
    assert text_of(p, opclass.expression) == "int4_ops"


def test_check_no_inherit() -> None:
    p = parsed("CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0) NO INHERIT, CHECK (a < 9));")
    checks = list(p.tree.find_all(exp.CheckColumnConstraint, bfs=False))  # in text order
    assert [c.args.get(NO_INHERIT) for c in checks] == [True, None]
    assert text_of(p, checks[0].this) == "a > 0"
    sql = "CREATE TABLE t (a INT, CONSTRAINT c CHECK (a > 0) NO INHERIT)"
    assert regenerated(sql) == sql


def test_bare_storage_parameters() -> None:
    p = parsed("CREATE TABLE t (a int) WITH (oids, fillfactor = 70);")
    properties = list(p.tree.find_all(exp.Property))
    assert [(q.name, q.args.get(BARE)) for q in properties] == [
        ("oids", True),
        ("fillfactor", None),
    ]
    assert regenerated("CREATE TABLE t (a INT) WITH (oids)") == "CREATE TABLE t (a INT) WITH (oids)"


def test_partition_columns_with_options() -> None:
    p = parsed(
        "CREATE TABLE c PARTITION OF p (a WITH OPTIONS NOT NULL, b DEFAULT 0,"
        " f WITH OPTIONS GENERATED ALWAYS AS IDENTITY) FOR VALUES IN (1);"
    )
    columns = list(p.tree.find_all(exp.ColumnDef))
    assert [(c.name, c.args.get(WITH_OPTIONS)) for c in columns] == [
        ("a", True),
        ("b", None),
        ("f", True),
    ]
    assert columns[2].find(exp.GeneratedAsIdentityColumnConstraint) is not None
    sql = "CREATE TABLE c PARTITION OF p (a WITH OPTIONS NOT NULL) FOR VALUES IN (1)"
    assert regenerated(sql) == sql


def test_partition_bounds_that_are_comparisons() -> None:
    p = parsed("CREATE TABLE c PARTITION OF p FOR VALUES IN ('foo' < 'bar', 'x');")
    spec = p.tree.find(exp.PartitionBoundSpec)
    assert [type(b).__name__ for b in spec.this] == ["LT", "Literal"]
    assert text_of(p, spec.this[0]) == "'foo' < 'bar'"
    sql = "CREATE TABLE c PARTITION OF p FOR VALUES IN ('foo' > 'bar')"
    assert regenerated(sql) == sql


def test_view_options_without_a_value() -> None:
    p = parsed("CREATE VIEW v WITH (security_barrier, check_option = local) AS SELECT 1;")
    properties = list(p.tree.find_all(exp.Property))
    assert [(q.name, q.args.get(BARE)) for q in properties] == [
        ("security_barrier", True),
        ("check_option", None),
    ]
    sql = "CREATE VIEW v WITH (security_barrier) AS SELECT 1"
    assert regenerated(sql) == sql


def test_column_compression() -> None:
    p = parsed("CREATE TABLE p (n text COMPRESSION pglz NOT NULL, m text COMPRESSION default);")
    methods = [c.this for c in p.tree.find_all(exp.CompressColumnConstraint, bfs=False)]
    assert [text_of(p, m) for m in methods] == ["pglz", "default"]
    sql = "ALTER TABLE p ADD COLUMN q TEXT COMPRESSION lz4 NOT NULL"
    assert regenerated(sql) == sql


def test_bit_varying_is_varbit() -> None:
    p = parsed("SELECT 1::bit varying(3), CAST(b AS BIT VARYING), 2::bit(3) FROM t;")
    casts = list(p.tree.find_all(exp.Cast, bfs=False))
    assert [text_of(p, c.to) for c in casts] == ["bit varying(3)", "BIT VARYING", "bit(3)"]
    assert regenerated("CREATE TABLE b (x bit varying(10)[])") == "CREATE TABLE b (x varbit(10)[])"


def test_drop_several_sequences_types_and_schemas() -> None:
    p = parsed("DROP SEQUENCE IF EXISTS s.a, b CASCADE;")
    assert p.tree.args["kind"] == "SEQUENCE" and p.tree.args["cascade"]
    assert [text_of(p, t) for t in p.tree.args["tables"]] == ["s.a", "b"]
    assert regenerated("DROP SCHEMA a, b CASCADE") == "DROP SCHEMA a, b CASCADE"
    assert regenerated("DROP TYPE a, b") == "DROP TYPE a, b"


def test_comment_on_a_tables_constraint_trigger_rule_or_policy() -> None:
    for kind in ("CONSTRAINT", "TRIGGER", "RULE", "POLICY"):
        p = parsed(f"COMMENT ON {kind} c ON s.t IS 'x';")
        assert isinstance(p.tree, exp.Command) and p.tree.name == "COMMENT"
    assert isinstance(parsed("COMMENT ON TABLE t IS 'x';").tree, exp.Comment)


def test_function_parameter_defaults_written_with_equals() -> None:
    p = parsed("CREATE FUNCTION f(a int = 1, b text = 'x') RETURNS int LANGUAGE sql AS 'SELECT 1';")
    defaults = [d for d in p.tree.find_all(exp.ColumnDef)]
    assert [text_of(p, d) for d in defaults] == ["a int = 1", "b text = 'x'"]
    assert regenerated("CREATE FUNCTION f(a INT = 1) RETURNS INT LANGUAGE sql AS 'SELECT 1'") == (
        "CREATE FUNCTION f(a INT DEFAULT 1) RETURNS INT LANGUAGE sql AS 'SELECT 1'"
    )


def test_drop_function_with_parameter_names() -> None:
    p = parsed("DROP FUNCTION IF EXISTS s.f(p_id uuid, t timestamp with time zone) CASCADE;")
    types = p.tree.expressions
    assert [text_of(p, t) for t in types] == ["uuid", "timestamp with time zone"]


def test_psql_variables() -> None:
    p = parsed("""SELECT a FROM t WHERE b = :'name' AND :"col" = 1 AND :{?verbose} AND c = :d;""")
    assert p.tree is not None, p.error
    literal = p.tree.find(exp.Literal)
    # the variable stands for psql's value: its span is all of it, colon included
    assert text_of(p, literal) == ":'name'"
    assert "verbose" in [text_of(p, c) for c in p.tree.find_all(exp.Column)]
    assert "DSQL001" not in codes(lint_text("COPY t FROM :'file';\nSELECT :\"c\" FROM t;\n"))


def test_any_run_of_operator_characters_is_read_as_postgresql_reads_it() -> None:
    """PostgreSQL's lexer takes the longest run of operator characters as one operator, less
    a trailing + or - unless the run holds one of ~!@#^&|`?%: an extension's or a user's
    operator is grammatical (whether it exists is the server's to say)."""
    p = parsed("SELECT a <<< 5, b *< c, x %% 2, a ### b, a>=-1, a*-1 FROM t;")
    operators = list(p.tree.find_all(exp.Operator))
    assert [o.args["operator"] for o in operators] == ["<<<", "*<", "%%", "###"]
    assert all(o.args[BARE] for o in operators)
    assert [text_of(p, o) for o in operators] == ["a <<< 5", "b *< c", "x %% 2", "a ### b"]
    assert [type(e).__name__ for e in p.tree.expressions[4:]] == ["GTE", "Mul"]
    # `!=-` holds a `!`: one operator, as the server reads it (and finds no such operator).
    assert regenerated("SELECT a !=-1, a ||- b") == "SELECT a !=- 1, a ||- b"


def test_where_current_of_a_cursor() -> None:
    p = parsed("UPDATE uctest SET f1 = 8 WHERE CURRENT OF c1;")
    where = p.tree.args["where"]
    assert text_of(p, where) == "WHERE CURRENT OF c1"
    assert regenerated("DELETE FROM t WHERE CURRENT OF c") == "DELETE FROM t WHERE CURRENT OF c"
    assert regenerated("SELECT current_of(1)") == "SELECT CURRENT_OF(1)"


def test_join_using_with_an_alias() -> None:
    p = parsed("SELECT x.i FROM (a JOIN b USING (i) AS x) AS y JOIN c USING (k, l) AS z;")
    joins = {
        j.sql(dialect="postgres"): j.args.get("using_alias") for j in p.tree.find_all(exp.Join)
    }
    assert joins == {"JOIN b USING (i)": "x", "JOIN c USING (k, l)": "z"}
    sql = "SELECT * FROM (a JOIN b USING (i) AS x) AS y JOIN c USING (k, l) AS z WHERE x.i = 1"
    assert regenerated(sql) == sql
    # DELETE's USING names tables, whose aliases are their own.
    assert regenerated("DELETE FROM a USING b AS x WHERE a.i = x.i") == (
        "DELETE FROM a USING b AS x WHERE a.i = x.i"
    )


def test_json_array_constructors_trailing_clauses() -> None:
    p = parsed("SELECT JSON_ARRAY(JSON_ARRAY(1 RETURNING text), 2 ABSENT ON NULL RETURNING jsonb);")
    outer, inner = [n for n in p.tree.walk(bfs=False) if isinstance(n, exp.Anonymous)]
    assert outer.args["json_clauses"] == "ABSENT ON NULL RETURNING jsonb"
    assert inner.args["json_clauses"] == "RETURNING text"
    assert text_of(p, inner) == "JSON_ARRAY(1 RETURNING text)"
    for sql in (
        "SELECT JSON_ARRAY(RETURNING json FORMAT JSON)",
        "SELECT JSON_ARRAYAGG(i ORDER BY i NULL ON NULL RETURNING jsonb), JSON_ARRAYAGG(j) FROM t",
        "SELECT JSON_ARRAY(SELECT i FROM t RETURNING jsonb)",
    ):
        assert regenerated(sql) == sql


def test_drop_several_routines_and_parameters_of_any_type() -> None:
    p = parsed("DROP FUNCTION IF EXISTS a(), s.b(IN x anyelement, y VARIADIC int[]), c CASCADE;")
    tables = p.tree.args["tables"]
    assert p.tree.args["kind"] == "FUNCTION" and p.tree.args["cascade"]
    assert [text_of(p, t.this) for t in tables] == ["a", "b", "c"]
    assert [t.args.get(PARAMETERS) for t in tables][::2] == [[], None]
    assert [text_of(p, t) for t in tables[1].args[PARAMETERS]] == ["anyelement", "int[]"]
    assert regenerated("DROP PROCEDURE a(), b(INT)") == "DROP PROCEDURE a(), b(INT)"
    p = parsed("drop function f(in f2 int, out f1 int, a priv_domain);")
    assert [text_of(p, t) for t in p.tree.expressions] == ["int", "int", "priv_domain"]
    # The second DDL of a transaction is still the second, and DROP PROCEDURE still refused
    # (as procedures are: DSQL518).
    found = lint_text(
        "BEGIN;\nDROP FUNCTION a(), b(x anyelement);\nDROP FUNCTION c(int);\nCOMMIT;\n"
        "DROP PROCEDURE p(), q();\n"
    )
    assert sorted(codes(found)) == ["DSQL401", "DSQL518"]


def test_unnamed_parameters_of_user_defined_types() -> None:
    p = parsed(
        "CREATE FUNCTION f(s.ctype, aggtype[], b s.t) RETURNS int LANGUAGE sql AS 'SELECT 1';"
    )
    params = p.tree.this.expressions
    assert [text_of(p, param) for param in params] == ["s.ctype", "aggtype[]", "b s.t"]
    assert params[1].is_type(exp.DataType.Type.ARRAY)
    found = lint_text("CREATE FUNCTION f(s.t, t[]) RETURNS int LANGUAGE plpgsql AS 'BEGIN END';")
    assert codes(found) == ["DSQL519"]


def test_insert_targets_with_subscripts_and_fields() -> None:
    p = parsed("INSERT INTO s.t AS x (a[1:2], f.r, g[1].y[2], h) VALUES ('{1}', 1, 2, 3);")
    targets = p.tree.this.expressions
    assert [type(t).__name__ for t in targets] == ["Bracket", "Column", "Bracket", "Identifier"]
    assert [text_of(p, t) for t in targets] == ["a[1:2]", "f.r", "g[1].y[2]", "h"]
    sql = "INSERT INTO t (f4[1].if2[1], f3.if2) SELECT 'bear', 'beer'"
    assert regenerated(sql) == sql
    found = lint_text("INSERT INTO docs (tags[1], body) SELECT 'a', to_tsvector('english', 'b');\n")
    assert codes(found) == ["DSQL714"]


def test_language_sql_then_security_definer() -> None:
    p = parsed("CREATE FUNCTION f() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';")
    assert text_of(p, p.tree.find(exp.SqlSecurityProperty)) == "SECURITY DEFINER"
    sql = "CREATE FUNCTION f() RETURNS void SECURITY INVOKER LANGUAGE sql AS 'SELECT 1'"
    assert regenerated(sql) == sql
    found = lint_text("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS 'x';\n")
    assert codes(found) == ["DSQL519"]


def test_recursive_cte_search_and_cycle_clauses() -> None:
    sql = (
        "WITH RECURSIVE g(f, t) AS (SELECT * FROM e UNION ALL SELECT e.* FROM e, g WHERE e.f = g.t)"
        " SEARCH DEPTH FIRST BY f, t SET seq CYCLE f, t SET is_cycle TO 'Y' DEFAULT 'N' USING path"
        " SELECT * FROM g ORDER BY seq"
    )
    p = parsed(sql + ";")
    (cte,) = p.tree.find_all(exp.CTE)
    assert cte.args[SEARCH_CYCLE].name == (
        "SEARCH DEPTH FIRST BY f, t SET seq CYCLE f, t SET is_cycle TO 'Y' DEFAULT 'N' USING path"
    )
    assert text_of(p, cte) == sql[len("WITH RECURSIVE ") : sql.index(" SELECT * FROM g ORDER")]
    assert text_of(p, cte.args[SEARCH_CYCLE]) == cte.args[SEARCH_CYCLE].name
    assert regenerated(sql) == sql
    found = lint_text(
        "CREATE VIEW v AS WITH RECURSIVE g(f) AS (SELECT 1 UNION SELECT f FROM g)"
        " CYCLE f SET c USING p SELECT f FROM g FOR SHARE;\n"
    )
    assert codes(found) == ["DSQL713"]


def test_copy_of_a_data_changing_statement() -> None:
    p = parsed("COPY (UPDATE t SET a = 1 WHERE b RETURNING id) TO stdout;")
    update = p.tree.this.this
    assert isinstance(update, exp.Update)
    assert text_of(p, update) == "UPDATE t SET a = 1 WHERE b RETURNING id"
    assert text_of(p, update.args["where"]) == "WHERE b"
    sql = "COPY (INSERT INTO t (a[1]) OVERRIDING USER VALUE VALUES (1) RETURNING id) TO STDOUT"
    assert regenerated(sql) == sql
    found = lint_text(
        "COPY (UPDATE docs SET v = to_tsvector('x') RETURNING id) TO stdout;\n"
        "COPY (DELETE FROM t RETURNING id) TO '/tmp/x.csv';\n"
        "COPY (MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE) TO stdout;\n"
    )
    assert codes(found) == ["DSQL714", "DSQL709", "DSQL005"]
    assert "MERGE can never succeed" in found[2].message


def test_foreign_key_set_null_columns_negative_scales_and_partition_parameters() -> None:
    p = parsed(
        "CREATE TABLE f (a int, b int, c numeric(3, -6), FOREIGN KEY (a, b) REFERENCES p"
        " ON DELETE SET NULL (b) ON UPDATE CASCADE);"
    )
    (reference,) = p.tree.find_all(exp.Reference)
    assert reference.args["options"] == ["ON DELETE SET NULL (b)", "ON UPDATE CASCADE"]
    numeric = p.tree.find(exp.DataTypeParam).parent
    assert text_of(p, numeric) == "numeric(3, -6)"
    assert numeric.expressions[1].this.this == "-6"
    sql = "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a, b) REFERENCES p ON DELETE SET DEFAULT (b)"
    assert regenerated(sql) == sql
    found = lint_text(
        "ALTER TABLE t ADD FOREIGN KEY (a, b) REFERENCES p ON DELETE SET NULL (b);\n"
        "CREATE TABLE n (c numeric(1001, -6));\n"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1, 4) WITH (autovacuum_enabled=off);\n"
    )
    assert codes(found) == ["DSQL202", "DSQL108", "DSQL505", "DSQL508"]


def test_parameters_written_without_spaces() -> None:
    """`$1,$2`: sqlglot read `$1,$` as a dollar quote's tag, which PostgreSQL never does."""
    p = parsed("SELECT $1,$2, 'cost $1,$2' AS c, $q$ in $1,$2 $q$ AS d FROM t WHERE a IN ($3,$4);")
    assert (
        regenerated("SELECT * FROM t WHERE a IN ($1,$2)") == "SELECT * FROM t WHERE a IN ($1, $2)"
    )
    strings = [text_of(p, s) for s in p.tree.find_all(exp.Literal, exp.RawString) if s.is_string]
    assert strings == ["'cost $1,$2'"]
    assert p.tree.find(exp.RawString).name == " in $1,$2 "
    found = lint_text(
        "CREATE FUNCTION f(int, int) RETURNS SETOF t LANGUAGE sql\n"
        "AS $$ SELECT * FROM t WHERE a IN ($1,$2) FOR SHARE $$;\n"
        "PREPARE q (int, int) AS SELECT * FROM t WHERE b IN ($1,$2);\n"
    )
    assert codes(found) == ["DSQL713", "DSQL705"]


def test_analyze_options_and_move() -> None:
    p = parsed("ANALYZE (VERBOSE, BUFFER_USAGE_LIMIT '512 kB') a, s.b;")
    assert p.tree.args["options"] == ["(VERBOSE, BUFFER_USAGE_LIMIT '512 kB')"]
    assert [text_of(p, t) for t in p.tree.args["tables"]] == ["a", "s.b"]
    assert regenerated("ANALYZE (SKIP_LOCKED) t") == "ANALYZE (SKIP_LOCKED) t"
    # ANALYZE is accepted; MOVE is refused (no SQL-level cursors: DSQL707).
    found = lint_text("ANALYZE (SKIP_LOCKED) t;\nMOVE BACKWARD ALL IN c;\n")
    assert codes(found) == ["DSQL707"]


def test_typed_literals_of_network_and_text_search_types() -> None:
    p = parsed("SELECT cidr '10.2.3/24', macaddr '08:00:2b:01:02:03', pg_lsn '0/1' FROM t;")
    casts = list(p.tree.find_all(exp.Cast))
    assert [c.to.sql() for c in casts] == ["cidr", "macaddr", "pg_lsn"]
    assert [text_of(p, c.this) for c in casts][0] == "'10.2.3/24'"
    found = lint_text(
        "CREATE TABLE t (id int PRIMARY KEY, c cidr DEFAULT cidr '10.0.0.0/8');\n"
        "SELECT to_tsvector('x') @@ tsquery 'a & b';\nCREATE ROLE r PASSWORD 'x';\n"
    )
    assert codes(found) == ["DSQL105", "DSQL714", "DSQL524"]


def test_typed_literals_among_other_strings() -> None:
    """The word before each string is read, whatever the strings around it (a row of a
    dump)."""
    p = parsed("INSERT INTO t VALUES ('a', cidr '10.0.0.0/8', 'b', path '((0,0),(1,1))', 'c');")
    casts = list(p.tree.find_all(exp.Cast))
    assert [(c.to.sql(), text_of(p, c.this)) for c in casts] == [
        ("cidr", "'10.0.0.0/8'"),
        ("path", "'((0,0),(1,1))'"),
    ]
    strings = [text_of(p, s) for s in p.tree.find_all(exp.Literal) if s.is_string]
    assert sorted(strings) == sorted(["'a'", "'10.0.0.0/8'", "'b'", "'((0,0),(1,1))'", "'c'"])


def test_rule_with_several_actions() -> None:
    p = parsed("CREATE RULE r AS ON INSERT TO t DO INSTEAD (DELETE FROM t; DELETE FROM u;);")
    assert isinstance(p.tree, exp.Command)
    assert p.tree.text("expression").endswith("(DELETE FROM t; DELETE FROM u;)")
    found = lint_text("CREATE RULE r AS ON UPDATE TO t DO ALSO (DELETE FROM t; DELETE FROM u);\n")
    assert codes(found) == ["DSQL521"]


def test_order_by_using_an_operator() -> None:
    p = parsed("SELECT a FROM t ORDER BY a USING >, b USING ~<~ NULLS FIRST, c DESC;")
    keys = p.tree.args["order"].expressions
    assert [k.args.get(USING) for k in keys] == [">", "~<~", None]
    assert [text_of(p, k) for k in keys] == ["a USING >", "b USING ~<~ NULLS FIRST", "c DESC"]
    sql = "SELECT AGGFNS(a, b ORDER BY c USING ~<~, a) FROM t JOIN u USING (i) ORDER BY a USING <"
    assert regenerated(sql) == sql
    found = lint_text("SELECT a FROM t ORDER BY a USING > FOR SHARE;\n")
    assert codes(found) == ["DSQL713"]


def test_tablesample_of_an_expression() -> None:
    p = parsed("SELECT * FROM v, LATERAL (SELECT * FROM t TABLESAMPLE SYSTEM (pct)) s;")
    sample = p.tree.find(exp.TableSample)
    assert isinstance(sample.args["percent"], exp.Column)
    assert text_of(p, sample.args["percent"]) == "pct"
    assert regenerated("SELECT * FROM t TABLESAMPLE BERNOULLI (-1)") == (
        "SELECT * FROM t TABLESAMPLE BERNOULLI (-1)"
    )
    found = lint_text("SELECT * FROM t TABLESAMPLE BERNOULLI (x::int);\n")
    assert codes(found) == ["DSQL712"]


def test_set_to_a_word_sqlglot_knows_as_a_keyword() -> None:
    p = parsed("SET LOCAL stats_fetch_consistency = cache;")
    assert text_of(p, p.tree.expressions[0]) == "LOCAL stats_fetch_consistency = cache"
    assert regenerated("SET x = on") == "SET x = on"
    found = lint_text("SET LOCAL statement_timeout = cache;\n")
    assert codes(found) == ["DSQL710"]


def test_arrays_of_object_identifier_types() -> None:
    p = parsed("SELECT a::regclass[], CAST(b AS regtype[]), c::oid, d::oid[][] FROM t;")
    casts = list(p.tree.find_all(exp.Cast))
    assert [text_of(p, c.to) for c in casts] == ["regclass[]", "regtype[]", "oid", "oid[][]"]
    assert casts[0].to.is_type(exp.DataType.Type.ARRAY)
    assert regenerated("SELECT CAST(a AS OID[])") == "SELECT CAST(a AS OID[])"
    found = lint_text(
        "CREATE TABLE t (id int PRIMARY KEY, r regclass[]);\nSELECT a::oid[] FROM t;\n"
    )
    assert codes(found) == ["DSQL102"]  # and no DSQL001


def test_is_json_array() -> None:
    p = parsed("SELECT js IS JSON ARRAY AS a, js IS NOT JSON ARRAY WITH UNIQUE KEYS FROM t;")
    assert text_of(p, p.tree.expressions[0].this) == "js IS JSON ARRAY"
    found = lint_text(
        "CREATE TABLE t (id int PRIMARY KEY, d text CHECK (d IS JSON ARRAY), a int ARRAY);\n"
    )
    assert codes(found) == ["DSQL102"]


def test_parameter_mode_after_the_name() -> None:
    sql = (
        "CREATE FUNCTION f(a VARIADIC int[] DEFAULT '{}', b OUT int) RETURNS int LANGUAGE sql AS ''"
    )
    p = parsed(sql + ";")
    a, b = p.tree.this.expressions
    assert [text_of(p, a.args["kind"]), text_of(p, b.args["kind"])] == ["int[]", "int"]
    assert a.find(exp.InOutColumnConstraint).args["variadic"]
    assert regenerated("CREATE PROCEDURE p(a VARIADIC INT[], b OUT INT) LANGUAGE sql AS 'x'") == (
        "CREATE PROCEDURE p(a VARIADIC INT[], b OUT INT) LANGUAGE sql AS 'x'"
    )
    found = lint_text(sql + ";\n")
    assert codes(found) == ["DSQL102"]
    assert (found[0].line, found[0].col) == (1, 30)


def test_copy_options_without_with() -> None:
    p = parsed("COPY t (a, b) FROM STDIN (FORMAT csv, DEFAULT '');")
    assert [text_of(p, o) for o in p.tree.args["params"]] == ["FORMAT csv", "DEFAULT ''"]
    found = lint_text(
        "COPY t TO '/tmp/x' (FORMAT csv);\nCOPY (SELECT 1 FOR SHARE) TO stdout (FORMAT csv);\n"
    )
    assert codes(found) == ["DSQL709", "DSQL713"]


def test_xml_functions_written_with_keywords() -> None:
    p = parsed(
        "SELECT xmlexists('//town' PASSING BY REF data BY REF), xmlpi(name php, 'echo'),"
        " xmlroot(xmlparse(document d), version no value, standalone yes),"
        " xmlserialize(CONTENT x AS character varying(20) NO INDENT) FROM t;"
    )
    calls = [n for n in p.tree.walk(bfs=False) if isinstance(n, exp.Anonymous)]
    assert [c.args[TEMPLATE] for c in calls] == [
        [0, "PASSING", "BY", "REF", 1, "BY", "REF"],
        ["name php", ",", 0],
        [0, ",", "version", "no value", ",", "standalone", "yes"],
        ["document", 0],
        ["CONTENT", 0, "AS character varying(20) NO INDENT"],
    ]
    assert [text_of(p, c) for c in calls[0].expressions] == ["'//town'", "data"]
    assert text_of(p, calls[3]) == "xmlparse(document d)"
    sql = "SELECT XMLROOT(XMLPARSE(content x), version '1.1', standalone no)"
    assert regenerated(sql) == sql
    found = lint_text("SELECT xmlparse(content to_tsvector('x')::text) FROM t FOR SHARE;\n")
    assert codes(found) == ["DSQL714", "DSQL713"]


def test_create_table_without_oids_and_on_commit_drop() -> None:
    p = parsed("CREATE TEMP TABLE c (f1 int, f2 text[]) WITHOUT OIDS ON COMMIT DROP;")
    assert p.tree.args["table_tail"] == "WITHOUT OIDS"
    assert p.tree.find(exp.OnCommitProperty).args["drop"]
    sql = "CREATE TEMPORARY TABLE c (f1 INT) ON COMMIT DROP"
    assert regenerated(sql) == sql
    found = lint_text("CREATE TEMP TABLE c (f1 int, f2 text[]) ON COMMIT DROP;\n")
    assert codes(found) == ["DSQL501", "DSQL102", "DSQL503"]


def test_column_types_written_with_percent_type() -> None:
    p = parsed(
        "CREATE FUNCTION f(a s.t.name%TYPE, t.b%type) RETURNS t.person%TYPE"
        " AS 'select 1' LANGUAGE sql;"
    )
    (named,) = p.tree.find_all(exp.ColumnDef)
    assert text_of(p, named) == "a s.t.name%TYPE"
    assert text_of(p, named.args["kind"]) == "s.t.name%TYPE"
    assert text_of(p, p.tree.find(exp.ReturnsProperty)) == "RETURNS t.person%TYPE"
    sql = "CREATE FUNCTION f(t.b%type) RETURNS t.person%TYPE LANGUAGE SQL AS 'select 1'"
    assert regenerated(sql) == sql
    assert regenerated("DROP FUNCTION f(t.name%TYPE)") == "DROP FUNCTION f (t.name%TYPE)"
    assert regenerated("SELECT a % type FROM t") == "SELECT a % type FROM t"
    found = lint_text(
        "CREATE FUNCTION f(t.c%TYPE) RETURNS int LANGUAGE plpgsql AS 'begin return 1; end';\n"
    )
    assert codes(found) == ["DSQL519"]


def test_column_storage() -> None:
    p = parsed("CREATE TABLE t (a text STORAGE PLAIN, b int[] storage extended NOT NULL);")
    a, b = p.tree.find_all(exp.ColumnDef)
    assert [text_of(p, c.args["storage"]) for c in (a, b)] == ["STORAGE PLAIN", "storage extended"]
    assert [text_of(p, c.args["kind"]) for c in (a, b)] == ["text", "int[]"]
    assert text_of(p, b.args["constraints"][0]) == "NOT NULL"
    sql = "CREATE TABLE t (a TEXT STORAGE MAIN COMPRESSION pglz, b INT STORAGE DEFAULT NOT NULL)"
    assert regenerated(sql) == sql
    assert regenerated("ALTER TABLE t ALTER COLUMN a SET STORAGE PLAIN") == (
        "ALTER TABLE t ALTER COLUMN a SET STORAGE PLAIN"
    )
    text = "CREATE TABLE t (id int PRIMARY KEY, tags text[] STORAGE EXTERNAL);\n"
    found = lint_text(text)
    assert codes(found) == ["DSQL102"]
    assert text[found[0].start : found[0].end] == "text[]"


def test_exclusion_constraint_attributes_and_check_not_valid() -> None:
    p = parsed(
        "CREATE TABLE d (f1 int, CONSTRAINT c EXCLUDE USING gist (f1 WITH &&) WHERE (f1 > 0)"
        " NOT DEFERRABLE INITIALLY IMMEDIATE, f2 int, CHECK (f2 > 0) NO INHERIT NOT VALID);"
    )
    exclude = p.tree.find(exp.ExcludeColumnConstraint)
    assert text_of(p, exclude) == (
        "EXCLUDE USING gist (f1 WITH &&) WHERE (f1 > 0) NOT DEFERRABLE INITIALLY IMMEDIATE"
    )
    assert exclude.args["attributes"].name == "NOT DEFERRABLE INITIALLY IMMEDIATE"
    check = p.tree.find(exp.CheckColumnConstraint)
    assert check.args[NO_INHERIT] and check.args[NOT_VALID]
    assert text_of(p, check) == "CHECK (f2 > 0) NO INHERIT NOT VALID"
    sql = (
        "CREATE TABLE d (f1 INT, EXCLUDE (f1 WITH =) INITIALLY DEFERRED, CHECK (f1 > 0) NOT VALID)"
    )
    assert regenerated(sql) == sql
    text = (
        "CREATE TABLE d (f1 int, CONSTRAINT c EXCLUDE (f1 WITH =) DEFERRABLE);\n"
        "ALTER TABLE d ADD EXCLUDE (f1 WITH =) INITIALLY DEFERRED;\n"
        "ALTER TABLE d ADD EXCLUDE USING gist (f1 WITH &&);\n"
    )
    found = lint_text(text)
    assert codes(found) == ["DSQL208", "DSQL208", "DSQL208"]
    assert [text[f.start : f.end] for f in found] == [
        "EXCLUDE (f1 WITH =) DEFERRABLE",
        "EXCLUDE (f1 WITH =) INITIALLY DEFERRED",
        "EXCLUDE USING gist (f1 WITH &&)",
    ]


def test_aggregates_of_several_distinct_arguments_print_as_written() -> None:
    sql = "SELECT AGGFNS(DISTINCT a, b, c ORDER BY a), COUNT(DISTINCT a) FROM t"
    assert regenerated(sql) == sql
    assert regenerated("SELECT DISTINCT ON (a, b) a FROM t") == "SELECT DISTINCT ON (a, b) a FROM t"


def test_numbers_written_with_underscores() -> None:
    """PostgreSQL 16 reads `1_000` as 1000; sqlglot's Postgres read `1 AS _000`."""
    p = parsed("SELECT 1_000, 1_000.000_5 FROM t;")
    numbers = [text_of(p, n) for n in p.tree.expressions]
    assert numbers == ["1_000", "1_000.000_5"]
    assert regenerated("SELECT 1_000") == "SELECT 1000"


def test_json_object_function_of_text_arrays() -> None:
    p = parsed("SELECT json_object('{a,b}', '{1,2}'), json_object('{a,1}'), JSON_OBJECT('k' : v);")
    two, one, constructor = p.tree.expressions
    assert [type(n).__name__ for n in (two, one)] == ["Anonymous", "Anonymous"]
    assert [text_of(p, n) for n in two.expressions] == ["'{a,b}'", "'{1,2}'"]
    assert text_of(p, one) == "json_object('{a,1}')"
    assert isinstance(constructor, exp.JSONObject)
    assert regenerated("SELECT json_object('{a,b}', '{1,2}')") == (
        "SELECT JSON_OBJECT('{a,b}', '{1,2}')"
    )


def test_values_after_with() -> None:
    sql = "WITH t AS (INSERT INTO y VALUES (0) RETURNING a) VALUES (FALSE), (TRUE)"
    p = parsed(sql + ";")
    assert isinstance(p.tree, exp.Values)
    assert text_of(p, p.tree.args["with_"]) == "WITH t AS (INSERT INTO y VALUES (0) RETURNING a)"
    assert [text_of(p, row) for row in p.tree.expressions] == ["(FALSE)", "(TRUE)"]
    assert regenerated(sql) == sql
    nested = "SELECT (WITH c(foo) AS (SELECT 1) VALUES ((SELECT foo FROM c))) FROM t"
    assert regenerated(nested) == nested
    found = lint_text("WITH c AS (SELECT 1 FROM t FOR SHARE) VALUES (to_tsvector('x'));\n")
    assert codes(found) == ["DSQL713", "DSQL714"]


def test_merge_using_a_join() -> None:
    sql = (
        "MERGE INTO t USING s1 INNER JOIN s2 ON s1.a = s2.a ON t.a = s1.a"
        " WHEN NOT MATCHED THEN INSERT VALUES (s1.a)"
    )
    p = parsed(sql + ";")
    source = p.tree.args["using"]
    assert isinstance(source, exp.Table)
    assert text_of(p, source.args["joins"][0]) == "INNER JOIN s2 ON s1.a = s2.a"
    assert text_of(p, p.tree.args["on"]) == "t.a = s1.a"
    assert regenerated(sql) == sql
    found = lint_text(sql + ";\n")
    assert codes(found) == ["DSQL005"]


def test_substring_similar_escape() -> None:
    sql = (
        "SELECT SUBSTRING('abcdefg' SIMILAR 'a#\"(b_d)#\"%' ESCAPE '#'), SUBSTRING(a FROM 2 FOR 3)"
    )
    p = parsed(sql + " FROM t;")
    similar, positions = p.tree.find_all(exp.Substring)
    assert similar.args["similar"] and not positions.args.get("similar")
    assert text_of(p, similar.args["start"]) == "'a#\"(b_d)#\"%'"
    assert regenerated(sql) == sql


def test_prefix_operators() -> None:
    p = parsed("SELECT (@@ f1) AS c, !!'a'::tsquery, @ -3 FROM p WHERE (# f1) > 2 AND ?| s.t;")
    calls = list(p.tree.find_all(exp.Anonymous))
    assert sorted(text_of(p, c) for c in calls) == [
        "!!'a'::tsquery", "# f1", "?| s.t", "@ -3", "@@ f1",
    ]  # fmt: skip
    assert all(c.args[PREFIX] for c in calls)
    sql = "SELECT |@| ARRAY[1, 2], !=- 10, a #> '{x}', b ?| c FROM t WHERE a IN (?, ?) AND b = ?"
    assert regenerated(sql) == sql
    placeholders = "SELECT a || b FROM t WHERE c = %s AND d IN (%s, %(name)s)"
    assert regenerated(placeholders) == placeholders
    infix = "SELECT a >> 1, b ?# c, d ## e, f !~* g FROM t"
    assert regenerated(infix) == infix
    stars = "SELECT * FROM t AS i WHERE i.* <> excluded.* AND i.a = -1"
    assert regenerated(stars.replace("<>", "!=")) == stars
    found = lint_text("SELECT !!to_tsquery('a') FROM t FOR SHARE;\n")
    assert codes(found) == ["DSQL714", "DSQL713"]


def test_xmltable() -> None:
    p = parsed(
        "SELECT x.* FROM d, LATERAL XMLTABLE(XMLNAMESPACES('http://x.y' AS zz, DEFAULT 'u'),"
        " '/rows/row' PASSING BY REF data COLUMNS id int PATH '@id', n FOR ORDINALITY,"
        " name varchar(20) PATH 'N' DEFAULT lower(d.v) NOT NULL) AS x;"
    )
    table, namespaces = (
        n for n in p.tree.walk(bfs=False) if isinstance(n, exp.Anonymous) and n.args.get(TEMPLATE)
    )
    assert table.args[TEMPLATE] == [
        0, ",", 1, "PASSING", "BY", "REF", 2, "COLUMNS", "id int", "PATH", 3, ",",
        "n FOR ORDINALITY", ",", "name varchar(20)", "PATH", 4, "DEFAULT", 5, "NOT NULL",
    ]  # fmt: skip
    assert [text_of(p, e) for e in table.expressions[1:]] == [
        "'/rows/row'", "data", "'@id'", "'N'", "lower(d.v)",
    ]  # fmt: skip
    assert namespaces.args[TEMPLATE] == [0, "AS zz", ",", "DEFAULT", 1]
    sql = (
        "SELECT * FROM XMLTABLE(ROW() PASSING NULL COLUMNS v1 timestamp NULL,"
        " v2 text PATH 'a' DEFAULT NULL) AS f(v1, v2)"
    )
    assert regenerated(sql) == sql
    found = lint_text(
        "SELECT * FROM XMLTABLE('/r' PASSING d COLUMNS a text PATH 'a') x, t FOR SHARE;\n"
    )
    assert codes(found) == ["DSQL713"]


def test_integers_written_in_hexadecimal_octal_and_binary() -> None:
    """PostgreSQL 16 reads 0x1F, 0o17 and 0b101 as integers; sqlglot read the first and last
    as bit strings, and `0o17` as 0 AS o17."""
    sql = "SELECT 0x1F, 0o17, 0b101, 0X_FFFF_FFFF, -0x80000000, x'1F', B'101' FROM t"
    p = parsed(sql + ";")
    values = p.tree.expressions
    numbers = ["31", "15", "5", "4294967295", "-2147483648", "x'1F'", "b'101'"]
    assert [v.sql("postgres") for v in values] == numbers
    written = ["0x1F", "0o17", "0b101", "0X_FFFF_FFFF", "-0x80000000"]
    assert [text_of(p, v) for v in values[:5]] == written
    assert isinstance(values[5], exp.HexString) and isinstance(values[6], exp.BitString)
    # (PostgreSQL keeps the text of an integer beyond int4, 0X_FFFF_FFFF, as written.)
    assert means_the_same("SELECT 0x1F, 0o17, 0b101, -0x7F, x'1F', B'101' FROM t")
    # A rule reads the number: 65536 is a cache size DSQL accepts.
    assert codes(lint_text("CREATE SEQUENCE s CACHE 0x10000;\n")) == []
    assert codes(lint_text("CREATE SEQUENCE s CACHE 0o20;\n")) == ["DSQL151"]


def test_values_after_with_ordered_and_limited() -> None:
    sql = "WITH c AS (SELECT 1) VALUES (2), (1) ORDER BY 1 LIMIT 1 OFFSET 1"
    p = parsed(sql + ";")
    assert isinstance(p.tree, exp.Values)
    assert text_of(p, p.tree.args["order"]) == "ORDER BY 1"
    assert text_of(p, p.tree.args["limit"]) == "LIMIT 1"
    assert [text_of(p, row) for row in p.tree.expressions] == ["(2)", "(1)"]
    assert regenerated(sql) == sql
    nested = "SELECT (WITH c AS (SELECT 1) VALUES (2) FETCH FIRST 1 ROWS ONLY) FROM t"
    assert means_the_same(nested)
    assert means_the_same("WITH c AS (SELECT 1) VALUES ((SELECT 1 ORDER BY 1)) ORDER BY 1")


def test_tablesample_repeatable_of_an_expression() -> None:
    sql = "SELECT 1 FROM t TABLESAMPLE SYSTEM (5) REPEATABLE (1 + x), u TABLESAMPLE BERNOULLI (2)"
    p = parsed(sql + ";")
    first, second = p.tree.find_all(exp.TableSample)
    assert text_of(p, first.args["seed"]) == "1 + x"
    assert isinstance(first.args["seed"], exp.Add)
    assert second.args.get("seed") is None
    assert regenerated(sql) == sql
    assert means_the_same("SELECT 1 FROM t TABLESAMPLE SYSTEM (a * 2) REPEATABLE (NULL)")
    assert means_the_same("SELECT 1 FROM t TABLESAMPLE SYSTEM (5) REPEATABLE (7)")


def test_collation_for() -> None:
    sql = "SELECT collation for ('foo'::text), COLLATION FOR ((SELECT a FROM t LIMIT 1)) FROM t"
    p = parsed(sql + ";")
    first, second = p.tree.expressions
    assert first.name == "COLLATION FOR"
    assert text_of(p, first) == "collation for ('foo'::text)"
    assert text_of(p, first.expressions[0]) == "'foo'::text"
    assert text_of(p, second.expressions[0]) == "(SELECT a FROM t LIMIT 1)"
    assert means_the_same(sql)
    # FOR of other clauses is left alone.
    assert regenerated("SELECT a FROM t FOR UPDATE") == "SELECT a FROM t FOR UPDATE"


def test_is_normalized() -> None:
    sql = "SELECT v IS NFC NORMALIZED, v || 'x' IS NOT NFKD NORMALIZED, v is normalized FROM t"
    p = parsed(sql + " WHERE v IS NOT NULL;")
    tests = list(p.tree.find_all(exp.Is))
    forms = [t.expression for t in tests if isinstance(t.expression, exp.Var)]
    assert [f.name for f in forms] == ["NFC NORMALIZED", "NFKD NORMALIZED", "NORMALIZED"]
    assert [text_of(p, f) for f in forms] == ["NFC NORMALIZED", "NFKD NORMALIZED", "normalized"]
    assert [text_of(p, t.this) for t in tests] == ["v", "v || 'x'", "v", "v"]
    assert isinstance(p.tree.find(exp.Where).this.expression, exp.Null)
    assert means_the_same(sql)


def test_drop_database_with_options() -> None:
    sql = "DROP DATABASE IF EXISTS d WITH (FORCE)"
    p = parsed(sql + ";")
    assert isinstance(p.tree, exp.Drop) and p.tree.args["kind"] == "DATABASE"
    assert [text_of(p, table) for table in p.tree.args["tables"]] == ["d"]
    assert regenerated(sql) == sql
    assert means_the_same("drop database d (force)")
    assert codes(lint_text(sql + ";\n")) == ["DSQL515"]


def test_operators_and_transforms_are_kept_whole() -> None:
    """CREATE OPERATOR = with `commutator = =` or `join = f`, and CREATE TRANSFORM: sqlglot
    failed on these instead of keeping them as text, as it does other CREATE OPERATORs."""
    for sql in (
        "create operator = (procedure = f, leftarg = a, commutator = =, join = eqjoinsel)",
        "CREATE OR REPLACE TRANSFORM FOR int LANGUAGE SQL (FROM SQL WITH FUNCTION f(internal))",
    ):
        p = parsed(sql + ";")
        assert isinstance(p.tree, exp.Command)
        assert means_the_same(sql)
        assert codes(lint_text(sql + ";\n")) == ["DSQL005"]


def test_a_column_named_array() -> None:
    sql = "SELECT jsonb_typeof('[]') AS array, a::int ARRAY AS b FROM t"
    p = parsed(sql + ";")
    named, typed = p.tree.expressions
    assert named.alias == "array"
    assert text_of(p, named.args["alias"]) == "array"
    assert typed.this.to.is_type(exp.DataType.Type.ARRAY)
    assert means_the_same(sql)


def test_rename_of_a_column_without_the_word_column() -> None:
    """sqlglot read `RENAME a TO b` as a rename of the table to `a` (`RENAME TO a, TO b`)."""
    sql = 'ALTER TABLE IF EXISTS ONLY t RENAME "a" TO b'
    p = parsed(sql + ";")
    (action,) = p.tree.args["actions"]
    assert isinstance(action, exp.RenameColumn)
    assert (text_of(p, action.this), text_of(p, action.args["to"])) == ('"a"', "b")
    assert regenerated(sql) == sql
    assert means_the_same("ALTER TABLE t RENAME a TO b")
    assert means_the_same("ALTER TABLE t RENAME COLUMN a TO b")
    assert means_the_same("ALTER TABLE t RENAME TO u")


def test_json_array_arguments_format_json() -> None:
    sql = (
        "SELECT JSON_ARRAY(a, f(b, c) FORMAT JSON, JSON_ARRAY('[1]' FORMAT JSON RETURNING text)"
        " FORMAT JSON RETURNING json), JSON_ARRAYAGG(x::bytea FORMAT JSON NULL ON NULL) FROM t"
    )
    p = parsed(sql + ";")
    formats = list(p.tree.find_all(exp.FormatJson))
    assert sorted(text_of(p, f.this) for f in formats) == [
        "'[1]'", "JSON_ARRAY('[1]' FORMAT JSON RETURNING text)", "f(b, c)", "x::bytea"
    ]  # fmt: skip
    outer = p.tree.expressions[0]
    assert [type(a).__name__ for a in outer.expressions] == ["Column", "FormatJson", "FormatJson"]
    assert means_the_same(sql)


def test_set_transaction_of_a_list_of_modes() -> None:
    sql = "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE"
    p = parsed(sql + ";")
    assert isinstance(p.tree, exp.Command)
    assert regenerated(sql) == sql
    assert codes(lint_text(sql + ";\n")) == ["DSQL404"]
    assert isinstance(parsed("SET TRANSACTION READ ONLY;").tree, exp.Set)


def test_regenerated_sql_keeps_what_sqlglot_dropped() -> None:
    """Read, but printed without a part that changes the meaning: a timestamp's precision,
    an interval's text after its first number and unit, an empty column list."""
    default = "CREATE TABLE t (a TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP(3), b DATE)"
    assert regenerated(default) == default
    assert means_the_same(default)
    intervals = (
        "SELECT INTERVAL '1 day 02:00:00', INTERVAL '3 days ago', INTERVAL '@ 1 hour',"
        " INTERVAL 'P1D', INTERVAL '1:30' HOUR TO MINUTE, INTERVAL '2 hours' FROM t"
    )
    assert regenerated(intervals) == intervals.replace("'2 hours'", "'2 HOURS'")
    p = parsed(intervals + ";")
    assert [text_of(p, i.this) for i in p.tree.find_all(exp.Interval)][:2] == [
        "'1 day 02:00:00'", "'3 days ago'"
    ]  # fmt: skip
    empties = ("CREATE TABLE t ()", "CREATE TEMP TABLE c () INHERITS (p)", "CREATE TYPE e AS ()")
    for empty in empties:
        assert regenerated(empty) == empty.replace("TEMP ", "TEMPORARY ")
        assert means_the_same(empty)


def test_a_function_named_set() -> None:
    sql = "SELECT set('t'), f(x, set(y)) FROM t WHERE a = set(b)"
    p = parsed(sql + ";")
    calls = [c for c in p.tree.find_all(exp.Anonymous) if c.name.upper() == "SET"]
    assert sorted(text_of(p, c) for c in calls) == ["set('t')", "set(b)", "set(y)"]
    assert means_the_same(sql)
    for update in (
        "UPDATE t SET (a, b) = (1, 2)",
        "INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET (a, b) = (1, 2)",
        "ALTER TABLE t ALTER COLUMN c TYPE int, SET (fillfactor = 10)",
    ):
        assert not any(
            c.name.upper() == "SET" for c in parsed(update + ";").tree.find_all(exp.Anonymous)
        )


def test_a_routine_returning_a_set_of_arrays() -> None:
    """sqlglot keeps a routine that RETURNS SETOF a type as text, and failed on an array."""
    sql = (
        "CREATE FUNCTION f(n BIGINT) RETURNS SETOF integer[] AS $$ SELECT ARRAY[n] $$ LANGUAGE sql"
    )
    p = parsed(sql + ";")
    assert isinstance(p.tree, exp.Command)
    assert regenerated(sql) == sql
    assert isinstance(parsed(sql.replace("SETOF ", "") + ";").tree, exp.Create)
