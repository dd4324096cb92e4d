"""The table of ALTER TABLE's actions: complete, each example identified and given its verdict,
and a statement's actions each judged at its own span."""

# ruff: noqa: E501 - the synopsis lines are PostgreSQL's reference, as written

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from fix.fixkit import fix_text
from helpers import lint_text

from dsql_lint.diagnostic import Diagnostic, Severity
from dsql_lint.engine.matchers import code_only
from dsql_lint.lint import actions, commands
from dsql_lint.syntax.parse import node_span, parse
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split

# PostgreSQL 18's ALTER TABLE synopsis: its forms after the name, then each line of `action`.
ALTER_TABLE_18 = (
    "RENAME [ COLUMN ] column_name TO new_column_name",
    "RENAME CONSTRAINT constraint_name TO new_constraint_name",
    "RENAME TO new_name",
    "SET SCHEMA new_schema",
    "ALL IN TABLESPACE name [ OWNED BY role_name [, ... ] ] SET TABLESPACE new_tablespace [ NOWAIT ]",
    "ATTACH PARTITION partition_name { FOR VALUES partition_bound_spec | DEFAULT }",
    "DETACH PARTITION partition_name [ CONCURRENTLY | FINALIZE ]",
    "ADD [ COLUMN ] [ IF NOT EXISTS ] column_name data_type [ COLLATE collation ] [ column_constraint [ ... ] ]",
    "DROP [ COLUMN ] [ IF EXISTS ] column_name [ RESTRICT | CASCADE ]",
    "ALTER [ COLUMN ] column_name [ SET DATA ] TYPE data_type [ COLLATE collation ] [ USING expression ]",
    "ALTER [ COLUMN ] column_name SET DEFAULT expression",
    "ALTER [ COLUMN ] column_name DROP DEFAULT",
    "ALTER [ COLUMN ] column_name { SET | DROP } NOT NULL",
    "ALTER [ COLUMN ] column_name SET EXPRESSION AS ( expression )",
    "ALTER [ COLUMN ] column_name DROP EXPRESSION [ IF EXISTS ]",
    "ALTER [ COLUMN ] column_name ADD GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [ ( sequence_options ) ]",
    "ALTER [ COLUMN ] column_name { SET GENERATED { ALWAYS | BY DEFAULT } | SET sequence_option | RESTART [ [ WITH ] restart ] } [...]",
    "ALTER [ COLUMN ] column_name DROP IDENTITY [ IF EXISTS ]",
    "ALTER [ COLUMN ] column_name SET STATISTICS { integer | DEFAULT }",
    "ALTER [ COLUMN ] column_name SET ( attribute_option = value [, ... ] )",
    "ALTER [ COLUMN ] column_name RESET ( attribute_option [, ... ] )",
    "ALTER [ COLUMN ] column_name SET STORAGE { PLAIN | EXTERNAL | EXTENDED | MAIN | DEFAULT }",
    "ALTER [ COLUMN ] column_name SET COMPRESSION compression_method",
    "ADD table_constraint [ NOT VALID ]",
    "ADD table_constraint_using_index",
    "ALTER CONSTRAINT constraint_name [ DEFERRABLE | NOT DEFERRABLE ] [ INITIALLY DEFERRED | INITIALLY IMMEDIATE ]",
    "ALTER CONSTRAINT constraint_name [ ENFORCED | NOT ENFORCED ]",
    "ALTER CONSTRAINT constraint_name [ INHERIT | NO INHERIT ]",
    "VALIDATE CONSTRAINT constraint_name",
    "DROP CONSTRAINT [ IF EXISTS ] constraint_name [ RESTRICT | CASCADE ]",
    "DISABLE TRIGGER [ trigger_name | ALL | USER ]",
    "ENABLE TRIGGER [ trigger_name | ALL | USER ]",
    "ENABLE REPLICA TRIGGER trigger_name",
    "ENABLE ALWAYS TRIGGER trigger_name",
    "DISABLE RULE rewrite_rule_name",
    "ENABLE RULE rewrite_rule_name",
    "ENABLE REPLICA RULE rewrite_rule_name",
    "ENABLE ALWAYS RULE rewrite_rule_name",
    "DISABLE ROW LEVEL SECURITY",
    "ENABLE ROW LEVEL SECURITY",
    "FORCE ROW LEVEL SECURITY",
    "NO FORCE ROW LEVEL SECURITY",
    "CLUSTER ON index_name",
    "SET WITHOUT CLUSTER",
    "SET WITHOUT OIDS",
    "SET ACCESS METHOD { new_access_method | DEFAULT }",
    "SET TABLESPACE new_tablespace",
    "SET { LOGGED | UNLOGGED }",
    "SET ( storage_parameter [= value] [, ... ] )",
    "RESET ( storage_parameter [, ... ] )",
    "INHERIT parent_table",
    "NO INHERIT parent_table",
    "OF type_name",
    "NOT OF",
    "OWNER TO { new_owner | CURRENT_ROLE | CURRENT_USER | SESSION_USER }",
    "REPLICA IDENTITY { DEFAULT | USING INDEX index_name | FULL | NOTHING }",
)
# The other commands judged action by action: each line of their synopses after the name.
OTHERS_18 = {
    "ALTER DOMAIN": (
        "{ SET DEFAULT expression | DROP DEFAULT }",
        "{ SET | DROP } NOT NULL",
        "ADD domain_constraint [ NOT VALID ]",
        "DROP CONSTRAINT [ IF EXISTS ] constraint_name [ RESTRICT | CASCADE ]",
        "RENAME CONSTRAINT constraint_name TO new_constraint_name",
        "VALIDATE CONSTRAINT constraint_name",
        "OWNER TO { new_owner | CURRENT_ROLE | CURRENT_USER | SESSION_USER }",
        "RENAME TO new_name",
        "SET SCHEMA new_schema",
    ),
    "ALTER INDEX": (
        "RENAME TO new_name",
        "SET TABLESPACE tablespace_name",
        "ATTACH PARTITION index_name",
        "[ NO ] DEPENDS ON EXTENSION extension_name",
        "SET ( storage_parameter [= value] [, ... ] )",
        "RESET ( storage_parameter [, ... ] )",
        "ALTER [ COLUMN ] column_number SET STATISTICS integer",
        "ALL IN TABLESPACE name [ OWNED BY role_name [, ... ] ] SET TABLESPACE new_tablespace [ NOWAIT ]",
    ),
    "ALTER VIEW": (
        "ALTER [ COLUMN ] column_name SET DEFAULT expression",
        "ALTER [ COLUMN ] column_name DROP DEFAULT",
        "OWNER TO { new_owner | CURRENT_ROLE | CURRENT_USER | SESSION_USER }",
        "RENAME [ COLUMN ] column_name TO new_column_name",
        "RENAME TO new_name",
        "SET SCHEMA new_schema",
        "SET ( view_option_name [= view_option_value] [, ... ] )",
        "RESET ( view_option_name [, ... ] )",
    ),
    "ALTER SEQUENCE": (
        "[ AS data_type ] [ INCREMENT [ BY ] increment ] [ MINVALUE minvalue | NO MINVALUE ] [ MAXVALUE maxvalue | NO MAXVALUE ] [ START [ WITH ] start ] [ RESTART [ [ WITH ] restart ] ] [ CACHE cache ] [ [ NO ] CYCLE ] [ OWNED BY { table_name.column_name | NONE } ]",
        "SET { LOGGED | UNLOGGED }",
        "OWNER TO { new_owner | CURRENT_ROLE | CURRENT_USER | SESSION_USER }",
        "RENAME TO new_name",
        "SET SCHEMA new_schema",
    ),
    "ALTER FUNCTION": (
        "CALLED ON NULL INPUT | RETURNS NULL ON NULL INPUT | STRICT",
        "IMMUTABLE | STABLE | VOLATILE",
        "[ NOT ] LEAKPROOF",
        "[ EXTERNAL ] SECURITY INVOKER | [ EXTERNAL ] SECURITY DEFINER",
        "PARALLEL { UNSAFE | RESTRICTED | SAFE }",
        "COST execution_cost",
        "ROWS result_rows",
        "SUPPORT support_function",
        "SET configuration_parameter { TO | = } { value | DEFAULT }",
        "SET configuration_parameter FROM CURRENT",
        "RESET configuration_parameter",
        "RESET ALL",
        "RENAME TO new_name",
        "OWNER TO { new_owner | CURRENT_ROLE | CURRENT_USER | SESSION_USER }",
        "SET SCHEMA new_schema",
        "[ NO ] DEPENDS ON EXTENSION extension_name",
    ),
}
# ALTER ROUTINE's actions are those ALTER FUNCTION and ALTER PROCEDURE share.
OTHERS_18["ALTER ROUTINE"] = (
    "IMMUTABLE | STABLE | VOLATILE",
    "[ NOT ] LEAKPROOF",
    "[ EXTERNAL ] SECURITY INVOKER | [ EXTERNAL ] SECURITY DEFINER",
    "PARALLEL { UNSAFE | RESTRICTED | SAFE }",
    "COST execution_cost",
    "ROWS result_rows",
    "SET configuration_parameter { TO | = } { value | DEFAULT }",
    "SET configuration_parameter FROM CURRENT",
    "RESET configuration_parameter",
    "RESET ALL",
    "RENAME TO new_name",
    "OWNER TO { new_owner | CURRENT_ROLE | CURRENT_USER | SESSION_USER }",
    "SET SCHEMA new_schema",
    "[ NO ] DEPENDS ON EXTENSION extension_name",
)
SYNOPSES = {"ALTER TABLE": ALTER_TABLE_18, **OTHERS_18}
# The commands of several actions that have no table of them: DSQL refuses the command
# whole, whatever its action, under the rule of its object kind. Each form of their PostgreSQL
# 18 synopses, written as a statement, and that rule.
REFUSED_WHOLE = {
    "ALTER PROCEDURE": ("DSQL518", (
        "ALTER PROCEDURE p(int) SECURITY DEFINER;",
        "ALTER PROCEDURE p(int) SET search_path = public;",
        "ALTER PROCEDURE p(int) SET search_path FROM CURRENT;",
        "ALTER PROCEDURE p(int) RESET ALL;",
        "ALTER PROCEDURE p(int) RENAME TO q;",
        "ALTER PROCEDURE p(int) OWNER TO r;",
        "ALTER PROCEDURE p(int) SET SCHEMA s;",
        "ALTER PROCEDURE p(int) NO DEPENDS ON EXTENSION e;",
    )),
    "ALTER MATERIALIZED VIEW": ("DSQL510", (
        "ALTER MATERIALIZED VIEW m ALTER COLUMN c SET STATISTICS 10;",
        "ALTER MATERIALIZED VIEW m ALTER COLUMN c SET (n_distinct = 10);",
        "ALTER MATERIALIZED VIEW m ALTER COLUMN c RESET (n_distinct);",
        "ALTER MATERIALIZED VIEW m ALTER COLUMN c SET STORAGE EXTERNAL;",
        "ALTER MATERIALIZED VIEW m ALTER COLUMN c SET COMPRESSION lz4;",
        "ALTER MATERIALIZED VIEW m CLUSTER ON i;",
        "ALTER MATERIALIZED VIEW m SET WITHOUT CLUSTER;",
        "ALTER MATERIALIZED VIEW m SET ACCESS METHOD heap;",
        "ALTER MATERIALIZED VIEW m SET TABLESPACE s;",
        "ALTER MATERIALIZED VIEW m SET (fillfactor = 70);",
        "ALTER MATERIALIZED VIEW m RESET (fillfactor);",
        "ALTER MATERIALIZED VIEW m OWNER TO r;",
        "ALTER MATERIALIZED VIEW m DEPENDS ON EXTENSION e;",
        "ALTER MATERIALIZED VIEW m RENAME COLUMN a TO b;",
        "ALTER MATERIALIZED VIEW m RENAME TO n;",
        "ALTER MATERIALIZED VIEW m SET SCHEMA s;",
        "ALTER MATERIALIZED VIEW ALL IN TABLESPACE a SET TABLESPACE b;",
    )),
    "ALTER FOREIGN TABLE": ("DSQL522", (
        "ALTER FOREIGN TABLE f ADD COLUMN c int;",
        "ALTER FOREIGN TABLE f DROP COLUMN c;",
        "ALTER FOREIGN TABLE f ALTER COLUMN c TYPE bigint;",
        "ALTER FOREIGN TABLE f ALTER COLUMN c SET DEFAULT 1;",
        "ALTER FOREIGN TABLE f ALTER COLUMN c SET NOT NULL;",
        "ALTER FOREIGN TABLE f ALTER COLUMN c SET STATISTICS 10;",
        "ALTER FOREIGN TABLE f ALTER COLUMN c SET STORAGE PLAIN;",
        "ALTER FOREIGN TABLE f ALTER COLUMN c OPTIONS (ADD a '1');",
        "ALTER FOREIGN TABLE f ADD CONSTRAINT k CHECK (c > 0) NOT VALID;",
        "ALTER FOREIGN TABLE f VALIDATE CONSTRAINT k;",
        "ALTER FOREIGN TABLE f DROP CONSTRAINT k;",
        "ALTER FOREIGN TABLE f DISABLE TRIGGER ALL;",
        "ALTER FOREIGN TABLE f SET WITHOUT OIDS;",
        "ALTER FOREIGN TABLE f INHERIT p;",
        "ALTER FOREIGN TABLE f OWNER TO r;",
        "ALTER FOREIGN TABLE f OPTIONS (ADD a '1');",
        "ALTER FOREIGN TABLE f RENAME COLUMN a TO b;",
        "ALTER FOREIGN TABLE f RENAME TO g;",
        "ALTER FOREIGN TABLE f SET SCHEMA s;",
    )),
    "ALTER TYPE": ("DSQL514", (
        "ALTER TYPE t OWNER TO r;",
        "ALTER TYPE t RENAME TO u;",
        "ALTER TYPE t SET SCHEMA s;",
        "ALTER TYPE t RENAME ATTRIBUTE a TO b;",
        "ALTER TYPE t ADD ATTRIBUTE a int, DROP ATTRIBUTE b, ALTER ATTRIBUTE c TYPE text;",
        "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'sad';",
        "ALTER TYPE mood RENAME VALUE 'meh' TO 'ok';",
        "ALTER TYPE t SET (RECEIVE = r);",
    )),
}  # fmt: skip
# The kinds of table_constraint and table_constraint_using_index, each with a verdict.
CONSTRAINT_KINDS = ("CHECK", "NOT NULL", "UNIQUE", "PRIMARY KEY", "EXCLUDE", "FOREIGN KEY")
TABLE = actions.table()
ENTRIES = [entry for entries in TABLE.values() for entry in entries]


@pytest.mark.parametrize("command", list(SYNOPSES))
def test_every_action_of_the_synopsis_has_an_entry(command: str) -> None:
    assert {e.synopsis for e in TABLE[command]} == set(SYNOPSES[command])


def test_the_table_of_actions_holds_these_commands() -> None:
    assert list(TABLE) == list(SYNOPSES)


@pytest.mark.parametrize("command", list(REFUSED_WHOLE))
def test_a_command_of_several_actions_without_a_table_is_refused_whole(command: str) -> None:
    """No table of its actions, since no action of it can succeed: the command's verdict is
    refused, under its object kind's rule, which reports every form of it."""
    rule, forms = REFUSED_WHOLE[command]
    entry = commands.table()[command]
    assert command not in TABLE and entry.verdict == commands.REFUSED and entry.rule == rule
    for form in forms:
        assert commands.identify(form).name == command, form
        found = lint_text(form + "\n")
        assert rule in [d.code for d in found], (form, found)
        assert not {"DSQL005", "DSQL006"} & {d.code for d in found}, (form, found)


def test_every_kind_of_table_constraint_has_an_entry() -> None:
    added = {
        e.action for e in TABLE["ALTER TABLE"] if e.synopsis == "ADD table_constraint [ NOT VALID ]"
    }
    assert added == {f"ADD [ CONSTRAINT constraint_name ] {kind}" for kind in CONSTRAINT_KINDS}


def test_every_command_judged_by_action_is_in_the_table_of_commands() -> None:
    assert set(TABLE) <= set(commands.table())


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_each_example_is_its_action(entry: actions.Action) -> None:
    assert commands.identify(entry.example).name == entry.command
    parts = actions.classify(entry.command, code_only(entry.example.rstrip(";")))
    assert [part.action for part in parts] == [entry]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_each_action_gets_its_verdict(entry: actions.Action) -> None:
    found = lint_text(entry.example + "\n")
    errors = {d.code for d in found if d.severity is Severity.ERROR} - {"DSQL001"}
    codes = [d.code for d in found]
    if entry.verdict == commands.REFUSED:
        assert errors and errors <= {*entry.rules, "DSQL005"}, found
        assert ("DSQL005" in errors) == (not entry.rules), found
    elif entry.verdict == commands.UNDOCUMENTED:
        # A form PostgreSQL 16's grammar refuses (DSQL012) or a rule reports needs no warning.
        assert codes == ["DSQL006"] or (errors and "DSQL006" not in codes), found
    else:  # accepted, or restricted and written the way DSQL accepts it
        assert errors == set() and "DSQL006" not in codes, found


SPLITS = [e.example for e in ENTRIES] + [
    "ALTER TABLE t ADD COLUMN d numeric(10, 2) DEFAULT f(1, 2), ALTER COLUMN c DROP DEFAULT;",
    "ALTER TABLE ONLY s.t ADD CONSTRAINT k CHECK (a IN (1, 2)) NOT VALID, DROP COLUMN x;",
    'ALTER TABLE IF EXISTS "T" ALTER COLUMN "a,b" SET DEFAULT \'x, y\', DROP COLUMN "c)";',
]


@pytest.mark.parametrize("example", SPLITS)
def test_the_split_holds_each_action_sqlglot_reads(example: str) -> None:
    """Where sqlglot reads the statement, each action of its tree lies in one part of the
    split, and each part holds one."""
    (statement,) = split(Source("t.sql", example))
    parsed = parse(statement)
    nodes = parsed.tree.args.get("actions") if parsed.tree is not None else None
    if not nodes:
        return
    parts = actions.split(commands.identify(example).name, code_only(statement.body))
    spans = [node_span(parsed, node) for node in nodes]
    assert len(parts) == len(spans), (parts, spans)
    for (start, end), (node_start, node_end) in zip(parts, spans, strict=True):
        assert start <= node_start < node_end <= end, (example, start, end, node_start, node_end)


def _at(found: list[Diagnostic], code: str) -> list[tuple[int, int]]:
    return [(d.col, d.end_col) for d in found if d.code == code]


def test_each_action_is_judged_at_its_span() -> None:
    text = "ALTER TABLE t ADD COLUMN d int, ALTER COLUMN c DROP IDENTITY, CLUSTER ON i, OF ty;\n"
    found = lint_text(text)
    assert _at(found, "DSQL006") == [(33, 61), (63, 75)]
    # refused, and reported under the rule of its object kind (typed tables), at the action
    assert _at(found, "DSQL525") == [(77, 82)]
    assert found[-1].message.startswith("A typed table (ALTER TABLE ... OF type)")


def test_a_refused_action_is_its_rules_to_report() -> None:
    assert [d.code for d in lint_text("ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4;\n")] == [
        "DSQL611"
    ]
    # The user turned the rule off: the action is not reported in its place.
    text = "ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4;\n"
    assert lint_text(text, ignore=("DSQL611",)) == []


def test_a_refused_action_about_an_object_kind_with_a_rule_is_reported_under_it() -> None:
    """ALTER INDEX ... ATTACH PARTITION is DSQL505 as ALTER TABLE's is, DEPENDS ON EXTENSION
    DSQL512 as ALTER EXTENSION is: an action refused with only a `why` names no object kind
    (one of its words, or its leading words) that a rule reports elsewhere."""
    ruled: dict[str, str] = {}
    for entries in actions.table().values():
        for entry in entries:
            if entry.verdict == commands.REFUSED and entry.rules:
                ruled[" ".join(re.findall(r"\b[A-Z]{2,}\b", entry.action))] = entry.rules[0]
    for command in commands.table().values():
        if command.verdict == commands.REFUSED and command.rule is not None:
            kind = command.name.split(" ", 1)[-1] if " " in command.name else command.name
            ruled.setdefault(kind, command.rule)
    misfiled = []
    for entries in actions.table().values():
        for entry in entries:
            if entry.verdict != commands.REFUSED or entry.rules:
                continue
            words = re.findall(r"\b[A-Z]{2,}\b", entry.action)
            phrases = {
                " ".join(words[i:j])
                for i in range(len(words))
                for j in range(i + 1, len(words) + 1)
            }
            misfiled += [(entry.name, ruled[p]) for p in sorted(phrases) if p in ruled]
    # DSQL610 judges ADD PRIMARY KEY (columns) against the schema (a key of a table created
    # earlier in the input is DSQL621's); USING INDEX is refused whatever the table.
    kept = ("ALTER TABLE ... ADD [ CONSTRAINT constraint_name ] PRIMARY KEY USING INDEX", "DSQL610")
    assert misfiled == [kept]
    for sql, code in [
        ("ALTER INDEX i ATTACH PARTITION j;\n", "DSQL505"),
        ("ALTER FUNCTION f(int) NO DEPENDS ON EXTENSION e;\n", "DSQL512"),
        ("ALTER TABLE t NOT OF;\n", "DSQL525"),
    ]:
        assert [d.code for d in lint_text(sql)] == [code], sql
    # Turning the rule off leaves nothing for DSQL005 to take.
    assert lint_text("ALTER INDEX i ATTACH PARTITION j;\n", ignore=("DSQL505",)) == []


def test_a_finding_on_one_of_several_actions_does_not_hide_the_others() -> None:
    text = "ALTER TABLE t ALTER COLUMN c SET NOT NULL, DROP COLUMN d, CLUSTER ON i;\n"
    found = lint_text(text)
    # The parser does not read CLUSTER ON: it is a raw action, the others are read, so
    # DSQL609 reports SET NOT NULL at its action, and the table judges CLUSTER ON.
    assert [(d.code, d.col) for d in found] == [("DSQL609", 15), ("DSQL006", 59)]


def test_an_action_the_parser_does_not_read_leaves_the_others_checked() -> None:
    # The stranger's statements (round 10): PostgreSQL runs each, and each action alone is
    # clean; a false DSQL001 made them errors.
    for text in (
        "ALTER TABLE t ADD COLUMN z text, ENABLE TRIGGER ALL;\n",
        "ALTER TABLE t ADD COLUMN w text, OWNER TO bob;\n",
        "ALTER TABLE t DROP COLUMN x, DISABLE TRIGGER ALL;\n",
        "ALTER TABLE t OWNER TO bob, ADD COLUMN w text, DISABLE TRIGGER ALL;\n",
    ):
        assert lint_text(text) == [], text
    found = lint_text("ALTER TABLE t ADD COLUMN v text, ALTER COLUMN v SET STATISTICS 10;\n")
    assert [(d.code, d.col) for d in found] == [("DSQL006", 34)]
    # The rules of the read actions fire on them, wherever the raw one stands.
    found = lint_text("ALTER TABLE t ENABLE TRIGGER ALL, ADD COLUMN q inet NOT NULL;\n")
    assert sorted(d.code for d in found) == ["DSQL105", "DSQL602"]


def test_not_valid_before_a_comma_is_its_constraints_own() -> None:
    for text in (
        "ALTER TABLE t ADD CONSTRAINT c CHECK (b > 0) NOT VALID, ADD COLUMN z text;\n",
        "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (b) REFERENCES u (id) NOT VALID, OWNER TO r;\n",
    ):
        assert lint_text(text) == [], text
    found = lint_text("ALTER TABLE t ADD CONSTRAINT c CHECK (b > 0), ADD COLUMN z text NOT NULL;\n")
    assert sorted(d.code for d in found) == ["DSQL204", "DSQL602"]


def test_not_valid_ending_the_statement_is_its_last_actions_own() -> None:
    """PostgreSQL reads a NOT VALID that ends the statement as its last action's: the
    constraints of the actions before it are validated at once, which DSQL refuses; and the
    fix adds NOT VALID and a VALIDATE for those alone."""
    check = "ADD CONSTRAINT a CHECK (x > 0)"
    key = "ADD CONSTRAINT b FOREIGN KEY (y) REFERENCES u"
    cases = {
        f"{check}, {key} NOT VALID": [("DSQL204", 32)],
        f"{key}, {check} NOT VALID": [("DSQL202", 32)],
        f"{check}, ADD CONSTRAINT c CHECK (z > 0) NOT VALID": [("DSQL204", 32)],
        f"{check} NOT VALID, {key} NOT VALID": [],
        f"ADD COLUMN q int, {key} NOT VALID": [],
        f"{check} NOT VALID": [],
    }
    for actions_written, expected in cases.items():
        text = f"ALTER TABLE t {actions_written};\n"
        assert [(d.code, d.col) for d in lint_text(text)] == expected, text
    fixed = fix_text(f"ALTER TABLE t {check}, {key} NOT VALID;\n").text
    assert fixed == (
        f"ALTER TABLE t {check} NOT VALID, {key} NOT VALID;\n"
        "ALTER TABLE ASYNC t VALIDATE CONSTRAINT a;\n"
    )


def test_an_unread_action_whose_rules_read_trees_was_not_checked() -> None:
    # sqlglot does not read STORAGE in a column definition: that ADD COLUMN alone was not
    # checked, the action before it was.
    text = "ALTER TABLE t ADD COLUMN c text, ADD COLUMN d text STORAGE EXTERNAL;\n"
    assert [(d.code, d.col) for d in lint_text(text)] == [("DSQL001", 34)]


def test_an_action_read_from_trees_in_a_statement_kept_as_text_was_not_checked() -> None:
    # No action of it is read (STORAGE in a column definition, CLUSTER ON): the statement
    # stays text.
    found = lint_text("ALTER TABLE t ADD COLUMN c text STORAGE PLAIN, CLUSTER ON i;\n")
    assert [(d.code, d.col, d.end_col) for d in found] == [("DSQL001", 15, 46), ("DSQL006", 48, 60)]
    # Beside an action it reads, its rule reports it.
    text = "ALTER TABLE t ADD COLUMN c int DEFAULT 0, CLUSTER ON i;\n"
    assert [d.code for d in lint_text(text)] == ["DSQL601", "DSQL006"]


def test_only_a_finding_fix_leaves_speaks_for_an_undocumented_action() -> None:
    """DSQL153's CACHE is fixable, so it does not hide that ADD GENERATED is undocumented: the
    warning is there before the fix as after it (the fix never brings a finding)."""
    text = "ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;\n"
    assert sorted(d.code for d in lint_text(text)) == ["DSQL006", "DSQL153"]
    fixed = "ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (CACHE 1);\n"
    assert [d.code for d in lint_text(fixed)] == ["DSQL006"]


def test_words_not_of_postgresql_are_left_to_the_grammar() -> None:
    found = lint_text("ALTER TABLE t MODIFY COLUMN c int;\n")
    assert "DSQL006" not in [d.code for d in found] and "DSQL005" not in [d.code for d in found]


def _alter_table_examples() -> list[tuple[str, str, dt.date | None]]:
    from dsql_lint.engine.loader import builtin_rules_dir, load_rules

    # (a catalog rule's example needs the schema around it: tests/test_rules.py)
    return [
        (rule.code, rule.docs.bad, rule.lifted - dt.timedelta(days=1) if rule.lifted else None)
        for rule in load_rules([builtin_rules_dir()])
        if rule.docs is not None
        and rule.scope.value != "catalog"
        and re.search(r"^ALTER TABLE", rule.docs.bad, re.M | re.I)
    ]


@pytest.mark.parametrize(("code", "bad", "target"), _alter_table_examples())
def test_each_alter_table_rule_fires_beside_an_action_the_parser_does_not_read(
    code: str, bad: str, target: dt.date | None
) -> None:
    # Each ALTER TABLE of the rule's failing example, with an action sqlglot keeps as text
    # after its own: the rule still reports it.
    text = re.sub(r"^(ALTER TABLE[^;]*);", r"\1, ENABLE TRIGGER ALL;", bad, flags=re.M | re.I)
    assert text != bad
    assert code in [d.code for d in lint_text(text, target)]


# The catalog rules that read a column's type or identity, each with a statement of several
# actions about that column and what it finds there, whatever the order they are written in:
# the actions run by PostgreSQL's passes (DROP, then ALTER TYPE, then ADD COLUMN, then the
# constraints and identities), and an action DSQL refuses (SET DATA TYPE) changes nothing the
# others see, since on DSQL it never runs.
PERMUTED = [
    (  # the corpus's identity.sql: the identity is added to an integer column on DSQL
        "CREATE TABLE t (id uuid PRIMARY KEY, a int);",
        ("ALTER COLUMN a SET NOT NULL", "ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY (CACHE 1)",
         "ALTER COLUMN a SET DATA TYPE bigint"),
        {("DSQL156", 1), ("DSQL608", 2), ("DSQL609", 0)},
    ),
    (  # dropped, then added again as an integer, before any identity
        "CREATE TABLE t (id uuid PRIMARY KEY, a bigint);",
        ("DROP COLUMN a", "ADD COLUMN a int", "ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY (CACHE 1)"),
        {("DSQL156", 2)},
    ),
    (
        "CREATE TABLE t (id uuid PRIMARY KEY);",
        ("ADD COLUMN a bigint", "ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY (CACHE 1)"),
        {("DSQL006", 1)},
    ),
    (  # the key is on the type the column keeps, jsonb
        "CREATE TABLE t (id uuid PRIMARY KEY, j jsonb);",
        ("ADD UNIQUE (j)", "ALTER COLUMN j TYPE text"),
        {("DSQL307", 0), ("DSQL608", 1), ("DSQL622", 0)},
    ),
    (
        "CREATE TABLE t (id uuid PRIMARY KEY, k text);",
        ("ADD UNIQUE (k)", "ALTER COLUMN k TYPE jsonb"),
        {("DSQL608", 1), ("DSQL622", 0)},
    ),
    (
        "CREATE TABLE t (id uuid PRIMARY KEY);",
        ("ADD UNIQUE (k)", "ADD COLUMN k jsonb"),
        {("DSQL307", 0), ("DSQL622", 0)},
    ),
    (
        "CREATE TABLE t (id bigint PRIMARY KEY, x int);",
        ("DROP COLUMN id", "ALTER COLUMN x DROP NOT NULL"),
        {("DSQL615", 0)},
    ),
    (  # pg_dump's SERIAL: the default of a sequence the column owns
        "CREATE TABLE t (id bigint NOT NULL, x int);\nCREATE SEQUENCE s CACHE 1;\n"
        "ALTER SEQUENCE s OWNED BY t.id;",
        ("ALTER COLUMN id SET DEFAULT nextval('s'::regclass)", "ALTER COLUMN x DROP NOT NULL"),
        {("DSQL157", 0)},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "written", "expected"), PERMUTED)
def test_the_actions_of_a_statement_are_judged_in_the_order_they_run(
    setup: str, written: tuple[str, ...], expected: set[tuple[str, int]]
) -> None:
    for order in itertools.permutations(range(len(written))):
        statement = "ALTER TABLE t " + ", ".join(written[k] for k in order) + ";"
        found = lint_text(f"{setup}\n{statement}\n")
        last = setup.count("\n") + 2
        # each finding named by the action it underlines, by its index in `written`
        starts = [statement.index(written[k]) for k in order]
        at = {
            (d.code, order[max(i for i, start in enumerate(starts) if start < d.col)])
            for d in found
            if d.line == last
        }
        assert at == expected, statement


def test_a_finding_at_an_action_follows_its_statement_when_a_fix_moves_it() -> None:
    """A catalog finding placed at its action (DSQL156) is placed in the text linted, also
    where `fix` reuses the statement's analysis from an earlier pass that saw it elsewhere."""
    text = (
        "CREATE TABLE t (id int NOT NULL, x int);\n"
        "CREATE INDEX i ON t (x);\n"
        "ALTER TABLE t ALTER COLUMN x DROP NOT NULL,"
        " ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (CACHE 1);\n"
    )
    result = fix_text(text, unsafe=True)
    assert "CREATE INDEX ASYNC i" in result.text
    (found,) = [d for d in result.report.diagnostics if d.code == "DSQL156"]
    line = result.text.splitlines()[found.line - 1]
    identity = "ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (CACHE 1)"
    assert line[found.col - 1 : found.end_col - 1] == identity
