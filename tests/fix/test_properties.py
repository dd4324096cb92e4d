"""Generated DDL scripts: whatever the columns, indexes, transactions and comments, `fix` keeps
its guarantees (text outside edits kept, no new parse errors, nothing fixable left,
idempotent)."""

from __future__ import annotations

import datetime as dt

from fixkit import Case, assert_guarantees, assert_idempotent, fix_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsql_lint.fix.actions import CHOICES

NAMES = ["id", "name", "owner_id", "tags", "doc", "total", "created_at", '"Mixed Case"', "note"]
TYPES = {
    "int": "0",
    "bigint": "1",
    "text": "'x'",
    "varchar(20)": "'y'",
    "numeric(10,2)": "0.0",
    "uuid": "gen_random_uuid()",
    "timestamptz": "now()",
    "serial": None,
    "bigserial": None,
    "smallserial": None,
    "text[]": "'{}'::text[]",
    "int[]": "'{1,2}'",
    "jsonb": "'{}'::jsonb",
    "json": None,
}
SEPARATORS = [" ", " ", " ", "\n    ", " /* note */ ", " -- note\n  ", "\r\n  "]


@st.composite
def words(draw: st.DrawFn, parts: list[str]) -> str:
    """`parts` joined by spaces, line breaks and comments between the tokens."""
    out = [parts[0]]
    for part in parts[1:]:
        out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(part)
    return "".join(out)


@st.composite
def column(draw: st.DrawFn, name: str, tables: list[str]) -> list[str]:
    kind = draw(st.sampled_from(sorted(TYPES)))
    parts = [name, kind]
    default = TYPES[kind]
    if default and draw(st.booleans()):
        parts += ["DEFAULT", default]
    if draw(st.booleans()):
        parts += ["NOT", "NULL"]
    if kind in ("int", "bigint") and draw(st.booleans()):
        parts += ["CHECK", f"({name} > 0)"]
    if tables and kind in ("int", "bigint") and draw(st.booleans()):
        parts += ["REFERENCES", draw(st.sampled_from(tables)), "(id)"]
    return parts


@st.composite
def create_table(draw: st.DrawFn, table: str, tables: list[str]) -> str:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    columns = [draw(words(draw(column(n, tables)))) for n in names]
    if draw(st.booleans()):
        columns[0] += " PRIMARY KEY"
    body = ",\n    ".join(columns)
    storage = draw(st.sampled_from(["", " WITH (fillfactor = 70)", " TABLESPACE fast"]))
    return f"CREATE TABLE {table} (\n    {body}\n){storage};"


@st.composite
def create_index(draw: st.DrawFn, table: str, n: int) -> str:
    head = ["CREATE", *draw(st.sampled_from([[], ["UNIQUE"]])), "INDEX"]
    head += draw(st.sampled_from([[], ["CONCURRENTLY"], ["ASYNC"]]))
    method = draw(st.sampled_from([[], ["USING", "btree"], ["USING", "gin"]]))
    key = draw(st.sampled_from(["(id)", "(id DESC)", "(lower(name))"]))
    return draw(words([*head, f"{table}_{n}_idx", "ON", table, *method, key])) + ";"


@st.composite
def alter_table(draw: st.DrawFn, table: str, tables: list[str]) -> str:
    choice = draw(st.integers(0, 3))
    if choice == 0 and tables:
        parts = ["ALTER", "TABLE", table, "ADD", "CONSTRAINT", f"{table}_fk", "FOREIGN", "KEY"]
        parts += ["(owner_id)", "REFERENCES", draw(st.sampled_from(tables)), "(id)"]
    elif choice == 1:
        parts = ["ALTER", "TABLE", "ONLY", table, "ADD", "CONSTRAINT", f"{table}_pkey"]
        parts += ["PRIMARY", "KEY", "(id)"]
    elif choice == 2:
        parts = [
            "ALTER",
            "TABLE",
            table,
            "ADD",
            "COLUMN",
            "extra",
            *draw(column("extra", tables))[1:],
        ]
    else:
        parts = ["TRUNCATE", "TABLE", table]
    return draw(words(parts)) + ";"


@st.composite
def script(draw: st.DrawFn) -> str:
    statements: list[str] = []
    tables: list[str] = []
    for n in range(draw(st.integers(1, 4))):
        table = f"t{n}"
        statements.append(draw(create_table(table, list(tables))))
        tables.append(table)
        if draw(st.booleans()):
            statements.append(draw(create_index(table, n)))
        if draw(st.booleans()):
            statements.append(draw(alter_table(table, tables[:-1])))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(statements) - 1))
        end = draw(st.integers(start + 1, len(statements)))
        statements[start:end] = ["BEGIN;", *statements[start:end], "COMMIT;"]
    if draw(st.booleans()):
        statements.insert(0, "-- generated\n")
    return draw(st.sampled_from(["\n", "\n\n", "\r\n"])).join(statements) + "\n"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    text=script(),
    unsafe=st.booleans(),
    seed_guide=st.booleans(),
    serial_to=st.sampled_from(CHOICES["serial-to"]),
    array_to=st.sampled_from(CHOICES["array-to"]),
)
def test_generated_ddl(
    text: str, unsafe: bool, seed_guide: bool, serial_to: str, array_to: str
) -> None:
    target = dt.date(2025, 5, 1) if seed_guide else None
    case = Case(target, unsafe=unsafe, choices={"serial-to": serial_to, "array-to": array_to})
    result = fix_text(text, case)
    # The decision foresees what each fix does (a primary key over a json column is not
    # moved into its CREATE TABLE): the guard withdraws nothing.
    assert_guarantees(result, unsafe, case)
    assert_idempotent(result, case)
