"""Benchmark our `dsql-lint check` against AWS's Rust `dsql-lint`, in one run.

    python bench/run.py [--runs 5] [--timeout 600] [--inputs lago two] [--skip-ours|--skip-aws]
    python bench/run.py --memory [--jobs 1 2 4] [--rows 1000 100000 200000] [--form one-line]
    python bench/run.py --fix [--runs 3] [--lines 100000] [--inputs generated INSERT]
        [--aws-bin PATH]

Run it with the project's virtualenv (the one where `pip install -e .` put our `dsql-lint`).
The inputs: the generated schema, lago's structure.sql, two statements, and one statement of
240,000 rows (5 MB) in each of gen_inserts.py's forms (one line, a row a line, COPY): a cost
that grows faster than a statement's size shows there.
Ours is timed twice: a first run (its findings cache emptied before each run, so every run
parses everything and writes the cache) and a run on unchanged input (the cache kept), the
case of a pre-commit hook or CI step run again. AWS's linter keeps no cache.
AWS's linter, a PyPI package also named `dsql-lint`, is installed once into its own
virtualenv under bench/.work/aws-venv: never into the project's, where its console script
would overwrite ours. Results: a markdown table on stdout, and bench/.work/results.json.
`--memory`: peak memory and wall time of both tools on `pg_dump --inserts` style dumps
(bench/gen_inserts.py) of each `--rows` size, ours for each `--jobs`: memory that follows the
largest statement stays flat from one size to the next; with `--form one-line` (`lines`, `copy`),
each dump is one statement of that many rows, whose cost should be that of the same rows as
separate statements.
Results in bench/.work/memory.json.
`--fix`: CPU time, peak memory and wall time of ours (`fix --unsafe-fixes`, guard included)
and AWS's (`--fix`; `--aws-bin` names an installed one) on the large inputs (the generated
schema of `--lines` and of 20,000 lines, lago, the 5 MB statements: memory must follow a chunk
of rows), each writing its fixed SQL to bench/.work/fixed/, the run of least CPU kept, with ours
over AWS's; results in bench/.work/fix.json. bench/fix_phases.py says where ours goes, phase
by phase.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_inserts import DEFAULT_ROWS, FORMS, cached_inserts  # noqa: E402
from gen_schema import DEFAULT_LINES, DEFAULT_SEED, cached_schema  # noqa: E402

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
AWS_VENV = WORK / "aws-venv"
AWS_SPEC = "dsql-lint==0.2.22"  # pinned, so figures stay comparable; see --aws-spec
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LAGO = CORPUS / "rails" / "lago-api_structure.sql"
# Our caches (rules, findings) live here during a benchmark, not in the user's.
CACHE_HOME = WORK / "cache"
FINDINGS = CACHE_HOME / "dsql-lint" / "findings"
TWO_STATEMENTS = "CREATE TABLE t (id SERIAL PRIMARY KEY);\nCREATE INDEX i ON t(id);\n"
# The rows of the one-statement inputs: 5 MB, a seed file's size.
STATEMENT_ROWS = 240_000
# A diagnostic line in either tool's text output: `path:line:` or `path:line:col:`.
FINDING = re.compile(r"^[^\s:][^:]*:\d+(?::\d+)?:? ")


@dataclass
class Timing:
    best: float | None  # None: the first run exceeded --timeout
    median: float | None
    exit_code: int | None
    output_lines: int
    findings: int
    runs: list[float] = field(default_factory=list)


@dataclass
class Result:
    input: str
    path: str
    lines: int
    statements: int
    ours: Timing | None = None  # first run: nothing cached
    aws: Timing | None = None
    ours_again: Timing | None = None  # the same input again: findings reused

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.aws is None or not self.ours.best or not self.aws.best:
            return None
        return self.ours.best / self.aws.best


# --- tools ----------------------------------------------------------------------------


def aws_binary() -> Path:
    return AWS_VENV / "bin" / "dsql-lint"


def ensure_aws_venv(spec: str) -> Path:
    """Create bench/.work/aws-venv with AWS's linter, once."""
    binary = aws_binary()
    if binary.exists():
        return binary
    print(f"installing {spec} into {AWS_VENV} (once)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(AWS_VENV)], check=True)
    pip = AWS_VENV / "bin" / "pip"
    subprocess.run([str(pip), "install", "--quiet", spec], check=True)
    return binary


def our_binary() -> Path:
    return Path(sys.executable).parent / "dsql-lint"


def check_project_venv() -> None:
    """Refuse to run if AWS's package sits in the project venv (it would shadow ours)."""
    try:
        importlib.metadata.distribution("dsql-lint")
    except importlib.metadata.PackageNotFoundError:
        return
    sys.exit(
        "bench: AWS's `dsql-lint` package is installed in this virtualenv and overwrites "
        "our console script; `pip uninstall dsql-lint` here and reinstall ours (pip install -e .)."
    )


def tool_version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except OSError as err:
        return f"unavailable: {err}"
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "?"


# --- inputs ---------------------------------------------------------------------------


def count_statements(text: str) -> int:
    """Count ';'-terminated statements, skipping quotes, comments and dollar-quoted bodies."""
    count = 0
    pending = False  # non-blank text seen since the last ';'
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            i = _skip_to(text, "\n", i + 2)
            continue
        if c == "/" and text.startswith("/*", i):
            i = _skip_to(text, "*/", i + 2)
            continue
        if c in "'\"":
            i, pending = _skip_to(text, c, i + 1), True
            continue
        if c == "$":
            tag = re.match(r"\$[A-Za-z_]*\$", text[i : i + 64])
            if tag:
                i, pending = _skip_to(text, tag.group(), i + len(tag.group())), True
                continue
        if c == ";":
            count += pending
            pending = False
        elif not c.isspace():
            pending = True
        i += 1
    return count + pending


def _skip_to(text: str, end: str, start: int) -> int:
    found = text.find(end, start)
    return len(text) if found < 0 else found + len(end)


def prepare_inputs(lines: int, seed: int) -> list[tuple[str, Path]]:
    WORK.mkdir(parents=True, exist_ok=True)
    schema = cached_schema(WORK, lines, seed)
    two = WORK / "two_statements.sql"
    two.write_text(TWO_STATEMENTS, encoding="utf-8")
    inputs = [(f"generated {lines // 1000}k", schema)]
    if LAGO.exists():
        inputs.append(("lago-api_structure.sql", LAGO))
    else:
        print(f"bench: {LAGO} is absent: skipping that input", file=sys.stderr)
    inputs.append(("two statements", two))
    for form in ("one-line", "lines", "copy"):
        statement = cached_inserts(WORK, STATEMENT_ROWS, form=form)
        inputs.append((f"one statement of {STATEMENT_ROWS:,} rows, {form}", statement))
    return inputs


# --- measuring ------------------------------------------------------------------------


def timed_run(cmd: list[str], env: dict[str, str], timeout: float) -> float:
    """Wall time of one run, output discarded. Not subprocess.run(timeout=...): its wait polls
    with sleeps growing to 50 ms, which added up to 45 ms to each figure; here a blocking wait
    sees the exit at once, and a timer kills a run that exceeds `timeout`."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    try:
        proc.wait()
    finally:
        watchdog.cancel()
    return time.perf_counter() - start


def measure(cmd: list[str], runs: int, timeout: float, fresh: bool = False) -> Timing:
    """One untimed run to capture the output, then `runs` timed runs, output discarded.
    `fresh`: our findings cache is emptied before each run."""
    env = {**os.environ, "XDG_CACHE_HOME": str(CACHE_HOME)}
    try:
        first = subprocess.run(
            cmd, capture_output=True, text=True, errors="replace", timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        print(f"bench: timed out after {timeout:g} s: {' '.join(cmd)}", file=sys.stderr)
        return Timing(None, None, None, 0, 0)
    output = (first.stdout + first.stderr).splitlines()
    times = []
    for _ in range(runs):
        if fresh:
            shutil.rmtree(FINDINGS, ignore_errors=True)
        times.append(timed_run(cmd, env, timeout))
    return Timing(
        best=min(times, default=None),
        median=statistics.median(times) if times else None,
        exit_code=first.returncode,
        output_lines=len(output),
        findings=sum(1 for line in output if FINDING.match(line)),
        runs=times,
    )


def bench_input(
    name: str, path: Path, tools: dict[str, list[str]], runs: int, timeout: float
) -> Result:
    text = path.read_text(encoding="utf-8", errors="replace")
    result = Result(name, str(path), text.count("\n"), count_statements(text))
    for tool, prefix in tools.items():
        print(f"bench: {tool} on {name} ({runs} runs)", file=sys.stderr)
        setattr(result, tool, measure([*prefix, str(path)], runs, timeout, fresh=True))
        if tool == "ours":
            result.ours_again = measure([*prefix, str(path)], runs, timeout)
    return result


# --- memory -------------------------------------------------------------------------


@dataclass
class Memory:
    tool: str
    jobs: int | None  # None: the tool's default
    exit_code: int
    seconds: float
    cpu_seconds: float  # user + system, the process and its workers
    peak_process_mb: float  # the largest resident set of one process (the kernel's maxrss)
    peak_total_mb: float  # the largest proportional set size of the process and its workers
    # together (sampled): shared pages counted once


def _tree_pss(root: int) -> int:
    """Proportional set size in bytes of `root` and its descendants (0 once it has exited):
    pages shared by forked workers are counted once in all, not once per process as a sum of
    resident sets would."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
        total += int(found.group(1)) * 1024 if found else 0
    return total


def measure_memory(tool: str, cmd: list[str], jobs: int | None, timeout: float) -> Memory:
    """One run, output discarded: wall and CPU time, the kernel's peak of the largest process
    (wait4's maxrss covers the workers it reaped) and the sampled peak of all together."""
    env = {**os.environ, "XDG_CACHE_HOME": str(CACHE_HOME)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak_total = 0
    while True:
        # wait4, not Popen.poll: its rusage is this child's own (and its workers').
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_total = max(peak_total, _tree_pss(proc.pid))
        if time.perf_counter() - start > timeout:
            proc.kill()
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Memory(
        tool=tool,
        jobs=jobs,
        exit_code=proc.returncode,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_process_mb=usage.ru_maxrss / 1024,
        peak_total_mb=peak_total / 2**20,
    )


def bench_memory(args: argparse.Namespace) -> None:
    """Ours with each --jobs and AWS's, on a dump of each size, one run after the other."""
    WORK.mkdir(parents=True, exist_ok=True)
    if not args.skip_ours:
        check_project_venv()
        compile_bytecode()
    rows = [
        f"| {'INSERTs' if args.form == 'inserts' else 'rows'} | MB | tool | jobs "
        "| peak RSS, largest process (MB) "
        "| peak PSS, all processes (MB) | bytes per input byte | wall (s) | CPU (s) | exit |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    payload = []
    for count in args.rows:
        dump = cached_inserts(WORK, count, form=args.form)
        size = dump.stat().st_size
        results = []
        for tool, cmd, jobs in _memory_runs(args, dump):
            print(f"bench: {tool} -j {jobs or 'default'} on {dump.name}", file=sys.stderr)
            results.append(measure_memory(tool, cmd, jobs, args.timeout))
        for r in results:
            rows.append(
                f"| {count:,} | {size / 2**20:.1f} | {r.tool} | {r.jobs or '-'} "
                f"| {r.peak_process_mb:.0f} | {r.peak_total_mb:.0f} "
                f"| {r.peak_total_mb * 2**20 / size:.1f} | {r.seconds:.2f} | {r.cpu_seconds:.2f} "
                f"| {r.exit_code} |"
            )
        payload.append({"input": str(dump), "bytes": size, "rows": count, "results": results})
    print("\n".join(rows))
    out = WORK / "memory.json"
    out.write_text(json.dumps(payload, default=asdict, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}")


def _memory_runs(args: argparse.Namespace, dump: Path) -> list[tuple[str, list[str], int | None]]:
    runs: list[tuple[str, list[str], int | None]] = []
    if not args.skip_ours:
        ours = [str(our_binary()), "check", "--no-cache"]
        runs += [("ours", [*ours, "-j", str(jobs), str(dump)], jobs) for jobs in args.jobs]
    if not args.skip_aws:
        runs.append(("aws", [str(ensure_aws_venv(args.aws_spec)), str(dump)], None))
    return runs


# --- fix ------------------------------------------------------------------------------


FIX_SMALL_LINES = 20_000


def bench_fix(args: argparse.Namespace) -> None:
    """Each tool's fix of each large input, `--runs` times, one after the other: the run of
    least CPU time (user + system: on a shared machine the wall time says more of the others'
    work than of ours), with its wall time and peak memory; and ours over AWS's, which issue
    12's target (2x) reads."""
    inputs = [(n, p) for n, p in prepare_inputs(args.lines, args.seed) if n != "two statements"]
    if args.lines != FIX_SMALL_LINES:  # how the cost grows with the file
        small = cached_schema(WORK, FIX_SMALL_LINES, args.seed)
        inputs.insert(1, (f"generated {FIX_SMALL_LINES // 1000}k", small))
    if args.inputs:
        inputs = [(n, p) for n, p in inputs if any(word in n for word in args.inputs)]
    out = WORK / "fixed"
    out.mkdir(parents=True, exist_ok=True)
    tools: list[tuple[str, list[str]]] = []
    if not args.skip_ours:
        check_project_venv()
        compile_bytecode()
        tools.append(("ours", [str(our_binary()), "fix", "--isolated", "--unsafe-fixes", "-o"]))
    if not args.skip_aws:
        aws = Path(args.aws_bin) if args.aws_bin else ensure_aws_venv(args.aws_spec)
        tools.append(("aws", [str(aws), "--fix", "-o"]))
    rows = [
        "| input | tool | CPU (s) | peak RSS (MB) | wall of that run (s) | exit |"
        " ours / AWS: CPU | ours / AWS: RSS |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    results = []
    for name, path in inputs:
        best: dict[str, Memory] = {}
        for tool, prefix in tools:
            target = out / f"{tool}-{path.name}"
            print(f"bench: {tool} fix on {name} ({args.runs} runs)", file=sys.stderr)
            cmd = [*prefix, str(target), str(path)]
            runs = [measure_memory(tool, cmd, None, args.timeout) for _ in range(args.runs)]
            best[tool] = min(runs, key=lambda r: r.cpu_seconds)
            results.append({"input": name, "path": str(path), **asdict(best[tool])})
        for tool, run in best.items():
            ratios = "| | |"
            if tool == "ours" and "aws" in best:
                aws_run = best["aws"]
                ratios = (
                    f"| {run.cpu_seconds / aws_run.cpu_seconds:.1f}x "
                    f"| {run.peak_process_mb / aws_run.peak_process_mb:.1f}x |"
                )
            rows.append(
                f"| {name} | {tool} | {run.cpu_seconds:.2f} | {run.peak_process_mb:.0f} "
                f"| {run.seconds:.2f} | {run.exit_code} {ratios}"
            )
    print("\n".join(rows))
    written = WORK / "fix.json"
    written.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {written}")


# --- reporting ------------------------------------------------------------------------


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    if timing.best is None or timing.median is None:
        return "timed out"
    return f"{timing.best:.3f} / {timing.median:.3f}"


def _sanity(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    return f"exit {timing.exit_code}, {timing.findings} findings, {timing.output_lines} lines"


def markdown(results: list[Result]) -> str:
    rows = [
        "| input | lines | statements | ours, first run: best / median (s) "
        "| ours, unchanged input again (s) | AWS best / median (s) | ours/AWS (best, first run) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        rows.append(
            f"| {r.input} | {r.lines:,} | {r.statements:,} | {_cell(r.ours)} "
            f"| {_cell(r.ours_again)} | {_cell(r.aws)} | {ratio} |"
        )
    rows += ["", "| input | ours output | AWS output |", "|---|---|---|"]
    rows += [f"| {r.input} | {_sanity(r.ours)} | {_sanity(r.aws)} |" for r in results]
    return "\n".join(rows)


def write_json(results: list[Result], meta: dict[str, object]) -> Path:
    out = WORK / "results.json"
    payload = {
        "meta": meta,
        "results": [{**asdict(r), "ratio_best": r.ratio} for r in results],
    }
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return out


# --- main -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and input")
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--aws-spec", default=AWS_SPEC, help="pip spec of AWS's linter")
    parser.add_argument(
        "--aws-bin", metavar="PATH", help="--fix: AWS's `dsql-lint` installed there, not ours"
    )
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument("--skip-aws", action="store_true")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds allowed for one run (default 600)"
    )
    parser.add_argument(
        "--inputs", nargs="+", metavar="WORD", help="only inputs whose name contains a WORD"
    )
    parser.add_argument(
        "--memory", action="store_true", help="peak memory on an INSERT dump (gen_inserts.py)"
    )
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[1_000, DEFAULT_ROWS, 2 * DEFAULT_ROWS],
        help="--memory: INSERTs, one dump of each size",
    )
    parser.add_argument(
        "--form",
        choices=FORMS,
        default="inserts",
        help="--memory: an INSERT a row, or one statement of all the rows (gen_inserts.py)",
    )
    parser.add_argument(
        "--fix", action="store_true", help="fix (ours with --unsafe-fixes) of the large inputs"
    )
    parser.add_argument(
        "--jobs", type=int, nargs="+", default=[1, 2, 4], help="--memory: ours with each -j"
    )
    return parser.parse_args(argv)


def select_tools(args: argparse.Namespace) -> dict[str, list[str]]:
    tools: dict[str, list[str]] = {}
    if not args.skip_ours:
        check_project_venv()
        ours = our_binary()
        if not ours.exists():
            sys.exit(f"bench: {ours} not found: `pip install -e .` in this venv first")
        tools["ours"] = [str(ours), "check"]
        compile_bytecode()
    if not args.skip_aws:
        tools["aws"] = [str(ensure_aws_venv(args.aws_spec))]
    return tools


def compile_bytecode() -> None:
    """Writes our modules' bytecode, as `pip install` of a wheel does: an editable install
    under PYTHONDONTWRITEBYTECODE=1 (set on some machines) would otherwise recompile them
    from source on every run, 37 ms that no installed copy pays."""
    package = Path(__file__).resolve().parents[1] / "dsql_lint"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.memory:
        bench_memory(args)
        return
    if args.fix:
        bench_fix(args)
        return
    tools = select_tools(args)
    inputs = prepare_inputs(args.lines, args.seed)
    if args.inputs:
        inputs = [(n, p) for n, p in inputs if any(word in n for word in args.inputs)]
    results = [bench_input(name, path, tools, args.runs, args.timeout) for name, path in inputs]
    meta = {
        "runs": args.runs,
        "timeout": args.timeout,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": sys.version.split()[0],
        "ours": tool_version([*tools["ours"][:1], "--version"]) if "ours" in tools else None,
        "aws": tool_version([*tools["aws"], "--version"]) if "aws" in tools else None,
    }
    print(markdown(results))
    print(f"\nwritten: {write_json(results, meta)}")


if __name__ == "__main__":
    main()
