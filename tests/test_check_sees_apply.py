"""No silent pass: what `apply` would send or refuse, `check` sees the same way. For every
fixture and a set of psql-style files, apply's planner (what `apply --dry-run` prints or
refuses) is held to the linter's report as `apply`'s pre-flight and `check` make it:

- every statement apply would send is a statement check read, in the same file at the same
  line (a file another includes is read where it runs);
- every refusal of the planner (a meta-command, an include that cannot be followed, a
  variable with no value, a transaction DSQL refuses) is an error finding of check in the
  same file, at the same line, or in the refused transaction's lines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dsql_lint.apply.plan import FilePlan, build_plans
from dsql_lint.cli import cli
from dsql_lint.diagnostic import Severity
from dsql_lint.errors import UserError
from dsql_lint.lint import parallel
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.report.model import LintReport
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.split import Kind

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted(p for p in (ROOT / "fixtures").rglob("*.sql") if p.is_file())

# psql-style migrations, file name -> text; each case is a folder of them, checked and planned
# as the folder (`check DIR`, `apply DIR`) and file by file.
CASES: dict[str, dict[str, str | bytes]] = {
    "include": {
        "V1__main.sql": "\\ir parts/t.sql\nCREATE TABLE after (id uuid PRIMARY KEY);\n",
        "parts/t.sql": "CREATE TABLE t (id serial PRIMARY KEY);\n\\ir u.sql\n",
        "parts/u.sql": "CREATE INDEX u_i ON t (id);\n",
    },
    "include-forms": {
        "V1__a.sql": "\\include_relative b.sql\n\\ir 'c.sql'\n",
        "b.sql": "TRUNCATE t;\n",
        "c.sql": "CREATE TABLE c (tags text[]);\n",
    },
    "include-cycle": {
        "V1__a.sql": "CREATE TABLE a (id uuid PRIMARY KEY);\n\\ir V2__b.sql\n",
        "V2__b.sql": "\\ir V1__a.sql\n",
    },
    "include-in-transaction": {
        "V1__a.sql": "BEGIN;\n\\ir a.sql\n\\ir b.sql\nCOMMIT;\n",
        "a.sql": "CREATE TABLE a (id uuid PRIMARY KEY);\n",
        "b.sql": "CREATE TABLE b (id uuid PRIMARY KEY);\n",
    },
    "include-twice": {
        "V1__a.sql": "\\ir t.sql\n\\i t.sql\n",
        "t.sql": "CREATE TABLE t (id uuid PRIMARY KEY);\nCOPY t (id) FROM stdin;\n\\.\n",
    },
    "not-an-include": {
        "V1__a.sql": "CREATE FUNCTION f() RETURNS text LANGUAGE sql\n"
        "AS $$ SELECT '\\ir x.sql' $$;\n",
    },
    "include-missing": {"V1__a.sql": "SELECT 1;\n\\ir nowhere.sql\n"},
    "include-outside": {"V1__a.sql": "\\ir ../outside.sql\n", "V2__b.sql": "\\i ../outside.sql\n"},
    "include-none": {"V1__a.sql": "\\ir\n"},
    "set-then-include": {
        "V1__a.sql": "\\set tbl items\n\\ir b.sql\n",
        "b.sql": "CREATE TABLE :tbl (id uuid PRIMARY KEY);\n",
    },
    "variables": {"V1__a.sql": "CREATE TABLE :tbl (id uuid PRIMARY KEY, n :kind);\n"},
    "meta": {
        "V1__a.sql": "\\echo hi\n\\if :flag\nCREATE TABLE x (id uuid PRIMARY KEY);\n\\endif\n",
        "V2__b.sql": "SELECT 1 AS x \\gset\nSELECT :x;\n",
        "V3__c.sql": "SELECT 1 \\; SELECT 2;\n\\! ls\n\\c other\n",
    },
    "transactions": {
        "V1__a.sql": "BEGIN;\nCREATE TABLE a (id uuid PRIMARY KEY);\n"
        "CREATE TABLE b (id uuid PRIMARY KEY);\nCOMMIT;\n",
        "V2__b.sql": "BEGIN; INSERT INTO a VALUES (gen_random_uuid()); "
        "ALTER TABLE a ADD COLUMN n text; COMMIT;\n",
        "V3__c.sql": "BEGIN;\nCREATE TABLE c (id uuid PRIMARY KEY);\n",
    },
    "copy": {
        "V1__a.sql": "CREATE TABLE a (id int PRIMARY KEY, n text);\n"
        "COPY a (id, n) FROM stdin;\n1\tx\n2\ty\n\\.\nSELECT 1;\n",
    },
    "encodings": {
        "V1__latin1.sql": "SELECT 'é';\n".encode("latin-1"),
        "V2__wide.sql": "CREATE TABLE w (id serial PRIMARY KEY);\n".encode("utf-16-le"),
        "V3__cut.sql": "SELECT 1;\n".encode("utf-16-le") + b"S",
    },
    "variables-included": {
        "V1__a.sql": "\\ir b.sql\n",
        "b.sql": "CREATE TABLE :tbl (id uuid PRIMARY KEY, n :kind);\n",
    },
    "nested": {
        "V1__a.sql": "CREATE SCHEMA s CREATE TABLE s.t (id serial PRIMARY KEY);\n"
        "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); END $$;\n",
    },
    "flyway-placeholder": {"V1__a.sql": "CREATE TABLE ${schema}.t (id uuid PRIMARY KEY);\n"},
    "line-ends": {
        "V1__a.sql": "CREATE TABLE a (id serial PRIMARY KEY);\r\r\nSELECT 1;\rSELECT 2;\r"
    },
}
VALUES = {
    "variables": {"tbl": "t", "kind": "serial"},
    "variables-included": {"tbl": "t", "kind": "serial"},
}
# Where the planner refuses a file and check is known to see it otherwise: none.
KNOWN: set[str] = set()


def _lines(report: LintReport) -> tuple[set[tuple[Path, int]], set[tuple[Path, int]]]:
    """(file, line) of each SQL statement check read, and of each error finding's lines."""
    read = {
        (Path(f.source.path).resolve(), s.line)
        for f in report.files
        for s in f.statements
        if s.kind is Kind.SQL
    }
    errors = {
        (Path(d.path).resolve(), line)
        for d in report.diagnostics
        if d.severity is Severity.ERROR
        for line in range(d.line, d.end_line + 1)
    }
    return read, errors


def _disagreements(paths: list[str], values: Mapping[str, str]) -> list[str]:
    options = LintOptions(psql_variables=dict(values))
    options.framework_transactions = False  # apply's pre-flight: apply is the runner
    report = lint_paths(paths, options)
    read, errors = _lines(report)
    try:
        plans = build_plans(paths, True, variables=values)
    except UserError as err:
        assert err.path is not None, err
        at = (Path(err.path).resolve(), err.line or 1)
        return [] if at in errors else [f"apply refuses {err}; check has no error there"]
    return _unseen(plans, read, errors)


def _unseen(
    plans: list[FilePlan], read: set[tuple[Path, int]], errors: set[tuple[Path, int]]
) -> list[str]:
    out = []
    for plan in plans:
        for unit in plan.units:
            for step in unit.steps:
                if step.kind != "meta" and (Path(step.path).resolve(), step.line) not in read:
                    out.append(f"apply sends {step.where} ({step.first_line}); check never read it")
            lines = {(Path(s.path).resolve(), s.line) for s in unit.steps}
            if unit.refusal is not None and not lines & errors:
                out.append(f"apply refuses {unit.where} ({unit.refusal}); check has no error")
    return out


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fixture(fixture: Path) -> None:
    assert _disagreements([str(fixture)], {}) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_psql_style_files(case: str, tmp_path: Path) -> None:
    """Each case as a folder, and each of its top files alone."""
    folder = tmp_path / "migrations"
    for name, text in CASES[case].items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    (tmp_path / "outside.sql").write_text("TRUNCATE t;\n")
    values = VALUES.get(case, {})
    found = _disagreements([str(folder)], values)
    for path in sorted(folder.glob("*.sql")):
        found += _disagreements([str(path)], values)
    assert found == []


def _check(*args: str) -> Result:
    result = CliRunner().invoke(
        cli, ["check", "--isolated", "--no-cache", *args], standalone_mode=False
    )
    assert result.exception is None, result.output
    return result


def test_check_of_a_file_that_only_includes_reads_the_included_file(tmp_path: Path) -> None:
    """`check -v tbl=x V1__main.sql`, whose only line is `\\ir parts/t.sql`: the finding is in
    parts/t.sql at its own position, with the including line named; as apply refuses it."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "V1__main.sql").write_text("\\ir parts/t.sql\n")
    (tmp_path / "parts" / "t.sql").write_text("CREATE TABLE :tbl (id serial PRIMARY KEY);\n")
    main = str(tmp_path / "V1__main.sql")
    result = _check("-v", "tbl=x", main)
    assert result.return_value == 1, result.output
    assert "parts/t.sql:1:23: DSQL101" in result.output
    assert f"included by: {main}:1" in result.output
    assert "1 statement checked" in result.output
    as_json = _check("--format", "json", "-v", "tbl=x", main)
    (finding,) = json.loads(as_json.output)["diagnostics"]
    assert finding["included_by"] == [{"path": main, "line": 1}]


def test_an_include_in_sql_from_standard_input_is_said_not_followed() -> None:
    """`cat V1__main.sql | dsql-lint check -`: there is no file to read the include from, so
    it is DSQL011, not "All clean"."""
    result = CliRunner().invoke(
        cli, ["check", "--isolated", "--no-cache", "-"], input="\\i nothere.sql\n",
        standalone_mode=False,
    )  # fmt: skip
    assert result.return_value == 1, result.output
    assert "<stdin>:1:1: DSQL011" in result.output
    assert "is not followed in SQL read from standard input" in result.output


def test_an_include_cycle_is_one_finding(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("\\ir b.sql\n")
    (tmp_path / "b.sql").write_text("\\ir a.sql\n")
    result = _check(str(tmp_path))
    assert result.return_value == 1
    assert result.output.count("DSQL011") == 1, result.output
    assert "b.sql:1:1: DSQL011" in result.output and "(a.sql -> b.sql -> a.sql)" in result.output


def test_a_transaction_is_committed_where_psql_runs_the_commit(tmp_path: Path) -> None:
    """DSQL017 reads the run psql makes of a migration and the files it includes: a BEGIN in
    an included file that the including one commits is no finding (apply runs it); a BEGIN
    whose run has no COMMIT is, as apply refuses it."""
    (tmp_path / "begin.sql").write_text("BEGIN;\n")
    (tmp_path / "V1__a.sql").write_text("\\ir begin.sql\nSELECT 1;\nCOMMIT;\n")
    (tmp_path / "body.sql").write_text("SELECT 1;\n")
    (tmp_path / "V2__b.sql").write_text("BEGIN;\n\\ir body.sql\n")
    result = _check(str(tmp_path / "V1__a.sql"), str(tmp_path / "V2__b.sql"))
    assert result.output.count("DSQL017") == 1 and "V2__b.sql:1:1: DSQL017" in result.output
    assert _disagreements([str(tmp_path / "V1__a.sql")], {}) == []
    with pytest.raises(UserError, match="never committed"):
        build_plans([str(tmp_path / "V2__b.sql")], True)


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_included_files_schema_lands_at_its_include(
    tmp_path: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psql (and apply, which inlines it) runs t.sql at its include: the index after it reads
    the jsonb column t.sql creates (DSQL307). t.sql, included again, is read and reported
    once, where it runs first. With two jobs, the workers' results are settled in psql's
    order too."""
    monkeypatch.setattr(parallel, "worth_it", lambda statements: True)
    (tmp_path / "main.sql").write_text(
        "\\ir t.sql\nCREATE INDEX ASYNC t_doc ON t (doc);\n\\ir t.sql\n"
    )
    (tmp_path / "t.sql").write_text(
        "CREATE TABLE IF NOT EXISTS t (id uuid PRIMARY KEY, doc jsonb, tags text[]);\n"
    )
    report = lint_paths([str(tmp_path / "main.sql")], LintOptions(jobs=jobs))
    found = [(Path(d.path).name, d.line, d.code) for d in report.diagnostics]
    assert found == [("main.sql", 2, "DSQL307"), ("t.sql", 1, "DSQL102")]
    assert [Path(f.source.path).name for f in report.files] == ["main.sql", "t.sql"]
    assert _disagreements([str(tmp_path / "main.sql")], {}) == []
