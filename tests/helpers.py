"""Small helpers shared by tests."""

from __future__ import annotations

import datetime as dt

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.lint import lint_sources
from dsql_lint.settings import LintOptions
from dsql_lint.source import Source


def lint_text(
    text: str,
    target: dt.date | None = None,
    assume_in_transaction: bool = False,
    path: str = "test.sql",
    **options: object,
) -> list[Diagnostic]:
    opts = LintOptions(target=target, assume_in_transaction=assume_in_transaction, **options)
    return lint_sources([Source(path, text)], opts).diagnostics


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]
