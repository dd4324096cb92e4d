"""`fix` reads a long INSERT ... VALUES a chunk of rows at a time, as `check` does
(`syntax/rows.py`), unless a finding in its rows has a fix, and then parses it whole: the
fixed text is the one the whole parse gives, and memory follows a chunk's tree where nothing
in the rows is fixed (a 5 MB one-line INSERT took 1.2 GB parsed whole)."""

from __future__ import annotations

import gc
import tracemalloc

import pytest
from fixkit import Case, fix_text

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
