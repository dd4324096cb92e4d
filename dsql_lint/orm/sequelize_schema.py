"""Sequelize's queryInterface (`createTable`, `addColumn`, `addIndex`...) as the SQL it sends.

As Sequelize 6.37's PostgreSQL query generator writes it (lib/dialects/postgres/
query-generator.js and data-types.js, read from the published package): `INTEGER` with
`autoIncrement` is `SERIAL` (`BIGINT`: `BIGSERIAL`), `STRING` `VARCHAR(255)`, `DATE`
`TIMESTAMP WITH TIME ZONE`, `ARRAY(T)` `T[]`, `RANGE(INTEGER)` `INT4RANGE`; `createTable` is
`CREATE TABLE IF NOT EXISTS` with the primary key last, `references` an inline REFERENCES,
an `ENUM` a `CREATE TYPE "public"."enum_TABLE_COLUMN"` sent first inside a DO block;
`addIndex` a CREATE INDEX named `TABLE_COLUMNS`, `addConstraint` an ALTER TABLE ... ADD
CONSTRAINT.
"""

from __future__ import annotations

from dsql_lint.orm import jsvalues as js
from dsql_lint.orm.builders import (
    Sql,
    Translation,
    by_method,
    literal,
    name_span,
    quote,
    receiver_method,
    strings,
)

# DataTypes as PostgreSQL's query generator prints them; a callable's arguments follow.
TYPES = {
    "STRING": "VARCHAR", "CHAR": "CHAR", "TEXT": "TEXT", "CITEXT": "CITEXT",
    "INTEGER": "INTEGER", "BIGINT": "BIGINT", "SMALLINT": "SMALLINT", "TINYINT": "SMALLINT",
    "MEDIUMINT": "INTEGER", "FLOAT": "FLOAT", "REAL": "REAL", "DOUBLE": "DOUBLE PRECISION",
    "DECIMAL": "DECIMAL", "NUMERIC": "DECIMAL", "BOOLEAN": "BOOLEAN",
    "DATE": "TIMESTAMP WITH TIME ZONE", "DATEONLY": "DATE", "TIME": "TIME", "UUID": "UUID",
    "JSON": "JSON", "JSONB": "JSONB", "BLOB": "BYTEA", "INET": "INET", "CIDR": "CIDR",
    "MACADDR": "MACADDR", "TSVECTOR": "TSVECTOR", "HSTORE": "HSTORE", "GEOMETRY": "GEOMETRY",
    "GEOGRAPHY": "GEOGRAPHY", "MONEY": "MONEY",
}  # fmt: skip
LENGTH_DEFAULTS = {"STRING": "255", "CHAR": "255"}
RANGES = {
    "INTEGER": "INT4RANGE", "BIGINT": "INT8RANGE", "DECIMAL": "NUMRANGE",
    "DATE": "TSTZRANGE", "DATEONLY": "DATERANGE",
}  # fmt: skip
# Methods that ask about the schema, or run a transaction around other calls: no SQL of
# their own that DSQL judges.
READS = {
    "describeTable", "showAllTables", "showAllSchemas", "tableExists", "getForeignKeysForTables",
    "getForeignKeyReferencesForTable", "showIndex", "sequelize.transaction", "sequelize.query",
    "sequelize.fn", "sequelize.literal", "sequelize.col",
}  # fmt: skip
HINTS = {
    "serial-column": (
        "Sequelize writes `autoIncrement: true` as SERIAL: use `{ type: Sequelize.UUID, "
        "defaultValue: Sequelize.literal('gen_random_uuid()'), primaryKey: true }` instead."
    ),
    "array-column": "Use `Sequelize.JSONB` instead of `Sequelize.ARRAY(...)` (or a related table).",
    "index-without-async": (
        "Sequelize writes `addIndex` as CREATE INDEX, which DSQL refuses: write "
        "`queryInterface.sequelize.query('CREATE INDEX ASYNC name ON table (column)')` "
        "instead."
    ),
    "index-using-method": "Leave out `using:` (`gin`, `gist`...): DSQL has btree only.",
    "create-type": (
        "Sequelize writes `Sequelize.ENUM(...)` as CREATE TYPE: use `Sequelize.STRING` and "
        "validate the values in the model (`validate: { isIn: [[...]] }`)."
    ),
    "runtime-only-column-type": (
        "Use a type DSQL stores (`Sequelize.STRING`, `Sequelize.JSONB`, `Sequelize.DECIMAL`) "
        "instead of this DataType."
    ),
    "extension-column-type": "Use a type DSQL stores instead of this extension's DataType.",
    "add-column-default": (
        "Sequelize writes `addColumn` with `defaultValue` as ADD COLUMN ... DEFAULT: add the "
        "column without it, then set the default and fill the rows in later migrations."
    ),
    "add-unique-after-create": (
        "Sequelize writes `addConstraint(..., { type: 'unique' })` as ALTER TABLE ... ADD "
        "CONSTRAINT: declare `unique: true` on the attribute in `createTable`, or build a "
        "unique index with `queryInterface.sequelize.query('CREATE UNIQUE INDEX ASYNC ...')`."
    ),
    "add-foreign-key-without-not-valid": (
        "Drop the `addConstraint` foreign key, or write it with "
        "`queryInterface.sequelize.query('ALTER TABLE ... ADD CONSTRAINT ... NOT VALID')`."
    ),
}


def translate(reader: js.Reader, value: js.Value, receiver: str) -> Translation | None:
    out, call, name = receiver_method(value, receiver)
    if call is None:
        return out
    if name in READS or name.startswith("sequelize.query"):
        return None if name == "sequelize.query" else out
    by_method(out, call, name, _METHODS)
    return out


def _create_table(out: Translation, call: js.Call) -> None:
    table, attributes = _table(call.args[0] if call.args else None), _arg(call, 1)
    if table is None or not isinstance(attributes, js.Obj):
        out.not_read(call, "`createTable(...)` with a table or attributes not written as literals")
        return
    where = name_span(call)
    options = _arg(call, 2)
    for key, (value, _) in options.entries.items() if isinstance(options, js.Obj) else ():
        if key not in TABLE_OPTIONS:
            out.not_read(value, f"`createTable`'s `{key}` (an option not translated)")
    columns: list[list[tuple[str, js.Value | tuple[int, int]]]] = []
    keys: list[str] = []
    comments: list[tuple[str, js.Value]] = []  # each attribute's, after the table's
    for column, (spec, key_at) in attributes.entries.items():
        definition = _Attribute(out, table, column, spec, key_at)
        if definition.parts is None:
            continue
        comment = _comment(definition.comment) if definition.comment is not None else None
        if comment is not None and definition.comment is not None:
            sql = f"COMMENT ON COLUMN {quote(table)}.{quote(column)} IS {comment}"
            comments.append((sql, definition.comment))
        out.statements.extend(definition.before)
        columns.append([(quote(column) + " ", (key_at, key_at + len(column))), *definition.parts])
        if definition.primary:
            keys.append(quote(column))
    sql = out.sql(call).add("CREATE TABLE IF NOT EXISTS ", where)
    sql.add(quote(table), call.args[0]).add(" (", where)
    for k, parts in enumerate(columns):
        sql.add(", " if k else "", where)
        for text, at in parts:
            sql.add(text, at)
    if keys:
        sql.add(f", PRIMARY KEY ({','.join(keys)})", where)
    sql.add(")", where)
    # (createTableQuery sends them in the same query string, after the table: `; COMMENT ON`)
    table_comment = options.get("comment") if isinstance(options, js.Obj) else None
    said = _comment(table_comment) if table_comment is not None else None
    if said is not None and table_comment is not None:
        out.sql(call).add(f"COMMENT ON TABLE {quote(table)} IS {said}", table_comment).joined = True
    for text, at in comments:
        out.sql(call).add(text, at).joined = True


def _add_column(out: Translation, call: js.Call) -> None:
    table, column, spec = _table(_arg(call, 0)), js.text_of(_arg(call, 1)), _arg(call, 2)
    if table is None or column is None or spec is None:
        out.not_read(call, "`addColumn(...)` with arguments not written as literals")
        return
    definition = _Attribute(out, table, column, spec, spec.start, add=True)
    if definition.parts is None:
        return
    out.statements.extend(definition.before)
    sql = out.sql(call).add(f"ALTER TABLE {quote('public.' + table)} ADD COLUMN ", name_span(call))
    sql.joined = bool(definition.before)  # addColumnQuery: an ENUM's `DO ...;` first, one string
    sql.add(quote(column) + " ", _arg(call, 1))
    for text, at in definition.parts:
        sql.add(text, at)
    comment = _comment(definition.comment) if definition.comment is not None else None
    if comment is not None and definition.comment is not None:  # (`; COMMENT ON` in its query)
        sql = f"COMMENT ON COLUMN {quote('public.' + table)}.{quote(column)} IS {comment}"
        out.sql(call).add(sql, definition.comment).joined = True


def _change_column(out: Translation, call: js.Call) -> None:
    table, column, spec = _table(_arg(call, 0)), js.text_of(_arg(call, 1)), _arg(call, 2)
    if table is None or column is None or spec is None:
        out.not_read(call, "`changeColumn(...)` with arguments not written as literals")
        return
    definition = _Attribute(out, table, column, spec, spec.start)
    if definition.parts is None:
        return
    head = f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} "
    where = name_span(call)
    out.sql(call).add(head + ("SET NOT NULL" if definition.not_null else "DROP NOT NULL"), where)
    if definition.default is not None:
        out.sql(call).add(head + "SET DEFAULT " + definition.default[0], definition.default[1])
    else:
        out.sql(call).add(head + "DROP DEFAULT", where)
    out.statements.extend(definition.before)
    out.sql(call).add(head + "TYPE ", where).add(definition.type_sql, definition.type_at)


def _remove_column(out: Translation, call: js.Call) -> None:
    table, column = _table(_arg(call, 0)), js.text_of(_arg(call, 1))
    if table is None or column is None:
        out.not_read(call, "`removeColumn(...)` with arguments not written as literals")
        return
    out.sql(call).add(
        f"ALTER TABLE {quote('public.' + table)} DROP COLUMN {quote(column)}", name_span(call)
    )


def _rename_column(out: Translation, call: js.Call) -> None:
    table, before, after = (
        _table(_arg(call, 0)),
        js.text_of(_arg(call, 1)),
        js.text_of(_arg(call, 2)),
    )
    if table is None or before is None or after is None:
        out.not_read(call, "`renameColumn(...)` with arguments not written as literals")
        return
    out.sql(call).add(
        f"ALTER TABLE {quote(table)} RENAME COLUMN {quote(before)} TO {quote(after)}",
        name_span(call),
    )


def _add_index(out: Translation, call: js.Call) -> None:
    table = _table(_arg(call, 0))
    second = _arg(call, 1)
    options = _arg(call, 2)
    if isinstance(second, js.Obj):
        options, fields = second, second.get("fields")
    else:
        fields = second
    options = options if isinstance(options, js.Obj) else js.Obj(call.start, call.start)
    columns = _fields(fields)
    if table is None or columns is None:
        out.not_read(call, "`addIndex(...)` with a table or fields not written as literals")
        return
    name = js.text_of(options.get("name")) or _underscore(f"{table}_{'_'.join(columns)}")
    where = name_span(call)
    sql = out.sql(call).add("CREATE ", where)
    if _truthy(options.get("unique")):
        sql.add("UNIQUE ", options.get("unique"))
    kind = js.text_of(options.get("type"))
    sql.add(f"{kind + ' ' if kind else ''}INDEX ", where)
    if _truthy(options.get("concurrently")):
        sql.add("CONCURRENTLY ", options.get("concurrently"))
    sql.add(f"{quote(name)} ON {quote(table)} ", where)
    using = js.text_of(options.get("using"))
    if using:
        sql.add(f"USING {using} ", options.get("using"))
    sql.add("(", fields or call)
    items = fields.items if isinstance(fields, js.Arr) else [fields or call]
    for index, (column, item) in enumerate(zip(columns, items, strict=False)):
        sql.add(f"{', ' if index else ''}{quote(column)}{_key_order(item)}", item)
    sql.add(")", fields or call)
    if options.get("where") is not None:
        out.not_read(options.get("where") or call, "`addIndex`'s `where`")


def _add_constraint(out: Translation, call: js.Call) -> None:
    table = _table(_arg(call, 0))
    options = _arg(call, 1)
    if table is None or not isinstance(options, js.Obj):
        out.not_read(call, "`addConstraint(...)` with arguments not written as literals")
        return
    kind = (js.text_of(options.get("type")) or "").upper()
    columns = _fields(options.get("fields"))
    if columns is None or not kind:
        out.not_read(call, "`addConstraint(...)` with a type or fields not written as literals")
        return
    fields = "_".join(columns)
    quoted = ", ".join(quote(c) for c in columns)
    given = js.text_of(options.get("name"))
    type_at = options.get("type") or call
    if kind == "UNIQUE":
        body = f"CONSTRAINT {quote(given or f'{table}_{fields}_uk')} UNIQUE ({quoted})"
    elif kind == "PRIMARY KEY":
        body = f"CONSTRAINT {quote(given or f'{table}_{fields}_pk')} PRIMARY KEY ({quoted})"
    elif kind == "FOREIGN KEY":
        references = options.get("references")
        target = references if isinstance(references, js.Obj) else js.Obj(call.start, call.start)
        ref_table = _table(target.get("table"))
        ref_field = js.text_of(target.get("field")) or "id"
        if ref_table is None:
            out.not_read(references or call, "`addConstraint`'s `references`")
            return
        name = given or f"{table}_{fields}_{ref_table}_fk"
        body = (
            f"CONSTRAINT {quote(name)} FOREIGN KEY ({quoted}) REFERENCES {quote(ref_table)} "
            f"({quote(ref_field)})"
        )
        for word in ("onDelete", "onUpdate"):
            action = js.text_of(options.get(word))
            if action:
                body += f" {'ON DELETE' if word == 'onDelete' else 'ON UPDATE'} {action.upper()}"
    else:
        out.not_read(type_at, f"`addConstraint` of type `{kind}`")
        return
    out.sql(call).add(f"ALTER TABLE {quote(table)} ADD ", name_span(call)).add(body, type_at)


def _drop_table(out: Translation, call: js.Call) -> None:
    table = _table(_arg(call, 0))
    if table is None:
        out.not_read(call, "`dropTable(...)` with a table not written as a literal")
        return
    out.sql(call).add(f"DROP TABLE IF EXISTS {quote(table)}", name_span(call))


def _rename_table(out: Translation, call: js.Call) -> None:
    before, after = _table(_arg(call, 0)), _table(_arg(call, 1))
    if before is None or after is None:
        out.not_read(call, "`renameTable(...)` with names not written as literals")
        return
    out.sql(call).add(f"ALTER TABLE {quote(before)} RENAME TO {quote(after)}", name_span(call))


def _remove_index(out: Translation, call: js.Call) -> None:
    table, second = _table(_arg(call, 0)), _arg(call, 1)
    name = js.text_of(second)
    columns = _fields(second) if name is None else None
    if table is None or (name is None and columns is None):
        out.not_read(call, "`removeIndex(...)` with arguments not written as literals")
        return
    name = name or _underscore(f"{table}_{'_'.join(columns or [])}")
    out.sql(call).add(f"DROP INDEX IF EXISTS {quote(name)}", name_span(call))


def _remove_constraint(out: Translation, call: js.Call) -> None:
    table, name = _table(_arg(call, 0)), js.text_of(_arg(call, 1))
    if table is None or name is None:
        out.not_read(call, "`removeConstraint(...)` with arguments not written as literals")
        return
    out.sql(call).add(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}", name_span(call))


_METHODS = {
    "createTable": _create_table,
    "addColumn": _add_column,
    "changeColumn": _change_column,
    "removeColumn": _remove_column,
    "renameColumn": _rename_column,
    "addIndex": _add_index,
    "addConstraint": _add_constraint,
    "dropTable": _drop_table,
    "renameTable": _rename_table,
    "removeIndex": _remove_index,
    "removeConstraint": _remove_constraint,
}


# The attribute options queryInterface's PostgreSQL query generator reads (sequelize 6.37.7
# lib/dialects/postgres/query-generator.js `attributeToSQL`, `createTableQuery`,
# `addColumnQuery`; `values` an ENUM's), and those only a model reads (`validate`, `get`,
# `set`, `field`'s mapping is the model's): any other is said not read where it is written.
ATTRIBUTE_OPTIONS = {
    "type", "allowNull", "defaultValue", "unique", "primaryKey", "autoIncrement",
    "autoIncrementIdentity", "references", "onDelete", "onUpdate", "comment", "values",
    "validate", "get", "set",
}  # fmt: skip
# createTable's options: `comment` is written; `charset`, `collate`, `engine`, `rowFormat`,
# `initialAutoIncrement` are MySQL's, which PostgreSQL's generator does not read.
TABLE_OPTIONS = {
    "comment", "charset", "collate", "engine", "rowFormat", "initialAutoIncrement", "transaction",
    "logging", "benchmark",
}  # fmt: skip
DEFERRABLE = {
    "INITIALLY_IMMEDIATE": "DEFERRABLE INITIALLY IMMEDIATE",
    "INITIALLY_DEFERRED": "DEFERRABLE INITIALLY DEFERRED",
    "NOT": "NOT DEFERRABLE",
}


def _comment(value: js.Value) -> str | None:
    """A comment as the generator's `escape` quotes it: its quotes doubled."""
    text = js.text_of(value)
    return None if text is None else literal(text)


class _Attribute:
    """One attribute's column definition as attributeToSQL and dataTypeMapping write it:
    `parts` (None where it could not be read), and the statements sent before it."""

    def __init__(
        self,
        out: Translation,
        table: str,
        column: str,
        spec: js.Value,
        at: int,
        add: bool = False,
    ) -> None:
        self.before: list[Sql] = []
        self.comment: js.Value | None = None
        self.primary = self.not_null = False
        self.default: tuple[str, js.Value] | None = None
        self.parts: list[tuple[str, js.Value | tuple[int, int]]] | None = None
        options = spec if isinstance(spec, js.Obj) else None
        kind = options.get("type") if options is not None else spec
        if kind is None:
            out.not_read(spec, f"column `{column}` with no `type`")
            return
        enum = _enum_values(kind)
        if enum is not None:
            values, array = enum
            type_name = quote(f"public.enum_{table}_{column}")
            body = ", ".join(literal(v) for v in values)
            create = f"CREATE TYPE {type_name} AS ENUM({body}); "
            block = "BEGIN " + create + "EXCEPTION WHEN duplicate_object THEN null; END"
            self.before.append(Sql(kind.start, kind.end).add(f"DO {literal(block)}", kind))
            type_sql = type_name + ("[]" if array else "")
        else:
            found = data_type(kind)
            if found is None:
                out.not_read(kind, f"column `{column}`'s type")
                return
            type_sql = found
        self.type_sql, self.type_at = type_sql, kind
        parts: list[tuple[str, js.Value | tuple[int, int]]] = []
        get = options.get if options is not None else (lambda key: None)
        for key, (value, _) in options.entries.items() if options is not None else ():
            if key not in ATTRIBUTE_OPTIONS:
                out.not_read(value, f"column `{column}`'s `{key}` (an option not translated)")
        self.comment = get("comment")
        auto = _truthy(get("autoIncrement"))
        if auto and _truthy(get("autoIncrementIdentity")):
            parts.append((type_sql + " GENERATED BY DEFAULT AS IDENTITY", kind))
        elif auto:
            serial = {"BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}.get(type_sql, "SERIAL")
            parts.append((serial, get("autoIncrement") or kind))
        else:
            parts.append((type_sql, kind))
        allow_null = get("allowNull")
        if isinstance(allow_null, js.Name) and allow_null.name == "false":
            self.not_null = True
            if not auto:
                parts.append((" NOT NULL", allow_null))
        default = get("defaultValue")
        if default is not None:
            self.default = _default(out, default)
            if self.default is not None:
                parts.append((" DEFAULT " + self.default[0], default))
        if _truthy(get("unique")):
            parts.append((" UNIQUE", get("unique") or kind))
        if _truthy(get("primaryKey")):
            self.primary = True
            if add:  # addColumn keeps it inline; createTable lists the key at the end
                parts.append((" PRIMARY KEY", get("primaryKey") or kind))
        references = get("references")
        if references is not None:
            target = references if isinstance(references, js.Obj) else None
            model = _table(target.get("model") if target else None)
            if model is None:
                out.not_read(references, f"column `{column}`'s `references`")
            else:
                key = js.text_of(target.get("key") if target else None) or "id"
                sql = f" REFERENCES {quote(model)} ({quote(key)})"
                for word in ("onDelete", "onUpdate"):
                    action = js.text_of(get(word))
                    if action:
                        sql += f" {'ON DELETE' if word == 'onDelete' else 'ON UPDATE'} "
                        sql += action.upper()
                deferrable = target.get("deferrable") if target else None
                if deferrable is not None:
                    said = DEFERRABLE.get((js.dotted(deferrable) or "").rsplit(".", 1)[-1])
                    if said is None:
                        out.not_read(deferrable, f"column `{column}`'s `deferrable`")
                    else:
                        sql += f" {said}"
                parts.append((sql, references))
        self.parts = parts


def data_type(value: js.Value) -> str | None:
    """A DataType (`Sequelize.STRING`, `DataTypes.STRING(100)`, `'VARCHAR(20)'`) as Sequelize's
    PostgreSQL dialect prints it; None where it cannot be read."""
    if isinstance(value, js.Str):
        return value.text
    if isinstance(value, js.Member):
        name = value.name
        if name in ("UNSIGNED", "ZEROFILL", "BINARY") and value.target is not None:
            base = data_type(value.target)
            return ("BYTEA" if name == "BINARY" else base) if base else None
        if name == "RANGE":
            return "INT4RANGE"
        if name in TYPES:
            length = LENGTH_DEFAULTS.get(name)
            return f"{TYPES[name]}({length})" if length else TYPES[name]
        return None
    if isinstance(value, js.Call) and isinstance(value.callee, js.Member):
        name = value.callee.name
        args = value.args
        if name == "ARRAY":
            inner = data_type(args[0]) if args else None
            return f"{inner}[]" if inner else None
        if name == "RANGE":
            inner = _type_name(args[0]) if args else "INTEGER"
            return RANGES.get(inner or "", "INT4RANGE")
        if name in ("GEOMETRY", "GEOGRAPHY"):
            given = [a.text if isinstance(a, js.Str) else _number(a) for a in args]
            return f"{name}({','.join(g for g in given if g)})" if given else name
        if name in ("DATE", "TIME") and args:
            precision = _number(args[0])
            base = TYPES[name]
            return (
                f"TIMESTAMP({precision}) WITH TIME ZONE"
                if name == "DATE"
                else f"{base}({precision})"
            )
        if name in TYPES:
            numbers = [_number(a) for a in args]
            if isinstance(args[0] if args else None, js.Obj):
                obj = args[0]
                assert isinstance(obj, js.Obj)
                numbers = [_number(obj.get(k)) for k in ("length", "precision", "scale")]
            given = [n for n in numbers if n]
            return f"{TYPES[name]}({', '.join(given)})" if given else data_type(value.callee)
    return None


def _type_name(value: js.Value) -> str | None:
    if isinstance(value, js.Member):
        return value.name
    if isinstance(value, js.Call) and isinstance(value.callee, js.Member):
        return value.callee.name
    return None


def _enum_values(value: js.Value) -> tuple[list[str], bool] | None:
    """An ENUM's values (and whether it is an ARRAY of one), or None for another type."""
    if isinstance(value, js.Call) and _type_name(value) == "ARRAY" and value.args:
        inner = _enum_values(value.args[0])
        return (inner[0], True) if inner else None
    if _type_name(value) != "ENUM":
        return None
    args = value.args if isinstance(value, js.Call) else ()
    if len(args) == 1 and isinstance(args[0], js.Obj):
        listed = strings(args[0].get("values")) or []
    elif len(args) == 1 and isinstance(args[0], js.Arr):
        listed = strings(args[0]) or []
    else:
        listed = [a.text for a in args if isinstance(a, js.Str)]
    return listed, False


def _default(out: Translation, value: js.Value) -> tuple[str, js.Value] | None:
    if isinstance(value, js.Str):
        return literal(value.text), value
    if isinstance(value, js.Num):
        n = value.number
        return (str(int(n)) if n == int(n) else str(n)), value
    if isinstance(value, js.Name) and value.name in ("true", "false", "null"):
        return value.name, value
    listed = strings(value) if isinstance(value, js.Arr) else None
    if listed is not None:
        return "ARRAY[" + ", ".join(literal(v) for v in listed) + "]", value
    if isinstance(value, js.Member) and value.name in ("UUIDV4", "UUIDV1"):
        return None  # made by Sequelize in JavaScript: no DEFAULT in the table
    if isinstance(value, js.Member) and value.name == "NOW":
        return "now()", value
    if isinstance(value, js.Call):
        name = js.method(value)
        first = js.text_of(value.args[0] if value.args else None)
        if name == "literal" and first is not None:
            return first, value
        if name == "fn" and first is not None:
            return f"{first}()", value
    out.not_read(value, "`defaultValue`")
    return None


def _fields(value: js.Value | None) -> list[str] | None:
    """An index's or a constraint's fields: names, or `{ name }`/`{ attribute }` objects."""
    if not isinstance(value, js.Arr):
        return strings(value)
    out = []
    for item in value.items:
        name = js.text_of(item)
        if name is None and isinstance(item, js.Obj):
            name = js.text_of(item.get("name")) or js.text_of(item.get("attribute"))
        if name is None:
            return None
        out.append(name)
    return out


def _key_order(item: js.Value) -> str:
    """What the query generator writes after a field object's name (addIndexQuery): its
    `operator` (an operator class), then its `order` (`DESC`, `DESC NULLS LAST`)."""
    if not isinstance(item, js.Obj):
        return ""
    said = (js.text_of(item.get("operator")), js.text_of(item.get("order")))
    return "".join(f" {part}" for part in said if part)


def _table(value: js.Value | None) -> str | None:
    """A table named by a string or `{ tableName, schema }`."""
    if isinstance(value, js.Obj):
        name = js.text_of(value.get("tableName"))
        schema = js.text_of(value.get("schema"))
        return f"{schema}.{name}" if name and schema else name
    return js.text_of(value)


def _arg(call: js.Call, k: int) -> js.Value | None:
    return call.args[k] if len(call.args) > k else None


def _truthy(value: js.Value | None) -> bool:
    return isinstance(value, js.Name) and value.name == "true"


def _number(value: js.Value | None) -> str:
    return str(int(value.number)) if isinstance(value, js.Num) else ""


def _underscore(name: str) -> str:
    """Sequelize's `underscore` of an index name: camelCase split with `_`, lower case."""
    out = []
    for k, c in enumerate(name):
        if c.isupper() and k and (name[k - 1].islower() or name[k - 1].isdigit()):
            out.append("_")
        out.append(c.lower())
    return "".join(out)
