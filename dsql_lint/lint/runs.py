"""Framework transactions that run on from one file into the next: Alembic's one transaction
for every revision of an `upgrade` (orm/alembic_env.py). A reader marks the files of such a
run with one `MappedSource.run` key; the transaction rules then see the statements of the
transaction a file leaves open and of the one the next file of the run begins as one block.
"""

from __future__ import annotations

from collections.abc import Sequence

from dsql_lint.orm.mapped import MappedSource
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Statement, TxControl

# One transaction across files: (file index, transaction block id in that file), in order.
Chain = list[tuple[int, int]]


def chains(sources: Sequence[Source], files: Sequence[Sequence[Statement]]) -> list[Chain]:
    """The transactions that span two files or more. A file of the run with no statement
    leaves the transaction open; one that begins outside it (an autocommit block) ends it."""
    out: list[Chain] = []
    current: Chain = []
    key = ""
    for index, (source, statements) in enumerate(zip(sources, files, strict=True)):
        run = source.run if isinstance(source, MappedSource) else ""
        if run != key or not run:
            out.append(current)
            current, key = [], run
        if not run or not statements:
            continue
        first, last = statements[0], statements[-1]
        if current and first.tx is not None and first.tx_control is TxControl.BEGIN:
            current.append((index, first.tx))
        else:
            out.append(current)
            current = []
        if last.tx is None or last.tx_control is not TxControl.COMMIT:
            out.append(current)
            current = []
        elif not current or current[-1] != (index, last.tx):
            out.append(current)
            current = [(index, last.tx)]
    out.append(current)
    return [chain for chain in out if len(chain) > 1]
