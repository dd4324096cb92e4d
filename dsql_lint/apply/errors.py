"""Failures of a run (exit code 1), as opposed to usage errors (`UserError`, exit 2)."""

from __future__ import annotations

from typing import Any


class ApplyError(Exception):
    """The migration run stopped; the ledger says how far it got."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.fields = fields  # extra fields of the JSON `error` event (line, sqlstate, ...)


class ConnectionLost(ApplyError):
    """The connection dropped; what was in flight is reconciled on the next run."""


class CannotConnect(ApplyError):
    """A connection could not be opened (refused, unreachable, TLS, login)."""
