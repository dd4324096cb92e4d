"""The `fixer:` blocks of the rules: every fixable rule has one, and a bad one is an error
that names the rule file and line."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fixkit import fix_text

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.actions import ACTIONS, FixerError
from dsql_lint.fix.fixers import fixer_for, load_fixers
from dsql_lint.lint.pipeline import GRAMMAR_REFUSES
from dsql_lint.settings import LintOptions, all_rules

RULES = all_rules(LintOptions())


def test_every_fixable_rule_has_a_fixer() -> None:
    fixers = load_fixers(RULES)
    missing = [r.code for r in RULES if r.fix is not FixAvailability.NONE and r.code not in fixers]
    assert not missing, f"rules marked fixable without a `fixer:` block: {missing}"


def test_fixers_only_use_known_actions() -> None:
    used = {r.fixer["action"] for r in RULES if r.fixer}
    assert used <= set(ACTIONS)


def _rule_with(fixer: dict[str, Any]):  # type: ignore[no-untyped-def]
    return dataclasses.replace(RULES[0], fixer=fixer, fix=FixAvailability.SAFE)


def test_a_fixer_on_a_rule_marked_unfixable_is_an_error() -> None:
    rule = dataclasses.replace(
        RULES[0], fixer={"action": "delete-statement"}, fix=FixAvailability.NONE
    )
    with pytest.raises(FixerError, match="needs `fix: safe` or `fix: unsafe`"):
        fixer_for(rule)


@pytest.mark.parametrize(
    ("fixer", "message"),
    [
        ({"action": "rewrite-everything"}, "unknown action 'rewrite-everything'"),
        ({"action": "replace-type"}, "needs 'with'"),
        ({"action": "replace-type", "with": "TEXT", "colour": 1}, "unknown key 'colour'"),
        ({"action": "replace-type", "with": {"choice": "nope"}}, "unknown choice 'nope'"),
        (
            {"action": "replace-type", "with": {"choice": "array-to", "jsonb": "JSONB"}},
            "a text for each",
        ),
        (
            {"action": "delete-clause", "clause": "WITH", "operand": "brackets"},
            "`operand` must be one of",
        ),
        ({"action": "set-cache", "mode": "double"}, "`mode` must be one of"),
        ({"action": "delete-statement", "safety": "maybe"}, "`safety` must be safe or unsafe"),
        ({"action": "delete-statement", "safety": "unsafe"}, "contradicts the rule's `fix: safe`"),
        (
            {"action": "delete-statement", "otherwise": {"action": "nothing"}},
            "`otherwise` must be a fixer",
        ),
    ],
)
def test_bad_fixer_is_an_error_with_its_origin(fixer: dict[str, Any], message: str) -> None:
    rule = _rule_with(fixer)
    with pytest.raises(FixerError, match=message) as raised:
        fixer_for(rule)
    assert (raised.value.path, raised.value.line) == rule.origin


def test_not_valid_before_a_comma_leaves_the_statement_readable() -> None:
    # The fix writes NOT VALID after the CHECK, before the next action: `check` of the fixed
    # text reads it (its NOT VALID is the CHECK's own) and finds nothing left.
    text = "CREATE TABLE t (id bigint PRIMARY KEY, b int);\n" + (
        "ALTER TABLE t ADD CONSTRAINT c1 CHECK (b > 0), ADD COLUMN z text;\n"
    )
    result = fix_text(text)
    assert "CHECK (b > 0) NOT VALID, ADD COLUMN z text;" in result.text
    assert [d.code for d in result.report.diagnostics] == []


def test_no_words_are_added_to_a_statement_postgresql_refuses() -> None:
    # PostgreSQL 18's NOT ENFORCED is no PostgreSQL 16 (DSQL012): NOT VALID after it would
    # leave the statement refused, so DSQL204 offers no fix.
    text = "CREATE TABLE t (id bigint PRIMARY KEY, b int);\n" + (
        "ALTER TABLE t ADD CONSTRAINT c CHECK (b > 0) NOT ENFORCED;\n"
    )
    result = fix_text(text)
    assert result.text == text
    found = {d.code: d for d in result.report.diagnostics}
    assert sorted(found) == ["DSQL012", "DSQL204"]
    assert found["DSQL204"].fix is FixAvailability.NONE
    assert "grammar refuses" in (found["DSQL204"].fix_note or "")


# For each fixer, a statement PostgreSQL 16's grammar refuses (DSQL012) on which a rule it
# fixes fires: a PostgreSQL 17 or 18 form beside it (SET EXPRESSION, a VIRTUAL column), or a
# word too many that the linter's own parser passes over. Unsafe fixes are made too; a first
# line `-- dsql-lint:` (tests/fix/fixkit.py) sets the target of a rule DSQL lifted.
_SET_EXPRESSION = ", ALTER COLUMN x SET EXPRESSION AS (1)"
_VIRTUAL = ", v int GENERATED ALWAYS AS (1) VIRTUAL"
REFUSED_BY_THE_GRAMMAR = {
    "split-add-column": (
        "DSQL601",
        f"ALTER TABLE orders ADD COLUMN status text DEFAULT 'new'{_SET_EXPRESSION};",
    ),
    "insert-keyword": ("DSQL301", "CREATE INDEX orders_customer_idx ON orders (customer_id,);"),
    "delete-clause": (
        "DSQL508",
        f"CREATE TABLE events (id uuid PRIMARY KEY{_VIRTUAL}) WITH (fillfactor = 70);",
    ),
    "replace-operand": ("DSQL152", "CREATE SEQUENCE order_numbers AS integer CACHE 1 MINVALUE;"),
    "delete-action": (
        "DSQL611",
        f"ALTER TABLE documents ALTER COLUMN body SET COMPRESSION lz4{_SET_EXPRESSION};",
    ),
    "delete-statement": ("DSQL710", "SET statement_timeout = 0 0;"),
    "replace-head": ("DSQL702", "VACUUM ANALYZE orders orders;"),
    "replace-type": ("DSQL101", f"CREATE TABLE orders (id SERIAL PRIMARY KEY{_VIRTUAL});"),
    "delete-constraint": (
        "DSQL201",
        "-- dsql-lint: target=2026-08-01 unsafe-fixes\n"
        f"CREATE TABLE orders (id uuid PRIMARY KEY, c uuid REFERENCES customers (id){_VIRTUAL});",
    ),
    "not-valid": (
        "DSQL204",
        f"ALTER TABLE orders ADD CONSTRAINT k CHECK (qty > 0){_SET_EXPRESSION};",
    ),
    "ascending-keys": ("DSQL303", "CREATE INDEX ASYNC events_at_idx ON events (created_at DESC,);"),
    "fold-into-create": (
        "DSQL621",
        "CREATE TABLE users (id uuid NOT NULL, email text);\n"
        f"ALTER TABLE ONLY users ADD CONSTRAINT users_pkey PRIMARY KEY (id){_SET_EXPRESSION};",
    ),
    "set-cache": (
        "DSQL153",
        f"CREATE TABLE orders (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY{_VIRTUAL});",
    ),
    "fold-sequence": (
        "DSQL157",
        "CREATE TABLE t (id bigint NOT NULL, x int);\nCREATE SEQUENCE s CACHE 1;\n"
        "ALTER SEQUENCE s OWNED BY t.id;\n"
        f"ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('s'::regclass){_SET_EXPRESSION};",
    ),
    "split-transaction": (
        "DSQL401",
        "BEGIN;\nCREATE TABLE a (id uuid PRIMARY KEY);\n"
        f"CREATE TABLE b (id uuid PRIMARY KEY{_VIRTUAL});\nCOMMIT;",
    ),
}
# Fixers whose rule's finding is PostgreSQL's own refusal (`postgres: refuses`): DSQL012 is
# not raised where it stands, and the fix is the correction of that syntax.
CORRECTING_THE_SYNTAX = {"drop-qualifier": "DSQL304"}


def test_every_fixer_has_a_statement_the_grammar_refuses() -> None:
    assert set(REFUSED_BY_THE_GRAMMAR) | set(CORRECTING_THE_SYNTAX) == set(ACTIONS)
    refusing = {r.code for r in RULES if r.postgres_refuses}
    assert set(CORRECTING_THE_SYNTAX.values()) <= refusing


@pytest.mark.parametrize(
    ("code", "text"), REFUSED_BY_THE_GRAMMAR.values(), ids=list(REFUSED_BY_THE_GRAMMAR)
)
def test_no_fix_edits_a_statement_the_grammar_refuses(code: str, text: str) -> None:
    """Whatever the fixer: the statement was read by the linter's parser, which accepts more
    than PostgreSQL does, so an edit of it would be a guess."""
    header = "" if text.startswith("-- dsql-lint:") else "-- dsql-lint: unsafe-fixes\n"
    source = f"{header}{text}\n"
    result = fix_text(source)
    assert result.text == source
    found = {d.code: d for d in result.first.diagnostics}
    assert "DSQL012" in found and code in found, sorted(found)
    assert found[code].fix is FixAvailability.NONE
    assert found[code].fix_note == GRAMMAR_REFUSES
