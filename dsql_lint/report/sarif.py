"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; `tool.driver.rules` lists the rules the results reference (as ruff does: every
active rule's docs would make a small report hundreds of KB), in rule order, with their docs;
each result points at its rule by id and index. Locations are relative to the current
directory (`%SRCROOT%`) with forward slashes; regions carry 1-based line/column (columns in
Unicode code points, end column exclusive) and the byte offset and length in the file as
stored. A finding in a file psql reads through `\\i`/`\\ir` names the include lines in
`relatedLocations`, chained by the spec's `isIncludedBy`/`includes` location relationships.
Fixes are not emitted yet:
`properties.fix` says whether `dsql-lint fix` can rewrite the finding, `properties.dsql` what the
cluster answers the statement (SQLSTATE and message), where recorded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from dsql_lint import __version__
from dsql_lint.diagnostic import Diagnostic, Severity
from dsql_lint.engine.model import DsqlAnswer, Rule, readable
from dsql_lint.report.json_format import answers_list
from dsql_lint.report.model import LintReport
from dsql_lint.syntax.source import STDIN, Source

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def relative_path(path: str, cwd: str | None = None) -> str | None:
    """`path` relative to `cwd` (default: the current directory) with forward slashes.

    None when it is outside `cwd` (or on another drive), and for standard input.
    """
    if path in (STDIN, "<stdin>"):
        return None
    base = os.path.abspath(cwd or os.getcwd())
    try:
        rel = os.path.relpath(os.path.abspath(path), base)
    except ValueError:
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return Path(rel).as_posix()


def artifact_location(path: str) -> dict:
    """Relative to %SRCROOT% when under the current directory; else an absolute file URI."""
    if path in (STDIN, "<stdin>"):
        return {"description": {"text": "standard input"}}
    rel = relative_path(path)
    if rel is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(rel, safe="/"), "uriBaseId": SRCROOT}


def _cwd_uri() -> str:
    uri = Path(os.getcwd()).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def rule_help_text(rule: Rule) -> str:
    parts = [rule.docs.why.strip(), "Failing example:\n\n" + rule.docs.bad.rstrip()]
    if rule.docs.good:
        parts.append("Fixed example:\n\n" + rule.docs.good.rstrip())
    if rule.suggestion:
        parts.append("Suggestion: " + rule.suggestion.strip())
    if rule.dsql:
        answers = " | ".join(a.filled().described() for a in rule.dsql)
        parts.append("Aurora DSQL answers: " + answers)
    return "\n\n".join(parts) + "\n"


def rule_help_markdown(rule: Rule) -> str:
    parts = [rule.docs.why.strip(), "**Failing example**", _sql_block(rule.docs.bad)]
    if rule.docs.good:
        parts += ["**Fixed example**", _sql_block(rule.docs.good)]
    if rule.suggestion:
        parts.append("**Suggestion:** " + rule.suggestion.strip())
    if rule.dsql:
        answers = " | ".join(a.filled().described("`") for a in rule.dsql)
        parts.append("**Aurora DSQL answers:** " + answers)
    if rule.evidence:
        parts.append("\n".join(f"- {e.source} ({e.date}): {e.fact}" for e in rule.evidence))
    return "\n\n".join(parts) + "\n"


def _sql_block(sql: str) -> str:
    return "```sql\n" + sql.rstrip() + "\n```"


def rule_descriptor(rule: Rule) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": readable(rule.message)},
        "fullDescription": {"text": rule.docs.why.strip()},
        "help": {"text": rule_help_text(rule), "markdown": rule_help_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "fix": rule.fix.value,
            "lifted": rule.lifted.isoformat() if rule.lifted else None,
            "scope": rule.scope.value,
            "tags": ["dsql"],
            "dsql": answers_list(tuple(a.filled() for a in rule.dsql), keyed=True),
        },
    }


def region(diag: Diagnostic) -> dict:
    return {
        "startLine": diag.line,
        "startColumn": diag.col,
        "endLine": diag.end_line,
        "endColumn": diag.end_col,
        "byteOffset": diag.byte_start,
        "byteLength": max(0, diag.byte_end - diag.byte_start),
    }


def include_locations(
    location: dict, path: str, included_by: tuple[tuple[str, int], ...]
) -> list[dict]:
    """The include lines psql reads the finding's file (`path`) through, innermost first, as
    related locations with ids from 1. `location` (the finding's, id 0) and each of them are
    linked to the next one out by `isIncludedBy`, and back by `includes`."""
    chain = [location]
    for number, (includer, line) in enumerate(reversed(included_by), start=1):
        physical = {"artifactLocation": artifact_location(includer), "region": {"startLine": line}}
        message = {"text": f"includes {path}"}
        chain.append({"id": number, "physicalLocation": physical, "message": message})
        path = includer
    for inner, outer in zip(chain, chain[1:], strict=False):
        inner.setdefault("relationships", []).append(_relation(outer["id"], "isIncludedBy"))
        outer.setdefault("relationships", []).append(_relation(inner["id"], "includes"))
    return chain[1:]


def _relation(target: int, kind: str) -> dict:
    return {"target": target, "kinds": [kind]}


def result(
    diag: Diagnostic,
    answers: tuple[DsqlAnswer, ...],
    rule_index: dict[str, int],
    source: Source | None = None,
) -> dict:
    """`source`: the finding's file, for the include lines psql reads it through."""
    out: dict = {"ruleId": diag.code}
    if diag.code in rule_index:
        out["ruleIndex"] = rule_index[diag.code]
    out["level"] = LEVELS[diag.severity]
    out["message"] = {"text": diag.message}
    physical = {"artifactLocation": artifact_location(diag.path), "region": region(diag)}
    location: dict = {"physicalLocation": physical}
    included_by = source.included_by if source is not None else ()
    if included_by:
        location = {"id": 0, **location}
        out["relatedLocations"] = include_locations(location, diag.path, included_by)
    out["locations"] = [location]
    properties: dict = {"name": diag.name, "fix": diag.fix.value}
    if diag.suggestion:
        properties["suggestion"] = diag.suggestion
    if answers:
        properties["dsql"] = answers_list(answers)
    out["properties"] = properties
    return out


def artifacts(report: LintReport) -> list[dict]:
    """Every file checked, findings or not, once each."""
    paths = dict.fromkeys(f.source.display_path for f in report.files)
    return [{"location": artifact_location(p), "sourceLanguage": "sql"} for p in paths]


def sarif_log(report: LintReport) -> dict:
    used = {d.code for d in report.diagnostics}
    rules = [rule for rule in report.rules if rule.code in used]
    rule_index = {rule.code: i for i, rule in enumerate(rules)}
    driver = {
        "name": "dsql-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule_descriptor(rule) for rule in rules],
    }
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": _cwd_uri()}},
        "artifacts": artifacts(report),
        "columnKind": "unicodeCodePoints",
        "results": [
            result(d, answers, rule_index, file.source) for file, d, answers in report.answered()
        ],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: LintReport) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
