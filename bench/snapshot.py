"""Snapshot what a user sees, to prove a refactor changes none of it.

    python bench/snapshot.py OUT_DIR [--jobs N]

For every SQL file of fixtures/ and ../shared/corpus (a folder under corpus/migrations is one
input, linted in order), every framework project of fixtures/frameworks (one input each, as
discovery reads it) and every ORM file of fixtures/orm and corpus/orm, writes `check --format
json` for `--target latest` and `--target 2025-05`, and `fix --diff` (with and without
`--unsafe-fixes`), each with its exit code. Compare two snapshots with `diff -r BEFORE AFTER`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
RUNS: dict[str, list[str]] = {
    "check-latest": ["check", "--format", "json", "--no-cache", "--isolated", "--target", "latest"],
    "check-2025-05": [
        "check",
        "--format",
        "json",
        "--no-cache",
        "--isolated",
        "--target",
        "2025-05",
    ],
    "fix-diff": ["fix", "--diff", "--isolated"],
    "fix-diff-unsafe": ["fix", "--diff", "--isolated", "--unsafe-fixes"],
}


ORM_SUFFIXES = {".prisma", ".ts", ".js", ".py", ".rb"}


def inputs() -> list[Path]:
    found = sorted(p for p in (ROOT / "fixtures").rglob("*.sql"))
    found += sorted(p for p in (ROOT / "fixtures" / "frameworks").iterdir() if p.is_dir())
    found += _orm_files(ROOT / "fixtures" / "orm")
    if CORPUS.is_dir():
        migrations = CORPUS / "migrations"
        found += sorted(p for p in migrations.iterdir() if p.is_dir())
        found += sorted(p for p in CORPUS.rglob("*.sql") if migrations not in p.parents)
        found += _orm_files(CORPUS / "orm")
    return found


def _orm_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in ORM_SUFFIXES)


def run(args: tuple[str, Path, Path]) -> None:
    name, path, out = args
    command = [sys.executable, "-m", "dsql_lint", *RUNS[name], str(path.relative_to(ROOT.parent))]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT.parent)
    target = out / name / (str(path.relative_to(ROOT.parent)).replace("/", "__") + ".txt")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"exit {done.returncode}\n{done.stdout}\n--- stderr\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    work = [(name, path, args.out) for path in inputs() for name in RUNS]
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(run, work))
    print(f"{len(work)} outputs in {args.out}")


if __name__ == "__main__":
    main()
