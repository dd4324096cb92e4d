"""How spans are found: by grammar layouts or by the regenerate-and-align fallback, and at what
CPU cost.

    python bench/span_stats.py [--lines N] [--skip-generated] [--skip-corpus]

Lints, in this process and with one job, the fixtures, the generated 100k-line schema
(`gen_schema.py`) and the corpus (`../shared/corpus`, when present), and prints for each:
the findings, the CPU seconds spent in `node_span` for them, the nodes placed by each layout,
the fallback's partitions (by parent node type) and the statements it regenerated whole.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_schema import DEFAULT_LINES, cached_schema  # noqa: E402

from dsql_lint.lint import pipeline  # noqa: E402
from dsql_lint.settings import LintOptions  # noqa: E402
from dsql_lint.syntax.align import STATS  # noqa: E402
from dsql_lint.syntax.source import read_source  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
CORPUS = ROOT.parent / "shared" / "corpus"


class SpanTimer:
    """Wraps the pipeline's node_span, adding up the CPU time of its calls."""

    def __init__(self, span: Callable[..., tuple[int, int]]) -> None:
        self.span = span
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, *args: Any) -> tuple[int, int]:
        began = time.process_time()
        try:
            return self.span(*args)
        finally:
            self.seconds += time.process_time() - began
            self.calls += 1


def measure(name: str, paths: list[Path]) -> dict[str, Any]:
    timer = SpanTimer(pipeline.node_span)
    pipeline.node_span = timer
    STATS.clear()
    began = time.process_time()
    try:
        report = pipeline.lint_sources((read_source(str(p)) for p in paths), LintOptions(jobs=1))
    finally:
        pipeline.node_span = timer.span
    findings = sum(len(f.diagnostics) for f in report.files)
    counts = Counter(STATS)
    return {
        "input": name,
        "files": len(paths),
        "findings": findings,
        "span calls": timer.calls,
        "span CPU s": round(timer.seconds, 3),
        "lint CPU s": round(time.process_time() - began, 3),
        "layout nodes": sum(n for k, n in counts.items() if k.startswith("layout")),
        "fallback partitions": sum(n for k, n in counts.items() if k.startswith("fallback")),
        "regenerated": counts["statements regenerated"],
        "detail": dict(counts.most_common()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES)
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true")
    args = parser.parse_args(argv)
    runs = [("fixtures", sorted((ROOT / "fixtures").rglob("*.sql")))]
    if not args.skip_generated:
        runs.append((f"generated {args.lines:,}", [cached_schema(WORK, args.lines)]))
    if not args.skip_corpus and CORPUS.is_dir():
        runs.append(("corpus", sorted(CORPUS.rglob("*.sql"))))
    columns = [
        "input",
        "files",
        "findings",
        "span calls",
        "span CPU s",
        "lint CPU s",
        "layout nodes",
        "fallback partitions",
        "regenerated",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    details = []
    for name, paths in runs:
        row = measure(name, paths)
        print("| " + " | ".join(f"{row[c]:,}" if c != "input" else row[c] for c in columns) + " |")
        details.append((name, row["detail"]))
    for name, detail in details:
        print(f"\n{name}: " + ", ".join(f"{k} {n:,}" for k, n in detail.items()))


if __name__ == "__main__":
    main()
