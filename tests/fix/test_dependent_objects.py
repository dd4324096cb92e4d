"""Every kind of object that can depend on a column whose type a fix changes (`inet` -> `text`,
`text[]` -> `jsonb`): views and the views over them, functions and procedures, triggers and
their functions, policies, generated columns, partial indexes, CHECKs and exclusion constraints
added later, a later ALTER COLUMN ... TYPE, comments and grants. Each is followed (rewritten,
or harmless as written) or declines the fix with a note naming it; the original and the fixed
file both load into the test PostgreSQL without an error."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixkit import FIXTURES, Case, assert_guarantees, fix_text
from pg_testserver import Server
from pgproof import load as load_sql
from pgproof import prove
from postgres import create_database, serving

from dsql_lint.cli import cli
from dsql_lint.diagnostic import FixAvailability

UNSAFE = Case(unsafe=True)
TABLE = "CREATE TABLE t (id int PRIMARY KEY, ip inet, tags text[]);\n"

# (what follows the table, the note of the declined fix)
DECLINED = {
    "view": (
        "CREATE VIEW v AS SELECT id FROM t WHERE ip << '10.0.0.0/8';",
        "t.sql:2 uses ip as inet: `ip ",
    ),
    "view over a view": (
        "CREATE VIEW v AS SELECT id, ip AS addr FROM t;\n"
        "CREATE VIEW w AS SELECT host(addr) AS h FROM v;",
        "t.sql:3 uses addr as inet: `HOST(addr)`",
    ),
    "materialized view": (
        "CREATE MATERIALIZED VIEW m AS SELECT host(ip) AS h FROM t;",
        "t.sql:2 uses ip as inet: `HOST(ip)`",
    ),
    "sql function": (
        "CREATE FUNCTION f(x int) RETURNS inet LANGUAGE sql\n"
        "AS $$ SELECT ip FROM t WHERE id = x $$;",
        "t.sql:2 uses t.ip in the body of function f, which fix does not rewrite",
    ),
    "plpgsql function": (
        "CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN RETURN (SELECT count(*) FROM t WHERE masklen(ip) > 8); END $$;",
        "t.sql:2 uses t.ip in the body of function g, which fix does not rewrite",
    ),
    "trigger function": (
        "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN NEW.ip := set_masklen(NEW.ip, 24); RETURN NEW; END $$;\n"
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION tf();",
        "t.sql:4: a trigger on t runs tf(), whose body (t.sql:2) uses ip",
    ),
    "trigger condition": (
        "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
        "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW"
        " WHEN (masklen(NEW.ip) > 8) EXECUTE FUNCTION tf();",
        "t.sql:3 uses ip as inet: `MASKLEN(NEW.ip)`",
    ),
    "policy": (
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY p ON t USING (ip << inet '10.0.0.0/8');",
        "t.sql:3 uses ip as inet in a policy: `ip << inet '10.0.0.0/8'`",
    ),
    "generated column": (
        "ALTER TABLE t ADD COLUMN m int GENERATED ALWAYS AS (masklen(ip)) STORED;",
        "t.sql:2 uses ip as inet: `MASKLEN(ip)`",
    ),
    "partial index": (
        "CREATE INDEX ASYNC t_p ON t (id) WHERE family(ip) = 4;",
        "t.sql:2 uses ip as inet: `FAMILY(ip)`",
    ),
    "check added later": (
        "ALTER TABLE t ADD CONSTRAINT c CHECK (family(ip) = 4);",
        "t.sql:2 uses ip as inet: `FAMILY(ip)`",
    ),
    "exclusion constraint": (
        "ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING gist (ip inet_ops WITH &&);",
        "t.sql:2 makes ip part of exclusion constraint e (USING gist, `ip inet_ops WITH &&`)",
    ),
    "type changed later": (
        "ALTER TABLE t ALTER COLUMN ip TYPE cidr;",
        "t.sql:2 changes ip to cidr, which PostgreSQL does not cast text to",
    ),
}

# (what follows the table, what the fixed file holds)
FOLLOWED = {
    "comment": ("COMMENT ON COLUMN t.ip IS 'the address';", "ip text"),
    "grant": ("GRANT SELECT (ip, tags) ON t TO PUBLIC;", "ip text, tags jsonb"),
    "view showing it": ("CREATE VIEW v AS SELECT id, ip, tags FROM t;", "ip text, tags jsonb"),
    "view over a view": (
        "CREATE VIEW v AS SELECT id, tags AS labels FROM t;\n"
        "CREATE VIEW w AS SELECT id FROM v WHERE cardinality(labels) > 0;",
        "WHERE jsonb_array_length(labels) > 0",
    ),
    "check added later": (
        "ALTER TABLE t ADD CONSTRAINT c CHECK (cardinality(tags) < 5);",
        "CHECK (jsonb_array_length(tags) < 5)",
    ),
    "policy comparing it": (
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY ip_set ON t FOR UPDATE TO PUBLIC USING (ip IS NOT NULL AND id > 0)"
        " WITH CHECK (tags IS NULL);",
        "ip text, tags jsonb",
    ),
    "trigger comparing old and new": (
        "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN IF OLD.ip IS DISTINCT FROM NEW.ip OR new.Tags <> old.tags THEN\n"
        "  NEW.id := NEW.id + 1; END IF; RETURN NEW; END $$;\n"
        "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW"
        " WHEN (OLD.ip IS DISTINCT FROM NEW.ip) EXECUTE FUNCTION tf();",
        "ip text, tags jsonb",
    ),
    "function not using it": (
        "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS $$ SELECT id FROM t WHERE id = x $$;",
        "ip text, tags jsonb",
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving() as server:
        yield server


def _loads(server: Server, text: str) -> str:
    result = fix_text(text, UNSAFE)
    assert_guarantees(result, True, UNSAFE)
    proof = prove(lambda: create_database(server), result)
    assert not proof.before and not proof.after, proof
    return result.text


@pytest.mark.parametrize(("later", "note"), DECLINED.values(), ids=DECLINED.keys())
def test_a_dependent_the_new_type_cannot_take_declines_the_fix(
    server: Server, later: str, note: str
) -> None:
    text = TABLE + later + "\n"
    result = fix_text(text, UNSAFE)
    (found,) = [d for d in result.first.diagnostics if d.code == "DSQL105" and d.line == 1]
    assert found.fix is FixAvailability.NONE
    assert found.fix_note is not None and note in found.fix_note
    assert "ip inet" in _loads(server, text)


@pytest.mark.parametrize(("later", "fixed"), FOLLOWED.values(), ids=FOLLOWED.keys())
def test_a_dependent_that_takes_the_new_type_is_followed(
    server: Server, later: str, fixed: str
) -> None:
    text = TABLE + later + "\n"
    assert fixed in _loads(server, text)


@pytest.mark.parametrize(
    "text",
    [
        "CREATE TABLE p (id serial PRIMARY KEY);\n"
        "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
        "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id) NOT VALID;\n",
        "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
        "CREATE TABLE p (id serial PRIMARY KEY);\n"
        "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p NOT VALID;\n",
    ],
    ids=["key first", "reference first"],
)
def test_two_serial_columns_a_foreign_key_joins_both_become_uuid(server: Server, text: str) -> None:
    """Both become uuid (neither declined for the other's change): the fixed file loads, as the
    original does."""
    case = Case(unsafe=True, choices={"serial-to": "uuid", "array-to": "jsonb"})
    result = fix_text(text, case)
    assert not result.remaining
    proof = prove(lambda: create_database(server), result)
    assert not proof.before and not proof.after, proof


# (the statement, the note on its type finding, which fix leaves)
NOT_A_COLUMN = {
    "alter column type": (
        "ALTER TABLE t ALTER COLUMN ip TYPE money USING 0;",
        "`money` is the type of an ALTER COLUMN ... TYPE, which DSQL refuses",
    ),
    "function parameter": (
        "CREATE FUNCTION f(a money) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
        "`money` is not a table column's type here (a routine's parameter",
    ),
    "exclusion constraint": (
        "CREATE TABLE r (id int PRIMARY KEY, during tsrange, EXCLUDE USING gist (during WITH &&));",
        "the statement uses during as tsrange in `EXCLUDE USING gist(during WITH &&)`",
    ),
}


@pytest.mark.parametrize(("later", "note"), NOT_A_COLUMN.values(), ids=NOT_A_COLUMN.keys())
def test_a_type_finding_fix_leaves_says_why(server: Server, later: str, note: str) -> None:
    """check's `fix: none: ...` line and fix's "not fixed: ..." line give the same reason."""
    text = TABLE + later + "\n"
    result = fix_text(text, UNSAFE)
    (found,) = [d for d in result.remaining if d.line == 2 and d.code == "DSQL105"]
    assert found.fix is FixAvailability.NONE
    assert found.fix_note is not None and note in found.fix_note
    assert [line for line in result.withdrawn if line.startswith("t.sql:2:")] == [
        f"t.sql:2: DSQL105 not fixed: {found.fix_note}"
    ]
    _loads(server, text)


def test_a_view_showing_a_changed_column_is_said(server: Server) -> None:
    """`tags text[]` -> `jsonb` under a view that shows it: the fix is made, and says that the
    view's column changes type with it (check's `fix:` line and fix's summary)."""
    text = TABLE + "CREATE VIEW v AS SELECT id, tags AS labels FROM t;\n"
    result = fix_text(text, UNSAFE)
    note = "view column v.labels shows tags: what reads it gets jsonb, not text[]"
    (found,) = [d for d in result.first.diagnostics if d.code == "DSQL102"]
    assert (found.fix, found.fix_note) == (FixAvailability.UNSAFE, note)
    (fix,) = [f for f in result.applied if f.code == "DSQL102"]
    assert fix.summary == f"column tags: `text[]` -> `jsonb` ({note})"
    assert "tags jsonb" in _loads(server, text)


def test_an_exclusion_with_equals_under_gist_is_followed(server: Server) -> None:
    """`EXCLUDE USING gist (c WITH =)` takes the new type through btree_gist as it took the old
    one: the fix is made, in the table's own statement and in a later ALTER TABLE. The test
    PostgreSQL has no btree_gist, so the original and the fixed file fail alike there: the fixed
    one has no error of a kind the original did not have."""
    text = (
        TABLE + "CREATE EXTENSION IF NOT EXISTS btree_gist;\n"
        "ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING gist (ip WITH =);\n"
        "CREATE TABLE r (id int PRIMARY KEY, m money, EXCLUDE USING gist (m WITH =));\n"
    )
    result = fix_text(text, UNSAFE)
    assert_guarantees(result, True, UNSAFE)
    assert "ip text" in result.text and "m NUMERIC(19, 2), EXCLUDE" in result.text
    proof = prove(lambda: create_database(server), result)
    assert not proof.new and not proof.introduced, proof
    # Under gist with an operator class of its own (a range's), `=` declines.
    kept = fix_text(
        "CREATE TABLE r (id int PRIMARY KEY, during tsrange,"
        " EXCLUDE USING gist (during WITH =));\n",
        UNSAFE,
    )
    (found,) = [d for d in kept.remaining if d.code == "DSQL105"]
    assert found.fix_note is not None and "`EXCLUDE USING gist(during WITH =)`" in found.fix_note


# Rows an array's uses tell apart: empty, holding a NULL, holding the value, NULL itself,
# and a NULL value looked for.
ARRAY_ROWS = (
    "INSERT INTO a (id, tags) VALUES (1, '{}'), (2, '{x,NULL}'), (3, '{y,NULL}'), (4, '{x}'),"
    " (5, NULL), (6, '{z}');\n"
    "INSERT INTO a (id, tags, k) VALUES (7, '{NULL}', NULL);\n"
)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT id, cardinality(tags), array_length(tags, 1) FROM a",
        "SELECT id FROM a WHERE 'x' = ANY(tags)",
        "SELECT id FROM a WHERE array_length(tags, 1) IS NULL",
        "SELECT id FROM a WHERE k = ANY(tags) OR id = 6",
        "SELECT id, CASE WHEN 'y' = ANY(tags) THEN 1 ELSE 0 END FROM a",
    ],
)
def test_a_rewritten_array_use_gives_the_same_rows(server: Server, query: str) -> None:
    """`text[]` -> `jsonb`: each rewritten use (in a view) gives the rows the original gave, an
    empty array and one holding a NULL included; the view's columns keep their names."""
    text = (
        "CREATE TABLE a (id int PRIMARY KEY, tags text[], k text DEFAULT 'x');\n"
        f"CREATE VIEW v AS {query};\n{ARRAY_ROWS}"
    )
    result = fix_text(text, UNSAFE)
    assert "tags jsonb" in result.text
    rows = []
    for loaded in (text, result.text):
        db = create_database(server)
        with db.connect() as conn:
            for statement in loaded.split(";\n")[:-1]:
                conn.execute(statement)
            cursor = conn.execute("SELECT * FROM v ORDER BY id")
            rows.append(([c.name for c in cursor.description], cursor.fetchall()))
    assert rows[0] == rows[1]


@pytest.mark.parametrize(
    "use", ["SELECT id FROM a WHERE NOT ('x' = ANY(tags))", "SELECT id, 'x' = ANY(tags) FROM a"]
)
def test_an_array_use_whose_null_differs_declines_the_fix(use: str) -> None:
    """`x = ANY(a)` is NULL where the array holds a NULL and not x; jsonb's `?` says false. The
    two mean the same only as a condition that keeps rows: elsewhere the fix declines."""
    text = f"CREATE TABLE a (id int PRIMARY KEY, tags text[]);\n{use};\n"
    result = fix_text(text, UNSAFE)
    assert result.text == text
    (withdrawn,) = result.withdrawn
    assert "which is NULL for an array holding a NULL" in withdrawn


LATER_FILES = FIXTURES / "fix" / "later-files"


def _folder_text(folder: Path) -> str:
    return "".join(p.read_text() for p in sorted(folder.glob("*.sql")))


@pytest.mark.parametrize("serial_to", ["identity", "uuid"])
def test_later_files_using_the_changed_columns_are_carried_with_them(
    server: Server, tmp_path: Path, serial_to: str
) -> None:
    """fixtures/fix/later-files: 002 references 001's serial key, 003 writes and reads its
    array. check of the folder says both fixes apply, and fix makes them, carrying 002's
    column (to uuid) and 003's uses (to jsonb) when it reaches them (round 12: both declined,
    `in another file`). The folder loads into PostgreSQL as written and as fixed."""
    folder = tmp_path / "migrations"
    shutil.copytree(LATER_FILES, folder)
    checked = CliRunner().invoke(
        cli, ["check", "--isolated", "--no-cache", "--format", "json", str(folder)]
    )
    decided = [(d["code"], d["fix"]) for d in json.loads(checked.output)["diagnostics"]]
    assert decided == [("DSQL101", "unsafe"), ("DSQL102", "unsafe")]
    original = _folder_text(folder)
    fixed = CliRunner().invoke(
        cli, ["fix", "--isolated", "--unsafe-fixes", "--serial-to", serial_to, str(folder)]
    )
    assert "Fixed 2 findings (2 with unsafe fixes)" in fixed.stderr
    assert "; 0 remain." in fixed.stderr
    after = _folder_text(folder)
    assert "INSERT INTO users (name, tags) VALUES ('ada', '[\"admin\", \"ops\"]');" in after
    assert "WHERE jsonb_array_length(u.tags) > 0;" in after
    referencing = "user_id uuid NOT NULL" if serial_to == "uuid" else "user_id int NOT NULL"
    assert referencing in after
    for text in (original, after):
        db = create_database(server)
        try:
            assert load_sql(db, text) == []
        finally:
            db.drop()
