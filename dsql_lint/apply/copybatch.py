"""COPY ... FROM stdin data cut into transactions DSQL accepts.

A transaction modifies at most 3,000 rows and 10 MiB (dsql-facts.md, Transactions), and a
COPY is one statement: `apply` sends a COPY outside a BEGIN...COMMIT block as several COPY
statements, each in a transaction with the ledger row that records how many rows are in.
The ledger row is one of the 3,000, so a batch holds at most 2,999 data rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dsql_lint.syntax.source import LINE_END

MAX_ROWS = 2_999  # 3,000 modified rows per transaction, less the ledger row written with them
# The 10 MiB limit is on modified data, which the text only approximates: stay well below.
MAX_BYTES = 4 * 1024 * 1024


def committed(done: int, total: int) -> str:
    """A batched COPY's progress in words that cannot be read as a row's number or a
    batch's: "2,999 of its 5,000 rows committed, 2,001 to go"."""
    left = f", {total - done:,} to go" if done < total else ""
    return f"{done:,} of its {total:,} rows committed{left}"


_CSV = re.compile(r"\bcsv\b", re.I)
_HEADER = re.compile(r"\bheader\b(?!\s*(?:false|off|0)\b)", re.I)
_END = re.compile(r"^\\\.\r?$")
_STDIN = re.compile(r"\bstdin\b", re.I)


@dataclass(frozen=True)
class CopyRows:
    """The rows of one COPY, as the server reads them: a CSV record may span lines."""

    statement: str  # the COPY statement, whose text the progress checksum covers too
    header: str  # the HEADER line, sent again before each batch; "" without one
    rows: list[str]  # each with its line end

    def __len__(self) -> int:
        return len(self.rows)

    def batches(self, start: int) -> Iterator[tuple[int, int]]:
        """(first, end) row ranges from `start` on, each within DSQL's per-transaction limits."""
        first = start
        while first < len(self.rows):
            end, size = first, 0
            while end < len(self.rows) and end - first < MAX_ROWS:
                size += len(self.rows[end].encode("utf-8"))
                if size > MAX_BYTES and end > first:
                    break
                end += 1
            yield first, end
            first = end

    def lines_before(self, row: int) -> int:
        """The lines of the data before row `row`, the header's included."""
        return bool(self.header) + sum(text.count("\n") for text in self.rows[:row])

    def data(self, first: int, end: int) -> str:
        return self.header + "".join(self.rows[first:end])

    def digest(self) -> hashlib._Hash:
        """A checksum of the statement, to be fed rows in order (see `progress_sha`)."""
        return hashlib.sha256(LINE_END.sub("\n", self.statement + "\n" + self.header).encode())

    def progress_sha(self, count: int) -> str:
        """Of the statement and its first `count` rows: what a resume checks the rows already
        copied against."""
        digest = self.digest()
        feed(digest, self.rows[:count])
        return digest.hexdigest()


def feed(digest: hashlib._Hash, rows: list[str]) -> None:
    for row in rows:
        digest.update(LINE_END.sub("\n", row).encode("utf-8"))


def rows_of(statement: str, data: str) -> CopyRows:
    """The rows of `data` (the text after `COPY ... FROM stdin;`, `\\.` and all)."""
    lines = data.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if _END.match(line.rstrip("\n")):
            lines = lines[:i]
            break
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    # The options follow `stdin` (a column may be named csv or header).
    stdin = _STDIN.search(statement)
    options = statement[stdin.end() :] if stdin else ""
    csv = bool(_CSV.search(options))
    header = ""
    if _HEADER.search(options) and lines:  # PostgreSQL 15 allows HEADER in text format too
        header, lines = lines[0], lines[1:]
    rows = _csv_records(lines) if csv else lines
    return CopyRows(statement, header, rows)


def _csv_records(lines: list[str]) -> list[str]:
    """Lines joined into records: a quoted field may hold line ends (default quote `"`)."""
    records: list[str] = []
    open_record = ""
    for line in lines:
        open_record += line
        if open_record.count('"') % 2 == 0:
            records.append(open_record)
            open_record = ""
    if open_record:
        records.append(open_record)
    return records
