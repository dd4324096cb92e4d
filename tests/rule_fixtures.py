"""The fixture convention every rule follows (see fixtures/rules/README.md).

`fixtures/rules/<CODE>/fail*.sql` must produce the rule exactly on the lines marked
`-- expect: <CODE>` (several codes comma-separated); `pass*.sql` must not produce it at all.
A first-line header sets options:
`-- dsql-lint: target=YYYY-MM[-DD]|latest assume-in-transaction report-unused-ignores`.
Fixtures are read as files are: UTF-16 or not UTF-8 at all where a rule is about input.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.engine.loader import parse_date
from dsql_lint.syntax.source import decode

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "rules"
EXPECT = re.compile(r"--\s*expect:\s*([A-Z0-9, ]+)")
HEADER = re.compile(r"^--\s*dsql-lint:\s*(.*)$", re.MULTILINE)
# What `fix` makes of a failing fixture, pinned beside it (tests/pinned_outputs.py): SQL files,
# but outputs, not fixtures.
PINNED_SQL_SUFFIXES = (".fixed.sql", ".unsafe-fixed.sql")


@dataclass(frozen=True)
class FixtureOptions:
    target: dt.date | None  # None: the fixture does not say
    latest: bool  # target=latest: today, whichever day that is
    assume_in_transaction: bool
    report_unused_ignores: bool
    fix_choices: tuple[str, ...] = ()  # `serial-to=uuid`: fix's options (--serial-to uuid)


def fixture_options(text: str) -> FixtureOptions:
    first = text.splitlines()[0] if text else ""
    match = HEADER.match(first)
    words = match.group(1).split() if match else []
    target = None
    for word in words:
        if word.startswith("target="):
            value = word.split("=", 1)[1]
            target = dt.date.today() if value == "latest" else parse_date(value)
    return FixtureOptions(
        target,
        "target=latest" in words,
        "assume-in-transaction" in words,
        "report-unused-ignores" in words,
        tuple(
            option
            for word in words
            if word.startswith(("serial-to=", "array-to="))
            for option in ("--" + word.split("=", 1)[0], word.split("=", 1)[1])
        ),
    )


def fixture_inputs(folder: Path, prefix: str = "") -> list[Path]:
    """The fixtures of a rule's folder whose names start with `prefix` (fail, pass)."""
    return [
        path
        for path in sorted(folder.glob(f"{prefix}*.sql"))
        if not path.name.endswith(PINNED_SQL_SUFFIXES)
    ]


def fixture_text(path: Path) -> str:
    """The fixture's text as the linter reads it: a fixture of an input rule may be bytes that
    are not UTF-8 (its header and `-- expect:` marks are ASCII all the same)."""
    return decode(path.name, path.read_bytes()).text


def expected_lines(text: str, code: str) -> list[int]:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match and code in [c.strip() for c in match.group(1).split(",")]:
            lines.append(number)
    return lines
