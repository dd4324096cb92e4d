"""Find the hot spots of our `dsql-lint check` on a large input.

    python bench/profile_check.py [INPUT.sql] [--top 25] [--sort cumulative] [--no-importtime]
                                  [--jobs N]

INPUT defaults to the generated 100k-line schema (made if absent). Two reports:
1. import time (`python -X importtime -m dsql_lint check TWO_STATEMENTS.sql`): the slowest
   imports, cumulative microseconds, which is what a two-statement run mostly pays;
2. cProfile of `dsql-lint check INPUT` run in this process, the top entries by cumulative
   time. The raw profile is saved to bench/.work/check.prof (`python -m pstats` or snakeviz).
   cProfile sees this process alone: with the default `-j`, the statements the forked
   workers analyse are missing from it; `--jobs 1` profiles all the work.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import re
import runpy
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_schema import cached_schema  # noqa: E402

WORK = Path(__file__).resolve().parent / ".work"
TWO_STATEMENTS = "CREATE TABLE t (id SERIAL PRIMARY KEY);\nCREATE INDEX i ON t(id);\n"
IMPORT_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def import_times(top: int) -> str:
    """The slowest imports of `check` on a two-statement file, by cumulative time."""
    small = WORK / "two_statements.sql"
    small.parent.mkdir(parents=True, exist_ok=True)
    small.write_text(TWO_STATEMENTS, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dsql_lint", "check", "--no-cache", str(small)],
        capture_output=True,
        text=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, module = match.groups()
            rows.append((int(cumulative_us), int(self_us), len(indent) // 2, module))
    rows.sort(reverse=True)
    lines = [f"{'cumulative us':>14} {'self us':>9}  module (depth)"]
    lines += [f"{c:>14,} {s:>9,}  {m} ({d})" for c, s, d, m in rows[:top]]
    return "\n".join(lines)


def profile_check(path: Path, out: Path, jobs: int | None = None) -> cProfile.Profile:
    """Run `dsql-lint check PATH` in this process under cProfile, output discarded."""
    profiler = cProfile.Profile()
    argv = sys.argv
    # (the work, not the cache; not the configuration of the folder it runs in)
    sys.argv = ["dsql-lint", "check", "--no-cache", "--isolated", str(path)]
    if jobs is not None:
        sys.argv[2:2] = ["-j", str(jobs)]
    try:
        with (
            open(os.devnull, "w") as sink,
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            contextlib.suppress(SystemExit),
        ):
            profiler.runcall(runpy.run_module, "dsql_lint", run_name="__main__")
    finally:
        sys.argv = argv
    out.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(out))
    return profiler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key, e.g. tottime")
    parser.add_argument("--no-importtime", action="store_true")
    parser.add_argument(
        "--jobs", type=int, help="check's -j (1: everything in the profiled process)"
    )
    args = parser.parse_args(argv)
    path = args.input or cached_schema(WORK)
    if not args.no_importtime:
        print(f"== slowest imports (python -X importtime), top {args.top}")
        print(import_times(args.top))
    jobs = "" if args.jobs is None else f" -j {args.jobs}"
    print(f"\n== cProfile of `dsql-lint check{jobs} {path}`, top {args.top} by {args.sort}")
    profiler = profile_check(path, WORK / "check.prof", args.jobs)
    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(args.sort).print_stats(
        args.top
    )
    print(f"raw profile: {WORK / 'check.prof'}")


if __name__ == "__main__":
    main()
