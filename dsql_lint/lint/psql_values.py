"""A file read as psql runs it with the variables given from outside (`-v NAME=VALUE`, the
configuration's `psql-variables:`): the values put in where its SQL reads them
(syntax/psql_variables.py), positions still the file's."""

from __future__ import annotations

from collections.abc import Mapping

from dsql_lint.orm.mapped import Builder, Literal, MappedSource
from dsql_lint.syntax.formats import statements
from dsql_lint.syntax.psql_variables import substitutions
from dsql_lint.syntax.source import Source

PSQL = "psql"


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
