"""Issue 11, "no silent passes": each family of statements DSQL refuses, walked whole, is
reported, and under the rule of what it does; a finding's words fit its statement."""

from __future__ import annotations

import pytest
from helpers import lint_text

from dsql_lint.diagnostic import Severity
from dsql_lint.engine.loader import builtin_rules_dir, load_rules
from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import Source

RULES = {rule.code: rule for rule in load_rules([builtin_rules_dir()])}


def _errors(sql: str) -> list[str]:
    return [d.code for d in lint_text(sql + "\n") if d.severity is Severity.ERROR]


def _refused_settings() -> list[str]:
    """DSQL710's settings: those whose SET the facts record as refused."""
    regex = RULES["DSQL710"].match["where"]["$rest"]
    return list(regex["groups"]["setting"]["in"])


@pytest.mark.parametrize("setting", _refused_settings())
@pytest.mark.parametrize(
    "form", ["SET {} = 0", "SET LOCAL {} TO 0", "SET SESSION {} = DEFAULT", "RESET {}"]
)
def test_every_way_to_change_a_refused_setting_is_the_same_error(form: str, setting: str) -> None:
    """SET and RESET of a setting DSQL refuses are DSQL710 alike: RESET is no warning."""
    found = lint_text(form.format(setting) + ";\n")
    assert [(d.code, d.severity) for d in found] == [("DSQL710", Severity.ERROR)], found
    said = found[0].message.split(":")[0]
    assert said == f"DSQL rejects this {form.split()[0]}", found[0].message


@pytest.mark.parametrize(
    "sql",
    [
        "COPY t FROM STDIN (FORMAT binary);",
        "COPY t FROM stdin WITH (format 'binary');",
        "COPY t FROM STDIN WITH BINARY;",
        "COPY t (a, b) TO STDOUT (FORMAT binary, FREEZE false);",
    ],
)
def test_copy_in_binary_format_is_undocumented_not_clean(sql: str) -> None:
    """The facts accept COPY FROM STDIN and say nothing of its binary format: DSQL006."""
    assert [d.code for d in lint_text(sql + "\n")] == ["DSQL006"]


@pytest.mark.parametrize(
    "sql",
    ["COPY t FROM STDIN;", "COPY t FROM STDIN (FORMAT csv, HEADER);", "COPY t TO STDOUT;"],
)
def test_copy_in_text_or_csv_through_the_connection_stays_clean(sql: str) -> None:
    assert lint_text(sql + "\n") == []


MISSING_SETTINGS = ("lc_collate", "lc_ctype")
SETTING_READS = (
    "SHOW {}",
    "SELECT current_setting('{}')",
    "SELECT current_setting('{}', true)",
    "SELECT setting FROM pg_settings WHERE name = '{}'",
    "SELECT name FROM pg_catalog.pg_settings WHERE name IN ('server_encoding', '{}')",
    "SELECT s.setting FROM pg_show_all_settings() AS s WHERE s.name = '{}'",
)


@pytest.mark.parametrize("setting", MISSING_SETTINGS)
@pytest.mark.parametrize("read", SETTING_READS)
def test_every_read_of_a_setting_dsql_lacks_is_reported(read: str, setting: str) -> None:
    """DSQL716 for each way a query reads a setting: an error where the cluster answers one
    (SHOW, current_setting), and its answer only there."""
    report = lint_sources([Source("t.sql", read.format(setting) + ";\n")], LintOptions())
    ((_, found, answers),) = list(report.answered())
    assert found.code == "DSQL716"
    errs = read.startswith("SHOW") or read.endswith("('{}')")
    assert [str(a) for a in answers] == (
        [f'42704 unrecognized configuration parameter "{setting}"'] if errs else []
    )
