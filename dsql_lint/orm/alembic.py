"""Alembic migrations (`versions/*.py`): the SQL `upgrade()` sends, read statically.

`op.execute("...")` and `op.execute(sa.text("..."))` are checked as written; `op.create_table`,
`op.add_column`, `op.alter_column`, `op.create_index` (with `postgresql_using`),
`op.create_foreign_key`, `op.create_unique_constraint`, `op.drop_table`, `op.drop_column`,
`op.drop_index` and `op.rename_table` as the PostgreSQL SQLAlchemy writes for them (an integer
primary key is SERIAL, an index a plain CREATE INDEX unless `postgresql_concurrently=True`).
`downgrade()` never runs forward. Other operations are named in one note with the way to get the
exact SQL: `alembic upgrade head --sql`.

Alembic's env.py runs the migrations inside `context.begin_transaction()`: one transaction
unless a statement sits in `with op.get_context().autocommit_block():`. That transaction spans
every revision of an `upgrade` unless env.py says `transaction_per_migration=True`
(alembic_env.py): the revisions of one run share `MappedSource.run`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dsql_lint.orm.alembic_env import Run, run_of
from dsql_lint.orm.mapped import Builder, Note, Transaction
from dsql_lint.orm.pyliterals import PyFile, constant, keyword, name_of, unparsable
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
# The operations read here, with the positional arguments they need (batch_op's, which
# name no table, have fewer); any other is named in the note, but for these helpers.
WRITERS = {"execute": 1, "create_table": 1, "add_column": 2, "create_index": 3,
           "create_foreign_key": 5, "alter_column": 2, "drop_table": 1, "drop_column": 2,
           "drop_index": 1, "rename_table": 2, "create_unique_constraint": 3}  # fmt: skip
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
    if reader.unread:
        first = reader.unread[0]
        names = ", ".join(sorted({name_of(c.func) for c in reader.unread}))
        notes.append(Note(*file.span(first), f"{FRAMEWORK}: not checked here: {names}; {OFFLINE}"))
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
        self.unread: list[ast.Call] = []

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
        calls = [
            node
            for node in ast.walk(function)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and name_of(node.func.value) in ("op", "batch_op")
        ]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            start, end = self.file.span(call)
            self.tx.wrapped = not any(lo <= start < hi for lo, hi in autocommit)
            self.call(call, start, end)
        self.tx.close(len(self.file.text) - 1, len(self.file.text))

    def call(self, call: ast.Call, start: int, end: int) -> None:
        name = name_of(call.func)
        add = self.build.add
        pieces = self.file.pieces(call.args[0]) if name == "execute" and call.args else None
        if name == "execute" and pieces is None:
            self.notes.append(Note(start, end, _not_checked()))
            return
        if name not in WRITERS or len(call.args) < WRITERS[name]:
            if name not in HELPERS:
                self.unread.append(call)
            return
        self.tx.write(start, end)
        if pieces is not None:
            self.build.statement(pieces, end, self.file.literals(call.args[0]))
        elif name == "create_table":
            self.create_table(call, start, end)
        elif name == "add_column":
            table = constant(call.args[0])
            add(f'ALTER TABLE "{table}" ADD COLUMN ', start, end)
            self.column(call.args[1], serial=False)
            add(";\n", end - 1, end)
        elif name == "create_index":
            self.create_index(call, start, end)
        elif name == "alter_column":
            self.alter_column(call, start, end)
        elif name in ("drop_table", "drop_column", "drop_index", "rename_table"):
            add(_dropped(name, call), start, end)
        elif name == "create_unique_constraint":
            label, table, columns = call.args[:3]
            add(f'ALTER TABLE "{constant(table)}" ADD CONSTRAINT "{_name(label)}" ', start, end)
            add(f"UNIQUE ({_columns(columns)});\n", start, end)
        else:
            label, table, target, local, remote = call.args[:5]
            add(f'ALTER TABLE "{constant(table)}" ADD CONSTRAINT "{_name(label)}" ', start, end)
            # A piece of its own, so that a finding on the key points at the call, not past it.
            references = f'REFERENCES "{constant(target)}" ({_columns(remote)})'
            add(f"FOREIGN KEY ({_columns(local)}) {references};\n", start, end)

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

    def create_index(self, call: ast.Call, start: int, end: int) -> None:
        label, table, columns = call.args[:3]
        unique = "UNIQUE " if constant(keyword(call, "unique")) else ""
        concurrently = constant(keyword(call, "postgresql_concurrently"))
        how = "CONCURRENTLY " if concurrently else ""
        method = constant(keyword(call, "postgresql_using"))
        using = f"USING {method} " if isinstance(method, str) else ""
        self.build.add(
            f'CREATE {unique}INDEX {how}"{_name(label)}" ON "{constant(table)}" '
            f"{using}({_columns(columns)});\n",
            start,
            end,
        )

    def alter_column(self, call: ast.Call, start: int, end: int) -> None:
        """One statement per change, in the order Alembic's PostgreSQL implementation sends
        them: the type (USING from `postgresql_using`), NOT NULL, the default, the comment,
        the name. A keyword that would change the SQL and is not written here is said."""
        for given in call.keywords:
            if given.arg is None or given.arg not in ALTER_COLUMN_KEYWORDS:
                said = f"`{given.arg}=`" if given.arg else "`**` keywords"
                self.notes.append(
                    Note(
                        *self.file.span(given),
                        f"{FRAMEWORK}: `alter_column(...)`'s {said} is not written here, so what "
                        f"it changes is not checked; {OFFLINE}",
                    )
                )
        schema = constant(keyword(call, "schema"))
        table, column = (f'"{constant(a)}"' for a in call.args[:2])
        if isinstance(schema, str):
            table = f'"{schema}".{table}'
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
            self.notes.append(Note(*self.file.span(comment), _not_checked()))
        new_name = constant(keyword(call, "new_column_name"))
        if isinstance(new_name, str):
            self.build.add(f'ALTER TABLE {table} RENAME {column} TO "{new_name}";\n', start, end)


def _dropped(name: str, call: ast.Call) -> str:
    """drop_table, drop_column, drop_index and rename_table as Alembic writes them."""
    first = f'"{constant(call.args[0])}"'
    if name == "drop_table":
        return f"DROP TABLE {first};\n"
    if name == "drop_index":
        return f"DROP INDEX {first};\n"
    second = f'"{constant(call.args[1])}"'
    if name == "drop_column":
        return f"ALTER TABLE {first} DROP COLUMN {second};\n"
    return f"ALTER TABLE {first} RENAME TO {second};\n"


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


def _name(node: ast.expr) -> str:
    """An index or constraint name: a string, or `op.f("name")`."""
    if isinstance(node, ast.Call) and node.args:
        return str(constant(node.args[0]))
    return str(constant(node))


def _columns(node: ast.expr) -> str:
    items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    return ", ".join(f'"{constant(item)}"' for item in items)


def _not_checked() -> str:
    return (
        f"{FRAMEWORK}: this SQL is built at run time (a variable, an f-string or a SQLAlchemy "
        f"expression), so it is not checked; {OFFLINE}"
    )
