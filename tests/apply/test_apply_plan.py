"""The plan's reading of statements: one classification and one schema model for check, fix and
apply. Each row says what a statement is (class, object), what the crash check reads back
(effects), which async job it starts and what runs on PostgreSQL; the rows with a `setup` are
also run on a real PostgreSQL, whose catalog must show the effects after, and not before."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Database

from dsql_lint.apply.ddl import AsyncJob
from dsql_lint.apply.live_catalog import effects_hold, readable
from dsql_lint.apply.plan import DDL_WITH_DML, SKIP, TWO_DDL, FilePlan, Step, build_plans
from dsql_lint.lint.classify import DDL, DML, META, OTHER, QUERY, SESSION, TX, classify
from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import TxControl, split


@dataclass(frozen=True)
class Row:
    sql: str
    kind: str
    object: str | None = None
    effects: tuple[str, ...] = ()  # the effects the live catalog can show: "op table member"
    job: AsyncJob | None = None
    postgres: str | None = ""  # what runs on PostgreSQL ("" when the statement as written)
    setup: str | None = None  # run first, to check the effects on a real catalog

    def __str__(self) -> str:
        return self.sql


T = "CREATE TABLE t (id int PRIMARY KEY, a int)"
ROWS = [
    Row(
        "CREATE TABLE s.t (id int PRIMARY KEY)",
        DDL,
        "TABLE",
        ("create_table s.t",),
        setup="CREATE SCHEMA s",
    ),
    Row("CREATE TABLE IF NOT EXISTS t (id int)", DDL, "TABLE", ("create_table t",), setup=""),
    Row('CREATE TABLE "Mixed" ("Id" int)', DDL, "TABLE", ("create_table Mixed",), setup=""),
    Row("CREATE TEMP TABLE tt (id int)", DDL, "TABLE", ("create_table tt",)),
    Row("CREATE VIEW v AS SELECT 1 AS one", DDL, "VIEW", ("create_view v",), setup=""),
    Row("CREATE MATERIALIZED VIEW mv AS SELECT 1", DDL, "VIEW", ("create_view mv",), setup=""),
    Row("CREATE SEQUENCE seq", DDL, "SEQUENCE", ("create_sequence seq",), setup=""),
    Row("CREATE SCHEMA app", DDL, "SCHEMA", ("create_schema - app",), setup=""),
    Row(
        "CREATE DOMAIN posint AS int CHECK (VALUE > 0)",
        DDL,
        "DOMAIN",
        ("create_type posint",),
        setup="",
    ),
    Row("CREATE TYPE mood AS ENUM ('ok')", DDL, "TYPE", ("create_type mood",), setup=""),
    Row("CREATE ROLE reader_x", DDL, "ROLE", ("create_role - reader_x",)),
    Row(
        "CREATE INDEX ASYNC i ON t (a)",
        DDL,
        "INDEX",
        ("create_index t i",),
        AsyncJob("index", (None, "t"), "i"),
        "CREATE INDEX i ON t (a)",
        setup=T,
    ),
    Row(
        "CREATE UNIQUE INDEX ASYNC IF NOT EXISTS i ON s.t (a)",
        DDL,
        "INDEX",
        ("create_index s.t i",),
        AsyncJob("index", ("s", "t"), "i"),
        "CREATE UNIQUE INDEX IF NOT EXISTS i ON s.t (a)",
        setup="CREATE SCHEMA s; CREATE TABLE s.t (a int)",
    ),
    Row("CREATE INDEX i ON t (a)", DDL, "INDEX", ("create_index t i",), setup=T),
    # Unnamed: a valid index of t on (a); on resume, the one index of t the intent did not see.
    Row("CREATE INDEX ON t (a)", DDL, "INDEX", ("create_index t",), setup=T),
    Row(
        "DROP TABLE a, s.b",
        DDL,
        "TABLE",
        ("drop_table a", "drop_table s.b"),
        setup="CREATE SCHEMA s; CREATE TABLE a (x int); CREATE TABLE s.b (x int)",
    ),
    Row("DROP VIEW IF EXISTS v", DDL, "VIEW", ("drop_view v",), setup="CREATE VIEW v AS SELECT 1"),
    Row("DROP INDEX i", DDL, "INDEX", ("drop_index i i",), setup=T + "; CREATE INDEX i ON t (a)"),
    Row("DROP SEQUENCE seq", DDL, "SEQUENCE", ("drop_sequence seq",), setup="CREATE SEQUENCE seq"),
    Row("DROP SCHEMA app", DDL, "SCHEMA", ("drop_schema - app",), setup="CREATE SCHEMA app"),
    Row("DROP TYPE mood", DDL, "TYPE", ("drop_type mood",), setup="CREATE TYPE mood AS ENUM ()"),
    Row("ALTER TABLE t RENAME TO u", DDL, "TABLE", ("rename_table u",), setup=T),
    Row("ALTER TABLE t RENAME COLUMN a TO b", DDL, "TABLE", ("rename_column t b",), setup=T),
    Row('ALTER TABLE t RENAME "a" TO "B"', DDL, "TABLE", ("rename_column t B",), setup=T),
    Row(
        "ALTER INDEX i RENAME TO j",
        DDL,
        "INDEX",
        ("rename_table j",),
        setup=T + "; CREATE INDEX i ON t (a)",
    ),
    Row(
        "ALTER SEQUENCE q RENAME TO r",
        DDL,
        "SEQUENCE",
        ("rename_table r",),
        setup="CREATE SEQUENCE q",
    ),
    Row(
        "ALTER TABLE t RENAME CONSTRAINT t_pkey TO pk",
        DDL,
        "TABLE",
        ("rename_constraint t pk",),
        setup=T,
    ),
    Row("ALTER TABLE t ADD COLUMN b text", DDL, "TABLE", ("add_columns t b",), setup=T),
    Row(
        'ALTER TABLE "T" ADD COLUMN "B" text',
        DDL,
        "TABLE",
        ("add_columns T B",),
        setup='CREATE TABLE "T" (id int)',
    ),
    Row(
        "ALTER TABLE t ADD COLUMN b int, ADD COLUMN c int",
        DDL,
        "TABLE",
        ("add_columns t b", "add_columns t c"),
        setup=T,
    ),
    Row("ALTER TABLE t DROP COLUMN a", DDL, "TABLE", ("drop_column t a",), setup=T),
    Row("ALTER TABLE t ALTER COLUMN a TYPE bigint", DDL, "TABLE"),  # not read back
    Row(
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        DDL,
        "TABLE",
        ("add_constraint t c",),
        setup=T,
    ),
    Row(
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)", DDL, "TABLE", ("add_constraint t u",), setup=T
    ),
    Row("ALTER TABLE t ADD PRIMARY KEY (a)", DDL, "TABLE"),  # unnamed: not read back
    Row(
        "ALTER TABLE t DROP CONSTRAINT t_pkey", DDL, "TABLE", ("drop_constraint t t_pkey",), setup=T
    ),
    Row(
        "ALTER TABLE ASYNC t VALIDATE CONSTRAINT c",
        DDL,
        "TABLE",
        ("validate_constraint t c",),
        AsyncJob("validate", (None, "t"), "c"),
        "ALTER TABLE t VALIDATE CONSTRAINT c",
        setup=T + "; ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
    ),
    Row("ALTER TABLE t VALIDATE CONSTRAINT c", DDL, "TABLE", ("validate_constraint t c",)),
    Row("ALTER TABLE async ADD COLUMN b int", DDL, "TABLE", ("add_columns async b",)),
    Row("ALTER SEQUENCE q OWNED BY t.a", DDL, "SEQUENCE"),  # not read back
    Row("COMMENT ON TABLE t IS 'x'", DDL, "TABLE"),
    Row("GRANT SELECT ON t TO r", OTHER),
    Row("DO $$ BEGIN END $$", OTHER),
    Row("INSERT INTO t VALUES (1)", DML),
    Row("UPDATE t SET a = 1", DML),
    Row("DELETE FROM t", DML),
    Row("TRUNCATE t", DML),
    Row("COPY t FROM stdin", DML),
    Row("SELECT 1", QUERY),
    Row("WITH x AS (SELECT 1) SELECT * FROM x", QUERY),
    Row("CALL sys.wait_for_job('j')", QUERY, postgres=None),
    Row("SHOW search_path", QUERY),
    Row("SET search_path TO app", SESSION),
    Row("RESET search_path", SESSION),
]


def _plan(tmp_path: Path, text: str) -> FilePlan:
    path = tmp_path / "V1__plan.sql"
    path.write_text(text)
    return build_plans([str(path)], dsql=False)[0]


def _read(step: Step) -> tuple[str, ...]:
    """The effects the crash check reads, as `op table member` ("-" for no table)."""
    out = []
    for effect in readable(step.analysis.effects):
        if effect.table is None:
            table = "-"
        elif effect.op == "rename_table" and effect.other:
            table = effect.other[1]
        else:
            table = ".".join(([] if effect.unqualified else [effect.table[0]]) + [effect.table[1]])
        member = effect.keys[0] if effect.op.startswith("rename_") and effect.keys else None
        if effect.op == "add_columns":
            member = effect.columns[0][0]
        out.append(" ".join(p for p in (effect.op, table, member or effect.name) if p))
    return tuple(out)


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_a_statement_is_classed_and_read(row: Row, tmp_path: Path) -> None:
    statement = split(Source(path="x.sql", text=row.sql + ";"))[0]
    kind, kind_object, _ = classify(parse(statement))
    assert (kind, kind_object) == (row.kind, row.object)
    plan = _plan(tmp_path, row.sql + ";\n")
    (step,) = plan.steps
    assert step.kind == row.kind
    assert _read(step) == row.effects
    assert step.job == row.job
    assert step.sql == (row.sql if row.postgres == "" else row.postgres)


@pytest.mark.parametrize("row", [r for r in ROWS if r.setup is not None], ids=str)
def test_the_live_catalog_shows_the_effects(row: Row, tmp_path: Path, db: Database) -> None:
    (step,) = _plan(tmp_path, row.sql + ";\n").steps
    effects = readable(step.analysis.effects)
    with db.connect() as conn:
        if row.setup:
            conn.execute(row.setup)
        assert not effects_hold(conn, effects)
        assert step.sql is not None
        conn.execute(step.sql)
        assert effects_hold(conn, effects)


def test_transaction_control_is_classed() -> None:
    text = "BEGIN; START TRANSACTION; COMMIT; END; ROLLBACK; ABORT;"
    controls = [classify(parse(s)) for s in split(Source(path="x.sql", text=text))]
    assert [c.kind for c in controls] == [TX] * 6
    assert [c.control for c in controls] == [
        TxControl.BEGIN,
        TxControl.BEGIN,
        TxControl.COMMIT,
        TxControl.COMMIT,
        TxControl.ROLLBACK,
        TxControl.ROLLBACK,
    ]


def test_a_meta_command_is_classed_and_skipped(tmp_path: Path) -> None:
    (statement,) = [s for s in split(Source(path="x.sql", text="\\set x 1\n")) if s.body.strip()]
    assert classify(parse(statement)).kind == META
    (unit,) = _plan(tmp_path, "\\set x 1\n").units
    assert unit.kind == SKIP and unit.steps[0].sql is None


@pytest.mark.parametrize(
    ("block", "unit_kind", "refusal"),
    [
        ("CREATE TABLE a (x int);", DDL, None),
        ("CREATE TABLE a (x int); CREATE TABLE b (x int);", DDL, TWO_DDL),
        ("CREATE TABLE a (x int); INSERT INTO a VALUES (1);", DDL, DDL_WITH_DML),
        ("INSERT INTO a VALUES (1); CREATE TABLE b (x int);", DDL, DDL_WITH_DML),
        (
            "CREATE TABLE a (x int); CREATE TABLE b (x int); INSERT INTO a VALUES (1);",
            DDL,
            DDL_WITH_DML,
        ),
        ("INSERT INTO a VALUES (1); UPDATE a SET x = 2;", DML, None),
        ("SELECT 1; CREATE TABLE a (x int); SET search_path TO public;", DDL, None),
        ("GRANT SELECT ON a TO r;", DDL, None),  # no DML: the DDL protocol
        ("GRANT SELECT ON a TO r; INSERT INTO a VALUES (1);", DML, None),
        ("", SKIP, None),
    ],
)
def test_a_block_is_planned_as_dsql_would_run_it(
    block: str, unit_kind: str, refusal: str | None, tmp_path: Path
) -> None:
    (unit,) = _plan(tmp_path, f"BEGIN;\n{block}\nCOMMIT;\n").units
    assert (unit.kind, unit.refusal, unit.block) == (unit_kind, refusal, True)


def test_a_statement_sharing_its_line_is_named_by_its_column_too(tmp_path: Path) -> None:
    """`V8.sql:1` would name both statements of `BEGIN; A; COMMIT; B;` on one line: where
    another statement shares the line, apply says the column (a `column` in JSON events)."""
    from dsql_lint.apply.progress import describe

    text = "CREATE TABLE a (x int);\nBEGIN; INSERT INTO a VALUES (1); COMMIT; SELECT 1;\n"
    steps = [step for unit in _plan(tmp_path, text).units for step in unit.steps]
    name = steps[0].path
    assert [s.where for s in steps] == [f"{name}:1", f"{name}:2:8", f"{name}:2:42"]
    assert steps[0].position == {"line": 1}
    assert steps[2].position == {"line": 2, "column": 42}
    said = describe("statement", {"file": name, **steps[2].position, "status": "applied"})
    assert said is not None and f"{name}:2:42 " in said


def test_a_rolled_back_block_is_skipped_and_outside_blocks_each_statement_is_a_unit(
    tmp_path: Path,
) -> None:
    text = (
        "BEGIN; CREATE TABLE a (x int); CREATE TABLE b (x int); ROLLBACK;\n"
        "CREATE TABLE c (x int); INSERT INTO c VALUES (1); SELECT 1; SET search_path TO public;\n"
    )
    units = _plan(tmp_path, text).units
    assert [(u.kind, u.refusal, len(u.steps)) for u in units] == [
        (SKIP, None, 2),
        (DDL, None, 1),
        (DML, None, 1),
        (QUERY, None, 1),
        (SESSION, None, 1),
    ]
