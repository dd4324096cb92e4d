"""Machine-readable output. The schema is documented in docs/json-output.md and versioned:
a change that removes or renames a field bumps SCHEMA_VERSION."""

from __future__ import annotations

import json

from dsql_lint import __version__
from dsql_lint.diagnostic import Diagnostic
from dsql_lint.engine.model import DsqlAnswer
from dsql_lint.report.model import LintReport
from dsql_lint.syntax.source import Source

SCHEMA_VERSION = 1


def answers_list(answers: tuple[DsqlAnswer, ...], keyed: bool = False) -> list[dict[str, str]]:
    """A finding's answer; a rule's answers (`keyed`) with the words each is for."""
    return [
        {"sqlstate": a.sqlstate, "message": a.message}
        | ({"when": a.when} if keyed and a.when else {})
        for a in answers
    ]


def diagnostic_dict(
    diag: Diagnostic, answers: tuple[DsqlAnswer, ...] = (), source: Source | None = None
) -> dict:
    """`source`: the finding's file, for the include lines psql reads it through."""
    included_by = source.included_by if source is not None else ()
    return {
        "path": diag.path,
        "code": diag.code,
        "name": diag.name,
        "severity": diag.severity.value,
        "message": diag.message,
        "suggestion": diag.suggestion,
        "fix": diag.fix.value,
        "fix_note": diag.fix_note,
        "statement": diag.statement,
        "start": {"line": diag.line, "column": diag.col, "offset": diag.byte_start},
        "end": {"line": diag.end_line, "column": diag.end_col, "offset": diag.byte_end},
        "dsql": answers_list(answers),
        "included_by": [{"path": path, "line": line} for path, line in included_by],
    }


def render(report: LintReport) -> str:
    diagnostics = report.diagnostics
    payload = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dsql-lint", "version": __version__},
        "summary": {
            "files": len(report.files),
            "statements": report.statements,
            "errors": sum(d.severity.value == "error" for d in diagnostics),
            "warnings": sum(d.severity.value == "warning" for d in diagnostics),
            "infos": sum(d.severity.value == "info" for d in diagnostics),
        },
        "diagnostics": [
            diagnostic_dict(d, answers, file.source) for file, d, answers in report.answered()
        ],
    }
    return json.dumps(payload, indent=2) + "\n"
