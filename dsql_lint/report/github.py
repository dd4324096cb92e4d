"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding.

GitHub turns them into annotations on the pull request's changed files. Paths are relative to
the current directory (the workspace root in a default job) with forward slashes. The last
line is the plain summary, which GitHub prints as ordinary log output.
"""

from __future__ import annotations

from dsql_lint.diagnostic import Diagnostic, Severity
from dsql_lint.report.model import LintReport
from dsql_lint.report.sarif import relative_path
from dsql_lint.report.text import included_by_line, summary
from dsql_lint.syntax.source import STDIN, Source

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    """Escape the message of a workflow command."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value of a workflow command (`file=`, `title=`...)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _file(path: str) -> str | None:
    if path in (STDIN, "<stdin>"):
        return None
    rel = relative_path(path)
    return rel if rel is not None else path.replace("\\", "/")


def command(diag: Diagnostic, source: Source | None = None) -> str:
    """`source`: the finding's file, for the include lines psql reads it through."""
    properties: list[tuple[str, object]] = []
    path = _file(diag.path)
    if path is not None:
        properties.append(("file", path))
    properties += [
        ("line", diag.line),
        ("col", diag.col),
        ("endLine", diag.end_line),
        ("endColumn", diag.end_col),
        ("title", f"{diag.code} {diag.name}"),
    ]
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    message = diag.message
    if source is not None and source.included_by:
        message += f"\n{included_by_line(source)}"
    if diag.suggestion:
        message += f"\nhelp: {diag.suggestion}"
    return f"::{COMMANDS[diag.severity]} {props}::{escape_data(message)}"


def render(report: LintReport) -> str:
    lines = [command(d, file.source) for file in report.files for d in file.diagnostics]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
