"""Framework transactions that run on from one file into the next: one transaction for every
migration of a run (Alembic's `upgrade`, orm/alembic_env.py; TypeORM's default
`migrationsTransactionMode`, Knex's `migrate:latest`, MikroORM's `allOrNothing`, orm/scripts.py;
drizzle-orm's migrator, syntax/runners.py). A reader marks the files of such a run with one
`MappedSource.run` key, and a Drizzle folder's files share one; the transaction rules then see
the statements of the transaction a file leaves open and of the one the next file of the run
begins as one block. A psql include (`\\ir`) inside a BEGIN ... COMMIT block runs its
file in that transaction: its statements join the block at the include.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from dsql_lint.orm.mapped import MappedSource
from dsql_lint.syntax import formats, runners
from dsql_lint.syntax.includes import include_of
from dsql_lint.syntax.source import Source, real
from dsql_lint.syntax.split import Kind, Statement, TxControl

# One transaction across files: (file index, transaction block id in that file), in order.
Chain = list[tuple[int, int]]


def run_of(source: Source) -> str:
    """The run `source` is a file of; "" for none. A reader's file says it; a Drizzle file's
    run is its folder's (the migrator runs every pending file in one transaction)."""
    if isinstance(source, MappedSource):
        return source.run
    if source.problem is None and formats.framework_of(source) == formats.DRIZZLE:
        return f"drizzle {Path(source.path).parent}"
    return ""


def hint_of(source: Source) -> str:
    """DSQL401/402's help in a later file of the run `source` began (`{earlier}` in it)."""
    if isinstance(source, MappedSource):
        return source.run_hint
    return runners.run_help(runners.RUNNERS[formats.DRIZZLE])


def command_of(source: Source) -> str:
    """How the user runs the framework that runs `source`'s run."""
    framework = source.framework if isinstance(source, MappedSource) else formats.DRIZZLE
    runner = runners.runner_of(framework)
    return f"`{runner.command}`" if runner is not None else "its framework"


def _begins(source: Source, first: Statement) -> bool:
    """Whether the file's first statement runs in the transaction it was given: a reader
    writes the run's BEGIN, a format's whole file is one runner transaction."""
    if first.tx is None:
        return False
    return first.tx_control is TxControl.BEGIN or not isinstance(source, MappedSource)


def _leaves_open(source: Source, last: Statement) -> bool:
    if last.tx is None:
        return False
    return last.tx_control is TxControl.COMMIT or not isinstance(source, MappedSource)


def chains(sources: Sequence[Source], files: Sequence[Sequence[Statement]]) -> list[Chain]:
    """The transactions that span two files or more. A file of the run with no statement
    leaves the transaction open; one that begins outside it (an autocommit block) ends it."""
    out: list[Chain] = []
    current: Chain = []
    key = ""
    for index, (source, statements) in enumerate(zip(sources, files, strict=True)):
        run = run_of(source)
        if run != key or not run:
            out.append(current)
            current, key = [], run
        if not run or not statements:
            continue
        first, last = statements[0], statements[-1]
        if current and first.tx is not None and _begins(source, first):
            current.append((index, first.tx))
        else:
            out.append(current)
            current = []
        if not _leaves_open(source, last):
            out.append(current)
            current = []
        elif not current or current[-1] != (index, last.tx):
            out.append(current)
            current = [(index, last.tx)]
    out.append(current)
    return [chain for chain in out if len(chain) > 1]


def include_blocks(
    sources: Sequence[Source], files: Sequence[Sequence[Statement]]
) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """The transaction blocks that include a file (check reads it after its includer,
    syntax/includes.py): (includer's index, block id, members as psql runs them: (file
    index, statement index in that file)), the included files' statements at each include."""
    if not any(source.included_by for source in sources):
        return []  # (no file is read where another includes it: the usual case)
    run = _as_run(sources, files)
    found = []
    for index, statements in enumerate(files):
        if "\\i" not in sources[index].text:
            continue
        blocks: dict[int, list[int]] = {}
        for at, statement in enumerate(statements):
            if statement.tx is not None:
                blocks.setdefault(statement.tx, []).append(at)
        for tx, positions in blocks.items():
            if any(_includes(statements[at]) for at in positions):
                found.append((index, tx, run(index, positions)))
    return found


def last_controls(
    sources: Sequence[Source], files: Sequence[Sequence[Statement]]
) -> Iterator[tuple[int, int]]:
    """The last BEGIN, COMMIT or ROLLBACK psql runs for each file read on its own (those it
    includes at their includes, a BEGIN there committed by the including file, or the
    other way round): (file index, statement index)."""
    run = _as_run(sources, files)
    included = any(source.included_by for source in sources)
    for index, (source, statements) in enumerate(zip(sources, files, strict=True)):
        if source.included_by:
            continue  # run where its includer runs it
        if included and "\\i" in source.text:
            steps = run(index, range(len(statements)))
        else:  # (the usual case: the file's own statements, none of them listed again)
            steps = ((index, at) for at in range(len(statements)))
        last = None
        for step in steps:
            if files[step[0]][step[1]].tx_control is not None:
                last = step
        if last is not None:
            yield last


def run_order(sources: Sequence[Source], files: Sequence[Sequence[Statement]]) -> list[int] | None:
    """The statements of `files` in the order psql runs them, as their positions in input
    order: an included file's at its (first) include, so that its schema effects land there.
    None when no file is included (input order)."""
    if not any(source.included_by for source in sources):
        return None
    run = _as_run(sources, files)
    offsets = [0]
    for statements in files:
        offsets.append(offsets[-1] + len(statements))
    order: list[int] = []
    seen: set[int] = set()
    # Each file where psql first runs it; then any not reached (its includer not given).
    tops = [index for index, source in enumerate(sources) if not source.included_by]
    for index in [*tops, *range(len(sources))]:
        for number, at in run(index, range(len(files[index]))):
            position = offsets[number] + at
            if position not in seen:
                seen.add(position)
                order.append(position)
    return order


def _as_run(
    sources: Sequence[Source], files: Sequence[Sequence[Statement]]
) -> Callable[[int, Iterable[int]], list[tuple[int, int]]]:
    """The statements at `positions` of file `index` as psql runs them: (file index,
    statement index), each include followed by the statements of the file it includes (a
    file included twice is read once, where it is first included: at the other include it
    runs again)."""
    by_chain = {source.included_by: index for index, source in enumerate(sources)}
    by_path: dict[tuple[str, Path], int] = {}  # (migration, file) -> where it is read
    for index, source in enumerate(sources):
        if source.included_by:
            by_path.setdefault((_root(source), real(source.path)), index)

    def run(
        index: int, positions: Iterable[int], stack: tuple[int, ...] = ()
    ) -> list[tuple[int, int]]:
        out = []
        source, statements = sources[index], files[index]
        for at in positions:
            out.append((index, at))
            if source.problem is None and _includes(statements[at]):
                chain = (*source.included_by, (source.display_path, statements[at].line))
                included = by_chain.get(chain)
                if included is None:
                    include = include_of(statements[at])
                    if include is not None and include.path is not None:
                        included = by_path.get((_root(source), include.path))
                if included is not None and included not in (*stack, index):
                    inner = range(len(files[included]))
                    out.extend(run(included, inner, (*stack, index)))
        return out

    return run


def _root(source: Source) -> str:
    """The migration psql runs `source` as part of: the file that includes it first."""
    return source.included_by[0][0] if source.included_by else source.display_path


def held_by_includer(source: Source) -> bool:
    """Whether psql runs `source` inside a transaction block of a file that includes it:
    an include line of the chain it is read through lies between a BEGIN and its end."""
    if not source.included_by:
        return False
    from dsql_lint.syntax.source import read_source

    for path, line in source.included_by:
        includer = read_source(path, strict=False)
        for statement in formats.statements(includer):
            if statement.line == line and _includes(statement):
                if statement.tx is not None:
                    return True
                break
    return False


def _includes(statement: Statement) -> bool:
    return statement.kind is Kind.META and include_of(statement) is not None


# Why fix does not split an include block at its includer's lines (IncludeSplit.why).
_NOT_OWNED = "the including file does not open and commit it itself"
_SAVEPOINT = "it holds a savepoint"
_INSIDE = "a split falls inside an included file"
_OWN_CONTROL = "an included file begins or ends a transaction of its own"
_WITH_VALUES = "the including file is read with psql's -v values put in"


class IncludeSplit:
    """Where a transaction block that includes files must be split so that DSQL runs it (one
    DDL statement per transaction, DDL apart from DML, as fix splits a block of one file):
    before each statement of `at`, an including file's line (an include, or its own
    statement) or a statement inside an included file. `why`: why fix cannot write those
    splits in the including file (None: it can, each `COMMIT; BEGIN;` before its line)."""

    def __init__(self, members: Sequence[tuple[Statement, str]]) -> None:
        # (classify imports the parser: a run answered from the cache never needs it)
        from dsql_lint.lint.classify import DDL, DML, savepoint_scopes

        includer = members[0][0].source
        self.at: list[Statement] = []
        why: list[str] = []
        if members[0][0].tx_control is not TxControl.BEGIN or (
            members[-1][0].tx_control is not TxControl.COMMIT
            or members[-1][0].source is not includer
        ):
            why.append(_NOT_OWNED)
        if isinstance(includer, MappedSource):
            why.append(_WITH_VALUES)
        if savepoint_scopes([statement.text for statement, _ in members]):
            why.append(_SAVEPOINT)
        line: Statement | None = None  # the including file's statement the run is at
        reached = False  # whether the included statements since it hold DDL or DML
        ddl = dml = False
        for statement, kind in members[1:-1]:
            mine = statement.source is includer
            if mine:
                line, reached = statement, False
            elif statement.tx_control is not None and _OWN_CONTROL not in why:
                why.append(_OWN_CONTROL)
            if kind not in (DDL, DML):
                continue
            if ddl or (kind == DDL and dml):
                inside = not mine and reached
                self.at.append(statement if mine or inside or line is None else line)
                if inside and _INSIDE not in why:
                    why.append(_INSIDE)
                ddl = dml = False
            ddl, dml = ddl or kind == DDL, dml or kind == DML
            reached = reached or not mine
        self.why = "; ".join(why) or None

    def where(self) -> str:
        """The places to split, as a note names them."""
        return ", ".join(
            f"{s.source.display_path}:{s.line}"
            + (f" (`{s.text.strip()}`)" if s.kind is Kind.META else "")
            for s in self.at
        )
