"""Human-readable output: `path:line:col: CODE [name] message`, the suggestion, a code frame."""

from __future__ import annotations

import os
import sys
from collections import Counter
from unicodedata import combining, east_asian_width

from dsql_lint.diagnostic import Diagnostic, FixAvailability, Severity
from dsql_lint.engine.model import DsqlAnswer
from dsql_lint.report.model import LintReport
from dsql_lint.syntax.source import Source

FRAME_CONTEXT = 1  # lines shown above the finding
# A frame shows at most this many characters of a line, around the caret: one finding in a
# 5 MB line (a seed INSERT, a minified dump) must not print the line.
FRAME_WIDTH = 120
ELLIPSIS = "…"


def use_color(when: str = "auto", stream: object = None) -> bool:
    """Whether to colour output written to `stream` (default stdout): `always` and `never` as
    said; `auto` on a terminal, unless NO_COLOR is set, or anywhere FORCE_COLOR is set
    (no-color.org, force-color.org)."""
    if when != "auto":
        return when == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    target = stream or sys.stdout
    return bool(getattr(target, "isatty", lambda: False)())


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text


FIX_HINT = {
    FixAvailability.SAFE: "safe, applied by `dsql-lint fix`",
    FixAvailability.UNSAFE: "unsafe (changes behaviour), applied by `dsql-lint fix --unsafe-fixes`",
}

SEVERITY_COLOR = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;36"}


def render(report: LintReport, color: bool | None = None) -> str:
    style = _Style(use_color() if color is None else color)
    lines: list[str] = []
    for file, diag, answers in report.answered():
        lines.extend(_finding(file.source, diag, answers, style))
    lines.append(summary(report, style))
    return "\n".join(lines) + "\n"


def _finding(
    source: Source, diag: Diagnostic, answers: tuple[DsqlAnswer, ...], style: _Style
) -> list[str]:
    code = style(diag.code, SEVERITY_COLOR[diag.severity])
    head = f"{style(diag.path, '1')}:{diag.line}:{diag.col}: {code} [{diag.name}] {diag.message}"
    out = [head]
    if source.included_by:  # psql runs it where another file includes it
        out.append(f"  {included_by_line(source, style)}")
    if diag.suggestion:
        out.append(f"  {style('help:', '1;32')} {diag.suggestion}")
    if diag.fix is not FixAvailability.NONE:
        note = f"; {diag.fix_note}" if diag.fix_note else ""
        out.append(f"  {style('fix:', '1;32')} {FIX_HINT[diag.fix]}{note}")
    elif diag.fix_note:
        out.append(f"  {style('fix:', '1;32')} none: {diag.fix_note}")
    if answers:  # what the cluster will say: searchable when it is seen in production
        out.append(f"  {style('dsql:', '1;32')} {' | '.join(map(str, answers))}")
    out.extend(_frame(source, diag, style))
    out.append("")
    return out


def included_by_line(source: Source, style: _Style | None = None) -> str:
    """The include lines psql reads `source` through, outermost first."""
    label = style("included by:", "1;32") if style else "included by:"
    return f"{label} " + " -> ".join(f"{path}:{line}" for path, line in source.included_by)


def _frame(source: Source, diag: Diagnostic, style: _Style) -> list[str]:
    first = max(1, diag.line - FRAME_CONTEXT)
    last = min(source.line_count, diag.line)
    shown = {number: source.line_text(number) for number in range(first, last + 1)}
    if not shown:
        return []
    width = len(str(last))
    on_line = diag.line in shown
    end_col = diag.end_col if on_line and diag.end_line == diag.line else len(shown[last]) + 1
    left, right = _window(diag.col, max(map(len, shown.values())))
    out = [f"  {n:>{width}} | {_cut(text, left, right).expandtabs(1)}" for n, text in shown.items()]
    if on_line:
        line = shown[diag.line]
        carets = "^" * max(1, _columns(line[diag.col - 1 : min(end_col, right + 1) - 1]))
        pad = " " * (_columns(line[left : diag.col - 1]) + (1 if left else 0))
        out.append(f"  {' ' * width} | {pad}{style(carets, SEVERITY_COLOR[diag.severity])}")
    return out


def _columns(text: str) -> int:
    """The terminal columns `text` takes: two for a wide (CJK) character, none for a combining
    mark, so that the caret stands under the character it names."""
    return sum(0 if combining(c) else 2 if east_asian_width(c) in "WF" else 1 for c in text)


def _window(col: int, longest: int) -> tuple[int, int]:
    """The character range [left, right) of the frame's lines to show: all of them when they
    fit, else FRAME_WIDTH characters starting a little before the caret."""
    if longest <= FRAME_WIDTH:
        return 0, longest
    left = max(0, min(col - 1 - FRAME_WIDTH // 4, longest - FRAME_WIDTH))
    return left, left + FRAME_WIDTH


# Control characters (a binary file's bytes) shown as one replacement character each, so
# that the frame neither drives the terminal nor moves the caret.
_SHOWN = {c: "\ufffd" for c in [*range(0x20), *range(0x7F, 0xA0)] if c != 0x09}


def _cut(line: str, left: int, right: int) -> str:
    shown = line[left:right].translate(_SHOWN)
    if left and line:
        shown = ELLIPSIS + shown
    if right < len(line):
        shown += ELLIPSIS
    return shown


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def summary(report: LintReport, style: _Style | None = None) -> str:
    style = style or _Style(False)
    diagnostics = report.diagnostics
    files = len(report.files)
    statements = report.statements
    checked = f"{counted(files, 'file')}, {counted(statements, 'statement')} checked"
    if not diagnostics:
        return style(f"All clean: {checked}.", "1;32")
    counts = Counter(d.severity for d in diagnostics)
    parts = [counted(counts[s], s.value) for s in Severity if counts[s]]
    # The files with findings, not those checked: "in 3 files" of findings in one of three
    # would send the user looking in clean files.
    found = sum(bool(f.diagnostics) for f in report.files)
    if found < files:
        checked = f"{found} of {checked}"
    return f"Found {', '.join(parts)} in {checked}{_fix_note(diagnostics)}."


def _fix_note(diagnostics: list[Diagnostic]) -> str:
    counts = Counter(d.fix for d in diagnostics)
    safe, unsafe = counts[FixAvailability.SAFE], counts[FixAvailability.UNSAFE]
    notes = []
    if safe:
        notes.append(f"{safe} fixable with `dsql-lint fix`")
    if unsafe:
        more = " more" if safe else " fixable"
        notes.append(f"{unsafe}{more} with `dsql-lint fix --unsafe-fixes`")
    return "; " + ", ".join(notes) if notes else ""
