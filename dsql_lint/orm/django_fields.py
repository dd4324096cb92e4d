"""A Django field's options read as the PostgreSQL schema editor reads them (Django 5.2,
`db/backends/base/schema.py` and `postgresql/schema.py`), and the indexes they make it send.

A field is indexed when `db_index` is set (ForeignKey and SlugField set it by default) and
it is not unique (`unique=True`, a primary key or a OneToOneField: their constraint is the
index). A varchar or text column that is indexed or unique also gets a second index with the
pattern operator class that LIKE needs outside the C locale (`_create_like_index_sql`), named
with the `_like` suffix; array columns do not. Names are Django's own (`_create_index_name`).
"""

from __future__ import annotations

import ast
import hashlib

from dsql_lint.orm.pyliterals import constant, keyword, name_of

MAX_NAME = 63  # the PostgreSQL backend's max_name_length()
INDEXED = {"ForeignKey", "OneToOneField", "SlugField"}  # db_index defaults to True
UNIQUE = {"OneToOneField"}  # unique defaults to True
# Field class -> the column type Django's PostgreSQL backend writes.
TYPES = {
    "AutoField": "INTEGER", "BigAutoField": "BIGINT", "SmallAutoField": "SMALLINT",
    "IntegerField": "INTEGER", "BigIntegerField": "BIGINT", "SmallIntegerField": "SMALLINT",
    "PositiveIntegerField": "INTEGER", "PositiveBigIntegerField": "BIGINT",
    "PositiveSmallIntegerField": "SMALLINT", "BooleanField": "BOOLEAN", "TextField": "TEXT",
    "CharField": "VARCHAR", "EmailField": "VARCHAR", "SlugField": "VARCHAR",
    "URLField": "VARCHAR", "FileField": "VARCHAR", "ImageField": "VARCHAR",
    "DateTimeField": "TIMESTAMP WITH TIME ZONE", "DateField": "DATE", "TimeField": "TIME",
    "DurationField": "INTERVAL", "DecimalField": "NUMERIC", "FloatField": "DOUBLE PRECISION",
    "UUIDField": "UUID", "JSONField": "JSONB", "BinaryField": "BYTEA",
    "GenericIPAddressField": "INET", "IPAddressField": "INET", "FilePathField": "VARCHAR",
    "NullBooleanField": "BOOLEAN",
    # django.contrib.postgres
    "HStoreField": "HSTORE", "CICharField": "CITEXT", "CIEmailField": "CITEXT",
    "CITextField": "CITEXT", "IntegerRangeField": "INT4RANGE", "BigIntegerRangeField": "INT8RANGE",
    "DecimalRangeField": "NUMRANGE", "DateRangeField": "DATERANGE",
    "DateTimeRangeField": "TSTZRANGE", "SearchVectorField": "TSVECTOR",
}  # fmt: skip
# The field classes Django ships whose column is written otherwise (a relation's is its
# target key's, an array's its base field's) or that have none (a many-to-many's table).
SHIPPED = {
    "ForeignKey", "OneToOneField", "ManyToManyField", "ArrayField", "GeneratedField",
    "CompositePrimaryKey", "OrderWrt",
}  # fmt: skip
# The max_length a field class gives itself.
LENGTHS = {
    "EmailField": 254, "SlugField": 50, "URLField": 200, "FileField": 100, "ImageField": 100,
    "FilePathField": 100,
}  # fmt: skip
# The keyword arguments of Django 5.2's fields (db/models/fields/__init__.py, related.py,
# files.py, json.py, generated.py, contrib/postgres/fields): each either writes no SQL (a
# form's or the ORM's business), or is written by this reader (`db_comment`, `db_collation`,
# `db_default`...). Any other is said at the keyword (DSQL007), never passed over silently.
FIELD_OPTIONS = {
    "verbose_name", "name", "primary_key", "max_length", "unique", "blank", "null",
    "db_index", "default", "editable", "serialize", "unique_for_date", "unique_for_month",
    "unique_for_year", "choices", "help_text", "db_column", "auto_created", "validators",
    "error_messages", "db_comment", "db_default", "db_collation", "auto_now", "auto_now_add",
    "max_digits", "decimal_places", "to", "on_delete", "related_name", "related_query_name",
    "limit_choices_to", "to_field", "db_constraint", "parent_link", "swappable", "through",
    "through_fields", "db_table", "symmetrical", "upload_to", "storage", "width_field",
    "height_field", "protocol", "unpack_ipv4", "allow_unicode", "path", "match", "recursive",
    "allow_files", "allow_folders", "encoder", "decoder", "base_field", "size", "expression",
    "output_field", "db_persist", "rel",
}  # fmt: skip
AUTO = {"AutoField", "BigAutoField", "SmallAutoField"}
POSITIVE = {"PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}
RELATIONS = {"ForeignKey", "OneToOneField"}


def db_index(field: ast.Call) -> bool:
    option = keyword(field, "db_index")
    return name_of(field.func) in INDEXED if option is None else constant(option) is True


def unique(field: ast.Call) -> bool:
    """Django's `Field.unique`: `unique=True` or a primary key."""
    option = keyword(field, "unique")
    said = name_of(field.func) in UNIQUE if option is None else constant(option) is True
    return said or constant(keyword(field, "primary_key")) is True


def field_indexes(table: str, column: str, sql_type: str, field: ast.Call) -> list[str]:
    """The CREATE INDEX statements Django sends for the field's column of type `sql_type`
    (`_field_indexes_sql`), in its order."""
    out = []
    if db_index(field) and not unique(field):
        out.append(f'CREATE INDEX "{index_name(table, [column])}" ON "{table}" ("{column}");\n')
    pattern = pattern_ops(sql_type)
    if pattern and (db_index(field) or unique(field)):
        name = index_name(table, [column], "_like")
        out.append(f'CREATE INDEX "{name}" ON "{table}" ("{column}" {pattern});\n')
    return out


def pattern_ops(sql_type: str) -> str | None:
    kind = sql_type.lower()
    if "[" in kind:
        return None
    if kind.startswith("varchar"):
        return "varchar_pattern_ops"
    if kind.startswith("text"):
        return "text_pattern_ops"
    return None


def index_name(table: str, columns: list[str], suffix: str = "") -> str:
    """The name Django gives an index or constraint it names itself: the table, the columns
    and an md5 digest of them (BaseDatabaseSchemaEditor._create_index_name, names_digest),
    shortened to PostgreSQL's 63 bytes as Django shortens it."""
    digest = hashlib.md5("".join([table, *columns]).encode(), usedforsecurity=False)
    hashed = digest.hexdigest()[:8] + suffix
    name = f"{table}_{'_'.join(columns)}_{hashed}"
    if len(name) <= MAX_NAME:
        return name
    if len(hashed) > MAX_NAME / 3:
        hashed = hashed[: MAX_NAME // 3]
    other = (MAX_NAME - len(hashed)) // 2 - 1
    name = f"{table[:other]}_{'_'.join(columns)[:other]}_{hashed}"
    return f"D{name[:-1]}" if name[0] == "_" or name[0].isdigit() else name


def check(column: str, field: ast.Call) -> str | None:
    """The CHECK a field's type carries (`db_parameters()["check"]`)."""
    return f'"{column}" >= 0' if name_of(field.func) in POSITIVE else None


def truncate_name(name: str, length: int = MAX_NAME) -> str:
    """django.db.backends.utils.truncate_name: a name too long keeps its start and 4
    characters of its md5."""
    if len(name) <= length:
        return name
    digest = hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()[:4]
    return name[: length - 4] + digest


def column_of(name: str, field: ast.Call) -> str:
    """A field's column: its db_column, else its name (a relation's with `_id`)."""
    db_column = constant(keyword(field, "db_column"))
    if isinstance(db_column, str):
        return db_column
    return f"{name}_id" if name_of(field.func) in RELATIONS else name


def is_key(field: ast.Call) -> bool:
    return constant(keyword(field, "primary_key")) is True or name_of(field.func) in AUTO


def constrained(field: ast.Call) -> bool:
    """A relation whose foreign key constraint Django creates."""
    return (
        name_of(field.func) in RELATIONS and constant(keyword(field, "db_constraint")) is not False
    )


def shipped(field: ast.Call) -> bool:
    """Whether Django (or django.contrib.postgres) ships the field's class: another's column
    type is its own `db_type`, which is not known here."""
    kind = name_of(field.func)
    return kind in TYPES or kind in SHIPPED


def sql_type(field: ast.Call) -> str:
    kind = name_of(field.func)
    if kind == "ArrayField":
        base = keyword(field, "base_field", 0)
        size = constant(keyword(field, "size"))  # ArrayField.db_type: `base[size]`
        bounds = f"[{size}]" if isinstance(size, int) else "[]"
        return (sql_type(base) if isinstance(base, ast.Call) else "TEXT") + bounds
    if kind in RELATIONS:
        return "BIGINT"
    sql = TYPES.get(kind, "TEXT")
    if sql == "VARCHAR":
        length = constant(keyword(field, "max_length"))
        return f"VARCHAR({length if isinstance(length, int) else LENGTHS.get(kind, 255)})"
    if kind == "DecimalField":
        digits, places = (
            constant(keyword(field, "max_digits")),
            constant(keyword(field, "decimal_places")),
        )
        return f"NUMERIC({digits}, {places})" if digits is not None else sql
    return sql


def effective_default(field: ast.Call) -> tuple[str, ast.expr] | None:
    """What Django's schema editor fills existing rows with when a field is added, as SQL,
    and the argument that says it: its `db_default` or `default`, or '' for a required
    string field that may be blank; None when the column gets no DEFAULT (`default=None`
    too: the schema editor writes no DEFAULT for a None)."""
    for name in ("db_default", "default"):
        found = keyword(field, name)
        if found is not None:
            none = isinstance(found, ast.Constant) and found.value is None
            return None if none else (literal(found), found)
    blank = keyword(field, "blank")
    text = sql_type(field).startswith(("VARCHAR", "TEXT"))
    required = constant(keyword(field, "null")) is not True
    if text and required and blank is not None and constant(blank) is True:
        return "''", blank
    return None


def literal(node: ast.expr) -> str:
    """A default's SQL: a constant as PostgreSQL reads it; a value computed when the
    migration runs (a callable) as NULL, which is as much a DEFAULT to the rules."""
    value = constant(node)
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return "NULL"
