"""What `fix` tells the user: the fixes applied, those left for --unsafe-fixes, the findings
that remain (as `check` shows them), and diffs."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.fix.edits import Fix
from dsql_lint.fix.engine import FixResult
from dsql_lint.report import text as text_report
from dsql_lint.report.model import LintReport


def fix_line(path: str, fix: Fix, verb: str) -> str:
    codes = ", ".join((fix.code, *fix.codes))
    return f"{path}:{fix.line}: {codes} [{fix.safety.value}] {verb}: {fix.summary}"


def applied_lines(path: str, fixes: Iterable[Fix]) -> list[str]:
    return [fix_line(path, fix, "fixed") for fix in fixes]


def available_lines(path: str, fixes: Iterable[Fix]) -> list[str]:
    """Fixes left for --unsafe-fixes, and statements no fix can rewrite (safety none)."""
    return [
        f"{path}:{fix.line}: {fix.code} {fix.summary}"
        if fix.safety is FixAvailability.NONE
        else fix_line(path, fix, "fix available with --unsafe-fixes")
        for fix in fixes
    ]


def remaining(results: list[FixResult], rules: list[Rule], color: bool) -> str:
    """The findings left, rendered exactly as `check` renders them."""
    report = LintReport([r.report for r in results], rules)
    if not report.diagnostics:
        return ""
    return text_report.render(report, color=color)


def mysql_forms(results: list[FixResult]) -> int:
    """The findings left that are MySQL's forms (backquoted names, AUTO_INCREMENT, MODIFY
    COLUMN): what `fix --from mysql` translates."""
    return sum(
        d.name == "mysql-syntax"
        or (d.name == "syntax-error" and r.report.source.text.startswith("`", d.start))
        for r in results
        for d in r.remaining
    )


def summary(
    results: list[FixResult],
    translated: Sequence[Fix] = (),
    translating: bool = False,
) -> str:
    """One line: how many fixes were applied (translations from another dialect included),
    how many findings remain, and, unless `translating`, how many of those are MySQL's
    forms."""
    # (the edits an earlier file's fix carries into a later one are that fix's: counted once)
    applied = [*translated, *(f for r in results for f in r.applied if not f.origin)]
    unsafe = sum(not f.safe for f in applied)
    files = sum(r.changed for r in results)
    left = sum(len(r.remaining) for r in results)
    available = sum(len(r.available) for r in results)
    parts = [f"Fixed {text_report.counted(len(applied), 'finding')}"]
    if unsafe:
        parts.append(f" ({unsafe} with unsafe fixes)")
    parts.append(f" in {text_report.counted(files, 'file')}; {left} remain{'s' * (left == 1)}")
    if available:
        parts.append(f", {available} fixable with --unsafe-fixes")
    mysql = 0 if translating else mysql_forms(results)
    if mysql:
        are = "is" if mysql == 1 else "are"
        parts.append(
            f"; {mysql} of them {are} MySQL: `dsql-lint fix --from mysql` translates a MySQL file"
        )
    return "".join(parts) + "."


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff, marking a last line without a newline as diff(1) does."""
    # git's a/ b/ prefixes, which `git apply` and `patch -p1` expect, suit relative paths only.
    old, new = (path, path) if os.path.isabs(path) else (f"a/{path}", f"b/{path}")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), old, new
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
