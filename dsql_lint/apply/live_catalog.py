"""Reading the catalog: did a DDL statement take effect? (the crash-window check)."""

from __future__ import annotations

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
