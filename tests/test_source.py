"""Reading inputs: positions and byte offsets of findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsql_lint.errors import InputError
from dsql_lint.syntax.source import Source, decode, expand_paths, read_source

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


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_a_file_with_a_byte_order_mark_is_decoded_and_written_back_alike(encoding: str) -> None:
    data = ("\ufeff" + TEXT).encode(encoding)
    source = decode("x.sql", data)
    assert (source.text, source.bom, source.encoding) == (TEXT, True, encoding)
    assert source.encode() == data
    assert source.byte_offset(len(TEXT)) == len(data)


def test_invalid_bytes_are_a_problem_at_their_line_and_an_error_where_strict(
    tmp_path: Path,
) -> None:
    data = b"SELECT 1;\r\nSELECT '\xff';\n"
    source = decode("x.sql", data)
    assert source.problem is not None
    assert source.problem.message == "not valid UTF-8 (byte 19)"
    assert source.position(source.problem.offset) == (2, 9)
    assert source.encode() == data  # written back untouched
    path = tmp_path / "x.sql"
    path.write_bytes(data)
    assert read_source(str(path), strict=False).problem == source.problem
    with pytest.raises(InputError, match="not valid UTF-8") as caught:
        read_source(str(path))  # apply's reading: it cannot run such a file
    assert str(caught.value) == f"{path}:2: not valid UTF-8 (byte 19)"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_byte_order_mark_are_decoded(encoding: str) -> None:
    data = TEXT.encode(encoding)
    source = decode("x.sql", data)
    assert (source.text, source.bom, source.encoding, source.problem) == (
        TEXT,
        False,
        encoding,
        None,
    )
    assert source.encode() == data
    assert source.byte_offset(TEXT.index("wörld")) == len(
        TEXT[: TEXT.index("wörld")].encode(encoding)
    )


MOSTLY_NOT_ASCII = [
    "-- Таблица пользователей: имя, фамилия и адрес электронной почты\nCREATE TABLE т (и uuid);\n",
    "-- 用户表：保存用户的姓名、电子邮件地址和创建时间\nCREATE TABLE 用户 (编号 uuid);\n",
    "用户表一二三四\n",  # one ASCII character in it
]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("text", MOSTLY_NOT_ASCII, ids=["cyrillic", "cjk", "one-ascii"])
def test_utf16_and_utf32_without_a_byte_order_mark_mostly_not_ascii_are_decoded(
    encoding: str, text: str
) -> None:
    """Fewer than half its characters are ASCII, so not told by the NULs of ASCII alone: by
    the one reading that holds ASCII (the other byte order reads it as other characters)."""
    data = text.encode(encoding)
    source = decode("x.sql", data)
    assert (source.text, source.encoding, source.problem) == (text, encoding, None)
    assert source.encode() == data


def test_nul_bytes_two_wide_encodings_read_alike_are_named() -> None:
    """`A` in either byte order among characters both read the same: neither reading is
    clearly the file's, so it is not decoded, and the message names both."""
    source = decode("x.sql", b"\x41\x00\x00\x41" + b"\x4e\x4e" * 4)
    assert source.problem is not None
    assert source.problem.message == (
        "a NUL byte (byte 1): not SQL text; its NUL bytes say UTF-16-LE or UTF-16-BE without a "
        "byte-order mark: save it as UTF-8"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Little-endian integers look like UTF-16 but decode to control characters.
        (b"\x01\x00\x02\x00\x03\x00" * 20, "U+0001, a character no text holds (byte 0)"),
        (b"SELECT 1;\n\x00\x00", "a NUL byte (byte 10)"),
        # UTF-8 SQL with a stray NUL and control byte: that NUL, not a wide encoding.
        (b"CREATE TABLE a (id int);\n\x00\x01garbage", "a NUL byte (byte 25): not SQL text"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\xb7\x00", "not valid UTF-8 (byte 10)"),
        # Binary data behind a byte-order mark decodes, to what no text holds.
        (b"\xff\xfe" + "SELECT 1;".encode("utf-16-le") + b"\x00\xe0", "U+E000, a character"),
        (b"\xfe\xff\x00\x1b\x4e\x2d", "U+001B, a character no text holds (byte 2)"),
        (b"\xff\xfe\x9c\x4f\x37\x13\xa1\x8c", "read as UTF-16-LE, no character of it is ASCII"),
        (b"SELECT 1;\xc2\x85", "U+0085, a character no text holds (byte 9)"),  # a C1 control
        # UTF-16 without a byte-order mark (its NULs tell it) cut short, or with a lone
        # surrogate: the UTF-16 that does not decode, not UTF-8.
        ("SELECT 1;\n".encode("utf-16-le") + b"S", "not valid UTF-16-LE (byte 20)"),
        ("SELECT 1;".encode("utf-16-be") + b"\xd8\x00", "not valid UTF-16-BE (byte 18)"),
    ],
    ids=[
        "int16",
        "nul",
        "stray-nul",
        "elf",
        "bom-private-use",
        "bom-control",
        "bom-no-ascii",
        "c1",
        "utf16-cut",
        "utf16-surrogate",
    ],  # fmt: skip
)
def test_binary_bytes_are_never_text(data: bytes, message: str) -> None:
    source = decode("x.bin", data)
    assert source.problem is not None
    assert source.problem.message.startswith(message)
    assert "\x00" not in source.text and "\x01" not in source.text  # safe to show
    assert "\x1b" not in source.text


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_lines_end_at_lf_crlf_or_a_lone_cr(newline: str) -> None:
    text = newline.join(["SELECT 1;", "", "CREATE TABLE t (id serial);", ""])
    source = Source("x.sql", text)
    assert source.position(text.index("serial")) == (3, 20)
    assert source.line_text(3) == "CREATE TABLE t (id serial);"
    assert source.line_count == 4


def test_folders_are_read_in_version_order_across_sub_folders(tmp_path: Path) -> None:
    for name in ("a/V2__x.sql", "a/V10__x.sql", "b/V1__x.sql", "b/V3__x.sql", "c/seed.sql"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;\n")
    found = [p.split(str(tmp_path) + "/")[1] for p in expand_paths([str(tmp_path)])]
    assert found == ["b/V1__x.sql", "a/V2__x.sql", "b/V3__x.sql", "a/V10__x.sql", "c/seed.sql"]


def test_a_drizzle_folder_is_read_as_its_journal_lists_it(tmp_path: Path) -> None:
    """Only the files the journal lists, in its order; other folders keep migration order."""
    drizzle = tmp_path / "drizzle"
    (drizzle / "meta").mkdir(parents=True)
    for name in ("0000_a.sql", "0001_b.sql", "0002_orphan.sql"):
        (drizzle / name).write_text("SELECT 1;\n")
    entries = [{"idx": 0, "tag": "0001_b"}, {"idx": 1, "tag": "0000_a"}]
    (drizzle / "meta" / "_journal.json").write_text(json.dumps({"entries": entries}))
    found = [Path(p).name for p in expand_paths([str(tmp_path)])]
    assert found == ["0001_b.sql", "0000_a.sql"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_text_of_any_script_with_sql_in_it_is_text(encoding: str) -> None:
    text = "-- 注釈\fSELECT '日本語', 'é'\t;\r\n"
    source = decode("x.sql", text.encode(encoding))
    assert (source.problem, source.text) == (None, text)
