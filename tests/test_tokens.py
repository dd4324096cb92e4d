"""Tests for dsql_lint.syntax.tokens: the tokens fixes read, taken from the parse's tokens and
cut into parts, are exactly what tokenizing the statement or the part again gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FIXTURES, parsed_statements
from test_parse import parsed

from dsql_lint.syntax.parse import node_span
from dsql_lint.syntax.tokens import ParseTokens, Tokens

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORPUS_FILES = sorted(CORPUS.rglob("*.sql")) if CORPUS.is_dir() else []


def differences(paths: list[Path], *, nodes: bool) -> tuple[int, list[str]]:
    """How many statements took their tokens from the parse, and where a statement's tokens
    (or, with `nodes`, the part of any node of its tree) differ from a new tokenization."""
    reused, differ = 0, []
    for path, p in parsed_statements(paths):
        tokens = ParseTokens(p.statement, p.tokens)
        reused += tokens.raw is not None
        where = f"{path.name}:{p.statement.line}"
        if tokens.whole().items != Tokens(p.statement).items:
            differ.append(where)
            continue
        for node in p.tree.walk() if nodes else ():
            start, end = node_span(p, node)
            if tokens.part(start, end).items != Tokens(p.statement, start, end).items:
                differ.append(f"{where} {type(node).__name__} {start}-{end}")
    return reused, differ


def test_parse_tokens_and_parts_equal_a_new_tokenization_on_the_fixtures() -> None:
    reused, differ = differences(sorted(FIXTURES.rglob("*.sql")), nodes=True)
    assert differ == []
    assert reused > 1000


@pytest.mark.skipif(not CORPUS_FILES, reason=f"no corpus at {CORPUS}")
def test_parse_tokens_equal_a_new_tokenization_on_the_corpus() -> None:
    assert differences(CORPUS_FILES, nodes=False)[1] == []


@pytest.mark.parametrize(
    "sql",
    [
        "CALL p(1);",  # the parser reads CALL as a name, the fixes' tokenizer as a command
        "SELECT box '(0,0,1,1)' ~= box '(0,0,1,1)';",  # one operator token for the parser
        "SHOW search_path;",  # the parser keeps the rest of a command as one string
    ],
)
def test_statements_the_parser_reads_otherwise_are_tokenized_again(sql: str) -> None:
    p = parsed(sql)
    tokens = ParseTokens(p.statement, p.tokens)
    assert tokens.raw is None
    assert tokens.whole().items == Tokens(p.statement).items
    assert len(Tokens(p.statement)) > 1


def test_a_part_counts_depths_from_its_start_and_knows_its_statement() -> None:
    p = parsed("CREATE TABLE t (a numeric(10, 2) NOT NULL, b int);")
    tokens = ParseTokens(p.statement, p.tokens)
    text = p.statement.source.text
    part = tokens.part(text.index("numeric"), text.index(" NOT NULL"))
    assert [t.depth for t in part] == [0, 0, 1, 1, 1, 0]
    # A part that closes a bracket it did not open: depths stay at 0, as when tokenized.
    closing = tokens.part(text.index("2)"), text.index(" NOT"))
    assert [(t.text, t.depth) for t in closing] == [("2", 0), (")", 0)]
    # One that does not start at a token is tokenized.
    inside = tokens.part(text.index("umeric"), text.index(" NOT"))
    assert inside.items == Tokens(p.statement, text.index("umeric"), text.index(" NOT")).items
    assert inside.items[0].text == "umeric"
    assert part.whole() is tokens.whole() is inside.whole()
    assert [t.text for t in part.whole()][:3] == ["CREATE", "TABLE", "t"]
