"""The table of PostgreSQL commands: complete, and each verdict true of its example."""

from __future__ import annotations

import pytest
from helpers import lint_text

from dsql_lint.diagnostic import Severity
from dsql_lint.lint import commands

# PostgreSQL 18's reference, "SQL Commands", in its order: the table must name every one.
POSTGRESQL_18 = (
    "ABORT",
    "ALTER AGGREGATE",
    "ALTER COLLATION",
    "ALTER CONVERSION",
    "ALTER DATABASE",
    "ALTER DEFAULT PRIVILEGES",
    "ALTER DOMAIN",
    "ALTER EVENT TRIGGER",
    "ALTER EXTENSION",
    "ALTER FOREIGN DATA WRAPPER",
    "ALTER FOREIGN TABLE",
    "ALTER FUNCTION",
    "ALTER GROUP",
    "ALTER INDEX",
    "ALTER LANGUAGE",
    "ALTER LARGE OBJECT",
    "ALTER MATERIALIZED VIEW",
    "ALTER OPERATOR",
    "ALTER OPERATOR CLASS",
    "ALTER OPERATOR FAMILY",
    "ALTER POLICY",
    "ALTER PROCEDURE",
    "ALTER PUBLICATION",
    "ALTER ROLE",
    "ALTER ROUTINE",
    "ALTER RULE",
    "ALTER SCHEMA",
    "ALTER SEQUENCE",
    "ALTER SERVER",
    "ALTER STATISTICS",
    "ALTER SUBSCRIPTION",
    "ALTER SYSTEM",
    "ALTER TABLE",
    "ALTER TABLESPACE",
    "ALTER TEXT SEARCH CONFIGURATION",
    "ALTER TEXT SEARCH DICTIONARY",
    "ALTER TEXT SEARCH PARSER",
    "ALTER TEXT SEARCH TEMPLATE",
    "ALTER TRIGGER",
    "ALTER TYPE",
    "ALTER USER",
    "ALTER USER MAPPING",
    "ALTER VIEW",
    "ANALYZE",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT",
    "COMMIT",
    "COMMIT PREPARED",
    "COPY",
    "CREATE ACCESS METHOD",
    "CREATE AGGREGATE",
    "CREATE CAST",
    "CREATE COLLATION",
    "CREATE CONVERSION",
    "CREATE DATABASE",
    "CREATE DOMAIN",
    "CREATE EVENT TRIGGER",
    "CREATE EXTENSION",
    "CREATE FOREIGN DATA WRAPPER",
    "CREATE FOREIGN TABLE",
    "CREATE FUNCTION",
    "CREATE GROUP",
    "CREATE INDEX",
    "CREATE LANGUAGE",
    "CREATE MATERIALIZED VIEW",
    "CREATE OPERATOR",
    "CREATE OPERATOR CLASS",
    "CREATE OPERATOR FAMILY",
    "CREATE POLICY",
    "CREATE PROCEDURE",
    "CREATE PUBLICATION",
    "CREATE ROLE",
    "CREATE RULE",
    "CREATE SCHEMA",
    "CREATE SEQUENCE",
    "CREATE SERVER",
    "CREATE STATISTICS",
    "CREATE SUBSCRIPTION",
    "CREATE TABLE",
    "CREATE TABLE AS",
    "CREATE TABLESPACE",
    "CREATE TEXT SEARCH CONFIGURATION",
    "CREATE TEXT SEARCH DICTIONARY",
    "CREATE TEXT SEARCH PARSER",
    "CREATE TEXT SEARCH TEMPLATE",
    "CREATE TRANSFORM",
    "CREATE TRIGGER",
    "CREATE TYPE",
    "CREATE USER",
    "CREATE USER MAPPING",
    "CREATE VIEW",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DISCARD",
    "DO",
    "DROP ACCESS METHOD",
    "DROP AGGREGATE",
    "DROP CAST",
    "DROP COLLATION",
    "DROP CONVERSION",
    "DROP DATABASE",
    "DROP DOMAIN",
    "DROP EVENT TRIGGER",
    "DROP EXTENSION",
    "DROP FOREIGN DATA WRAPPER",
    "DROP FOREIGN TABLE",
    "DROP FUNCTION",
    "DROP GROUP",
    "DROP INDEX",
    "DROP LANGUAGE",
    "DROP MATERIALIZED VIEW",
    "DROP OPERATOR",
    "DROP OPERATOR CLASS",
    "DROP OPERATOR FAMILY",
    "DROP OWNED",
    "DROP POLICY",
    "DROP PROCEDURE",
    "DROP PUBLICATION",
    "DROP ROLE",
    "DROP ROUTINE",
    "DROP RULE",
    "DROP SCHEMA",
    "DROP SEQUENCE",
    "DROP SERVER",
    "DROP STATISTICS",
    "DROP SUBSCRIPTION",
    "DROP TABLE",
    "DROP TABLESPACE",
    "DROP TEXT SEARCH CONFIGURATION",
    "DROP TEXT SEARCH DICTIONARY",
    "DROP TEXT SEARCH PARSER",
    "DROP TEXT SEARCH TEMPLATE",
    "DROP TRANSFORM",
    "DROP TRIGGER",
    "DROP TYPE",
    "DROP USER",
    "DROP USER MAPPING",
    "DROP VIEW",
    "END",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT FOREIGN SCHEMA",
    "INSERT",
    "LISTEN",
    "LOAD",
    "LOCK",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "PREPARE TRANSACTION",
    "REASSIGN OWNED",
    "REFRESH MATERIALIZED VIEW",
    "REINDEX",
    "RELEASE SAVEPOINT",
    "RESET",
    "REVOKE",
    "ROLLBACK",
    "ROLLBACK PREPARED",
    "ROLLBACK TO SAVEPOINT",
    "SAVEPOINT",
    "SECURITY LABEL",
    "SELECT",
    "SELECT INTO",
    "SET",
    "SET CONSTRAINTS",
    "SET ROLE",
    "SET SESSION AUTHORIZATION",
    "SET TRANSACTION",
    "SHOW",
    "START TRANSACTION",
    "TRUNCATE",
    "UNLISTEN",
    "UPDATE",
    "VACUUM",
    "VALUES",
)
TABLE = commands.table()


def test_the_table_names_every_postgresql_command_once() -> None:
    assert list(TABLE) == list(POSTGRESQL_18)


@pytest.mark.parametrize("command", list(TABLE.values()), ids=list(TABLE))
def test_each_command_gets_its_verdict(command: commands.Command) -> None:
    assert commands.identify(command.example) == command
    found = lint_text(command.example + "\n")
    # (a BEGIN alone in a file is never committed: DSQL017 is the file's, not the command's)
    errors = [d.code for d in found if d.severity is Severity.ERROR and d.code != "DSQL017"]
    codes = [d.code for d in found]
    if command.verdict == commands.REFUSED:
        # A refused command PostgreSQL's grammar knows but the parser does not yet is
        # refused all the same, beside the parse error.
        assert set(errors) - {"DSQL001"} == {command.rule or "DSQL005"}, found
    elif command.verdict == commands.UNDOCUMENTED:
        assert codes == ["DSQL006"], found
    else:  # accepted, or restricted and written the way DSQL accepts it
        assert errors == [] and "DSQL006" not in codes, found


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("CREATE OR REPLACE TRIGGER g BEFORE INSERT ON t EXECUTE FUNCTION f();", "CREATE TRIGGER"),
        ("CREATE CONSTRAINT TRIGGER g AFTER INSERT ON t EXECUTE FUNCTION f();", "CREATE TRIGGER"),
        ("create unique index async i on t (c);", "CREATE INDEX"),
        ("CREATE GLOBAL TEMPORARY TABLE t (c int);", "CREATE TABLE"),
        ("CREATE OR REPLACE TRUSTED PROCEDURAL LANGUAGE p;", "CREATE LANGUAGE"),
        ("/* c */ ALTER USER MAPPING FOR r SERVER s OPTIONS (SET u 'x');", "ALTER USER MAPPING"),
        ("ALTER USER u RENAME TO v;", "ALTER USER"),
        ("WITH x AS (SELECT 1) SELECT * FROM x;", "SELECT"),
        # the statement behind the CTEs is the command, whatever the CTEs hold
        (
            "WITH s AS (SELECT ')' AS id) MERGE INTO t USING s ON t.id = s.id "
            "WHEN MATCHED THEN DELETE;",
            "MERGE",
        ),
        (
            "WITH RECURSIVE r(n) AS (SELECT 1), q AS MATERIALIZED (SELECT 2) INSERT INTO t "
            "SELECT n FROM r;",
            "INSERT",
        ),
        ("WITH d AS (DELETE FROM t RETURNING id) UPDATE u SET a = 1;", "UPDATE"),
        ('WITH "select" AS (SELECT 1) DELETE FROM t;', "DELETE"),
        ("WITH s AS (SELECT 1) TABLE s;", "SELECT"),
        ("WITH s AS (SELECT 1) VALUES (1);", "VALUES"),
        ("RELEASE s;", "RELEASE SAVEPOINT"),
        ("COMMENT ON TABLE t IS NULL;", "COMMENT"),
        ("COMMENT ON MATERIALIZED VIEW m IS 'x';", "COMMENT ON MATERIALIZED VIEW"),
    ],
)
def test_a_statement_is_identified_by_its_leading_words(sql: str, name: str) -> None:
    from dsql_lint.engine.matchers import code_only

    found = commands.identify(code_only(sql))
    assert found is not None and found.name == name


def test_a_refusal_waived_for_if_exists_is_waived_there_only() -> None:
    assert [d.code for d in lint_text("DROP TRIGGER IF EXISTS g ON t;\n")] == []
    assert [d.code for d in lint_text("DROP TRIGGER g ON t;\n")] == ["DSQL511"]


def test_turning_off_the_rule_of_a_refused_command_is_respected() -> None:
    assert [d.code for d in lint_text("TRUNCATE t;\n", ignore=("DSQL701",))] == []


def test_a_refused_command_that_does_not_parse_is_still_refused() -> None:
    codes = {d.code for d in lint_text("COMMENT ON TRIGGER g ON t IS 'x' garbage;\n")}
    assert "DSQL511" in codes


# Statements about one kind of object that PostgreSQL names by different verbs.
_SAME_OBJECT = {
    "EXECUTE": "PREPARE",
    "DEALLOCATE": "PREPARE",
    "FETCH": "DECLARE",
    "MOVE": "DECLARE",
    "CLOSE": "DECLARE",
    "UNLISTEN": "LISTEN",
    "NOTIFY": "LISTEN",
}
_VERBS = ("CREATE ", "ALTER ", "DROP ", "REFRESH ")


def _object_kind(name: str) -> str:
    for verb in _VERBS:
        if name.startswith(verb):
            return name.removeprefix(verb)
    return _SAME_OBJECT.get(name, name)


def test_a_refused_statement_about_an_object_kind_with_a_rule_is_reported_under_it() -> None:
    """DROP TRIGGER is DSQL511 as CREATE TRIGGER is, not DSQL005: `--select`/`--ignore` of
    the rule take every statement about its kind of object."""
    ruled = {
        _object_kind(c.name): c.rule
        for c in TABLE.values()
        if c.verdict == commands.REFUSED and c.rule is not None
    }
    misfiled = [
        c.name
        for c in TABLE.values()
        if c.verdict == commands.REFUSED and c.rule is None and _object_kind(c.name) in ruled
    ]
    assert misfiled == []
    assert ruled["TRIGGER"] == "DSQL511" and ruled["PREPARE"] == "DSQL705"
    for sql, code in [
        ("COMMENT ON TRIGGER g ON t IS 'x';\n", "DSQL511"),
        ("COMMENT ON TYPE mood IS 'x';\n", "DSQL514"),
        ("COMMENT ON MATERIALIZED VIEW m IS 'x';\n", "DSQL510"),
        ("CREATE TABLE t2 AS EXECUTE p;\n", "DSQL509"),
    ]:
        assert [d.code for d in lint_text(sql)] == [code]
    # Selecting the rule takes them; ignoring it leaves nothing for DSQL005 to take.
    assert [d.code for d in lint_text("DROP TYPE mood;\n", select=("DSQL514",))] == ["DSQL514"]
    assert lint_text("DROP TYPE mood;\n", ignore=("DSQL514",)) == []


# The object kinds of PostgreSQL 18's GRANT synopsis (REVOKE's are the same), each with an
# object of it and what DSQL answers a GRANT on it: the rule of a kind DSQL cannot hold (as
# ALTER of that kind), DSQL005 where no rule has the kind, DSQL006 where the facts are silent.
GRANT_KINDS_18 = {
    "TABLE": ("TABLE t", None),
    "": ("t", None),
    "ALL TABLES IN SCHEMA": ("ALL TABLES IN SCHEMA s", None),
    "SEQUENCE": ("SEQUENCE s", None),
    "ALL SEQUENCES IN SCHEMA": ("ALL SEQUENCES IN SCHEMA s", None),
    "DATABASE": ("DATABASE postgres", None),
    "DOMAIN": ("DOMAIN d", "DSQL006"),
    "FOREIGN DATA WRAPPER": ("FOREIGN DATA WRAPPER w", "DSQL522"),
    "FOREIGN SERVER": ("FOREIGN SERVER s", "DSQL522"),
    "FUNCTION": ("FUNCTION f(int)", None),
    "PROCEDURE": ("PROCEDURE p(int)", "DSQL518"),
    "ROUTINE": ("ROUTINE f(int)", None),
    "ALL FUNCTIONS IN SCHEMA": ("ALL FUNCTIONS IN SCHEMA s", None),
    "LANGUAGE": ("LANGUAGE plpgsql", "DSQL005"),
    "LANGUAGE sql": ("LANGUAGE sql", "DSQL006"),
    "LARGE OBJECT": ("LARGE OBJECT 1", "DSQL005"),
    "PARAMETER": ("PARAMETER work_mem", "DSQL006"),
    "SCHEMA": ("SCHEMA s", None),
    "TABLESPACE": ("TABLESPACE s", "DSQL507"),
    "TYPE": ("TYPE mood", "DSQL514"),
    # a table whose name is a kind's keyword: PostgreSQL reads it as a table
    "a table named type": ("type", None),
    "a table named tablespace": ("tablespace", None),
}


@pytest.mark.parametrize("kind", list(GRANT_KINDS_18))
@pytest.mark.parametrize("verb", ["GRANT ALL ON {} TO r;", "REVOKE ALL ON {} FROM r;"])
def test_grant_and_revoke_on_each_object_kind_get_that_kinds_verdict(verb: str, kind: str) -> None:
    """GRANT/REVOKE on a kind of object DSQL cannot hold fails as ALTER of it does, under the
    kind's own rule, so that no such GRANT passes as "All clean"."""
    written, code = GRANT_KINDS_18[kind]
    found = [d.code for d in lint_text(verb.format(written) + "\n")]
    assert found == ([code] if code else []), found


def test_calling_a_procedure_is_the_procedures_rule_and_dsqls_own_are_clean() -> None:
    """DSQL holds no procedure of the user's (DSQL518): CALL of one fails as CREATE PROCEDURE
    does; DSQL's own, in schema sys, stay clean."""
    for sql in ("CALL p();", "CALL app.refresh_totals(1, 'x');", 'CALL "Import"();'):
        assert [d.code for d in lint_text(sql + "\n")] == ["DSQL518"], sql
    for sql in ("CALL sys.wait_for_job('a1b2c3d4e5f6g7h8i9j0k1l2m3');",
                "call SYS.wait_for_job('a1b2c3d4e5f6g7h8i9j0k1l2m3');"):  # fmt: skip
        assert lint_text(sql + "\n") == [], sql
    assert lint_text("CALL p();\n", ignore=("DSQL518",)) == []


def test_a_refused_object_statement_has_no_fix_of_its_rule() -> None:
    (found,) = lint_text("DROP TABLESPACE s;\n")
    assert (found.code, found.fix.value) == ("DSQL507", "none")
    assert found.fix_note == "DROP TABLESPACE can never succeed: remove the statement"


def test_the_coverage_document_is_in_sync() -> None:
    from pathlib import Path

    from dsql_lint.commands.docs import coverage

    path = Path(__file__).resolve().parents[1] / "docs" / "coverage.md"
    assert path.read_text(encoding="utf-8") == coverage(), (
        "docs/coverage.md is stale: dsql-lint rules --format coverage > docs/coverage.md"
    )


def test_a_do_block_says_what_it_runs() -> None:
    drizzle = (
        'DO $$ BEGIN\n CREATE TYPE "public"."mood" AS ENUM(\'ok\');\n'
        "EXCEPTION WHEN duplicate_object THEN null;\nEND $$;\n"
    )
    found, inside = lint_text(drizzle)
    assert found.code == "DSQL005"
    assert found.message.endswith('; it runs CREATE TYPE "public"."mood"')
    # The statement it runs is checked too, where it is written.
    assert (inside.code, inside.line, inside.col) == ("DSQL514", 2, 2)


# Forms the parser keeps as raw text for these commands.
_RAW_FORMS = {
    "CREATE VIEW": "CREATE RECURSIVE VIEW v (n) AS SELECT 1;",
}
# Commands of which no form that PostgreSQL reads and no rule reports is known to be kept as
# raw text (a Unicode-escaped name, `U&"t"`, was one until the tokenizer read it).
_NO_RAW_FORM_KNOWN = {"CREATE INDEX", "CREATE TABLE"}


def test_every_command_read_as_a_tree_has_a_raw_form_here() -> None:
    read = {name for name, command in commands.table().items() if command.read_as_tree}
    assert set(_RAW_FORMS) | _NO_RAW_FORM_KNOWN <= read
    parse_errors = {"DELETE", "INSERT", "SELECT", "UPDATE"}
    assert read - set(_RAW_FORMS) - _NO_RAW_FORM_KNOWN == parse_errors


@pytest.mark.parametrize("name", sorted(_RAW_FORMS))
def test_a_statement_kept_as_raw_text_was_not_checked_and_says_so(name: str) -> None:
    """A CREATE TABLE the parser cannot read as a tree hides its SERIAL: "All clean" there
    would be a silent pass, so it is DSQL001, an error, unless a rule reported it."""
    (finding,) = lint_text(_RAW_FORMS[name])
    assert (finding.code, finding.severity) == ("DSQL001", Severity.ERROR)
    assert finding.message.endswith(f"the parser does not read this form of {name}")


def test_a_raw_statement_a_rule_reported_is_not_also_unchecked() -> None:
    codes = [d.code for d in lint_text("CREATE TEMP TABLE w() WITHOUT OIDS;")]
    assert "DSQL001" not in codes and codes
