"""Failures of a run (exit code 1), as opposed to usage errors (`UserError`, exit 2)."""

from __future__ import annotations


class ApplyError(Exception):
    """The migration run stopped; the ledger says how far it got."""


class ConnectionLost(ApplyError):
    """The connection dropped; what was in flight is reconciled on the next run."""
