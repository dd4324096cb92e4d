"""A long INSERT ... VALUES is parsed a chunk of rows at a time (`syntax/rows.py`): its
findings are those of the same statement parsed whole, and those of the same rows in small
statements; its memory follows a chunk, not the statement."""

from __future__ import annotations

import gc
import tracemalloc
from contextlib import nullcontext
from unittest import mock

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.lint import pipeline
from dsql_lint.lint.pipeline import Linter
from dsql_lint.settings import LintOptions, active_rules
from dsql_lint.syntax import rows
from dsql_lint.syntax.source import Source

# Rows whose text holds what a cut between rows must not fall in: `),(` in a string, an
# E-string, a quoted name, a block comment, a line comment and a dollar-quoted string; one
# with a finding of its own (DSQL714), and one PostgreSQL's grammar refuses (DSQL012).
TRICKY = (
    "({n}, 'a),(b')",
    "({n}, E'it\\'s ),( here')",
    '({n}, "odd),(name")',
    "({n}, /* ),( */ 'c')",
    "({n}, 'd' -- ),(\n)",
    "({n}, $$),($$)",
    "({n}, to_tsvector('english'))",
    "({n}, 'plain text, longer, to fill the chunk')",
)
REFUSED = "({n}, `backticks`)"  # sqlglot reads MySQL's quotes; PostgreSQL does not
UNPARSABLE = "({n}, 1 ! 2)"  # sqlglot cannot read it: the whole statement's parse says so


def _rows(count: int, extra: dict[int, str] | None = None) -> list[str]:
    out = [TRICKY[n % len(TRICKY)].format(n=n) for n in range(count)]
    for n, row in (extra or {}).items():
        out[n] = row.format(n=n)
    return out


def _statement(values: list[str], tail: str = "") -> str:
    return "INSERT INTO public.t (id, note)\nVALUES " + ",\n".join(values) + tail + ";\n"


def _lint(text: str, *, whole: bool = False) -> list[Diagnostic]:
    """Findings of `check` (chunks), or of the statement parsed whole."""
    options = LintOptions(jobs=1)
    linter = Linter(active_rules(options), options)
    with (
        mock.patch.object(pipeline, "parse_in_chunks", return_value=None)
        if whole
        else nullcontext()
    ):
        found = linter.lint_source(Source("t.sql", text)).diagnostics
    return [d.without_node() for d in found]


def test_a_long_values_list_has_the_findings_of_its_whole_parse() -> None:
    accepted = _statement(_rows(12000), " ON CONFLICT (id) DO NOTHING")
    refused = _statement(_rows(6000, {4321: REFUSED}))
    assert len(accepted) > rows.MIN_CHARS + 2 * rows.CHUNK_CHARS
    found = _lint(accepted + refused)
    assert found == _lint(accepted + refused, whole=True)
    codes = [(d.statement, d.code) for d in found]
    assert codes.count((0, "DSQL714")) == 12000 // len(TRICKY)
    assert codes.count((0, "DSQL717")) == 1 and codes.count((1, "DSQL012")) == 1


def test_the_rows_as_chunks_cover_the_list_with_every_cut_between_rows() -> None:
    values = _rows(6000)
    text = _statement(values, " RETURNING id")
    statement = _statements(text)[0]
    long = rows.long_values(statement, _tokenizer())
    assert long is not None
    from dsql_lint.syntax.parse import parse_in_chunks

    parses = list(parse_in_chunks(statement) or [])
    assert len(parses) >= 4 and all(p is not None for p in parses)
    counted = sum(len(p.tree.expression.expressions) for p in parses)
    assert counted == parses[-1].rows.total == len(values)
    assert parses[-1].tree.args.get("returning") is not None
    assert all(p.rows is None for p in parses[:-1])


def test_each_chunk_is_parsed_from_its_own_rows_not_the_statement_up_to_them() -> None:
    """The parser searches the text it is given for forms to rewrite: given the statement up
    to a chunk's rows, each parse read every chunk before it again, and a seed file's 5 MB
    INSERT on one line took 9 s of CPU for 240,000 rows, growing with the square of its size.
    What the parses are given adds up to the statement's text and a head per chunk."""
    from dsql_lint.syntax.dialect import DSQL
    from dsql_lint.syntax.parse import parse_in_chunks

    given: list[int] = []
    original = DSQL.Parser.parse

    def parse(self: DSQL.Parser, tokens: list, sql: str) -> list:
        given.append(len(sql))
        return original(self, tokens, sql)

    (statement,) = _statements(_statement(_rows(30000), " ON CONFLICT (id) DO NOTHING"))
    with mock.patch.object(DSQL.Parser, "parse", parse):
        parses = list(parse_in_chunks(statement) or [])
    assert len(parses) >= 20 and all(p is not None for p in parses)
    head = len("INSERT INTO public.t (id, note)\nVALUES ")
    assert sum(given) <= len(statement.body) + len(parses) * head
    assert parses[-1].tree.args.get("conflict") is not None


def test_rows_the_parser_cannot_read_give_the_whole_statements_parse_error() -> None:
    text = _statement(_rows(6000, {5000: UNPARSABLE}))
    found = _lint(text)
    assert found == _lint(text, whole=True)
    assert [d.code for d in found if d.severity.name == "ERROR"][:1] == ["DSQL001"]


def test_a_long_list_has_the_findings_of_the_same_rows_in_small_statements() -> None:
    values = _rows(4000)
    large = _lint(_statement(values))
    small = _lint("".join(_statement(values[k : k + 500]) for k in range(0, 4000, 500)))

    def rows_found(found: list[Diagnostic]) -> list[tuple[str, str]]:
        return [(d.code, d.message) for d in found if d.code != "DSQL717"]

    assert rows_found(large) == rows_found(small)
    assert [d.code for d in large].count("DSQL717") == 1  # 4,000 rows: over the limit
    assert "DSQL717" not in [d.code for d in small]


def test_a_long_list_costs_a_chunks_tree_not_the_statements() -> None:
    """Parsed whole, these rows' tree peaks at about 300 bytes a character."""
    text = _statement([f"({n}, 'row {n}')" for n in range(40_000)])
    options = LintOptions(jobs=1)
    linter = Linter(active_rules(options), options)
    linter.lint_source(Source("warm.sql", _statement(["(1, 'a')"])))
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        found = linter.lint_source(Source("t.sql", text)).diagnostics
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert [d.code for d in found] == ["DSQL717"]
    assert peak < 40 * len(text), (peak, len(text))


def _statements(text: str) -> list:
    from dsql_lint.syntax.split import split

    return split(Source("t.sql", text))


def _tokenizer():  # noqa: ANN202 - sqlglot's tokenizer for the DSQL dialect
    from dsql_lint.syntax.parse import _TOKENIZER

    return _TOKENIZER


def test_internal_array_names_in_the_rows_are_read_as_in_a_whole_parse() -> None:
    """`'{1}'::_int4` in a row is `int4[]`, in the tree and in the tokens kept for spans, as
    in the statement parsed whole (parse.py's `_parse`)."""
    from sqlglot import exp

    from dsql_lint.syntax.parse import parse_in_chunks
    from dsql_lint.syntax.split import split

    values = [f"({n}, '{{{n}}}'::_int4)" for n in range(rows.MIN_CHARS // 10)]
    (statement,) = split(Source("t.sql", _statement(values)))
    parses = [p for p in parse_in_chunks(statement) or [] if p is not None and p.tree]
    assert len(parses) > 1
    casts = [c for p in parses for c in p.tree.find_all(exp.Cast)]
    assert casts and all(c.to.is_type(exp.DataType.Type.ARRAY) for c in casts)
    kept = [t.text for p in parses for t in p.tokens]
    assert "_int4" not in kept and kept.count("int4") == len(values)
