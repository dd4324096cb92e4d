"""A column whose type a fix changes from an array, named by a CHECK or a generated column of
its statement: the fix is declined (check says so too), since those expressions are written
for an array."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixkit import Case, fix_text

from dsql_lint.cli import cli

UNSAFE = Case(unsafe=True)


@pytest.mark.parametrize(
    "table",
    [
        "CREATE TABLE r (id uuid PRIMARY KEY, perms text[], CHECK (cardinality(perms) > 0));",
        "CREATE TABLE r (id uuid PRIMARY KEY, perms text[] CHECK (array_ndims(perms) = 1));",
        "CREATE TABLE r (id uuid PRIMARY KEY, perms text[],"
        " n int GENERATED ALWAYS AS (cardinality(perms)) STORED);",
        'CREATE TABLE r (id uuid PRIMARY KEY, "Perms" text[], CHECK ("Perms" <> \'{}\'));',
    ],
)
def test_declined_in_check_and_fix(table: str, tmp_path: Path) -> None:
    path = tmp_path / "r.sql"
    path.write_text(table + "\n")
    checked = CliRunner().invoke(cli, ["check", "--isolated", "--format", "json", str(path)])
    found = {d["code"]: d["fix"] for d in json.loads(checked.output)["diagnostics"]}
    assert found["DSQL102"] == "none"
    assert fix_text(table + "\n", UNSAFE).text == table + "\n"


def test_its_own_default_is_converted_not_a_dependent() -> None:
    text = "CREATE TABLE t (id uuid PRIMARY KEY, names text[] DEFAULT '{}');\n"
    result = fix_text(text, UNSAFE)
    assert result.text == "CREATE TABLE t (id uuid PRIMARY KEY, names jsonb DEFAULT '[]');\n"


def test_a_string_with_its_name_is_no_dependent() -> None:
    text = "CREATE TABLE t (id uuid PRIMARY KEY, names text[], k text DEFAULT 'names');\n"
    assert "names jsonb" in fix_text(text, UNSAFE).text
