"""Alembic migrations (`versions/*.py`): the SQL `upgrade()` sends, read statically.

`op.execute("...")` and `op.execute(sa.text("..."))` are checked as written; every other
operation of Alembic 1.x that sends SQL (WRITERS: tables, columns, indexes with their keys' DESC
and NULLS, constraints added and dropped, table comments, bulk_insert's rows), called on `op` or
on a `batch_alter_table` block (which, on PostgreSQL, alters the table in place), as the
PostgreSQL SQLAlchemy writes for it (an integer primary key is SERIAL, an index a plain CREATE
INDEX unless `postgresql_concurrently=True`, a CHECK or FOREIGN KEY without NOT VALID).
`downgrade()` never runs forward. An operation or argument whose SQL is only known at run time
(a variable, a SQLAlchemy expression, `op.invoke`, a custom operation) is said where it is
(DSQL016, an error: it sends SQL no rule saw), with the way to get the exact SQL: `alembic
upgrade head --sql`.

Alembic's env.py runs the migrations inside `context.begin_transaction()`: one transaction
unless a statement sits in `with op.get_context().autocommit_block():`. That transaction spans
every revision of an `upgrade` unless env.py says `transaction_per_migration=True`
(alembic_env.py): the revisions of one run share `MappedSource.run`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.orm.alembic_env import Run, run_of
from dsql_lint.orm.mapped import Builder, Note, Transaction
from dsql_lint.orm.pyliterals import Piece, PyFile, constant, keyword, name_of, unparsable
from dsql_lint.syntax.source import STDIN, Source

FRAMEWORK = "Alembic migration"
BINDINGS = "sqlalchemy"  # op.execute runs a string as SQLAlchemy's text(): `:name` binds
OFFLINE = (
    "for the exact SQL, run `alembic upgrade head --sql > upgrade.sql` (offline mode) and "
    "`dsql-lint check upgrade.sql`"
)
REVISION = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.M)
DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*([^\n]*)$", re.M)
# SQLAlchemy type -> PostgreSQL, as its PostgreSQL dialect writes them.
TYPES = {
    "Integer": "INTEGER", "INTEGER": "INTEGER", "BigInteger": "BIGINT", "BIGINT": "BIGINT",
    "SmallInteger": "SMALLINT", "SMALLINT": "SMALLINT", "String": "VARCHAR", "VARCHAR": "VARCHAR",
    "Unicode": "VARCHAR", "Text": "TEXT", "TEXT": "TEXT", "UnicodeText": "TEXT",
    "Boolean": "BOOLEAN", "BOOLEAN": "BOOLEAN", "DateTime": "TIMESTAMP WITHOUT TIME ZONE",
    "TIMESTAMP": "TIMESTAMP", "Date": "DATE", "Time": "TIME", "Interval": "INTERVAL",
    "Numeric": "NUMERIC", "NUMERIC": "NUMERIC", "Float": "FLOAT", "REAL": "REAL",
    "Double": "DOUBLE PRECISION", "LargeBinary": "BYTEA", "BYTEA": "BYTEA", "JSON": "JSON",
    "JSONB": "JSONB", "UUID": "UUID", "Uuid": "UUID", "INET": "INET", "CIDR": "CIDR",
    "MONEY": "MONEY", "TSVECTOR": "TSVECTOR", "HSTORE": "HSTORE", "CITEXT": "CITEXT",
}  # fmt: skip
# The operations read here, each with its parameters in Alembic 1.x's order (op.pyi), the
# required ones first (their count the second item): an argument is found by position or by
# name, as Python binds it. Any other `op.` call is a DSQL016 finding, but for HELPERS.
WRITERS: dict[str, tuple[tuple[str, ...], int]] = {
    "execute": (("sqltext",), 1),
    "create_table": (("table_name",), 1),
    "add_column": (("table_name", "column"), 2),
    "alter_column": (("table_name", "column_name"), 2),
    "drop_column": (("table_name", "column_name"), 2),
    "drop_table": (("table_name",), 1),
    "rename_table": (("old_table_name", "new_table_name"), 2),
    "create_index": (("index_name", "table_name", "columns"), 3),
    "drop_index": (("index_name", "table_name"), 1),
    "create_unique_constraint": (("constraint_name", "table_name", "columns"), 3),
    "create_primary_key": (("constraint_name", "table_name", "columns"), 3),
    "create_check_constraint": (("constraint_name", "table_name", "condition"), 3),
    "create_foreign_key": (
        ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
        5,
    ),
    "create_exclude_constraint": (("constraint_name", "table_name"), 2),
    "drop_constraint": (("constraint_name", "table_name", "type_"), 2),
    "create_table_comment": (("table_name", "comment"), 2),
    "drop_table_comment": (("table_name",), 1),
    "bulk_insert": (("table", "rows"), 2),
}
# The keywords each operation's translation writes, or that send nothing (`existing_*`,
# `type_`, `info`, the table a drop_index names); any other is said not read at it (DSQL016).
# create_table and alter_column check their own.
KEYWORDS: dict[str, set[str]] = {
    "execute": {"execution_options"},
    "add_column": {"schema", "if_not_exists"},
    "drop_column": {"schema", "if_exists"},
    "drop_table": {"schema", "if_exists"},
    "rename_table": {"schema"},
    "create_index": {
        "unique", "schema", "if_not_exists", "postgresql_using", "postgresql_concurrently",
        "postgresql_where", "postgresql_include", "postgresql_ops", "info",
    },
    "drop_index": {"schema", "if_exists", "postgresql_concurrently"},
    "create_unique_constraint": {"schema", "deferrable", "initially"},
    "create_primary_key": {"schema"},
    "create_check_constraint": {"schema"},
    "create_foreign_key": {
        "ondelete", "onupdate", "deferrable", "initially", "match", "source_schema",
        "referent_schema",
    },
    "create_exclude_constraint": {"schema", "where", "using", "deferrable", "initially"},
    "drop_constraint": {"schema", "if_exists"},
    "create_table_comment": {"schema", "existing_comment"},
    "drop_table_comment": {"schema", "existing_comment"},
    "bulk_insert": {"multiinsert"},
}  # fmt: skip
# Where batch_alter_table's table goes in a `batch_op.` call's arguments (batch_op's name no
# table): the op's parameter that names it.
BATCH_TABLE = {
    "add_column": "table_name", "alter_column": "table_name", "drop_column": "table_name",
    "create_table_comment": "table_name", "drop_table_comment": "table_name",
    "create_index": "table_name", "drop_index": "table_name",
    "create_unique_constraint": "table_name", "create_primary_key": "table_name",
    "create_check_constraint": "table_name", "create_foreign_key": "source_table",
    "create_exclude_constraint": "table_name", "drop_constraint": "table_name",
}  # fmt: skip
# alter_column's keywords written here, or that send nothing (`existing_*` only describe the
# column) (alembic 1.x ddl/impl.py `alter_column`, ddl/postgresql.py).
ALTER_COLUMN_KEYWORDS = {
    "type_", "postgresql_using", "nullable", "server_default", "comment", "new_column_name",
    "schema", "existing_type", "existing_nullable", "existing_server_default",
    "existing_comment", "existing_autoincrement",
}  # fmt: skip
HELPERS = {"f", "get_context", "get_bind", "batch_alter_table"}
SERIALS = {"INTEGER": "SERIAL", "BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}
HINTS = {
    "serial-column": (
        "SQLAlchemy writes an integer primary key as SERIAL: use `sa.Column('id', sa.BigInteger,"
        " sa.Identity(cache=1), primary_key=True)` or a UUID key with "
        "`server_default=sa.text('gen_random_uuid()')`."
    ),
    "index-without-async": (
        "Write the index as `op.execute('CREATE INDEX ASYNC ...')` inside `with "
        "op.get_context().autocommit_block():` (op.create_index, concurrently or not, is "
        "refused by DSQL)."
    ),
    "multiple-ddl-in-transaction": (
        "Alembic runs the migrations in one transaction: put each DDL in "
        "`with op.get_context().autocommit_block():` (`transaction_per_migration=True` is not "
        "enough: alembic_version's row is written in each revision's transaction, DSQL406)."
    ),
}
HINTS["create-type"] = (
    "Use `sa.Enum(..., native_enum=False)` (SQLAlchemy writes a VARCHAR, with a CHECK if "
    "`create_constraint=True`) or `sa.String`: DSQL has no enum types."
)
HINTS["ddl-with-dml-in-transaction"] = HINTS["multiple-ddl-in-transaction"]
# The operations that add a constraint to an existing table write no NOT VALID and take no
# option for it: the way out is the SQL, in Alembic's terms.
VALIDATE = (
    "`op.{op}` writes no NOT VALID: write `op.execute('ALTER TABLE t ADD CONSTRAINT name {kind} "
    "NOT VALID')`, then in `with op.get_context().autocommit_block():` "
    "`op.execute('ALTER TABLE ASYNC t VALIDATE CONSTRAINT name')`."
)
HINTS["add-check-without-not-valid"] = VALIDATE.format(
    op="create_check_constraint", kind="CHECK (...)"
)
HINTS["add-foreign-key-without-not-valid"] = VALIDATE.format(
    op="create_foreign_key", kind="FOREIGN KEY (...) REFERENCES ..."
)
HINTS["orm-call-not-read"] = (
    "Write that part with strings and literals (the SQL itself: `op.execute('...')`), or check "
    "the SQL Alembic sends: `alembic upgrade head --sql > upgrade.sql` and `dsql-lint check "
    "upgrade.sql`."
)
HINTS["add-unique-or-primary-key"] = (
    "DSQL adds no PRIMARY KEY or UNIQUE constraint to an existing table (`op.create_primary_key`,"
    " `op.create_unique_constraint`): declare the key in `op.create_table`; for UNIQUE, "
    "`op.execute('CREATE UNIQUE INDEX ASYNC name ON t (c)')` in an autocommit block."
)
PER_MIGRATION = (
    "env.py sets `transaction_per_migration=True`, so Alembic runs each revision in a "
    "transaction of its own, with its alembic_version row (DSQL406): put each DDL in `with "
    "op.get_context().autocommit_block():`."
)
RUN_HINT = (
    "Alembic runs every pending revision of an upgrade in one transaction ({why}), so this "
    "revision's statements join the transaction begun in {{earlier}}: put each DDL in `with "
    "op.get_context().autocommit_block():` (`transaction_per_migration=True` is not enough: "
    "each revision's transaction also writes its alembic_version row, DSQL406)."
)


def is_alembic(text: str) -> bool:
    return "from alembic import" in text and "def upgrade" in text


def ordered(paths: list[Path]) -> list[Path]:
    """Revisions in the order Alembic runs them: each after its `down_revision` (a merge
    revision after all of its parents), ties and unreadable files by name."""
    parents: dict[Path, set[str]] = {}
    ids: dict[str, Path] = {}
    for path in sorted(paths):
        text = path.read_text(encoding="utf-8", errors="replace")
        revision = REVISION.search(text)
        down = DOWN_REVISION.search(text)
        if revision:
            ids[revision.group(1)] = path
        parents[path] = set(re.findall(r"""["']([^"']+)["']""", down.group(1))) if down else set()
    out: list[Path] = []
    done: set[Path] = set()
    while len(out) < len(paths):
        ready = [
            p
            for p in parents
            if p not in done and all(ids.get(r) in done or r not in ids for r in parents[p])
        ]
        if not ready:  # a cycle: the rest by name
            ready = [p for p in parents if p not in done]
        out.append(ready[0])
        done.add(ready[0])
    return out


def read(source: Source) -> Source:
    try:
        file = PyFile(source.text)
    except (SyntaxError, ValueError) as err:
        return unparsable(source, err)
    reader = _Reader(file)
    upgrade = next(
        (n for n in file.tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"),
        None,
    )
    if upgrade is not None:
        reader.run(upgrade)
    notes = list(reader.notes)
    run = run_of(Path(source.path)) if source.path != STDIN else None
    hints = dict(HINTS)
    if run is not None and run.per_migration:
        hints |= {k: PER_MIGRATION for k in HINTS if "transaction" in k}
    if not reader.tx.opened:
        hints = {k: v for k, v in hints.items() if "transaction" not in k}
    if run is None or run.per_migration is not False:
        return reader.build.source(source, FRAMEWORK, notes, hints)
    return reader.build.source(source, FRAMEWORK, notes, hints, f"alembic {run.env}", _why(run))


class _Reader:
    def __init__(self, file: PyFile) -> None:
        self.file = file
        self.build = Builder(BINDINGS)
        self.tx = Transaction(self.build)
        self.notes: list[Note] = []

    def run(self, function: ast.FunctionDef) -> None:
        autocommit = [
            self.file.span(node)
            for node in ast.walk(function)
            if isinstance(node, ast.With)
            and any(
                isinstance(item.context_expr, ast.Call)
                and name_of(item.context_expr.func) == "autocommit_block"
                for item in node.items
            )
        ]
        batches = [
            _Batch(item.optional_vars.id, item.context_expr, *self.file.span(node))
            for node in ast.walk(function)
            if isinstance(node, ast.With)
            for item in node.items
            if isinstance(item.context_expr, ast.Call)
            and name_of(item.context_expr.func) == "batch_alter_table"
            and isinstance(item.optional_vars, ast.Name)
        ]
        receivers = {"op"} | {batch.alias for batch in batches}
        calls = [
            node
            for node in ast.walk(function)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and name_of(node.func.value) in receivers
        ]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            start, end = self.file.span(call)
            self.tx.wrapped = not any(lo <= start < hi for lo, hi in autocommit)
            alias = name_of(call.func.value)  # type: ignore[attr-defined]
            batch = next(
                (b for b in batches if b.alias == alias and b.start <= start < b.end), None
            )
            if alias == "op" or batch is not None:
                self.call(call, start, end, batch)
        self.tx.close(len(self.file.text) - 1, len(self.file.text))

    def unread(self, node: ast.AST, what: str) -> None:
        self.notes.append(
            Note(
                *self.file.span(node),
                f"{FRAMEWORK}: {what} is not read, so the SQL it sends is not checked; {OFFLINE}",
                unread=True,
            )
        )

    def call(self, call: ast.Call, start: int, end: int, batch: _Batch | None) -> None:
        name = name_of(call.func)
        if name not in WRITERS:
            if name not in HELPERS:
                self.unread(call, f"`{name}(...)` (an operation not translated)")
            return
        try:
            args = _arguments(call, name, batch)
            if name == "execute":
                pieces = self.file.pieces(args["sqltext"])
                if pieces is None:
                    raise _Unread(args["sqltext"], _RUN_TIME)
            else:
                pieces = self.translated(name, args, start, end)
        except _Unread as err:
            self.unread(err.node, err.what)
            return
        for given in call.keywords if name in KEYWORDS else ():
            if given.arg not in WRITERS[name][0] and given.arg not in KEYWORDS[name]:
                self.unread(given, f"`{name}(...)`'s `{given.arg}=`")
        self.tx.write(start, end)
        if name == "execute":
            self.build.statement(pieces, end, self.file.literals(args["sqltext"]))
            return
        if name == "create_table":
            self.create_table(call, start, end)
        elif name == "add_column":
            add = "ADD COLUMN IF NOT EXISTS " if _flag(args, "if_not_exists") else "ADD COLUMN "
            self.build.add(f"ALTER TABLE {_table(args, 'table_name')} {add}", start, end)
            self.column(args["column"], serial=False)
            self.build.add(";\n", end - 1, end)
        elif name == "alter_column":
            self.alter_column(call, args, start, end)
        for text, at, to in pieces:
            # Words written for an argument or the call stand for all of it: a finding on them
            # is shown there, not on the character its offset in the SQL would land on.
            self.build.add(text, at, to, whole=self.file.text[at:to] != text)

    def translated(self, name: str, args: dict[str, ast.expr], start: int, end: int) -> list[Piece]:
        """The statement an operation sends as pieces of SQL, each anchored to the argument
        that writes it (the call, for the words Alembic adds); [] for the operations written
        by a method of their own."""
        here = (start, end)
        if name in ("create_table", "add_column", "alter_column"):
            if name == "add_column" and not isinstance(args["column"], ast.Call):
                raise _Unread(args["column"], "a column not written as `sa.Column(...)`")
            return []
        if name == "bulk_insert":
            return self.bulk_insert(args, here)
        if name == "create_index":
            return _create_index(args, self.file.span, here)
        if name == "create_check_constraint":
            condition = args["condition"]
            pieces = self.file.pieces(condition)
            if pieces is None:
                raise _Unread(condition, "a condition not written as a string or `sa.text(...)`")
            head = f"ALTER TABLE {_table(args, 'table_name')} ADD {_constraint(args)}CHECK ("
            return [(head, *here), *pieces, (");\n", end - 1, end)]
        return [(_altered(name, args), *here)]

    def bulk_insert(self, args: dict[str, ast.expr], here: tuple[int, int]) -> list[Piece]:
        """One INSERT per row, as Alembic sends `bulk_insert` offline (`--sql`) and as the
        driver's executemany sends its rows: columns in the `sa.table(...)`'s order."""
        table, rows = self.table_of(args["table"]), args["rows"]
        if table is None:
            raise _Unread(args["table"], "a table not written as `sa.table(...)`")
        if not isinstance(rows, (ast.List, ast.Tuple)):
            raise _Unread(rows, "rows not written as a list of dicts")
        name, columns = table
        out: list[Piece] = []
        for row in rows.elts:
            if not isinstance(row, ast.Dict) or None in row.keys:
                raise _Unread(row, "a row not written as a dict")
            given = {str(constant(k)): v for k, v in zip(row.keys, row.values, strict=True)}
            names = [c for c in columns if c in given] + [c for c in given if c not in columns]
            out.append((f"INSERT INTO {name} ({', '.join(_quoted(c) for c in names)}) ", *here))
            out.append(("VALUES (", *self.file.span(row)))
            for index, column in enumerate(names):
                out.append((", " if index else "", *self.file.span(row)))
                out.append((_literal(given[column]), *self.file.span(given[column])))
            out.append((");\n", *self.file.span(row)))
        return out

    def table_of(self, node: ast.expr) -> tuple[str, list[str]] | None:
        """`sa.table("t", sa.column("c"), ..., schema=...)`, written there or assigned to the
        name given: the table's name and its columns."""
        if isinstance(node, ast.Name):
            node = next(
                (
                    n.value
                    for n in ast.walk(self.file.tree)
                    if isinstance(n, ast.Assign)
                    and [name_of(t) for t in n.targets] == [node.id]
                    and isinstance(n.targets[0], ast.Name)
                ),
                node,
            )
        if not (isinstance(node, ast.Call) and name_of(node.func) == "table" and node.args):
            return None
        if not isinstance(constant(node.args[0]), str):
            return None
        columns = [
            str(constant(c.args[0]))
            for c in node.args[1:]
            if isinstance(c, ast.Call) and name_of(c.func) == "column" and c.args
        ]
        return _table({"t": node.args[0], "schema": keyword(node, "schema")}, "t"), columns

    def create_table(self, call: ast.Call, start: int, end: int) -> None:
        columns = [
            a for a in call.args[1:] if isinstance(a, ast.Call) and name_of(a.func) == "Column"
        ]
        keys = {
            str(constant(k))
            for a in call.args[1:]
            if isinstance(a, ast.Call) and name_of(a.func) == "PrimaryKeyConstraint"
            for k in a.args
        }
        keys |= {str(constant(c.args[0])) for c in columns if constant(keyword(c, "primary_key"))}
        for column in columns:
            self.enum_type(column)
        self.build.add(f'CREATE TABLE "{constant(call.args[0])}" (', start, end)
        for index, column in enumerate(columns):
            self.build.add(",\n    " if index else "\n    ", *self.file.span(column))
            serial = len(keys) == 1 and column.args and constant(column.args[0]) in keys
            self.column(column, serial=bool(serial))
        if keys:
            names = ", ".join(f'"{k}"' for k in sorted(keys))
            self.build.add(f",\n    PRIMARY KEY ({names})", start, end)
        self.build.add("\n);\n", end - 1, end)

    def column(self, column: ast.expr, serial: bool) -> None:
        """`sa.Column('name', sa.Type(...), ...)` as SQLAlchemy writes it for PostgreSQL."""
        if not isinstance(column, ast.Call) or not column.args:
            self.build.add('"_" TEXT', *self.file.span(column))
            return
        name = constant(column.args[0])
        kind = _column_type(column)
        sql = _type(kind)
        identity = next(
            (a for a in column.args if isinstance(a, ast.Call) and name_of(a.func) == "Identity"),
            None,
        )
        automatic = constant(keyword(column, "autoincrement")) is not False
        if serial and automatic and identity is None and sql in SERIALS:
            sql = SERIALS[sql]
        where = self.file.span(kind) if kind is not None else self.file.span(column)
        self.build.add(f'"{name}" ', *self.file.span(column))
        self.build.add(sql, *where)
        if identity is not None:
            cache = constant(keyword(identity, "cache"))
            sql = "GENERATED BY DEFAULT AS IDENTITY" + (f" (CACHE {cache})" if cache else "")
            self.build.add(" ", *self.file.span(column))
            self.build.add(sql, *self.file.span(identity))
        server_default = keyword(column, "server_default")
        if server_default is not None and not _is_none(server_default):
            where = self.file.span(server_default)
            self.build.add(f" DEFAULT {_server_default(server_default)}", *where)
        if constant(keyword(column, "nullable")) is False:
            self.build.add(" NOT NULL", *self.file.span(column))

    def enum_type(self, column: ast.expr) -> None:
        """The CREATE TYPE SQLAlchemy sends before a table with a native `sa.Enum` column."""
        kind = _column_type(column)
        if not _native_enum(kind):
            return
        assert isinstance(kind, ast.Call)
        values = ", ".join(f"'{constant(a)}'" for a in kind.args if isinstance(constant(a), str))
        name = constant(keyword(kind, "name"))
        self.build.add(f'CREATE TYPE "{name}" AS ENUM ({values});\n', *self.file.span(kind))

    def alter_column(self, call: ast.Call, args: dict[str, ast.expr], start: int, end: int) -> None:
        """One statement per change, in the order Alembic's PostgreSQL implementation sends
        them: the type (USING from `postgresql_using`), NOT NULL, the default, the comment,
        the name. A keyword that would change the SQL and is not written here is said."""
        for given in call.keywords:
            if given.arg is None or given.arg not in ALTER_COLUMN_KEYWORDS:
                said = f"`{given.arg}=`" if given.arg else "`**` keywords"
                self.unread(given, f"`alter_column(...)`'s {said}")
        table, column = _table(args, "table_name"), _quoted(constant(args["column_name"]))
        head = f"ALTER TABLE {table} ALTER COLUMN {column} "
        kind = keyword(call, "type_")
        if kind is not None:
            using = constant(keyword(call, "postgresql_using"))
            tail = f" USING {using}" if isinstance(using, str) else ""
            self.build.add(f"{head}TYPE {_type(kind)}{tail};\n", start, end)
        nullable = constant(keyword(call, "nullable"))
        if isinstance(nullable, bool):
            self.build.add(f"{head}{'DROP' if nullable else 'SET'} NOT NULL;\n", start, end)
        default = keyword(call, "server_default")
        if default is not None:
            how = "DROP DEFAULT" if _is_none(default) else f"SET DEFAULT {_server_default(default)}"
            self.build.add(f"{head}{how};\n", start, end)
        comment = keyword(call, "comment")
        said = constant(comment)
        if isinstance(comment, ast.Constant) and (said is None or isinstance(said, str)):
            value = "NULL" if said is None else "'" + said.replace("'", "''") + "'"  # None drops it
            self.build.add(f"COMMENT ON COLUMN {table}.{column} IS {value};\n", start, end)
        elif comment is not None:
            self.unread(comment, "a comment not written as a string")
        new_name = constant(keyword(call, "new_column_name"))
        if isinstance(new_name, str):
            self.build.add(f'ALTER TABLE {table} RENAME {column} TO "{new_name}";\n', start, end)


def _why(run: Run) -> str:
    if run.found:
        said = f"`context.configure()` in {run.env.parent.name}/env.py"
        return RUN_HINT.format(why=f"{said} has no `transaction_per_migration=True`")
    return RUN_HINT.format(why="as Alembic's env.py templates run it; no env.py was found")


def _column_type(column: ast.expr) -> ast.expr | None:
    if not isinstance(column, ast.Call) or not column.args:
        return None
    return column.args[1] if len(column.args) > 1 else keyword(column, "type_")


def _native_enum(kind: ast.expr | None) -> bool:
    """An Enum that PostgreSQL gets as a type of its own (not `native_enum=False`, which is
    a VARCHAR), created with the table (not `create_type=False`)."""
    return (
        isinstance(kind, ast.Call)
        and name_of(kind.func) in ("Enum", "ENUM")
        and isinstance(constant(keyword(kind, "name")), str)
        and constant(keyword(kind, "native_enum")) is not False
        and constant(keyword(kind, "create_type")) is not False
    )


def _type(node: ast.expr | None) -> str:
    if node is None:
        return "TEXT"
    call = node if isinstance(node, ast.Call) else None
    name = name_of(call.func if call else node)
    if name in ("Enum", "ENUM") and call is not None:
        label = constant(keyword(call, "name"))
        native = constant(keyword(call, "native_enum")) is not False
        return f'"{label}"' if native and isinstance(label, str) else "VARCHAR"
    if name == "ARRAY" and call is not None and call.args:
        return _type(call.args[0]) + "[]"
    sql = TYPES.get(name, "TEXT")
    sizes = [str(constant(a)) for a in (call.args if call else []) if isinstance(constant(a), int)]
    if name == "DateTime" and call is not None and constant(keyword(call, "timezone")):
        return "TIMESTAMP WITH TIME ZONE"
    return f"{sql}({', '.join(sizes)})" if sizes and sql in ("VARCHAR", "NUMERIC") else sql


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _server_default(node: ast.expr) -> str:
    """`server_default=` as SQLAlchemy writes it: `text()` as written, `sa.true()` and
    `sa.false()` as the words, a `func.` call by its name, a string quoted."""
    if isinstance(node, ast.Call) and name_of(node.func) == "text" and node.args:
        return str(constant(node.args[0]))
    if isinstance(node, ast.Call) and name_of(node.func) in ("true", "false"):
        return name_of(node.func)
    if isinstance(node, ast.Call):
        return f"{name_of(node.func)}()"
    value = constant(node)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _name(node: ast.expr | None) -> str | None:
    """A table, index or constraint name: a string, or `op.f("name")`; None for anything
    else."""
    if isinstance(node, ast.Call) and name_of(node.func) == "f" and node.args:
        node = node.args[0]
    value = constant(node)
    return value if isinstance(value, str) else None


def _columns(node: ast.expr) -> str:
    items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    return ", ".join(_quoted(_string(item, "a column name")) for item in items)


_RUN_TIME = "SQL built at run time (a variable, an f-string or a SQLAlchemy expression)"


class _Unread(Exception):
    """An argument whose SQL cannot be read from the file: the operation is said, at it."""

    def __init__(self, node: ast.AST, what: str) -> None:
        super().__init__(what)
        self.node = node
        self.what = what


@dataclass(frozen=True)
class _Batch:
    """`with op.batch_alter_table(...) as alias:`, whose calls name no table."""

    alias: str
    call: ast.Call
    start: int
    end: int


def _arguments(call: ast.Call, name: str, batch: _Batch | None) -> dict[str, ast.expr]:
    """The call's arguments by parameter name, as Python binds them (positional ones past the
    parameters, create_exclude_constraint's elements, under "*"); a batch's table and schema
    where the op's would be."""
    params, required = WRITERS[name]
    if batch is not None:
        if constant(keyword(batch.call, "recreate")) == "always":
            raise _Unread(
                call, 'an operation of a batch that copies the table (`recreate="always"`)'
            )
        params = tuple(p for p in params if p != BATCH_TABLE.get(name))
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise _Unread(call, f"`{name}(...)` with `*` or `**` arguments")
    args: dict[str, ast.expr] = dict(zip(params, call.args, strict=False))
    args["*"] = ast.Tuple(elts=call.args[len(params) :])
    args |= {k.arg: k.value for k in call.keywords if k.arg is not None}
    if batch is not None and name in BATCH_TABLE:
        args[BATCH_TABLE[name]] = keyword(batch.call, "table_name", 0) or ast.Constant(None)
        schema = keyword(batch.call, "schema")
        if schema is not None:
            args["source_schema" if name == "create_foreign_key" else "schema"] = schema
    missing = [p for p in WRITERS[name][0][:required] if p not in args]
    if missing:
        raise _Unread(call, f"`{name}(...)` without its `{missing[0]}`")
    return args


def _flag(args: dict[str, ast.expr], name: str) -> bool:
    return constant(args.get(name)) is True


def _quoted(name: object) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _table(args: dict[str, ast.expr], key: str, schema: str = "schema") -> str:
    """The table the argument `key` names, qualified by the `schema` argument."""
    node = args[key]
    name = _name(node)
    if name is None:
        raise _Unread(node, "a name not written as a string")
    qualifier = constant(args.get(schema))
    return (f"{_quoted(qualifier)}." if isinstance(qualifier, str) else "") + _quoted(name)


def _constraint(args: dict[str, ast.expr]) -> str:
    """`CONSTRAINT "name" `, or nothing for a constraint named None (PostgreSQL names it)."""
    node = args["constraint_name"]
    if _is_none(node):
        return ""
    name = _name(node)
    if name is None:
        raise _Unread(node, "a constraint name not written as a string or `op.f(...)`")
    return f"CONSTRAINT {_quoted(name)} "


def _timing(args: dict[str, ast.expr]) -> str:
    """A constraint's DEFERRABLE and INITIALLY, as SQLAlchemy writes them."""
    deferrable, initially = constant(args.get("deferrable")), constant(args.get("initially"))
    out = ""
    if isinstance(deferrable, bool):
        out += " DEFERRABLE" if deferrable else " NOT DEFERRABLE"
    return out + (f" INITIALLY {initially}" if isinstance(initially, str) else "")


def _altered(name: str, args: dict[str, ast.expr]) -> str:
    """The statement of an operation whose arguments are all names, lists of names and
    keywords, as Alembic's PostgreSQL implementation writes it (alembic 1.x ddl/base.py and
    SQLAlchemy's DDLCompiler; checked against `alembic upgrade --sql` of alembic 1.20.1 with
    SQLAlchemy 2.1.9)."""
    exists = " IF EXISTS" if _flag(args, "if_exists") else ""
    if name == "drop_table":
        return f"DROP TABLE{exists} {_table(args, 'table_name')};\n"
    if name == "drop_index":
        how = " CONCURRENTLY" if _flag(args, "postgresql_concurrently") else ""
        return f"DROP INDEX{how}{exists} {_table(args, 'index_name')};\n"
    if name == "drop_column":
        column = _quoted(_string(args["column_name"], "a column name"))
        return f"ALTER TABLE {_table(args, 'table_name')} DROP COLUMN{exists} {column};\n"
    if name == "rename_table":
        new = _quoted(_string(args["new_table_name"], "a table name"))
        return f"ALTER TABLE {_table(args, 'old_table_name')} RENAME TO {new};\n"
    if name in ("create_table_comment", "drop_table_comment"):
        text = constant(args.get("comment"))
        if name == "create_table_comment" and not isinstance(text, str):
            raise _Unread(args["comment"], "a comment not written as a string")
        value = "'" + text.replace("'", "''") + "'" if isinstance(text, str) else "NULL"
        return f"COMMENT ON TABLE {_table(args, 'table_name')} IS {value};\n"
    if name == "drop_constraint":
        constraint = _name(args["constraint_name"])
        if constraint is None:
            raise _Unread(args["constraint_name"], "a constraint name not written as a string")
        drop = f"DROP CONSTRAINT{exists} {_quoted(constraint)}"
        return f"ALTER TABLE {_table(args, 'table_name')} {drop};\n"
    if name == "create_foreign_key":
        table = _table(args, "source_table", "source_schema")
        target = _table(args, "referent_table", "referent_schema")
        key = f"FOREIGN KEY({_columns(args['local_cols'])}) "
        key += f"REFERENCES {target} ({_columns(args['remote_cols'])})"
        match = constant(args.get("match"))
        key += f" MATCH {match}" if isinstance(match, str) else ""
        for action in ("ondelete", "onupdate"):
            said = constant(args.get(action))
            key += f" ON {action[2:].upper()} {said}" if isinstance(said, str) else ""
        return f"ALTER TABLE {table} ADD {_constraint(args)}{key}{_timing(args)};\n"
    table = _table(args, "table_name")
    if name == "create_exclude_constraint":
        return f"ALTER TABLE {table} ADD {_constraint(args)}{_exclude(args)}{_timing(args)};\n"
    kind = "UNIQUE" if name == "create_unique_constraint" else "PRIMARY KEY"
    columns = _columns(args["columns"])
    return f"ALTER TABLE {table} ADD {_constraint(args)}{kind} ({columns}){_timing(args)};\n"


def _exclude(args: dict[str, ast.expr]) -> str:
    """EXCLUDE's elements, each `(column, operator)`; `using=` is gist unless said."""
    elements = []
    for element in args["*"].elts:  # type: ignore[attr-defined]
        pair = element.elts if isinstance(element, ast.Tuple) else []
        operator = constant(pair[1]) if len(pair) == 2 else None
        column = _key(pair[0]) if len(pair) == 2 else None
        if column is None or not isinstance(operator, str):
            raise _Unread(element, "an element not written as `(column, operator)`")
        elements.append(f"{column} WITH {operator}")
    using = constant(args.get("using"))
    out = f"EXCLUDE USING {using if isinstance(using, str) else 'gist'} ({', '.join(elements)})"
    where = args.get("where")
    if where is not None:
        out += f" WHERE ({_text(where, 'a WHERE')})"
    return out


def _create_index(
    args: dict[str, ast.expr], span: Callable[[ast.AST], tuple[int, int]], here: tuple[int, int]
) -> list[Piece]:
    """CREATE INDEX as SQLAlchemy's PostgreSQL dialect writes it, its keys' DESC and NULLS
    (`sa.desc(...)`, `.desc()`, `sa.text("c DESC")`, `postgresql_ops={"c": "DESC"}`) kept,
    each key anchored to the argument that writes it (its `postgresql_ops` entry's value)."""
    label = _name(args["index_name"])
    if label is None:
        raise _Unread(args["index_name"], "an index name not written as a string")
    unique = "UNIQUE " if _flag(args, "unique") else ""
    how = "CONCURRENTLY " if _flag(args, "postgresql_concurrently") else ""
    exists = "IF NOT EXISTS " if _flag(args, "if_not_exists") else ""
    method = constant(args.get("postgresql_using"))
    using = f"USING {method} " if isinstance(method, str) else ""
    ops = args.get("postgresql_ops")
    given = {
        str(constant(k)): v
        for k, v in (zip(ops.keys, ops.values, strict=True) if isinstance(ops, ast.Dict) else [])
    }
    sql = f"CREATE {unique}INDEX {how}{exists}{_quoted(label)} ON {_table(args, 'table_name')} "
    out: list[Piece] = [(f"{sql}{using}(", *here)]
    columns = args["columns"]
    for index, item in enumerate(
        columns.elts if isinstance(columns, (ast.List, ast.Tuple)) else [columns]
    ):
        key = _key(item)
        if key is None:
            raise _Unread(item, "an index key not written as a name, `sa.text(...)` or `.desc()`")
        out.append((f"{', ' if index else ''}{key}", *span(item)))
        if constant(item) in given:
            out.append(
                (
                    f" {_string(given[str(constant(item))], 'an operator class')}",
                    *span(given[str(constant(item))]),
                )
            )
    sql = ")"
    include = args.get("postgresql_include")
    if include is not None:
        sql += f" INCLUDE ({_columns(include)})"
    where = args.get("postgresql_where")
    if where is not None:
        sql += f" WHERE {_text(where, 'a WHERE')}"
    return [*out, (sql + ";\n", *here)]


# SQLAlchemy's ordering modifiers, as functions (`sa.desc(x)`) or methods (`x.desc()`).
ORDERING = {"desc": "DESC", "asc": "ASC", "nulls_first": "NULLS FIRST", "nulls_last": "NULLS LAST"}


def _key(node: ast.expr) -> str | None:
    """An index or exclusion key: a column name, a `sa.column(...)`, a `sa.text(...)`, each
    under `desc()`/`asc()`/`nulls_*()`; None for anything else (an expression SQLAlchemy
    compiles at run time)."""
    name = constant(node)
    if isinstance(name, str):
        return _quoted(name)
    if not isinstance(node, ast.Call):
        return None
    called = name_of(node.func)
    if called in ORDERING:
        inner = node.func.value if isinstance(node.func, ast.Attribute) and not node.args else None
        inner = inner if inner is not None else (node.args[0] if node.args else None)
        key = _key(inner) if isinstance(inner, ast.expr) else None
        return None if key is None else f"{key} {ORDERING[called]}"
    if called in ("column", "literal_column") and node.args:
        return _key(node.args[0]) if called == "column" else str(constant(node.args[0]))
    if called == "text" and node.args and isinstance(constant(node.args[0]), str):
        return str(constant(node.args[0]))
    return None


def _text(node: ast.expr, what: str) -> str:
    """A clause written as a string or `sa.text(...)`."""
    said = node.args[0] if isinstance(node, ast.Call) and name_of(node.func) == "text" else node
    return _string(said, f"{what} not written as a string or `sa.text(...)`")


def _string(node: ast.expr, what: str) -> str:
    value = constant(node)
    if not isinstance(value, str):
        raise _Unread(node, what)
    return value


def _literal(node: ast.expr) -> str:
    """A row's value as SQLAlchemy renders it offline."""
    if _is_none(node):
        return "NULL"
    value = constant(node)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise _Unread(node, "a value not written as a literal")
