"""PostgreSQL's Unicode escapes read as the name or string they denote:

    U&"d\\0061t\\+000061"          the identifier `data` (`\\XXXX`, `\\+XXXXXX`, `\\\\`)
    U&'d!0061t' UESCAPE '!'       the string 'dat', with `!` as the escape character

sqlglot's tokenizer reads `u&"..."` as three tokens (a name, `&`, a quoted name) and `U&'...'`
as a UNICODE_STRING whose escapes stay written. Each form becomes one IDENTIFIER or STRING
token spanning the whole form, UESCAPE clause included, so that positions hold.
"""

from __future__ import annotations

import re

from sqlglot.tokens import Token, TokenType

_QUOTED = frozenset({TokenType.IDENTIFIER, TokenType.UNICODE_STRING})
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_HEX6 = re.compile(r"[0-9A-Fa-f]{6}")


def may_have(sql: str) -> bool:
    """A cheap test (C-speed) for text `read` may change."""
    return "&" in sql


def read(tokens: list[Token]) -> list[Token]:
    """`tokens` with each Unicode-escaped name or string made one plain token; a form whose
    escapes PostgreSQL would refuse is left as it was (the grammar check reports it)."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        found = _form(tokens, i)
        if found is None:
            out.append(token)
            i += 1
            continue
        stop, quoted, token_type, escape = found
        text = decode(quoted.text, escape)
        if text is None:
            out.extend(tokens[i:stop])
        else:
            last = tokens[stop - 1]
            comments = [c for t in tokens[i:stop] for c in t.comments]
            out.append(
                Token(token_type, text, last.line, last.col, token.start, last.end, comments)
            )
        i = stop
    return out


def _form(tokens: list[Token], i: int) -> tuple[int, Token, TokenType, str] | None:
    """(the index after the form, its quoted token, the token type it reads as, its escape
    character) for a form starting at `i`, else None."""
    token = tokens[i]
    if token.token_type is TokenType.UNICODE_STRING:
        stop, quoted, token_type = i + 1, token, TokenType.STRING
    elif (
        token.token_type is TokenType.VAR
        and token.text in ("u", "U")
        and i + 2 < len(tokens)
        and tokens[i + 1].token_type is TokenType.AMP
        and tokens[i + 2].token_type is TokenType.IDENTIFIER
        and tokens[i + 1].start == token.end + 1
        and tokens[i + 2].start == tokens[i + 1].end + 1
    ):
        stop, quoted, token_type = i + 3, tokens[i + 2], TokenType.IDENTIFIER
    else:
        return None
    escape = "\\"
    uescape = tokens[stop] if stop + 1 < len(tokens) else None
    if (
        uescape is not None
        and uescape.token_type is not TokenType.IDENTIFIER
        and uescape.text.upper() == "UESCAPE"
        and tokens[stop + 1].token_type is TokenType.STRING
    ):
        escape = tokens[stop + 1].text
        if len(escape) != 1 or escape in "0123456789abcdefABCDEF+'\" \t\r\n":
            return None
        stop += 2
    return stop, quoted, token_type, escape


_WRITTEN = re.compile(
    r'[uU]&"((?:[^"]|"")*)"(?:\s*UESCAPE\s*\'(.)\')?\Z', re.IGNORECASE | re.DOTALL
)


def written_name(text: str) -> str | None:
    """The name a `U&"..." [UESCAPE 'c']` written as `text` spells; None for other text."""
    found = _WRITTEN.match(text)
    if found is None:
        return None
    return decode(found.group(1).replace('""', '"'), found.group(2) or "\\")


def decode(text: str, escape: str = "\\") -> str | None:
    """The characters `text` escapes as PostgreSQL reads them; None for an invalid escape."""
    out: list[str] = []
    high: int | None = None  # a UTF-16 high surrogate waiting for its low half
    i = 0
    while i < len(text):
        char = text[i]
        if char != escape:
            if high is not None:
                return None
            out.append(char)
            i += 1
            continue
        if text.startswith(escape, i + 1):
            if high is not None:
                return None
            out.append(escape)
            i += 2
            continue
        plus = text.startswith("+", i + 1)
        digits = (_HEX6 if plus else _HEX4).match(text, i + 2 if plus else i + 1)
        if digits is None:
            return None
        code = int(digits.group(), 16)
        i = digits.end()
        if high is not None:
            if not 0xDC00 <= code <= 0xDFFF:
                return None
            code, high = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00), None
        elif 0xD800 <= code <= 0xDBFF:
            high = code
            continue
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        out.append(chr(code))
    return None if high is not None else "".join(out)
