"""Writing inserted SQL in the style of the statement it goes into."""

from __future__ import annotations

import re

_QUOTED = re.compile(r"('[^']*'|\"[^\"]*\")")


def cased(text: str, like: str) -> str:
    """`text` in lower case when the statement's own keywords are (`like`: its first keyword);
    quoted strings and identifiers are left alone."""
    if not like or not like.islower():
        return text
    parts = _QUOTED.split(text)
    return "".join(p if i % 2 else p.lower() for i, p in enumerate(parts))


def like_replaced(text: str, replaced: str, statement: str) -> str:
    """The case to write `text` in: a bare word (a type) like the word it replaces, as pg_dump
    writes lower-case types under upper-case keywords; a phrase like the statement."""
    return replaced if " " not in text.strip() else statement
