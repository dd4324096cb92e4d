"""Files read as psql runs them: with the variables given from outside (`-v NAME=VALUE`, the
configuration's `psql-variables:`) put in where their SQL reads them (syntax/psql_variables.py),
positions still the file's, and with the files they include (`\\ir`) after them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dsql_lint.orm.mapped import Builder, Literal, MappedSource
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.formats import statements
from dsql_lint.syntax.includes import roots_of, with_included
from dsql_lint.syntax.psql_variables import substitutions
from dsql_lint.syntax.source import Source, read_source

PSQL = "psql"


def as_psql_runs(
    sources: Iterable[Source], options: LintOptions, paths: Iterable[str]
) -> list[Source]:
    """`sources` with the psql variables given put in, each followed by the files it includes
    (`\\i`, `\\ir`) as `apply` inlines them: what apply runs is what check reads. `paths`:
    the paths given, whose folders an include may name (unless the options say which)."""
    values = options.psql_variables
    roots = list(options.include_roots or roots_of(paths))
    return with_included(
        [substituted(source, values) for source in sources],
        roots,
        lambda path: substituted(read_source(path, strict=False), values),
        values,
    )


def substituted(source: Source, values: Mapping[str, str]) -> Source:
    """`source` with the values of `values` put in, as a MappedSource: a finding in a value is
    at the variable's read, and has no fix (`fix` edits the file as written). `source` itself
    when it reads none of them."""
    if not values or ":" not in source.text or isinstance(source, MappedSource):
        return source
    done = substitutions(statements(source), values)
    if not done:
        return source
    text = source.text
    builder = Builder(PSQL)
    # The file's own text is one "literal" that fix writes into as it is; values are not.
    builder.literals.append(Literal(0, len(text), "sql", ""))
    at = 0
    for read, value in done:
        builder.keep(text[at : read.start], at, 0)
        builder.add(value, read.start, read.end)
        at = read.end
    builder.keep(text[at:], at, 0)
    return builder.source(source, PSQL)
