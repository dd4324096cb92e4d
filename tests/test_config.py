"""Configuration files and inline suppressions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import codes, lint_text

from dsql_lint.errors import RuleError
from dsql_lint.settings import config_file as config

BAD = "CREATE TABLE t (id serial, tags text[]);\nCREATE INDEX i ON t (id);\n"


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return cli(cwd, "check", *args)


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def test_where_apply_runs_the_folder_a_copy_block_outside_a_transaction_has_no_row_limit(
    tmp_path: Path,
) -> None:
    """apply sends it in transactions of 3,000 rows (README); in BEGIN ... COMMIT, or run by
    psql or a framework, the rows share one transaction: DSQL718 there."""
    rows = "".join(f"{i}\tv\n" for i in range(3001))
    folder = tmp_path / "db"
    folder.mkdir()
    copy = f"COPY t (id, v) FROM stdin;\n{rows}\\.\n"
    (folder / "V1__t.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY, v text);\n" + copy)
    (folder / "V2__u.sql").write_text(f"BEGIN;\n{copy}COMMIT;\n")
    (tmp_path / ".dsql-lint.yaml").write_text("migrations: db\n")
    found = check(tmp_path, "--format", "json")
    located = [(d["path"], d["code"]) for d in json.loads(found.stdout)["diagnostics"]]
    assert located == [("db/V2__u.sql", "DSQL718")]
    (tmp_path / ".dsql-lint.yaml").write_text("target: latest\n")  # psql runs each file
    found = check(tmp_path, "--format", "json", "db")
    assert [d["code"] for d in json.loads(found.stdout)["diagnostics"]].count("DSQL718") == 2


def test_yaml_config_found_by_walking_up(tmp_path: Path) -> None:
    (tmp_path / ".dsql-lint.yaml").write_text("ignore: [DSQL101, array-column]\n")
    sub = tmp_path / "db" / "migrations"
    sub.mkdir(parents=True)
    (sub / "V1__init.sql").write_text(BAD)
    out = check(tmp_path, str(sub)).stdout
    assert "DSQL301" in out and "DSQL101" not in out and "DSQL102" not in out


def test_pyproject_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.dsql-lint]\n'
        'select = ["DSQL1"]\nseverity = {DSQL101 = "warning"}\n'
    )
    (tmp_path / "a.sql").write_text(BAD)
    result = check(tmp_path, "a.sql")
    assert "DSQL301" not in result.stdout
    assert "DSQL101" in result.stdout and "DSQL102" in result.stdout
    assert "1 error, 1 warning" in result.stdout


def test_target_and_assume_in_transaction_from_config(tmp_path: Path) -> None:
    (tmp_path / ".dsql-lint.yml").write_text("target: 2025-05\nassume-in-transaction: true\n")
    (tmp_path / "a.sql").write_text(
        "CREATE TABLE a (id uuid PRIMARY KEY, j jsonb);\nCREATE TABLE b (id uuid PRIMARY KEY);\n"
    )
    out = check(tmp_path, "a.sql").stdout
    assert "DSQL104" in out and "DSQL401" in out
    assert "DSQL104" not in check(tmp_path, "a.sql", "--target", "latest").stdout
    assert "DSQL104" not in check(tmp_path, "a.sql", "--isolated").stdout


def test_exclude_globs_relative_to_config(tmp_path: Path) -> None:
    (tmp_path / ".dsql-lint.yaml").write_text('exclude: ["legacy/*.sql"]\n')
    for folder in ("legacy", "current"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.sql").write_text(BAD)
    out = check(tmp_path, ".").stdout
    assert "current/a.sql" in out and "legacy/a.sql" not in out


def test_without_migrations_key_apply_runs_the_one_folder_discovery_finds(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "stray.sql").write_text("CREATE TABLE stray (id int PRIMARY KEY);\n")

    def plan() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dsql_lint", "apply", "--dry-run"]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)

    # Plain *.sql files are never run unless named.
    missing = plan()
    assert missing.returncode == 2
    assert "no migrations: give the folder (or set `migrations:` in .dsql-lint.yaml)" in (
        missing.stderr
    )
    (tmp_path / "db" / "V1__a.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n")
    found = plan()
    assert found.returncode == 0, found.stderr
    assert found.stderr.splitlines() == ["dsql-lint: Flyway migrations in db (1 file)"]
    assert "db/V1__a.sql" in found.stdout and "stray" not in found.stdout
    (tmp_path / "goose").mkdir()
    (tmp_path / "goose" / "001_b.sql").write_text("-- +goose Up\nCREATE TABLE b (id int);\n")
    several = plan()
    assert several.returncode == 2
    assert "discovery found several (Flyway migrations in db (1 file); goose" in several.stderr


def test_migrations_folder_is_what_apply_runs_on_without_paths(tmp_path: Path) -> None:
    (tmp_path / "db" / "sub").mkdir(parents=True)
    (tmp_path / "db" / "V1__a.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n")
    (tmp_path / "stray.sql").write_text("CREATE TABLE stray (id int PRIMARY KEY);\n")

    def plan(cwd: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dsql_lint", "apply", "--dry-run"]
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True)

    (tmp_path / ".dsql-lint.yaml").write_text("migrations: db\n")
    here, below = plan(tmp_path), plan(tmp_path / "db" / "sub")
    assert here.returncode == below.returncode == 0, here.stderr + below.stderr
    assert "db/V1__a.sql" in here.stdout and "stray" not in here.stdout
    assert "V1__a.sql" in below.stdout and "stray" not in below.stdout


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("select: [DSQL1]\ncolour: red\n", 2, "unknown configuration key 'colour'"),
        ("ignore:\n  - DSQL101\n  - DSQL977\n", 3, "unknown rule 'DSQL977' in `ignore`"),
        ("severity: {serial-column: fatal}\n", 1, "must be error, warning or info"),
        ("target: someday\n", 1, "`target` must be latest or YYYY-MM[-DD]"),
        ("target: latest\nmigrations: [db]\n", 2, "`migrations` must be a folder"),
        ("bootstrap: db/bootstrap.sql\n", 1, "`bootstrap` must be a list of strings"),
    ],
)
def test_bad_config_names_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / ".dsql-lint.yaml"
    path.write_text(text)
    (tmp_path / "a.sql").write_text(BAD)
    result = check(tmp_path, "a.sql")
    assert result.returncode == 2
    assert result.stderr.startswith(f"dsql-lint: error: {path}:{line}: "), result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_pyproject_unknown_key_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.dsql-lint]\nselect = ["DSQL1"]\nwat = 1\n')
    with pytest.raises(RuleError, match=r"pyproject.toml:3: unknown configuration key 'wat'"):
        config.load(path)


def test_user_rules_load_like_builtin(tmp_path: Path) -> None:
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / "tenancy.yaml").write_text(
        (
            Path(__file__).resolve().parents[1] / "fixtures" / "examples" / "tenant-rule.yaml"
        ).read_text()
    )
    (tmp_path / ".dsql-lint.yaml").write_text("rule-dirs: [team-rules]\n")
    (tmp_path / "a.sql").write_text(
        "CREATE TABLE orders (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);\n"
        "CREATE TABLE notes (id uuid PRIMARY KEY, body text);\n"
    )
    out = check(tmp_path, "a.sql").stdout
    assert "a.sql:2:1: TEAM001 [table-needs-tenant-id]" in out
    assert out.count("TEAM001") == 1
    # The docs commands read the same configuration: the team's rule is listed and explained.
    assert "TEAM001  table-needs-tenant-id" in cli(tmp_path, "rules").stdout
    explained = cli(tmp_path, "explain", "TEAM001")
    assert explained.returncode == 0
    assert explained.stdout.startswith("## TEAM001 table-needs-tenant-id")
    assert "Defined at team-rules/tenancy.yaml:" in explained.stdout
    assert cli(tmp_path, "explain", "TEAM001", "--isolated").returncode == 2


def test_ignore_comment_on_and_above_statement() -> None:
    text = (
        "-- dsql-lint: ignore DSQL101\n"
        "CREATE TABLE a (id serial, tags text[]);\n"
        "CREATE TABLE b (id serial); -- dsql-lint: ignore serial-column\n"
        "CREATE TABLE c (id serial);\n"
    )
    found = lint_text(text)
    assert [(d.code, d.line) for d in found] == [("DSQL102", 2), ("DSQL101", 4)]


def test_ignore_file_and_bare_ignore() -> None:
    text = (
        "-- dsql-lint: ignore-file DSQL102\n"
        "CREATE TABLE a (id serial, tags text[]);\n"
        "-- dsql-lint: ignore\n"
        "CREATE INDEX i ON a (id);\n"
    )
    assert codes(lint_text(text)) == ["DSQL101"]


@pytest.mark.parametrize(
    "quoted",
    [
        "INSERT INTO t VALUES (1, 'line\n{directive}\n');",
        "COMMENT ON TABLE t IS $c$\n{directive}\n$c$;",
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $f$ SELECT $q$\n{directive}\n$q$ $f$;",
        'CREATE TABLE "\n{directive}\n" (id bigint PRIMARY KEY);',
        "INSERT INTO t VALUES (E'it''s \\'\n{directive}\n');",
    ],
)
@pytest.mark.parametrize("directive", ["-- dsql-lint: ignore-file", "-- noqa: DSQL101, DSQL301"])
def test_a_directive_in_a_string_or_quoted_name_suppresses_nothing(
    quoted: str, directive: str
) -> None:
    text = (
        "CREATE TABLE t (id bigint PRIMARY KEY, x text);\n"
        + quoted.format(directive=directive)
        + "\nCREATE INDEX i ON t (x);\nCREATE TABLE u (id serial PRIMARY KEY);\n"
    )
    assert {"DSQL101", "DSQL301"} <= set(codes(lint_text(text)))


def test_a_directive_in_a_block_comment_ends_with_it() -> None:
    text = "CREATE TABLE v (id serial /* -- dsql-lint: ignore DSQL101 */ PRIMARY KEY);\n"
    assert codes(lint_text(text, report_unused_ignores=True)) == []


def test_unused_ignores_reported_on_request() -> None:
    text = "CREATE TABLE a (id uuid); -- dsql-lint: ignore DSQL101\n"
    assert codes(lint_text(text)) == []
    found = lint_text(text, report_unused_ignores=True)
    assert [(d.code, d.line, d.col) for d in found] == [("DSQL002", 1, 27)]


@pytest.mark.parametrize(
    "directive",
    ["-- dsql-lint: ignore DSQL101", "-- dsql-lint: ignore-file DSQL101", "-- noqa: DSQL101"],
)
@pytest.mark.parametrize("before", ["", "\n", "SELECT 1;\n", "/* only a comment */\n"])
def test_a_suppression_after_the_last_statement_is_reported_not_a_crash(
    directive: str, before: str
) -> None:
    """A file of comments only, or a suppression below the last statement: no statement for
    it to cover, so it suppresses nothing and says so, with an unknown code named too."""
    found = lint_text(before + directive + "\n", report_unused_ignores=True)
    line = before.count("\n") + 1
    assert [(d.code, d.line) for d in found] == [("DSQL002", line)]
    unknown = lint_text(before + directive.replace("DSQL101", "DSQL999") + "\n")
    assert [(d.code, d.line) for d in unknown] == [("DSQL003", line)]


def test_inline_ignores_take_prefixes_and_names_as_ignore_does() -> None:
    text = (
        "CREATE TABLE a (id serial, tags text[]); -- dsql-lint: ignore DSQL1\n"
        "CREATE TABLE b (id serial, tags text[]); -- dsql-lint: ignore Serial-Column, all\n"
        "CREATE TABLE c (id serial, tags text[]); -- dsql-lint: ignore DSQL10\n"
    )
    assert codes(lint_text(text)) == []
    text = "CREATE TABLE c (id serial, tags text[]); -- dsql-lint: ignore DSQL2\n"
    assert codes(lint_text(text)) == ["DSQL101", "DSQL102"]


def test_an_unknown_code_in_an_ignore_is_a_warning_that_names_it() -> None:
    text = "CREATE TABLE a (id serial); -- dsql-lint: ignore DSQL101, serial-colum\n"
    found = lint_text(text)
    assert [(d.code, d.col, d.message) for d in found] == [
        (
            "DSQL003",
            29,
            "No rule is named `serial-colum`: this suppression cannot suppress anything",
        )
    ]


def test_sqlfluffs_noqa_suppresses_our_codes_and_leaves_its_own() -> None:
    """`-- noqa: DSQL101` works as sqlfluff users write it; a noqa naming only sqlfluff's
    codes, or none, is sqlfluff's: it suppresses nothing here and is no unknown rule."""
    text = (
        "CREATE TABLE a (id serial); -- noqa: DSQL101\n"
        "CREATE TABLE b (id serial); -- noqa: LT05, DSQL1\n"
        "CREATE TABLE c (id serial); -- noqa: LT05\n"
        "CREATE TABLE d (id serial); -- noqa\n"
    )
    assert [(d.code, d.line) for d in lint_text(text)] == [("DSQL101", 3), ("DSQL101", 4)]


def test_a_hook_naming_only_excluded_files_has_nothing_to_do(tmp_path: Path) -> None:
    # pre-commit passes the staged files; the project's `exclude` still holds for them.
    (tmp_path / "db" / "legacy").mkdir(parents=True)
    (tmp_path / "db" / "legacy" / "old.sql").write_text("CREATE TABLE a (id serial);\n")
    (tmp_path / ".dsql-lint.yaml").write_text('exclude: ["db/legacy/*.sql"]\n')
    result = check(tmp_path, "--history", "db/legacy/old.sql")
    assert result.returncode == 0, result.stderr
    assert "0 files" in result.stdout


def test_folders_of_tools_are_not_searched(tmp_path: Path) -> None:
    for folder in ("node_modules/pkg", ".venv/share", "db"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.sql").write_text("CREATE TABLE a (id serial);\n")
    out = check(tmp_path, ".").stdout
    assert "db/x.sql" in out and "node_modules" not in out and ".venv" not in out
    # Named by the user, such a file is read.
    assert "DSQL101" in check(tmp_path, "node_modules/pkg/x.sql").stdout


def test_bootstrap_files_are_read_first_relative_to_the_config(tmp_path: Path) -> None:
    """`bootstrap:` names SQL run before the framework's runner: check reads it before the
    paths given (once, even when given too), found from the configuration's folder."""
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "bootstrap.sql").write_text("CREATE TABLE t (id uuid PRIMARY KEY);\n")
    (tmp_path / "b.sql").write_text("CREATE INDEX ASYNC i ON t (id);\n")
    (tmp_path / ".dsql-lint.yaml").write_text("bootstrap: [db/bootstrap.sql]\n")
    (tmp_path / "sub").mkdir()
    runs = [
        (tmp_path, ["b.sql"]),
        (tmp_path / "sub", ["../b.sql"]),
        (tmp_path, ["db/bootstrap.sql", "b.sql"]),
    ]
    for cwd, given in runs:
        found = json.loads(check(cwd, "--format", "json", "--no-cache", *given).stdout)
        assert (found["summary"]["files"], found["summary"]["statements"]) == (2, 2), given
    alone = json.loads(check(tmp_path, "--isolated", "--format", "json", "b.sql").stdout)
    assert alone["summary"]["files"] == 1
