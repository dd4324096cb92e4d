"""Other migration tools' history tables. apply keeps its own ledger and never writes theirs
(docs/apply.md, "Switching from another tool"): a database one of them migrated, with no
dsql-lint ledger yet, most likely needs `baseline` before the first apply, or apply runs every
migration again."""

from __future__ import annotations

from typing import Any

# The table each tool records its migrations in, by its default name.
TABLES = {
    "flyway_schema_history": "Flyway",
    "schema_migrations": "golang-migrate, dbmate or Rails",
    "goose_db_version": "goose",
    "databasechangelog": "Liquibase",
    "_prisma_migrations": "Prisma",
    "__drizzle_migrations": "Drizzle",
    "alembic_version": "Alembic",
    "django_migrations": "Django",
    "knex_migrations": "Knex",
}


def found(conn: Any) -> list[tuple[str, str]]:
    """(schema-qualified table, tool) for each of those tables the database has."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND lower(c.relname) = ANY(%s)"
        " ORDER BY n.nspname, c.relname",
        (list(TABLES),),
    ).fetchall()
    return [(f"{schema}.{name}", TABLES[name.lower()]) for schema, name in rows]


def warning(tables: list[tuple[str, str]]) -> str:
    named = ", ".join(f"{table} ({tool})" for table, tool in tables)
    return (
        f"this database has another tool's migration history, {named}, and no dsql-lint "
        "ledger: if that tool applied these migrations, stop and run `dsql-lint baseline "
        "--version V` first, or apply runs them all again (apply never reads or writes "
        "that table)"
    )
