"""Output formats for `check`. Each module has `render(report, options) -> str`."""

from __future__ import annotations

FORMATS: dict[str, str] = {
    "text": "dsql_lint.report.text",
    "json": "dsql_lint.report.json_format",
    "sarif": "dsql_lint.report.sarif",
    "github": "dsql_lint.report.github",
    "junit": "dsql_lint.report.junit",
}
