"""Migration formats read as each framework reads them: forward parts only, the framework's
statements and transactions, positions in the original file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.formats import layout, statements
from dsql_lint.syntax.source import Source, read_source

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ROOT / "fixtures" / "frameworks"


def findings(path: str, text: str) -> list[tuple[str, int, int]]:
    report = lint_sources([Source(path, text)], LintOptions())
    return [(d.code, d.line, d.col) for f in report.files for d in f.diagnostics]


def test_goose_down_section_is_never_linted() -> None:
    text = (
        "-- +goose Up\nCREATE TABLE a (id serial PRIMARY KEY);\n"
        "-- +goose Down\nTRUNCATE a;\nCREATE TABLE b (id serial);\n"
    )
    # goose's own statements (tests/test_runners.py): its version row, its table
    assert findings("m.sql", text) == [("DSQL406", 2, 1), ("DSQL407", 2, 1), ("DSQL101", 2, 20)]


def test_goose_up_is_one_transaction_unless_annotated() -> None:
    two = "-- +goose Up\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int);\n"
    assert [code for code, *_ in findings("m.sql", two)] == ["DSQL406", "DSQL407", "DSQL401"]
    assert findings("m.sql", "-- +goose NO TRANSACTION\n" + two) == [("DSQL407", 3, 1)]


def test_goose_statement_begin_end_is_one_query_of_statements_each_checked() -> None:
    text = (
        "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS"
        " $$ SELECT 1; $$;\nSELECT 2;\n-- +goose StatementEnd\n-- +goose Down\nDROP FUNCTION f();\n"
    )
    found = statements(Source("m.sql", text))
    assert [s.body.split()[0] for s in found] == ["CREATE", "SELECT"]
    assert found[0].tx == found[1].tx is not None
    # goose sends the block as one query string: every statement in it is checked (only the
    # first was), and outside goose's transaction the block is a transaction of its own.
    block = "-- +goose StatementBegin\nSELECT 1;\nCREATE INDEX i ON a (id);\nTRUNCATE a;\n"
    up = "-- +goose Up\nCREATE TABLE a (id int PRIMARY KEY);\n" + block + "-- +goose StatementEnd\n"
    assert {c for c, *_ in findings("m.sql", up)} >= {"DSQL301", "DSQL701"}
    two = block.replace("TRUNCATE a", "CREATE TABLE b (id int)").replace("SELECT 1;\n", "")
    alone = "-- +goose NO TRANSACTION\n-- +goose Up\n" + two + "-- +goose StatementEnd\n"
    assert [c for c, *_ in findings("m.sql", alone) if c != "DSQL407"] == ["DSQL301", "DSQL401"]
    # Without the block, goose sends each statement alone.
    loose = alone.replace("-- +goose StatementBegin\n", "").replace("-- +goose StatementEnd\n", "")
    assert [c for c, *_ in findings("m.sql", loose) if c != "DSQL407"] == ["DSQL301"]


def test_dbmate_transaction_false_and_down() -> None:
    up = "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\n"
    down = "-- migrate:down\nTRUNCATE a;\n"
    assert [c for c, *_ in findings("m.sql", "-- migrate:up\n" + up + down)] == [
        "DSQL406",
        "DSQL401",
    ]
    # Without its transaction, dbmate still sends the section as one query string.
    [(code, line, _)] = findings("m.sql", "-- migrate:up transaction:false\n" + up + down)
    assert (code, line) == ("DSQL401", 3)


def test_liquibase_changesets_rollback_and_delimiters() -> None:
    text = (
        "--liquibase formatted sql\n"
        "--changeset a:1\nCREATE TABLE t (id int PRIMARY KEY);\n--rollback TRUNCATE t;\n"
        "--changeset a:2\nCREATE TABLE u (id int PRIMARY KEY);\n"
        "--changeset a:3 runInTransaction:false\nCREATE INDEX ASYNC i ON t (id);\n"
        "CREATE INDEX ASYNC j ON u (id);\n"
        "--changeset a:4 endDelimiter:GO\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2)\nGO\n"
    )
    # Each changeset is its own transaction: two of them with one DDL each are fine, the
    # non-transactional one may hold two.
    assert findings("changelog.sql", text) == []
    found = statements(Source("changelog.sql", text))
    assert [s.line for s in found] == [3, 6, 8, 9, 11, 12]
    assert "TRUNCATE" not in "".join(s.text for s in found)
    assert found[-1].text.endswith("VALUES (2)")  # the last statement ends at the delimiter
    one = text.replace("--changeset a:2", "--changeset a:2 splitStatements:false")
    assert len(statements(Source("changelog.sql", one))) == 6


def test_liquibase_one_statement_changesets_are_checked_whole() -> None:
    # Sent as one statement, a changeset is one query string: each of its statements is
    # checked, and they share one transaction even with runInTransaction:false.
    head = "--liquibase formatted sql\n--changeset a:1 runInTransaction:false {}\n"
    body = "SELECT 1;\nCREATE INDEX a_idx ON a (id);\nCREATE TABLE c (id serial PRIMARY KEY)"
    split_off = head.format("splitStatements:false") + body + ";\n"
    assert [c for c, *_ in findings("changelog.sql", split_off)] == [
        "DSQL301",
        "DSQL401",
        "DSQL101",
    ]
    delimited = head.format("endDelimiter:GO") + body + "\nGO\nCREATE TABLE d (id int)\nGO\n"
    assert [c for c, *_ in findings("changelog.sql", delimited)] == [
        "DSQL301",
        "DSQL401",
        "DSQL101",
    ]
    # One statement a changeset, with its own transaction: nothing shared.
    assert [c for c, *_ in findings("changelog.sql", head.format("") + body + ";\n")] == [
        "DSQL301",
        "DSQL101",
    ]


def test_liquibase_one_changeset_two_ddl_is_refused() -> None:
    text = (
        "--liquibase formatted sql\n--changeset a:1\n"
        "CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE u (id int PRIMARY KEY);\n"
    )
    assert findings("changelog.sql", text) == [("DSQL401", 4, 1)]


def test_flyway_placeholders_are_not_parsed() -> None:
    text = "CREATE TABLE ${schema}.t (id serial PRIMARY KEY);\n"
    # The statement around it is checked; with no flyway.conf the placeholder has no value.
    assert findings("V1__t.sql", text) == [("DSQL014", 1, 14), ("DSQL101", 1, 30)]
    assert layout(Source("V1__t.sql", text)).placeholders == [(13, "schema")]


def test_flyway_file_is_one_transaction() -> None:
    text = "CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n"
    assert [c for c, *_ in findings("V1__a.sql", text)] == ["DSQL402"]
    assert findings("plain.sql", text) == []


def test_drizzle_breakpoints_split_statements() -> None:
    text = "CREATE TABLE a (id int PRIMARY KEY)\n--> statement-breakpoint\nSELECT 1;\n"
    found = statements(Source("drizzle/0000_x.sql", text))
    assert [s.body.strip() for s in found] == ["CREATE TABLE a (id int PRIMARY KEY)", "SELECT 1"]


@pytest.mark.parametrize("name", ["goose", "dbmate", "liquibase", "drizzle", "prisma", "flyway"])
def test_fixture_repositories_never_read_down_sections(name: str) -> None:
    # (Flyway's undo files are checked whole, as SQL that runs when reverting.)
    files = sorted(p for p in (FRAMEWORKS / name).rglob("*.sql") if not p.name.startswith("U"))
    assert files
    for path in files:
        source = read_source(str(path))
        assert layout(source) is not None, path
        for statement in statements(source):
            assert "never_forward" not in statement.text
            assert "TRUNCATE" not in statement.text.upper()
            assert not statement.text.lstrip().upper().startswith(("DROP", "DELETE"))


def test_fix_edits_forward_parts_only_and_keeps_placeholders(tmp_path: Path) -> None:
    goose = tmp_path / "001_a.sql"
    down = "-- +goose Down\nCREATE TABLE b (id bigserial PRIMARY KEY);\n"
    goose.write_text("-- +goose Up\nCREATE TABLE a (id bigserial PRIMARY KEY);\n" + down)
    flyway = tmp_path / "V1__t.sql"
    flyway.write_text("CREATE TABLE ${schema}.t (id bigserial PRIMARY KEY);\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DSQL_LINT_NO_CACHE": "1"}
    subprocess.run(
        [sys.executable, "-m", "dsql_lint", "fix", str(goose), str(flyway)],
        capture_output=True,
        env=env,
        check=False,
    )
    identity = "BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1)"
    assert goose.read_text() == (
        f"-- +goose Up\nCREATE TABLE a (id {identity} PRIMARY KEY);\n" + down
    )
    assert flyway.read_text() == f"CREATE TABLE ${{schema}}.t (id {identity} PRIMARY KEY);\n"


def test_a_statement_ended_by_a_breakpoint_ends_on_its_own_line() -> None:
    text = 'CREATE INDEX "i" ON "b" ("id")\n--> statement-breakpoint\nCREATE TABLE "c" (id int)\n'
    source = Source("drizzle/0001_x.sql", text)
    first = statements(source)[0]
    assert first.text == 'CREATE INDEX "i" ON "b" ("id")'
    found = lint_sources([source], LintOptions()).diagnostics
    index = next(d for d in found if d.code == "DSQL301")  # its caret: line 1 only
    assert (index.code, index.line, index.end_line) == ("DSQL301", 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "-- +goose Up\nCREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n",
        "-- +goose Up\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int);\n",
        "-- migrate:up\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int);\n",
        "BEGIN;\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int);\nCOMMIT;\n",
    ],
)
def test_transaction_help_names_the_frameworks_annotation(text: str) -> None:
    report = lint_sources([Source("m.sql", text)], LintOptions())
    found = [d for d in report.diagnostics if d.code in ("DSQL401", "DSQL402")]
    assert len(found) == 1
    help_ = found[0].suggestion or ""
    if text.startswith("-- +goose"):
        assert "`-- +goose NO TRANSACTION`" in help_
    elif text.startswith("-- migrate:up"):
        assert "`-- migrate:up transaction:false`" in help_
        assert "one DDL per migration" in help_  # the section is still one query string
    else:  # plain SQL: the rule's own words
        assert "goose" not in help_ and "migrate:up" not in help_
