"""What an ORM project's configuration and its libraries' options say, read as each
framework's own CLI reads them: never taken silently as something else."""

from __future__ import annotations

import shutil
from pathlib import Path

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.orm import knex_schema
from dsql_lint.orm.detect import read_given
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.formats import statements
from dsql_lint.syntax.source import Source, expand_paths
from tests.helpers import FIXTURES

ORM = FIXTURES / "orm"


def findings(*paths: Path) -> list[Diagnostic]:
    return lint_paths(expand_paths([str(p) for p in paths], orm=True), LintOptions()).diagnostics


def at(found: list[Diagnostic]) -> list[tuple[str, int, str]]:
    return [(Path(d.path).name, d.line, d.code) for d in found]


def test_typeorm_takes_the_transaction_mode_its_package_scripts_run_migrations_with(
    tmp_path: Path,
) -> None:
    """`typeorm migration:run -d ... --transaction each` in package.json runs the mode its
    option says over the DataSource's (the one `-d` names, which no search finds): the
    migration that sets `transaction = false` is no refused run (DSQL408), and each migration
    runs with its row as under "each"."""
    project = tmp_path / "typeorm-cli"
    shutil.copytree(ORM / "typeorm-cli", project)
    each = [
        ("1733000000001-Accounts.ts", 5, "DSQL407"),
        ("1733000000001-Accounts.ts", 5, "DSQL406"),
        ("1733000000002-Tags.ts", 5, "DSQL406"),
    ]
    assert at(findings(project / "src" / "migrations")) == each
    package = project / "package.json"
    text = package.read_text()
    # `-t all` overrides a DataSource's "each": the run is refused again.
    package.write_text(text.replace("--transaction each", "-t all"))
    data_source = project / "src" / "db" / "data-source.ts"
    data_source.write_text(
        data_source.read_text().replace("],\n", '],\n  migrationsTransactionMode: "each",\n')
    )
    assert ("1733000000003-Labels.ts", 5, "DSQL408") in at(findings(project / "src" / "migrations"))
    # No option: the DataSource `-d` names says "each".
    package.write_text(text.replace(" --transaction each", ""))
    assert at(findings(project / "src" / "migrations")) == each
    # `--transaction=none`, as yargs reads it too: no transaction but the opt-out's... none.
    package.write_text(text.replace("--transaction each", "--transaction=none"))
    assert at(findings(project / "src" / "migrations")) == [
        ("1733000000001-Accounts.ts", 5, "DSQL407")
    ]


def test_a_commented_out_setting_is_no_setting(tmp_path: Path) -> None:
    """`// migrationsTransactionMode: "each"` in a DataSource is a comment: TypeORM runs its
    default, "all", which refuses a migration that sets `transaction`."""
    project = tmp_path / "typeorm"
    shutil.copytree(ORM / "typeorm-cli", project)
    (project / "package.json").unlink()
    (project / "src" / "db" / "data-source.ts").rename(project / "src" / "data-source.ts")
    data_source = project / "src" / "data-source.ts"
    data_source.write_text(
        data_source.read_text().replace("],\n", '],\n  // migrationsTransactionMode: "each",\n')
    )
    assert ("1733000000003-Labels.ts", 5, "DSQL408") in at(findings(project / "src" / "migrations"))
    data_source.write_text(data_source.read_text().replace("// migrations", "migrations"))
    assert "DSQL408" not in {d.code for d in findings(project / "src" / "migrations")}


def _mapped(path: Path, text: str | None = None) -> MappedSource:
    text = path.read_text(encoding="utf-8") if text is None else text
    reader = read_given(path, text)
    assert reader is not None
    return reader(Source(str(path), text))


def _statements(mapped: MappedSource) -> list[str]:
    """The statements a migration sends, its runner's BEGIN and COMMIT left out."""
    sent = [s for s in mapped.text.split(";\n") if s.strip()]
    return [s for s in sent if s not in ("BEGIN", "COMMIT")]


# As knex 3.3.0's `toSQL()` printed fixtures/orm/knex-options under node 20 (a `?` of alterTable's
# check is sent as `$N` by the PostgreSQL client's positionBindings, at run time).
KNEX_OPTIONS_SENT = [
    'create table "items" ("id" uuid, "cents" integer not null default \'0\' check ("cents" > 0)'
    " constraint in_c check (\"cents\" in (1,2,'a''b')), \"code\" varchar(255) not null check"
    ' ("code" between 1 and 5 or "code" between 10 and 20) check (length("code") >= 3) check'
    ' ("code" ~ E\'^[a-z\\\\d]+$\'), "note" text, "on" boolean default \'1\', constraint'
    ' "items_pkey" primary key ("id"), constraint cents_min check (cents > 5))',
    "comment on table \"items\" is 'priced items'",
    "comment on column \"items\".\"cents\" is 'it''s the price'",
    'comment on column "items"."note" is NULL',
    'create index "items_code_index" on "items" ("code")',
    'alter table "items" add column "extra" integer check ("extra" < 0)',
    'alter table "items" alter column "cents" drop default',
    'alter table "items" alter column "cents" drop not null',
    'alter table "items" alter column "cents" type integer using ("cents"::integer)',
    'comment on column "items"."extra" is \'x\'',
    'alter table "items" add constraint items_cents_1 check("cents" > 0)',
    'alter table "items" add constraint "items"_1 check(cents < $1 and $2$3 > 0)',
    'alter table "items" add constraint c7 check(cents <> 7)',
    "comment on table \"items\" is 'changed'",
]


def test_knex_column_modifiers_and_table_methods_are_sent_as_knex_writes_them() -> None:
    """Comments, the check modifiers, `defaultTo`'s quoting, `nullable(false)` and alterTable's
    check with bindings, statement for statement as knex 3.3.0 sends them; the one run-time
    failure (alterTable's check drops its bindings) said at the call."""
    path = ORM / "knex-options" / "migrations" / "20260101000000_options.js"
    mapped = _mapped(path)
    assert _statements(mapped) == KNEX_OPTIONS_SENT
    [note] = mapped.notes
    line = mapped.original[: note.start].count("\n") + 1
    assert (line, note.unread) == (26, True)
    assert "drops its bindings" in note.message


# knex 3.3.0 lib/schema/columnbuilder.js: the column builder's modifiers, its index, primary and
# unique, the foreign key's chain and alterTable's `alter`, each with arguments it takes.
KNEX_MODIFIERS = {
    "default": "(1)", "defaultsTo": "(1)", "defaultTo": "(1)", "unsigned": "()",
    "nullable": "()", "notNullable": "()", "notNull": "()", "first": "()", "after": "('a')",
    "comment": "('c')", "collate": "('C')", "checkPositive": "()", "checkNegative": "()",
    "checkIn": "([1])", "checkNotIn": "([1])", "checkBetween": "([1, 2])",
    "checkLength": "('<', 9)", "checkRegex": "('x')", "index": "()", "primary": "()",
    "unique": "()", "references": "('t.id')", "check": "('c > 0')",
}  # fmt: skip


def test_every_knex_column_modifier_is_written_or_said_never_dropped() -> None:
    """Each modifier changes the SQL, is one knex's PostgreSQL dialect sends nothing for
    (MySQL's), or is reported at it (DSQL016); so is one knex does not have."""
    plain = "exports.up = (knex) => knex.schema.createTable('t', (t) => { t.integer('c')%s; });\n"
    path = Path("migrations/20260101_m.js")
    bare = _statements(_mapped(path, plain % ""))
    for modifier, args in {**KNEX_MODIFIERS, "frobnicate": "()"}.items():
        mapped = _mapped(path, plain % f".{modifier}{args}")
        changed = _statements(mapped) != bare
        said = [
            n for n in mapped.notes if n.unread and f".{modifier}" in mapped.original[n.start :]
        ]
        assert changed or said or modifier in knex_schema.MYSQL_ONLY, modifier
    # (knex 3.3.0 has no column `check`: its compiler throws on one; "frobnicate" is no modifier.)
    for modifier in ("check", "frobnicate"):
        assert _mapped(path, plain % f".{modifier}()").notes, modifier


def test_findings_one_call_gets_twice_each_name_their_statement() -> None:
    """A CharField/TextField with `db_index=True` makes Django send its index and the `_like`
    pattern index, both found at the field: each DSQL301 names its index; a finding alone at
    its place is worded as before."""
    path = ORM / "django-fields" / "shop" / "migrations" / "0001_field_options.py"
    found = [d for d in findings(path) if d.code == "DSQL301"]
    slug = [d.message for d in found if d.line == 27]
    assert slug == [
        'DSQL builds indexes only with CREATE INDEX ASYNC (`CREATE INDEX "shop_customer_slug_'
        'ff81e9d2" ON "shop_customer"`)',
        'DSQL builds indexes only with CREATE INDEX ASYNC (`CREATE INDEX "shop_customer_slug_'
        'ff81e9d2_like" ON "shop_customer"`)',
    ]
    alone = [d.message for d in found if d.line == 17]
    assert alone == ["DSQL builds indexes only with CREATE INDEX ASYNC"]


# What Rails' PostgreSQL adapter sends for fixtures/orm/rails-options (activerecord 6.1.7's
# schema_creation.rb and schema_statements.rb as Debian ships them; 7.x's timestamp(6) and
# virtual columns recalled), in its order: DROP for `force:`, the table, its indexes, then its
# comments.
RAILS_OPTIONS_SENT = [
    'DROP TABLE IF EXISTS "items" CASCADE',
    'CREATE TABLE IF NOT EXISTS "items" (\n    "id" UUID DEFAULT gen_random_uuid() PRIMARY KEY,'
    '\n    "code" CHARACTER VARYING(12) COLLATE "C" NOT NULL,\n    "name" CHARACTER VARYING'
    ' COLLATE "en_US",\n    "small" SMALLINT,\n    "price" DECIMAL(10,2),\n    "ratio"'
    ' DECIMAL(5),\n    "seen_at" TIMESTAMP(3),\n    "tags" TEXT[] DEFAULT \'{}\',\n'
    '    "upper_name" CHARACTER VARYING GENERATED ALWAYS AS (upper(name)) STORED,\n'
    '    "created_at" TIMESTAMP(6) NOT NULL,\n    "updated_at" TIMESTAMP(6) NOT NULL\n)',
    'CREATE UNIQUE INDEX "index_items_on_code" ON "items" ("code")',
    'CREATE INDEX "index_items_on_name" ON "items" ("name")',
    "COMMENT ON TABLE \"items\" IS 'what we sell'",
    "COMMENT ON COLUMN \"items\".\"code\" IS 'it''s the code'",
    'ALTER TABLE "items" ADD COLUMN "note" TEXT',
    'COMMENT ON COLUMN "items"."note" IS \'free text\'',
    'CREATE INDEX IF NOT EXISTS "index_items_on_name" ON "items" ("name") WHERE name IS NOT NULL',
]


def test_rails_options_are_sent_as_the_postgresql_adapter_writes_them() -> None:
    path = ORM / "rails-options" / "db" / "migrate" / "20260101000000_options.rb"
    mapped = _mapped(path)
    assert _statements(mapped) == RAILS_OPTIONS_SENT
    said = [(d.line, d.code, d.message.split(" is ")[0]) for d in findings(path)]
    assert (17, "DSQL007", "Rails migration: `include:` of `add_index`") in said
    assert ("DSQL109", 6) in [(d.code, d.line) for d in findings(path)]  # COLLATE "C" too


# Rails' column options (the migrations guide's "Column Modifiers", the PostgreSQL adapter's
# `array:`, TableDefinition#column's `index:`, 7.x's `if_not_exists:`), each with a value.
RAILS_COLUMN_OPTIONS = {
    "limit": "8", "default": '"x"', "null": "false", "precision": "3", "scale": "2",
    "comment": '"c"', "collation": '"C"', "index": "true", "array": "true",
    "if_not_exists": "true", "primary_key": "true", "first": "true", "after": ":id",
    "unsigned": "true", "auto_increment": "true", "frobnicate": "true",
}  # fmt: skip
MYSQL_ONLY = {"first", "after", "unsigned", "auto_increment"}  # PostgreSQL's adapter: nothing
NO_SQL_HERE = {"if_not_exists", "precision", "scale"}  # create_table's string column: none


def test_every_rails_column_option_is_written_or_said_never_dropped() -> None:
    """Each option changes the SQL, is one PostgreSQL's adapter ignores (MySQL's, or one that
    has no effect on a string column in create_table), or is said at the option (DSQL007)."""
    migration = (
        "class M < ActiveRecord::Migration[7.1]\n  def change\n"
        "    create_table :t do |t|\n      t.string :c%s\n    end\n  end\nend\n"
    )
    path = Path("db/migrate/20260101000000_m.rb")
    bare = _statements(_mapped(path, migration % ""))
    for option, value in RAILS_COLUMN_OPTIONS.items():
        mapped = _mapped(path, migration % f", {option}: {value}")
        said = [n for n in mapped.notes if f"`{option}:`" in n.message]
        changed = _statements(mapped) != bare
        assert changed or said or option in MYSQL_ONLY | NO_SQL_HERE, option
    assert [
        n for n in _mapped(path, migration % ", frobnicate: 1").notes if "frobnicate" in n.message
    ]


# What Django 5.2's PostgreSQL schema editor sends for fixtures/orm/django-options (recalled:
# base/schema.py `_iter_column_sql` writes COLLATE after the type and `db_default` as a DEFAULT;
# PostgreSQL has no comment inline, so `create_model` and `add_field` send COMMENT ON after the
# table and the column, the table's first).
DJANGO_OPTIONS_SENT = [
    'CREATE TABLE "shop_item" (\n    "id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n'
    '    "code" VARCHAR(12) COLLATE "C" NOT NULL,\n    "qty" INTEGER DEFAULT 0 NOT NULL,\n'
    '    "tags" JSONB NOT NULL\n)',
    "COMMENT ON TABLE \"shop_item\" IS 'what we sell'",
    "COMMENT ON COLUMN \"shop_item\".\"code\" IS 'it''s the code'",
    'ALTER TABLE "shop_item" ADD COLUMN "note" TEXT DEFAULT \'\' NOT NULL',
    'ALTER TABLE "shop_item" ALTER COLUMN "note" DROP DEFAULT',
    'COMMENT ON COLUMN "shop_item"."note" IS \'free text\'',
]


def test_django_field_options_are_sent_as_the_schema_editor_writes_them() -> None:
    path = ORM / "django-options" / "shop" / "migrations" / "0001_initial.py"
    assert _statements(_mapped(path)) == DJANGO_OPTIONS_SENT
    said = [(d.line, d.code) for d in findings(path) if "db_tablespace" in d.message]
    assert said == [(16, "DSQL007")]


def test_every_django_field_option_is_written_or_said_never_dropped() -> None:
    """An option Django documents that writes SQL this reader does not write, and one that is
    no option at all, are each said at the keyword."""
    migration = (
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        "    operations = [migrations.CreateModel(name='T', fields=[('id', models.UUIDField("
        "primary_key=True)), ('c', models.CharField(max_length=9%s))])]\n"
    )
    path = Path("shop/migrations/0001_initial.py")
    bare = _statements(_mapped(path, migration % ""))
    for option in ("db_tablespace='fast'", "frobnicate=1", "db_comment='c'", "db_collation='C'"):
        mapped = _mapped(path, migration % f", {option}")
        said = [n for n in mapped.notes if f"`{option.split('=')[0]}=`" in n.message]
        assert said or _statements(mapped) != bare, option


# What typeorm 1.1.4's PostgresQueryRunner sends for fixtures/orm/typeorm-options, read from
# its source (buildCreateColumnSql: the identity's `generatedIdentity`, GENERATED ALWAYS AS ...
# STORED, CHARACTER SET and COLLATE; createFullType's spatial type; createTable's table comment
# after the table, and no column comment; addColumn's COMMENT ON COLUMN, escapeComment).
TYPEORM_OPTIONS_SENT = [
    'CREATE TABLE "items" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "code" varchar(12)'
    ' COLLATE "C" NOT NULL, "upper_code" varchar GENERATED ALWAYS AS (upper(code)) STORED, "place"'
    ' geometry(Point,4326), "stamp" int NOT NULL, CONSTRAINT "items_pk" PRIMARY KEY ("id"))',
    "COMMENT ON TABLE \"items\" IS 'what we sell'",
    'ALTER TABLE "items" ADD "note" text',
    "COMMENT ON COLUMN \"items\".\"note\" IS 'it''s free'",
]


def test_typeorm_column_and_table_options_are_sent_as_its_query_runner_writes_them() -> None:
    """And an option it does not know, or one whose SQL is not written (a generated column's
    typeorm_metadata row, `exclusions`), said where it is written (DSQL016)."""
    path = ORM / "typeorm-options" / "src" / "migrations" / "1733000000000-Options.ts"
    mapped = _mapped(path)
    assert _statements(mapped) == TYPEORM_OPTIONS_SENT
    said = [d.line for d in findings(path) if d.code == "DSQL016"]
    assert said == [14, 16, 18]


# What sequelize 6.37.7's PostgreSQL query generator printed under node 20 for
# fixtures/orm/sequelize-options (normalizeAttribute, attributesToSQL, createTableQuery,
# addColumnQuery), its runs of blanks folded; each `; COMMENT ON` part of its query string.
SEQUELIZE_OPTIONS_SENT = [
    'CREATE TABLE IF NOT EXISTS "items" ("id" SERIAL, "code" VARCHAR(12) NOT NULL, "owner_id"'
    ' INTEGER REFERENCES "owners" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "note"'
    ' TEXT, PRIMARY KEY ("id"))',
    "COMMENT ON TABLE \"items\" IS 'what we sell'",
    "COMMENT ON COLUMN \"items\".\"code\" IS 'it''s the code'",
    'ALTER TABLE "public"."items" ADD COLUMN "size" INTEGER',
    'COMMENT ON COLUMN "public"."items"."size" IS \'free\'',
]


def test_sequelize_attribute_options_are_sent_as_its_query_generator_writes_them() -> None:
    """Each query string with its `; COMMENT ON` parts runs as one transaction (PostgreSQL's
    implicit one): a second DDL in it is DSQL401, with the help in Sequelize's terms."""
    path = ORM / "sequelize-options" / "migrations" / "20260101000000-options.js"
    assert _statements(_mapped(path)) == SEQUELIZE_OPTIONS_SENT
    found = findings(path)
    said = [(d.line, d.code) for d in found if "frobnicate" in d.message]
    assert said == [(17, "DSQL016")]
    twice = [d for d in found if d.code == "DSQL401"]
    assert [(d.line, d.message.split(" in ")[0]) for d in twice] == [
        (11, "This is DDL statement number 3"),
        (19, "This is DDL statement number 2"),
        (21, "This is DDL statement number 2"),
    ]
    assert all("one query string" in (d.suggestion or "") for d in twice)


def test_sequelize_add_column_sends_its_enum_type_in_the_same_query_string() -> None:
    """addColumnQuery puts the ENUM's `DO ...;` before the ALTER TABLE in one string, as
    sequelize 6.37.7 printed it: one transaction of its own."""
    text = (
        "module.exports = { async up(queryInterface, Sequelize) {\n"
        '  await queryInterface.addColumn("items", "kind", { type: Sequelize.ENUM("a", "b") });\n'
        "} };\n"
    )
    mapped = _mapped(Path("migrations/20260101-enum.js"), text)
    sent = mapped.text.split(";\n")
    assert [s.split(" ", 1)[0] for s in sent if s] == ["DO", "ALTER"]
    assert mapped.queries == ((0, len(mapped.text)),)  # one query string: Source.queries
    [do, alter] = statements(mapped)
    assert do.tx == alter.tx is not None
