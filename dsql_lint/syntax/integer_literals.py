"""PostgreSQL 16's non-decimal integers read as the numbers they are:

    0x1F, 0o17, 0b101, 0x_FFFF_FFFF    the integers 31, 15, 5 and 4294967295

sqlglot's tokenizer reads `0x1F` as the bit string x'1F' and `0b101` as b'101' (a value of
another type: `SELECT 0x1F + 1` would be an error, a bit string as a column's default another
default), and `0o17` as the number 0 and then a name (`SELECT 0o17` read as `SELECT 0 AS o17`).
Each becomes one NUMBER token spanning the form, its text the decimal value, as sqlglot
already writes `1_000` as 1000: every number rule reads it, and generation writes the same
value.
"""

from __future__ import annotations

import re

from sqlglot.tokens import Token, TokenType

_PREFIXED = re.compile(r"0[xXoObB]")
_BASES = {"x": 16, "o": 8, "b": 2}
_OCTAL = re.compile(r"[oO](?:_?[0-7])+")


def may_have(sql: str) -> bool:
    """A cheap test (C-speed) for text `read` may change."""
    return _PREFIXED.search(sql) is not None


def read(tokens: list[Token], sql: str) -> list[Token]:
    """`tokens` (of `sql`) with each prefixed integer made one NUMBER token of its value."""
    out: list[Token] = []
    for token in tokens:
        kind = token.token_type
        if kind in (TokenType.HEX_STRING, TokenType.BIT_STRING) and sql[token.start] == "0":
            written = sql[token.start : token.end + 1]  # `0x1F`; x'1F' starts with its letter
            out.append(_number(token, token, written))
            continue
        before = out[-1] if out else None
        if (
            kind is TokenType.VAR
            and before is not None
            and before.token_type is TokenType.NUMBER
            and before.text == "0"
            and before.end + 1 == token.start
            and _OCTAL.fullmatch(token.text)
        ):
            out[-1] = _number(before, token, f"0{token.text}")
            continue
        out.append(token)
    return out


def _number(first: Token, last: Token, written: str) -> Token:
    value = int(written.replace("_", ""), _BASES[written[1].lower()])
    comments = [*first.comments, *last.comments] if first is not last else first.comments
    return Token(TokenType.NUMBER, str(value), last.line, last.col, first.start, last.end, comments)
