"""Errors a user can act on: they end the run with one line and exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or usage: printed as one line, exit code 2, no traceback."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line is not None:
            where = f"{self.path}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class InputError(UserError):
    """A file that cannot be read or decoded."""


class RuleError(UserError):
    """A malformed rule or configuration file."""
