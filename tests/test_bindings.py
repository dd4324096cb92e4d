"""Bindings masked for PostgreSQL's grammar: each style as its library reads it."""

from __future__ import annotations

import pytest
from pglast.parser import parse_sql_json

from dsql_lint.syntax.bindings import NAMES, STYLES, mask
from dsql_lint.syntax.pg_grammar import rejection


def masked(style: str, sql: str) -> tuple[str, list[str]]:
    out, spans = mask(sql, STYLES[style])
    assert len(out) == len(sql)  # positions hold
    return out, [sql[start:end] for start, end in spans]


@pytest.mark.parametrize(
    ("style", "sql", "bound"),
    [
        ("psql", "COPY t FROM :'file' WHERE :{?on} AND a = :b", [":'file'", ":{?on}", ":b"]),
        (
            "knex",
            "SELECT ?? FROM t WHERE a = ? AND b = :b AND :c: IS NULL",
            ["??", "?", ":b", ":c:"],
        ),
        ("sequelize", "SELECT $name, $1 FROM t WHERE a = ? AND b = :b", ["$name", "?", ":b"]),
        ("sqlalchemy", "SELECT :a FROM t WHERE b = :b_2", [":a", ":b_2"]),
        ("pyformat", "SELECT %s FROM t WHERE b = %(b)s", ["%s", "%(b)s"]),
    ],
)
def test_each_style_masks_its_bindings_so_the_grammar_accepts(
    style: str, sql: str, bound: list[str]
) -> None:
    out, found = masked(style, sql)
    assert found == bound
    parse_sql_json(out)  # raises if the stand-ins are not grammar where the bindings were


def test_quoted_psql_variables_keep_their_quotes() -> None:
    assert masked("psql", """SELECT :'v', :"col" FROM t""")[0] == """SELECT '__', "____" FROM t"""


@pytest.mark.parametrize(
    ("style", "sql"),
    [
        ("psql", "SELECT a::text, (ARRAY[1, 2])[1:2], lo[a:b] FROM t"),
        (
            "psql",
            "SELECT ':x', \":y\", E'\\':z', $$ :w $$, $q$ :v $q$ -- :u\n FROM t /* :t /* :s */ */",
        ),
        ("knex", "SELECT '?', \"??\" FROM t -- ?"),
        ("sequelize", "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1 $body$ LANGUAGE sql"),
        ("pyformat", "SELECT '%s' FROM t"),
    ],
)
def test_casts_slices_strings_names_comments_and_dollar_quotes_are_not_bindings(
    style: str, sql: str
) -> None:
    assert masked(style, sql) == (sql, [])


def test_escapes_leave_the_character_and_are_judged() -> None:
    # Knex sends `\?` as a `?` (PostgreSQL's jsonb operator); SQLAlchemy `\:` as a colon, which
    # the server refuses; psycopg `%%` as `%`.
    assert masked("knex", "SELECT tags \\? 'a' FROM t") == ("SELECT tags  ? 'a' FROM t", [])
    assert rejection("SELECT 1 \\:x", STYLES["sqlalchemy"]) is not None
    assert masked("pyformat", "SELECT 5 %% 3") == ("SELECT 5  % 3", [])


def test_names_alone_are_written_as_names_for_the_linter_parser() -> None:
    sql = "SELECT ?? FROM t WHERE a = ?"
    assert mask(sql, STYLES["knex"], NAMES)[0] == "SELECT __ FROM t WHERE a = ?"


def test_a_refusal_at_a_binding_is_not_known_one_elsewhere_is() -> None:
    # psql puts the sequence's cache size where `:n` is: whatever it is, not known here.
    assert rejection("CREATE SEQUENCE s CACHE :n", STYLES["psql"]) is None
    assert rejection("CREATE SEQUENCE s CACHE :n", None) is not None
    refused = rejection("CREATE TABLE :t (a int,)", STYLES["psql"])
    assert refused is not None and refused.offset == len("CREATE TABLE :t (a int,")
