"""`check` says what `fix` does with each finding, also for the rules whose fixer decides finding
by finding (a BIGSERIAL column safely, a SERIAL one not; USING btree but not USING gin)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsql_lint.cli import cli
from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.engine import Fixer, FixOptions
from dsql_lint.settings import LintOptions, active_rules
from dsql_lint.syntax.source import Source, expand_paths, read_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# Folders that are one input, their files read in migration order (and, for includes, as
# psql runs them: an included file where its includer includes it).
GROUPS = ("apply", "precommit", "includes")
FOLDERS = sorted(
    {p.parent for p in FIXTURES.rglob("*.sql")} - {FIXTURES / "rules"},
    key=str,
)
INCLUDES = sorted((FIXTURES / "fix" / "includes").iterdir())
# Folders fixed as one run by the command, as check reads them: includes, and later files
# that a type change of an earlier one reaches.
RUNS = [*INCLUDES, FIXTURES / "fix" / "later-files"]
INPUTS = [
    *(p for p in FOLDERS if p.parent.name in GROUPS and p.parent.name != "includes"),
    *RUNS,
    *sorted(p for p in FIXTURES.rglob("*.sql") if not set(GROUPS) & set(p.parent.parts)),
]


def _check(path: Path) -> list[tuple[str, FixAvailability]]:
    """The findings of `check` on the input, each with the fix decision it prints."""
    result = CliRunner().invoke(
        cli, ["check", "--format", "json", "--isolated", "--no-cache", "-j", "1", str(path)]
    )
    found = json.loads(result.output)["diagnostics"]
    return [(d["code"], FixAvailability(d["fix"])) for d in found]


# A finding `fix` leaves, as it reports it (not the list of fixes, which has no column).
_LEFT = re.compile(r"^\S+:\d+:\d+: (\w+) \[", re.M)


def _left(path: Path, unsafe: bool) -> Counter[str]:
    """The findings left after `fix` (with --unsafe-fixes or not) on the input: for a folder
    of RUNS, as the command reports them (which reads the transactions that run through the
    included files, and carries a type change into the later files)."""
    if path in RUNS:
        flags = ["--unsafe-fixes"] if unsafe else []
        result = CliRunner().invoke(cli, ["fix", "--isolated", "--diff", *flags, str(path)])
        return Counter(_LEFT.findall(result.stderr))
    lint = LintOptions()
    fixer = Fixer(active_rules(lint), FixOptions(unsafe=unsafe), lint)
    left: Counter[str] = Counter()
    for source in (read_source(p, strict=False) for p in expand_paths([str(path)], ())):
        result = fixer.fix_source(source)
        left.update(d.code for d in result.remaining)
    return left


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fix_does_what_check_says(path: Path) -> None:
    """`fix` removes exactly the findings `check` marks safe, `fix --unsafe-fixes` those marked
    safe or unsafe; the findings marked none stay. Counted by rule: a fix changes the text and
    lines of others."""
    decided = _check(path)
    for unsafe, fixed in (
        (False, {FixAvailability.SAFE}),
        (True, {FixAvailability.SAFE, FixAvailability.UNSAFE}),
    ):
        expected = Counter(key for key, fix in decided if fix not in fixed)
        left = _left(path, unsafe)
        # Findings a fix brings about (a statement it splits) are not check's to predict.
        left = Counter({key: n for key, n in left.items() if key in {k for k, _ in decided}})
        assert left == expected, (
            "--unsafe-fixes" if unsafe else "fix",
            left - expected,
            expected - left,
        )


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


def _decisions(tmp_path: Path, sql: str) -> list[tuple[str, str]]:
    path = tmp_path / "m.sql"
    path.write_text(sql, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["check", "--format", "json", "--isolated", "--no-cache", str(path)]
    )
    return [(d["code"], d["fix"]) for d in json.loads(result.output)["diagnostics"]]


def test_an_array_column_whose_default_cannot_follow_says_no_fix(tmp_path: Path) -> None:
    """ARRAY[...] of constants becomes a JSON literal; of anything else, the finding has no
    fix, and each column of the statement is judged on its own DEFAULT."""
    sql = (
        "CREATE TABLE t (id uuid PRIMARY KEY, a text[] DEFAULT ARRAY[lower('x')],"
        " b text[] DEFAULT ARRAY['it''s', NULL]::text[], c int[] DEFAULT ARRAY[]::int[]);\n"
    )
    assert _decisions(tmp_path, sql) == [
        ("DSQL102", "none"),
        ("DSQL102", "unsafe"),
        ("DSQL102", "unsafe"),
    ]
    result = Fixer(active_rules(LintOptions()), FixOptions(unsafe=True)).fix_source(
        Source("m.sql", sql)
    )
    assert [d.code for d in result.remaining] == ["DSQL102"]
    assert "b jsonb DEFAULT '[\"it''s\", null]'::jsonb" in result.text
    assert "c jsonb DEFAULT '[]'::jsonb" in result.text


CLEAN_DUMP = """DROP SEQUENCE IF EXISTS public.t_id_seq;
DROP TABLE IF EXISTS public.t;
CREATE TABLE public.t (id bigint NOT NULL);
CREATE SEQUENCE public.t_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;
ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);
"""


def test_the_serial_idiom_of_a_clean_dump_is_folded() -> None:
    """pg_dump --clean drops the sequence before creating it: the idiom is folded as check
    says, and that DROP goes with the sequence (the table's DROP drops an identity's)."""
    result = Fixer(active_rules(LintOptions()), FixOptions(unsafe=True)).fix_source(
        Source("m.sql", CLEAN_DUMP)
    )
    assert [d.code for d in result.first.diagnostics] == ["DSQL157"]
    assert not result.remaining
    assert result.text.startswith("DROP TABLE IF EXISTS public.t;\n")
    assert "id BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1) NOT NULL" in result.text
    assert "nextval" not in result.text


def test_a_not_null_with_a_comment_inside_keeps_its_default(tmp_path: Path) -> None:
    """`NOT /* note */ NULL` is NOT NULL: the ADD COLUMN's DEFAULT fills the rows, no fix."""
    sql = (
        "CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN n int DEFAULT 0 NOT /* x */ NULL;\n"
    )
    assert ("DSQL601", "none") in _decisions(tmp_path, sql)


def test_a_statement_reading_a_given_psql_variable_is_decided_with_the_value(
    tmp_path: Path,
) -> None:
    """With `-v`, check and fix both read the statement with the values put in: a finding in
    the file's own text is fixed there, the `:name` reads kept; one in a value, or whose fix
    would copy a value into the file, is left, both saying why in the same words."""
    path = tmp_path / "m.sql"
    path.write_text(
        'CREATE TABLE :"schema".items (id uuid PRIMARY KEY, n :coltype, tags text[]);\n'
        "CREATE TABLE other (id uuid PRIMARY KEY, tags text[]);\n"
        'ALTER TABLE :"schema".items ADD CONSTRAINT f FOREIGN KEY (id) REFERENCES other (id);\n',
        encoding="utf-8",
    )
    given = ["-v", "schema=s", "-v", "coltype=serial"]
    checked = CliRunner().invoke(
        cli, ["check", "--format", "json", "--isolated", "--no-cache", *given, str(path)]
    )
    found = {
        (d["start"]["line"], d["code"]): (d["fix"], d["fix_note"])
        for d in json.loads(checked.output)["diagnostics"]
    }
    assert found[1, "DSQL102"] == ("unsafe", None)  # in the file's text: fixed there
    assert found[2, "DSQL102"] == ("unsafe", None)
    in_value, copies = found[1, "DSQL101"], found[3, "DSQL202"]
    assert in_value[0] == "none" and "edits a psql variable's value" in in_value[1]
    assert copies[0] == "none" and "would write a psql variable's value" in copies[1]
    fixed = CliRunner().invoke(
        cli, ["fix", "--isolated", "--unsafe-fixes", "--diff", *given, str(path)]
    )
    assert '+CREATE TABLE :"schema".items (id uuid PRIMARY KEY, n :coltype, tags jsonb);' in (
        fixed.output
    )
    assert "+CREATE TABLE other (id uuid PRIMARY KEY, tags jsonb);" in fixed.output
    assert f"m.sql:1: DSQL101 not fixed: {in_value[1]}" in fixed.output
    assert f"m.sql:3: DSQL202 not fixed: {copies[1]}" in fixed.output
    assert "2 remain" in fixed.output


def test_a_finding_spanning_a_psql_read_is_fixed_where_its_edits_are_not_in_the_value(
    tmp_path: Path,
) -> None:
    """The decision reads the fix's edits, not the finding's span (round 12: every finding
    spanning a `:name` read was declined). ASYNC, DELETE FROM, CACHE 1 and the type of a column
    beside a read are written around it; a type given by `:typ` and a VALIDATE that would
    copy `:tbl`'s value are still declined, check and fix agreeing."""
    path = tmp_path / "m.sql"
    path.write_text(
        "CREATE TABLE :tbl (id uuid PRIMARY KEY, name text, n int);\n"
        "CREATE INDEX i ON :tbl (name);\n"
        "TRUNCATE :tbl;\n"
        "CREATE SEQUENCE :seq;\n"
        "CREATE TABLE :other (id serial PRIMARY KEY, ref text REFERENCES :tbl (name));\n"
        "CREATE TABLE q (id uuid PRIMARY KEY, tags :typ);\n"
        "ALTER TABLE :tbl ADD CONSTRAINT fk FOREIGN KEY (n) REFERENCES :tbl (n);\n",
        encoding="utf-8",
    )
    given = ["-v", "tbl=users", "-v", "seq=s1", "-v", "other=o", "-v", "typ=text[]"]
    checked = CliRunner().invoke(
        cli, ["check", "--format", "json", "--isolated", "--no-cache", *given, str(path)]
    )
    found = {
        (d["start"]["line"], d["code"]): d["fix"] for d in json.loads(checked.output)["diagnostics"]
    }
    assert found == {
        (2, "DSQL301"): "unsafe",
        (3, "DSQL701"): "unsafe",
        (4, "DSQL150"): "safe",
        (5, "DSQL101"): "unsafe",
        (6, "DSQL102"): "none",  # the edit is `:typ`'s value
        (7, "DSQL202"): "none",  # the VALIDATE would name `users` where the file reads :tbl
    }
    fixed = CliRunner().invoke(
        cli, ["fix", "--isolated", "--unsafe-fixes", "--diff", *given, str(path)]
    )
    for line in (
        "+CREATE INDEX ASYNC i ON :tbl (name);",
        "+DELETE FROM :tbl;",
        "+CREATE SEQUENCE :seq CACHE 1;",
        "+CREATE TABLE :other (id BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY,",
    ):
        assert line in fixed.output
    assert "m.sql:6: DSQL102 not fixed: the fix edits a psql variable's value" in fixed.output
    assert "2 remain" in fixed.output


def test_a_key_added_in_a_later_file_is_not_promised_a_move(tmp_path: Path) -> None:
    """DSQL622's fix moves a UNIQUE into its table's CREATE TABLE of the same file; with the
    table created in an earlier migration, check says `fix: none` with the reason, as fix
    leaves it (round 11: check said safe, fix fixed nothing and said nothing)."""
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "V1__a.sql").write_text("CREATE TABLE a (id uuid PRIMARY KEY, v int);\n")
    (folder / "V2__u.sql").write_text("ALTER TABLE a ADD CONSTRAINT a_u UNIQUE (v);\n")
    result = CliRunner().invoke(cli, ["check", "--format", "json", "--isolated", str(folder)])
    (found,) = [d for d in json.loads(result.output)["diagnostics"] if d["code"] == "DSQL622"]
    assert found["fix"] == "none"
    assert "not created earlier in this file" in found["fix_note"]
    assert _left(folder, unsafe=True)["DSQL622"] == 1
