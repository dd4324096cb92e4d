"""Rule files: a malformed rule fails at load with `file:line: what is wrong`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlglot import exp

from dsql_lint.engine.loader import load_rule_file, load_rules
from dsql_lint.engine.ruleset import RuleSet
from dsql_lint.errors import RuleError

GOOD = """\
rules:
  - code: ACME001
    name: no-widgets
    severity: error
    message: "Column {column} is a widget"
    match:
      node: ColumnDef
      where:
        $name: widget
    evidence:
      - source: TEAM
        date: 2026-01
        fact: Widgets are banned.
    docs:
      why: Because.
      bad: CREATE TABLE t (widget int);
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as info:
        RuleSet(load_rule_file(path))
    return str(info.value)


def test_good_rule_loads(tmp_path: Path) -> None:
    (rule,) = load_rule_file(write(tmp_path, GOOD))
    assert (rule.code, rule.name, rule.severity.value, rule.fix.value) == (
        "ACME001",
        "no-widgets",
        "error",
        "none",
    )
    assert rule.origin == (str(tmp_path / "rules.yaml"), 2)


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (("    severity: error\n", "    severity: fatal\n"), 4, "`severity` must be one of"),
        (("    name: no-widgets\n", "    name: NoWidgets\n"), 3, "kebab-case"),
        (("- code: ACME001\n", "- code: acme-1\n"), 2, "bad code"),
        (
            ("    severity: error\n", "    severity: error\n    colour: red\n"),
            5,
            "unknown key 'colour'",
        ),
        (("        $name: widget\n", "        $nom: widget\n"), 2, "unknown pseudo-arg"),
        (("      node: ColumnDef\n", "      node: ColumnDeff\n"), 2, "unknown sqlglot node type"),
        (("        date: 2026-01\n", "        date: soon\n"), 12, "must be YYYY-MM"),
        (("      bad: CREATE TABLE t (widget int);\n", ""), 14, "`docs` needs `why` and `bad`"),
    ],
)
def test_malformed_rule_names_file_and_line(
    tmp_path: Path, edit: tuple[str, str], line: int, message: str
) -> None:
    text = GOOD.replace(*edit)
    assert text != GOOD
    error = error_of(tmp_path, text)
    assert error.startswith(f"{tmp_path / 'rules.yaml'}:{line}: "), error
    assert message in error


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, GOOD.replace("    message:", "    message: [\n    oops:"))
    assert "rules.yaml:" in error and "invalid YAML" in error


def test_missing_key(tmp_path: Path) -> None:
    error = error_of(tmp_path, GOOD.replace('    message: "Column {column} is a widget"\n', ""))
    assert error.endswith("rule is missing required key 'message'")
    assert ":2:" in error


def test_duplicate_codes_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("no-widgets", "no-gadgets"))
    with pytest.raises(RuleError, match="duplicate rule 'ACME001'"):
        load_rules([tmp_path])


def test_transaction_match_is_validated(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    match:\n      node: ColumnDef\n      where:\n        $name: widget\n",
        "    scope: transaction\n    match:\n      transaction: {limit: {class: ddl}}\n",
    )
    assert "`limit` needs `class` and `max`" in error_of(tmp_path, text)


def test_catalog_fact_must_exist(tmp_path: Path) -> None:
    text = GOOD.replace("    match:\n", "    scope: catalog\n    match:\n").replace(
        "        $name: widget\n",
        "        $name: widget\n      catalog: {table_widgets: {gt: 1}}\n",
    )
    assert "unknown catalog fact 'table_widgets'" in error_of(tmp_path, text)


@pytest.mark.parametrize(
    ("dsql", "error"),
    [
        ('[{sqlstate: "0A00", message: "x"}]', "bad SQLSTATE '0A00'"),
        ('[{message: "x"}]', "`dsql` items have: sqlstate, message, when, take"),
        (
            '[{sqlstate: "0A000", message: "x"}, {sqlstate: "0A000", message: "y"}]',
            "only the last `dsql` answer may lack `when`",
        ),
        ('[{sqlstate: "0A000", message: "x <y>", take: {z: "(a)"}}]', "`take` maps parts"),
        ('[{sqlstate: "0A000", message: "x <y>", take: {y: "a"}}]', "a regex with a group"),
        ("0A000", "`dsql` must be a list"),
    ],
)
def test_a_malformed_dsql_answer_is_a_load_error(tmp_path: Path, dsql: str, error: str) -> None:
    assert error in error_of(tmp_path, GOOD.replace("    match:", f"    dsql: {dsql}\n    match:"))


@pytest.mark.parametrize(
    ("match", "error"),
    [
        # A rule reading the statement's text declares its leading words, which the rule
        # set dispatches on: `$code` on the statement would hide them in a regex.
        ("{node: Command, where: {$code: {regex: '^WIDGET'}}}", "with `words:` and `$rest`"),
        ("{node: Command, words: 'WIDGET TABLE?'}", "is not a run of keywords"),
        ("{node: Command, where: {$rest: {regex: x}}}", "follows the match's `words:`"),
        (
            "{node: Command, words: SET, where: {$rest: {regex: 'a(?P<n>b)', groups: {m: 1}}}}",
            "the regex has no group named m",
        ),
    ],
)
def test_a_statement_text_match_is_validated(tmp_path: Path, match: str, error: str) -> None:
    text = GOOD.replace(
        "    match:\n      node: ColumnDef\n      where:\n        $name: widget\n",
        f"    scope: statement\n    match: {match}\n",
    )
    found = error_of(tmp_path, text)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:2: ") and error in found, found


def test_statement_words_load(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    match:\n      node: ColumnDef\n      where:\n        $name: widget\n",
        "    scope: statement\n    match:\n      node: Command\n      words: [CREATE WIDGET]\n"
        "      where: {$rest: {regex: '(?P<n>\\d+)', groups: {n: {number: {gt: 1}}}}}\n",
    )
    ruleset = RuleSet(load_rule_file(write(tmp_path, text)))
    (check,) = ruleset.node_checks
    # Dispatched on the first word of its `words:`.
    assert ruleset.may_start(check, exp.Command, "CREATE")
    assert not ruleset.may_start(check, exp.Command, "DROP")


@pytest.mark.parametrize(
    "match",
    [
        "{node: DataType, parent: {not: {node: Create, key: this}}}",
        "{node: DataType, any_of: [{key: kind}]}",
        "{node: DataType, parent: {all_of: [{node: ColumnDef, key: kind}]}}",
    ],
)
def test_a_key_the_matcher_would_not_read_is_a_load_error(tmp_path: Path, match: str) -> None:
    """`key:` is read directly under `parent:` and in its `any_of` options; anywhere else it
    was ignored, so a rule matched more than its author wrote."""
    text = GOOD.replace(
        "    match:\n      node: ColumnDef\n      where:\n        $name: widget\n",
        f"    match: {match}\n",
    )
    found = error_of(tmp_path, text)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:2: "), found
    assert "`key` (which arg of its parent the node is) is read directly under `parent:`" in found
