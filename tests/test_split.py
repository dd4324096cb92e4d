"""Tests for dsql_lint.syntax.split: statement boundaries, offsets, psql input, transactions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsql_lint.syntax.source import Source, read_source
from dsql_lint.syntax.split import Kind, Statement, TxControl, split, unclosed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "split"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

BEGIN, COMMIT, ROLLBACK = TxControl.BEGIN, TxControl.COMMIT, TxControl.ROLLBACK
SQL, META, DATA = Kind.SQL, Kind.META, Kind.COPY_DATA


def run(text: str, assume_in_transaction: bool = False) -> list[Statement]:
    source = Source("test.sql", text)
    statements = split(source, assume_in_transaction)
    check_invariants(source, statements)
    return statements


def texts(text: str) -> list[str]:
    return [s.text for s in run(text)]


# --- invariants, checked on every result ------------------------------------------------------


def only_blank(text: str) -> bool:
    """Whether `text` holds nothing but whitespace, `;` and comments (nested, maybe unclosed).
    Written independently of the splitter, one character at a time."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace() or text[i] == ";":
            i += 1
        elif text.startswith("--", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        else:
            return False
    return True


def check_invariants(source: Source, statements: list[Statement]) -> None:
    text = source.text
    previous = 0
    for index, statement in enumerate(statements):
        assert statement.index == index
        assert statement.source is source
        assert previous <= statement.start < statement.end <= len(text), statement
        assert statement.text == text[statement.start : statement.end]
        assert (statement.line, statement.col) == source.position(statement.start)
        assert only_blank(text[previous : statement.start]), text[previous : statement.start]
        if statement.kind is not DATA:  # rows may start with a tab (an empty first column)
            assert not only_blank(text[statement.start]), statement
            # A comment never opens a statement, unless it is never closed: then PostgreSQL
            # reads the rest of the text as one statement, which it refuses.
            opening = unclosed(statement)
            assert not statement.text.startswith(("--", "/*")) or opening, statement
        if statement.kind is META:
            assert statement.text.startswith("\\")
            assert "\n" not in statement.text and not statement.text.endswith("\r")
        previous = statement.end
    assert only_blank(text[previous:]), text[previous:]


# --- offsets and positions --------------------------------------------------------------------


def test_offsets_exclude_leading_comments_and_include_the_semicolon() -> None:
    text = "  -- intro\n/* a */ SELECT 1;\n\n\tselect\n  2 ;"
    first, second = run(text)
    assert (first.start, first.end) == (19, 28)
    assert first.text == "SELECT 1;"
    assert first.body == "SELECT 1"
    assert (first.line, first.col) == (2, 9)
    assert second.text == "select\n  2 ;"
    assert (second.line, second.col) == (4, 2)
    assert [s.index for s in (first, second)] == [0, 1]


def test_columns_count_characters_not_bytes() -> None:
    (_, statement) = run("SELECT 'héllo, wörld';  SELECT 2;")
    assert (statement.start, statement.line, statement.col) == (24, 1, 25)  # 26 in bytes


def test_last_statement_without_semicolon_runs_to_the_end() -> None:
    assert texts("SELECT 1; SELECT 2") == ["SELECT 1;", "SELECT 2"]
    (statement,) = run("SELECT 2")
    assert statement.end == 8
    assert statement.body == "SELECT 2"


def test_last_statement_without_semicolon_leaves_trailing_blank_and_comments_out() -> None:
    # A fixer appending `;` must not put it inside a comment.
    assert texts("SELECT 2  -- done\n\n") == ["SELECT 2"]
    assert texts("SELECT 2 /* a */ -- b\n/* c */\n") == ["SELECT 2"]
    assert texts("SELECT '-- no' \n") == ["SELECT '-- no'"]


@pytest.mark.parametrize(
    "text", ["", "   \n\t\r\n", "-- only\n", "/* a /* b */ c */", "/** a **/ /*/ b */", ";;\n;"]
)
def test_nothing_but_blank_comments_and_semicolons_gives_no_statement(text: str) -> None:
    assert run(text) == []


def test_empty_statements_are_skipped() -> None:
    assert texts(";;SELECT 1;; ;SELECT 2;") == ["SELECT 1;", "SELECT 2;"]


# --- lexical rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT 1 -- not here; \n + 2;",
        "SELECT /* a; /* nested; */ still comment; */ 1;",
        "SELECT 'it''s; fine';",
        "SELECT E'it\\'s; fine';",
        "SELECT e'\\\\'';' ;",  # E'\\' is one backslash, then a ';' string
        "SELECT E'a\\\nb;' ;",
        "SELECT U&'d\\0061t\\+000061; ok' UESCAPE '\\';",
        "SELECT $$ a; b $$;",
        "SELECT $fn$ a; $$ b; $fn$;",
        "SELECT $_1$ a; $_1$;",
        'SELECT 1 AS "semi;""colon";',
        "SELECT B'1010', X'1F', N'x;y';",
        "SELECT 1/2 - 3 - -4;",
    ],
)
def test_semicolon_inside_quotes_and_comments_does_not_split(statement: str) -> None:
    assert texts(statement + "\nSELECT 2;") == [statement, "SELECT 2;"]


def test_e_prefix_must_be_a_token_of_its_own() -> None:
    # `ELSE'x'` and `THEN'y'` are keywords followed by standard strings: `\` is not an escape.
    text = "SELECT CASE WHEN a THEN'\\' ELSE'x' END;\nSELECT 2;"
    assert texts(text) == ["SELECT CASE WHEN a THEN'\\' ELSE'x' END;", "SELECT 2;"]
    assert texts("SELECT some'\\';\nSELECT 2;") == ["SELECT some'\\';", "SELECT 2;"]


def test_dollar_digit_is_a_parameter_not_a_quote() -> None:
    assert texts("SELECT $1$;\nSELECT 2;") == ["SELECT $1$;", "SELECT 2;"]
    assert texts("SELECT $1, $2;SELECT 2;") == ["SELECT $1, $2;", "SELECT 2;"]


def test_dollar_inside_an_identifier_is_not_a_quote() -> None:
    assert texts("SELECT a$b$ FROM t;\nSELECT 2;") == ["SELECT a$b$ FROM t;", "SELECT 2;"]


def test_dollar_quote_needs_the_same_tag_to_close() -> None:
    body = "SELECT $a$ $b$; $A$; $a$;"
    assert texts(body + "SELECT 2;") == [body, "SELECT 2;"]


@pytest.mark.parametrize(
    "opener",
    ["'abc; ", "E'abc\\'; ", '"abc; ', "$$ abc; ", "$q$ abc; $$; ", "/* abc; /* */ ", "U&'x; "],
)
def test_unclosed_quote_or_comment_runs_to_the_end(opener: str) -> None:
    text = "SELECT 1;\nSELECT " + opener + "\nSELECT 2;\n"
    first, second = run(text)
    assert first.text == "SELECT 1;"
    assert second.start == 10
    assert second.end == len(text)


def test_unclosed_comment_between_statements_runs_to_the_end_of_the_file() -> None:
    text = "SELECT 1; /* never closed; SELECT 2;"
    assert texts(text) == ["SELECT 1;", "/* never closed; SELECT 2;"]


# --- bodies with semicolons -------------------------------------------------------------------


def test_begin_atomic_body_is_one_statement() -> None:
    function = (
        "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  SELECT CASE WHEN x > 0 THEN 1 ELSE (CASE x WHEN 0 THEN 0 END) END;\n"
        "  SELECT 2;\n"
        "END;"
    )
    statements = run(function + "\nSELECT 3;")
    assert [s.text for s in statements] == [function, "SELECT 3;"]
    assert [s.tx_control for s in statements] == [None, None]


@pytest.mark.parametrize(
    "head", ["create procedure p()", "CREATE OR REPLACE FUNCTION f() RETURNS int"]
)
def test_begin_atomic_in_procedures_and_replaced_functions(head: str) -> None:
    statement = head + " begin atomic insert into t values (1); insert into t values (2); end;"
    assert texts(statement + " select 3;") == [statement, "select 3;"]


def test_begin_atomic_only_counts_outside_quotes() -> None:
    statement = "CREATE FUNCTION f() RETURNS text BEGIN ATOMIC SELECT 'end;'; SELECT \"end\"; END;"
    assert texts(statement + "SELECT 3;") == [statement, "SELECT 3;"]


def test_word_atomic_in_a_dollar_body_changes_nothing() -> None:
    text = "CREATE FUNCTION f() RETURNS int AS $$ begin atomic $$ LANGUAGE sql;\nSELECT 3;"
    assert len(run(text)) == 2


def test_rule_with_parenthesised_actions_is_one_statement() -> None:
    rule = (
        "CREATE OR REPLACE RULE r AS ON INSERT TO t DO ALSO (\n"
        "  INSERT INTO log VALUES (new.id, ');');\n"
        "  NOTIFY t\n"
        ");"
    )
    assert texts(rule + "\nSELECT 3;") == [rule, "SELECT 3;"]


def test_rule_without_parentheses_ends_at_its_semicolon() -> None:
    assert texts("CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING; SELECT 3;") == [
        "CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING;",
        "SELECT 3;",
    ]


# --- psql meta-commands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "meta",
    [
        "\\connect db",
        "\\set ON_ERROR_STOP on",
        "\\copy t from 'f.csv'",
        "\\restrict key",
        "\\unrestrict key",
        "\\.",
        "  \\echo 'a; b'",
    ],
)
def test_meta_command_is_its_line(meta: str) -> None:
    statements = run("SELECT 1;\n" + meta + "\nSELECT 2;")
    assert [(s.kind, s.text) for s in statements] == [
        (SQL, "SELECT 1;"),
        (META, meta.strip()),
        (SQL, "SELECT 2;"),
    ]


def test_meta_command_stops_before_carriage_return_and_at_end_of_text() -> None:
    assert [(s.kind, s.text) for s in run("\\connect db\r\n\\set x 1")] == [
        (META, "\\connect db"),
        (META, "\\set x 1"),
    ]


def test_meta_command_after_an_unterminated_query_ends_it() -> None:
    # psql sends the buffer on \gexec / \gset; the query has no ';'.
    text = "SELECT 'x'\nFROM t -- c\n\\gexec\nSELECT 1 AS n \\gset\nSELECT 2;"
    assert [(s.kind, s.text) for s in run(text)] == [
        (SQL, "SELECT 'x'\nFROM t"),
        (META, "\\gexec"),
        (SQL, "SELECT 1 AS n"),
        (META, "\\gset"),
        (SQL, "SELECT 2;"),
    ]


def test_backslash_inside_strings_and_bodies_is_not_a_meta_command() -> None:
    text = "SELECT '\n\\connect x\n', $$\n\\set y\n$$;"
    assert texts(text) == [text]


# --- COPY FROM stdin --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "copy",
    [
        "COPY t FROM stdin;",
        "copy t from STDIN;",
        "COPY public.t (a, b) FROM stdin;",
        "COPY t FROM STDIN WITH (FORMAT csv, HEADER true);",
        "COPY t\n  FROM stdin ;",
    ],
)
def test_copy_from_stdin_rows_are_one_statement(copy: str) -> None:
    rows = "1\t;x'\n\t-- two\n3\t/* $$ \"\n\\.x\n"
    text = copy + "\n" + rows + "\\.\nSELECT 2;\n"
    statements = run(text)
    assert [(s.kind, s.text) for s in statements] == [
        (SQL, copy),
        (DATA, rows + "\\."),
        (SQL, "SELECT 2;"),
    ]
    assert statements[1].start == len(copy) + 1


def test_copy_rows_without_terminator_run_to_the_end() -> None:
    statements = run("COPY t FROM stdin;\n1;\n2\n")
    assert [(s.kind, s.text) for s in statements] == [(SQL, "COPY t FROM stdin;"), (DATA, "1;\n2")]


def test_copy_with_no_rows() -> None:
    assert [s.kind for s in run("COPY t FROM stdin;\n\\.\nSELECT 1;")] == [SQL, DATA, SQL]
    assert [s.kind for s in run("COPY t FROM stdin;")] == [SQL]


def test_comment_after_copy_semicolon_is_not_data() -> None:
    statements = run("COPY t FROM stdin; -- rows follow\n1\n\\.\n")
    assert [(s.kind, s.text) for s in statements] == [(SQL, "COPY t FROM stdin;"), (DATA, "1\n\\.")]


@pytest.mark.parametrize(
    "copy",
    [
        "COPY t TO stdout;",
        "COPY (SELECT 'from stdin') TO STDOUT;",
        "COPY t FROM '/tmp/stdin';",
        "SELECT 'copy t from stdin';",
    ],
)
def test_other_copies_have_no_rows(copy: str) -> None:
    statements = run(copy + "\nSELECT 1;\n\\.\n")
    assert [s.kind for s in statements] == [SQL, SQL, META]


def test_psql_copy_from_stdin_reads_rows_too() -> None:
    statements = run('\\copy t from stdin with csv\n1,"a;b"\n\\.\nSELECT 1;')
    assert [s.kind for s in statements] == [META, DATA, SQL]
    assert statements[1].text == '1,"a;b"\n\\.'


def test_pg_dump_fixture() -> None:
    source = read_source(str(FIXTURES / "pg_dump.sql"))
    statements = split(source)
    check_invariants(source, statements)
    summary = [(s.kind, s.text.split("\n")[0]) for s in statements]
    assert summary == [
        (META, "\\restrict 9bQk2x7Lr0aZ"),
        (SQL, "SET statement_timeout = 0;"),
        (SQL, "SET standard_conforming_strings = on;"),
        (SQL, "SELECT pg_catalog.set_config('search_path', '', false);"),
        (META, "\\connect shop"),
        (SQL, "CREATE TABLE public.orders ("),
        (SQL, "COPY public.orders (id, note) FROM stdin;"),
        (DATA, "1\tsemicolon; inside"),
        (SQL, "ALTER TABLE ONLY public.orders"),
        (SQL, "COPY public.empty FROM stdin;"),
        (DATA, "\\."),
        (META, "\\unrestrict 9bQk2x7Lr0aZ"),
    ]
    rows = statements[7]
    assert rows.text.count("\n") == 5 and rows.text.endswith("\\.")
    assert (rows.line, rows.col) == (26, 1)


def test_psql_script_fixture() -> None:
    source = read_source(str(FIXTURES / "psql_script.sql"))
    statements = split(source)
    check_invariants(source, statements)
    assert [(s.kind, s.tx, s.tx_control) for s in statements] == [
        (META, None, None),
        (SQL, 0, BEGIN),
        (META, 0, None),
        (SQL, 0, None),
        (DATA, 0, None),
        (SQL, 0, None),
        (SQL, 0, None),
        (SQL, 0, COMMIT),
        (SQL, None, None),
        (META, None, None),
        (META, None, None),
    ]


# --- CRLF -------------------------------------------------------------------------------------


def test_crlf_file(tmp_path: Path) -> None:
    path = tmp_path / "crlf.sql"
    path.write_bytes(
        b"\xef\xbb\xbf-- windows\r\n\\set x 1\r\nSELECT 1;\r\nCOPY t FROM stdin;\r\n"
        b"1\tA\r\n\\.\r\nSELECT 'a\r\nb'\r\n"
    )
    source = read_source(str(path))
    statements = split(source)
    check_invariants(source, statements)
    assert [(s.kind, s.text, s.line, s.col) for s in statements] == [
        (META, "\\set x 1", 2, 1),
        (SQL, "SELECT 1;", 3, 1),
        (SQL, "COPY t FROM stdin;", 4, 1),
        (DATA, "1\tA\r\n\\.", 5, 1),
        (SQL, "SELECT 'a\r\nb'", 7, 1),
    ]
    assert statements[1].start == source.text.index("SELECT 1;")


# --- transaction blocks -----------------------------------------------------------------------


def tx_of(text: str, assume_in_transaction: bool = False) -> list[tuple[int | None, object]]:
    return [(s.tx, s.tx_control) for s in run(text, assume_in_transaction)]


def test_blocks_get_ids_in_order_and_outside_statements_none() -> None:
    text = (
        "SELECT 0;"
        "BEGIN; SELECT 1; COMMIT;"
        "SELECT 2;"
        "START TRANSACTION ISOLATION LEVEL SERIALIZABLE; SELECT 3; ROLLBACK;"
        "begin work; end;"
        "BEGIN TRANSACTION; ABORT;"
        "BEGIN ISOLATION LEVEL REPEATABLE READ; COMMIT WORK;"
        "BEGIN; COMMIT AND NO CHAIN;"
        "BEGIN; COMMIT TRANSACTION;"
    )
    assert tx_of(text) == [
        (None, None),
        (0, BEGIN),
        (0, None),
        (0, COMMIT),
        (None, None),
        (1, BEGIN),
        (1, None),
        (1, ROLLBACK),
        (2, BEGIN),
        (2, COMMIT),
        (3, BEGIN),
        (3, ROLLBACK),
        (4, BEGIN),
        (4, COMMIT),
        (5, BEGIN),
        (5, COMMIT),
        (6, BEGIN),
        (6, COMMIT),
    ]


def test_savepoints_do_not_close_the_block() -> None:
    text = (
        "BEGIN; SAVEPOINT a; ROLLBACK TO SAVEPOINT a; rollback to a; "
        "ROLLBACK WORK TO SAVEPOINT a; RELEASE SAVEPOINT a; SELECT 1; COMMIT; SELECT 2;"
    )
    assert tx_of(text) == [(0, BEGIN)] + [(0, None)] * 6 + [(0, COMMIT), (None, None)]


def test_unclosed_block_runs_to_the_end() -> None:
    assert tx_of("SELECT 0; BEGIN; SELECT 1; SELECT 2") == [
        (None, None),
        (0, BEGIN),
        (0, None),
        (0, None),
    ]


def test_meta_and_copy_rows_inside_a_block_share_its_id() -> None:
    text = "BEGIN;\n\\set x 1\nCOPY t FROM stdin;\n1\n\\.\nCOMMIT;\n\\set y 2\n"
    assert [(s.kind, s.tx) for s in run(text)] == [
        (SQL, 0),
        (META, 0),
        (SQL, 0),
        (DATA, 0),
        (SQL, 0),
        (META, None),
    ]


def test_begin_atomic_and_case_end_are_not_transaction_control() -> None:
    text = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC "
        "SELECT CASE WHEN true THEN 1 END; END;"
        "SELECT CASE WHEN true THEN 1 END;"
        "SELECT 1 AS begin;"
    )
    assert tx_of(text) == [(None, None)] * 3


def test_begin_inside_a_block_keeps_the_block() -> None:
    assert tx_of("BEGIN; BEGIN; SELECT 1; COMMIT; SELECT 2;") == [
        (0, BEGIN),
        (0, BEGIN),
        (0, None),
        (0, COMMIT),
        (None, None),
    ]


def test_commit_and_chain_starts_the_next_block_at_once() -> None:
    assert tx_of("BEGIN; SELECT 1; COMMIT AND CHAIN; SELECT 2; ROLLBACK; SELECT 3;") == [
        (0, BEGIN),
        (0, None),
        (0, COMMIT),
        (1, None),
        (1, ROLLBACK),
        (None, None),
    ]


def test_prepared_transactions() -> None:
    assert tx_of("BEGIN; PREPARE TRANSACTION 'x'; SELECT 1; COMMIT PREPARED 'x';") == [
        (0, BEGIN),
        (0, COMMIT),
        (None, None),
        (None, None),
    ]


def test_assume_in_transaction_shares_one_id_outside_explicit_blocks() -> None:
    text = "SELECT 0;\n\\set x 1\nBEGIN; SELECT 1; COMMIT; SELECT 2; BEGIN; END; SELECT 3;"
    assert tx_of(text, assume_in_transaction=True) == [
        (0, None),
        (0, None),
        (1, BEGIN),
        (1, None),
        (1, COMMIT),
        (0, None),
        (2, BEGIN),
        (2, COMMIT),
        (0, None),
    ]
    assert tx_of("", assume_in_transaction=True) == []


# --- properties -------------------------------------------------------------------------------

FRAGMENTS = [
    "SELECT 1",
    " ",
    "\n",
    "\r\n",
    "\t",
    ";",
    "-- c;\n",
    "--",
    "/* a; */",
    "/* a /* b; */ c */",
    "/*",
    "*/",
    "'a;b'",
    "''",
    "'",
    "E'a\\'b;'",
    "e'\\\\'",
    "ELSE'x'",
    "U&'x'",
    '"q;""x"',
    '"',
    "$$",
    "$$ a; $$",
    "$t$",
    "$t$ ; $t$",
    "$1",
    "a$b$",
    "(",
    ")",
    "\\",
    "\\set x 1\n",
    "\\.\n",
    "\\copy t from stdin\n",
    "COPY t FROM stdin;\n",
    "COPY t (a) FROM STDIN WITH (FORMAT csv);",
    "1\t2\n",
    "BEGIN",
    "BEGIN ATOMIC",
    "COMMIT",
    "END",
    "CASE",
    "ROLLBACK TO a",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql ",
    "CREATE RULE r AS ON INSERT TO t DO (",
    "é",
]

sql_ish = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(sql_ish, st.booleans())
def test_split_invariants_hold_on_sql_ish_text(text: str, assume: bool) -> None:
    run(text, assume)  # run() checks the invariants


@settings(max_examples=200, deadline=None)
@given(st.text(), st.booleans())
def test_split_never_raises(text: str, assume: bool) -> None:
    run(text, assume)


COMPLETE = [
    "SELECT 1;",
    "select 'a;b', E'\\';', \"x;\"\"y\";",
    "SELECT $$;$$, $t$ $$; $t$;",
    "SELECT 1 /* ; /* ; */ */ + 2;",
    "SELECT 1 -- ;\n + 2;",
    "CREATE RULE r AS ON INSERT TO t DO (SELECT 1; SELECT 2);",
    "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT CASE WHEN x THEN 1 END; END;",
    "BEGIN;",
    "COMMIT;",
    "ROLLBACK TO SAVEPOINT a;",
]
SEPARATORS = ["", " ", "\n", "\r\n", "-- c;\n", "/* c; /* n */ */", ";", "\n;\n"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SEPARATORS), st.sampled_from(COMPLETE)), max_size=12))
def test_joined_statements_split_back(parts: list[tuple[str, str]]) -> None:
    text = "".join(separator + statement for separator, statement in parts)
    assert texts(text) == [statement for _, statement in parts]


# --- the corpus -------------------------------------------------------------------------------

CORPUS_FILES = sorted(CORPUS.rglob("*.sql")) if CORPUS.is_dir() else []
_COPY_LINE = re.compile(r"COPY\b.*\bFROM\s+stdin\b.*;\s*", re.I)


def copy_rows(text: str, copy: Statement) -> str:
    """The rows after a one-line `COPY ... FROM stdin;`, found line by line."""
    after = text.index("\n", copy.end) + 1
    rows = []
    for line in text[after:].splitlines(keepends=True):
        rows.append(line)
        if line.rstrip("\r\n") == "\\.":
            break
    return "".join(rows).rstrip("\r\n")


@pytest.mark.parametrize(
    "path", CORPUS_FILES or [None], ids=lambda p: str(p.relative_to(CORPUS)) if p else "none"
)
def test_corpus_file(path: Path | None) -> None:
    if path is None:
        pytest.skip(f"no corpus at {CORPUS}")
    source = read_source(str(path))
    statements = split(source)
    check_invariants(source, statements)
    assert [s.tx for s in split(source, assume_in_transaction=True)].count(None) == 0
    for statement, following in zip(statements, statements[1:] + [None], strict=True):
        if statement.kind is SQL and _COPY_LINE.fullmatch(statement.text):
            assert following is not None and following.kind is DATA, statement.text
            assert following.text == copy_rows(source.text, statement)


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        ("SELECT 1; /* x", (10, "/* comment")),
        ("SELECT 1; /* a /* b */ c", (10, "/* comment")),
        ("SELECT 'abc;\nSELECT 2;", (7, "quoted string")),
        ("SELECT E'a\\';", (7, "quoted string")),
        ('SELECT "x;', (7, "quoted identifier")),
        ("SELECT $f$ x $$;", (7, "dollar-quoted string")),
    ],
)
def test_an_unclosed_quote_or_comment_is_found_at_its_opening(
    text: str, opening: tuple[int, str]
) -> None:
    statements = split(Source("t.sql", text))
    assert [unclosed(s) for s in statements][-1] == opening
    assert statements[-1].end == len(text)


def test_closed_quotes_and_comments_are_not_unclosed() -> None:
    text = "SELECT '/*', $$ ' $$, \"a\"\"b\" /* c /* d */ */; -- ' e\nSELECT 2"
    assert [unclosed(s) for s in split(Source("t.sql", text))] == [None, None]
