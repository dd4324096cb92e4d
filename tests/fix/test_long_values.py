"""`fix` reads a long INSERT ... VALUES a chunk of rows at a time, as `check` does
(`syntax/rows.py`), unless a finding in its rows has a fix, and then parses it whole: the
fixed text is the one the whole parse gives, and memory follows a chunk's tree where nothing
in the rows is fixed (a 5 MB one-line INSERT took 1.2 GB parsed whole)."""

from __future__ import annotations

import gc
import tracemalloc

import pytest
from fixkit import Case, fix_text

from dsql_lint.fix import dependents
from dsql_lint.lint import pipeline
from dsql_lint.syntax import rows

UNSAFE = Case(unsafe=True)
TABLE = "CREATE TABLE t (id bigint PRIMARY KEY, tags text[], note text);\n"
INDEX = "CREATE INDEX t_note ON t (note);\n"  # fixed outside the rows: ASYNC


def _insert(count: int, special: dict[int, str] | None = None) -> str:
    values = [f"({n}, NULL, 'row {n}, a little longer to fill the chunk')" for n in range(count)]
    for n, row in (special or {}).items():
        values[n] = row
    return "INSERT INTO t VALUES " + ",\n".join(values) + ";\n"


def _fixed_whole(text: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The text fixed with every statement parsed whole."""
    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "parse_in_chunks", lambda statement: None)
        return fix_text(text, UNSAFE).text


def test_rows_with_nothing_to_fix_are_read_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    text = TABLE + _insert(8000) + INDEX
    assert len(text) > rows.MIN_CHARS + 4 * rows.CHUNK_CHARS
    fix_text(TABLE, UNSAFE)  # warm: rules and parser loaded
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        result = fix_text(text, UNSAFE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert "CREATE INDEX ASYNC t_note" in result.text
    assert result.text == _fixed_whole(text, monkeypatch)
    # Parsed whole: about 140 bytes a character.
    assert peak < 100 * len(text), (peak, len(text))


def test_a_transaction_split_around_the_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """DSQL402's fix reads the statement's kept shape for its class: DML, as whole."""
    text = "BEGIN;\n" + TABLE + _insert(8000) + "COMMIT;\n"
    result = fix_text(text, UNSAFE)
    assert "COMMIT;\nBEGIN;" in result.text
    assert result.text == _fixed_whole(text, monkeypatch)


def test_a_type_change_reaches_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tags column's change to jsonb rewrites the arrays written in every chunk's rows,
    not only the last chunk's, which is all the statement's kept shape holds."""
    arrays = {n: f"({n}, '{{a,b}}', 'x')" for n in (5, 4000, 7990)}
    text = TABLE + _insert(8000, arrays)
    result = fix_text(text, UNSAFE)
    assert "'{a,b}'" not in result.text and result.text.count('\'["a", "b"]\'') == 3
    assert result.text == _fixed_whole(text, monkeypatch)


def test_a_declined_type_change_reads_the_rows_up_to_the_one_that_declines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`v money` -> NUMERIC is declined by the first row, which writes currency text fix does
    not read as a number (a negative in parentheses): the rows
    are judged a chunk at a time and the judgment stops there, the INSERT never parsed whole
    (a 6 MB one took 55 s and 1.4 GB to decline)."""
    values = [f"({n}, {n}.25, 'row {n}, a little longer to fill the chunk')" for n in range(8000)]
    values[0] = "(0, '($1.50)', 'the first')"
    text = (
        "CREATE TABLE m (id bigint PRIMARY KEY, v money, note text);\n"
        "INSERT INTO m VALUES " + ",\n".join(values) + ";\n"
    )
    chunks = sum(1 for _ in rows.chunks(*_long(text)))
    read: list[int] = []  # a chunk's parse consumed by the judgment
    real, whole = dependents.parse_in_chunks, dependents.parse

    def counted(statement):  # type: ignore[no-untyped-def]
        found = real(statement)
        return None if found is None else (read.append(1) or part for part in found)

    def short_only(statement):  # type: ignore[no-untyped-def]
        assert len(statement.text) < 1000, "the INSERT parsed whole"
        return whole(statement)

    monkeypatch.setattr(dependents, "parse_in_chunks", counted)
    monkeypatch.setattr(dependents, "parse", short_only)
    fix_text(text, UNSAFE)  # warm: rules and parser loaded
    read.clear()
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        result = fix_text(text, UNSAFE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.enable()
    (found,) = [d for d in result.remaining if d.code == "DSQL105"]
    assert found.fix_note is not None and "writes `'($1.50)'` into v" in found.fix_note
    assert 0 < len(read) < chunks / 2, (len(read), chunks)
    assert peak < 100 * len(text), (peak, len(text))


def _long(text: str) -> tuple[rows.LongValues, object, object]:
    """The INSERT of `text` as rows.chunks reads it."""
    from dsql_lint.syntax.parse import _PARSER, _TOKENIZER
    from dsql_lint.syntax.source import Source
    from dsql_lint.syntax.split import split

    statement = split(Source("t.sql", text))[1]
    long = rows.long_values(statement, _TOKENIZER)
    assert long is not None
    return long, _TOKENIZER, _PARSER
