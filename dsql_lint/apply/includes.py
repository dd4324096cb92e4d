"""psql meta-commands in migrations: `\\i` and `\\ir` are inlined (the included file's
statements run as part of the including migration); those whose effect apply does not
reproduce (`\\if`, `\\connect`, `\\gset`, unknown ones: syntax/meta_commands.py) refuse the
plan before anything runs. Those that change nothing the server receives (`\\echo`,
`\\pset`...) are recorded as skipped by the executor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dsql_lint.errors import UserError
from dsql_lint.syntax.formats import statements as migration_statements
from dsql_lint.syntax.includes import include_of, meta_command, shown
from dsql_lint.syntax.meta_commands import refusals
from dsql_lint.syntax.psql_variables import NO_VALUE, substitute, substitutions, unset
from dsql_lint.syntax.source import Source, read_source
from dsql_lint.syntax.split import Kind, Statement


@dataclass
class Expanded:
    statements: list[Statement] = field(default_factory=list)
    included: list[Source] = field(default_factory=list)
    # The file's text as it runs: with the psql variables given put in (else the file).
    source: Source | None = None


def expand(
    source: Source,
    roots: list[Path],
    values: Mapping[str, str] | None = None,
    required: bool = True,
) -> Expanded:
    """The statements of `source` with `\\i`/`\\ir` replaced by the included files' statements,
    and the psql variables of `values` put in where they are read, as psql does; a read of
    another variable is refused where `required` (apply, which sends the statements), and left
    as written for the commands that only compare the files with the ledger (and where
    `values` is None). Included files must lie under one of `roots` (the migration folders)."""
    out = Expanded()
    out.source = _expand(source, roots, [Path(source.path).resolve()], out, values, required)
    return out


def _expand(
    source: Source,
    roots: list[Path],
    stack: list[Path],
    out: Expanded,
    values: Mapping[str, str] | None,
    required: bool,
) -> Source:
    statements = migration_statements(source)
    refused = next(refusals(statements), None)
    if refused is not None:
        where = (source.path, refused.statement.line)
        raise UserError(f"{refused.written} refused: it {refused.why}", *where)
    read = None if values is None or not required else next(iter(unset(statements, values)), None)
    if read is not None:
        line = source.position(read.start)[0]
        raise UserError(NO_VALUE.format(variable=read.written), source.path, line)
    done = substitutions(statements, values) if values else []
    if done:
        source = Source(source.path, substitute(source.text, done), source.bom, source.encoding)
        statements = migration_statements(source)
    for statement in statements:
        if statement.kind is not Kind.META:
            out.statements.append(statement)
            continue
        command, _ = meta_command(statement)
        where = (source.path, statement.line)
        include = include_of(statement, values)
        if include is None:
            out.statements.append(statement)
            continue
        name, path = include.name, include.path
        if path is None:
            raise UserError(f"\\{command} names no file", *where)
        if not any(path.is_relative_to(root) for root in roots):
            raise UserError(
                f"\\{command} {name}: only files inside the migrations folder are inlined", *where
            )
        if path in stack:
            cycle = " -> ".join(p.name for p in [*stack, path])
            raise UserError(f"\\{command} {name}: include cycle ({cycle})", *where)
        try:
            included = read_source(shown(path, source.path))
        except UserError as err:
            message = f"\\{command} {name}: {err.message}{include.unset_hint}"
            raise UserError(message, *where) from None
        out.included.append(included)
        _expand(included, roots, [*stack, path], out, values, required)
    return source
