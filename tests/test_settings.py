"""Settings resolved once for every command: the configuration file (YAML or pyproject.toml),
then the command line."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsql_lint.cli import main
from dsql_lint.settings import Overrides, resolve_settings
from dsql_lint.settings.toml_file import key_lines

ROOT = Path(__file__).resolve().parents[1]
# One error finding only: DSQL101 (serial-column).
SERIAL = "CREATE TABLE t (id serial PRIMARY KEY);\n"
STOP = "apply would stop here"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project folder, the working folder of `run`, with no cluster in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith(("DSQL_", "AWS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("DSQL_LINT_NO_CACHE", "1")
    yield tmp_path
    # `check` turns the cyclic collector off for the rest of its (short) process: not this one.
    gc.unfreeze()
    gc.enable()


def run(*args: str) -> Result:
    """`dsql-lint ARGS` in this process, through the real entry point (exit status included)."""
    runner = CliRunner()
    saved = sys.argv
    code = 0
    with runner.isolation() as (out, err, _):
        sys.argv = ["dsql-lint", *args]
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.argv = saved
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.mark.parametrize(
    ("config", "args"),
    [
        ({".dsql-lint.yaml": "ignore: [DSQL101]\n"}, ()),
        ({"pyproject.toml": '[tool.dsql-lint]\nignore = ["serial-column"]\n'}, ()),
        ({}, ("--ignore", "DSQL101")),
    ],
    ids=["yaml", "pyproject", "command-line"],
)
def test_check_and_apply_lint_with_the_same_settings(
    project: Path, config: dict[str, str], args: tuple[str, ...]
) -> None:
    for name, text in config.items():
        (project / name).write_text(text)
    (project / "V1__init.sql").write_text(SERIAL)
    check = run("check", "V1__init.sql", *args)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("All clean")
    dry = run("apply", "--dry-run", "V1__init.sql", *args)
    assert dry.returncode == 0, dry.stderr
    assert STOP not in dry.stderr and "DSQL101" not in dry.stderr
    assert "CREATE TABLE t" in dry.stdout


def test_apply_stops_on_the_error_the_settings_keep(project: Path) -> None:
    (project / ".dsql-lint.yaml").write_text("ignore: [DSQL101]\n")
    (project / "V1__init.sql").write_text(SERIAL)
    isolated = run("apply", "--dry-run", "--isolated", "V1__init.sql")
    assert isolated.returncode == 1  # as the run itself would: a dry run is a CI gate too
    assert "DSQL101" in isolated.stderr and STOP in isolated.stderr
    selected = run("apply", "V1__init.sql", "--isolated", "--select", "DSQL1")
    assert selected.returncode == 1
    assert "not applying: the linter found errors" in selected.stderr


def test_apply_shows_the_fix_check_shows(project: Path) -> None:
    """One fix decision per finding, whichever command prints it (BIGSERIAL's is safe)."""
    (project / "V1__init.sql").write_text((ROOT / "fixtures/examples/schema.sql").read_text())
    # The folder is apply's (`migrations:` without a framework): check then judges the
    # transactions as apply runs them, not as Flyway would.
    (project / ".dsql-lint.yaml").write_text("migrations: .\n")
    check = run("check", "V1__init.sql")
    dry = run("apply", "--dry-run", "--dsn", "postgresql://x@127.0.0.1:1/x", ".")

    def fixes(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip().startswith("fix:")]

    assert "fix: safe, applied by `dsql-lint fix`" in fixes(check.stdout)
    assert fixes(dry.stderr) == fixes(check.stdout)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("", ["DSQL401"]),  # no runner named: a V1__ file is Flyway's, one transaction
        ("migrations: db\n", []),  # dsql-lint apply runs the folder: statement by statement
        ("migrations: db\nframework: flyway\n", ["DSQL401"]),
    ],
    ids=["flyway-name", "apply-runs-it", "flyway-named"],
)
def test_the_runner_decides_the_transactions_check_assumes(
    project: Path, config: str, expected: list[str]
) -> None:
    (project / ".dsql-lint.yaml").write_text(config)
    (project / "db").mkdir()
    (project / "db" / "V1__init.sql").write_text(
        "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\n"
    )
    check = run("check", "--format", "json", "db")
    assert [f["code"] for f in json.loads(check.stdout)["diagnostics"]] == expected
    dry = run("apply", "--dry-run", "db")
    assert dry.returncode == 0, dry.stderr  # apply's pre-flight: never a transaction finding


@pytest.mark.parametrize("command", ["apply", "status"])
def test_apply_and_status_report_a_bad_config_file(project: Path, command: str) -> None:
    (project / ".dsql-lint.yaml").write_text("ignore: [DSQL101]\ncolour: red\n")
    (project / "V1__init.sql").write_text(SERIAL)
    result = run(command, "V1__init.sql", "--dsn", "postgresql://localhost:9/x")
    assert result.returncode == 2
    where = f"dsql-lint: error: {project / '.dsql-lint.yaml'}:2: "
    assert result.stderr.startswith(where + "unknown configuration key 'colour'")
    assert len(result.stderr.splitlines()) == 1
    assert run(command, "--isolated", "--help").returncode == 0


@pytest.mark.parametrize(
    "table",
    [
        '[tool.dsql-lint]\nseverity = {DSQL101 = "warning", array-column = "info"}\n',
        '[tool.dsql-lint.severity]\nDSQL101 = "warning"\narray-column = "info"\n',
        '[tool.dsql-lint]\nseverity.DSQL101 = "warning"\nseverity.array-column = "info"\n',
        '[tool."dsql-lint".severity]\n"DSQL101" = "warning"\n\'array-column\' = "info"\n',
    ],
    ids=["inline", "sub-table", "dotted-keys", "quoted"],
)
def test_severity_sub_table_works_like_the_inline_form(project: Path, table: str) -> None:
    (project / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n{table}')
    (project / "a.sql").write_text("CREATE TABLE t (id serial, tags text[]);\n")
    result = run("check", "a.sql")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().splitlines()[-1].startswith("Found 1 warning, 1 info in 1 file")
    assert "DSQL101" in result.stdout and "DSQL102" in result.stdout


def test_the_tool_table_is_found_in_the_parsed_toml(project: Path) -> None:
    # The header is inside a string: not a table, so this pyproject configures nothing.
    (project / "pyproject.toml").write_text(
        '[project]\ndescription = """\n[tool.dsql-lint]\nignore = ["DSQL101"]\n"""\n'
    )
    (project / "a.sql").write_text(SERIAL)
    assert resolve_settings([str(project / "a.sql")]).config_file is None
    assert run("check", "a.sql").returncode == 1


def test_settings_take_the_file_then_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / ".dsql-lint.yaml"
    config.write_text("select: [DSQL1]\nignore: [DSQL104]\nassume-in-transaction: true\n")
    paths = [str(tmp_path)]
    from_file = resolve_settings(paths)
    assert from_file.config_file == config
    assert from_file.lint.select == ("DSQL1",) and from_file.lint.assume_in_transaction
    given = Overrides(select=("DSQL3",), ignore=("DSQL301",), assume_in_transaction=False)
    both = resolve_settings(paths, given).lint
    assert both.select == ("DSQL3",) and both.ignore == ("DSQL301", "DSQL104")
    assert not both.assume_in_transaction
    assert resolve_settings(paths, Overrides(isolated=True)).config_file is None


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("pyproject.toml", '[tool.dsql-lint]\nselect = ["DSQL1"\n', 2, "invalid TOML: "),
        ("pyproject.toml", "[tool.dsql-lint]\nignore = [\n  1,\n  ?\n]\n", 4, "invalid TOML: "),
        ("pyproject.toml", '[tool.dsql-lint]\nselect = ["DSQL1"]\nwat = 1\n', 3, "'wat'"),
        ("pyproject.toml", "[tool.dsql-lint]\n\n[tool.dsql-lint.extra]\nx = 1\n", 3, "'extra'"),
        ("pyproject.toml", '[tool.dsql-lint.severity]\nDSQL101 = "high"\n', 2, "'DSQL101'"),
        ("pyproject.toml", '[tool.dsql-lint]\nselect = [\n  "DSQL1",\n  "X9",\n]\n', 4, "'X9'"),
        ("pyproject.toml", '[tool.dsql-lint]\nseverity.nope = "info"\n', 2, "'nope'"),
        ("pyproject.toml", "[tool]\ndsql-lint = 1\n", 2, "must be a mapping"),
        (".dsql-lint.yaml", "select: [DSQL1\nignore: []\n", 2, "invalid YAML: "),
        (".dsql-lint.yaml", "severity:\n  DSQL101: warning\n  DSQL102: high\n", 3, "'DSQL102'"),
    ],
)
def test_a_bad_config_file_is_one_file_line_error(
    project: Path, name: str, text: str, line: int, message: str
) -> None:
    path = project / name
    path.write_text(text)
    (project / "a.sql").write_text(SERIAL)
    result = run("check", "a.sql")
    assert result.returncode == 2
    assert result.stderr.startswith(f"dsql-lint: error: {path}:{line}: "), result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_key_lines_follow_tables_dotted_and_quoted_keys() -> None:
    text = textwrap.dedent(
        """\
        [tool.ruff]
        select = ["E"]
        note = '''
        [tool.dsql-lint]
        '''
        [ tool . "dsql-lint" ]
        select = ["DSQL1"]
        severity.DSQL101 = "warning"

        [tool.dsql-lint.severity]
        "array-column" = "info"
        """
    )
    lines = key_lines(text)
    assert lines[("tool", "ruff", "select")] == 2
    assert lines[("tool", "dsql-lint")] == 6
    assert lines[("tool", "dsql-lint", "select")] == 7
    assert lines[("tool", "dsql-lint", "severity")] == 8
    assert lines[("tool", "dsql-lint", "severity", "array-column")] == 11


LOAD_UNDER_310 = """
import sys
from pathlib import Path
from dsql_lint.settings import config_file
config = config_file.load(Path(sys.argv[1]))
print(sys.version_info[:2], sorted((k, v.value) for k, v in config.severity.items()))
"""


def test_the_config_loader_runs_on_python_310(tmp_path: Path) -> None:
    """CI (.ci/run) makes a Python 3.10 virtualenv: there tomli reads pyproject.toml."""
    python = os.environ.get("DSQL_LINT_PYTHON310")
    if not python:
        pytest.skip("DSQL_LINT_PYTHON310 is not set (.ci/run sets it when Python 3.10 exists)")
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.dsql-lint.severity]\nDSQL101 = "warning"\n')
    done = subprocess.run(
        [python, "-c", LOAD_UNDER_310, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "(3, 10) [('DSQL101', 'warning')]\n"
    path.write_text("[tool.dsql-lint]\nselect = [\n")
    done = subprocess.run(
        [python, "-c", LOAD_UNDER_310, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert f"RuleError: {path}:2: invalid TOML: " in done.stderr
