"""What one statement does for apply: its effects on the catalog, its async job, its
PostgreSQL form.

The effects are the schema model's (lint/schema.py), the ones the catalog rules read; the
crash-window protocol reads them back from the live catalog when a DDL was started but its
completion was never recorded (see docs/apply.md, "Crash window").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsql_lint.lint.schema import Effect, Key, effects_of
from dsql_lint.syntax.dialect import is_async
from dsql_lint.syntax.tokens import Tokens

if TYPE_CHECKING:
    from dsql_lint.syntax.parse import Parsed

Name = tuple[str | None, str]  # (schema or None for the search path, name)


@dataclass(frozen=True)
class AsyncJob:
    """A DSQL background job the statement starts; its row carries `job_id`."""

    kind: str  # "index" or "validate"
    table: Name
    name: str  # the index or constraint

    def describe(self) -> str:
        what = "index build" if self.kind == "index" else "constraint validation"
        return f"{what} {self.name} on {qualified(self.table)}"


@dataclass(frozen=True)
class Analysis:
    effects: tuple[Effect, ...] = ()  # the schema model's (some read back: live_catalog.READS)
    job: AsyncJob | None = None
    waits_for_job: bool = False  # a `CALL sys.wait_for_job(...)` written in the migration
    # Offsets in the statement's body of the ASYNC keyword PostgreSQL lacks.
    async_span: tuple[int, int] | None = None


def qualified(name: Name) -> str:
    schema, rel = name
    return f"{schema}.{rel}" if schema else rel


def quote_name(name: Name) -> str:
    """A name as regclass input text, each part double-quoted so case is kept."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name if part is not None)


def written(key: Key, effect: Effect) -> Name:
    """`key` as the statement named it: without a schema when it wrote none, so the live
    database resolves it through its search path as the statement did."""
    return (None if effect.unqualified else key[0], key[1])


def analyze(parsed: Parsed) -> Analysis:
    tokens = Tokens(parsed.statement)
    if tokens.match(0, "CALL"):
        words = ("SYS", ".", "WAIT_FOR_JOB")
        waits = len(tokens) > len(words) and all(
            token.is_word(word) for token, word in zip(tokens[1:], words, strict=False)
        )
        return Analysis(waits_for_job=waits)
    effects = tuple(effects_of(parsed.tree))
    span = _async_span(tokens) if is_async(parsed.tree) else None
    return Analysis(effects=effects, job=_job(effects) if span else None, async_span=span)


def postgres_form(sql: str, analysis: Analysis) -> str | None:
    """The statement as plain PostgreSQL runs it; None when it has nothing to do there."""
    if analysis.waits_for_job:
        return None  # PostgreSQL builds indexes synchronously: there is no job to wait for
    if analysis.async_span is None:
        return sql
    start, end = analysis.async_span
    return sql[:start] + sql[end:].lstrip(" ")


def _async_span(tokens: Tokens) -> tuple[int, int] | None:
    """Where ASYNC sits: CREATE [UNIQUE] INDEX ASYNC, ALTER TABLE ASYNC."""
    i = tokens.match(0, "CREATE")
    if i:
        i += tokens.match(i, "UNIQUE")
        head = tokens.match(i, "INDEX")
    else:
        i = tokens.match(0, "ALTER")
        head = tokens.match(i, "TABLE") if i else 0
    i += head
    if not head or i >= len(tokens) or not tokens[i].is_word("ASYNC"):
        return None
    base = tokens.statement.start
    return tokens[i].start - base, tokens[i].end - base


def _job(effects: tuple[Effect, ...]) -> AsyncJob | None:
    for effect in effects:
        if effect.table is None or not effect.name:
            continue  # an unnamed index: no job to name (live_catalog.unnamed_index)
        if effect.op == "create_index":
            return AsyncJob("index", written(effect.table, effect), effect.name)
        if effect.op == "validate_constraint":
            return AsyncJob("validate", written(effect.table, effect), effect.name)
    return None
