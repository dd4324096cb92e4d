"""The match language's statement text (`words:`, `$rest`, regex `groups:`) and the rule
set's prefilters, which must never hide a match: a statement's root is offered a rule only
when its first word can start one of the rule's `words:`, a node only the checks whose
`node:` and `root:` it can meet (an `any_of` option's own included), and only those that
accept the value of its keyed arg (a DataType's `this`)."""

from __future__ import annotations

import pytest
from helpers import FIXTURES, parsed_statements
from sqlglot import exp

from dsql_lint.engine.matchers import (
    CompileError,
    accepted_values,
    compile_match,
    first_word,
    may_match,
    statement_words,
)
from dsql_lint.engine.ruleset import RuleSet
from dsql_lint.lint.pipeline import _MatchContext
from dsql_lint.settings import LintOptions, all_rules
from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split


def matches(spec: dict, sql: str) -> bool:
    """Whether `spec` matches the root of the one statement in `sql`."""
    (statement,) = split(Source("<test>", sql))
    parsed = parse(statement)
    return compile_match(spec)(parsed.tree, _MatchContext(parsed))


def matched_nodes(spec: dict, sql: str) -> list[str]:
    """The class names of the nodes of the one statement in `sql` that `spec` matches."""
    (statement,) = split(Source("<test>", sql))
    parsed = parse(statement)
    test, ctx = compile_match(spec), _MatchContext(parsed)
    return [type(node).__name__ for node in parsed.tree.walk() if test(node, ctx)]


def test_a_key_in_an_any_of_option_under_parent_is_that_options_arg() -> None:
    """`parent: {any_of: [{node: ColumnDef, key: kind}, ...]}`: the node is the ColumnDef's
    type, not any child of it (its name); each option with its own arg."""
    spec = {
        "parent": {
            "any_of": [{"node": "ColumnDef", "key": "kind"}, {"node": "Create", "key": "this"}]
        }
    }
    sql = "CREATE TABLE t (c int, d text);"
    assert matched_nodes(spec, sql) == ["Schema", "DataType", "DataType"]
    keyless = {"parent": {"any_of": [{"node": "ColumnDef"}, {"node": "Create"}]}}
    assert "Identifier" in matched_nodes(keyless, sql)  # c and d, ColumnDef's `this`
    both = {"parent": {"key": "kind", "any_of": [{"node": "ColumnDef", "key": "this"}]}}
    assert matched_nodes(both, sql) == []  # the option's key and the parent's both hold


@pytest.mark.parametrize(
    ("words", "sql", "matched"),
    [
        ("TRUNCATE", "TRUNCATE t;", True),
        ("TRUNCATE", "truncate\n  t;", True),
        ("CREATE POLICY", "CREATE   POLICY p ON t;", True),
        ("CREATE POLICY", "CREATE /* c */ POLICY p ON t;", True),  # comments are blanked
        ("CREATE POLICY", "CREATE POLICYX p ON t;", False),  # whole words only
        ("CREATE POLICY", "CREATE TABLE policy (c int);", False),
        (["CREATE POLICY", "ALTER POLICY"], "ALTER POLICY p ON t RENAME TO q;", True),
        ("ROLLBACK TO", "ROLLBACK;", False),
        ("LISTEN", "SELECT 'LISTEN';", False),  # the start of the statement only
    ],
)
def test_words_are_the_statements_leading_words(words: object, sql: str, matched: bool) -> None:
    assert matches({"words": words}, sql) is matched


@pytest.mark.parametrize(
    ("rest", "sql", "matched"),
    [
        # $rest starts right after the words, so `^\s+` anchors on the next word,
        (r"^\s+TABLE\b", "CREATE TABLE t (c int);", True),
        (r"^\s+TABLE\b", "CREATE UNLOGGED TABLE t (c int);", False),
        # after the longest alternative that matched.
        (r"^\s+t\b", "CREATE UNLOGGED TABLE t (c int);", True),
    ],
)
def test_rest_follows_the_words_that_matched(rest: str, sql: str, matched: bool) -> None:
    spec = {"words": ["CREATE", "CREATE UNLOGGED TABLE"], "where": {"$rest": {"regex": rest}}}
    assert matches(spec, sql) is matched


CACHE = {
    "words": "ALTER SEQUENCE",
    "where": {
        "$rest": {
            "regex": r"\bCACHE\s+(?P<cache>\d+)\b",
            "groups": {"cache": {"number": {"gt": 1, "lt": 65536}}},
        }
    },
}


@pytest.mark.parametrize(
    ("sql", "matched"),
    [
        ("ALTER SEQUENCE s CACHE 2;", True),
        ("ALTER SEQUENCE s CACHE 65535;", True),
        ("ALTER SEQUENCE s CACHE 0065535;", True),
        ("ALTER SEQUENCE s CACHE 1;", False),
        ("ALTER SEQUENCE s CACHE 65536;", False),
        ("ALTER SEQUENCE s CACHE 100abc;", False),  # no whole number
        ("ALTER SEQUENCE s RESTART 10;", False),  # the regex finds nothing
        # Every match of the regex is judged, not only the first.
        ("ALTER SEQUENCE s CACHE 1 CACHE 20;", True),
    ],
)
def test_a_named_group_is_judged_by_number(sql: str, matched: bool) -> None:
    assert matches(CACHE, sql) is matched


@pytest.mark.parametrize(
    ("sql", "matched"),
    [
        ("SET statement_timeout = 0;", True),
        ('SET LOCAL "lock_timeout" TO 0;', True),
        ("SET search_path TO app;", False),
        ("SET session_replication_role = replica;", False),
    ],
)
def test_a_named_group_is_judged_by_in(sql: str, matched: bool) -> None:
    spec = {
        "words": "SET",
        "where": {
            "$rest": {
                "regex": r'^\s+((SESSION|LOCAL)\s+)?"?(?P<name>\w+)',
                "groups": {"name": {"in": ["statement_timeout", "lock_timeout"]}},
            }
        },
    }
    assert matches(spec, sql) is matched


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"root": True, "where": {"$code": {"regex": "^TRUNCATE"}}}, "with `words:` and `$rest`"),
        (
            {"root": True, "any_of": [{"where": {"$text": {"regex": "x"}}}]},
            "with `words:` and `$rest`",
        ),
        ({"where": {"$rest": {"regex": "x"}}}, "`$rest` follows the match's `words:`"),
        ({"words": "CREATE-POLICY"}, "is not a run of keywords"),
        ({"words": []}, "`words` must be"),
        (
            {"words": "SET", "where": {"$rest": {"regex": "(?P<a>x)", "groups": {"b": "x"}}}},
            "no group named b",
        ),
        ({"where": {"$name": {"groups": {"a": "x"}}}}, "`groups` judges the named groups"),
    ],
)
def test_a_malformed_text_match_is_a_compile_error(spec: dict, error: str) -> None:
    with pytest.raises(CompileError, match=error.replace("$", r"\$").replace("(", r"\(")):
        compile_match(spec)


@pytest.mark.parametrize(
    ("spec", "node_type", "words"),
    [
        ({"words": "TRUNCATE"}, exp.Command, {"TRUNCATE"}),
        ({"words": ["CREATE POLICY", "ALTER POLICY"]}, exp.Command, {"CREATE", "ALTER"}),
        ({"words": ["BEGIN", "START TRANSACTION"]}, exp.Transaction, {"BEGIN", "START"}),
        ({"node": "Command"}, exp.Command, None),
        # any_of: the union of its options' words, when each option that can match the
        # node's type names them...
        (
            {"any_of": [{"node": "Command", "words": "LOAD"}, {"words": "LOCK"}]},
            exp.Command,
            {"LOAD", "LOCK"},
        ),
        # ...options for another type left aside,
        (
            {"any_of": [{"node": "Create", "where": {"kind": "TYPE"}}, {"words": "ALTER TYPE"}]},
            exp.Command,
            {"ALTER"},
        ),
        # and none when one may start with any word.
        ({"any_of": [{"node": "Create"}, {"words": "ALTER TYPE"}]}, exp.Create, None),
    ],
)
def test_statement_words(spec: dict, node_type: type, words: set[str] | None) -> None:
    assert statement_words(spec, node_type) == (frozenset(words) if words is not None else None)


def test_a_rule_is_offered_every_statement_its_words_start() -> None:
    """IMPORT FOREIGN SCHEMA once went unchecked by DSQL522: the words the engine read out of
    the rule's regex stopped at its first alternative."""
    (statement,) = split(Source("<test>", "IMPORT FOREIGN SCHEMA s FROM SERVER f INTO public;"))
    tree = parse(statement).tree
    offered = RuleSet(all_rules(LintOptions())).root_checks_for(tree, "IMPORT")
    assert "DSQL522" in [check.rule.code for check in offered]


@pytest.mark.parametrize(
    ("spec", "node_type", "accepted"),
    [
        ({"where": {"this": "ARRAY"}}, exp.DataType, {"this": {"ARRAY"}}),
        ({"where": {"this": {"in": ["json", "JSONB"]}}}, exp.DataType, {"this": {"JSON", "JSONB"}}),
        (
            {"where": {"this": {"eq": "INT", "in": ["INT", "TEXT"]}}},
            exp.DataType,
            {"this": {"INT"}},
        ),
        ({"where": {"this": {"regex": "^INT"}}}, exp.DataType, {}),
        ({"where": {"$name": "x"}}, exp.Column, {}),
        # any_of: the union, when every option names the arg...
        (
            {"any_of": [{"where": {"this": "INT"}}, {"where": {"this": {"in": ["TEXT"]}}}]},
            exp.DataType,
            {"this": {"INT", "TEXT"}},
        ),
        # ...and nothing when one does not,
        ({"any_of": [{"where": {"this": "INT"}}, {"where": {"kind": "X"}}]}, exp.DataType, {}),
        # unless that option is for another node type.
        (
            {"any_of": [{"node": "DataType", "where": {"this": "INT"}}, {"node": "Command"}]},
            exp.DataType,
            {"this": {"INT"}},
        ),
        # all_of: every part's requirement holds.
        (
            {"where": {"this": {"in": ["A", "B"]}}, "all_of": [{"where": {"this": "B"}}]},
            exp.DataType,
            {"this": {"B"}},
        ),
    ],
)
def test_accepted_values(spec: dict, node_type: type, accepted: dict) -> None:
    assert accepted_values(spec, node_type) == {k: frozenset(v) for k, v in accepted.items()}


@pytest.mark.parametrize(
    ("spec", "node_type", "root", "may"),
    [
        ({"node": "Literal"}, exp.Literal, False, True),
        ({"node": "Literal"}, exp.Column, False, False),
        ({"node": "Expr", "root": True}, exp.Literal, False, False),
        ({"node": "Expr", "root": True}, exp.Literal, True, True),
        ({"root": False}, exp.Insert, True, False),
        # any_of: some option can match the node where it is (a SET's root, or a function
        # call anywhere: not a row's literal)...
        (
            {
                "node": ["Expr", "Anonymous"],
                "any_of": [{"node": "Expr", "root": True}, {"node": "Anonymous"}],
            },
            exp.Literal,
            False,
            False,
        ),
        (
            {
                "node": ["Expr", "Anonymous"],
                "any_of": [{"node": "Expr", "root": True}, {"node": "Anonymous"}],
            },
            exp.Anonymous,
            False,
            True,
        ),
        # ...all_of: every part can,
        ({"all_of": [{"node": "Expr"}, {"root": True}]}, exp.Literal, False, False),
        # and what concerns other nodes (a parent, a descendant) or is negated says nothing.
        ({"parent": {"root": True}, "not": {"node": "Literal"}}, exp.Literal, False, True),
    ],
)
def test_may_match(spec: dict, node_type: type, root: bool, may: bool) -> None:
    assert may_match(spec, node_type, root) is may


def test_keyed_offers_never_hide_a_match() -> None:
    ruleset = RuleSet(all_rules(LintOptions(target="2025-05")))
    keyed = worded = narrowed = 0
    for _, parsed in parsed_statements(sorted(FIXTURES.rglob("*.sql"))):
        ctx = _MatchContext(parsed)
        word = first_word(ctx.code_of(parsed.tree))
        for node in parsed.tree.walk():
            root = node is parsed.tree
            offered = ruleset.root_checks_for(node, word) if root else ruleset.checks_for(node)
            # Every check that applies to the node's type, before either prefilter.
            full = [c for c in ruleset._applicable(type(node)) if root or not c.root_only]
            matched = [c.rule.code for c in full if c.test(node, ctx)]
            assert [c.rule.code for c in offered if c.test(node, ctx)] == matched
            keyed += len(offered) < len(full)
            worded += root and any(not ruleset.may_start(c, type(node), word) for c in full)
            narrowed += any(not may_match(ruleset._specs[id(c)], type(node), root) for c in full)
    assert keyed > 100
    assert worded > 100
    assert narrowed > 1000


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE pg_temp.t (id int)",
        'CREATE TABLE "pg_temp".t (id int)',
        'CREATE TABLE "Pg_Temp".t (id int)',
        'INSERT INTO "we""ird".t VALUES (1)',
        'INSERT INTO "select".t VALUES (1)',
        "INSERT INTO public /* c */ .t VALUES (1)",
    ],
)
def test_a_names_sql_is_the_generators(sql: str) -> None:
    """A name's `$sql` (what a regex on a name reads) is taken from a cache by its args: the
    same text as regenerating it."""
    from dsql_lint.engine import matchers
    from dsql_lint.syntax.dialect import DSQL

    (statement,) = split(Source("<test>", sql))
    names = list(parse(statement).tree.find_all(exp.Identifier))
    assert names
    for name in names * 2:  # (the second time from the cache)
        assert matchers._sql(name) == DSQL().generate(name)
