"""What each framework's own runner sends around a migration's SQL, as data: the transaction it
runs a migration in, the version row it writes inside that transaction (and the annotation that
moves the DDL out of it), and the bookkeeping table it creates that DSQL refuses.

`check` models the runner of a framework's files (unless the configuration names a
`migrations:` folder and no `framework:`: then `dsql-lint apply` is their runner and adds
nothing): a DDL in a transaction where the runner also writes its version row is DSQL406, a
bookkeeping table DSQL refuses is DSQL407, once per runner. DSQL refuses DDL and DML in one
transaction, and two DDL in one transaction or in one query string (dsql-facts.md,
Transactions and the SQLSTATE table).

Each entry says where its behaviour is known from: recorded (the framework run against
PostgreSQL with every statement logged: the stranger's round 5, and runners14 with the dbmate
and Supabase CLI binaries of their npm packages), read (the framework's package source from
PyPI or npm, with its version), or recalled (no package of it on a registry reached here:
goose, golang-migrate and ActiveRecord; the help says so).

A bookkeeping table the runner creates only when it is missing (`Bookkeeping.provided_by`) can
be created beforehand in a form DSQL accepts: where the files checked create it before the
runner's first file, DSQL407 is not reported (the pipeline reads the schema model).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The transaction a runner runs a migration's forward SQL in.
RUN = "every pending migration of a run in one transaction"
MIGRATION = "each migration in one transaction"
SECTION = "each up section in one transaction"
CHANGESET = "each changeset in one transaction"
QUERY = "each file as one query string, which DSQL runs as one transaction"
SCRIPT = "each migration.sql as one script, which DSQL runs as one transaction"
BATCH = (
    "each file's statements and its schema_migrations insert as one batch, which the server "
    "runs as one implicit transaction"
)
NONE = "each statement on its own (it opens no transaction)"

RECALLED = " (not confirmed against {what})"


@dataclass(frozen=True)
class Bookkeeping:
    """The runner's own table, created on its first run (or a write it makes on every run),
    that DSQL refuses."""

    table: str
    sql: str  # what the runner sends: tests/test_runners.py lints it with the rules
    refused: str  # the cluster's answer (dsql-facts.md)
    rule: str  # the rule of ours that refuses `sql`
    instead: str
    sends: str = "its first run sends"
    # The tables (schema, name) whose presence makes the runner send nothing of `sql`: it
    # creates them only when missing. Empty: it sends `sql` whatever exists.
    provided_by: tuple[tuple[str, str], ...] = ()
    # Those tables in a form DSQL accepts, one statement a line: the `bootstrap:` file `init`
    # writes (each statement in a transaction of its own when run as a plain SQL file).
    create: str = ""


@dataclass(frozen=True)
class Runner:
    name: str  # as `--framework` names it
    command: str  # the runner, as its users call it
    unit: str
    writes: str | None  # the version-row DML sent inside `unit`; None: none, or not known
    remedy: str  # how to keep DDL apart, in the framework's own terms
    source: str
    bookkeeping: Bookkeeping | None = None
    also: str = ""  # DSQL401/402's help only: what keeps two DDL (or DDL and DML) apart too
    # What the runner's behaviour is recalled from, not read or recorded here: its help says
    # "(not confirmed against ...)".
    recalled: str = ""
    # The version row is written inside the runner's transaction only when one transaction
    # holds the whole run (MappedSource.run): Knex and MikroORM write it after a migration's
    # own transaction otherwise.
    run_only: bool = False
    # What `writes` records, as DSQL406 names it: a seed file's row is no version.
    row: str = "version row"


APPLY = "apply the folder with `dsql-lint apply`, which runs one DDL per transaction"
# DSQL407's help where the runner skips a table that exists (Bookkeeping.provided_by).
CLEARS = (
    "; `check` reads that SQL before the migrations when it is named first on its command "
    "line or as `bootstrap:` in .dsql-lint.yaml, and this finding clears"
)
# How `check` then agrees with apply (README, "Which runner `check` models").
AS_APPLY = (
    " (name the folder as `migrations:` in .dsql-lint.yaml with no `framework:`, and `check` "
    "reads it as apply runs it)"
)
RUNNERS: dict[str, Runner] = {
    runner.name: runner
    for runner in (
        Runner(
            "alembic",
            "alembic upgrade",
            RUN,
            "`INSERT INTO alembic_version` (first revision) or `UPDATE alembic_version`",
            "put each DDL in `with op.get_context().autocommit_block():` (even with "
            "`transaction_per_migration=True` the version row is written in the revision's "
            "transaction)",
            "recorded: `alembic upgrade head --sql` (stranger round 5, alembic_default and "
            "alembic_clean)",
        ),
        Runner(
            "django",
            "python manage.py migrate",
            MIGRATION,
            '`INSERT INTO "django_migrations"`',
            "set `atomic = False` on the Migration class and keep one DDL per operation",
            "recorded: `manage.py migrate` against PostgreSQL (stranger round 5, django_one); "
            "read: django/db/migrations/executor.py (`record_migration` inside "
            "`schema_editor(atomic=migration.atomic)`) and recorder.py",
            Bookkeeping(
                "django_migrations",
                'CREATE TABLE "django_migrations" ("id" bigint NOT NULL PRIMARY KEY GENERATED '
                'BY DEFAULT AS IDENTITY, "app" varchar(255) NOT NULL, "name" varchar(255) NOT '
                'NULL, "applied" timestamp with time zone NOT NULL);',
                "0A000 identity column is not supported without an explicit cache size",
                "DSQL153",
                "create it before the first `migrate`, which creates it only when it is "
                "missing (MigrationRecorder.ensure_schema): `CREATE TABLE django_migrations "
                "(id bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY, app "
                "varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamptz NOT "
                "NULL)`",
                provided_by=(("public", "django_migrations"),),
                create=(
                    "CREATE TABLE django_migrations (id bigint GENERATED BY DEFAULT AS "
                    "IDENTITY (CACHE 1) PRIMARY KEY, app varchar(255) NOT NULL, name "
                    "varchar(255) NOT NULL, applied timestamptz NOT NULL);"
                ),
            ),
        ),
        Runner(
            "rails",
            "rails db:migrate",
            MIGRATION,
            '`INSERT INTO "schema_migrations"`',
            "add `disable_ddl_transaction!` to the migration class and keep one DDL per migration",
            "recalled: ActiveRecord's Migrator records the version in the migration's "
            "`ddl_transaction`" + RECALLED.format(what="ActiveRecord's source"),
            recalled="ActiveRecord's source",
        ),
        Runner(
            "goose",
            "goose up",
            SECTION,
            "`INSERT INTO goose_db_version`",
            "add `-- +goose NO TRANSACTION` to the file (goose then runs each statement on its "
            "own)",
            "recalled: goose runs the Up statements and its version insert in one "
            "transaction" + RECALLED.format(what="goose's source"),
            bookkeeping=Bookkeeping(
                "goose_db_version",
                "CREATE TABLE goose_db_version (id integer PRIMARY KEY GENERATED BY DEFAULT AS "
                "IDENTITY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp "
                "timestamp NOT NULL DEFAULT now());",
                "0A000 datatype integer not supported, identity column type must be bigint",
                "DSQL153",
                "apply the folder with `dsql-lint apply` (goose's files as goose reads them, "
                "its own ledger); goose's key is an integer identity (a SERIAL in older goose), "
                "created with its version 0 row in one transaction"
                + RECALLED.format(what="goose's source"),
            ),
            also=", or give each DDL a migration of its own",
            recalled="goose's source",
        ),
        Runner(
            "dbmate",
            "dbmate up",
            SECTION,
            "`insert into <schema>.schema_migrations (version)`",
            "write `-- migrate:up transaction:false` and keep one DDL per migration (dbmate "
            "then sends the section as one query string, which DSQL runs as one transaction)",
            "recorded: dbmate 2.36.0 (npm @dbmate/linux-x64) against PostgreSQL: `BEGIN READ "
            "WRITE`, the up section as one query string, the version insert, `COMMIT`; with "
            "`transaction:false` the section as one query string and the insert after it; "
            "`create table if not exists public.schema_migrations (version varchar primary "
            "key)`, which DSQL accepts",
            also="; or " + APPLY,
        ),
        Runner(
            "golang-migrate",
            "migrate up",
            QUERY,
            None,  # the version is set in a transaction of its own
            "keep one DDL per .up.sql file, or add `x-multi-statement=true` to the database "
            "URL (each statement is then sent alone)",
            "recalled: the postgres driver sends the file as one query string unless "
            "x-multi-statement, and SetVersion truncates its table"
            + RECALLED.format(what="golang-migrate's source"),
            Bookkeeping(
                "schema_migrations",
                "TRUNCATE schema_migrations;",
                "0A000 unsupported statement: Truncate",
                "DSQL701",
                "apply the folder with `dsql-lint apply` (`.up.sql` files, its own ledger): "
                "golang-migrate's postgres driver records every version with `TRUNCATE "
                "schema_migrations` and an INSERT" + RECALLED.format(what="its source"),
                "each migration it records sends",
            ),
            recalled="golang-migrate's source",
        ),
        Runner(
            "drizzle",
            "drizzle-kit migrate",
            RUN,
            '`insert into "drizzle"."__drizzle_migrations"`',
            "drizzle-orm's migrator has no option to run a migration outside its transaction: "
            + APPLY
            + AS_APPLY,
            "recorded: drizzle-orm's `migrate()` against PostgreSQL (stranger round 5, "
            "drizzle_one); read: drizzle-orm 0.45.4 (npm) pg-core/dialect.js `migrate()`: one "
            "`session.transaction` around every pending migration, each breakpoint statement "
            "executed alone, the row inserted after each migration",
            Bookkeeping(
                '"drizzle"."__drizzle_migrations"',
                'CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL '
                "PRIMARY KEY, hash text NOT NULL, created_at bigint);",
                '42704 type "serial" does not exist',
                "DSQL101",
                "apply the drizzle/ folder with `dsql-lint apply`, which reads its journal and "
                "breakpoints and keeps its own ledger" + AS_APPLY + "; or, for this finding "
                "alone (DSQL406 stays), create the table first, as the migrator sends `CREATE "
                "TABLE IF NOT EXISTS`: `CREATE SCHEMA drizzle`, then `CREATE TABLE "
                "drizzle.__drizzle_migrations (id bigint GENERATED BY DEFAULT AS IDENTITY "
                "(CACHE 1) PRIMARY KEY, hash text NOT NULL, created_at bigint)`",
                provided_by=(("drizzle", "__drizzle_migrations"),),
                create=(
                    "CREATE SCHEMA drizzle;\nCREATE TABLE drizzle.__drizzle_migrations (id "
                    "bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY, hash "
                    "text NOT NULL, created_at bigint);"
                ),
            ),
        ),
        Runner(
            "supabase",
            "supabase db push",
            BATCH,
            "`INSERT INTO supabase_migrations.schema_migrations`",
            "the CLI writes that row in every file's batch, so no file with DDL passes with it: "
            "only `dsql-lint apply` runs such a folder on DSQL (name it as `migrations:` in "
            ".dsql-lint.yaml with no `framework:`)",
            "recorded: Supabase CLI 3.1.0 (npm @supabase/cli-linux-x64, `db push --db-url`) "
            "against PostgreSQL: a file's statements and its version insert sent as one "
            "pipeline with no BEGIN, one implicit transaction; the bookkeeping in a transaction "
            "of its own, skipped when the table has its three columns",
            Bookkeeping(
                "supabase_migrations.schema_migrations",
                "BEGIN; SET LOCAL lock_timeout = '4s'; CREATE SCHEMA IF NOT EXISTS "
                "supabase_migrations; CREATE TABLE IF NOT EXISTS "
                "supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY); "
                "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS "
                "statements text[]; ALTER TABLE supabase_migrations.schema_migrations ADD "
                "COLUMN IF NOT EXISTS name text; COMMIT;",
                "0A000 multiple ddl statements not supported in a transaction; a `text[]` "
                "column: datatype text[] not supported; and before them `SET LOCAL "
                "lock_timeout`, a setting DSQL does not allow",
                "DSQL401",
                "create it before the first push, each statement in a transaction of its own: "
                "`CREATE SCHEMA supabase_migrations`, then `CREATE TABLE "
                "supabase_migrations.schema_migrations (version text PRIMARY KEY, name text, "
                "statements text)`; the CLI sends none of this when the table has these three "
                "columns (recorded against PostgreSQL, where `statements text` takes its insert)",
                provided_by=(("supabase_migrations", "schema_migrations"),),
                create=(
                    "CREATE SCHEMA supabase_migrations;\nCREATE TABLE "
                    "supabase_migrations.schema_migrations (version text PRIMARY KEY, name "
                    "text, statements text);"
                ),
            ),
        ),
        Runner(
            "supabase-seed",
            "supabase db push --include-seed",
            "each seed file in one transaction with its `seed_files` row",
            "`INSERT INTO supabase_migrations.seed_files(path, hash) ... ON CONFLICT (path) DO "
            "UPDATE`",
            "keep DDL out of seed files (in a migration of its own), and at most 3,000 rows a "
            "file; or seed with `dsql-lint apply` (no `--include-seed`), which runs one "
            "statement per transaction",
            "recorded: Supabase CLI 3.1.0 (npm @supabase/cli-linux-x64, `db push --db-url ... "
            "--include-seed`) against PostgreSQL: after the migrations, each file of `[db.seed] "
            "sql_paths` as `BEGIN`, its statements, its `seed_files` row, `COMMIT`; the "
            "bookkeeping in a transaction of its own, skipped when the table has its two columns "
            "(tests/data/supabase_3.1.0_db_push_seed.log)",
            Bookkeeping(
                "supabase_migrations.seed_files",
                "BEGIN; SET LOCAL lock_timeout = '4s'; CREATE SCHEMA IF NOT EXISTS "
                "supabase_migrations; CREATE TABLE IF NOT EXISTS supabase_migrations.seed_files "
                "(path text NOT NULL PRIMARY KEY, hash text NOT NULL); COMMIT;",
                "0A000 multiple ddl statements not supported in a transaction; and before "
                "them `SET LOCAL lock_timeout`, a setting DSQL does not allow",
                "DSQL401",
                "create it before the first seeding, in a transaction of its own (the schema "
                "first, if no migration made it): `CREATE TABLE supabase_migrations.seed_files "
                "(path text PRIMARY KEY, hash text NOT NULL)`; the CLI sends none of this when "
                "the table has these two columns",
                "its first seeding sends",
                provided_by=(("supabase_migrations", "seed_files"),),
                create=(
                    "CREATE TABLE supabase_migrations.seed_files (path text PRIMARY KEY, hash "
                    "text NOT NULL);"
                ),
            ),
            row="`seed_files` row",
        ),
        Runner(
            "typeorm",
            "typeorm migration:run",
            RUN + ' (`migrationsTransactionMode: "all"`, the default)',
            '`INSERT INTO "migrations"`',
            'set `migrationsTransactionMode: "each"` in the DataSource (or run `typeorm '
            "migration:run --transaction each`) and add `transaction = false` to each migration "
            "class with DDL, which then runs its queries one by one and writes its row after "
            'them; under the default "all", TypeORM refuses to run a migration that sets '
            "`transaction`",
            "recorded: typeorm 1.1.4 (npm) against PostgreSQL (`START TRANSACTION`, each "
            'migration and its `INSERT INTO "migrations"`, one `COMMIT`; with "each" and '
            "`transaction = false`, each statement on its own); read: "
            "migration/MigrationExecutor.js "
            '(`executePendingMigrations`: `transaction = "all"` by default, '
            "`insertExecutedMigration` before the commit, `ForbiddenTransactionModeOverrideError`"
            "), commands/MigrationRunCommand.js, driver/postgres/PostgresQueryRunner.js",
            Bookkeeping(
                "migrations",
                'CREATE TABLE "migrations" ("id" SERIAL NOT NULL, "timestamp" bigint NOT NULL, '
                '"name" character varying NOT NULL, CONSTRAINT "PK_8c82d7f526340ab734260ea46be" '
                'PRIMARY KEY ("id"));',
                '42704 type "serial" does not exist',
                "DSQL101",
                "create it before the first `migration:run`, which creates it only when it is "
                "missing (`createMigrationsTableIfNotExist`): `CREATE TABLE migrations (id "
                "bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY, "
                '"timestamp" bigint NOT NULL, name varchar NOT NULL)` (`migrationsTableName` '
                "renames it)",
                provided_by=(("public", "migrations"),),
                create=(
                    "CREATE TABLE migrations (id bigint GENERATED BY DEFAULT AS IDENTITY "
                    '(CACHE 1) PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT '
                    "NULL);"
                ),
            ),
        ),
        Runner(
            "knex",
            "knex migrate:latest",
            "every pending migration of a run in one transaction, with its lock row and each "
            "migration's row, unless one of them sets `config.transaction = false`",
            '`update "knex_migrations_lock"` and `insert into "knex_migrations"`',
            "add `exports.config = { transaction: false }` to the migrations with DDL and keep "
            "one DDL per migration: Knex then runs each other migration in a transaction of its "
            "own and writes every row after it (`disableTransactions: true` in the knexfile "
            "runs none in one)",
            "recorded: knex 3.3.0 (npm) `migrate.latest()` against PostgreSQL, with and "
            "without a migration that opts out; read: lib/migrations/migrate/Migrator.js "
            "(`latest`: "
            "`transactionForAll` unless `disableTransactions` or a migration's "
            "`config.transaction` is false; `_runBatch` locks and `_waterfallBatch` inserts "
            "each row in that transaction, else after the migration's own) and table-creator.js",
            Bookkeeping(
                "knex_migrations",
                'create table "knex_migrations" ("id" serial primary key, "name" varchar(255), '
                '"batch" integer, "migration_time" timestamptz); create table '
                '"knex_migrations_lock" ("index" serial primary key, "is_locked" integer);',
                '42704 type "serial" does not exist',
                "DSQL101",
                "create both before the first `migrate:latest`, which creates each only when it "
                "is missing (`ensureTable`), each in a transaction of its own: `CREATE TABLE "
                "knex_migrations (id bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY "
                "KEY, name varchar(255), batch integer, migration_time timestamptz)` and "
                '`CREATE TABLE knex_migrations_lock ("index" bigint GENERATED BY DEFAULT AS '
                "IDENTITY (CACHE 1) PRIMARY KEY, is_locked integer)`",
                provided_by=(("public", "knex_migrations"), ("public", "knex_migrations_lock")),
                create=(
                    "CREATE TABLE knex_migrations (id bigint GENERATED BY DEFAULT AS "
                    "IDENTITY (CACHE 1) PRIMARY KEY, name varchar(255), batch integer, "
                    "migration_time timestamptz);\nCREATE TABLE knex_migrations_lock "
                    '("index" bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY '
                    "KEY, is_locked integer);"
                ),
            ),
            run_only=True,
        ),
        Runner(
            "mikro-orm",
            "mikro-orm migration:up",
            RUN + " (`migrations: { transactional: true, allOrNothing: true }`, the defaults)",
            '`insert into "mikro_orm_migrations"`, and each migration in a SAVEPOINT, which '
            "DSQL refuses",
            "override `isTransactional()` to return false in each migration with DDL (its "
            "queries then run one by one, outside the run's transaction) and keep one DDL per "
            "`addSql`, or set `migrations: { allOrNothing: false }` (each migration in a "
            "transaction of its own, its row written after it)",
            "recorded: @mikro-orm/migrations 6.6.16 (npm) against PostgreSQL (`BEGIN`, each "
            "migration in `SAVEPOINT`/`RELEASE SAVEPOINT` followed by its row, `COMMIT`; with "
            "`allOrNothing: false`, each migration's own transaction and its row after it; "
            "with `isTransactional()` false, its queries on another connection); read: "
            "Migrator.js (`runMigrations`: one "
            "transaction when `transactional` and `allOrNothing`), MigrationRunner.js, "
            "MigrationStorage.js (`logMigration` in that transaction, `ensureTable`); the "
            "defaults from @mikro-orm/core 6.6.16 utils/Configuration.js",
            Bookkeeping(
                "mikro_orm_migrations",
                'create table "mikro_orm_migrations" ("id" serial primary key, "name" '
                'varchar(255), "executed_at" timestamptz default CURRENT_TIMESTAMP);',
                '42704 type "serial" does not exist',
                "DSQL101",
                "create it before the first `migration:up`, which creates it only when it is "
                "missing (`ensureTable`): `CREATE TABLE mikro_orm_migrations (id bigint "
                "GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY, name varchar(255), "
                "executed_at timestamptz DEFAULT CURRENT_TIMESTAMP)`",
                provided_by=(("public", "mikro_orm_migrations"),),
                create=(
                    "CREATE TABLE mikro_orm_migrations (id bigint GENERATED BY DEFAULT AS "
                    "IDENTITY (CACHE 1) PRIMARY KEY, name varchar(255), executed_at "
                    "timestamptz DEFAULT CURRENT_TIMESTAMP);"
                ),
            ),
            run_only=True,
        ),
        Runner(
            "sequelize",
            "sequelize-cli db:migrate",
            NONE,
            None,  # SequelizeMeta's row is written after the migration, in autocommit
            "keep one DDL per `queryInterface` call, and at most one DDL in a transaction the "
            "migration opens itself (`sequelize.transaction()`)",
            "read: sequelize-cli 6.6.5 (npm) lib/core/migrator.js with umzug 2.3.0's "
            "SequelizeStorage (`SequelizeMeta`, created by `sync()` as `CREATE TABLE IF NOT "
            'EXISTS "SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY '
            '("name"))`, which DSQL accepts; each row by `Model.create` after the migration)',
        ),
        Runner(
            "flyway",
            "flyway migrate",
            MIGRATION,
            None,  # where Flyway writes flyway_schema_history is not known here
            "keep one DDL per V file (DML in a file of its own), set `executeInTransaction="
            "false` in the script's config file (`V2__name.sql.conf`), or run Flyway with "
            "AWS's Flyway plugin for DSQL, which runs each DDL in its own transaction; or " + APPLY,
            "Flyway docs, Migration transaction handling and Script config files; dsql-facts.md "
            "FLYWAY",
        ),
        Runner(
            "prisma",
            "prisma migrate deploy",
            SCRIPT,
            None,  # _prisma_migrations is written apart from the script
            "split the statements into migrations of one DDL each (`prisma migrate dev "
            "--create-only`, then move each into a migration folder of its own); or "
            "apply prisma/migrations with `dsql-lint apply`, which runs one DDL per transaction",
            "Prisma docs, Migrate: migration.sql is sent as one script",
        ),
        Runner(
            "liquibase",
            "liquibase update",
            CHANGESET,
            None,  # where Liquibase writes DATABASECHANGELOG is not known here
            "put each DDL in a changeset of its own, or set `runInTransaction:false` on the "
            "changeset; or " + APPLY,
            "Liquibase docs, SQL format changelogs",
        ),
    )
}

TYPEORM_EACH = (
    "read: typeorm 1.1.4 (npm) migration/MigrationExecutor.js `executePendingMigrations`: "
    "`migrationsTransactionMode` (DataSource options, or `migration:run --transaction`) sets "
    "each migration's default, `{ each: true, none: false, all: false }`, and a migration's "
    "own `transaction` overrides it; a migration run in a transaction starts it before `up` and "
    "commits after `insertExecutedMigration`; recorded: typeorm_1.1.4_each_opt_out.log"
)
KNEX_DISABLED = (
    "read: knex 3.3.0 (npm) lib/migrations/migrate/Migrator.js: `latest` runs no transaction "
    "for the run when `disableTransactions`; `_useTransaction` takes a migration's "
    "`config.transaction` when it is a boolean, else `!disableTransactions`; `_waterfallBatch` "
    "inserts the row after the migration's own `knex.transaction`"
)
MIKRO_RUNS = (
    "read: @mikro-orm/migrations 6.6.16 (npm) Migrator.js `runMigrations` (the run's "
    "transaction only when `transactional` and `allOrNothing`) and MigrationRunner.js `run` "
    "(a migration's queries one by one, outside any transaction, unless `transactional` and "
    "`isTransactional()`); recorded: mikro-orm_6.6.16_up_all_or_nothing_false.log"
)
# Runners as a project's configuration sets them (orm/js_config.py reads the setting, as the
# configuration writes it): the transactions they then run, in place of the default's.
CONFIGURED: dict[tuple[str, str], Runner] = {
    (name, setting): replace(RUNNERS[name], unit=unit, remedy=remedy, source=source)
    for name, setting, unit, remedy, source in (
        (
            "typeorm",
            'migrationsTransactionMode: "each"',
            "each migration in a transaction of its own with its row (`migrationsTransactionMode: "
            '"each"`), unless the migration sets `transaction = false`',
            "add `transaction = false` to each migration class with DDL, which then runs its "
            "queries one by one and writes its row after them, and keep one DDL per query",
            TYPEORM_EACH,
        ),
        (
            "typeorm",
            'migrationsTransactionMode: "none"',
            'each statement on its own (`migrationsTransactionMode: "none"`), except in a '
            "migration that sets `transaction = true`: that one in a transaction of its own with "
            "its row",
            "remove `transaction = true` from the migrations with DDL",
            TYPEORM_EACH,
        ),
        (
            "knex",
            "disableTransactions: true",
            "each statement on its own (`disableTransactions: true`), except in a migration "
            "that sets `config.transaction = true`: that one in a transaction of its own, its "
            "row written after it",
            "remove `transaction: true` from the `config` of the migrations with DDL, or keep "
            "one DDL in each",
            KNEX_DISABLED,
        ),
        (
            "mikro-orm",
            "transactional: false",
            "each statement on its own (`migrations: { transactional: false }`)",
            "keep one DDL per `addSql`",
            MIKRO_RUNS,
        ),
        (
            "mikro-orm",
            "allOrNothing: false",
            "each migration in a transaction of its own, its row written after it "
            "(`migrations: { allOrNothing: false }`)",
            "override `isTransactional()` to return false in each migration with DDL (its "
            "queries then run one by one) and keep one DDL per `addSql`",
            MIKRO_RUNS,
        ),
    )
}

# The frameworks of ORM files, by the label their reader gives them (orm/*.py `FRAMEWORK`).
LABELS = {
    "Alembic migration": "alembic",
    "Django migration": "django",
    "Rails migration": "rails",
    "TypeORM migration": "typeorm",
    "Knex migration": "knex",
    "MikroORM migration": "mikro-orm",
    "Sequelize migration": "sequelize",
}


def runner_of(framework: str | None, setting: str = "") -> Runner | None:
    """The runner of a framework (a file format's name, or an ORM reader's label), as the
    project's configuration `setting` makes it (CONFIGURED); None for plain SQL and
    frameworks not described."""
    if framework is None:
        return None
    runner = RUNNERS.get(LABELS.get(framework, framework))
    if runner is None or not setting:
        return runner
    return CONFIGURED.get((runner.name, setting), runner)


def transaction_help(runner: Runner) -> str:
    """DSQL401/402's help in a runner's files."""
    return f"`{runner.command}` runs {runner.unit}: {runner.remedy}{runner.also}{_unsure(runner)}."


def write_help(runner: Runner) -> str:
    """DSQL406's help."""
    return (
        f"`{runner.command}` writes its {runner.row} in that transaction: {runner.remedy}"
        f"{_unsure(runner)}."
    )


def _unsure(runner: Runner) -> str:
    return RECALLED.format(what=runner.recalled) if runner.recalled else ""


def run_help(runner: Runner) -> str:
    """DSQL401/402's help in a file whose transaction an earlier file of the run began
    (`{earlier}` names it, MappedSource.run_hint)."""
    return (
        f"`{runner.command}` runs {runner.unit}, so this shares the transaction {{earlier}} "
        f"began: {runner.remedy}."
    )


def query_help(runner: Runner, unit: str) -> str:
    """DSQL401/402's help for `unit`, what the runner sends as one query string outside its
    transaction (formats.QUERY_UNITS)."""
    each = "a call of its own" if unit == CALL_STRING else "a migration of its own"
    return (
        f"`{runner.command}` sends {unit} as one query string, which DSQL runs as one "
        f"transaction: give each DDL {each}; or {APPLY}."
    )


CALL_STRING = "a call's SQL string"  # what an ORM library sends as one query string
