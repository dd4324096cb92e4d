"""Reading inputs: positions and byte offsets of findings."""

from __future__ import annotations

import pytest

from dsql_lint.syntax.source import Source

TEXT = "-- héllo\nCREATE TABLE wörld (x text); -- ☃\n\nSELECT '€';\n"


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_byte_offsets_count_utf8_bytes_and_the_bom(bom: bool) -> None:
    source = Source("x.sql", TEXT, bom)
    prefix = 3 if bom else 0
    for offset in range(len(TEXT) + 1):
        assert source.byte_offset(offset) == prefix + len(TEXT[:offset].encode())


def test_positions_are_lines_and_character_columns() -> None:
    source = Source("x.sql", TEXT)
    assert source.position(0) == (1, 1)
    assert source.position(TEXT.index("wörld")) == (2, 14)
    assert source.position(TEXT.index("'€'") + 1) == (4, 9)
