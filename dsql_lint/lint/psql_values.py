"""Files read as psql runs them: with the variables given from outside (`-v NAME=VALUE`, the
configuration's `psql-variables:`) put in where their SQL reads them (syntax/psql_variables.py),
positions still the file's, and with the files they include (`\\ir`) after them. A Flyway
migration is read as Flyway sends it: with the placeholders whose value its configuration
gives (syntax/flyway_config.py) put in, the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from dsql_lint.orm.mapped import Builder, Literal, MappedSource
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.flyway_config import BUILT_IN, placeholders
from dsql_lint.syntax.formats import FLYWAY, PLACEHOLDER, framework_of, statements
from dsql_lint.syntax.includes import roots_of, with_included
from dsql_lint.syntax.psql_variables import substitutions
from dsql_lint.syntax.source import Source, read_source, real

PSQL = "psql"
# The frameworks whose MappedSource is a SQL file with values put in (not ORM code): fix
# edits the file's own text and never a value.
SUBSTITUTED = (PSQL, FLYWAY)


class PutIn(NamedTuple):
    """What a framework puts in, as a finding's note names it: the value, where it is given,
    and what the file reads there."""

    value: str
    given: str
    read: str


VALUE_OF = {
    PSQL: PutIn("a psql variable's value", " (-v)", "variable"),
    FLYWAY: PutIn("a Flyway placeholder's value", "", "placeholder"),
}


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
    """`source` with the values of `values` put in (a Flyway migration's: its placeholders'),
    as a MappedSource: a finding in a value is at the variable's read, and has no fix (`fix`
    edits the file as written). `source` itself when it reads none of them."""
    if isinstance(source, MappedSource):
        return source
    placed = _placeholder_values(source)
    if placed:
        return _put_in(source, placed, FLYWAY)
    if not values or ":" not in source.text:
        return source
    done = substitutions(statements(source), values)
    return _put_in(source, [(r.start, r.end, v) for r, v in done], PSQL) if done else source


def _placeholder_values(source: Source) -> list[tuple[int, int, str]]:
    """(start, end, value) of each `${name}` of a Flyway migration that Flyway fills in with a
    value known before it runs: one its configuration gives, the default schema, the file's
    name. The others (no value: DSQL014; the target's user) stay, read as names."""
    if "${" not in source.text or framework_of(source) != FLYWAY:
        return []
    config = placeholders(real(source.path).parent)
    if config is None or not config.replace:  # a malformed flyway.toml: apply says where
        return []
    own = {
        f"{BUILT_IN}defaultSchema": config.default_schema,
        f"{BUILT_IN}filename": Path(source.path).name,
    }
    found = []
    for match in PLACEHOLDER.finditer(source.text):
        value = config.values.get(match.group(1), own.get(match.group(1)))
        if value is not None:
            found.append((match.start(), match.end(), value))
    return found


def _put_in(source: Source, done: list[tuple[int, int, str]], framework: str) -> Source:
    text = source.text
    builder = Builder(PSQL)
    # The file's own text is one "literal" that fix writes into as it is; values are not.
    builder.literals.append(Literal(0, len(text), "sql", ""))
    at = 0
    for start, end, value in done:
        builder.keep(text[at:start], at, 0)
        # A finding in a placeholder's value is shown on the whole placeholder (psql's reads
        # keep their mapping character by character, as before).
        builder.add(value, start, end, whole=framework == FLYWAY)
        at = end
    builder.keep(text[at:], at, 0)
    return builder.source(source, framework)
