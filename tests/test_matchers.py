"""The rule set's prefilters, which must never hide a match: a statement is offered a
whole-statement text rule only when its first word could start a match, and a node only the
checks that accept the value of its keyed arg (a DataType's `this`)."""

from __future__ import annotations

import re

import pytest
from helpers import FIXTURES, parsed_statements
from sqlglot import exp

from dsql_lint.engine.matchers import accepted_values, code_only, first_word, leading_words
from dsql_lint.engine.ruleset import RuleSet
from dsql_lint.lint.pipeline import _MatchContext
from dsql_lint.settings import LintOptions, all_rules
from dsql_lint.syntax.source import read_source
from dsql_lint.syntax.split import Kind, split


def _lead(pattern: str) -> frozenset[str] | None:
    return leading_words({"node": "Expr", "where": {"$code": {"regex": pattern}}})


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"^TRUNCATE\b", {"TRUNCATE"}),
        (r"^SET\s+TRANSACTION", {"SET"}),
        (r"^(CREATE|ALTER)\s+POLICY\b", {"CREATE", "ALTER"}),
        (r"^(BEGIN|START\s+TRANSACTION)\b", {"BEGIN", "START"}),
        (r"^(SAVEPOINT\b|RELEASE\b)", {"SAVEPOINT", "RELEASE"}),
        (r"^ALTER", None),  # ALTERNATIVE would match too
        (r"^ALTERS?\s", None),
        (r"^(CREATE|ALTER)?\s", None),
        (r"^(A|B)C\b", None),
        (r"^(ROLLBACK\s+(WORK)?\s+TO)\b", None),
        (r"TRUNCATE\b", None),
    ],
)
def test_leading_words_of_a_regex(pattern: str, words: set[str] | None) -> None:
    assert _lead(pattern) == (frozenset(words) if words is not None else None)


def test_no_match_is_ever_outside_the_leading_words() -> None:
    led = [
        (re.compile(r.match["where"]["$code"]["regex"], re.IGNORECASE | re.DOTALL), lead)
        for r in all_rules(LintOptions())
        if (lead := leading_words(r.match)) is not None
    ]
    assert len(led) > 20
    checked = 0
    for path in sorted(FIXTURES.rglob("*.sql")):
        for statement in split(read_source(str(path))):
            if statement.kind is not Kind.SQL:
                continue
            code = code_only(statement.body)
            for pattern, lead in led:
                if pattern.search(code):
                    checked += 1
                    assert first_word(code) in lead, (path, statement.body[:60])
    assert checked > 20


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


def test_keyed_offers_never_hide_a_match() -> None:
    ruleset = RuleSet(all_rules(LintOptions(target="2025-05")))
    keyed = 0
    for _, parsed in parsed_statements(sorted(FIXTURES.rglob("*.sql"))):
        ctx = _MatchContext(parsed)
        word = first_word(ctx.code_of(parsed.tree))
        for node in parsed.tree.walk():
            root = node is parsed.tree
            offered = ruleset.root_checks_for(node, word) if root else ruleset.checks_for(node)
            full = [c for c in ruleset._applicable(type(node)) if root or not c.root_only]
            if root:
                full = [c for c in full if c.lead is None or word in c.lead]
            matched = [c.rule.code for c in full if c.test(node, ctx)]
            assert [c.rule.code for c in offered if c.test(node, ctx)] == matched
            keyed += len(offered) < len(full)
    assert keyed > 100
