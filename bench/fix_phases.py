"""Where `fix`'s CPU goes, phase by phase, and the floor any Python `fix` pays.

    python bench/fix_phases.py [INPUT.sql] [--lines 100000] [--no-floor] [-- FIX_ARGS...]

INPUT defaults to the generated schema of `--lines` (bench/gen_schema.py, made if absent).
Runs `dsql-lint fix --isolated --unsafe-fixes -o bench/.work/fixed/phases-INPUT` in this
process and prints the CPU time (user + system) spent in each phase, exclusive of the phases
it calls: for each lint (1: the text as read, what `check -j 1` does; 2, 3...: the text
after each pass) the split, sqlglot's parse, the rules, PostgreSQL's grammar (pglast), the
catalog's settling, the fix decision's `settle` and the planning of fixes; then the guard,
choosing and applying edits, the report and the writing. Then the floor: the split, sqlglot's
PostgreSQL parse alone, our parse (the DSQL dialect and its rewrites) and pglast's parse
alone, of every statement once. Wrapping costs a little: compare phases, not the total, with
`python bench/run.py --fix`. On a shared machine, run it more than once and keep the least.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_schema import DEFAULT_LINES, DEFAULT_SEED, cached_schema  # noqa: E402

WORK = Path(__file__).resolve().parent / ".work"


class Phases:
    """CPU time per phase, each call's time counted in its own phase only."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = collections.defaultdict(float)
        self.calls: collections.Counter[str] = collections.Counter()
        self._open: list[tuple[str, float]] = []
        self.lint = 0

    def wrap(self, owner: Any, name: str, phase: str | Callable[[], str]) -> None:
        """`owner.name` timed as `phase` (a name, or a function naming it at each call)."""
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def timed(*args: Any, **kwargs: Any) -> Any:
            label = phase if isinstance(phase, str) else phase()
            now = time.process_time()
            if self._open:
                outer, since = self._open[-1]
                self.cpu[outer] += now - since
            self._open.append((label, now))
            self.calls[label] += 1
            try:
                return inner(*args, **kwargs)
            finally:
                end = time.process_time()
                self.cpu[label] += end - self._open.pop()[1]
                if self._open:
                    self._open[-1] = (self._open[-1][0], end)

        setattr(owner, name, timed)

    def in_lint(self, what: str) -> Callable[[], str]:
        return lambda: f"lint {self.lint}: {what}"

    def next_lint(self) -> str:
        self.lint += 1
        return f"lint {self.lint}: the rest"


def instrument(phases: Phases) -> None:
    from dsql_lint.commands import fix as command
    from dsql_lint.fix import engine
    from dsql_lint.fix.decision import FixJudge
    from dsql_lint.lint import pipeline, reparse

    phases.wrap(pipeline.Linter, "lint_all", phases.next_lint)
    phases.wrap(pipeline, "migration_statements", phases.in_lint("split"))
    phases.wrap(pipeline, "parse", phases.in_lint("parse (sqlglot)"))
    phases.wrap(reparse, "parse", phases.in_lint("parse (sqlglot)"))
    phases.wrap(pipeline, "analyze", phases.in_lint("rules"))
    phases.wrap(pipeline, "analyzed", phases.in_lint("rules"))
    phases.wrap(pipeline, "_judge_grammar", phases.in_lint("grammar (pglast)"))
    phases.wrap(pipeline.Linter, "_settle", phases.in_lint("catalog"))
    phases.wrap(FixJudge, "settle", phases.in_lint("fix decision settle"))
    phases.wrap(engine.Fixer, "_plan", phases.in_lint("plan fixes"))
    phases.wrap(engine.Fixer, "_withdraw", phases.in_lint("guard"))
    phases.wrap(engine.Fixer, "fix_source", "fix loop: the rest")
    phases.wrap(engine.ed, "select", "choose edits")
    phases.wrap(engine.ed, "apply", "apply edits")
    phases.wrap(command, "read_source", "read")
    phases.wrap(command, "_report", "report")
    phases.wrap(command, "_emit", "write")


def run_fix(path: Path, extra: list[str]) -> float:
    """`fix` of `path` in this process, its messages discarded: the CPU time it took."""
    from dsql_lint.cli import main

    out = WORK / "fixed" / f"phases-{path.name}"
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = sys.argv
    sys.argv = ["dsql-lint", "fix", "--isolated", "--unsafe-fixes", "-o", str(out), *extra]
    sys.argv.append(str(path))
    start = time.process_time()
    try:
        with (
            open(os.devnull, "w") as sink,
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            contextlib.suppress(SystemExit),
        ):
            main()
    finally:
        sys.argv = argv
    return time.process_time() - start


def floor(path: Path) -> list[tuple[str, float]]:
    """The CPU time of reading every statement once, each way."""
    from pglast import parser as pg
    from sqlglot.dialects.postgres import Postgres

    from dsql_lint.syntax.formats import statements
    from dsql_lint.syntax.parse import parse
    from dsql_lint.syntax.source import read_source

    def timed(work: Callable[[], object]) -> float:
        start = time.process_time()
        work()
        return time.process_time() - start

    def each(read: Callable[[str], object], bodies: list[str]) -> None:
        for body in bodies:
            with contextlib.suppress(Exception):  # a statement one reader refuses
                read(body)

    found: list[Any] = []
    split = timed(lambda: found.extend(statements(read_source(str(path)))))
    bodies = [s.body for s in found]
    postgres = Postgres()
    return [
        (f"read + split ({len(found):,} statements)", split),
        ("sqlglot's parse alone (postgres dialect)", timed(lambda: each(postgres.parse, bodies))),
        ("our parse (DSQL dialect, rewrites)", timed(lambda: [parse(s) for s in found])),
        ("pglast's split alone (our grammar check)", timed(lambda: each(pg.split, bodies))),
        ("pglast's parse alone (parse_sql)", timed(lambda: each(pg.parse_sql, bodies))),
    ]


def _in_order(label: str) -> tuple[int, str]:
    """Each lint's phases in the order of the lints, then the rest."""
    if label.startswith("lint "):
        return int(label.split()[1].rstrip(":")), label
    return 1_000, label


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path)
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES)
    parser.add_argument("--no-floor", action="store_true", help="only the phases of fix")
    parser.add_argument("fix_args", nargs=argparse.REMAINDER, help="after --: more fix options")
    args = parser.parse_args(argv)
    path = args.input or cached_schema(WORK, args.lines, DEFAULT_SEED)
    extra = [a for a in args.fix_args if a != "--"]
    phases = Phases()
    instrument(phases)
    total = run_fix(path, extra)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fix of {path}: {total:.2f} s CPU in all, peak RSS {peak:.0f} MB\n")
    print("| phase | CPU (s) | calls |\n|---|---:|---:|")
    for label in sorted(phases.cpu, key=_in_order):
        print(f"| {label} | {phases.cpu[label]:.2f} | {phases.calls[label]:,} |")
    if not args.no_floor:
        print("\n| floor: every statement read once | CPU (s) |\n|---|---:|")
        for label, seconds in floor(path):
            print(f"| {label} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
