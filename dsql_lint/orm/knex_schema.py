"""Knex's schema builder (`knex.schema.createTable(...)`) as the SQL Knex sends PostgreSQL.

As Knex 3.3's PostgreSQL dialect writes it (lib/dialects/postgres/schema, read from the
published package): `increments()` is `serial primary key`, `bigIncrements()` `bigserial
primary key`, `string()` `varchar(255)`, `timestamp()` `timestamptz`, `enu()` a `text check
(... in (...))` (a `create type` with `useNative`), `float()` `real`, `decimal()` `decimal(8,
2)`; a column's `.primary()` is a `constraint "t_pkey" primary key` inside CREATE TABLE, and
its `.unique()`, `.index()` and `.references()` each a statement after it (`alter table ...
add constraint "t_c_unique" unique`, `create index "t_c_index" on ... using TYPE`, `alter table
... add constraint "t_c_foreign" foreign key`), in the order written.
"""

from __future__ import annotations

import re

from dsql_lint.orm import jsvalues as js
from dsql_lint.orm.builders import Sql, Translation, literal, name_span, quote, strings

FRAMEWORK = "Knex migration"
TYPES = {
    "integer": "integer", "bigInteger": "bigint", "bigint": "bigint", "smallint": "smallint",
    "tinyint": "smallint", "mediumint": "integer", "text": "text", "boolean": "boolean",
    "date": "date", "time": "time", "double": "double precision", "float": "real",
    "json": "json", "jsonb": "jsonb", "uuid": "uuid", "binary": "bytea", "geometry": "geometry",
    "geography": "geography", "point": "point",
}  # fmt: skip
TABLE_METHODS = {"createTable", "createTableIfNotExists", "alterTable", "table"}
# Calls that ask about the schema and send no DDL.
# Calls that send no SQL of their own (`toQuery`/`toString` return what the builder sends,
# as a MikroORM migration passes it to `this.addSql`).
READS = {
    "hasTable", "hasColumn", "then", "catch", "finally", "withSchema", "transacting", "toQuery",
    "toString",
}  # fmt: skip
HINTS = {
    "serial-column": (
        "Knex writes `t.increments()` as `serial primary key` (`bigIncrements()`: bigserial): "
        "use `t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'))` instead."
    ),
    "array-column": (
        "Use `t.jsonb('name')` instead of an array type in `t.specificType()` (or a related table)."
    ),
    "index-without-async": (
        "Knex writes `t.index()`/`.index()` as CREATE INDEX, which DSQL refuses: write "
        "`knex.raw('CREATE INDEX ASYNC name ON table (column)')` in a migration with "
        "`exports.config = { transaction: false }`."
    ),
    "index-using-method": "Leave out the index type (`'gin'`, `indexType`): DSQL has btree only.",
    "add-unique-after-create": (
        "Knex writes `.unique()` as an ALTER TABLE after CREATE TABLE: write the table with "
        "`knex.raw('CREATE TABLE ... UNIQUE (...)')`, or a unique index with CREATE UNIQUE "
        "INDEX ASYNC."
    ),
    "add-foreign-key-without-not-valid": (
        "Knex writes `.references().inTable()` as ALTER TABLE ... ADD CONSTRAINT: drop the "
        "key or add it with `knex.raw('ALTER TABLE ... ADD CONSTRAINT ... NOT VALID')`."
    ),
    "create-type": "Use `t.enu(name, values)` without `useNative` (a text column with a CHECK).",
    "add-column-default": (
        "Knex writes `.defaultTo()` in `alterTable` as ADD COLUMN ... DEFAULT: add the column "
        "without it, then set the default (`.defaultTo(...).alter()`) and fill the rows in "
        "later migrations."
    ),
}


def translate(reader: js.Reader, value: js.Value, receiver: str) -> Translation | None:
    calls = js.chain(value)
    out = Translation(value.start, value.end)
    names = [js.dotted(c.callee) or "" for c in calls]
    if not calls:
        return out
    if names[0] in (f"{receiver}.raw", f"{receiver}.schema.raw"):
        return None  # SQL as written: scripts reads it
    if names[0] == f"{receiver}.transaction":
        return (
            out  # sends nothing itself (orm/scripts.py writes its transaction): its calls are read
        )
    if not names[0].startswith(f"{receiver}.schema."):
        out.not_read(value, f"`{names[0] or 'this call'}(...)` (a query builder call)")
        return out
    schema = ""
    for call in calls:
        name = js.method(call)
        if name == "withSchema":
            schema = js.text_of(call.args[0] if call.args else None) or ""
            continue
        if name in READS:
            continue
        _Schema(reader, out, schema).call(name, call)
    return out


class _Schema:
    def __init__(self, reader: js.Reader, out: Translation, schema: str) -> None:
        self.reader, self.out, self.schema = reader, out, schema

    def table(self, name: str) -> str:
        return quote(f"{self.schema}.{name}" if self.schema else name)

    def call(self, name: str, call: js.Call) -> None:
        args = call.args
        first = js.text_of(args[0] if args else None)
        where = name_span(call)
        if name in TABLE_METHODS and first is not None and len(args) > 1:
            if not isinstance(args[1], js.Function) or not args[1].params:
                self.out.not_read(args[1], f"`{name}`'s builder function")
                return
            _Table(self, call, first, args[1], create=name.startswith("create")).run(
                if_not=name == "createTableIfNotExists"
            )
        elif name in ("dropTable", "dropTableIfExists") and first is not None:
            exists = " if exists" if name.endswith("IfExists") else ""
            self.out.sql(call).add(f"drop table{exists} ", where).add(self.table(first), args[0])
        elif name == "renameTable" and first is not None and len(args) > 1:
            to = js.text_of(args[1])
            if to is None:
                self.out.not_read(args[1], "`renameTable`'s new name")
                return
            self.out.sql(call).add(f"alter table {self.table(first)} rename to ", where).add(
                quote(to), args[1]
            )
        elif name in ("createSchema", "createSchemaIfNotExists", "dropSchema") and first:
            verb = "drop schema" if name == "dropSchema" else "create schema"
            exists = " if not exists" if name.endswith("IfNotExists") else ""
            self.out.sql(call).add(f"{verb}{exists} {quote(first)}", where)
        elif name in ("createExtension", "createExtensionIfNotExists") and first:
            exists = " if not exists" if name.endswith("IfNotExists") else ""
            self.out.sql(call).add(f"create extension{exists} {quote(first)}", where)
        elif name == "raw" and first is not None:
            self.out.sql(call).add(first, args[0])
        else:
            self.out.not_read(call, f"`knex.schema.{name}(...)`")


class _Column:
    def __init__(self, name: str, at: js.Value, sql: list[tuple[str, js.Value | tuple[int, int]]]):
        self.name, self.at, self.sql = name, at, sql


class _Table:
    """One createTable/alterTable builder function: its columns and statements in order."""

    def __init__(
        self, schema: _Schema, call: js.Call, name: str, fn: js.Function, create: bool
    ) -> None:
        self.schema, self.call, self.name, self.fn, self.create = schema, call, name, fn, create
        self.out = schema.out
        self.quoted = schema.table(name)
        self.columns: list[_Column] = []
        self.altered: list[tuple[_Column, js.Call]] = []
        self.primary: tuple[list[str], js.Value] | None = None
        self.before: list[Sql] = []  # `create type` of native enums, sent first
        self.after: list[Sql] = []  # indexes, uniques, keys and the rest, in order written
        self.checks: list[tuple[str, js.Call]] = []  # createTable's `t.check(...)`, inline
        self.unnamed = 0  # knex's `checksCount`: the number of an alterTable's unnamed check
        self.comment: Sql | None = None  # createTable's `t.comment(...)`, after the table
        self.inherits: tuple[str, js.Call] | None = None
        # Each column's own statements (its comment, an altered column's checks), after the
        # table's statement and before `after`, the added columns' before the altered ones'.
        self.queries: list[tuple[bool, Sql]] = []
        self.unnamed_columns: dict[str, int] = {}  # an altered column's unnamed checks

    def run(self, if_not: bool = False) -> None:
        param = self.fn.params[0]
        reader = self.schema.reader
        text = reader.text
        i = self.fn.body_start
        start = re.compile(rf"(?<![\w$.]){re.escape(param)}\s*\.")
        while True:
            match = start.search(text, i, self.fn.body_end)
            if match is None:
                break
            value, end = reader.chain_at(match.start())
            i = max(end, match.end())
            calls = js.chain(value)
            if calls and js.dotted(calls[0].callee) == f"{param}.{js.method(calls[0])}":
                self._statement(calls)
        self._write(if_not)

    def _write(self, if_not: bool) -> None:
        where = name_span(self.call)
        out = self.out
        out.statements.extend(self.before)
        if self.primary is not None:  # `_canBeAddPrimaryKey`: no inline key beside .primary()
            for column in self.columns:
                text, at = column.sql[2]
                column.sql[2] = (text.removesuffix(" primary key"), at)
        if self.create:
            sql = out.sql(self.call)
            sql.add(f"create table {'if not exists ' if if_not else ''}", where)
            sql.add(self.quoted, self.call.args[0]).add(" (", where)
            for k, column in enumerate(self.columns):
                sql.add(", " if k else "", where)
                for text, at in column.sql:
                    sql.add(text, at)
            if self.primary is not None:
                names, at = self.primary
                sql.add(f", constraint {quote(self.name + '_pkey')} primary key ", at)
                sql.add(f"({_columns(names)})", at)
            for check, call in self.checks:
                sql.add(f", {check}", name_span(call))
            sql.add(")", where)
            if self.inherits is not None:
                parent, call = self.inherits
                sql.add(f" inherits ({quote(parent)})", name_span(call))
            if self.comment is not None:
                out.statements.append(self.comment)
        elif self.columns:
            sql = out.sql(self.call).add(f"alter table {self.quoted} ", where)
            for k, column in enumerate(self.columns):
                sql.add(", " if k else "", where).add("add column ", column.at)
                for text, at in column.sql:
                    sql.add(text, at)
            if self.primary is not None:
                names, at = self.primary
                out.sql(at).add(
                    f"alter table {self.quoted} add constraint {quote(self.name + '_pkey')} "
                    f"primary key ({_columns(names)})",
                    at,
                )
        for column, alter in self.altered:
            self._alter(column, alter)
        out.statements.extend(sql for _, sql in sorted(self.queries, key=lambda q: q[0]))
        out.statements.extend(self.after)
        if self.comment is not None and not self.create:
            out.statements.append(self.comment)

    def _statement(self, calls: list[js.Call]) -> None:
        first = calls[0]
        name = js.method(first)
        args = first.args
        if name in ("index", "unique", "primary", "foreign"):
            self._constraint(name, first, calls[1:])
            return
        if name in ("dropColumn", "dropColumns", "renameColumn", "dropIndex", "dropUnique",
                    "dropForeign", "dropPrimary", "dropTimestamps"):  # fmt: skip
            self._drop(name, first)
            return
        if name == "timestamps":
            self._timestamps(first)
            return
        if name == "check":
            self._check(first)
            return
        if name == "comment":
            self._table_comment(first)
            return
        if name in ("engine", "charset", "collate"):
            return  # MySQL's table options: knex's PostgreSQL dialect sends nothing for them
        if name == "inherits" and self.create and js.text_of(args[0] if args else None):
            self.inherits = (js.text_of(args[0]) or "", first)
            return
        column = js.text_of(args[0] if args else None)
        if column is None and name in ("increments", "bigIncrements"):
            column = "id"
        if column is None:
            target = args[0] if args else first
            self.out.not_read(target, f"`{name}(...)`'s column name")
            return
        sql_type = self._type(name, first, column)
        if sql_type is None:
            self.out.not_read(first, f"`.{name}(...)` (a column type not translated)")
            return
        # A type written as a string (`specificType('tags', 'text[]')`) is pointed at there.
        type_at = args[1] if name == "specificType" else name_span(first)
        parts: list[tuple[str, js.Value | tuple[int, int]]] = [
            (quote(column), args[0] if args else first),
            (" ", type_at),
            (sql_type, type_at),
        ]
        increments = name in ("increments", "bigIncrements")
        alter = any(js.method(c) == "alter" for c in calls[1:])
        nullable, default = "", None
        checks: list[tuple[str, js.Call]] = []  # inline, in knex's modifier order
        for modifier in calls[1:]:
            m = js.method(modifier)
            margs = modifier.args
            if m in ("notNullable", "notNull") or (m == "nullable" and _false(margs)):
                nullable = "not null"
            elif m == "nullable":
                nullable = "null"
            elif m in ("defaultTo", "default", "defaultsTo"):
                default = self._default(modifier, name)
            elif m == "comment":
                self._comment(column, modifier, alter)
            elif m in COLUMN_CHECKS:
                check = self._column_check(column, modifier, alter)
                if check is not None:
                    checks.append((check, modifier))
            elif m == "primary":
                self.primary = ([column], modifier)
            elif m == "unique":
                self._unique([column], js.text_of(margs[0] if margs else None), modifier)
            elif m == "index":
                index_name = js.text_of(margs[0] if margs else None)
                self._index([column], index_name, margs[1] if len(margs) > 1 else None, modifier)
            elif m in ("references", "inTable"):
                continue  # read with the foreign key below
            elif m in ("onDelete", "onUpdate", "deferrable", "alter") or m in MYSQL_ONLY:
                continue
            else:
                self.out.not_read(modifier, f"`.{m}(...)` on column `{column}`")
        self._foreign_key(column, calls[1:])
        if not increments:
            if nullable:
                parts.append((" " + nullable, _find(calls, nullable)))
            if default is not None:
                parts.append((" default " + default[0], default[1]))
        parts += [(" " + check, name_span(call)) for check, call in sorted(checks, key=_order)]
        entry = _Column(column, first, parts)
        if alter:
            self.altered.append((entry, first))
        else:
            self.columns.append(entry)

    def _check(self, call: js.Call) -> None:
        """`t.check(predicate, bindings, name)` as knex 3.3.0 writes it (tablecompiler.js):
        in createTable, `[constraint NAME ]check (PREDICATE)` after the columns and key, its
        bindings put in as `client.raw(predicate, bindings)` does; in alterTable, `alter table
        T add constraint NAME check(PREDICATE)`, an unnamed one named the quoted table name,
        `_` and its number (`"t"_1`, which PostgreSQL's grammar refuses), the predicate as
        given and its bindings dropped, so that the PostgreSQL client's `positionBindings`
        sends each `?` as `$1`, `$2`... with no value (said at the call). The name is written
        as given, unquoted."""
        args = call.args
        predicate = js.text_of(args[0] if args else None)
        bindings = args[1] if len(args) > 1 else None
        given = args[2] if len(args) > 2 else None
        named = js.text_of(given)
        if predicate is None:
            self.out.not_read(args[0] if args else call, "`check(...)`'s predicate")
            return
        if given is not None and named is None and not _falsy(given):
            self.out.not_read(given, "`check(...)`'s constraint name")
            return
        if not self.create:
            self._alter_check(call, predicate, named or None)
            return
        unbound = bindings is None or _falsy(bindings)
        if not unbound and isinstance(bindings, js.Arr):
            predicate = _bound(predicate, list(bindings.items))
        # (knex 3.3.0 throws for a `?` without its binding, and for bindings not an array.)
        if predicate is None or (not unbound and not isinstance(bindings, js.Arr)):
            self.out.not_read(call, "`check(...)` with bindings built at run time")
            return
        if unbound and "?" in predicate:
            self.out.not_read(call, "`check(...)` with a `?` and no bindings (knex throws)")
            return
        self.checks.append((f"{f'constraint {named} ' if named else ''}check ({predicate})", call))

    def _alter_check(self, call: js.Call, predicate: str, named: str | None) -> None:
        if named is None:
            self.unnamed += 1
            named = f"{self.quoted}_{self.unnamed}"
        sent, parameters = _positioned(predicate)
        self.after.append(
            Sql(call.start, call.end).add(
                f"alter table {self.quoted} add constraint {named} check({sent})", name_span(call)
            )
        )
        if parameters:
            self.out.warn(
                call,
                "alterTable's `check(...)` drops its bindings (knex 3.3.0 tablecompiler.js "
                "`check`): the predicate's `?` are sent as `$1`... with no value, which "
                "PostgreSQL refuses (42P02 there is no parameter $1); write the values in the "
                "predicate",
            )

    def _table_comment(self, call: js.Call) -> None:
        """`t.comment(text)`: `comment on table T is 'TEXT'`, the text written as given (knex
        3.3.0 pg-tablecompiler.js `comment`), right after createTable's statement, after all of
        alterTable's."""
        text = js.text_of(call.args[0] if call.args else None)
        if text is None:
            self.out.not_read(call.args[0] if call.args else call, "`comment(...)`'s text")
        else:
            self.comment = Sql(call.start, call.end).add(
                f"comment on table {self.quoted} is '{text}'", name_span(call)
            )

    def _comment(self, column: str, call: js.Call, alter: bool) -> None:
        """A column's `.comment(text)`: `comment on column T."c" is 'TEXT'` (a lone quote
        doubled; no text, NULL), one of the column's own statements (knex 3.3.0
        pg-columncompiler.js `comment`)."""
        arg = call.args[0] if call.args else None
        text = js.text_of(arg)
        if arg is not None and text is None and not _falsy(arg):
            self.out.not_read(arg, f"`.comment(...)`'s text on column `{column}`")
            return
        said = f"'{LONE_QUOTE.sub(chr(39) * 2, text)}'" if text else "NULL"
        sql = f"comment on column {self.quoted}.{quote(column)} is {said}"
        self.queries.append((alter, Sql(call.start, call.end).add(sql, name_span(call))))

    def _column_check(self, column: str, call: js.Call, alter: bool) -> str | None:
        """`.checkPositive()`, `.checkIn([...])`... as knex 3.3.0 writes them
        (columncompiler.js, pg-columncompiler.js `checkRegex`): inline `[constraint NAME ]check
        (PREDICATE)`; on an altered column (`.alter()`) a statement of its own, `alter table T
        add constraint NAME check(PREDICATE)`, an unnamed one `table_column_N` (the table's
        name as given). None when an argument is not a literal (said not read)."""
        m, args = js.method(call), call.args
        at = {"checkPositive": 0, "checkNegative": 0, "checkLength": 2}.get(m, 1)
        named = args[at] if len(args) > at else None
        name = js.text_of(named) if named is not None and not _falsy(named) else ""
        predicate = _check_predicate(m, quote(column), args)
        if predicate is None or name is None:
            self.out.not_read(call, f"`.{m}(...)` on column `{column}` (an argument not a literal)")
            return None
        if not alter:
            return f"{f'constraint {name} ' if name else ''}check ({predicate})"
        if not name:
            self.unnamed_columns[column] = self.unnamed_columns.get(column, 0) + 1
            name = f"{self.name}_{column}_{self.unnamed_columns[column]}"
        sql = f"alter table {self.quoted} add constraint {name} check({predicate})"
        self.queries.append((alter, Sql(call.start, call.end).add(sql, name_span(call))))
        return None

    def _type(self, name: str, call: js.Call, column: str) -> str | None:
        args = call.args
        if name == "increments":
            return "serial primary key" if _keyed(args) else "serial"
        if name == "bigIncrements":
            return "bigserial primary key" if _keyed(args) else "bigserial"
        if name == "string":
            length = _number(args[1] if len(args) > 1 else None, 255)
            return f"varchar({length})"
        if name in ("datetime", "timestamp"):
            return _timestamp(args[1] if len(args) > 1 else None)
        if name == "decimal":
            if len(args) > 1 and isinstance(args[1], js.Name) and args[1].name == "null":
                return "decimal"
            precision = _number(args[1] if len(args) > 1 else None, 8)
            scale = _number(args[2] if len(args) > 2 else None, 2)
            return f"decimal({precision}, {scale})"
        if name == "specificType":
            return js.text_of(args[1] if len(args) > 1 else None)
        if name in ("enu", "enum"):
            return self._enum(call, column)
        if name == "uuid" and len(args) > 1 and isinstance(args[1], js.Obj):
            return "uuid primary key" if _truthy(args[1].get("primaryKey")) else "uuid"
        return TYPES.get(name)

    def _enum(self, call: js.Call, column: str) -> str | None:
        args = call.args
        values = strings(args[1] if len(args) > 1 else None)
        options = args[2] if len(args) > 2 and isinstance(args[2], js.Obj) else None
        if options is not None and _truthy(options.get("useNative")):
            enum = js.text_of(options.get("enumName"))
            if enum is None:
                return None
            if values is not None and not _truthy(options.get("existingType")):
                body = ", ".join(literal(v) for v in values)
                self.before.append(
                    Sql(call.start, call.end).add(
                        f"create type {quote(enum)} as enum ({body})", name_span(call)
                    )
                )
            return quote(enum)
        if values is None:
            return None
        body = "', '".join(v.replace("'", "''") for v in values)
        return f"text check ({quote(column)} in ('{body}'))"

    def _default(self, call: js.Call, kind: str) -> tuple[str, js.Value] | None:
        """`.defaultTo(value)` as knex 3.3.0's `formatDefault` writes it: a boolean column's
        `'1'` or `'0'`, any other value as a string, escaped (a number `'0'`, true `'true'`)."""
        arg = call.args[0] if call.args else None
        boolean = kind in ("boolean", "bool")
        if isinstance(arg, js.Name) and arg.name in ("true", "false") and boolean:
            return ("'1'" if arg.name == "true" else "'0'"), arg
        if isinstance(arg, js.Str) and boolean:
            return ("'0'" if arg.text in ("", "false") else "'1'"), arg
        if isinstance(arg, js.Name) and arg.name in ("true", "false"):
            return f"'{arg.name}'", arg
        if isinstance(arg, js.Num):
            return f"'{_number_text(arg.number)}'", arg
        if isinstance(arg, js.Str):
            return _escaped(arg) or "", arg
        if isinstance(arg, js.Name) and arg.name == "null":
            return "null", arg
        if isinstance(arg, js.Call):
            callee = js.dotted(arg.callee) or ""
            if callee.endswith(".fn.now"):
                return "CURRENT_TIMESTAMP", arg
            raw = js.text_of(arg.args[0] if arg.args else None)
            if callee.endswith(".raw") and raw is not None:
                return raw, arg
        self.out.not_read(arg or call, "`.defaultTo(...)`'s value")
        return "null", arg or call

    def _foreign_key(self, column: str, modifiers: list[js.Call]) -> None:
        references = next((c for c in modifiers if js.method(c) == "references"), None)
        if references is None:
            return
        target = js.text_of(references.args[0] if references.args else None)
        in_table = next((c for c in modifiers if js.method(c) == "inTable"), None)
        table = js.text_of(in_table.args[0] if in_table and in_table.args else None)
        if target is not None and table is None and "." in target:
            table, target = target.rsplit(".", 1)
        if target is None or table is None:
            self.out.not_read(references, f"`.references(...)` on column `{column}`")
            return
        actions = self._actions(modifiers)
        self._key([column], table, [target], None, actions, references)

    def _actions(self, calls: list[js.Call]) -> str:
        out = ""
        for word in ("onUpdate", "onDelete"):
            call = next((c for c in calls if js.method(c) == word), None)
            action = js.text_of(call.args[0] if call and call.args else None)
            if action:
                out += f" on {'update' if word == 'onUpdate' else 'delete'} {action}"
        return out

    def _key(
        self,
        columns: list[str],
        table: str,
        targets: list[str],
        name: str | None,
        actions: str,
        at: js.Value,
    ) -> None:
        key = quote(name or _index_name(self.name, columns, "foreign"))
        self.after.append(
            Sql(at.start, at.end).add(
                f"alter table {self.quoted} add constraint {key} foreign key "
                f"({_columns(columns)}) references {quote(table)} "
                f"({_columns(targets)}){actions}",
                at,
            )
        )

    def _constraint(self, name: str, call: js.Call, rest: list[js.Call]) -> None:
        args = call.args
        columns = strings(args[0] if args else None)
        if columns is None:
            self.out.not_read(args[0] if args else call, f"`{name}(...)`'s columns")
            return
        second = args[1] if len(args) > 1 else None
        if name == "primary":
            self.primary = (columns, call)
        elif name == "unique":
            index_name = js.text_of(second)
            if isinstance(second, js.Obj):
                index_name = js.text_of(second.get("indexName"))
            self._unique(columns, index_name, call, second)
        elif name == "index":
            options = args[2] if len(args) > 2 else None
            index_name = js.text_of(second)
            if isinstance(second, js.Obj):  # index(columns, { indexName, indexType })
                options, index_name = second, js.text_of(second.get("indexName"))
            self._index(columns, index_name, options, call)
        else:  # foreign(columns).references(...).inTable(...)
            references = next((c for c in rest if js.method(c) == "references"), None)
            targets = strings(references.args[0] if references and references.args else None)
            in_table = next((c for c in rest if js.method(c) == "inTable"), None)
            table = js.text_of(in_table.args[0] if in_table and in_table.args else None)
            if targets and table is None and len(targets) == 1 and "." in targets[0]:
                table, target = targets[0].rsplit(".", 1)
                targets = [target]
            if targets is None or table is None:
                self.out.not_read(call, "`foreign(...)` without a literal target")
                return
            self._key(columns, table, targets, js.text_of(second), self._actions(rest), call)

    def _unique(
        self, columns: list[str], name: str | None, at: js.Value, options: js.Value | None = None
    ) -> None:
        index = quote(name or _index_name(self.name, columns, "unique"))
        predicate = isinstance(options, js.Obj) and options.get("predicate") is not None
        use_constraint = not (isinstance(options, js.Obj) and options.get("useConstraint"))
        if isinstance(options, js.Obj) and isinstance(options.get("useConstraint"), js.Name):
            use_constraint = _truthy(options.get("useConstraint"))
        elif predicate:
            use_constraint = False
        if use_constraint:
            text = f"alter table {self.quoted} add constraint {index} unique ({_columns(columns)})"
        else:
            text = f"create unique index {index} on {self.quoted} ({_columns(columns)})"
        self.after.append(Sql(at.start, at.end).add(text, at))

    def _index(
        self, columns: list[str], name: str | None, options: js.Value | None, at: js.Value
    ) -> None:
        """`index(columns, name, 'gin')` or `index(columns, name, { indexType,
        storageEngineIndexType, predicate })`: the type is written where it is given."""
        unique, kind = "", options if isinstance(options, js.Str) else None
        if isinstance(options, js.Obj):
            given = options.get("storageEngineIndexType")
            kind = given if isinstance(given, js.Str) else None
            if (js.text_of(options.get("indexType")) or "").lower() == "unique":
                unique = " unique"
            if options.get("predicate") is not None:
                self.out.not_read(options, "the index's `predicate` (a query builder)")
        index = quote(name or _index_name(self.name, columns, "index"))
        sql = Sql(at.start, at.end).add(f"create{unique} index {index} on {self.quoted}", at)
        if kind is not None and kind.text:
            sql.add(f" using {kind.text}", kind)
        self.after.append(sql.add(f" ({_columns(columns)})", at))

    def _drop(self, name: str, call: js.Call) -> None:
        args = call.args
        first = js.text_of(args[0] if args else None)
        where = name_span(call)
        sql = Sql(call.start, call.end)
        if name in ("dropColumn", "dropColumns"):
            columns = [v for a in args if (v := js.text_of(a)) is not None]
            if len(columns) != len(args) or not columns:
                self.out.not_read(call, f"`{name}(...)`'s columns")
                return
            drops = ", ".join(f"drop column {quote(c)}" for c in columns)
            sql.add(f"alter table {self.quoted} {drops}", where)
        elif name == "renameColumn":
            to = js.text_of(args[1] if len(args) > 1 else None)
            if first is None or to is None:
                self.out.not_read(call, "`renameColumn(...)`'s names")
                return
            sql.add(f"alter table {self.quoted} rename {quote(first)} to {quote(to)}", where)
        elif name == "dropTimestamps":
            sql.add(
                f'alter table {self.quoted} drop column "created_at", drop column "updated_at"',
                where,
            )
        else:
            columns = strings(args[0] if args else None) or []
            suffix = {"dropIndex": "index", "dropUnique": "unique", "dropForeign": "foreign"}
            given = js.text_of(args[1] if len(args) > 1 else None)
            if name == "dropPrimary":
                constraint = quote(first or self.name + "_pkey")
            else:
                constraint = quote(given or _index_name(self.name, columns, suffix[name]))
            if name == "dropIndex":
                sql.add(f"drop index {constraint}", where)
            else:
                sql.add(f"alter table {self.quoted} drop constraint {constraint}", where)
        self.after.append(sql)

    def _timestamps(self, call: js.Call) -> None:
        args = call.args
        use_tz = not (args and isinstance(args[0], js.Name) and args[0].name == "true")
        camel = len(args) > 2 and _truthy(args[2])
        now = len(args) > 1 and _truthy(args[1])
        sql_type = "timestamptz" if use_tz else "timestamp"
        extra = " not null default CURRENT_TIMESTAMP" if now else ""
        where = name_span(call)
        for column in ("createdAt", "updatedAt") if camel else ("created_at", "updated_at"):
            # The shape of every column's parts (name, space, type, then options): the
            # primary-key and alter passes read the type at index 2.
            parts = [(quote(column), where), (" ", where), (sql_type, where)]
            if extra:
                parts.append((extra, where))
            self.columns.append(_Column(column, call, parts))

    def _alter(self, column: _Column, call: js.Call) -> None:
        """`.alter()`: Knex drops the default and NOT NULL, changes the type, then sets what
        the builder says."""
        where = name_span(call)
        head = f"alter table {self.quoted} alter column {quote(column.name)} "
        sql_type = column.sql[2][0]
        for text in ("drop default", "drop not null"):
            self.out.sql(call).add(head + text, where)
        self.out.sql(call).add(
            f"{head}type {sql_type} using ({quote(column.name)}::{sql_type})", where
        )
        for text, at in column.sql[3:]:
            words = text.strip()
            if words == "not null":
                self.out.sql(call).add(head + "set not null", at)
            elif words.startswith("default "):
                self.out.sql(call).add(head + "set " + words, at)


# A column's checks, in the order knex 3.3.0 writes its modifiers (after `nullable` and
# `defaultTo`; `comment` writes a statement of its own).
COLUMN_CHECKS = (
    "checkPositive", "checkNegative", "checkIn", "checkNotIn", "checkBetween", "checkLength",
    "checkRegex",
)  # fmt: skip
# Column modifiers of MySQL's column compiler: knex's PostgreSQL one has none of them, and
# sends nothing for them.
MYSQL_ONLY = {"unsigned", "first", "after", "collate"}
LONE_QUOTE = re.compile(r"(?<!')'(?!')")  # pg-columncompiler.js `commentEscapeRegex`
# The operators knex's `checkLength` takes (wrappingFormatter.js `operators`), as written.
OPERATORS = {
    "=", "<", ">", "<=", "<=>", ">=", "<>", "!=", "like", "not like", "between", "not between",
    "ilike", "not ilike", "exists", "not exist", "rlike", "not rlike", "regexp", "not regexp",
    "match", "&", "|", "^", "<<", ">>", "~", "~=", "~*", "!~", "!~*", "#", "&&", "@>", "<@",
    "||", "&<", "&>", "-|-", "@@", "!!", "?", "?|", "?&",
}  # fmt: skip


def _order(check: tuple[str, js.Call]) -> int:
    return COLUMN_CHECKS.index(js.method(check[1]))


def _check_predicate(method: str, column: str, args: tuple[js.Value, ...]) -> str | None:
    """The predicate of a column's check method, as knex 3.3.0 writes it; None when an
    argument is not a literal of the kind it takes."""
    first = args[0] if args else None
    if method in ("checkPositive", "checkNegative"):
        return f"{column} {'>' if method == 'checkPositive' else '<'} 0"
    if method in ("checkIn", "checkNotIn"):
        values = [_escaped(v) for v in first.items] if isinstance(first, js.Arr) else [None]
        if None in values:
            return None
        return f"{column} {'not ' if method == 'checkNotIn' else ''}in ({','.join(values)})"  # type: ignore[arg-type]
    if method == "checkBetween" and isinstance(first, js.Arr):
        pairs = first.items
        if len(pairs) == 2 and not any(isinstance(p, js.Arr) for p in pairs):
            pairs = (first,)
        bounds = [
            [_escaped(v) for v in p.items]
            if isinstance(p, js.Arr) and len(p.items) == 2
            else [None]
            for p in pairs
        ]
        if any(None in b for b in bounds):
            return None
        return " or ".join(f"{column} between {lo} and {hi}" for lo, hi in bounds)
    if method == "checkLength":
        operator = js.text_of(first)
        length = args[1] if len(args) > 1 else None
        if operator is None or operator.lower() not in OPERATORS or not isinstance(length, js.Num):
            return None
        return f"length({column}) {operator} {_number_text(length.number)}"
    if method == "checkRegex":
        regex = _escaped(first) if isinstance(first, js.Str) else None
        return None if regex is None else f"{column} ~ {regex}"
    return None


def _pair(value: js.Value) -> bool:
    return isinstance(value, js.Arr) and len(value.items) == 2


def _escaped(value: js.Value | None) -> str | None:
    """A value as knex's PostgreSQL client escapes it into SQL (`_escapeBinding`: a string
    quoted, its quotes and backslashes doubled, `E'...'` when it has a backslash; a number as
    JavaScript writes it); None for any other value."""
    if isinstance(value, js.Str):
        text = value.text
        escaped = "'" + text.replace("'", "''").replace("\\", "\\\\") + "'"
        return f"E{escaped}" if "\\" in text else escaped
    if isinstance(value, js.Num):
        return _number_text(value.number)
    return None


def _number_text(number: float) -> str:
    """A number as JavaScript's String(number) writes it."""
    return str(int(number)) if number.is_integer() and abs(number) < 1e21 else repr(number)


def _falsy(value: js.Value) -> bool:
    return (isinstance(value, js.Name) and value.name in ("undefined", "null", "false")) or (
        isinstance(value, js.Str) and not value.text
    )


def _false(args: tuple[js.Value, ...]) -> bool:
    """`nullable(false)`: knex's `nullable === false`."""
    return bool(args) and isinstance(args[0], js.Name) and args[0].name == "false"


def _columns(names: list[str]) -> str:
    return ", ".join(quote(n) for n in names)


def _index_name(table: str, columns: list[str], kind: str) -> str:
    """Knex's default name (tablecompiler's _indexCommand)."""
    stem = table.replace(".", "_").replace("-", "_")
    return f"{stem}_{'_'.join(columns)}_{kind}".lower()


def _keyed(args: tuple[js.Value, ...]) -> bool:
    options = args[1] if len(args) > 1 else None
    if isinstance(options, js.Obj) and options.get("primaryKey") is not None:
        return _truthy(options.get("primaryKey"))
    return True


def _truthy(value: js.Value | None) -> bool:
    return isinstance(value, js.Name) and value.name == "true"


def _number(value: js.Value | None, default: int) -> int:
    return int(value.number) if isinstance(value, js.Num) else default


def _timestamp(option: js.Value | None) -> str:
    use_tz, precision = True, ""
    if isinstance(option, js.Name) and option.name == "true":  # timestamp(name, withoutTz)
        use_tz = False
    elif isinstance(option, js.Obj):
        if isinstance(option.get("useTz"), js.Name):
            use_tz = _truthy(option.get("useTz"))
        given = option.get("precision")
        if isinstance(given, js.Num):
            precision = f"({int(given.number)})"
    return ("timestamptz" if use_tz else "timestamp") + precision


def _find(calls: list[js.Call], nullable: str) -> js.Value:
    wanted = "notNullable" if nullable == "not null" else "nullable"
    return next((c for c in calls if js.method(c) == wanted), calls[0])


_PLACE = re.compile(r"\\\?|\?\??")


_POSITION = re.compile(r"(\\*)\?")


def _positioned(sql: str) -> tuple[str, int]:
    """`sql` as knex's PostgreSQL client sends it (`positionBindings`): each `?` after an even
    run of backslashes (and the run) a `$N`, after an odd run a `?`; and the number of `$N`."""
    count = 0

    def put(match: re.Match[str]) -> str:
        nonlocal count
        if len(match.group(1)) % 2:
            return "?"
        count += 1
        return f"${count}"

    return _POSITION.sub(put, sql), count


def _bound(predicate: str, values: list[js.Value]) -> str | None:
    """`predicate` with its bindings put in as knex 3.3.0's `Raw` does (rawFormatter.js
    `replaceRawArrBindings`, the PostgreSQL client's `escapeString`): `??` a quoted name,
    `?` a value, `\\?` a `?`; None for a binding other than a string or a number, or a
    count that does not match (knex throws)."""
    rest = iter(values)
    failed = False

    def put(match: re.Match[str]) -> str:
        nonlocal failed
        if match.group() == "\\?":
            return "?"
        value = next(rest, None)
        if match.group() == "??" and isinstance(value, js.Str):
            return quote(value.text)
        escaped = _escaped(value) if match.group() == "?" else None
        if escaped is None:
            failed = True
            return ""
        return escaped

    bound = _PLACE.sub(put, predicate)
    return None if failed or next(rest, None) is not None else bound
