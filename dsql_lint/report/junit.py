"""JUnit XML, for the test-report views of GitLab, Jenkins, Azure Pipelines and others.

One `<testsuite>` per file checked, one `<testcase>` per finding. Error and warning findings
are `<failure>`s (its `type` is the severity); info findings pass, with the message in
`<system-out>`. A file without findings gets one passing testcase, so a clean run still shows
every file that was checked.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from dsql_lint.diagnostic import Diagnostic, Severity
from dsql_lint.report.model import FileReport, LintReport
from dsql_lint.report.text import included_by_line
from dsql_lint.syntax.source import Source

CLEAN_CASE = "no DSQL incompatibilities"
FAILING = (Severity.ERROR, Severity.WARNING)

# Characters XML 1.0 cannot carry at all, even as character references.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """`value` with characters XML forbids shown as `\\xNN`; ElementTree escapes the rest."""
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _detail(diag: Diagnostic, source: Source) -> str:
    """The finding as the text format shows it; line ends as XML parsers read them back."""
    text = f"{diag.path}:{diag.line}:{diag.col}: {diag.code} [{diag.name}] {diag.message}"
    if source.included_by:
        text += f"\n{included_by_line(source)}"
    if diag.suggestion:
        text += f"\nhelp: {diag.suggestion}"
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _case_name(diag: Diagnostic) -> str:
    return f"{diag.code} {diag.name} at {diag.line}:{diag.col}"


def finding_case(diag: Diagnostic, source: Source) -> ET.Element:
    path = xml_text(diag.path)
    case = ET.Element(
        "testcase",
        {"name": xml_text(_case_name(diag)), "classname": path, "file": path, "time": "0"},
    )
    child_tag = "failure" if diag.severity in FAILING else "system-out"
    child = ET.SubElement(case, child_tag)
    if child_tag == "failure":
        child.set("message", xml_text(diag.message))
        child.set("type", diag.severity.value)
    child.text = xml_text(_detail(diag, source))
    return case


def clean_case(path: str) -> ET.Element:
    attributes = {"name": CLEAN_CASE, "classname": xml_text(path), "file": xml_text(path)}
    return ET.Element("testcase", {**attributes, "time": "0"})


def file_suite(file: FileReport) -> ET.Element:
    path = file.source.display_path
    cases = [finding_case(d, file.source) for d in file.diagnostics] or [clean_case(path)]
    failures = sum(d.severity in FAILING for d in file.diagnostics)
    suite = ET.Element("testsuite", _counts(xml_text(path), len(cases), failures))
    suite.extend(cases)
    return suite


def _counts(name: str, tests: int, failures: int) -> dict[str, str]:
    return {
        "name": name,
        "tests": str(tests),
        "failures": str(failures),
        "errors": "0",
        "skipped": "0",
        "time": "0",
    }


def junit_tree(report: LintReport) -> ET.Element:
    suites = [file_suite(f) for f in report.files]
    tests = sum(int(s.get("tests", "0")) for s in suites)
    failures = sum(int(s.get("failures", "0")) for s in suites)
    root = ET.Element("testsuites", _counts("dsql-lint", tests, failures))
    root.extend(suites)
    return root


def render(report: LintReport) -> str:
    root = junit_tree(report)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
