"""List the statements PostgreSQL 16's grammar accepts and our parser does not (DSQL001).

    python bench/grammar_gaps.py [PATH ...]     (default: every .sql file of shared/corpus)

Each SQL statement is read by PostgreSQL's own parser (libpg_query through pglast, as DSQL012
does) and by the DSQL dialect (as every rule does). A statement the first accepts and the
second does not is valid PostgreSQL that `check` would report as "could not be checked":
printed grouped by where our parser stops, most common first, with the first place each
occurs. Exit 1 when there is one.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.pg_grammar import rejection
from dsql_lint.syntax.source import read_source
from dsql_lint.syntax.split import Kind, split

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
_NEAR = re.compile(r'stops at "([^"]*)"')


def gaps(paths: list[Path]) -> tuple[int, dict[str, list[str]]]:
    """The number of statements read, and the gaps: stopping word -> places and statements."""
    found: dict[str, list[str]] = defaultdict(list)
    count = 0
    for path in paths:
        for statement in split(read_source(str(path), strict=False)):
            if statement.kind is not Kind.SQL:
                continue
            count += 1
            ours = parse(statement)
            if ours.error is None or rejection(statement.text) is not None:
                continue
            near = _NEAR.search(ours.error)
            key = near.group(1).upper() if near else ours.error
            one_line = " ".join(statement.text.split())
            found[key].append(f"{path}:{statement.line}: {one_line[:160]}")
    return count, found


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [CORPUS]
    paths = sorted(p for r in roots for p in ([r] if r.is_file() else r.rglob("*.sql")))
    count, found = gaps(paths)
    total = sum(len(v) for v in found.values())
    print(f"{count} statements in {len(paths)} files; {total} valid PostgreSQL 16 not parsed")
    for key, places in sorted(found.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{len(places):4}  stops at {key}")
        for place in places[:3]:
            print(f"      {place}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
