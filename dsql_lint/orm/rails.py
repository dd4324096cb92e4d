"""Rails migrations (`db/migrate/*.rb`) and `db/schema.rb`, read statically.

`execute` with a heredoc (`<<~SQL ... SQL`) or a string literal is checked as written; the
schema statements (`create_table` and its `t.` columns, `add_column`, `add_index`,
`add_reference`, `add_foreign_key`, `enable_extension`, `create_enum`) as the SQL Rails'
PostgreSQL adapter writes for them: `create_table`'s id is a bigserial unless `id:` says
otherwise, `array: true` an array column, `default:` a DEFAULT (so `add_column ...,
default:` is the ADD COLUMN ... DEFAULT DSQL refuses), `t.references ..., foreign_key: true`
a key inside the CREATE TABLE (`add_reference` and `add_foreign_key` an ALTER TABLE of their
own), `add_index` a plain CREATE INDEX (CONCURRENTLY with `algorithm: :concurrently`, each
key's `order:` after it), `add_check_constraint` a CHECK (NOT VALID only with `validate:
false`), `add_timestamps` two NOT NULL columns, `create_join_table` and its `t.index` lines,
`remove_index`, `remove_foreign_key`, `drop_table`, `rename_index`. `def down` and `dir.down`
blocks never run forward. Any other statement is an error where it is (DSQL016) with the way
to get the exact SQL: `rails db:migrate` with `config.active_record.schema_format = :sql`,
then `db/structure.sql`.

Rails reads Ruby, and this is no Ruby parser: blocks are matched by indentation (`end` at
the opening line's indentation, as every formatter writes them), and strings with `#{...}`
are reported as not checked. Each migration runs in one transaction unless it says
`disable_ddl_transaction!`; `db/schema.rb` is loaded statement by statement.
"""

from __future__ import annotations

import hashlib
import re

from dsql_lint.orm.mapped import Builder, Literal, MappedSource, Note, Transaction
from dsql_lint.syntax.source import Source

FRAMEWORK = "Rails migration"
SCHEMA = "Rails schema.rb"
STRUCTURE = (
    "for the exact SQL, set `config.active_record.schema_format = :sql`, run `rails "
    "db:migrate` (or `rails db:schema:dump`) and `dsql-lint check db/structure.sql`"
)
NAME = r"""[:"']?(\w+)["']?"""
STATEMENT = re.compile(
    # Every schema statement of the PostgreSQL adapter (and any call named like one): each is
    # translated or said not read (DSQL016), never passed over.
    r"(?:^|[{;])[ \t]*(?:safety_assured\s*\{\s*)?(execute|create_\w+|add_\w+|change_\w+|"
    r"rename_\w+|remove_\w+|drop_\w+|enable_\w+|disable_(?!ddl_transaction!)\w+|validate_\w+)\b\s*\(?",
    re.M,
)
DOWN = re.compile(r"^([ \t]*)(?:def\s+(?:self\.)?down\b|\w+\.down\s*(do\b|\{))", re.M)
HEREDOC = re.compile(r"""<<([~-]?)(["'`]?)(\w+)\2""")
COLUMN = re.compile(r"^[ \t]*t\.(\w+)\b[ \t]*\(?([^\n]*)$", re.M)
OPTION = re.compile(r"""(\w+):\s*(:\w+|"[^"]*"|'[^']*'|\w+)""")
# `default:` as the adapter quotes it: a lambda's string is SQL as written, [] and {} are
# PostgreSQL's empty array and JSON literals.
DEFAULT = re.compile(
    r"""\bdefault:\s*(->\s*\{\s*(?:"([^"]*)"|'([^']*)')\s*\}|"([^"]*)"|'([^']*)'|"""
    r"""\[\s*\]|\{\s*\}|-?[\d.]+|true|false|nil)"""
)
# PostgreSQL's identifier limit, less one: Rails 7.1 shortens longer index names to fit.
INDEX_NAME_LIMIT = 62
# Rails column types as its PostgreSQL adapter writes them; others are the type's own name.
TYPES = {
    "primary_key": "BIGSERIAL PRIMARY KEY", "string": "CHARACTER VARYING", "text": "TEXT",
    "integer": "INTEGER", "bigint": "BIGINT", "float": "DOUBLE PRECISION",
    "decimal": "DECIMAL", "numeric": "NUMERIC", "datetime": "TIMESTAMP(6)",
    "timestamp": "TIMESTAMP(6)", "timestamptz": "TIMESTAMPTZ", "time": "TIME", "date": "DATE",
    "binary": "BYTEA", "boolean": "BOOLEAN", "json": "JSON", "jsonb": "JSONB", "uuid": "UUID",
    "references": "BIGINT", "belongs_to": "BIGINT",
}  # fmt: skip
SERIALS = {"integer": "SERIAL", "bigint": "BIGSERIAL", "serial": "SERIAL"}
# The options each schema statement takes, as the PostgreSQL adapter reads them (activerecord
# 6.1.7 from Debian's ruby-activerecord: abstract/schema_statements.rb `create_table`,
# `add_column`, `add_index_options`; abstract/schema_creation.rb; postgresql/schema_creation.rb
# and schema_statements.rb; what 7.x changed is recalled: datetime's default precision 6). An
# option not listed is said where it is written (DSQL007), never dropped. create_table's
# `charset:` and `collation:` and a column's `first:`/`after:`/`unsigned:`/`auto_increment:`
# are MySQL's: the PostgreSQL adapter writes nothing for them.
TABLE_OPTIONS = {
    "id", "primary_key", "force", "if_not_exists", "temporary", "comment", "default",
    "charset", "collation",
}  # fmt: skip
COLUMN_OPTIONS = {
    "null", "default", "limit", "precision", "scale", "array", "comment", "collation",
    "index", "primary_key", "if_not_exists", "enum_type", "first", "after", "unsigned",
    "auto_increment",
}  # fmt: skip
REFERENCE_OPTIONS = {"type", "polymorphic", "foreign_key", "index", "null", "default", "comment"}
# change_table's columns: their comments and indexes are statements of their own, not written.
CHANGED = COLUMN_OPTIONS - {"comment", "index"}
INDEX_OPTIONS = {"unique", "name", "algorithm", "using", "if_not_exists", "where", "order"}
# Rails' `limit:` of an integer: the byte size it picks a type by (type_to_sql).
INTEGER_LIMITS = {"1": "SMALLINT", "2": "SMALLINT", "3": "INTEGER", "4": "INTEGER"}
INTEGER_LIMITS.update(dict.fromkeys("5678", "BIGINT"))
REFERENCES = ("references", "belongs_to")
Piece = tuple[str, int, int]  # SQL text and the span of the file it comes from
Key = tuple[tuple[str, str], int, int]  # a foreign key's two pieces (see _reference_key), a span
# change_table lines that run after the block's column changes when `bulk: true`.
CHANGE_LATER = ("index", "rename")
HINTS = {
    "serial-column": (
        "Rails' PostgreSQL adapter makes `create_table`'s id a bigserial (a serial with "
        "`id: :serial`): use `create_table :name, id: :uuid, default: -> { "
        '"gen_random_uuid()" }`, or an id written with `execute` as `BIGINT GENERATED BY '
        "DEFAULT AS IDENTITY (CACHE 1)`."
    ),
    "array-column": "Drop `array: true` and use a `:jsonb` column (or a related table).",
    "index-without-async": (
        "Rails writes `add_index`/`t.index` as CREATE INDEX (CONCURRENTLY with `algorithm: "
        ':concurrently`), which DSQL refuses: write `execute "CREATE INDEX ASYNC ..."` in a '
        "migration with `disable_ddl_transaction!`."
    ),
    "add-foreign-key-without-not-valid": (
        "Add `validate: false` to `add_foreign_key` (Rails then writes NOT VALID) and validate "
        'with `execute "ALTER TABLE ASYNC t VALIDATE CONSTRAINT name"`, or drop the key '
        "(`foreign_key: false`)."
    ),
    "create-type": "Use a string column and validate the values in the model (`validates :x, "
    "inclusion: ...`) instead of `create_enum`.",
    "create-extension": "Remove `enable_extension`: DSQL has no extensions "
    "(gen_random_uuid() is built in).",
    "multiple-ddl-in-transaction": (
        "Rails runs each migration in one transaction: add `disable_ddl_transaction!` to the "
        "class and keep one DDL per migration."
    ),
}
HINTS["ddl-with-dml-in-transaction"] = HINTS["multiple-ddl-in-transaction"]
HINTS["orm-call-not-read"] = (
    "Write that part as the SQL itself (`execute <<~SQL ... SQL`), or check the SQL Rails "
    "sends: set `config.active_record.schema_format = :sql`, run `rails db:migrate` and "
    "`dsql-lint check db/structure.sql`."
)


def is_migration(text: str) -> bool:
    return "ActiveRecord::Migration" in text


def is_schema(text: str) -> bool:
    return "ActiveRecord::Schema" in text


def read(source: Source) -> MappedSource:
    text = source.text
    schema = "ActiveRecord::Schema" in text
    reader = _Reader(text)
    reader.tx.wrapped = not schema and "disable_ddl_transaction!" not in text
    reader.run()
    label = SCHEMA if schema else FRAMEWORK
    # Each statement not translated sends SQL no rule saw: an error where it is (DSQL016).
    notes = list(reader.notes) + [
        Note(start, end, f"{label}: `{name}` is not read here, so the SQL it sends is not "
             f"checked; {STRUCTURE}", unread=True)
        for name, start, end in reader.unread
    ]  # fmt: skip
    hints = (
        HINTS if reader.tx.opened else {k: v for k, v in HINTS.items() if "transaction" not in k}
    )
    return reader.build.source(source, SCHEMA if schema else FRAMEWORK, notes, hints)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.build = Builder()
        self.tx = Transaction(self.build)
        self.notes: list[Note] = []
        self.unread: list[tuple[str, int, int]] = []
        self.down = _down_ranges(text)
        self.skip: list[tuple[int, int]] = []  # heredoc bodies already read

    def run(self) -> None:
        for match in STATEMENT.finditer(self.text):
            start = match.start(1)
            if any(lo <= start < hi for lo, hi in self.down + self.skip):
                continue
            end = _line_end(self.text, match.end())
            name = match.group(1)
            reader = getattr(self, f"_{name}", None)
            if reader is None:
                self.unread.append((name, start, end))
                continue
            self.tx.write(start, end)
            reader(match.end(), start, end)
        self.tx.close(len(self.text) - 1, len(self.text))

    def _execute(self, at: int, start: int, end: int) -> None:
        heredoc = HEREDOC.match(self.text, _skip_space(self.text, at))
        if heredoc is not None:
            read = self._heredoc(heredoc)
        else:
            read = _string(self.text, _skip_space(self.text, at))
        if read is None:
            self.notes.append(Note(start, end, _not_checked(), unread=True))
            return
        pieces, literal = read
        self.build.statement(pieces, pieces[-1][2] if pieces else end, [literal])

    def _heredoc(self, opener: re.Match[str]) -> tuple[list[tuple[str, int, int]], Literal] | None:
        body = _line_end(self.text, opener.end()) + 1
        closing = re.compile(rf"^[ \t]*{opener.group(3)}[ \t]*$", re.M).search(self.text, body)
        stop = closing.start() if closing else len(self.text)
        self.skip.append((body, stop))
        sql = self.text[body:stop]
        raw = opener.group(2) == "'"
        if not raw and INTERPOLATION.search(sql):
            return None
        literal = Literal(body, stop, "rb", opener.group(3), raw=raw, heredoc=True)
        # `<<~'SQL'` is read as written; `<<~SQL` and `<<~"SQL"` decode escapes as "..." does.
        return ([(sql, body, stop)] if raw else _unescaped(self.text, body, stop)), literal

    def _create_table(self, at: int, start: int, end: int) -> None:
        head = self.text[at:end]
        table = re.match(NAME, head.strip())
        name = table.group(1) if table else "_"
        options = dict(OPTION.findall(head))
        self._unknown("create_table", at, end, TABLE_OPTIONS)
        add = self.build.add
        force = options.get("force")
        if force in ("true", ":cascade"):  # drop_table(force:, if_exists: true) first
            cascade = " CASCADE" if force == ":cascade" else ""
            where = _option_span(self.text, at, end, "force") or (start, end)
            add(f'DROP TABLE IF EXISTS "{name}"{cascade};\n', *where)
        temporary = " TEMPORARY" if options.get("temporary") == "true" else ""
        exists = " IF NOT EXISTS" if options.get("if_not_exists") == "true" else ""
        add(f'CREATE{temporary} TABLE{exists} "{name}" (', start, end)
        columns = 0
        kind = options.get("id", ":bigserial").lstrip(":")
        pk = options.get("primary_key", "id").strip(":\"'")
        if kind != "false":
            where = _option_span(self.text, at, end, "id") or (start, end)
            if kind == "uuid":
                sql = "UUID DEFAULT gen_random_uuid()"
            elif (kind in SERIALS and "default" not in options) or kind == "bigserial":
                sql = SERIALS.get(kind, "BIGSERIAL")
            else:
                sql = TYPES.get(kind, kind.upper())
            add(f'\n    "{pk}" ', start, end)
            add(f"{sql} PRIMARY KEY", *where)
            columns = 1
        after: list[Piece] = []
        keys: list[Key] = []  # written inline, after the columns, as Rails writes them
        block = _block(self.text, start, end)
        comments: list[Piece] = []  # COMMENT ON, after the table and its indexes
        if block is not None:
            for column in COLUMN.finditer(self.text, *block):
                columns += self._column(name, column, columns, after, keys, comments)
        for (constraint, key), lo, hi in keys:
            add(",\n    " if columns else "\n    ", lo, hi)
            add(constraint, lo, hi)
            add(key, lo, hi)
            columns += 1
        add("\n);\n", end - 1, end)
        for sql, lo, hi in after:
            add(sql, lo, hi)
        comment = _quoted_option(options.get("comment"))
        if comment is not None:
            where = _option_span(self.text, at, end, "comment") or (start, end)
            add(f'COMMENT ON TABLE "{name}" IS {comment};\n', *where)
        for sql, lo, hi in comments:
            add(sql, lo, hi)

    def _column(
        self,
        table: str,
        match: re.Match[str],
        count: int,
        after: list[Piece],
        keys: list[Key],
        comments: list[Piece],
    ) -> int:
        """A `t.` line of a create_table block: its columns added, its indexes kept for after
        the table, its foreign keys for the end of it and its comments for after the
        indexes; the number of columns."""
        kind, rest = match.group(1), match.group(2)
        at, end = match.start(1), match.end()
        options = dict(OPTION.findall(rest))
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?(?=\s*(?:,|$|\)))""", rest)
        if kind == "index":
            self._unknown("t.index", match.start(2), end, INDEX_OPTIONS)
            after.append((_index(table, rest, options), at, end))
            return 0
        if (
            not names and kind != "timestamps"
        ):  # a call that adds no column (t.check_constraint, t.exclusion_constraint)
            what = f"{FRAMEWORK}: `t.{match.group(1)}` in create_table is not read"
            self.notes.append(
                Note(at - 2, end, f"{what}, so it is not checked; {STRUCTURE}", unread=True)
            )
            return 0
        known = REFERENCE_OPTIONS | COLUMN_OPTIONS if kind in REFERENCES else COLUMN_OPTIONS
        if kind == "virtual":  # a generated column (7.0's PostgreSQL adapter: STORED only)
            known = COLUMN_OPTIONS | {"type", "as", "stored"}
        self._unknown(f"t.{kind}", match.start(2), end, known)
        if kind == "timestamps":
            names, kind = ["created_at", "updated_at"], "datetime"
            options.setdefault("null", "false")
        if kind == "column" and len(names) >= 2:
            names, kind = names[:1], names[1]
        if kind == "virtual":
            kind = options.get("type", ":string").lstrip(":")
        added = 0
        for name in names:
            for column, sql in _columns(kind, name, options):
                self.build.add(",\n    " if count + added else "\n    ", at, end)
                self.build.add(f'"{column}" ', at, end)
                self._type(sql, options, at, end)
                added += 1
                comments.extend(self._comment(table, column, at, end))
                index = _index_option(rest) if kind not in REFERENCES else None
                if index is not None:
                    after.append((_index(table, f":{column}", index), at, end))
            if kind in REFERENCES:
                after.extend(_reference(table, name, {**options, "foreign_key": "false"}, at, end))
                key = _reference_key(table, name, options)
                if key is not None:
                    keys.append((key, at, end))
        return added

    def _type(self, kind: str, options: dict[str, str], at: int, end: int) -> None:
        """A column's type and options as the PostgreSQL adapter writes them (type_to_sql,
        add_column_options!): `limit:`, `precision:` and `scale:` in the type, then `array:`,
        COLLATE, DEFAULT, NOT NULL."""
        sql = TYPES.get(kind, kind.upper())
        limit, precision = options.get("limit"), options.get("precision")
        if kind == "integer" and limit is not None:
            sql = INTEGER_LIMITS.get(limit, sql)
        elif kind in ("string", "bit", "bit_varying", "char") and limit and limit.isdigit():
            sql += f"({limit})"
        if precision is not None and kind in ("decimal", "numeric") and precision.isdigit():
            scale = options.get("scale")
            sql += f"({precision},{scale})" if scale is not None else f"({precision})"
        elif kind in ("datetime", "timestamp", "time") and precision is not None:
            stem = sql.split("(")[0]
            sql = f"{stem}({precision})" if precision.isdigit() else stem
        if kind == "enum" and "enum_type" in options:
            sql = f'"{options["enum_type"].strip(":")}"'
        if options.get("array") == "true":
            where = _option_span(self.text, at, end, "array") or (at, end)
            self.build.add(sql, at, end)
            self.build.add("[]", *where)
        else:
            self.build.add(sql, at, end)
        collation = options.get("collation", "").strip("\"':")
        if collation:
            where = _option_span(self.text, at, end, "collation") or (at, end)
            self.build.add(f' COLLATE "{collation}"', *where)
        default = DEFAULT.search(self.text, at, end)
        if default is not None:
            self.build.add(f" DEFAULT {_default(default)}", default.start(), default.end())
        generated = re.search(r"""\bas:\s*("[^"]*"|'[^']*')""", self.text[at:end])
        if generated is not None and options.get("stored") == "true":
            where = (at + generated.start(), at + generated.end())
            self.build.add(f" GENERATED ALWAYS AS ({generated.group(1)[1:-1]}) STORED", *where)
        if options.get("null") == "false":
            self.build.add(" NOT NULL", at, end)
        if options.get("primary_key") == "true":
            self.build.add(
                " PRIMARY KEY", *(_option_span(self.text, at, end, "primary_key") or (at, end))
            )

    def _comment(self, table: str, column: str, at: int, end: int) -> list[Piece]:
        """A column's `comment:`, the COMMENT ON COLUMN the adapter sends after it
        (change_column_comment), quoted as `quote` quotes it; none without one."""
        found = re.search(r"""\bcomment:\s*("[^"]*"|'[^']*'|nil)""", self.text[at:end])
        if found is None:
            return []
        said = _quoted_option(found.group(1)) or "NULL"
        sql = f'COMMENT ON COLUMN "{table}"."{column}" IS {said};\n'
        return [(sql, at + found.start(), at + found.end())]

    def _unknown(self, statement: str, start: int, end: int, known: set[str]) -> None:
        """Each option of a statement that is not in `known`, said where it is written."""
        for name, lo, hi in _keywords(self.text, start, end):
            if name not in known:
                self._unsaid(statement, name, lo, hi)

    def _unsaid(self, statement: str, option: str, start: int, end: int) -> None:
        where = _option_span(self.text, start, end, option) or (start, end)
        self.notes.append(
            Note(
                *where,
                f"{FRAMEWORK}: `{option}:` of `{statement}` is not written here, so the SQL it "
                f"makes is not checked; {STRUCTURE}",
            )
        )

    def _add_column(self, at: int, start: int, end: int) -> None:
        rest = self.text[at:end]
        names = re.findall(r"""[:"'](\w+)["']?""", rest)
        if len(names) < 3:
            self.unread.append(("add_column", start, end))
            return
        # (add_column's `index:` makes no index: its AlterTable sends only the column)
        self._unknown("add_column", at, end, COLUMN_OPTIONS - {"index"})
        options = dict(OPTION.findall(rest))
        self.build.add(f'ALTER TABLE "{names[0]}" ADD COLUMN "{names[1]}" ', start, end)
        self._type(names[2], options, start, end)
        self.build.add(";\n", end - 1, end)
        for sql, lo, hi in self._comment(names[0], names[1], start, end):
            self.build.add(sql, lo, hi)

    def _add_index(self, at: int, start: int, end: int) -> None:
        rest = self.text[at:end]
        table = re.match(r"\s*" + NAME, rest)
        if table is None:
            self.unread.append(("add_index", start, end))
            return
        columns = rest[table.end() :].lstrip(" ,")
        self._unknown("add_index", at, end, INDEX_OPTIONS)
        sql = _index(table.group(1), columns, dict(OPTION.findall(columns)))
        self.build.add(sql, start, end)

    def _add_reference(self, at: int, start: int, end: int) -> None:
        rest = self.text[at:end]
        names = re.findall(r"""[:"'](\w+)["']?""", rest)
        options = dict(OPTION.findall(rest))
        if len(names) < 2:
            self.unread.append(("add_reference", start, end))
            return
        self._reference_columns(names[0], names[1], options, start, end)

    def _reference_columns(
        self, table: str, name: str, options: dict[str, str], start: int, end: int
    ) -> None:
        """`add_reference` (and `t.references` in change_table): its columns, each with an
        ALTER TABLE of its own, then its index and foreign key."""
        for column, kind in _columns("references", name, options):
            self.build.add(f'ALTER TABLE "{table}" ADD COLUMN "{column}" ', start, end)
            self._type(kind, options, start, end)
            self.build.add(";\n", end - 1, end)
        for sql, lo, hi in _reference(table, name, options, start, end):
            self.build.add(sql, lo, hi)

    _add_belongs_to = _add_reference

    def _add_foreign_key(self, at: int, start: int, end: int) -> None:
        rest = self.text[at:end]
        names = re.findall(r"""[:"'](\w+)["']?""", rest)
        options = dict(OPTION.findall(rest))
        if len(names) < 2:
            self.unread.append(("add_foreign_key", start, end))
            return
        table, target = names[0], names[1]
        column = options.get("column", f"{_singular(target)}_id").strip(":\"'")
        name = options.get("name", "").strip("\"'") or _foreign_key_name(table, column)
        self.build.add(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" ', start, end)
        valid = " NOT VALID" if options.get("validate") == "false" else ""
        self.build.add(
            f'FOREIGN KEY ("{column}") REFERENCES "{target}" ("id"){valid};\n', start, end
        )

    def _add_check_constraint(self, at: int, start: int, end: int) -> None:
        """As the PostgreSQL adapter writes it (check_constraint_name, add_check_constraint):
        named `chk_rails_` and the SHA256 of `table_expression_chk` unless `name:` says, NOT
        VALID only with `validate: false`; the expression as written."""
        table = re.match(r"\s*" + NAME + r"\s*,\s*", self.text[at:end])
        read = _string(self.text, at + table.end()) if table is not None else None
        if table is None or read is None:
            self.unread.append(("add_check_constraint", start, end))
            return
        pieces, literal = read
        expression = "".join(text for text, _, _ in pieces)
        options = dict(OPTION.findall(self.text, pieces[-1][2] if pieces else at, end))
        name = options.get("name", "").strip("\"'")
        if not name:
            digest = hashlib.sha256(f"{table.group(1)}_{expression}_chk".encode()).hexdigest()
            name = f"chk_rails_{digest[:10]}"
        head = f'ALTER TABLE "{table.group(1)}" ADD CONSTRAINT "{name}" CHECK ('
        self.build.add(head, start, end, whole=True)
        for text, lo, hi in pieces:
            self.build.add(text, lo, hi)
        valid = " NOT VALID" if options.get("validate") == "false" else ""
        self.build.add(f"){valid};\n", end - 1, end)

    def _add_timestamps(self, at: int, start: int, end: int) -> None:
        """created_at and updated_at in one ALTER TABLE, NOT NULL unless `null: true` (the
        adapter's add_timestamps, as change_table's t.timestamps)."""
        rest = self.text[at:end]
        table = re.match(r"\s*" + NAME, rest)
        if table is None:
            self.unread.append(("add_timestamps", start, end))
            return
        options = dict(OPTION.findall(rest))
        options.setdefault("null", "false")
        both = ("created_at", "updated_at")
        self._alter(
            table.group(1),
            [p for c in both for p in self._fragment(c, "datetime", options, start, end)],
        )

    def _create_join_table(self, at: int, start: int, end: int) -> None:
        """The join table of two tables (its name theirs sorted and joined by `_`, as
        find_join_table_name writes it unless `table_name:`): each `<singular>_id` a bigint
        NOT NULL, no primary key; its block's `t.index` lines the CREATE INDEX after it."""
        rest = self.text[at:end]
        names = re.findall(r"""[:"'](\w+)["']?""", rest)
        if len(names) < 2:
            self.unread.append(("create_join_table", start, end))
            return
        first, second = sorted(names[:2])
        common = re.match(r"^(.*_)(.+)\0\1(.+)$", f"{first}\0{second}")
        table = (
            f"{first}_{second}"
            if common is None
            else "".join(common.groups()[:2]) + "_" + (common.group(3))
        )
        table = dict(OPTION.findall(rest)).get("table_name", table).strip(":\"'")
        columns = ", ".join(f'"{_singular(n)}_id" bigint NOT NULL' for n in names[:2])
        self.build.add(f'CREATE TABLE "{table}" ({columns});\n', start, end, whole=True)
        block = _block(self.text, start, end)
        for line in COLUMN.finditer(self.text, *block) if block is not None else ():
            if line.group(1) != "index":
                self.unread.append((f"create_join_table t.{line.group(1)}", *line.span(1)))
                continue
            options = dict(OPTION.findall(line.group(2)))
            self.build.add(_index(table, line.group(2), options), line.start(1), line.end())

    def _remove_index(self, at: int, start: int, end: int) -> None:
        """DROP INDEX of the index `name:` or `column:` (or the column given) names, as
        Rails names it; CONCURRENTLY with `algorithm: :concurrently`."""
        rest = self.text[at:end]
        options = dict(OPTION.findall(rest))
        table = re.match(r"\s*" + NAME, rest)
        columns = (
            re.findall(r"""[:"'](\w+)""", _before_options(rest[table.end() :])) if table else []
        )
        if "column" in options:
            columns = [options["column"].strip(":\"'")]
        name = options.get("name", "").strip(":\"'")
        if table is None or not (name or columns):
            self.unread.append(("remove_index", start, end))
            return
        how = " CONCURRENTLY" if options.get("algorithm") == ":concurrently" else ""
        label = name or _index_name(table.group(1), columns)
        exists = " IF EXISTS" if options.get("if_exists") == "true" else ""
        self.build.add(f'DROP INDEX{how}{exists} "{label}";\n', start, end, whole=True)

    def _drop_table(self, at: int, start: int, end: int) -> None:
        rest = self.text[at:end]
        table = re.match(r"\s*" + NAME, rest)
        if table is None:
            self.unread.append(("drop_table", start, end))
            return
        options = dict(OPTION.findall(rest))
        exists = " IF EXISTS" if options.get("if_exists") == "true" else ""
        cascade = " CASCADE" if options.get("force") == ":cascade" else ""
        sql = f'DROP TABLE{exists} "{table.group(1)}"{cascade};\n'
        self.build.add(sql, start, end, whole=True)

    def _remove_foreign_key(self, at: int, start: int, end: int) -> None:
        """DROP CONSTRAINT of the key Rails named for the table and the column (`column:`, or
        the target table's singular `_id`), or of `name:`."""
        rest = self.text[at:end]
        options = dict(OPTION.findall(rest))
        names = re.findall(r"""[:"'](\w+)["']?""", _before_options(rest))
        if not names or not (len(names) > 1 or "column" in options or "name" in options):
            self.unread.append(("remove_foreign_key", start, end))
            return
        column = options.get("column", "").strip(":\"'") or f"{_singular(names[-1])}_id"
        name = options.get("name", "").strip("\"'") or _foreign_key_name(names[0], column)
        sql = f'ALTER TABLE "{names[0]}" DROP CONSTRAINT "{name}";\n'
        self.build.add(sql, start, end, whole=True)

    def _rename_index(self, at: int, start: int, end: int) -> None:
        names = re.findall(r"""[:"'](\w+)["']?""", self.text[at:end])
        if len(names) < 3:
            self.unread.append(("rename_index", start, end))
            return
        sql = f'ALTER INDEX "{names[1]}" RENAME TO "{names[2]}";\n'
        self.build.add(sql, start, end, whole=True)

    def _add_unique_constraint(self, at: int, start: int, end: int) -> None:
        """Rails 7.1's PostgreSQL add_unique_constraint (recalled, not in the 6.1 package):
        `ADD CONSTRAINT uniq_rails_<SHA256 of table_columns_unique> UNIQUE (columns)`."""
        rest = self.text[at:end]
        names = re.findall(r"""[:"'](\w+)["']?""", _before_options(rest))
        options = dict(OPTION.findall(rest))
        if len(names) < 2 or "using_index" in options:
            self.unread.append(("add_unique_constraint", start, end))
            return
        table, columns = names[0], names[1:]
        identifier = f"{table}_{'_and_'.join(columns)}_unique"
        name = options.get("name", "").strip("\"'") or (
            "uniq_rails_" + hashlib.sha256(identifier.encode()).hexdigest()[:10]
        )
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" UNIQUE ({quoted});\n'
        self.build.add(sql, start, end, whole=True)

    def _add_exclusion_constraint(self, at: int, start: int, end: int) -> None:
        """Rails 7.1's add_exclusion_constraint (recalled): `ADD CONSTRAINT excl_rails_<SHA256
        of table_expression_excl> EXCLUDE USING <using:, gist> (expression)`."""
        table = re.match(r"\s*" + NAME + r"\s*,\s*", self.text[at:end])
        read = _string(self.text, at + table.end()) if table is not None else None
        if table is None or read is None:
            self.unread.append(("add_exclusion_constraint", start, end))
            return
        expression = "".join(text for text, _, _ in read[0])
        options = dict(OPTION.findall(self.text, read[0][-1][2] if read[0] else at, end))
        identifier = f"{table.group(1)}_{expression}_excl"
        name = options.get("name", "").strip("\"'") or (
            "excl_rails_" + hashlib.sha256(identifier.encode()).hexdigest()[:10]
        )
        using = options.get("using", ":gist").strip(":\"'")
        sql = f'ALTER TABLE "{table.group(1)}" ADD CONSTRAINT "{name}" EXCLUDE USING {using} ('
        self.build.add(sql + expression + ");\n", start, end, whole=True)

    def _rename_column(self, at: int, start: int, end: int) -> None:
        names = re.findall(r"""[:"'](\w+)["']?""", self.text[at:end])
        if len(names) < 3:
            self.unread.append(("rename_column", start, end))
            return
        self._rename(names[0], names[1], names[2], start, end)

    def _change_column(self, at: int, start: int, end: int) -> None:
        """As the PostgreSQL adapter writes it: one ALTER TABLE with the new type (USING from
        `using:`), then the default and NOT NULL the options give."""
        rest = self.text[at:end]
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?""", rest)
        if len(names) < 3:
            self.unread.append(("change_column", start, end))
            return
        table, column, kind = names[:3]
        options = dict(OPTION.findall(rest))
        self.build.add(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE ', start, end)
        self.build.add(TYPES.get(kind, kind.upper()), start, end)
        if "using" in options:
            self.build.add(f" USING {options['using'].strip(chr(34) + chr(39))}", start, end)
        default = DEFAULT.search(self.text, at, end)
        if default is not None:
            self.build.add(f', ALTER COLUMN "{column}" SET DEFAULT {_default(default)}', start, end)
        if options.get("null") in ("true", "false"):
            how = "SET" if options["null"] == "false" else "DROP"
            self.build.add(f', ALTER COLUMN "{column}" {how} NOT NULL', start, end)
        self.build.add(";\n", end - 1, end)

    def _change_column_null(self, at: int, start: int, end: int) -> None:
        """`change_column_null :t, :c, false[, default]`: the UPDATE that fills NULLs with the
        default first, when one is given, then SET (or DROP) NOT NULL."""
        rest = self.text[at:end]
        parts = [p.strip() for p in rest.split(",")]
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?""", rest)
        if len(names) < 2 or len(parts) < 3 or parts[2] not in ("true", "false"):
            self.unread.append(("change_column_null", start, end))
            return
        table, column = names[:2]
        if parts[2] == "false" and len(parts) > 3 and parts[3]:
            value = DEFAULT.search("default: " + parts[3])
            if value is None:
                self.unread.append(("change_column_null", start, end))
                return
            self.build.add(
                f'UPDATE "{table}" SET "{column}" = {_default(value)} WHERE "{column}" IS NULL;\n',
                start,
                end,
            )
        how = "SET" if parts[2] == "false" else "DROP"
        self.build.add(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" {how} NOT NULL;\n', start, end
        )

    def _change_column_default(self, at: int, start: int, end: int) -> None:
        """`change_column_default :t, :c, VALUE` (or `from: A, to: VALUE`): SET DEFAULT, or
        DROP DEFAULT for nil."""
        rest = self.text[at:end]
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?""", rest)
        after = rest.split(",", 2)[2].strip() if rest.count(",") >= 2 else ""
        to = re.search(r"\bto:\s*(.*)$", after)
        value = DEFAULT.search("default: " + (to.group(1) if to else after).rstrip(" )"))
        if len(names) < 2 or value is None:
            self.unread.append(("change_column_default", start, end))
            return
        table, column = names[:2]
        sql = _default(value)
        how = "DROP DEFAULT" if sql == "NULL" else f"SET DEFAULT {sql}"
        self.build.add(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" {how};\n', start, end)

    def _rename(self, table: str, old: str, new: str, start: int, end: int) -> None:
        sql = f'ALTER TABLE "{table}" RENAME COLUMN "{old}" TO "{new}";\n'
        self.build.add(sql, start, end)

    def _remove_column(self, at: int, start: int, end: int) -> None:
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?""", self.text[at:end])
        if len(names) < 2:
            self.unread.append(("remove_column", start, end))
            return
        self._drop(names[0], names[1:2], start, end)

    def _remove_columns(self, at: int, start: int, end: int) -> None:
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?""", self.text[at:end])
        if len(names) < 2:
            self.unread.append(("remove_columns", start, end))
            return
        self._drop(names[0], names[1:], start, end)

    def _drop(self, table: str, columns: list[str], start: int, end: int) -> None:
        """Rails' remove_columns: one ALTER TABLE dropping them all."""
        drops = ", ".join(f'DROP COLUMN "{column}"' for column in columns)
        self.build.add(f'ALTER TABLE "{table}" {drops};\n', start, end)

    def _change_table(self, at: int, start: int, end: int) -> None:
        """Each `t.` line of the block as the statement Rails' Table object runs for it:
        t.column and t.string... (add_column), t.references (add_reference), t.index
        (add_index), t.remove (remove_columns), t.rename (rename_column), t.timestamps
        (add_timestamps). With `bulk: true` the column changes are one ALTER TABLE, as
        bulk_change_table writes it, and the rest follows."""
        head = self.text[at:end]
        table = re.match(NAME, head.strip())
        block = _block(self.text, start, end)
        if table is None or block is None:
            self.unread.append(("change_table", start, end))
            return
        name = table.group(1)
        bulk = dict(OPTION.findall(head)).get("bulk") == "true"
        combined: list[Piece] = []  # bulk: the column changes, one ALTER TABLE after all
        later: list[re.Match[str]] = []
        for line in COLUMN.finditer(self.text, *block):
            kind = line.group(1)
            changes = self._changes(line)
            if changes is None and (kind in CHANGE_LATER or kind in REFERENCES):
                if bulk:
                    later.append(line)
                else:
                    self._later(name, line)
            elif changes is None:
                self.unread.append((f"change_table t.{kind}", line.start(1), line.end()))
            elif bulk:
                combined += [piece for change in changes for piece in change]
            else:
                for change in changes:
                    self._alter(name, change)
        self._alter(name, combined)
        for line in later:
            self._later(name, line)

    def _changes(self, line: re.Match[str]) -> list[list[Piece]] | None:
        """A change_table line's column changes: one list of ALTER TABLE actions per
        statement Rails runs for it (add_column per column, remove_columns and
        add_timestamps one each); None for other lines."""
        kind, rest, at, end = line.group(1), line.group(2), line.start(1), line.end()
        options = dict(OPTION.findall(rest))
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?(?=\s*(?:,|$|\)))""", rest)
        if kind == "remove" and names:
            return [[(f'DROP COLUMN "{column}"', at, end) for column in names]]
        if kind == "timestamps":
            options.setdefault("null", "false")
            both = ("created_at", "updated_at")
            return [[p for c in both for p in self._fragment(c, "datetime", options, at, end)]]
        if kind == "column" and len(names) >= 2:
            self._unknown(f"change_table t.{kind}", line.start(2), end, CHANGED)
            return [self._fragment(names[0], names[1], options, at, end)]
        if kind in TYPES and kind not in REFERENCES and names:
            self._unknown(f"change_table t.{kind}", line.start(2), end, CHANGED)
            return [self._fragment(c, kind, options, at, end) for c in names]
        return None

    def _fragment(
        self, column: str, kind: str, options: dict[str, str], at: int, end: int
    ) -> list[Piece]:
        """`ADD COLUMN "c" type` in pieces anchored as _type anchors them."""
        build, self.build = self.build, Builder()
        self.build.add(f'ADD COLUMN "{column}" ', at, end)
        self._type(kind, options, at, end)
        pieces = [
            (text, lo, hi)
            for text, (_, lo, hi, _) in zip(self.build.parts, self.build.anchors, strict=True)
        ]
        self.build = build
        return pieces

    def _alter(self, table: str, pieces: list[Piece]) -> None:
        if not pieces:
            return
        _, start, end = pieces[0]
        self.build.add(f'ALTER TABLE "{table}" ', start, end)
        for index, (sql, lo, hi) in enumerate(pieces):
            separate = index and sql.startswith(("ADD COLUMN", "DROP COLUMN"))
            self.build.add((", " if separate else "") + sql, lo, hi)
        self.build.add(";\n", end - 1, end)

    def _later(self, table: str, line: re.Match[str]) -> None:
        kind, rest, at, end = line.group(1), line.group(2), line.start(1), line.end()
        options = dict(OPTION.findall(rest))
        names = re.findall(r"""(?:^|,)\s*[:"'](\w+)["']?(?=\s*(?:,|$|\)))""", rest)
        if kind in REFERENCES and names:
            for name in names:
                self._reference_columns(table, name, options, at, end)
        elif kind == "index":
            self.build.add(_index(table, rest, options), at, end)
        elif kind == "rename" and len(names) >= 2:
            self._rename(table, names[0], names[1], at, end)
        else:
            self.unread.append((f"change_table t.{kind}", at, end))

    def _enable_extension(self, at: int, start: int, end: int) -> None:
        name = re.match(r"\s*" + NAME, self.text[at:end])
        if name is not None and name.group(1) == "plpgsql":
            return  # Rails dumps it for every PostgreSQL database: it says nothing of the schema
        self.build.add(
            f'CREATE EXTENSION IF NOT EXISTS "{name.group(1) if name else "_"}";\n', start, end
        )

    def _create_enum(self, at: int, start: int, end: int) -> None:
        rest = self.text[at:end]
        names = re.findall(r"""[:"'](\w+)["']?""", rest)
        values = ", ".join(f"'{v}'" for v in names[1:])
        self.build.add(
            f'CREATE TYPE "{names[0] if names else "_"}" AS ENUM ({values});\n', start, end
        )


def _index(table: str, rest: str, options: dict[str, str]) -> str:
    """`add_index`'s or `t.index`'s CREATE INDEX, from what follows the table name."""
    rest = rest.strip().lstrip("(")
    if rest.startswith("["):
        columns = re.findall(r"""[:"'](\w+)""", rest[: rest.find("]")])
    else:
        first = re.match(r"""[:"'](\w+)""", rest)
        columns = [first.group(1)] if first else []
    unique = "UNIQUE " if options.get("unique") == "true" else ""
    how = "CONCURRENTLY " if options.get("algorithm") == ":concurrently" else ""
    label = options.get("name", "").strip("\"'") or _index_name(table, columns)
    orders = _sort_orders(rest, columns)
    quoted = ", ".join(f'"{c}"' + orders.get(c, "") for c in columns)
    using = f" USING {options['using'].strip(':')}" if "using" in options else ""
    exists = "IF NOT EXISTS " if options.get("if_not_exists") == "true" else ""
    where = options.get("where", "")
    where = f" WHERE {where[1:-1]}" if where[:1] in ("'", '"') else ""
    return f'CREATE {unique}INDEX {how}{exists}"{label}" ON "{table}"{using} ({quoted}){where};\n'


def _before_options(rest: str) -> str:
    """A call's arguments before its first keyword option (`column: :x` names no table)."""
    found = re.search(r"(?<![:\w])\w+:(?=[ \t])", rest)
    return rest[: found.start()] if found else rest


def _sort_orders(rest: str, columns: list[str]) -> dict[str, str]:
    """`order:` of add_index or t.index as the adapter writes it after each key
    (add_index_sort_order): a hash gives each column its own (`{ score: :desc }`, `{ b: "DESC
    NULLS LAST" }`), a symbol or string gives every column the same; upcased."""
    found = re.search(r"""\border:\s*(\{[^}]*\}|:\w+|"[^"]*"|'[^']*')""", rest)
    if found is None:
        return {}
    said = found.group(1)
    if not said.startswith("{"):
        return dict.fromkeys(columns, " " + said.strip(":\"'").upper())
    pairs = re.findall(r"""[:"']?(\w+)["']?(?::|\s*=>)\s*(:\w+|"[^"]*"|'[^']*')""", said)
    return {column: " " + order.strip(":\"'").upper() for column, order in pairs}


def _reference(
    table: str, column: str, options: dict[str, str], at: int, end: int
) -> list[tuple[str, int, int]]:
    """A reference's index (unless `index: false`) and foreign key (with `foreign_key: true`),
    each a statement of its own as add_reference runs them."""
    out = []
    if options.get("index") != "false":
        columns = [c for c, _ in _columns("references", column, options)]
        quoted = ", ".join(f'"{c}"' for c in columns)
        unique = "UNIQUE " if options.get("unique") == "true" else ""
        label = _index_name(table, columns)
        out.append((f'CREATE {unique}INDEX "{label}" ON "{table}" ({quoted});\n', at, end))
    key = _reference_key(table, column, options)
    if key is not None:
        out.append((f'ALTER TABLE "{table}" ADD {key[0]}', at, end))
        out.append((key[1] + ";\n", at, end))
    return out


def _reference_key(table: str, column: str, options: dict[str, str]) -> tuple[str, str] | None:
    """A reference's `CONSTRAINT name ` and `FOREIGN KEY ... REFERENCES ...` (with
    `foreign_key: true`): two pieces, so that a finding on the key points at the line."""
    if options.get("foreign_key", "false") == "false" or options.get("polymorphic") == "true":
        return None
    name = _foreign_key_name(table, f"{column}_id")
    return (
        f'CONSTRAINT "{name}" ',
        f'FOREIGN KEY ("{column}_id") REFERENCES "{_plural(column)}" ("id")',
    )


def _default(match: re.Match[str]) -> str:
    """A `default:` value as Rails' PostgreSQL adapter writes it in the column's SQL."""
    value = match.group(1)
    lambda_sql = match.group(2) if match.group(2) is not None else match.group(3)
    if lambda_sql is not None:
        return lambda_sql
    text = match.group(4) if match.group(4) is not None else match.group(5)
    if text is not None:
        return "'" + text.replace("'", "''") + "'"
    if value.startswith(("[", "{")):
        return "'{}'"
    return {"true": "TRUE", "false": "FALSE", "nil": "NULL"}.get(value, value)


def _index_name(table: str, columns: list[str]) -> str:
    """Rails' index name; 7.1 shortens one past the identifier limit to `idx_on_...` and a
    hash, as PostgreSQL would otherwise cut it."""
    name = f"index_{table}_on_{'_and_'.join(columns)}"
    if len(name.encode()) <= INDEX_NAME_LIMIT:
        return name
    hashed = "_" + hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"idx_on_{'_'.join(columns)}"[: INDEX_NAME_LIMIT - len(hashed)] + hashed


def _foreign_key_name(table: str, column: str) -> str:
    identifier = f"{table}_{column}_fk"
    return "fk_rails_" + hashlib.sha256(identifier.encode()).hexdigest()[:10]


def _columns(kind: str, name: str, options: dict[str, str]) -> list[tuple[str, str]]:
    """A `t.` line's columns, each with its Rails type: a reference is `name_id` (of its
    `type:`, bigint by default), after `name_type`, a string, when `polymorphic: true`."""
    if kind not in REFERENCES:
        return [(name, kind)]
    out = [(f"{name}_id", options.get("type", "bigint").lstrip(":"))]
    if options.get("polymorphic") == "true":
        out.insert(0, (f"{name}_type", "string"))
    return out


def _plural(name: str) -> str:
    """The table a reference names, as ActiveSupport's common English rules make it."""
    if name.endswith("y") and name[-2:-1] not in ("a", "e", "i", "o", "u"):
        return name[:-1] + "ies"
    return name + ("es" if name.endswith(("s", "x", "z", "ch", "sh")) else "s")


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _index_option(rest: str) -> dict[str, str] | None:
    """A column's `index:` in create_table (TableDefinition#column): `true`, or a hash of
    add_index's options; None for none (or `false`)."""
    found = re.search(r"\bindex:\s*(true\b|\{([^}]*)\})", rest)
    if found is None:
        return None
    return dict(OPTION.findall(found.group(2) or ""))


def _quoted_option(value: str | None) -> str | None:
    """A string option's value as the adapter quotes it (`'it''s'`); nil is NULL."""
    if value is None:
        return None
    if value == "nil":
        return "NULL"
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return "'" + value[1:-1].replace("'", "''") + "'"
    return None


# A keyword argument: its name, then a colon and a space (`null: false`), not a symbol's
# leading colon (`:name`) nor a constant's `::`.
KEYWORD = re.compile(r"(?<![:\w])(\w+):(?=[ \t])")


def _keywords(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The keyword arguments of a call's line, outside nested braces, brackets and strings
    (`index: { unique: true }` is one, `index`), each with its span."""
    out = []
    depth, quote, i = 0, "", start
    while i < end:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        elif c == "#":
            break  # a comment to the end of the line
        elif depth <= 0 and (found := KEYWORD.match(text, i)) and found.end() <= end:
            out.append((found.group(1), found.start(), found.end()))
            i = found.end()
            continue
        i += 1
    return out


def _option_span(text: str, at: int, end: int, name: str) -> tuple[int, int] | None:
    found = re.compile(rf"\b{name}:\s*\S+?(?=[,)\s]|$)").search(text, at, end)
    return (found.start(), found.end()) if found else None


def _block(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A `do |t| ... end` block opened on the line of `start`, to its `end` at that line's
    indentation."""
    if not re.search(r"\bdo\b", text[start:end]):
        return None
    line = text.rfind("\n", 0, start) + 1
    indent = re.match(r"[ \t]*", text[line:]).group()  # type: ignore[union-attr]
    close = re.compile(rf"^{indent}end\b", re.M).search(text, end)
    return end, close.start() if close else len(text)


def _down_ranges(text: str) -> list[tuple[int, int]]:
    out = []
    for match in DOWN.finditer(text):
        if match.group(2) == "{":
            close = text.find("}", match.end())
            out.append((match.start(), len(text) if close < 0 else close + 1))
            continue
        close = re.compile(rf"^{match.group(1)}end\b", re.M).search(text, match.end())
        out.append((match.start(), close.end() if close else len(text)))
    return out


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t(":
        at += 1
    return at


# `#{` that interpolates: not after an escaping backslash.
INTERPOLATION = re.compile(r"(?<!\\)(?:\\\\)*#\{")
# A double-quoted string's escapes (an escaped line end joins the lines), else the character.
ESCAPES = {"n": "\n", "t": "\t", "s": " ", "r": "\r", "0": "\0", "\n": ""}


def _string(text: str, at: int) -> tuple[list[tuple[str, int, int]], Literal] | None:
    """A Ruby string literal's pieces ('...' or "..."), decoded, and the literal; None for one
    with `#{...}` or anything else."""
    quote = text[at : at + 1]
    if quote not in ("'", '"'):
        return None
    out: list[tuple[str, int, int]] = []
    i = run = at + 1
    while i < len(text):
        c = text[i]
        if c == quote:
            if run < i:
                out.append((text[run:i], run, i))
            return out, Literal(at + 1, i, "rb", quote)
        if quote == '"' and text.startswith("#{", i):
            return None
        if c != "\\":
            i += 1
            continue
        if run < i:
            out.append((text[run:i], run, i))
        nxt = text[i + 1 : i + 2]
        if quote == "'":
            char = nxt if nxt in ("\\", "'") else "\\" + nxt
        else:
            char = ESCAPES.get(nxt, nxt)
        out.append((char, i, i + 2))
        i = run = i + 2
    return None


def _unescaped(text: str, start: int, stop: int) -> list[tuple[str, int, int]]:
    """The pieces of a double-quoted heredoc's body, its escapes decoded as Ruby does."""
    out: list[tuple[str, int, int]] = []
    i = run = start
    while i < stop - 1:
        if text[i] != "\\":
            i += 1
            continue
        if run < i:
            out.append((text[run:i], run, i))
        nxt = text[i + 1]
        out.append((ESCAPES.get(nxt, nxt), i, i + 2))
        i = run = i + 2
    if run < stop:
        out.append((text[run:stop], run, stop))
    return out


def _not_checked() -> str:
    return (
        f"{FRAMEWORK}: this SQL is built at run time (a variable or a string with #{{...}}), "
        f"so it is not checked; {STRUCTURE}"
    )
