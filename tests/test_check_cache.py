"""`check` keeps the findings of each file and reuses them while nothing they depend on changed:
the file, the files before it (the catalog carries over), the options, the rules, the tool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsql_lint.cli import cli
from dsql_lint.fix.decision import FixJudge
from dsql_lint.lint.pipeline import Linter

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The names of the files each run had to lint (parse)."""
    runs: list[list[str]] = []
    real = Linter.lint_all

    def spy(self, sources):  # type: ignore[no-untyped-def]
        runs.append([Path(s.path).name for s in sources])
        return real(self, sources)

    monkeypatch.setattr(Linter, "lint_all", spy)
    return runs


def check(*args: str) -> str:
    result = CliRunner().invoke(cli, ["check", "-j", "1", *args])
    assert result.exit_code in (0, 1), result.output
    return result.output


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_second_run_reuses_every_file_and_says_the_same(
    findings_cache: Path, migrations: Path, linted: list[list[str]], fmt: str
) -> None:
    first = check("--format", fmt, str(migrations))
    second = check("--format", fmt, str(migrations))
    files = len(list(migrations.iterdir()))
    assert second == first
    assert len(linted) == 1 and len(linted[0]) == files
    assert "DSQL801" in first  # the catalog finding is among those reused
    assert len(list(findings_cache.glob("*.effects"))) == files  # beside each file's findings


def test_a_changed_file_is_linted_again_with_the_files_after_it(
    findings_cache: Path, migrations: Path, linted: list[list[str]]
) -> None:
    check(str(migrations))
    indexes = "".join(f"CREATE INDEX ASYNC j{n} ON wide (c{n});\n" for n in range(28))
    (migrations / "V2__indexes.sql").write_text(indexes)
    warm = check(str(migrations))
    assert linted[1][0] == "V2__indexes.sql"
    assert len(linted[1]) == len(linted[0]) - 1
    # The catalog of V1, replayed from the cache, still counts the indexes of V2.
    cold = CliRunner().invoke(cli, ["check", "--no-cache", str(migrations)]).output
    assert warm == cold and "DSQL801" in warm


def test_a_file_added_at_the_end_is_the_only_one_linted(
    findings_cache: Path, migrations: Path, linted: list[list[str]]
) -> None:
    check(str(migrations))
    (migrations / "V999__more.sql").write_text("CREATE INDEX ASYNC k ON wide (c2);\n")
    check(str(migrations))
    assert linted[1] == ["V999__more.sql"]


@pytest.mark.parametrize(
    "options", [["--target", "2025-05"], ["--select", "DSQL1"], ["--assume-in-transaction"]]
)
def test_other_options_are_other_entries(
    findings_cache: Path, migrations: Path, linted: list[list[str]], options: list[str]
) -> None:
    check(str(migrations))
    check(*options, str(migrations))
    assert len(linted) == 2


def test_a_file_whose_catalog_effects_are_lost_is_linted_again(
    findings_cache: Path, migrations: Path, linted: list[list[str]]
) -> None:
    first = check(str(migrations))
    for effects in findings_cache.glob("*.effects"):
        effects.unlink()
    (migrations / "V999__more.sql").write_text("CREATE INDEX ASYNC k ON wide (c2);\n")
    check(str(migrations))
    # V999 needs the catalog of the files before it: without their effects, all are linted.
    assert linted[1] == [*linted[0], "V999__more.sql"]
    assert check(str(migrations)).startswith(first.rsplit("\nFound", 1)[0])


def test_a_damaged_entry_is_a_miss(
    findings_cache: Path, migrations: Path, linted: list[list[str]]
) -> None:
    first = check(str(migrations))
    for entry in findings_cache.iterdir():
        entry.write_text('{"kinds": [[1]], "diagnostics": "nope"}')  # (effects too)
    assert check(str(migrations)) == first
    assert len(linted) == 2
    for effects in findings_cache.glob("*.effects"):
        effects.write_text('[[["create_table", ["public"]]]]')  # a table key of one part
    (migrations / "V999__more.sql").write_text("CREATE INDEX ASYNC k ON wide (c2);\n")
    check(str(migrations))
    assert linted[2][0] == "V1__wide.sql"


def test_no_cache_keeps_nothing(findings_cache: Path, migrations: Path) -> None:
    check("--no-cache", str(migrations))
    assert not findings_cache.exists()
    os.environ["DSQL_LINT_NO_CACHE"] = "1"
    try:
        check(str(migrations))
    finally:
        del os.environ["DSQL_LINT_NO_CACHE"]
    assert not findings_cache.exists()


def test_standard_input_is_never_cached(findings_cache: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "-"], input="CREATE TABLE t (id serial);\n")
    assert "DSQL101" in result.output
    assert not findings_cache.exists()


def test_a_reused_run_does_not_import_the_parser(findings_cache: Path, migrations: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(findings_cache.parents[1])}
    code = (
        "import sys\n"
        "from dsql_lint.cli import main\n"
        f"sys.argv = ['dsql-lint', 'check', {str(migrations)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps('sqlglot' in sys.modules), file=sys.stderr)\n"
    )
    script = "import json\n" + code
    runs = [
        subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [json.loads(r.stderr.strip().splitlines()[-1]) for r in runs] == [True, False]
    assert runs[0].stdout == runs[1].stdout


def test_an_included_file_coming_into_being_is_seen(
    findings_cache: Path, tmp_path: Path, linted: list[list[str]]
) -> None:
    """A psql include's finding (DSQL011) depends on another file than the one holding it."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "V1__main.sql").write_text("\\ir later.sql\n")
    assert "DSQL011" in check(str(folder / "V1__main.sql"))
    assert "DSQL011" in check(str(folder / "V1__main.sql"))
    assert len(linted) == 1  # the second run reused the first's findings
    (folder / "later.sql").write_text("SELECT 1;\n")
    assert check(str(folder / "V1__main.sql")).startswith("All clean")
    assert len(linted) == 2


def test_an_included_file_named_by_a_variable_coming_into_being_is_seen(
    findings_cache: Path, tmp_path: Path, linted: list[list[str]]
) -> None:
    """`\\ir :dir/later.sql` with `-v dir=parts` names parts/later.sql, whose coming is seen."""
    folder = tmp_path / "migrations"
    (folder / "parts").mkdir(parents=True)
    (folder / "V1__main.sql").write_text("\\ir :dir/later.sql\n")
    assert "DSQL011" in check("-v", "dir=parts", str(folder / "V1__main.sql"))
    (folder / "parts" / "later.sql").write_text("SELECT 1;\n")
    assert check("-v", "dir=parts", str(folder / "V1__main.sql")).startswith("All clean")
    assert len(linted) == 2


def test_an_edit_of_an_included_file_is_judged_with_the_block_around_its_include(
    findings_cache: Path, tmp_path: Path, linted: list[list[str]]
) -> None:
    """`BEGIN; \\ir a.sql; \\ir b.sql; COMMIT;`: b.sql's second DDL is DSQL401 only with the
    block of the including file, which is linted again with it though unchanged."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "V1__main.sql").write_text("BEGIN;\n\\ir a.sql\n\\ir b.sql\nCOMMIT;\n")
    (folder / "a.sql").write_text("CREATE TABLE a (id uuid PRIMARY KEY);\n")
    (folder / "b.sql").write_text("SELECT 1;\n")
    main = str(folder / "V1__main.sql")
    assert check(main).startswith("All clean")
    (folder / "b.sql").write_text("CREATE TABLE b (id uuid PRIMARY KEY);\n")
    warm = check(main)
    assert "b.sql:1:1: DSQL401" in warm
    assert linted[-1] == ["V1__main.sql", "a.sql", "b.sql"]
    assert warm == CliRunner().invoke(cli, ["check", "--no-cache", main]).output


def test_an_edit_of_the_tools_code_anywhere_is_linted_again(
    findings_cache: Path, migrations: Path, linted: list[list[str]]
) -> None:
    check(str(migrations))
    # A development checkout edits the splitter, outside lint/: its findings may change.
    code = Path(sys.modules["dsql_lint"].__file__).parent / "syntax" / "split.py"
    before = code.stat()
    try:
        os.utime(code, ns=(before.st_atime_ns, before.st_mtime_ns + 1))
        check(str(migrations))
    finally:
        os.utime(code, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert len(linted) == 2 and len(linted[1]) == len(list(migrations.iterdir()))


def test_a_fix_declined_for_a_later_file_is_declined_from_the_cache_too(
    findings_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's decision on a type change (a later file indexes the column) is kept with the
    findings: a reused run says it without deciding again, and says it again when the later
    file changes."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "V1__a.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, tags text[]);\n")
    (folder / "V2__b.sql").write_text("CREATE INDEX ASYNC i ON t (tags);\n")
    declined = "fix: none: the fix (`text[]` -> `jsonb`) would break:"
    first = check(str(folder))
    decided: list[int] = []
    real = FixJudge.settle_run
    monkeypatch.setattr(
        FixJudge, "settle_run", lambda self, *a, **k: decided.append(1) or real(self, *a, **k)
    )
    assert check(str(folder)) == first and declined in first and decided == []
    (folder / "V2__b.sql").write_text("SELECT 1;\n")
    assert declined not in check(str(folder)) and decided == [1]


def test_a_domain_refused_in_a_reused_file_still_refuses_the_columns_after_it(
    findings_cache: Path, tmp_path: Path, linted: list[list[str]]
) -> None:
    """The CREATE DOMAIN's refusal travels with its file's cached effects (DSQL110)."""
    folder = tmp_path / "domains"
    folder.mkdir()
    (folder / "V1__domain.sql").write_text("CREATE DOMAIN tags AS text[];\n")
    (folder / "V2__posts.sql").write_text(
        "CREATE TABLE posts (id uuid PRIMARY KEY, labels tags);\n"
    )
    check(str(folder))
    (folder / "V2__posts.sql").write_text("CREATE TABLE posts (id uuid PRIMARY KEY, more tags);\n")
    second = check(str(folder))
    assert linted[-1] == ["V2__posts.sql"]  # V1's findings and effects were reused
    assert "V2__posts.sql:1:47: DSQL110" in second
