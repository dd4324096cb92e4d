"""The leading-word prefilter: a statement is offered a whole-statement text rule only when its
first word could start a match; it must never hide a match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsql_lint.engine.matchers import code_only, first_word, leading_words
from dsql_lint.lint import LintOptions, all_rules
from dsql_lint.source import read_source
from dsql_lint.split import Kind, split

FIXTURES = Path(__file__).parent.parent / "fixtures"


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
