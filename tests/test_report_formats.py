"""The sarif, github and junit output formats of `dsql-lint check`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from dsql_lint.diagnostic import Diagnostic, Severity
from dsql_lint.engine.model import readable
from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.report import FORMATS, github, json_format, junit, sarif
from dsql_lint.report import text as text_report
from dsql_lint.report.model import LintReport
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import Source

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-2.1.0.json"
ODD_PATH = "dir with space/a,b:c.sql"
ODD_URI = "dir%20with%20space/a%2Cb%3Ac.sql"
ODD_MESSAGE = "100% sure: line one\nline two, done\r"
ODD_SUGGESTION = "use 50%: or, better"
TARGET = dt.date(2026, 1, 1)  # before DSQL201/103/104 were lifted: some active rules have a date

FINDINGS_SQL = (
    "CREATE TABLE t (id serial PRIMARY KEY, tags text[]);\n"
    "CREATE INDEX i ON t (id);\n"
    "CREATE TABLE u (id int, name text;\n"
)
CLEAN_SQL = "CREATE TABLE ok (id uuid PRIMARY KEY);\n"


def make_report(*sources: tuple[str, str]) -> LintReport:
    # array-column and syntax-error lowered, so one report holds all three severities
    lowered = {"array-column": Severity.INFO, "syntax-error": Severity.WARNING}
    options = LintOptions(target=TARGET, severity=lowered)
    return lint_sources([Source(path, text) for path, text in sources], options)


@pytest.fixture
def report() -> LintReport:
    return make_report((ODD_PATH, FINDINGS_SQL), ("clean.sql", CLEAN_SQL))


@pytest.fixture
def clean_report() -> LintReport:
    return make_report(("a.sql", CLEAN_SQL), ("b/c.sql", "SELECT 1;\n"))


def with_odd_message(report: LintReport) -> LintReport:
    """The report with its first finding's message and suggestion full of characters to escape."""
    first, *rest = report.files[0].diagnostics
    odd = replace(first, message=ODD_MESSAGE, suggestion=ODD_SUGGESTION)
    files = [replace(report.files[0], diagnostics=[odd, *rest]), *report.files[1:]]
    return LintReport(files, report.rules)


def by_severity(report: LintReport) -> dict[Severity, list[Diagnostic]]:
    found: dict[Severity, list[Diagnostic]] = {s: [] for s in Severity}
    for diag in report.diagnostics:
        found[diag.severity].append(diag)
    return found


def test_report_has_every_severity(report: LintReport) -> None:
    assert all(by_severity(report).values()), [d.without_node() for d in report.diagnostics]
    assert not report.files[1].diagnostics


def test_formats_are_registered() -> None:
    assert FORMATS["sarif"] == "dsql_lint.report.sarif"
    assert FORMATS["github"] == "dsql_lint.report.github"
    assert FORMATS["junit"] == "dsql_lint.report.junit"


# --- SARIF ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_vendored_schema_is_the_oasis_one(schema: dict) -> None:
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"  # README
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def validators(schema: dict) -> list[jsonschema.protocols.Validator]:
    """The validator the schema declares (draft-04), and Draft-07's, stricter on nothing we use."""
    declared = jsonschema.validators.validator_for(schema)
    declared.check_schema(schema)
    return [declared(schema), jsonschema.Draft7Validator(schema)]


def assert_valid_sarif(log: dict, schema: dict) -> None:
    for validator in validators(schema):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
        assert not errors, errors


def sarif_of(report: LintReport) -> dict:
    return json.loads(sarif.render(report))


def test_sarif_validates_against_schema(report: LintReport, schema: dict) -> None:
    assert_valid_sarif(sarif_of(report), schema)
    assert_valid_sarif(sarif_of(with_odd_message(report)), schema)


def test_sarif_clean_report_validates(clean_report: LintReport, schema: dict) -> None:
    log = sarif_of(clean_report)
    assert_valid_sarif(log, schema)
    run = log["runs"][0]
    assert run["results"] == []
    assert [a["location"]["uri"] for a in run["artifacts"]] == ["a.sql", "b/c.sql"]
    assert run["tool"]["driver"]["rules"] == []  # no result references a rule


def test_sarif_schema_rejects_a_broken_log(report: LintReport, schema: dict) -> None:
    log = sarif_of(report)
    log["runs"][0]["results"][0]["level"] = "fatal"
    for validator in validators(schema):
        assert not validator.is_valid(log)


def test_sarif_driver_and_rules(report: LintReport) -> None:
    log = sarif_of(report)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "dsql-lint"
    assert driver["version"]
    # No informationUri: the project publishes no page of its own, and SARIF makes it optional.
    assert "informationUri" not in driver
    # The rules the results reference, in rule order (as ruff lists them), not every rule.
    used = {d.code for d in report.diagnostics}
    referenced = [r for r in report.rules if r.code in used]
    assert len(referenced) < len(report.rules)
    assert [r["id"] for r in driver["rules"]] == [r.code for r in referenced]
    for descriptor, rule in zip(driver["rules"], referenced, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == readable(rule.message)
        assert "{" not in descriptor["shortDescription"]["text"]
        assert descriptor["fullDescription"]["text"] == rule.docs.why.strip()
        level = {"error": "error", "warning": "warning", "info": "note"}[rule.severity.value]
        assert descriptor["defaultConfiguration"]["level"] == level
        assert descriptor["properties"]["fix"] == rule.fix.value
        lifted = rule.lifted.isoformat() if rule.lifted else None
        assert descriptor["properties"]["lifted"] == lifted
        for help_text in descriptor["help"].values():
            assert rule.docs.bad.strip() in help_text
            assert rule.docs.good is None or rule.docs.good.strip() in help_text
        assert "```sql" in descriptor["help"]["markdown"]
    dated = next(r for r in report.rules if r.lifted)  # an active rule DSQL has lifted
    assert sarif.rule_descriptor(dated)["properties"]["lifted"] == dated.lifted.isoformat()
    levels = {d["id"]: d["defaultConfiguration"]["level"] for d in driver["rules"]}
    assert levels["DSQL102"] == "note"  # severity override reaches the descriptor


def test_sarif_results(report: LintReport) -> None:
    run = sarif_of(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(report.diagnostics)
    for res, diag in zip(run["results"], report.diagnostics, strict=True):
        assert res["ruleId"] == diag.code
        assert rules[res["ruleIndex"]]["id"] == diag.code
        assert (
            res["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[diag.severity.value]
        )
        assert res["message"]["text"] == diag.message
        assert "fixes" not in res
        assert res["properties"]["fix"] == diag.fix.value
        (location,) = res["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": ODD_URI, "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {
            "startLine": diag.line,
            "startColumn": diag.col,
            "endLine": diag.end_line,
            "endColumn": diag.end_col,
            "byteOffset": diag.byte_start,
            "byteLength": diag.byte_end - diag.byte_start,
        }
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}


def test_sarif_region_is_one_based_and_bytes_match_the_file(report: LintReport) -> None:
    data = FINDINGS_SQL.encode()
    for res in sarif_of(report)["runs"][0]["results"]:
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (
            region["endColumn"] > region["startColumn"] or region["endLine"] > region["startLine"]
        )
        line_start = sum(len(x) for x in data.splitlines(keepends=True)[: region["startLine"] - 1])
        assert region["byteOffset"] == line_start + region["startColumn"] - 1  # ASCII source


def test_sarif_uri_is_relative_with_forward_slashes(report: LintReport) -> None:
    run = sarif_of(report)["runs"][0]
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris == [ODD_URI, "clean.sql"]
    assert unquote(ODD_URI) == ODD_PATH
    assert all(" " not in u and "\\" not in u and ":" not in u for u in uris)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().as_uri().rstrip("/") + "/"
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_paths_outside_cwd_and_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schema: dict
) -> None:
    inside = tmp_path / "work"
    inside.mkdir()
    monkeypatch.chdir(inside)
    outside = str(tmp_path / "other" / "x.sql")
    nested = str(inside / "db" / "V1__init.sql")
    log = sarif_of(
        make_report((outside, FINDINGS_SQL), (nested, "SELECT 1;\n"), ("-", "SELECT 1;"))
    )
    assert_valid_sarif(log, schema)
    locations = [a["location"] for a in log["runs"][0]["artifacts"]]
    assert locations[0] == {"uri": Path(outside).as_uri()}
    assert locations[1] == {"uri": "db/V1__init.sql", "uriBaseId": "%SRCROOT%"}
    assert "uri" not in locations[2]
    assert sarif.relative_path(nested) == "db/V1__init.sql"
    assert sarif.relative_path(outside) is None


def test_sarif_odd_message_round_trips(report: LintReport) -> None:
    res = sarif_of(with_odd_message(report))["runs"][0]["results"][0]
    assert res["message"]["text"] == ODD_MESSAGE
    assert res["properties"]["suggestion"] == ODD_SUGGESTION


# --- GitHub workflow commands ----------------------------------------------------------------


def test_github_escaping() -> None:
    assert github.escape_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"
    assert github.escape_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad"
    assert github.escape_property("%3A") == "%253A"  # % first: no double decoding


def test_github_odd_message_exact(report: LintReport) -> None:
    odd_report = with_odd_message(report)
    diag = odd_report.diagnostics[0]
    lines = github.render(odd_report).splitlines()
    assert lines[0] == (
        f"::error file=dir with space/a%2Cb%3Ac.sql,line={diag.line},col={diag.col},"
        f"endLine={diag.end_line},endColumn={diag.end_col},title={diag.code} {diag.name}"
        "::100%25 sure: line one%0Aline two, done%0D%0Ahelp: use 50%25: or, better"
    )


def test_github_one_command_per_finding(report: LintReport) -> None:
    lines = github.render(report).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(report.diagnostics) == len(lines) - 1
    kinds = [line.split(" ", 1)[0] for line in commands]
    expected = {"error": "::error", "warning": "::warning", "info": "::notice"}
    assert kinds == [expected[d.severity.value] for d in report.diagnostics]
    for line, diag in zip(commands, report.diagnostics, strict=True):
        props, message = line.split(" ", 1)[1].split("::", 1)
        fields = dict(p.split("=", 1) for p in props.split(","))
        assert fields == {
            "file": "dir with space/a%2Cb%3Ac.sql",
            "line": str(diag.line),
            "col": str(diag.col),
            "endLine": str(diag.end_line),
            "endColumn": str(diag.end_col),
            "title": f"{diag.code} {diag.name}",
        }
        assert message.startswith(github.escape_data(diag.message))
    assert lines[-1].startswith("Found ")


def test_github_clean_report(clean_report: LintReport) -> None:
    assert github.render(clean_report) == "All clean: 2 files, 2 statements checked.\n"


def test_github_stdin_has_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    first = github.render(make_report(("-", FINDINGS_SQL))).splitlines()[0]
    assert first.startswith("::error line=")


# --- JUnit XML -----------------------------------------------------------------------------


def junit_of(report: LintReport) -> ET.Element:
    text = junit.render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_junit_counts(report: LintReport) -> None:
    root = junit_of(report)
    found = by_severity(report)
    failing = len(found[Severity.ERROR]) + len(found[Severity.WARNING])
    assert root.tag == "testsuites"
    assert root.get("tests") == str(len(report.diagnostics) + 1)  # + the clean file's case
    assert root.get("failures") == str(failing)
    assert root.get("errors") == "0"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [ODD_PATH, "clean.sql"]
    odd, clean = suites
    assert odd.get("tests") == str(len(report.diagnostics))
    assert odd.get("failures") == str(failing)
    assert len(odd.findall("testcase")) == len(report.diagnostics)
    assert len(odd.findall("testcase/failure")) == failing
    types = sorted(f.get("type") for f in odd.iter("failure"))
    assert types == sorted(
        d.severity.value for d in report.diagnostics if d.severity.value != "info"
    )
    assert len(odd.findall("testcase/system-out")) == len(found[Severity.INFO])
    assert clean.get("tests") == "1" and clean.get("failures") == "0"
    (case,) = clean.findall("testcase")
    assert list(case) == []  # passing
    assert case.get("classname") == "clean.sql"


def test_junit_testcases_name_the_finding(report: LintReport) -> None:
    cases = junit_of(report).find("testsuite").findall("testcase")
    for case, diag in zip(cases, report.diagnostics, strict=True):
        assert case.get("name") == f"{diag.code} {diag.name} at {diag.line}:{diag.col}"
        assert case.get("classname") == ODD_PATH
        assert case.get("file") == ODD_PATH
        failure = case.find("failure")
        if failure is not None:
            assert failure.get("message") == diag.message
            assert f"{diag.path}:{diag.line}:{diag.col}: {diag.code}" in failure.text


def test_junit_odd_message_round_trips(report: LintReport) -> None:
    failure = junit_of(with_odd_message(report)).find("testsuite/testcase/failure")
    assert failure.get("message") == ODD_MESSAGE
    assert "100% sure: line one\nline two, done\n" in failure.text  # \r read back as \n anyway
    assert failure.text.endswith("help: " + ODD_SUGGESTION)


def test_junit_escapes_markup_and_control_characters(report: LintReport) -> None:
    first = report.files[0].diagnostics[0]
    odd = replace(first, message='<b a="1"> & ]]> \x0c\x00 end')
    files = [replace(report.files[0], diagnostics=[odd]), *report.files[1:]]
    failure = junit_of(LintReport(files, report.rules)).find("testsuite/testcase/failure")
    assert failure.get("message") == '<b a="1"> & ]]> \\x0c\\x00 end'


def test_junit_clean_report(clean_report: LintReport) -> None:
    root = junit_of(clean_report)
    assert root.get("tests") == "2" and root.get("failures") == "0"
    for suite in root.findall("testsuite"):
        (case,) = suite.findall("testcase")
        assert case.get("name") == junit.CLEAN_CASE
        assert list(case) == []


def test_junit_empty_report() -> None:
    root = junit_of(LintReport(files=[], rules=[]))
    assert root.get("tests") == "0" and list(root) == []


# --- through the command line --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit"])
def test_check_command_formats(fmt: str, tmp_path: Path, schema: dict) -> None:
    folder = tmp_path / "dir with space"
    folder.mkdir()
    (folder / "a,b:c.sql").write_text(FINDINGS_SQL, encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--format", fmt, "dir with space"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    if fmt == "sarif":
        log = json.loads(proc.stdout)
        assert_valid_sarif(log, schema)
        assert log["runs"][0]["artifacts"][0]["location"]["uri"] == ODD_URI
    elif fmt == "github":
        assert proc.stdout.startswith("::error file=dir with space/a%2Cb%3Ac.sql,line=1,")
    else:
        assert ET.fromstring(proc.stdout).get("failures") != "0"


def _check_included(tmp_path: Path, fmt: str) -> str:
    """`check --format FMT V1__main.sql`, which `\\ir`s parts/mid.sql, which `\\ir`s
    parts/t.sql, whose SERIAL is the finding."""
    (tmp_path / "parts").mkdir(parents=True, exist_ok=True)
    (tmp_path / "V1__main.sql").write_text("SELECT 1;\n\\ir parts/mid.sql\n")
    (tmp_path / "parts" / "mid.sql").write_text("\\ir t.sql\n")
    (tmp_path / "parts" / "t.sql").write_text("CREATE TABLE t (id serial PRIMARY KEY);\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--isolated", "--no-cache"]
        + ["--select", "DSQL101", "--format", fmt, "V1__main.sql"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


def test_sarif_names_the_include_lines_as_related_locations(tmp_path: Path, schema: dict) -> None:
    log = json.loads(_check_included(tmp_path, "sarif"))
    assert_valid_sarif(log, schema)
    (res,) = log["runs"][0]["results"]
    (location,) = res["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "parts/t.sql"
    assert location["relationships"] == [{"target": 1, "kinds": ["isIncludedBy"]}]
    mid, main = res["relatedLocations"]
    assert (mid["id"], main["id"]) == (1, 2)
    assert mid["physicalLocation"] == {
        "artifactLocation": {"uri": "parts/mid.sql", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    assert main["physicalLocation"]["artifactLocation"]["uri"] == "V1__main.sql"
    assert main["physicalLocation"]["region"] == {"startLine": 2}
    assert mid["message"]["text"] == "includes parts/t.sql"
    assert main["message"]["text"] == "includes parts/mid.sql"
    assert mid["relationships"] == [
        {"target": 0, "kinds": ["includes"]},
        {"target": 2, "kinds": ["isIncludedBy"]},
    ]
    assert main["relationships"] == [{"target": 1, "kinds": ["includes"]}]


def test_a_finding_read_directly_has_no_related_locations(report: LintReport) -> None:
    for res in sarif_of(report)["runs"][0]["results"]:
        assert "relatedLocations" not in res
        assert res["locations"][0].keys() == {"physicalLocation"}


def test_github_and_junit_name_the_include_lines(tmp_path: Path) -> None:
    through = "included by: V1__main.sql:2 -> parts/mid.sql:1"
    (annotation, _summary) = _check_included(tmp_path, "github").splitlines()
    assert annotation.startswith("::error file=parts/t.sql,line=1,")
    message = annotation.split("::", 2)[2]
    assert message.split("%0A")[1] == through
    case = ET.fromstring(_check_included(tmp_path, "junit")).find(".//failure")
    assert case is not None and case.text is not None
    assert case.text.splitlines()[1] == through


# --- DSQL's own words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "code", "sqlstate", "message"),
    [
        ("TRUNCATE t;", "DSQL701", "0A000", "unsupported statement: Truncate"),
        ("CREATE INDEX i ON t (c);", "DSQL301", "0A000", "unsupported mode. please use CREATE"),
        ("CREATE TEMP TABLE t (id int);", "DSQL501", "0A000", "TEMPORARY or TEMP table"),
        ("ALTER TABLE t ADD COLUMN c int DEFAULT 1;", "DSQL601", "0A000", "ALTER TABLE ADD COLUMN"),
        ("CREATE TYPE m AS ENUM ('a');", "DSQL514", "0A000", "CREATE TYPE not supported"),
    ],
)
def test_a_finding_carries_what_the_cluster_answers(
    sql: str, code: str, sqlstate: str, message: str
) -> None:
    report = make_report(("x.sql", sql + "\n"))
    diag = next(d for d in report.diagnostics if d.code == code)
    text = text_report.render(report, color=False)
    assert f"  dsql: {sqlstate} {message}" in text
    payload = json.loads(json_format.render(report))
    answers = next(d["dsql"] for d in payload["diagnostics"] if d["code"] == diag.code)
    assert answers[0]["sqlstate"] == sqlstate and answers[0]["message"].startswith(message)
    results = json.loads(sarif.render(report))["runs"][0]["results"]
    found = next(r for r in results if r["ruleId"] == code)
    assert found["properties"]["dsql"] == answers


def test_every_format_words_the_answer_for_the_finding() -> None:
    """A `<...>` of the recorded answer is filled with the name the finding is on, or says
    `...` where the finding is not one name: the same words in text, JSON and SARIF."""
    sql = "CREATE TABLE t (id bigserial, tags varchar(20)[], n int GENERATED ALWAYS AS IDENTITY);\n"
    report = make_report(("x.sql", sql))
    text = text_report.render(report, color=False)
    assert '  dsql: 42704 type "bigserial" does not exist\n' in text
    assert "  dsql: 0A000 datatype character varying[] not supported\n" in text
    assert (
        "  dsql: 0A000 datatype integer not supported, identity column type must be bigint" in text
    )
    assert "<" not in "".join(line for line in text.splitlines() if "dsql:" in line)
    payload = json.loads(json_format.render(report))
    results = json.loads(sarif.render(report))["runs"][0]["results"]
    for diagnostic, result in zip(payload["diagnostics"], results, strict=True):
        said = [f"{a['sqlstate']} {a['message']}" for a in diagnostic["dsql"]]
        assert all(f"  dsql: {s}" in text and "<" not in s for s in said)
        assert result["properties"].get("dsql", []) == diagnostic["dsql"]
    answers = next(d["dsql"] for d in payload["diagnostics"] if d["code"] == "DSQL101")
    assert answers[0]["message"] == 'type "bigserial" does not exist'


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("CREATE TYPE mood AS ENUM ('a');", ["0A000 CREATE TYPE not supported"]),
        ("CREATE TYPE a AS (s text);", ["0A000 unsupported statement: CompositeType"]),
        (
            "CREATE TYPE r AS RANGE (subtype = float8);",
            ["0A000 unsupported statement: CreateRange"],
        ),
        ("ALTER TYPE mood ADD VALUE 'b';", ["0A000 ALTER TYPE not supported"]),
        ("ALTER TYPE mood RENAME TO m;", ["0A000 unsupported object in RENAME statement"]),
        ("LISTEN c;", ["0A000 unsupported statement: Listen"]),
        ("UNLISTEN *;", ["0A000 unsupported statement: Unlisten"]),
        ("NOTIFY c, 'x';", ["0A000 unsupported statement: Notify"]),
        ("CREATE MATERIALIZED VIEW v AS SELECT 1;", ["0A000 unsupported statement: CreateTableAs"]),
        ("REFRESH MATERIALIZED VIEW v;", []),  # the facts record no answer for it
        ("DROP TYPE IF EXISTS mood;", ["0A000 unsupported object in DROP statement"]),
        (
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;",
            ["0A000 unsupported statement type: MERGE"],
        ),
        (
            "BEGIN ISOLATION LEVEL SERIALIZABLE; COMMIT;",
            ["0A000 Unsupported isolation level: SERIALIZABLE"],
        ),
        ("BEGIN ISOLATION LEVEL READ COMMITTED; COMMIT;", []),  # not recorded
        (
            "SET TRANSACTION READ ONLY;",
            ['0A000 setting configuration parameter "TRANSACTION" not supported'],
        ),
        (
            'CREATE TABLE t (id bigint PRIMARY KEY, ip "inet");',
            ["0A000 datatype inet not supported"],
        ),
        (
            "CREATE TABLE t (id bigint PRIMARY KEY, b bit varying(5));",
            ["0A000 datatype bit varying not supported"],
        ),
        (
            "CREATE TABLE t (id bigint PRIMARY KEY, n _int4);",
            ["0A000 datatype integer[] not supported"],
        ),
        (
            "CREATE TABLE t (id bigint PRIMARY KEY, n float(24)[]);",
            ["0A000 datatype real[] not supported"],
        ),
        (
            "CREATE TABLE t (id bigint PRIMARY KEY, n FLOAT (25) ARRAY);",
            ["0A000 datatype double precision[] not supported"],
        ),
        ("CALL sys.wait_for_job(NULL);", []),  # the facts record no answer to NULL
        (
            "CREATE TABLE t (id smallint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY);",
            ["0A000 datatype smallint not supported, identity column type must be bigint"],
        ),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE PLPGSQL AS $$ BEGIN RETURN 1; END $$;",
            ["0A000 CREATE FUNCTION with language plpgsql not supported"],
        ),
        (
            "SELECT to_tsvector('English'::regconfig, 'a');",
            ['42704 text search configuration "english" does not exist'],
        ),
        ("SHOW LC_CTYPE;", ['42704 unrecognized configuration parameter "lc_ctype"']),
    ],
)
def test_a_finding_gets_the_answer_for_its_own_statement(sql: str, said: list[str]) -> None:
    """Where a rule's statements get different answers, a finding shows the one recorded for
    its own (not every variant's), with the parts its statement spells filled in: in JSON and
    SARIF alike."""
    report = lint_sources([Source("x.sql", sql + "\n")], LintOptions())
    payload = json.loads(json_format.render(report))
    errors = [d for d in payload["diagnostics"] if d["severity"] == "error"]
    assert len(errors) == 1, errors
    assert [f"{a['sqlstate']} {a['message']}" for a in errors[0]["dsql"]] == said
    results = json.loads(sarif.render(report))["runs"][0]["results"]
    found = next(r for r in results if r["ruleId"] == errors[0]["code"])
    assert found["properties"].get("dsql", []) == errors[0]["dsql"]


def test_explain_lists_every_variant_with_its_words() -> None:
    from click.testing import CliRunner

    from dsql_lint.commands.docs import explain

    said = CliRunner().invoke(explain, ["DSQL514"]).output
    assert "- `0A000` `CREATE TYPE not supported` (for `AS ENUM`)" in said
    assert "(for `ALTER TYPE ... RENAME`)" in said
    assert "`unsupported object in DROP statement` (for `DROP TYPE`)" in said
    refused = CliRunner().invoke(explain, ["DSQL005"]).output
    assert "`unsupported statement: AlterSystem` (for `ALTER SYSTEM`)" in refused
    # an answer recorded by its SQLSTATE alone is found by it, and by no message
    assert "DSQL719" in CliRunner().invoke(explain, ["22P02"]).output
    by_message = CliRunner().invoke(explain, ['ERROR:  type "smallserial" does not exist'])
    assert "DSQL719" not in by_message.output


def test_explain_shows_no_template() -> None:
    """With no finding to fill them from, a rule's message names what varies (`<table>`) and
    a recorded answer's bare `<...>` is `...`."""
    from click.testing import CliRunner

    from dsql_lint.commands.docs import explain

    listed = CliRunner().invoke(explain, ["unsupported ALTER TABLE ADD CONSTRAINT statement"])
    assert "ADD PRIMARY KEY on `<table>`" in listed.output
    one = CliRunner().invoke(explain, ["DSQL621"]).output
    runtime = CliRunner().invoke(explain, ["OC001"]).output
    assert "40001 / OC001 ...(OC001)" in runtime
    for output in (listed.output, one, runtime):
        assert not re.search(r"\{\w+\}|<\.\.\.>", output), output


def test_a_syntax_error_after_non_ascii_text_is_at_its_character() -> None:
    """PostgreSQL counts characters, not bytes: the column and the caret stand under the
    token the server names, past accented letters and wide (CJK) characters alike."""
    sql = "SELECT 'é', 'ü' FROM;\nCREATE TABLE 日本 (名前 text, x int,);\n"
    report = make_report(("x.sql", sql))
    found = [(d.line, d.col) for d in report.diagnostics if d.code == "DSQL012"]
    assert found == [(1, 21), (2, 33)]
    text = text_report.render(report, color=False).splitlines()
    line = text.index("  2 | CREATE TABLE 日本 (名前 text, x int,);")
    caret = text[line + 1].index("^") - len("  2 | ")
    assert caret == len("CREATE TABLE 日本 (名前 text, x int,") + 4  # four wide characters


def test_explain_finds_the_rule_from_the_clusters_message() -> None:
    from click.testing import CliRunner

    from dsql_lint.commands.docs import explain

    result = CliRunner().invoke(explain, ['ERROR:  type "smallserial" does not exist'])
    assert result.exit_code == 0 and result.output.startswith("## DSQL101 serial-column")
    several = CliRunner().invoke(explain, ["ALTER TABLE ADD COLUMN with constraint not supported"])
    assert "DSQL601 add-column-default" in several.output
    assert "DSQL606 add-column-identity" in several.output


def test_summary_counts_the_files_with_findings(report: LintReport) -> None:
    """Findings in one of two files checked: "in 2 files" would point at the clean one."""
    assert text_report.summary(report).startswith("Found ")
    assert " in 1 of 2 files, 4 statements checked" in text_report.summary(report)
    both = make_report(("a.sql", FINDINGS_SQL), ("b.sql", FINDINGS_SQL))
    assert " in 2 files, 6 statements checked" in text_report.summary(both)
