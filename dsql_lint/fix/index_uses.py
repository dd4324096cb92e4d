"""The columns that a file's CREATE INDEX statements tie to their type: a key under an access
method other than btree (gist, gin...), a key with an explicit operator class, a column inside
an index expression or predicate. A fix that changes such a column's type breaks the index
(PostgreSQL: `data type text has no default operator class for access method "gist"`), so a
type-changing fix declines it."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlglot.tokens import TokenType

from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Statement
from dsql_lint.syntax.tokens import Token, Tokens

_CREATE_INDEX = re.compile(r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*", re.IGNORECASE)
# Words a plain key may carry that leave its type free.
_KEY_WORDS = {"ASC", "DESC", "NULLS", "FIRST", "LAST", "COLLATE"}


def bound_by_index(span: Tokens) -> str | None:
    """Why an index of the file ties the column whose type is `span` to that type, or None."""
    if not span.ok:
        return None
    tokens = Tokens(span.statement)
    at = next((i for i, t in enumerate(tokens) if t.start == span[0].start), 0)
    while at > 0 and tokens[at - 1].is_word("TYPE", "DATA", "SET"):
        at -= 1  # ALTER COLUMN c [SET DATA] TYPE t
    table = _table(tokens)
    if at == 0 or table is None:
        return None
    return _bound(span.statement.source.text).get((table, tokens[at - 1].name))


def _table(tokens: Tokens) -> str | None:
    """The table a CREATE TABLE or ALTER TABLE statement is about (its unqualified name)."""
    at = tokens.find("TABLE", depth=0)
    if at is None:
        return None
    at += 1
    for phrase in ("IF NOT EXISTS", "IF EXISTS", "ONLY"):
        at += tokens.match(at, phrase)
    end = tokens.qualified_name_end(at) if at < len(tokens) else at
    return tokens[end - 1].name if at < end <= len(tokens) else None


@lru_cache(maxsize=8)
def _bound(text: str) -> dict[tuple[str, str], str]:
    source = Source("index-uses", text)
    found: dict[tuple[str, str], str] = {}
    for match in _CREATE_INDEX.finditer(text):
        statement = Statement(source, -1, match.start(), match.end(), 1, 1)
        for column, why in _index_uses(Tokens(statement)):
            found.setdefault(column, why)
    return found


def _index_uses(tokens: Tokens) -> list[tuple[tuple[str, str], str]]:
    on = tokens.find("ON", depth=0)
    if on is None:
        return []
    at = on + 1
    if at < len(tokens) and tokens[at].is_word("ONLY"):
        at += 1
    end = tokens.qualified_name_end(at)
    if end >= len(tokens):
        return []
    table = tokens[end - 1].name
    method = None
    if tokens[end].is_word("USING") and end + 1 < len(tokens):
        method, end = tokens[end + 1].name, end + 2
    if end >= len(tokens) or tokens[end].type is not TokenType.L_PAREN:
        return []
    close = tokens.closing(end)
    uses = []
    for start, stop in tokens.split(end + 1, close):
        names = [t for t in tokens.items[start:stop] if _is_name(t)]
        plain = tokens[start].type is not TokenType.L_PAREN and (
            stop == start + 1 or tokens[start + 1].type is not TokenType.L_PAREN
        )
        if not plain:
            why = "an index expression uses it"
            uses += [((table, t.name), why) for t in names]
            continue
        rest = [t for t in tokens.items[start + 1 : stop] if t.depth == tokens[start].depth]
        opclass = next((t for t in rest if not t.is_word(*_KEY_WORDS)), None)
        if rest and opclass is not None and not rest[0].is_word("COLLATE"):
            uses.append(((table, tokens[start].name), f"index operator class {opclass.text}"))
        elif method is not None and method != "btree":
            uses.append(((table, tokens[start].name), f"an index USING {method}"))
    where = tokens.find("WHERE", start=close, depth=0)
    if where is not None:
        why = "an index predicate uses it"
        uses += [((table, t.name), why) for t in tokens.items[where:] if _is_name(t)]
    return uses


def _is_name(token: Token) -> bool:
    return token.type in (TokenType.VAR, TokenType.IDENTIFIER)
