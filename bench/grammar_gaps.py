"""List the statements PostgreSQL 16's grammar accepts and our parser does not (DSQL001).

    python bench/grammar_gaps.py [--meaning] [PATH ...]
                                                (default: every .sql file of shared/corpus)

Each SQL statement is read by PostgreSQL's own parser (libpg_query through pglast, as DSQL012
does) and by the DSQL dialect (as every rule does). A statement the first accepts and the
second does not is valid PostgreSQL that `check` would report as "could not be checked":
printed grouped by where our parser stops, most common first, with the first place each
occurs. Exit 1 when there is one.

--meaning lists instead the statements both read whose SQL as our dialect writes it back
PostgreSQL refuses or reads otherwise (`pg_grammar.reading`): what `fix` would write, or a
span aligned on it, is then not the statement. Many differ in form only (`now()` written
CURRENT_TIMESTAMP, `mod(a, b)` as `a % b`): read them, grouped by file.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from dsql_lint.syntax.dialect import DSQL
from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.pg_grammar import reading, rejection
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


def changed_meanings(paths: list[Path]) -> tuple[int, dict[str, list[str]]]:
    """The number of statements both parsers read, and those whose regenerated SQL PostgreSQL
    refuses or reads otherwise: file -> places, statements and what they became."""
    dialect = DSQL()
    found: dict[str, list[str]] = defaultdict(list)
    count = 0
    for path in paths:
        for statement in split(read_source(str(path), strict=False)):
            ours = parse(statement) if statement.kind is Kind.SQL else None
            if ours is None or ours.tree is None or rejection(statement.text) is not None:
                continue
            count += 1
            written = dialect.generate(ours.tree)
            try:
                same = reading(written) == reading(statement.text)
            except Exception:  # noqa: BLE001 - pglast's ParseError: refused
                same = False
            if not same:
                before, after = " ".join(statement.text.split()), " ".join(written.split())
                found[path.name].append(
                    f"{path}:{statement.line}: {before[:100]}  ->  {after[:100]}"
                )
    return count, found


def main(argv: list[str]) -> int:
    meaning = "--meaning" in argv
    roots = [Path(a) for a in argv if a != "--meaning"] or [CORPUS]
    paths = sorted(p for r in roots for p in ([r] if r.is_file() else r.rglob("*.sql")))
    if meaning:
        count, changed = changed_meanings(paths)
        total = sum(len(v) for v in changed.values())
        print(f"{count} statements read by both; {total} written back as another statement")
        for name, places in sorted(changed.items(), key=lambda kv: -len(kv[1])):
            print(f"\n{len(places):4}  in {name}")
            for place in places[:3]:
                print(f"      {place}")
        return 1 if total else 0
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
