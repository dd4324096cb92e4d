"""Parses reused from one lint of a text to the next: `fix` lints a file again after each
pass, where most statements did not change."""

from __future__ import annotations

from dsql_lint.syntax.parse import Parsed, moved, parse
from dsql_lint.syntax.split import Kind, Statement


class ParseCache:
    """The parses of the last lint, by statement kind and text, offered to the next."""

    def __init__(self) -> None:
        self._earlier: dict[tuple[Kind, str], list[Parsed]] = {}
        self._later: dict[tuple[Kind, str], list[Parsed]] = {}

    def next_lint(self) -> None:
        """Parses kept from here on are offered to the lint after this one, and only to it."""
        self._earlier, self._later = self._later, {}

    def parse(self, statement: Statement) -> Parsed:
        """The statement parsed, or the parse of the same text in the lint before (its tokens
        and positions are relative to the statement: only the statement, with its offsets, is
        new; so are the spans it computed, in token indices)."""
        key = (statement.kind, statement.body)
        pool = self._earlier.get(key)
        found = moved(pool.pop(), statement) if pool else parse(statement)
        if found.tree is not None and found.error is None:
            self._later.setdefault(key, []).append(found)
        return found
