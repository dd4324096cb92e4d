"""A fix never makes a schema worse (issue 12), proven on the test PostgreSQL for families of
inputs generated here: each fix either declines, saying why, or the fixed file loads where the
original did and leaves the same tables (columns, constraints, rows) behind.

Families: a key moved into its CREATE TABLE (DSQL621/622) over every kind of statement that
can stand between the two; a column's type changed (every type-changing fix) with a DEFAULT,
a CHECK and a row; a transaction split (DSQL402) around DML; and every fix that writes new
statements from an old one, with IF EXISTS, ONLY and a schema-qualified name.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from fixkit import Case, fix_text
from pg_testserver import Server
from pgproof import load
from postgres import Database, create_database, serving

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.engine import FixResult


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving() as server:
        yield server


def end_state(db: Database, tables: list[str]) -> dict[str, object]:
    """What the file left of each table: its columns, constraints and rows."""
    state: dict[str, object] = {}
    for table in tables:
        exists = db.query("SELECT to_regclass(%s) IS NOT NULL", table)[0][0]
        if not exists:
            state[table] = None
            continue
        columns = db.query(
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull,"
            " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
            " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname",
            table,
        )
        constraints = db.query(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass ORDER BY conname, contype",
            table,
        )
        rows = db.query(f"SELECT row_to_json(row_)::text FROM {table} row_ ORDER BY 1")
        state[table] = (columns, constraints, rows)
    return state


def loaded(server: Server, text: str, tables: list[str]) -> tuple[list[tuple[int, str]], dict]:
    """The errors of loading `text` into a fresh database, and what it left of `tables`."""
    db = create_database(server)
    try:
        return load(db, text), end_state(db, tables)
    finally:
        db.drop()


def assert_declined_or_same(
    server: Server, result: FixResult, codes: set[str], tables: list[str]
) -> bool:
    """The findings of `codes` are either left, each saying why, or fixed: the fixed text
    then loads without error as the original does and leaves the same `tables`. True when
    fixed."""
    left = [d for d in result.report.diagnostics if d.code in codes]
    fixed = any(f.code in codes for step in result.passes for f in step.fixes)
    for diag in left:
        assert diag.fix is FixAvailability.NONE and diag.fix_note, (
            f"{diag.code} left without a reason:\n{result.text}"
        )
    if not fixed:
        return False
    before, original = loaded(server, result.source.text, tables)
    after, fixed_state = loaded(server, result.text, tables)
    assert not before, f"the original fails on PostgreSQL: {before}\n{result.source.text}"
    assert not after, (
        f"the fixed file fails on PostgreSQL where the original did not: {after}\n{result.text}"
    )
    assert fixed_state == original, f"the fix changed what the file leaves:\n{result.text}"
    return True


# --- a key moved into its CREATE TABLE (DSQL621, DSQL622) ----------------------------------

# Statements between `CREATE TABLE t (id int, a int, email text)` and the ALTER TABLE adding
# its key, by kind, each with the column the key then lists: what each may do to the table
# (or not) decides whether the key can move.
BETWEEN: dict[str, tuple[str, str]] = {
    "add the key's column": ("ALTER TABLE t ADD COLUMN b int;", "b"),
    "rename the key's column": ("ALTER TABLE t RENAME COLUMN a TO b;", "b"),
    "drop and add the key's column": (
        "ALTER TABLE t DROP COLUMN email; ALTER TABLE t ADD COLUMN email text;",
        "email",
    ),
    "rename the table and create another": (
        "ALTER TABLE t RENAME TO t_old; CREATE TABLE t (id int, a int, email text);",
        "id",
    ),
    "drop and create the table": (
        "DROP TABLE t; CREATE TABLE t (id int, a int, email text);",
        "id",
    ),
    "change the key's type": ("ALTER TABLE t ALTER COLUMN email TYPE varchar(20);", "email"),
    "insert rows": ("INSERT INTO t VALUES (1, 1, 'x'), (2, 2, 'y');", "id"),
    "insert a duplicate then delete it": (
        "INSERT INTO t VALUES (1, 1, 'x'), (1, 2, 'x'); DELETE FROM t WHERE a = 2;",
        "email",
    ),
    "update rows": ("INSERT INTO t VALUES (1, 1, 'x'); UPDATE t SET email = 'y';", "email"),
    "insert on conflict": ("INSERT INTO t VALUES (1, 1, 'x') ON CONFLICT DO NOTHING;", "id"),
    "comment": ("COMMENT ON TABLE t IS 'people';", "id"),
    "grant": ("GRANT SELECT ON t TO PUBLIC;", "id"),
    "index": ("CREATE INDEX t_a ON t (a);", "id"),
    "default": ("ALTER TABLE ONLY t ALTER COLUMN a SET DEFAULT 3;", "id"),
    "not null": ("ALTER TABLE t ALTER COLUMN id SET NOT NULL;", "id"),
    "check": ("ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);", "id"),
    "owner": ("ALTER TABLE t OWNER TO CURRENT_USER;", "id"),
    "view": ("CREATE VIEW v AS SELECT id, a FROM t;", "id"),
    "view grouped by the key": ("CREATE VIEW v AS SELECT id, a FROM t GROUP BY id, a;", "id"),
    "materialized view": ("CREATE MATERIALIZED VIEW m AS SELECT id FROM t;", "id"),
    "function reading it": (
        "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM t';",
        "id",
    ),
    "trigger on it": (
        "CREATE FUNCTION g() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';"
        " CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION g();",
        "id",
    ),
    "foreign key to it": (
        "CREATE UNIQUE INDEX t_id ON t (id); CREATE TABLE c (x int REFERENCES t (id));",
        "id",
    ),
    "a sequence owned by it": ("CREATE SEQUENCE s OWNED BY t.id;", "id"),
    "another table": ("CREATE TABLE other (x int);", "id"),
    "nothing": ("", "email"),
}
KEYS = {
    "primary key": "ALTER TABLE t ADD PRIMARY KEY ({});",
    "named unique, ONLY": "ALTER TABLE ONLY t ADD CONSTRAINT t_key UNIQUE ({});",
    "after an action": "ALTER TABLE t ADD COLUMN b2 int, ADD PRIMARY KEY ({});",
}


@pytest.mark.parametrize("key", list(KEYS), ids=list(KEYS))
@pytest.mark.parametrize("between", list(BETWEEN), ids=list(BETWEEN))
def test_key_moves_only_when_nothing_between_changes_it(
    server: Server, between: str, key: str
) -> None:
    statements, column = BETWEEN[between]
    text = (
        f"CREATE TABLE t (id int, a int, email text);\n{statements}\n{KEYS[key].format(column)}\n"
    )
    result = fix_text(text, Case())
    fixed = assert_declined_or_same(server, result, {"DSQL621", "DSQL622"}, ["t", "t_old"])
    # The decision is not only declines: what cannot change the key is still fixed.
    if between in ("nothing", "comment", "index", "insert rows", "another table", "view"):
        assert fixed == (key != "after an action"), result.text


def test_key_not_moved_into_create_if_not_exists(server: Server) -> None:
    """On a table that exists, CREATE TABLE IF NOT EXISTS creates nothing: the key moved into
    it would never be added, where the ALTER TABLE adds it."""
    text = (
        "CREATE TABLE t (id int, email text);\n"
        "CREATE TABLE IF NOT EXISTS t (id int, email text);\n"
        "ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE (email);\n"
    )
    result = fix_text(text, Case())
    assert not assert_declined_or_same(server, result, {"DSQL622"}, ["t"])
    (diag,) = [d for d in result.report.diagnostics if d.code == "DSQL622"]
    assert "IF NOT EXISTS" in (diag.fix_note or "")


# --- a transaction split (DSQL401, DSQL402) ------------------------------------------------

# The statements of a generated transaction block: a write that names no added column, a
# write that reads every column (`*`), and a DDL adding a column.
BLOCK = {
    "w": "UPDATE acct SET bal = bal - 10 WHERE id = 1;",
    "s": "INSERT INTO log SELECT * FROM acct WHERE false;",
    "d": "ALTER TABLE acct ADD COLUMN c{} text;",
}
SHAPES = [
    "".join(shape)
    for n in (2, 3, 4)
    for shape in itertools.product("wsd", repeat=n)
    if "d" in shape and set(shape) - {"d"}
]


def _block(shape: str) -> str:
    """BEGIN ... COMMIT of the statements of BLOCK in the order of `shape`."""
    body = [BLOCK[kind].format(k) for k, kind in enumerate(shape)]
    return (
        "CREATE TABLE acct (id int PRIMARY KEY, bal int);\n"
        "INSERT INTO acct VALUES (1, 100), (2, 0);\n"
        "CREATE TABLE log (id int, bal int, c0 text, c1 text, c2 text, c3 text);\n"
        "BEGIN;\n" + "\n".join(body) + "\nCOMMIT;\n"
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_split_keeps_the_dml_of_a_transaction_together(server: Server, shape: str) -> None:
    """A safe split never commits some of a transaction's writes without the others: it moves
    a DDL from between them before them when none reads what it changes, else the split is
    unsafe and says why (check and fix alike). Either way the file leaves the same tables."""
    from dsql_lint.syntax.source import Source
    from dsql_lint.syntax.split import split

    text = _block(shape)
    result = fix_text(text, Case(), unsafe=False)
    block = [s for s in split(Source("t.sql", result.text)) if s.line > 3]
    writes = {s.tx for s in block if s.text.startswith(("UPDATE", "INSERT"))}
    assert len(writes) == 1, result.text
    for diag in result.report.diagnostics:
        assert diag.code in ("DSQL401", "DSQL402"), diag
        assert diag.fix is FixAvailability.UNSAFE and "half of the writes" in (diag.fix_note or "")
    tables = ["acct", "log"]
    assert_declined_or_same_tables(server, text, result.text, tables)
    unsafe = fix_text(text, Case(), unsafe=True)
    assert not unsafe.report.diagnostics, unsafe.text
    assert_declined_or_same_tables(server, text, unsafe.text, tables)


def assert_declined_or_same_tables(
    server: Server, text: str, fixed: str, tables: list[str]
) -> None:
    before, original = loaded(server, text, tables)
    after, state = loaded(server, fixed, tables)
    assert not before and not after, fixed
    assert state == original, fixed


# --- statements written from another keep its IF EXISTS, ONLY and schema -----------------

SPLIT = {
    "DSQL601 default": "ADD COLUMN {col}c int DEFAULT 9",
    "DSQL603 check": "ADD COLUMN {col}c int CHECK (c > 0)",
    "DSQL605 references": "ADD COLUMN {col}c int REFERENCES s.r (id)",
    "DSQL604 unique": "ADD COLUMN {col}c int UNIQUE",
    "DSQL204 check": "ADD CONSTRAINT t_x_check CHECK (x > 0)",
    "DSQL202 foreign key": "ADD FOREIGN KEY (x) REFERENCES s.r (id)",
}
GUARDS = {
    "plain": ("", "", ""),
    "if exists": ("IF EXISTS ", "", ""),
    "only": ("", "ONLY ", ""),
    "if exists only": ("IF EXISTS ", "ONLY ", ""),
    "column if not exists": ("", "", "IF NOT EXISTS "),
}


@pytest.mark.parametrize("present", [True, False], ids=["table", "no table"])
@pytest.mark.parametrize("guard", list(GUARDS), ids=list(GUARDS))
@pytest.mark.parametrize("split", list(SPLIT), ids=list(SPLIT))
def test_split_keeps_the_guards(server: Server, split: str, guard: str, present: bool) -> None:
    """Every statement a split writes alters what the original altered, as it did: IF EXISTS
    (the original skips an absent table), ONLY and the schema; with the column's IF NOT
    EXISTS the split declines, since its steps would change a column that existed."""
    exists, only, col = GUARDS[guard]
    if col and "{col}" not in SPLIT[split]:
        pytest.skip("no column to guard")
    action = SPLIT[split].format(col=col)
    table = "CREATE TABLE s.t (id int PRIMARY KEY, x int);\n" if present else ""
    text = (
        f"CREATE SCHEMA s;\nCREATE TABLE s.r (id int PRIMARY KEY);\n{table}"
        f"ALTER TABLE {exists}{only}s.t {action};\n"
    )
    code = split.split()[0]
    result = fix_text(text, Case(), unsafe=True)
    fixed = [f for step in result.passes for f in step.fixes if f.code == code]
    if not fixed:
        (diag,) = [d for d in result.report.diagnostics if d.code == code]
        assert diag.fix is FixAvailability.NONE and diag.fix_note
        assert col or (exists and "unique" in split), diag.fix_note
        return
    assert not col, result.text
    written = result.text[len(text) - len(f"ALTER TABLE {exists}{only}s.t {action};\n") :]
    for line in written.splitlines():
        if line.startswith("ALTER TABLE"):
            head = line.removeprefix("ALTER TABLE ").removeprefix("ASYNC ")
            assert head.startswith(f"{exists}{only}s.t "), line
    before, original = loaded(server, text, ["s.t"])
    after, state = loaded(server, result.text, ["s.t"])
    # (without the table nor IF EXISTS both fail: each statement on the missing table)
    assert {k for _, k in after} <= {k for _, k in before}, result.text
    assert after or not before, result.text
    assert before or not after, result.text
    columns = {t: s[0] if s else None for t, s in original.items()}
    assert {t: s[0] if s else None for t, s in state.items()} == columns, result.text


# --- a column's type changed: its DEFAULT, CHECK and rows go with it ------------------------

# Each type a fix changes, with a literal of it and a CHECK on a column `c` of it.
TYPES: dict[str, tuple[str, str, str]] = {
    "inet": ("inet", "'10.0.0.1/32'", "c <> '0.0.0.0'"),
    "cidr": ("cidr", "'10.0.0.0/8'", "masklen(c) > 0"),
    "macaddr": ("macaddr", "'08:00:2b:01:02:03'", "c <> '00:00:00:00:00:00'"),
    "macaddr8": ("macaddr8", "'08:00:2b:01:02:03:04:05'", "c IS NOT NULL"),
    "money": ("money", "'$5.00'", "c > '$0.00'"),
    "money number": ("money", "5.25", "c > 0::money"),
    "money thousands": ("money", "'$1,234.50'", "c IS NOT NULL"),
    "xml": ("xml", "'<a/>'", "xml_is_well_formed(c::text)"),
    "bit": ("bit(3)", "B'101'", "c <> B'000'"),
    "varbit": ("varbit", "'1011'", "length(c) > 0"),
    "range": ("int4range", "'[1,5)'", "NOT isempty(c)"),
    "tsvector": ("tsvector", "'a b'", "c IS NOT NULL"),
    "int array": ("int[]", "'{1,2}'", "cardinality(c) > 0"),
    "text array": ("text[]", "ARRAY['a', 'b']", "c <> '{}'"),
    "json": ("json", "'{\"a\": 1}'", "c IS NOT NULL"),
    "cast default": ("inet", "'10.0.0.1'::inet", "c IS NOT NULL"),
}
USES = {
    "default": "CREATE TABLE v (id int PRIMARY KEY, c {type} DEFAULT {literal});\n"
    "INSERT INTO v (id) VALUES (1);\n",
    "check": "CREATE TABLE v (id int PRIMARY KEY, c {type} CHECK ({check}));\n"
    "INSERT INTO v VALUES (1, {literal});\n",
    "insert": "CREATE TABLE v (id int PRIMARY KEY, c {type});\n"
    "INSERT INTO v VALUES (1, {literal});\n",
    "set default": "CREATE TABLE v (id int PRIMARY KEY, c {type});\n"
    "ALTER TABLE v ALTER COLUMN c SET DEFAULT {literal};\nINSERT INTO v (id) VALUES (1);\n",
    "update": "CREATE TABLE v (id int PRIMARY KEY, c {type});\nINSERT INTO v (id) VALUES (1);\n"
    "UPDATE v SET c = {literal};\n",
}


@pytest.mark.parametrize("target", [None, dt.date(2025, 5, 1)], ids=["latest", "2025-05"])
@pytest.mark.parametrize("use", list(USES), ids=list(USES))
@pytest.mark.parametrize("kind", list(TYPES), ids=list(TYPES))
def test_type_change_carries_its_values(
    server: Server, kind: str, use: str, target: dt.date | None
) -> None:
    """A fix that changes a column's type converts the column's DEFAULT (as written or set
    later), its CHECK and the values written into it in the file, or declines naming the one
    it cannot: the fixed file never fails on PostgreSQL where the original loads."""
    written, literal, check = TYPES[kind]
    text = USES[use].format(type=written, literal=literal, check=check)
    # (at 2025-05 json and jsonb are refused too: an array's jsonb becomes text in turn)
    result = fix_text(text, Case(target=target), unsafe=True)
    on_column = [d for d in result.report.diagnostics if d.line == 1 and d.code.startswith("DSQL1")]
    for diag in on_column:
        assert diag.fix is FixAvailability.NONE and diag.fix_note, result.text
    before, _ = loaded(server, text, ["v"])
    if any(kind == "0A000" for _, kind in before):
        pytest.skip(f"the test PostgreSQL does not support {written} (built without it)")
    assert not before, f"the original fails on PostgreSQL: {before}\n{text}"
    if result.changed:
        after, _ = loaded(server, result.text, ["v"])
        assert not after, f"the fixed file fails where the original did not: {after}\n{result.text}"
