"""`check` says what `fix` does with each finding, also for the rules whose fixer decides finding
by finding (a BIGSERIAL column safely, a SERIAL one not; USING btree but not USING gin)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsql_lint.cli import cli
from dsql_lint.diagnostic import FixAvailability
from dsql_lint.engine.model import FIXER_PER_FINDING_KEYS
from dsql_lint.fix.actions import ACTIONS, DEFAULT_CHOICES
from dsql_lint.fix.availability import FixJudge
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.fixers import load_fixers
from dsql_lint.lint.pipeline import Linter
from dsql_lint.settings import LintOptions, active_rules, all_rules
from dsql_lint.syntax.source import read_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_the_keys_check_reads_are_those_the_actions_declare() -> None:
    declared = set().union(*(a.per_finding for a in ACTIONS.values()))
    assert declared == FIXER_PER_FINDING_KEYS
    assert all(a.per_finding <= a.keys for a in ACTIONS.values())


def test_rules_whose_fixer_decides_per_finding() -> None:
    codes = {r.code for r in all_rules(LintOptions()) if r.fix_per_finding}
    assert {"DSQL101", "DSQL302", "DSQL701"} <= codes


@pytest.mark.parametrize("choices", [DEFAULT_CHOICES, {"serial-to": "uuid", "array-to": "text"}])
def test_check_says_what_fix_proposes_on_every_fixture(choices: dict[str, str]) -> None:
    options = LintOptions(fix_judge=FixJudge(choices))
    rules = active_rules(options)
    fixers = load_fixers(rules)
    linter = Linter(rules, options, keep_trees=True)  # the fixers read the findings' nodes
    compared = set()
    for path in sorted(FIXTURES.rglob("*.sql")):
        report = linter.lint_source(read_source(str(path)))
        ctx = FixContext(report, choices)
        for diag in report.diagnostics:
            rule = next(r for r in rules if r.code == diag.code)
            if not rule.fix_per_finding:
                continue
            fix = fixers[diag.code].propose(diag, ctx)
            proposed = fix.safety if fix is not None else FixAvailability.NONE
            assert diag.fix is proposed, (path.name, diag.line, diag.code, diag.message)
            compared.add((diag.code, proposed))
    # Each way a finding can go was seen: safe, unsafe and no fix at all.
    assert {fix for _, fix in compared} == set(FixAvailability), compared


SQL = """CREATE TABLE t (id bigserial PRIMARY KEY, n serial);
CREATE INDEX ASYNC a ON t USING gin (n);
CREATE INDEX ASYNC b ON t USING btree (n);
TRUNCATE t CASCADE;
"""


def _fixes(tmp_path: Path, *args: str) -> list[tuple[int, str, str]]:
    path = tmp_path / "m.sql"
    path.write_text(SQL, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--format", "json", *args, str(path)])
    found = json.loads(result.output)["diagnostics"]
    return [(d["start"]["line"], d["code"], d["fix"]) for d in found]


def test_check_shows_each_findings_own_fix(tmp_path: Path) -> None:
    assert _fixes(tmp_path) == [
        (1, "DSQL101", "safe"),  # bigserial -> BIGINT ... IDENTITY: the same values
        (1, "DSQL101", "unsafe"),  # serial -> BIGINT: a wider type
        (2, "DSQL302", "none"),  # USING gin: removing it would lose what the index serves
        (3, "DSQL302", "safe"),
        (4, "DSQL701", "none"),  # TRUNCATE ... CASCADE: DELETE would not do the same
    ]


def test_check_text_summary_counts_the_findings_own_fixes(tmp_path: Path) -> None:
    path = tmp_path / "m.sql"
    path.write_text(SQL, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "-j", "1", str(path)])
    assert result.output.count("fix: safe, applied by `dsql-lint fix`") == 2
    assert "2 fixable with `dsql-lint fix`, 1 more with `dsql-lint fix --unsafe-fixes`" in (
        result.output
    )


def test_fix_reports_what_is_left_for_its_choices(tmp_path: Path) -> None:
    path = tmp_path / "m.sql"
    path.write_text("CREATE TABLE t (id bigserial PRIMARY KEY);\n", encoding="utf-8")
    # With --serial-to uuid the rewrite changes the column's values: unsafe, so it stays.
    result = CliRunner().invoke(cli, ["fix", "--diff", "--serial-to", "uuid", str(path)])
    assert "1 fixable with `dsql-lint fix --unsafe-fixes`" in result.output
    assert "fix: unsafe" in result.output
