"""Tests for dsql_lint.syntax.parse: parsing statements, errors, and exact node spans."""

from __future__ import annotations

import logging

import pytest
from helpers import FIXTURES, parsed_statements
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import dsql_lint.syntax.align as align
from dsql_lint.syntax.dialect import is_async
from dsql_lint.syntax.nodepath import node_at, node_path
from dsql_lint.syntax.parse import Parsed, head_span, node_span, parse
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Kind, Statement


def statement(text: str, prefix: str = "", kind: Kind = Kind.SQL) -> Statement:
    """The statement `text` (with its `;`), placed after `prefix` in a source."""
    source = Source("test.sql", prefix + text)
    line, col = source.position(len(prefix))
    return Statement(source, 0, len(prefix), len(prefix) + len(text), line, col, kind)


def parsed(text: str, prefix: str = "") -> Parsed:
    result = parse(statement(text, prefix))
    assert result.error is None, result.error
    assert result.tree is not None
    return result


def text_of(p: Parsed, node: exp.Expr) -> str:
    start, end = node_span(p, node)
    return p.statement.source.text[start:end]


def texts(p: Parsed, kind: type[exp.Expr], parent: type[exp.Expr] | None = None) -> list[str]:
    """Source texts of the nodes of exactly that kind (with that parent kind), in source
    order."""
    nodes = [
        n
        for n in p.tree.walk()
        if type(n) is kind and (parent is None or isinstance(n.parent, parent))
    ]
    spans = sorted(node_span(p, n) for n in nodes)
    return [p.statement.source.text[start:end] for start, end in spans]


# --- parse ------------------------------------------------------------------------------------


def test_parses_dsql_statements() -> None:
    p = parsed("CREATE INDEX ASYNC idx ON t (c);")
    assert isinstance(p.tree, exp.Create) and is_async(p.tree)
    assert p.tree.this.name == "idx"
    assert p.tokens[0].text == "CREATE" and p.tokens[0].start == 0


def test_tokens_are_relative_to_the_statement() -> None:
    p = parsed("SELECT a FROM t;", prefix="-- header\nSELECT 1;\n")
    assert [t.text for t in p.tokens] == ["SELECT", "a", "FROM", "t"]
    assert p.statement.text[p.tokens[3].start : p.tokens[3].end + 1] == "t"


@pytest.mark.parametrize("kind", [Kind.META, Kind.COPY_DATA])
def test_non_sql_statements(kind: Kind) -> None:
    result = parse(statement("\\d t", kind=kind))
    assert result.tree is None and result.error is None and result.tokens == []


def test_command_fallback_is_not_an_error_and_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="sqlglot"):
        result = parse(statement("ALTER TABLE t OWNER TO bob;"))
    assert isinstance(result.tree, exp.Command) and result.error is None
    assert not [r for r in caplog.records if "unsupported syntax" in r.getMessage()]


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("SELECT (1;", "1;"),
        ("UPDATE SET x = 1;", "= 1;"),
        ("SELECT * FROM t WHERE;", "WHERE;"),
        ("CREATE TABLE t (a int) WITH (fillfactor = );", ");"),
    ],
)
def test_parse_error_with_offset(text: str, at: str) -> None:
    prefix = "SELECT 1;\n-- next\n"
    result = parse(statement(text, prefix))
    assert result.tree is None and result.error
    source = result.statement.source.text
    assert result.error_offset is not None
    assert source[result.error_offset :].startswith(at)


def test_parse_error_message_is_readable() -> None:
    result = parse(statement("CREATE INDEX i ON ONLY;"))
    assert result.error == "expected table name, found the end of the statement"
    # sqlglot's internals are not shown: PostgreSQL's way of naming where it stops is.
    unknown = parse(statement("COMMENT ON INDEX x ON t IS NULL;"))
    assert unknown.error == 'the parser stops at "ON": it does not know this form of comment'
    assert parse(statement("SELEC 1;")).error == 'the parser stops at "1"'
    nested = parse(statement("SELECT " + "(" * 5000 + "1" + ")" * 5000))
    assert nested.error and "Error" not in nested.error and "<class" not in nested.error


def test_tokenizer_error() -> None:
    result = parse(statement("SELECT 'abc", prefix="SELECT 1;\n"))
    assert result.tree is None and result.error
    assert result.error_offset == len("SELECT 1;\n")


FRAGMENTS = [
    *"abc (),;:'\"$[]*-+.=\n\\",
    "SELECT ",
    "CREATE ",
    "INDEX ",
    "ASYNC ",
    "TABLE ",
    "ALTER ",
    "int ARRAY",
    "VALIDATE CONSTRAINT ",
    "CALL ",
    "NULLS NOT DISTINCT",
    "ON ONLY ",
    "$$",
    "--",
    "/*",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS) | st.characters(), max_size=30).map("".join))
def test_never_raises(text: str) -> None:
    result = parse(statement(text))
    assert result.tree is not None or result.error is not None or not result.tokens
    if result.tree is not None:
        for node in result.tree.walk():
            start, end = node_span(result, node)
            assert result.statement.start <= start <= end <= result.statement.end


# --- node_span --------------------------------------------------------------------------------

TABLE = "CREATE TABLE t (id  SERIAL primary key, tags text [], n int ARRAY, j jsonb);"


def test_data_type_spans() -> None:
    p = parsed(TABLE, prefix="-- types\n")
    assert texts(p, exp.DataType, exp.ColumnDef) == ["SERIAL", "text []", "int ARRAY", "jsonb"]
    assert texts(p, exp.ColumnDef) == [
        "id  SERIAL primary key",
        "tags text []",
        "n int ARRAY",
        "j jsonb",
    ]


def test_respelled_data_types() -> None:
    p = parsed(
        "CREATE TABLE public.a (\n"
        "    v character varying(20) NOT NULL,\n"
        "    ts timestamp(6) without time zone NOT NULL,\n"
        "    tz timestamp with time zone DEFAULT now(),\n"
        "    d double precision,\n"
        "    m numeric(10, 2)[],\n"
        "    e public.mood\n"
        ");"
    )
    assert texts(p, exp.DataType, exp.ColumnDef) == [
        "character varying(20)",
        "timestamp(6) without time zone",
        "timestamp with time zone",
        "double precision",
        "numeric(10, 2)[]",
        "public.mood",
    ]


def test_column_constraint_spans() -> None:
    p = parsed(
        "CREATE TABLE t (a int PRIMARY KEY, r bigint REFERENCES x(id) ON DELETE CASCADE,"
        " c text NOT NULL DEFAULT 'x'::text, d timestamptz DEFAULT now() NOT NULL,"
        " u uuid DEFAULT gen_random_uuid(), CONSTRAINT fk FOREIGN KEY (r) REFERENCES y (id),"
        " CHECK (a > 0));"
    )
    assert texts(p, exp.ColumnConstraint) == [
        "PRIMARY KEY",
        "REFERENCES x(id) ON DELETE CASCADE",
        "NOT NULL",
        "DEFAULT 'x'::text",
        "DEFAULT now()",
        "NOT NULL",
        "DEFAULT gen_random_uuid()",
    ]
    assert texts(p, exp.Reference) == ["REFERENCES x(id) ON DELETE CASCADE", "REFERENCES y (id)"]
    assert texts(p, exp.Constraint) == ["CONSTRAINT fk FOREIGN KEY (r) REFERENCES y (id)"]
    assert texts(p, exp.ForeignKey) == ["FOREIGN KEY (r) REFERENCES y (id)"]
    assert texts(p, exp.CheckColumnConstraint) == ["CHECK (a > 0)"]
    assert texts(p, exp.Cast) == ["'x'::text"]


def test_alter_action_spans() -> None:
    p = parsed(
        "ALTER TABLE ONLY public.orders\n"
        "    ADD CONSTRAINT orders_fk FOREIGN KEY (customer_id)"
        " REFERENCES public.customers(id) ON DELETE CASCADE NOT VALID;",
        prefix="SET x = 1;\n\n",
    )
    assert texts(p, exp.AddConstraint) == [
        "ADD CONSTRAINT orders_fk FOREIGN KEY (customer_id)"
        " REFERENCES public.customers(id) ON DELETE CASCADE"
    ]
    assert texts(p, exp.ForeignKey)[0].startswith("FOREIGN KEY (customer_id) REFERENCES")
    assert texts(p, exp.Table) == ["public.orders", "public.customers"]
    assert text_of(p, p.tree) == p.statement.body
    assert p.statement.source.text[slice(*head_span(p, p.tree))] == "ALTER TABLE ONLY"


def test_alter_column_spans() -> None:
    p = parsed(
        "ALTER TABLE t ADD COLUMN x int DEFAULT 0 NOT NULL, DROP COLUMN y,"
        " ALTER COLUMN z TYPE bigint USING z::bigint,"
        " ALTER COLUMN w SET DEFAULT nextval('s'::regclass);"
    )
    actions = p.tree.args["actions"]
    assert [text_of(p, a) for a in actions] == [
        "x int DEFAULT 0 NOT NULL",
        "DROP COLUMN y",
        "ALTER COLUMN z TYPE bigint USING z::bigint",
        "ALTER COLUMN w SET DEFAULT nextval('s'::regclass)",
    ]
    assert texts(p, exp.Anonymous) == ["nextval('s'::regclass)"]
    assert texts(p, exp.Cast) == ["z::bigint", "'s'::regclass"]


def test_validate_constraint_spans() -> None:
    p = parsed("ALTER TABLE ASYNC orders VALIDATE CONSTRAINT orders_fk;")
    assert texts(p, exp.AnalyzeValidate) == ["VALIDATE CONSTRAINT orders_fk"]
    assert p.statement.source.text[slice(*head_span(p, p.tree))] == "ALTER TABLE ASYNC"


def test_create_index_spans() -> None:
    text = (
        "CREATE UNIQUE INDEX ASYNC IF NOT EXISTS idx ON ONLY t USING btree"
        " (lower(c) DESC NULLS LAST, d) INCLUDE (e) NULLS NOT DISTINCT WHERE (c IS NOT NULL);"
    )
    p = parsed(text, prefix="\n\n")
    source = p.statement.source.text
    assert text_of(p, p.tree) == text[:-1]
    assert source[slice(*head_span(p, p.tree))] == "CREATE UNIQUE INDEX ASYNC IF NOT EXISTS"
    assert texts(p, exp.Ordered) == ["lower(c) DESC NULLS LAST", "d"]
    assert texts(p, exp.Where) == ["WHERE (c IS NOT NULL)"]
    assert texts(p, exp.Table) == ["t"]
    plain = parsed("create index i on t (c);")
    assert plain.statement.source.text[slice(*head_span(plain, plain.tree))] == "create index"


def test_query_spans() -> None:
    p = parsed(
        "SELECT a.x AS y, count(*) FILTER (WHERE b > 1), CASE WHEN x IS NULL THEN 1 ELSE 2 END"
        " FROM s.t a LEFT OUTER JOIN u ON a.id = u.id WHERE a.q IN (1, 2) ORDER BY 1;"
    )
    assert texts(p, exp.Alias) == ["a.x AS y"]
    assert texts(p, exp.Filter) == ["count(*) FILTER (WHERE b > 1)"]
    assert texts(p, exp.Case) == ["CASE WHEN x IS NULL THEN 1 ELSE 2 END"]
    assert texts(p, exp.If) == ["WHEN x IS NULL THEN 1"]
    assert texts(p, exp.Join) == ["LEFT OUTER JOIN u ON a.id = u.id"]
    assert texts(p, exp.In) == ["a.q IN (1, 2)"]
    assert texts(p, exp.Is) == ["x IS NULL"]


def test_property_spans() -> None:
    p = parsed("CREATE UNLOGGED TABLE r (id int) WITH (fillfactor='50');")
    assert texts(p, exp.UnloggedProperty) == ["UNLOGGED"]
    assert texts(p, exp.Property) == ["fillfactor='50'"]
    assert p.statement.source.text[slice(*head_span(p, p.tree))] == "CREATE UNLOGGED TABLE"
    p = parsed("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE SQL IMMUTABLE;")
    assert texts(p, exp.LanguageProperty) == ["LANGUAGE SQL"]
    assert texts(p, exp.StabilityProperty) == ["IMMUTABLE"]
    assert texts(p, exp.ReturnsProperty) == ["RETURNS int"]
    p = parsed("CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;")
    assert texts(p, exp.SequenceProperties) == [
        "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1"
    ]
    assert texts(p, exp.Var) == ["NO MINVALUE", "NO MAXVALUE"]


def test_call_spans() -> None:
    p = parsed("CALL sys.wait_for_job('abc');")
    assert texts(p, exp.Anonymous) == ["wait_for_job('abc')"]
    assert texts(p, exp.Dot) == ["sys.wait_for_job('abc')"]
    assert texts(p, exp.Literal, exp.Anonymous) == ["'abc'"]


def test_quoted_identifiers_and_comments() -> None:
    p = parsed('CREATE TABLE "T" (\n  -- the key\n  "Id" integer /* pk */ PRIMARY KEY\n);')
    assert texts(p, exp.ColumnDef) == ['"Id" integer /* pk */ PRIMARY KEY']
    assert texts(p, exp.DataType) == ["integer"]
    assert texts(p, exp.ColumnConstraint) == ["PRIMARY KEY"]


def test_root_span_leaves_out_the_semicolon_and_comments() -> None:
    p = parsed("SELECT 1 -- trailing\n;")
    assert text_of(p, p.tree) == "SELECT 1"


def test_node_outside_the_tree_gets_the_statement() -> None:
    p = parsed("SELECT a FROM t;", prefix="SELECT 0;\n")
    stranger = p.tree.copy()
    assert node_span(p, stranger) == (p.statement.start, p.statement.end)
    assert node_span(p, exp.column("a")) == (p.statement.start, p.statement.end)


def test_spans_are_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    trace = align._TRACER.trace
    monkeypatch.setattr(align._TRACER, "trace", lambda *a: calls.append(1) or trace(*a))
    p = parsed(TABLE)
    first = [node_span(p, n) for n in p.tree.walk()]
    second = [node_span(p, n) for n in p.tree.walk()]
    assert first == second
    assert calls == [1]


def test_deep_trees_do_not_overflow() -> None:
    p = parsed("SELECT " + " || ".join(f"c{i}" for i in range(3000)) + ";")
    column = next(c for c in p.tree.find_all(exp.Column) if c.name == "c2999")
    assert text_of(p, column) == "c2999"


def test_identity_option_spans() -> None:
    p = parsed(
        "CREATE TABLE a (id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1 CACHE 1), n int);"
    )
    assert texts(p, exp.GeneratedAsIdentityColumnConstraint) == [
        "GENERATED BY DEFAULT AS IDENTITY (START WITH 1 CACHE 1)"
    ]
    cache = p.tree.find(exp.GeneratedAsIdentityColumnConstraint).args["cache"]
    start, end = node_span(p, cache)
    assert p.statement.source.text[start - 6 : end] == "CACHE 1"


# --- span internals: what their shortcuts rely on ---------------------------------------------

STATEMENTS = [
    TABLE,
    "CREATE UNLOGGED TABLE IF NOT EXISTS s.t (a numeric(10, 2) DEFAULT 1.5 NOT NULL, "
    "b timestamp(6) without time zone DEFAULT now(), CONSTRAINT c CHECK (a > 0)) WITH (x = 1);",
    "CREATE UNIQUE INDEX ASYNC i ON t USING btree (a DESC NULLS LAST, (lower(b))) WHERE c;",
    "ALTER TABLE ONLY t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE;",
    "SELECT 'it''s', $$a b$$, 1.5e3, x::int, \"Q\".\"r\" FROM t AS v WHERE v.n IN (1, 2);",
    "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;",
    "INSERT INTO t (a, b) VALUES (1, 'x'), (2, DEFAULT) ON CONFLICT (a) DO NOTHING;",
]


@pytest.mark.parametrize("text", STATEMENTS)
def test_spans_leave_the_tree_as_it_was(text: str) -> None:
    p = parsed(text)
    nodes = list(p.tree.walk())

    def state() -> list[tuple[object, ...]]:
        return [(id(n), id(n.parent), n.arg_key, n._meta and dict(n._meta)) for n in nodes]

    before = state()
    sql = p.tree.sql(dialect=align._DIALECT)
    for node in nodes:
        node_span(p, node)
        head_span(p, node)
    assert [id(n) for n in p.tree.walk()] == [id(n) for n in nodes]
    assert state() == before
    assert p.tree.sql(dialect=align._DIALECT) == sql


@pytest.mark.parametrize("text", STATEMENTS)
def test_the_generator_needs_no_meta(text: str) -> None:
    # The tracer's copy of a tree goes without meta (see _copy).
    assert not align._GENERATOR_READS_META
    p = parsed(text)
    metas = [(n, n._meta) for n in p.tree.walk() if n._meta is not None]
    bare = align._copy(p.tree, metas)
    assert all(n._meta is None for n in bare.walk())
    generate = align._GENERATOR.generate
    assert generate(bare) == generate(p.tree)


@pytest.mark.parametrize("text", STATEMENTS)
def test_generated_sql_cut_out_of_its_parents_reads_as_alone(text: str) -> None:
    spans = align.Aligner(parsed(text))
    index = spans._indexed()
    sqls = spans._trace()
    cut = 0
    for k in range(1, len(index.nodes)):
        sql, parent_sql = sqls[k], sqls[index.up[k]]
        if sql is None or parent_sql is None:
            continue
        tokens = align._cut(align._tokenize(parent_sql), parent_sql, sql)
        if tokens is not None:
            cut += 1
            assert tokens.keys == align._tokenize(sql).keys
    assert cut > 0


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("x DOUBLE PRECISION NOT NULL", "x DOUBLE"),  # inside a token
        ("SELECT $1.5", "1.5"),  # after a parameter it reads as 1 . 5
        ("SELECT 1 /* c */ + 2", "+ 2"),  # the text has a comment
        ("SHOW search_path", "search_path"),  # a command's text is one string
    ],
)
def test_sql_is_not_cut_where_it_would_read_otherwise(text: str, part: str) -> None:
    assert align._cut(align._tokenize(text), text, part) is None


def test_sql_is_cut_on_token_boundaries() -> None:
    text = "SELECT ab, a FROM t"
    tokens = align._cut(align._tokenize(text), text, "a")
    assert tokens is not None and tokens.keys == align._tokenize("a").keys


def test_a_node_in_two_places() -> None:
    p = parsed("SELECT a, b FROM t WHERE a > 1;")
    column = p.tree.find(exp.Column)
    p.tree.args["expressions"].append(column)  # no copy: the same node twice
    nodes = list(p.tree.walk())
    assert len({id(n) for n in nodes}) < len(nodes)
    assert [text_of(p, n) for n in nodes if isinstance(n, exp.Column)] == ["a", "b", "a", "a"]
    assert text_of(p, p.tree.find(exp.Where)) == "WHERE a > 1"


def test_a_reordered_option_has_one_span_whatever_was_asked_before() -> None:
    # The generator writes START before INCREMENT: `-1` lies before the region it shares.
    p = parsed("CREATE SEQUENCE s INCREMENT BY -1 START 10;")
    neg = p.tree.find(exp.Neg)
    assert text_of(p, neg) == "-1"
    p._spans = None
    node_span(p, p.tree.find(exp.Table))
    assert text_of(p, neg) == "-1"


def test_spans_do_not_depend_on_what_was_asked_before() -> None:
    compared = 0
    for path, p in parsed_statements(sorted(FIXTURES.rglob("*.sql"))):
        nodes = list(p.tree.walk())
        together = [node_span(p, node) for node in nodes]
        # Each fresh span rebuilds the statement's spans: on a 3,000-row VALUES list every node
        # would cost minutes, so long statements are checked on an even sample of their nodes.
        step = max(1, len(nodes) // 100)
        for node, span in list(zip(nodes, together, strict=True))[::step]:
            p._spans = None
            assert node_span(p, node) == span, (path.name, p.statement.line, repr(node)[:80])
            compared += 1
    assert compared > 5000


def test_every_node_is_found_again_by_its_path() -> None:
    """A finding settled later is rebuilt from its node's path (syntax/nodepath.py): a tree
    whose root kept a parent, or a node moved without its links, loses its findings."""
    checked = 0
    for path, p in parsed_statements(sorted(FIXTURES.rglob("*.sql"))):
        assert p.tree.parent is None, (path.name, p.statement.line)
        nodes = list(p.tree.walk())
        for node in nodes[:: max(1, len(nodes) // 50)]:
            assert node_at(p.tree, node_path(node)) is node, (path.name, p.statement.line)
            checked += 1
    assert checked > 5000
