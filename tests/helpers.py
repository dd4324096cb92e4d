"""Small helpers shared by tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.parse import Parsed, parse
from dsql_lint.syntax.source import Source, decode, read_source
from dsql_lint.syntax.split import split

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def lint_text(
    text: str | bytes,
    target: dt.date | None = None,
    assume_in_transaction: bool = False,
    path: str = "test.sql",
    **options: object,
) -> list[Diagnostic]:
    """The findings on `text`; bytes are decoded as a file's are."""
    opts = LintOptions(target=target, assume_in_transaction=assume_in_transaction, **options)
    source = decode(path, text) if isinstance(text, bytes) else Source(path, text)
    return lint_sources([source], opts).diagnostics


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def parsed_statements(paths: Iterable[Path]) -> Iterator[tuple[Path, Parsed]]:
    """Each statement of these files that parses, parsed, with its file."""
    for path in paths:
        source = read_source(str(path), strict=False)
        for statement in [] if source.problem else split(source):
            parsed = parse(statement)
            if parsed.tree is not None:
                yield path, parsed
