"""Run the linter over the shared corpus and count what it finds.

    python bench/corpus_counts.py [--target YYYY-MM-DD] [--findings FILE.tsv]

Every SQL file of `shared/corpus` is linted with the built-in rules. A folder under
`migrations/` is one project: its files are linted in migration order through one linter,
so that the catalog (tables, keys, sequences) carries from one migration to the next; every
other file is linted alone. Prints a per-rule count table, per-file totals, parse errors
(DSQL001) and crashes, which must be none (the exit code is 1 if there is one).
`--findings` also writes every finding as `path<TAB>line<TAB>code<TAB>message`, for hand
checks.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.engine.loader import parse_date
from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.settings import LintOptions, all_rules
from dsql_lint.syntax.source import migration_key, read_source

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PARSE_ERROR = "DSQL001"


@dataclass
class Group:
    """Files linted through one linter, in order."""

    name: str
    files: list[Path]


@dataclass
class FileResult:
    path: Path
    statements: int = 0
    findings: list[Diagnostic] = field(default_factory=list)
    crash: str | None = None


def groups(corpus: Path) -> list[Group]:
    sql = sorted(p for p in corpus.rglob("*.sql") if p.is_file())
    migrations = corpus / "migrations"
    by_project: dict[Path, list[Path]] = {}
    singles: list[Group] = []
    for path in sql:
        if migrations in path.parents:
            project = migrations / path.relative_to(migrations).parts[0]
            by_project.setdefault(project, []).append(path)
        else:
            singles.append(Group(str(path.relative_to(corpus)), [path]))
    projects = [
        Group(str(folder.relative_to(corpus)) + "/", sorted(files, key=migration_key))
        for folder, files in sorted(by_project.items())
    ]
    return singles + projects


def lint_group(group: Group, options: LintOptions) -> list[FileResult]:
    try:
        report = lint_sources((read_source(str(p)) for p in group.files), options)
    except Exception:  # noqa: BLE001 - a crash is what this script reports
        crash = traceback.format_exc(limit=6)
        # Find the file that crashed by linting the prefix one file at a time.
        return [_lint_alone(group.files[: i + 1], options, crash) for i in range(len(group.files))]
    return [
        FileResult(Path(f.source.path), len(f.statements), list(f.diagnostics))
        for f in report.files
    ]


def _lint_alone(files: list[Path], options: LintOptions, crash: str) -> FileResult:
    try:
        report = lint_sources((read_source(str(p)) for p in files), options)
    except Exception:  # noqa: BLE001
        return FileResult(files[-1], crash=traceback.format_exc(limit=6))
    last = report.files[-1]
    return FileResult(files[-1], len(last.statements), list(last.diagnostics))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--target", help="target date YYYY-MM-DD (default: today)")
    parser.add_argument("--findings", type=Path, help="write every finding to this TSV file")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    options = LintOptions(target=parse_date(args.target) if args.target else None)
    names = {r.code: r.name for r in all_rules(options)}
    started = time.perf_counter()
    results: list[FileResult] = []
    for group in groups(args.corpus):
        results.extend(lint_group(group, options))
    elapsed = time.perf_counter() - started

    per_rule: Counter[str] = Counter()
    files_per_rule: dict[str, set[Path]] = {}
    for result in results:
        for d in result.findings:
            per_rule[d.code] += 1
            files_per_rule.setdefault(d.code, set()).add(result.path)

    print(f"# Corpus: {args.corpus} ({len(results)} SQL files, {elapsed:.1f} s)\n")
    print("## Findings per rule\n")
    print("| rule | name | findings | files |")
    print("|---|---|---:|---:|")
    for code, count in sorted(per_rule.items()):
        print(f"| {code} | {names.get(code, '?')} | {count} | {len(files_per_rule[code])} |")
    print(f"| total | | {sum(per_rule.values())} | |")
    silent = sorted(set(names) - set(per_rule))
    print(f"\nRules with no finding ({len(silent)}): {', '.join(silent)}\n")

    print("## Per file\n")
    print("| file | statements | findings | errors | warnings | parse errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        rel = r.path.relative_to(args.corpus) if r.path.is_absolute() else r.path
        if r.crash:
            print(f"| {rel} | CRASH | | | | |")
            continue
        errors = sum(1 for d in r.findings if d.severity.value == "error")
        warnings = sum(1 for d in r.findings if d.severity.value == "warning")
        parse_errors = sum(1 for d in r.findings if d.code == PARSE_ERROR)
        cells = [rel, r.statements, len(r.findings), errors, warnings, parse_errors]
        print("| " + " | ".join(map(str, cells)) + " |")
    statements = sum(r.statements for r in results)
    parse_errors = per_rule.get(PARSE_ERROR, 0)
    crashes = [r for r in results if r.crash]
    print(f"\nStatements: {statements}; parse errors: {parse_errors}; crashes: {len(crashes)}")
    for r in crashes:
        print(f"\n### crash in {r.path}\n\n```\n{r.crash}```")

    if args.findings:
        with args.findings.open("w", encoding="utf-8") as out:
            for r in results:
                rel = r.path.relative_to(args.corpus) if r.path.is_absolute() else r.path
                for d in r.findings:
                    message = " ".join(d.message.split())
                    out.write(f"{rel}\t{d.line}\t{d.code}\t{message}\n")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
