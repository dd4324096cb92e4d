"""`dsql-lint check` as a user runs it: a real process, its output and exit status."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsql_lint.syntax.source import BROKEN_LINK

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "fixtures" / "examples" / "schema.sql"


def run(
    *args: str, stdin: str | bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", *args],
        input=data,
        capture_output=True,
        cwd=cwd or ROOT,
        env=env,
        check=False,
    )


def test_example_reports_each_family_with_position() -> None:
    result = run("check", str(EXAMPLE))
    out = result.stdout.decode()
    assert result.returncode == 1
    assert f"{EXAMPLE}:3:17: DSQL101 [serial-column]" in out
    assert f"{EXAMPLE}:5:17: DSQL102 [array-column]" in out
    assert f"{EXAMPLE}:15:1: DSQL301 [index-without-async]" in out
    assert f"{EXAMPLE}:19:1: DSQL402 [ddl-with-dml-in-transaction]" in out
    assert "help: " in out
    assert out.rstrip().splitlines()[-1].startswith("Found 5 errors in 1 file")


def test_summary_counts_one_statement_in_the_singular() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--isolated", "-"],
        input=b"SELECT 1;",
        capture_output=True,
        check=False,
    )
    assert result.stdout.decode() == "All clean: 1 file, 1 statement checked.\n"


def test_code_frame_points_at_the_finding() -> None:
    out = run("check", str(EXAMPLE), "--select", "DSQL101").stdout.decode()
    frame = out.split("DSQL101", 1)[1].splitlines()
    source_line = next(i for i, line in enumerate(frame) if "id          SERIAL" in line)
    assert frame[source_line].startswith("  3 |")
    caret_line = frame[source_line + 1]
    assert caret_line.index("^") == frame[source_line].index("SERIAL")
    assert caret_line.count("^") == len("SERIAL")


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    good = tmp_path / "good.sql"
    good.write_text("CREATE TABLE t (id uuid PRIMARY KEY);\nCREATE INDEX ASYNC t_idx ON t (id);\n")
    result = run("check", str(good))
    assert result.returncode == 0, result.stdout
    assert result.stdout.decode().startswith("All clean: 1 file, 2 statements checked.")


def test_only_sql_statements_are_counted_checked(tmp_path: Path) -> None:
    script = tmp_path / "psql.sql"
    script.write_text(
        "\\set ON_ERROR_STOP on\n\\echo loading\nCREATE TABLE t (id uuid PRIMARY KEY);\n"
        "COPY t (id) FROM stdin;\n00000000-0000-0000-0000-000000000001\n\\.\n\\timing on\n"
    )
    text = run("check", str(script))
    assert text.stdout.decode().startswith("All clean: 1 file, 2 statements checked."), text
    summary = json.loads(run("check", "--format", "json", str(script)).stdout)["summary"]
    assert summary["statements"] == 2, summary


def test_stdin(tmp_path: Path) -> None:
    result = run("check", "-", stdin="CREATE TABLE t (id serial);\n")
    assert result.returncode == 1
    assert "<stdin>:1:20: DSQL101" in result.stdout.decode()


def test_output_format_is_an_alias_of_format() -> None:
    """ruff's spelling, `--output-format`, gives what `--format` gives."""
    sql = "CREATE TABLE t (id serial);\n"
    spelled = run("check", "--isolated", "--output-format", "github", "-", stdin=sql)
    assert spelled.returncode == 1, spelled.stderr
    assert spelled.stdout == run("check", "--isolated", "--format", "github", "-", stdin=sql).stdout
    assert spelled.stdout.startswith(b"::error line=1,col=20,")
    usage = run("check", "--help").stdout.decode()
    assert "--format, --output-format" in usage
    assert "--stdin-filename NAME" in usage


def test_stdin_filename_names_the_input_and_finds_its_framework_and_config(
    tmp_path: Path,
) -> None:
    """`--stdin-filename` (as an editor passes a buffer to ruff): standard input is read as
    that file, its name in the report, its format (a Knex migration, not SQL) from its name,
    and the configuration from its folder."""
    knex = ROOT / "fixtures" / "orm" / "knex" / "20240101000000_create_accounts.js"
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / ".dsql-lint.yaml").write_text("ignore: [DSQL407]\n")
    name = "db/20240101000000_create_accounts.js"
    named = run("check", "--stdin-filename", name, "-", stdin=knex.read_bytes(), cwd=tmp_path)
    found = named.stdout.decode()
    assert named.returncode == 1, named.stderr
    assert f"{name}:5:77: DSQL301 [index-without-async]" in found
    assert "<stdin>" not in found and "DSQL012" not in found and "DSQL407" not in found
    bare = run("check", "--stdin-filename", name, stdin=knex.read_bytes(), cwd=tmp_path)
    assert bare.stdout == named.stdout  # no path given: standard input, as ruff reads it
    as_sql = run("check", "-", stdin=knex.read_bytes(), cwd=tmp_path).stdout.decode()
    assert "<stdin>:1:1: DSQL012" in as_sql  # without a name, a script is not SQL
    beside = run("check", "--stdin-filename", name, "other.sql", stdin="SELECT 1;", cwd=tmp_path)
    assert beside.returncode == 0, beside.stdout
    assert "ignoring other.sql in favour of standard input" in beside.stderr.decode()


@pytest.mark.parametrize(
    ("args", "setup", "message"),
    [
        (["missing.sql"], None, "missing.sql: no such file or directory"),
        (["--target", "yesterday", "x.sql"], b"", "Invalid value for '--target'"),
        (["--select", "DSQL999", "x.sql"], b"", "unknown rule 'DSQL999'"),
    ],
)
def test_input_errors_are_one_line_exit_2(
    tmp_path: Path, args: list[str], setup: bytes | None, message: str
) -> None:
    if setup is not None:
        (tmp_path / args[-1]).write_bytes(setup)
    result = run("check", *args, cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_undecodable_file_is_a_finding_and_the_others_are_checked(tmp_path: Path) -> None:
    """As ruff's E902: one finding for the file, at the line of its first bad byte; exit 1."""
    (tmp_path / "V1__latin1.sql").write_bytes("SELECT 1;\nSELECT 'é';\n".encode("latin-1"))
    (tmp_path / "V2__next.sql").write_text("CREATE TABLE t (id serial);\n")
    (tmp_path / "V3__wide.sql").write_bytes("CREATE TABLE u (id serial);\n".encode("utf-16-le"))
    result = run("check", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = [
        (d["path"], d["code"], d["start"]["line"], d["start"]["column"])
        for d in json.loads(result.stdout)["diagnostics"]
    ]
    assert found == [
        ("V1__latin1.sql", "DSQL010", 2, 9),
        ("V2__next.sql", "DSQL101", 1, 20),
        ("V3__wide.sql", "DSQL101", 1, 20),
    ]
    # Named alone, or on stdin, the same: a finding, not a stop.
    alone = run("check", "V1__latin1.sql", cwd=tmp_path)
    assert alone.returncode == 1
    assert alone.stdout.decode().startswith(
        "V1__latin1.sql:2:9: DSQL010 [unreadable-file] This file cannot be read as SQL: "
        "not valid UTF-8 (byte 18)"
    )
    piped = run("check", "-", stdin=b"SELECT '\xff';\n")
    assert piped.returncode == 1
    assert "<stdin>:1:9: DSQL010" in piped.stdout.decode()


@pytest.mark.parametrize("command", ["check", "fix"])
def test_links_to_no_file_are_findings_in_a_folder_and_errors_when_named(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "V1__loop.sql").symlink_to("V2__loop.sql")
    (tmp_path / "V2__loop.sql").symlink_to("V1__loop.sql")
    (tmp_path / "V3__gone.sql").symlink_to("nothere.sql")
    (tmp_path / "V4__ok.sql").write_text("CREATE TABLE t (id serial);\n")
    result = run("check", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = [(d["path"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert found == [
        ("V1__loop.sql", "DSQL010"),
        ("V2__loop.sql", "DSQL010"),
        ("V3__gone.sql", "DSQL010"),
        ("V4__ok.sql", "DSQL101"),
    ]
    for name in ("V1__loop.sql", "V3__gone.sql"):
        named = run(command, name, cwd=tmp_path)
        err = named.stderr.decode()
        assert named.returncode == 2, err
        assert err.strip() == f"dsql-lint: error: {name}: {BROKEN_LINK}"


@pytest.mark.parametrize("command", [["check"], ["fix"], ["apply", "--local"], ["status"]])
def test_a_configured_migrations_folder_that_does_not_exist_is_said_at_its_line(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / ".dsql-lint.yaml").write_text("target: latest\nmigrations: db/nothere\n")
    result = run(*command, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"dsql-lint: error: {tmp_path / '.dsql-lint.yaml'}:2: `migrations:` names "
        f"{tmp_path / 'db' / 'nothere'}, which does not exist"
    ]
    assert not (tmp_path / ".dsql-lint").exists()  # no --local server made for nothing


def test_apply_local_reads_its_input_before_making_a_server(tmp_path: Path) -> None:
    result = run("apply", "--local", "nothere.sql", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.decode().strip() == "dsql-lint: error: nothere.sql: no such file or directory"
    )
    assert list(tmp_path.iterdir()) == []


def test_fix_leaves_an_undecodable_file_as_it_is(tmp_path: Path) -> None:
    latin1 = "SELECT 'é';\n".encode("latin-1")
    (tmp_path / "V1__latin1.sql").write_bytes(latin1)
    (tmp_path / "V2__next.sql").write_text("CREATE TABLE t (id bigserial PRIMARY KEY);\n")
    result = run("fix", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "V1__latin1.sql:1:9: DSQL010" in result.stderr.decode()
    assert (tmp_path / "V1__latin1.sql").read_bytes() == latin1
    assert "GENERATED BY DEFAULT AS IDENTITY" in (tmp_path / "V2__next.sql").read_text()


def test_folder_in_migration_order(tmp_path: Path) -> None:
    for name in ("V10__late.sql", "V2__early.sql", "V1__first.sql"):
        (tmp_path / name).write_text("CREATE TABLE t (id serial);\n")
    out = run("check", str(tmp_path), "--format", "json").stdout
    paths = [Path(d["path"]).name for d in json.loads(out)["diagnostics"]]
    assert paths == ["V1__first.sql", "V2__early.sql", "V10__late.sql"]


def test_json_schema() -> None:
    payload = json.loads(run("check", str(EXAMPLE), "--format", "json").stdout)
    assert payload["schema_version"] == 1
    assert payload["summary"]["errors"] == 5
    first = payload["diagnostics"][0]
    assert set(first) == {
        "path",
        "code",
        "name",
        "severity",
        "message",
        "suggestion",
        "fix",
        "fix_note",
        "statement",
        "start",
        "end",
        "dsql",
        "included_by",
    }
    # What the cluster answers this finding, as text words it.
    assert first["dsql"] == [{"sqlstate": "42704", "message": 'type "serial" does not exist'}]
    assert first["start"] == {"line": 3, "column": 17, "offset": first["start"]["offset"]}
    text = EXAMPLE.read_bytes()
    assert text[first["start"]["offset"] : first["end"]["offset"]] == b"SERIAL"


def test_target_enables_lifted_rules() -> None:
    today = {
        d["code"]
        for d in json.loads(run("check", str(EXAMPLE), "--format", "json").stdout)["diagnostics"]
    }
    old = json.loads(run("check", str(EXAMPLE), "--format", "json", "--target", "2025-05").stdout)
    codes = {d["code"] for d in old["diagnostics"]}
    assert "DSQL104" not in today and "DSQL201" not in today
    assert {"DSQL104", "DSQL201"} <= codes


def test_lint_path_does_not_import_boto3_or_psycopg(tmp_path: Path) -> None:
    code = (
        "import sys; from dsql_lint.cli import main;"
        f" sys.argv=['dsql-lint','check',{str(EXAMPLE)!r}];\n"
        "try:\n main()\nexcept SystemExit: pass\n"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('boto3','botocore','psycopg')]\n"
        "print('IMPORTED', bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=False
    ).stdout.decode()
    assert "IMPORTED []" in out


def test_rules_and_explain() -> None:
    listing = run("rules").stdout.decode()
    assert "DSQL101  serial-column" in listing
    assert "no (lifted 2026-06-08)" in listing
    by_code = run("explain", "DSQL301").stdout.decode()
    by_name = run("explain", "index-without-async").stdout.decode()
    assert by_code == by_name
    assert "### Failing example" in by_code and "CREATE INDEX ASYNC" in by_code
    assert run("explain", "nope").returncode == 2
    typo = run("explain", "serial-colum")
    assert typo.returncode == 2 and "did you mean serial-column" in typo.stderr.decode()


@pytest.mark.parametrize("command", ["check", "fix"])
def test_no_sql_files_is_an_error_not_all_clean(tmp_path: Path, command: str) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "README.md").write_text("not sql\n")
    result = run(command, "migrations", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert err.strip() == (
        "dsql-lint: error: no SQL files found in migrations (folders are searched for *.sql, "
        "schema.prisma and migration scripts (.ts/.js, Alembic and Django .py, Rails .rb))"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_files_with_a_bom_are_checked_and_fixed_in_their_encoding(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "schema.sql"
    path.write_bytes("-- café\r\nCREATE TABLE t (id bigserial);\r\n".encode(encoding))
    checked = run("check", "schema.sql", cwd=tmp_path)
    assert "schema.sql:2:20: DSQL101" in checked.stdout.decode()
    assert run("fix", "schema.sql", cwd=tmp_path).returncode == 0
    fixed = path.read_bytes()
    assert fixed.startswith({"utf-16": b"\xff\xfe", "utf-32": b"\xff\xfe\x00\x00"}[encoding])
    assert "bigserial" not in fixed.decode(encoding).lower()
    assert "-- café\r\n" in fixed.decode(encoding)


def test_lone_cr_line_endings_are_counted_as_lines(tmp_path: Path) -> None:
    (tmp_path / "mac.sql").write_bytes(b"SELECT 1;\r\rCREATE TABLE t (id serial);\r")
    out = run("check", "mac.sql", cwd=tmp_path).stdout.decode()
    assert "mac.sql:3:20: DSQL101" in out
    assert "  3 | CREATE TABLE t (id serial);\n" in out


def test_a_finding_in_a_huge_line_shows_the_part_around_the_caret(tmp_path: Path) -> None:
    rows = ", ".join(f"({i}, '{'row ' * 20}{i}')" for i in range(2_000))  # under 3,000 rows
    seed = f"INSERT INTO t VALUES {rows}; CREATE TABLE t (id int, tags text[]);\n"
    (tmp_path / "seed.sql").write_text(seed)
    out = run("check", "seed.sql", cwd=tmp_path).stdout.decode()
    assert len(out) < 5_000
    frames = [line for line in out.splitlines() if " | " in line]
    assert all(len(line) < 140 for line in frames)
    caret = next(line for line in frames if "^" in line)
    above = frames[frames.index(caret) - 1]
    # The caret still points at the finding's text, inside the window shown.
    assert above[caret.index("^") :].startswith("text[]")


def test_control_characters_of_a_binary_file_are_not_printed(tmp_path: Path) -> None:
    """A binary file's bytes (an escape sequence, a bell) are shown as U+FFFD in the frame,
    one each, so the terminal is not driven and the caret stays under its character."""
    (tmp_path / "bin.sql").write_bytes(b"SELECT \x1b[31m x FROM \x07t \x01;\n")
    out = run("check", "--isolated", "bin.sql", cwd=tmp_path).stdout.decode()
    frame, caret = [line for line in out.splitlines() if " | " in line][-2:]
    assert "\x1b" not in out and "\x07" not in out
    assert frame.endswith("| SELECT \ufffd[31m x FROM \ufffdt \ufffd;")
    assert frame[caret.index("^")] == "\ufffd"


def test_history_reads_earlier_migrations_as_unreported_context(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "V1__t.sql").write_text("CREATE TABLE t (id serial PRIMARY KEY, n int);\n")
    (folder / "V2__pk.sql").write_text("ALTER TABLE t DROP COLUMN id;\n")
    (folder / "V10__later.sql").write_text("CREATE TABLE later (id serial);\n")
    alone = run("check", "--no-cache", "db/V2__pk.sql", cwd=tmp_path).stdout.decode()
    assert "All clean: 1 file" in alone
    seen = run("check", "--no-cache", "--history", "db/V2__pk.sql", cwd=tmp_path)
    out = seen.stdout.decode()
    assert seen.returncode == 1
    # `id` is the primary key by V1, which is read but not reported (nor is its SERIAL), and
    # V10, after the given file, is not read at all.
    assert "db/V2__pk.sql:1:" in out and "V1__t.sql" not in out and "later" not in out
    assert "in 1 file," in out


def _collections(path: Path) -> str:
    code = (
        "import gc, sys; from dsql_lint.cli import main; runs = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and runs.append(info))\n"
        f"sys.argv = ['dsql-lint', 'check', '-j', '1', {str(path)!r}]\n"
        "try:\n main()\nexcept SystemExit: pass\n"
        "print('RUNS', len(runs), gc.isenabled(), gc.get_freeze_count() > 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    return out.stdout.decode().rpartition("RUNS")[2].strip()


def test_the_collector_is_off_while_a_command_runs(tmp_path: Path) -> None:
    """Set where the command starts (commands/gc_policy.py): linting 1,000 statements makes no
    more automatic collections than linting 7 (those of the imports); as the process ends with
    the command, the collector stays off and the heap is frozen for the exit."""
    large = tmp_path / "large.sql"
    large.write_text("".join(f"CREATE TABLE t{i} (id serial, n int);\n" for i in range(1000)))
    small = _collections(EXAMPLE)
    assert small.endswith("False True")
    assert _collections(large) == small


def test_the_collector_is_back_on_after_a_command_in_process() -> None:
    from click.testing import CliRunner

    from dsql_lint.cli import cli

    CliRunner().invoke(cli, ["check", str(EXAMPLE)])
    assert gc.isenabled()


def test_color_always_takes_a_value_and_never_a_path(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("CREATE TABLE t (id serial);\n")
    result = run("check", "--color", "a.sql", cwd=tmp_path)
    assert result.returncode == 2
    assert "'--color': 'a.sql' is not one of 'auto', 'always', 'never'" in result.stderr.decode()
    assert "alone" not in run("check", "--help").stdout.decode()


@pytest.mark.parametrize(
    ("args", "environment", "colored"),
    [
        ([], {}, False),  # a pipe, not a terminal
        (["--color", "always"], {}, True),
        (["--color=always"], {"NO_COLOR": "1"}, True),  # the command line wins
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        (["--no-color"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_colour_is_forced_or_refused_on_a_pipe(
    tmp_path: Path, args: list[str], environment: dict[str, str], colored: bool
) -> None:
    (tmp_path / "a.sql").write_text("CREATE TABLE t (id serial);\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    for command, stream in (("check", "stdout"), ("fix", "stderr")):
        extra = ["--diff"] if command == "fix" else []  # fix: the file is left as it is
        result = subprocess.run(
            [sys.executable, "-m", "dsql_lint", command, *args, *extra, "a.sql"],
            capture_output=True,
            cwd=tmp_path,
            env={**env, **environment},
            check=False,
        )
        output = getattr(result, stream).decode()
        assert "DSQL101" in output, result.stderr
        assert ("\x1b[1;31mDSQL101\x1b[0m" in output) is colored, (command, output)


def test_check_help_names_every_framework_reader() -> None:
    out = run("check", "--help").stdout.decode()
    for reader in ("Rails", "Alembic", "Django", "Prisma", "TypeORM", "Knex"):
        assert reader in out, reader
