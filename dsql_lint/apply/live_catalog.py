"""Reading the live catalog: did a DDL statement take effect? (the crash-window check reads
back the schema model's effects)."""

from __future__ import annotations

import json
from typing import Any

from dsql_lint.apply.ddl import Name, quote_name, written
from dsql_lint.lint.schema import Effect

ABSENT, VALID, INVALID = "absent", "valid", "invalid"

RELATION, SCHEMA, TYPE, ROLE = "relation", "schema", "type", "role"
COLUMN, CONSTRAINT, VALIDATED, INDEX = "column", "constraint", "validated", "index"

# What the catalog shows once a statement with this effect is applied: what to look up, and
# whether the statement makes it present. Effects not listed cannot be read back.
READS: dict[str, tuple[str, bool]] = {
    "create_table": (RELATION, True),
    "create_view": (RELATION, True),
    "create_sequence": (RELATION, True),
    "rename_table": (RELATION, True),  # under its new name
    "drop_table": (RELATION, False),
    "drop_view": (RELATION, False),
    "drop_sequence": (RELATION, False),
    "drop_index": (RELATION, False),
    "create_schema": (SCHEMA, True),
    "drop_schema": (SCHEMA, False),
    "create_type": (TYPE, True),
    "drop_type": (TYPE, False),
    "create_role": (ROLE, True),
    "drop_role": (ROLE, False),
    "add_columns": (COLUMN, True),
    "rename_column": (COLUMN, True),
    "drop_column": (COLUMN, False),
    "add_constraint": (CONSTRAINT, True),
    "add_primary_key": (CONSTRAINT, True),  # when it names the constraint
    "rename_constraint": (CONSTRAINT, True),
    "drop_constraint": (CONSTRAINT, False),
    "validate_constraint": (VALIDATED, True),
    "create_index": (INDEX, True),
}
_MEMBERS = {COLUMN, CONSTRAINT, VALIDATED, INDEX}


def readable(effects: tuple[Effect, ...]) -> tuple[Effect, ...]:
    """The effects the live catalog can show."""
    return tuple(effect for effect in effects if _readable(effect))


def effects_hold(conn: Any, effects: tuple[Effect, ...]) -> bool:
    """The catalog shows every effect (each one `readable`)."""
    return all(_holds(conn, effect) for effect in effects)


def _readable(effect: Effect) -> bool:
    read = READS.get(effect.op)
    if read is None:
        return False
    if unnamed_index(effect):
        return bool(effect.keys)
    if read[0] in _MEMBERS:
        return effect.table is not None and bool(_members(effect))
    if read[0] in (SCHEMA, ROLE):
        return bool(effect.name)
    return effect.table is not None


def _holds(conn: Any, effect: Effect) -> bool:
    what, present = READS[effect.op]
    if what in (SCHEMA, ROLE):
        assert effect.name is not None
        return _object_exists(conn, what, (None, effect.name)) == present
    assert effect.table is not None
    if what in (RELATION, TYPE):
        key = effect.other if effect.op == "rename_table" and effect.other else effect.table
        return _object_exists(conn, what, written(key, effect)) == present
    table = written(effect.table, effect)
    if unnamed_index(effect):
        # Some valid index of the table on these columns: it may be older than the statement,
        # so only a `fingerprint` taken before tells whether the statement made it.
        return bool(_scalar(conn, INDEX_ON_COLUMNS, quote_name(table), list(effect.keys)))
    if what == INDEX:
        return all((index_state(conn, table, m) == VALID) == present for m in _members(effect))
    if what == COLUMN:
        query = (
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s)"
            " AND attname = %s AND attnum > 0 AND NOT attisdropped)"
        )
    elif what == CONSTRAINT:
        query = (
            "SELECT EXISTS (SELECT 1 FROM pg_constraint"
            " WHERE conrelid = to_regclass(%s) AND conname = %s)"
        )
    else:
        query = (
            "SELECT EXISTS (SELECT 1 FROM pg_constraint"
            " WHERE conrelid = to_regclass(%s) AND conname = %s AND convalidated)"
        )
    return all(
        bool(_scalar(conn, query, quote_name(table), member)) == present
        for member in _members(effect)
    )


def _members(effect: Effect) -> list[str]:
    """The columns, constraint or index an effect on a table is about."""
    if effect.op in ("rename_column", "rename_constraint"):
        return list(effect.keys[:1])
    if effect.op == "add_columns":
        return [column for column, _ in effect.columns]
    return [effect.name] if effect.name else []


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
    if what == RELATION:
        return bool(_scalar(conn, "SELECT to_regclass(%s) IS NOT NULL", quote_name(name)))
    if what == SCHEMA:
        return bool(
            _scalar(conn, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", name[1])
        )
    if what == TYPE:
        return bool(_scalar(conn, "SELECT to_regtype(%s) IS NOT NULL", quote_name(name)))
    if what == ROLE:
        return bool(
            _scalar(conn, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", name[1])
        )
    raise ValueError(what)


def _scalar(conn: Any, query: str, *params: Any) -> Any:
    row = conn.execute(query, list(params)).fetchone()
    return None if row is None else row[0]


def fingerprint(conn: Any, effects: tuple[Effect, ...]) -> str:
    """What the catalog says now about the objects a DDL touches, one state per effect (each
    one `readable`): a definition per object (columns and types, view text, index definition
    and validity, constraint definition), or null for an absent one; for an unnamed index,
    every index of its table. Taken before the DDL runs and compared after a crash: only a
    change from it to the statement's effects proves the statement ran."""
    return json.dumps({"effects": [_state(conn, effect) for effect in effects]}, default=str)


def recorded(before: str | None, effects: tuple[Effect, ...]) -> list[Any] | None:
    """The states a `fingerprint` of these effects recorded; None without one (an intent of
    an older dsql-lint, or of another shape)."""
    try:
        states = json.loads(before) if before else None
    except ValueError:
        return None
    if not isinstance(states, dict) or not isinstance(states.get("effects"), list):
        return None
    return states["effects"] if len(states["effects"]) == len(effects) else None


def unnamed_index(effect: Effect) -> bool:
    """CREATE INDEX ... ON t: PostgreSQL picks the name, so a resume finds the index as one of
    the table that was not there before the intent."""
    return effect.op == "create_index" and not effect.name and effect.table is not None


def _state(conn: Any, effect: Effect) -> Any:
    what = READS[effect.op][0]
    if what in (SCHEMA, ROLE):
        assert effect.name is not None
        return _object_exists(conn, what, (None, effect.name))
    assert effect.table is not None
    table = written(effect.table, effect)
    if what in (RELATION, TYPE):
        names = [table]
        if effect.op == "rename_table" and effect.other:
            names.append(written(effect.other, effect))
        return [_definition(conn, what, name) for name in names]
    if unnamed_index(effect):
        return indexes_on(conn, table)
    members = _members(effect)
    if effect.op in ("rename_column", "rename_constraint") and effect.name:
        members = [effect.name, *members]  # the old name and the new
    if what == COLUMN:
        return _scalar(conn, COLUMNS, quote_name(table))
    if what in (CONSTRAINT, VALIDATED):
        query = (
            "SELECT pg_get_constraintdef(oid), convalidated FROM pg_constraint"
            " WHERE conrelid = to_regclass(%s) AND conname = %s"
        )
    else:
        query = (
            "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(%s)"
            " AND c.relname = %s"
        )
    return [_row(conn, query, quote_name(table), member) for member in members]


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


INDEX_ON_COLUMNS = (
    "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass(%s) AND i.indisvalid"
    " AND ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)"
    " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) = %s)"
)

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
