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
    pattern = _pattern_ops(sql_type)
    if pattern and (db_index(field) or unique(field)):
        name = index_name(table, [column], "_like")
        out.append(f'CREATE INDEX "{name}" ON "{table}" ("{column}" {pattern});\n')
    return out


def _pattern_ops(sql_type: str) -> str | None:
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
