"""A statement as tokens with absolute offsets: what the fix actions find their places in.

Comments and whitespace are not tokens, so every edit made between tokens leaves them alone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from typing import Any, NamedTuple

from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from dsql_lint.syntax import integer_literals, unicode_escapes
from dsql_lint.syntax.split import Kind, Statement

OPEN = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET})
CLOSE = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET})


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    """The words of a token or phrase, upper case. The same few recur: cached, as matching
    phrases against every token of large files asks for them again and again."""
    return tuple(text.upper().split())


class Token(NamedTuple):
    # A named tuple, not a frozen dataclass: a large file has hundreds of thousands of tokens
    # per pass, and a tuple is made several times faster.
    type: TokenType
    start: int  # absolute character offsets into the source text, end exclusive
    end: int
    depth: int  # parentheses and brackets open before this token
    text: str  # as written

    @property
    def word(self) -> str:
        """Upper case, inner whitespace collapsed: `primary  key` -> `PRIMARY KEY`."""
        return " ".join(_words(self.text))

    @property
    def name(self) -> str:
        """The identifier this token spells: quotes removed, unquoted names lower-cased."""
        if self.type is TokenType.IDENTIFIER and self.text.startswith('"'):
            return self.text[1:-1].replace('""', '"')
        if self.type is TokenType.IDENTIFIER and self.text[:2] in ("u&", "U&"):
            return unicode_escapes.written_name(self.text) or self.text
        return self.text.lower()

    def is_word(self, *words: str) -> bool:
        return self.type is not TokenType.IDENTIFIER and self.word in words


@cache
def _tokenizer():  # type: ignore[no-untyped-def]
    from sqlglot.dialects.postgres import Postgres

    class WordTokenizer(Postgres.Tokenizer):  # type: ignore[misc,valid-type]
        # sqlglot keeps the rest of VACUUM, LOCK, SHOW... as one string; fixes need its words.
        COMMANDS: set = set()

        def tokenize(self, sql: str) -> list:  # type: ignore[type-arg]
            # The parser's tokenizer reads these forms as one token each: so do the fixes.
            tokens = super().tokenize(sql)
            if integer_literals.may_have(sql):
                tokens = integer_literals.read(tokens, sql)
            return unicode_escapes.read(tokens) if unicode_escapes.may_have(sql) else tokens

    return WordTokenizer()


class Tokens(Sequence[Token]):
    """The tokens of one statement (its terminating `;` excluded), or of the part of it from
    offset `start` to `end` (a finding's span)."""

    def __init__(
        self, statement: Statement, start: int | None = None, end: int | None = None
    ) -> None:
        self.statement = statement
        first = statement.start if start is None else start
        last = statement.end if end is None else end
        self.items: list[Token] = list(_tokenize(statement, first, last))
        self.is_whole = start is None and end is None
        self.origin: ParseTokens | None = None  # where a part was cut from
        # What syntax/locate.py found in these tokens, by what it was asked: a statement's
        # findings ask for the same layouts, one after another.
        self.found: dict[tuple[str, ...], Any] = {}

    def whole(self) -> Tokens:
        """The tokens of the whole statement."""
        if self.is_whole:
            return self
        return self.origin.whole() if self.origin is not None else Tokens(self.statement)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self.items[index]

    def __iter__(self) -> Iterator[Token]:
        return iter(self.items)

    @property
    def ok(self) -> bool:
        return bool(self.items)

    def match(self, i: int, phrase: str) -> int:
        """How many tokens from `i` spell `phrase` (`PRIMARY KEY` may be one token or two); 0
        when they do not."""
        words = _words(phrase)
        k, j = 0, i
        while k < len(words):
            if j >= len(self.items) or self.items[j].type is TokenType.IDENTIFIER:
                return 0
            spelled = _words(self.items[j].text)
            if spelled != words[k : k + len(spelled)]:
                return 0
            k, j = k + len(spelled), j + 1
        return j - i

    def find(
        self, *phrases: str, start: int = 0, stop: int | None = None, depth: int | None = None
    ) -> int | None:
        """Index of the first token starting one of `phrases` (at `depth`, if given)."""
        for i in range(start, len(self.items) if stop is None else stop):
            if depth is not None and self.items[i].depth != depth:
                continue
            if any(self.match(i, phrase) for phrase in phrases):
                return i
        return None

    def has(self, phrase: str) -> bool:
        return self.find(phrase) is not None

    def closing(self, i: int) -> int:
        """Index of the bracket closing the one at `i` (the last token if unbalanced)."""
        depth = self.items[i].depth
        for j in range(i + 1, len(self.items)):
            if self.items[j].type in CLOSE and self.items[j].depth == depth:
                return j
        return len(self.items) - 1

    def split(
        self, start: int, stop: int, separator: TokenType = TokenType.COMMA
    ) -> list[tuple[int, int]]:
        """[start, stop) cut at the separators at the depth of `start`: half-open index ranges."""
        if start >= stop:
            return []
        depth = self.items[start].depth
        parts: list[tuple[int, int]] = []
        first = start
        for i in range(start, stop):
            token = self.items[i]
            if token.type is separator and token.depth == depth:
                parts.append((first, i))
                first = i + 1
        parts.append((first, stop))
        return [(a, b) for a, b in parts if a < b]

    def qualified_name_end(self, i: int) -> int:
        """Just past the name starting at `i`: `a`, `s.a`, `"S"."a"`."""
        j = i + 1
        while j + 1 < len(self.items) and self.items[j].type is TokenType.DOT:
            j += 2
        return min(j, len(self.items))

    def text(self, start: int, stop: int) -> str:
        """Source text from token `start` to the end of token `stop - 1`, comments included."""
        if start >= stop:
            return ""
        return self.statement.source.text[self.items[start].start : self.items[stop - 1].end]


class ParseTokens:
    """A statement's tokens as its parse read them (sqlglot tokens, offsets relative to the
    statement), from which the Tokens of the statement and of its parts are made without
    tokenizing again, where the parser's tokenizer reads the statement as this module's does
    (else they are tokenized)."""

    def __init__(self, statement: Statement, raw: list[Any]) -> None:
        self.statement = statement
        same = statement.kind is Kind.SQL and _same_reading(raw) and not _psql_reads(statement)
        self.raw = raw if same else None
        self._starts: list[int] | None = None
        self._whole: Tokens | None = None

    def whole(self) -> Tokens:
        if self._whole is None:
            made = self._made(0, len(self.raw)) if self.raw is not None else None
            self._whole = made or Tokens(self.statement)
            self._whole.is_whole = True
        return self._whole

    def part(self, start: int, end: int) -> Tokens:
        """As `Tokens(statement, start, end)`: cut from the parse's tokens when the part starts
        and ends at tokens (its depths counted from its start, as a tokenization of the part
        counts them)."""
        found = self._cut(start - self.statement.start, end - self.statement.start)
        if found is None:
            found = Tokens(self.statement, start, end)
        found.origin = self
        return found

    def _cut(self, start: int, end: int) -> Tokens | None:
        raw = self.raw
        if raw is None or start >= end:
            return None
        if self._starts is None:
            self._starts = [t.start for t in raw]
        first = bisect_left(self._starts, start)
        stop = bisect_left(self._starts, end)
        if first >= stop or raw[first].start != start or raw[stop - 1].end + 1 != end:
            return None
        return self._made(first, stop)

    def _made(self, first: int, stop: int) -> Tokens:
        assert self.raw is not None
        found = Tokens.__new__(Tokens)
        found.statement = self.statement
        text, base = self.statement.source.text, self.statement.start
        found.items = list(_positioned(self.raw[first:stop], text, base))
        found.is_whole = False
        found.origin = None
        found.found = {}
        return found


@cache
def _read_otherwise() -> frozenset[TokenType]:
    """Where the parser's tokenizer (syntax/dialect.py) may read a statement otherwise than
    this one: it keeps the rest of a command as one string and PostgreSQL's geometric
    operators as one token (and CALL as a name: see _same_reading)."""
    from sqlglot.dialects.postgres import Postgres

    return frozenset(Postgres.Tokenizer.COMMANDS) | {TokenType.OPERATOR}


def _same_reading(raw: list[Any]) -> bool:
    types = {t.token_type for t in raw}
    if not types.isdisjoint(_read_otherwise()):
        return False
    if TokenType.L_BRACKET in types and any(
        t.token_type is TokenType.L_BRACKET
        and len(raw[k - 1].text) != raw[k - 1].end - raw[k - 1].start + 1
        for k, t in enumerate(raw)
        if k
    ):
        return False  # `_int4` read as `int4[]` (dialect.rewrite_internal_arrays): not its text
    return TokenType.VAR not in types or not any(
        t.token_type is TokenType.VAR and t.text.upper() == "CALL" for t in raw
    )


def _psql_reads(statement: Statement) -> bool:
    """Whether the statement may read a psql variable quoted (`:'var'`), which the parse
    read as one token (parse.py's _glue_psql_reads): not as this module reads it."""
    body = statement.body
    return ":'" in body or ':"' in body


def _positioned(raw: list[Any], text: str, base: int) -> Iterator[Token]:
    depth = 0
    for token in raw:
        if token.token_type is TokenType.SEMICOLON:
            continue
        if token.token_type in CLOSE:
            depth = max(depth - 1, 0)
        start, end = base + token.start, base + token.end + 1
        yield Token(token.token_type, start, end, depth, text[start:end])
        if token.token_type in OPEN:
            depth += 1


def _tokenize(statement: Statement, start: int, end: int) -> Iterator[Token]:
    if statement.kind is not Kind.SQL:
        return
    body = statement.source.text[start:end]
    try:
        raw = _tokenizer().tokenize(body)
    except TokenError:
        return  # a statement the tokenizer rejects is left alone
    yield from _positioned(raw, statement.source.text, start)
