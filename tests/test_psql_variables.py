"""psql variables given from outside the file (`-v NAME=VALUE`, `--set`, the configuration's
`psql-variables:`) are put in as psql puts them, so that `check` lints the SQL `apply` sends;
a variable read with no value is DSQL015 in check and refused by apply, with the same words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsql_lint.cli import cli
from dsql_lint.errors import RuleError
from dsql_lint.settings import LintOptions
from dsql_lint.settings.lint import all_rules
from dsql_lint.syntax.psql_variables import NO_VALUE, assignment, given, substitute, substitutions
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), standalone_mode=False)
    assert result.exception is None, result.output
    return result.return_value, result.output


def findings(*args: str) -> list[tuple[str, int, int, int]]:
    code, output = run("check", "--format", "json", "--isolated", *args)
    return [
        (d["code"], d["start"]["line"], d["start"]["column"], d["end"]["column"])
        for d in json.loads(output)["diagnostics"]
    ]


SQL = "CREATE TABLE :\"owner\".items (id uuid PRIMARY KEY, kind :kind DEFAULT :'dflt');\n"


def test_a_read_with_no_value_is_an_error_at_the_read(tmp_path: Path) -> None:
    path = tmp_path / "a.sql"
    path.write_text(SQL)
    assert findings(str(path)) == [
        ("DSQL015", 1, 14, 22),
        ("DSQL015", 1, 56, 61),
        ("DSQL015", 1, 70, 77),
    ]


def test_the_values_given_are_linted_as_psql_sends_them(tmp_path: Path) -> None:
    """`-v kind=serial` makes the column serial: DSQL101 at the read, as DSQL refuses it."""
    path = tmp_path / "a.sql"
    path.write_text(SQL)
    args = ("-v", "owner=app", "-v", "kind=serial", "--set", "dflt=x")
    assert findings(*args, str(path)) == [("DSQL101", 1, 56, 61)]
    assert findings("-v", "owner=app", "-v", "kind=text", "--set", "dflt=x", str(path)) == []


def test_a_syntax_error_a_value_makes_is_reported(tmp_path: Path) -> None:
    """The grammar reads the value, not a stand-in: an identifier value with a space."""
    path = tmp_path / "a.sql"
    path.write_text("CREATE TABLE :name (id uuid PRIMARY KEY);\n")
    assert [f[0] for f in findings("-v", "name=two words", str(path))] == ["DSQL012"]
    assert findings("-v", "name=app.items", str(path)) == []


def test_quoted_reads_are_quoted_as_psql_quotes_them(tmp_path: Path) -> None:
    """`:'v'` is a literal (a quote doubled; with a backslash, E'' with the backslash
    doubled), `:"v"` a quoted name: the value `a'b"` stays one literal and one name."""
    path = tmp_path / "a.sql"
    path.write_text("CREATE TABLE :\"t\" (note text DEFAULT :'t', b text DEFAULT :'b');\n")
    assert findings("-v", "t=a'b\"", "-v", "b=c\\d", str(path)) == []


def test_the_configuration_gives_values_and_v_overrides_or_unsets_them(tmp_path: Path) -> None:
    (tmp_path / ".dsql-lint.yaml").write_text("psql-variables:\n  owner: app\n  kind: text\n")
    path = tmp_path / "a.sql"
    path.write_text(SQL.replace(" DEFAULT :'dflt'", ""))
    code, output = run("check", str(path))
    assert code == 0, output
    code, output = run("check", "-v", "kind=serial", str(path))
    assert code == 1 and "DSQL101" in output, output
    code, output = run("check", "-v", "kind", str(path))  # unset, as psql -v kind does
    assert code == 1 and "`:kind` has no value" in output, output


def test_a_malformed_configuration_value_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / ".dsql-lint.yaml").write_text("psql-variables:\n  owner: [a]\n")
    path = tmp_path / "a.sql"
    path.write_text("SELECT 1;\n")
    with pytest.raises(RuleError, match=r"\.dsql-lint\.yaml:2: `psql-variables\.owner`"):
        CliRunner().invoke(cli, ["check", str(path)], standalone_mode=False, catch_exceptions=False)


def test_v_parses_as_psql_does() -> None:
    assert assignment("a=b=c") == ("a", "b=c")
    assert assignment("a=") == ("a", "")
    assert assignment("a") == ("a", None)
    with pytest.raises(ValueError):
        assignment("1a=b")
    assert given(["x=1", "y=2", "x"], {"z": "3"}) == {"y": "2", "z": "3"}


def test_the_findings_cache_is_keyed_by_the_values(tmp_path: Path, findings_cache: Path) -> None:
    path = tmp_path / "a.sql"
    path.write_text("CREATE TABLE t (id uuid PRIMARY KEY, k :kind);\n")
    assert run("check", "--isolated", "-v", "kind=text", str(path))[0] == 0
    code, output = run("check", "--isolated", "-v", "kind=serial", str(path))
    assert code == 1 and "DSQL101" in output, output
    assert run("check", "--isolated", "-v", "kind=text", str(path))[0] == 0


def test_apply_refuses_with_the_rules_words() -> None:
    (rule,) = [r for r in all_rules(LintOptions()) if r.code == "DSQL015"]
    assert rule.message == NO_VALUE


def test_a_set_before_an_include_is_judged_with_the_included_files_reads(tmp_path: Path) -> None:
    """psql runs `\\ir b.sql` with the including file's variables: `\\set tbl` in a.sql is
    read by b.sql, which apply sends with `:tbl` as written."""
    (tmp_path / "a.sql").write_text("\\set tbl users\n\\ir b.sql\n\\set other x\n")
    (tmp_path / "b.sql").write_text("CREATE TABLE :tbl (id uuid PRIMARY KEY);\n")
    (tmp_path / "c.sql").write_text("\\ir b.sql\n\\set tbl users\n")
    code, output = run("check", "--isolated", "--format", "json", str(tmp_path))
    found = [
        (Path(d["path"]).name, d["code"], d["start"]["line"], [i["line"] for i in d["included_by"]])
        for d in json.loads(output)["diagnostics"]
    ]
    # c.sql sets tbl after b.sql ran: nothing b.sql reads. b.sql runs where each includes it
    # (a.sql:2, c.sql:1), and its read has no value there (DSQL015).
    assert found == [
        ("a.sql", "DSQL013", 1, []),
        ("b.sql", "DSQL015", 1, [2]),
        ("b.sql", "DSQL015", 1, [1]),
    ]
    assert (
        "(:tbl) that b.sql, included after it, reads"
        in json.loads(output)["diagnostics"][0]["message"]
    )


def test_a_variable_a_meta_command_may_set_is_no_dsql015(tmp_path: Path) -> None:
    """`\\gset` sets variables named after a query's columns, `\\getenv` and `\\prompt`
    theirs: DSQL013 refuses those meta-commands, and their variables are not "without value"."""
    path = tmp_path / "a.sql"
    path.write_text("SELECT 'x' AS name \\gset\nCREATE TABLE :name (id int);\n")
    assert [f[0] for f in findings(str(path))] == ["DSQL013"]
    path.write_text("\\getenv home HOME\nSELECT :'home', :'other';\n")
    assert [f[0] for f in findings(str(path))] == ["DSQL013", "DSQL015"]


def test_a_file_whose_includer_sets_its_variable_is_told_how_to_give_it(tmp_path: Path) -> None:
    """b.sql checked alone reads :tbl, which a.sql `\\set`s before `\\ir b.sql`: the help
    names `-v` and the including migration."""
    (tmp_path / "a.sql").write_text("\\set tbl items\n\\ir b.sql\n")
    (tmp_path / "b.sql").write_text("CREATE TABLE :tbl (id uuid PRIMARY KEY);\n")
    code, output = run("check", "--format", "json", "--isolated", str(tmp_path / "b.sql"))
    (finding,) = json.loads(output)["diagnostics"]
    assert finding["code"] == "DSQL015"
    assert "`-v`" in finding["suggestion"] and "includes" in finding["suggestion"]


def test_a_read_a_gset_may_set_is_one_finding(tmp_path: Path) -> None:
    """`\\gset` may set `x`, which psql reads in `t:x` as in `:x`: the file is DSQL013, and the
    read is no syntax error of its own; without the `\\gset`, psql sends `t:x` as written and
    the server refuses it."""
    gset = tmp_path / "g.sql"
    gset.write_text("SELECT 1 AS x \\gset\nCREATE TABLE t:x (id uuid PRIMARY KEY);\n")
    assert [f[0] for f in findings(str(gset))] == ["DSQL013"]
    plain = tmp_path / "p.sql"
    plain.write_text("CREATE TABLE t:x (id uuid PRIMARY KEY);\n")
    assert [f[0] for f in findings(str(plain))] == ["DSQL012"]


# What psql 15 sends for each, given `-v x=VAL` (its query buffer, printed by `\\p`): its
# lexer reads `:x` after any token, a word too, and not in a `::` cast, a string or a name.
AS_PSQL_SENDS = [
    ("SELECT t:x;", "SELECT tVAL;"),
    ("SELECT :x::text;", "SELECT VAL::text;"),
    ("SELECT a::x;", "SELECT a::x;"),
    ("SELECT 1:x;", "SELECT 1VAL;"),
    ("SELECT t$:x;", "SELECT t$VAL;"),
    ('SELECT "t":x;', 'SELECT "t"VAL;'),
    ("SELECT 'a':x;", "SELECT 'a'VAL;"),
    ("SELECT (1):x;", "SELECT (1)VAL;"),
    ("SELECT a[1:x];", "SELECT a[1VAL];"),
    ("SELECT :x:;", "SELECT VAL:;"),
    ("SELECT t:xy;", "SELECT t:xy;"),  # another variable, with no value: as written
    ("SELECT ':x', $$ :x $$; -- :x", "SELECT ':x', $$ :x $$; -- :x"),
]


@pytest.mark.parametrize(("written", "sent"), AS_PSQL_SENDS)
def test_values_are_put_in_where_psqls_lexer_reads_a_variable(written: str, sent: str) -> None:
    statements = split(Source("a.sql", written))
    assert substitute(written, substitutions(statements, {"x": "VAL"})) == sent


def test_a_read_after_a_word_is_put_in_and_without_a_value_judged_as_written(
    tmp_path: Path,
) -> None:
    """`t_:sfx` is read as psql reads it: given `-v sfx=v2`, check lints `t_v2`; with no
    value psql sends `t_:sfx` as written, a syntax error, and a slice's `a[1:n]` (`n` a
    column) as written too, which PostgreSQL reads: neither is DSQL015. `:n::int` is a
    read, and without a value DSQL015."""
    path = tmp_path / "a.sql"
    path.write_text(
        "CREATE TABLE t_:sfx (id uuid PRIMARY KEY, n int);\n"
        "SELECT (ARRAY[1, 2, 3])[1:n] FROM t_:sfx;\n"
        "SELECT :lim::int;\n"
    )
    assert findings("-v", "sfx=v2", "-v", "lim=3", str(path)) == []
    assert findings("-v", "lim=3", str(path)) == [("DSQL012", 1, 16, 17), ("DSQL012", 2, 37, 38)]
    assert findings("-v", "sfx=v2", str(path)) == [("DSQL015", 3, 8, 12)]


def test_an_include_reads_the_variables_given(tmp_path: Path) -> None:
    """psql puts `-v dir=parts` in `\\ir :dir/idx.sql` as in SQL: check follows it to the file
    psql runs; `:'dir'` puts the value in with its quotes, a file psql does not find."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "idx.sql").write_text("CREATE INDEX i ON t (a);\n")
    main = tmp_path / "main.sql"
    main.write_text("\\ir :dir/idx.sql\n\\ir :'dir'/idx.sql\n")
    code, output = run("check", "--format", "json", "--isolated", "-v", "dir=parts", str(main))
    found = [
        (Path(d["path"]).name, d["code"], d["message"]) for d in json.loads(output)["diagnostics"]
    ]
    assert [f[:2] for f in found] == [("main.sql", "DSQL011"), ("idx.sql", "DSQL301")]
    assert found[0][2].startswith("`\\ir 'parts'/idx.sql` names a file that does not exist:")
    # Without the value, psql reads `:dir` as written: no such folder, and DSQL011 says how
    # to give the value, as DSQL015 does.
    assert [f[0] for f in findings(str(main))] == ["DSQL011", "DSQL011"]
    _, output = run("check", "--format", "json", "--isolated", str(main))
    for d, read in zip(json.loads(output)["diagnostics"], (":dir", ":'dir'"), strict=True):
        assert f"psql variable `{read}`" in d["message"] and "`-v dir=VALUE`" in d["message"]


def test_fix_follows_an_include_that_reads_a_variable(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    included = tmp_path / "parts" / "idx.sql"
    included.write_text("CREATE INDEX i ON t (a);\n")
    (tmp_path / "main.sql").write_text("\\ir :dir/idx.sql\n")
    run("fix", "--isolated", "--unsafe-fixes", "-v", "dir=parts", str(tmp_path / "main.sql"))
    assert included.read_text() == "CREATE INDEX ASYNC i ON t (a);\n"
