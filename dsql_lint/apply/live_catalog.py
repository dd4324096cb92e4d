"""Reading the catalog: did a DDL statement take effect? (the crash-window check)."""

from __future__ import annotations

import json
from typing import Any

from dsql_lint.apply.ddl import Effect, Name, quote_name

ABSENT, VALID, INVALID = "absent", "valid", "invalid"


def effect_holds(conn: Any, effect: Effect) -> bool:
    if effect.what == "index":
        return (index_state(conn, effect.table, effect.member) == VALID) == effect.present
    if effect.names:
        found = [_object_exists(conn, effect.what, name) for name in effect.names]
        return all(found) if effect.present else not any(found)
    assert effect.table is not None and effect.member is not None
    if effect.what == "column":
        query = (
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s)"
            " AND attname = %s AND attnum > 0 AND NOT attisdropped)"
        )
    elif effect.what == "constraint":
        query = (
            "SELECT EXISTS (SELECT 1 FROM pg_constraint"
            " WHERE conrelid = to_regclass(%s) AND conname = %s)"
        )
    elif effect.what == "validated":
        query = (
            "SELECT EXISTS (SELECT 1 FROM pg_constraint"
            " WHERE conrelid = to_regclass(%s) AND conname = %s AND convalidated)"
        )
    else:
        raise ValueError(effect.what)
    found = _scalar(conn, query, quote_name(effect.table), effect.member)
    return bool(found) == effect.present


def index_state(conn: Any, table: Name | None, index: str | None) -> str:
    """absent, valid or invalid; the index lives in its table's schema."""
    assert table is not None and index is not None
    valid = _scalar(
        conn,
        "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid"
        " WHERE c.relname = %s AND c.relnamespace ="
        " (SELECT relnamespace FROM pg_class WHERE oid = to_regclass(%s))",
        index,
        quote_name(table),
    )
    if valid is None:
        return ABSENT
    return VALID if valid else INVALID


def _object_exists(conn: Any, what: str, name: Name) -> bool:
    if what == "relation":
        return bool(_scalar(conn, "SELECT to_regclass(%s) IS NOT NULL", quote_name(name)))
    if what == "schema":
        return bool(
            _scalar(conn, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", name[1])
        )
    if what == "type":
        return bool(_scalar(conn, "SELECT to_regtype(%s) IS NOT NULL", quote_name(name)))
    if what == "role":
        return bool(
            _scalar(conn, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", name[1])
        )
    raise ValueError(what)


def _scalar(conn: Any, query: str, *params: Any) -> Any:
    row = conn.execute(query, list(params)).fetchone()
    return None if row is None else row[0]


def fingerprint(conn: Any, effect: Effect) -> str:
    """What the catalog says now about the objects a DDL touches: a definition per object
    (columns and types, view text, index definition and validity, constraint definition), or
    null for an absent one. Taken before the DDL runs and compared after a crash: only a
    change from it to the statement's effect proves the statement ran."""
    if effect.names:
        state: Any = [_definition(conn, effect.what, name) for name in effect.names]
    else:
        assert effect.table is not None
        table = quote_name(effect.table)
        if effect.what == "column":
            state = _scalar(conn, COLUMNS, table)
        elif effect.what in ("constraint", "validated"):
            state = _row(
                conn,
                "SELECT pg_get_constraintdef(oid), convalidated FROM pg_constraint"
                " WHERE conrelid = to_regclass(%s) AND conname = %s",
                table,
                effect.member,
            )
        elif effect.what == "index":
            state = _row(
                conn,
                "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(%s)"
                " AND c.relname = %s",
                table,
                effect.member,
            )
        elif effect.what == "indexes":
            state = indexes_on(conn, effect.table)
        else:
            raise ValueError(effect.what)
    return json.dumps(state, default=str)


def indexes_on(conn: Any, table: Name) -> list[list[Any]]:
    """[name, definition, valid] of every index of a table (for unnamed CREATE INDEX)."""
    return [
        list(row)
        for row in conn.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(%s)"
            " ORDER BY c.relname",
            [quote_name(table)],
        )
    ]


COLUMNS = (
    "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', '"
    " ORDER BY attnum) FROM pg_attribute WHERE attrelid = to_regclass(%s)"
    " AND attnum > 0 AND NOT attisdropped"
)


def _definition(conn: Any, what: str, name: Name) -> Any:
    if what != "relation":
        return _object_exists(conn, what, name)
    return _row(
        conn,
        "SELECT c.relkind, (" + COLUMNS.replace("to_regclass(%s)", "c.oid") + "),"
        " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END"
        " FROM pg_class c WHERE c.oid = to_regclass(%s)",
        quote_name(name),
    )


def _row(conn: Any, query: str, *params: Any) -> list[Any] | None:
    row = conn.execute(query, list(params)).fetchone()
    return None if row is None else list(row)
