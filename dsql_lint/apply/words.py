"""A statement as words: sqlglot's tokens with identifier case folding and exact offsets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # as written, without quotes
    quoted: bool
    start: int  # offsets in the statement text, end exclusive
    end: int

    @property
    def keyword(self) -> str:
        """Upper-cased for matching keywords; a quoted identifier is never a keyword."""
        return "" if self.quoted else self.text.upper()

    @property
    def ident(self) -> str:
        """The identifier PostgreSQL sees: unquoted names fold to lower case."""
        return self.text if self.quoted else self.text.lower()


def words(sql: str) -> list[Word]:
    from sqlglot.tokens import TokenType

    try:
        tokens = _tokenizer().tokenize(sql)
    except Exception:  # sqlglot.errors.TokenError on unterminated strings and the like
        return []
    return [
        Word(
            text=token.text,
            # Quoted identifiers and string literals never match a keyword.
            quoted=token.token_type in (TokenType.IDENTIFIER, TokenType.STRING),
            start=token.start,
            end=token.end + 1,
        )
        for token in tokens
        if token.token_type is not TokenType.SEMICOLON
    ]


class Cursor:
    """Reading words left to right with optional keywords, as the grammar is written."""

    def __init__(self, items: list[Word]) -> None:
        self.items = items
        self.pos = 0

    def peek(self, *keywords: str) -> bool:
        ahead = self.items[self.pos : self.pos + len(keywords)]
        return len(ahead) == len(keywords) and all(
            w.keyword == k for w, k in zip(ahead, keywords, strict=True)
        )

    def accept(self, *keywords: str) -> bool:
        if self.peek(*keywords):
            self.pos += len(keywords)
            return True
        return False

    def accept_any(self, *keywords: str) -> str | None:
        for keyword in keywords:
            if self.accept(keyword):
                return keyword
        return None

    def word(self) -> Word | None:
        if self.pos >= len(self.items):
            return None
        self.pos += 1
        return self.items[self.pos - 1]

    def name(self) -> tuple[str | None, str] | None:
        """`name` or `schema.name` (schema None when unqualified)."""
        first = self.word()
        if first is None or first.text in "(),;":
            return None
        if self.accept("."):
            second = self.word()
            if second is None:
                return None
            return first.ident, second.ident
        return None, first.ident

    def rest_has_top_level_comma(self) -> bool:
        depth = 0
        for w in self.items[self.pos :]:
            if w.text == "(" and not w.quoted:
                depth += 1
            elif w.text == ")" and not w.quoted:
                depth -= 1
            elif w.text == "," and not w.quoted and depth == 0:
                return True
        return False


_TOKENIZER: list[object] = []


def _tokenizer():  # noqa: ANN202 - sqlglot's Tokenizer, imported lazily
    """Postgres tokens, except that CALL, SHOW... keep their words instead of one string."""
    if not _TOKENIZER:
        from sqlglot.dialects.postgres import Postgres

        class AllWords(Postgres.Tokenizer):
            COMMANDS: set = set()

        _TOKENIZER.append(AllWords(dialect=Postgres))
    return _TOKENIZER[0]
