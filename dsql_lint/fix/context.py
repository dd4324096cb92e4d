"""What a fix action sees: the linted file, its statements as tokens, the user's choices,
and the places where new statements go."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.fix.edits import Edit, delete, insert
from dsql_lint.report.model import FileReport
from dsql_lint.syntax.parse import Parsed
from dsql_lint.syntax.split import Statement
from dsql_lint.syntax.tokens import ParseTokens, Tokens

T = TypeVar("T")

_REST_OF_LINE = re.compile(r"[ \t]*(?:--[^\n]*)?(?=\r?\n|$)")
_LINE_TAIL = re.compile(r"[ \t]*(?:\r?\n|$)")
_BLANK = re.compile(r"[ \t]*")
_TOKENS_KEPT = 64  # statements whose tokens a pass keeps


def whole_tokens(statement: Statement, parsed: Parsed | None) -> Tokens:
    """The statement's tokens, cut from those its parse read rather than tokenized again."""
    if parsed is None or parsed.statement is not statement or parsed.rows is not None:
        return Tokens(statement)  # (a long INSERT's shape holds its last rows only)
    return ParseTokens(statement, parsed.tokens).whole()


class FixContext:
    def __init__(
        self,
        report: FileReport,
        choices: Mapping[str, str],
        followed: Mapping[tuple[str, int], list[Edit]] | None = None,
    ) -> None:
        self.report = report
        # (code, start) of a type change's finding -> the edits carrying the statements after
        # it to the new type, from the fix decision (FixJudge.settle).
        self.followed = followed or {}
        self.text = report.source.text
        self.choices = choices
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        self._tokens: dict[int, Tokens] = {}
        self._memo: dict[str, Any] = {}

    def memo(self, name: str, compute: Callable[[], T]) -> T:
        """What fixers derive from the whole file, computed once per pass."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]  # type: ignore[no-any-return]

    @property
    def statements(self) -> list[Statement]:
        return self.report.statements

    def parsed(self, index: int) -> Parsed:
        return self.report.parsed[index]

    def statement_of(self, diag: Diagnostic) -> Statement:
        return self.report.statements[diag.statement]

    def tokens(self, index: int) -> Tokens:
        found = self._tokens.get(index)
        if found is None:
            # Findings come in order: the last statements' tokens are the ones asked again.
            # Keeping every statement's held a second copy of a large file for the pass.
            if len(self._tokens) >= _TOKENS_KEPT:
                del self._tokens[next(iter(self._tokens))]
            parsed = self.report.parsed
            found = self._tokens[index] = whole_tokens(
                self.report.statements[index], parsed[index] if index < len(parsed) else None
            )
        return found

    def line_of(self, offset: int) -> int:
        return self.report.source.position(offset)[0]

    def indent(self, offset: int) -> str:
        """The whitespace before `offset` on its line, if only whitespace precedes it."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        before = self.text[line_start:offset]
        return before if not before.strip() else ""

    def after_statement(self, statement: Statement, text: str) -> Edit:
        """Insert the statement(s) `text` after `statement`: on the next line when the rest of its
        line is blank or a line comment (which stays where it is), else after it on the line."""
        tail = _REST_OF_LINE.match(self.text, statement.end)
        if tail is None:
            return insert(statement.end, " " + text)
        return insert(tail.end(), self.newline + self.indent(statement.start) + text)

    def delete_statement(self, statement: Statement) -> Edit:
        """Delete `statement`; with its whole line when nothing else is on it."""
        start, end = statement.start, statement.end
        line_start = self.text.rfind("\n", 0, start) + 1
        tail = _LINE_TAIL.match(self.text, end)
        if not self.text[line_start:start].strip() and tail is not None:
            return delete(line_start, tail.end())
        return delete(start, _BLANK.match(self.text, end).end())
