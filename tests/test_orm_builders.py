"""Schema-builder migrations (Knex, Sequelize, TypeORM) read as the SQL each library sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsql_lint.orm import jsvalues as js
from dsql_lint.orm import scripts
from dsql_lint.orm.detect import read_given
from dsql_lint.syntax.source import Source
from tests.helpers import FIXTURES

BUILDERS = FIXTURES / "orm" / "builders"
LIBRARIES = ("knex", "sequelize", "typeorm")
ROOT = Path(__file__).resolve().parents[1]


def _check(cwd: Path, *args: str, isolated: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    alone = ["--isolated"] if isolated else []
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", *alone, "--no-cache", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _findings(stdout: str) -> list[str]:
    """Each finding as pinned: where, what, how severe, its fix and its help."""
    out = []
    for d in json.loads(stdout)["diagnostics"]:
        at = f"{Path(d['path']).name}:{d['start']['line']}:{d['start']['column']}"
        out.append(f"{at} {d['code']} {d['severity']} fix={d['fix']} {d['message']}")
        out.append(f"  help: {d['suggestion']}")
    return out


@pytest.mark.parametrize("library", LIBRARIES)
def test_failing_project_has_every_finding_pinned(library: str) -> None:
    """`check` with no paths finds the migrations from the library's configuration, and
    every finding on its builder calls is the pinned one."""
    project = BUILDERS / library / "fail"
    run = _check(project, "--format", "json")
    assert run.returncode == 1, run.stderr
    expected = (project / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert _findings(run.stdout) == expected


def pin() -> None:
    """Writes each failing project's expected.txt (run by hand, then read the diff)."""
    for library in LIBRARIES:
        project = BUILDERS / library / "fail"
        run = _check(project, "--format", "json")
        text = "\n".join(_findings(run.stdout)) + "\n"
        (project / "expected.txt").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    pin()


@pytest.mark.parametrize(
    ("library", "checked"),
    # Knex's and TypeORM's runners create a bookkeeping table DSQL refuses unless it exists
    # (DSQL407): the project's `bootstrap:` SQL creates it first, and is checked too.
    [("knex", "3 statements"), ("sequelize", "1 statement"), ("typeorm", "2 statements")],
)
def test_passing_project_is_clean(library: str, checked: str) -> None:
    project = BUILDERS / library / "pass"
    config = project / ".dsql-lint.yaml"
    if config.exists():
        run = _check(project, "--config", str(config), isolated=False)
    else:
        run = _check(project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{checked} checked" in run.stdout


def test_stranger_knex_folder_is_found_and_checked(tmp_path: Path) -> None:
    """Round 7: a folder holding only a Knex .js migration was "no SQL files found"."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20240101_users.js").write_text(
        "exports.up = function(knex) {\n  return knex.schema.createTable('users', (t) => "
        "{ t.increments('id'); t.specificType('tags', 'text[]'); "
        "t.index(['tags'], 'ix_tags', 'gin'); });\n};\n"
        "exports.down = function(knex) { return knex.schema.dropTable('users'); };\n",
        encoding="utf-8",
    )
    run = _check(tmp_path, "--format", "json", "migrations")
    codes = [line.split()[1] for line in _findings(run.stdout) if not line.startswith(" ")]
    assert run.returncode == 1
    assert {"DSQL101", "DSQL102", "DSQL301", "DSQL302"} <= set(codes)
    assert "DSQL007" not in codes


def test_raw_query_beside_builder_calls_does_not_hide_them() -> None:
    """Round 7: with one sequelize.query added, the builder calls got nothing at all."""
    text = (
        "module.exports = {\n  async up(queryInterface, Sequelize) {\n"
        "    await queryInterface.sequelize.query('CREATE TABLE a (id uuid PRIMARY KEY)');\n"
        "    await queryInterface.createTable('t', { id: { type: Sequelize.INTEGER, "
        "autoIncrement: true, primaryKey: true } });\n  },\n};\n"
    )
    source = read_given(Path("m.js"), text)
    assert source is not None
    mapped = source(Source("m.js", text))
    assert "CREATE TABLE a" in mapped.text
    assert 'CREATE TABLE IF NOT EXISTS "t" ("id" SERIAL, PRIMARY KEY ("id"))' in mapped.text


def test_builder_sql_is_the_librarys() -> None:
    """The SQL written for each library is its PostgreSQL generator's, token for token."""
    knex = (
        "exports.up = (knex) => knex.schema.createTable('u', (t) => {\n"
        "  t.bigIncrements(); t.string('e').notNullable().unique(); t.decimal('p');\n"
        "  t.enu('s', ['a', 'b']); t.integer('o').references('orgs.id');\n});\n"
    )
    mapped = read_given(Path("k.js"), knex)(Source("k.js", knex))  # type: ignore[misc]
    assert mapped.text.split(";\n")[1:5] == [
        'create table "u" ("id" bigserial primary key, "e" varchar(255) not null, '
        '"p" decimal(8, 2), "s" text check ("s" in (\'a\', \'b\')), "o" integer)',
        'alter table "u" add constraint "u_e_unique" unique ("e")',
        'alter table "u" add constraint "u_o_foreign" foreign key ("o") references "orgs" ("id")',
        "COMMIT",
    ]


def test_unreadable_argument_is_a_warning_naming_the_call() -> None:
    text = (
        "exports.up = async (knex) => {\n  await knex.schema.createTable(name, (t) => "
        "{ t.increments(); });\n  await knex('users').insert({ a: 1 });\n};\n"
    )
    mapped = read_given(Path("k.js"), text)(Source("k.js", text))  # type: ignore[misc]
    assert [n.unread for n in mapped.notes] == [True, True]
    assert "`knex.schema.createTable(...)`" in mapped.notes[0].message
    assert "`knex(...)`" in mapped.notes[1].message


def test_values_reader_reads_literals_and_gives_up_on_the_rest() -> None:
    text = "f({ a: [1, 'x'], b: new T({ c: true }), d: x + 1, async up(q) { return q; } })"
    value, _ = js.Reader(text).expression(0)
    assert isinstance(value, js.Call)
    options = value.args[0]
    assert isinstance(options, js.Obj)
    assert isinstance(options.get("a"), js.Arr)
    b = options.get("b")
    assert isinstance(b, js.Call) and b.new
    assert isinstance(options.get("d"), js.Opaque)
    up = options.get("up")
    assert isinstance(up, js.Function) and up.params == ("q",)


@pytest.mark.parametrize(
    ("library", "config"),
    [("knex", "knexfile.js"), ("sequelize", ".sequelizerc"), ("typeorm", "data-source.ts")],
)
def test_discovery_names_the_configuration(library: str, config: str) -> None:
    run = _check(BUILDERS / library / "fail")
    assert f"1 file, {config})" in run.stderr


def test_configured_folder_outside_the_project_is_found(tmp_path: Path) -> None:
    """`.sequelizerc` naming a folder the walk of the project does not reach."""
    project, migrations = tmp_path / "app", tmp_path / "db" / "migrations"
    project.mkdir()
    migrations.mkdir(parents=True)
    source = BUILDERS / "sequelize" / "fail" / "db" / "migrations"
    for path in source.iterdir():
        (migrations / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (project / ".sequelizerc").write_text(
        "const path = require('path');\nmodule.exports = {\n"
        "  'migrations-path': path.resolve(__dirname, '..', 'db', 'migrations'),\n};\n",
        encoding="utf-8",
    )
    run = _check(project)
    assert run.returncode == 1
    assert "(1 file, .sequelizerc)" in run.stderr
    assert "DSQL101" in run.stdout


def test_compiled_migrations_named_by_typeorm_are_not_read_twice(tmp_path: Path) -> None:
    """A data source naming `dist/migrations/*.js` (tsc's output of src/migrations)."""
    (tmp_path / "src" / "migrations").mkdir(parents=True)
    (tmp_path / "dist" / "migrations").mkdir(parents=True)
    migration = (
        BUILDERS / "typeorm" / "fail" / "src" / "migrations" / "1700000000000-CreateUsers.ts"
    )
    text = migration.read_text(encoding="utf-8")
    (tmp_path / "src" / "migrations" / migration.name).write_text(text, encoding="utf-8")
    (tmp_path / "dist" / "migrations" / "1700000000000-CreateUsers.js").write_text(
        text, encoding="utf-8"
    )
    (tmp_path / "data-source.ts").write_text(
        'export default new DataSource({ migrations: ["dist/migrations/*.js"] });\n',
        encoding="utf-8",
    )
    run = _check(tmp_path)
    assert "ORM migrations in src/migrations (1 file)" in run.stderr
    assert "dist" not in run.stdout


def _sql(path: str, text: str) -> str:
    reader = read_given(Path(path), text)
    assert reader is not None
    return reader(Source(path, text)).text


def test_calls_inside_a_call_that_sends_nothing_are_read() -> None:
    """`sequelize.transaction(async (t) => ...)` and `hasTable(...).then(...)` hold the
    migration's calls; they were passed over whole."""
    sequelize = (
        "module.exports = {\n  up: async (queryInterface) => {\n"
        "    await queryInterface.sequelize.transaction(async (transaction) => {\n"
        "      await queryInterface.addIndex('items', ['name'], { transaction });\n"
        "    });\n  },\n};\n"
    )
    assert 'CREATE INDEX "items_name" ON "items" ("name")' in _sql("s.js", sequelize)
    knex = (
        "exports.up = (knex) => knex.schema.hasTable('t').then((exists) => {\n"
        "  if (!exists) return knex.schema.createTable('t', (t) => { t.text('a'); });\n});\n"
    )
    assert 'create table "t" ("a" text)' in _sql("k.js", knex)


def test_knex_increments_beside_primary_has_one_key() -> None:
    """Knex adds `primary key` to increments() only where no .primary() is in the table."""
    text = (
        "export async function up(knex: Knex): Promise<void> {\n"
        '  await knex.schema.createTable("u", function (table) {\n'
        '    table.increments("id").primary();\n  });\n}\n'
    )
    assert 'create table "u" ("id" serial, constraint "u_pkey" primary key ("id"))' in _sql(
        "k.ts", text
    )


def test_calls_in_a_promise_callback_after_a_builder_call_are_read() -> None:
    """`createTable('a', ...).then(() => knex.schema.createTable('b', ...))`: the chain was
    taken whole, so table b and its serial passed unread."""
    text = (
        "exports.up = (knex) => knex.schema.createTable('a', (t) => { t.text('x'); })\n"
        "  .then(() => knex.schema.createTable('b', (t) => { t.increments(); }));\n"
    )
    sql = _sql("k.js", text)
    assert 'create table "a" ("x" text)' in sql
    assert 'create table "b" ("id" serial primary key)' in sql


def test_knex_timestamps_beside_primary_are_columns_like_any_other() -> None:
    """`t.timestamps()` beside `.primary()`: the primary-key pass reads every column's type
    (it crashed check on the timestamps' columns)."""
    text = (
        "exports.up = (knex) => knex.schema.createTable('z', (t) => {\n"
        "  t.uuid('id').primary();\n  t.timestamps(true, true);\n});\n"
    )
    assert (
        'create table "z" ("id" uuid, "created_at" timestamp not null default '
        'CURRENT_TIMESTAMP, "updated_at" timestamp not null default CURRENT_TIMESTAMP, '
        'constraint "z_pkey" primary key ("id"))'
    ) in _sql("k.js", text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *"{}[]()'\"`,;:.=> \nat0",
                "knex.schema.createTable(",
                "t.",
                "new Table(",
                "queryInterface.createTable(",
                "queryRunner.createTable(",
                "=>",
                "${",
                "//",
                "\\",
            ]
        ),  # fmt: skip
        max_size=40,
    )
)
def test_any_text_is_read_without_error(parts: list[str]) -> None:
    """Half-written or odd code never stops the reader: what it cannot read is opaque."""
    text = "".join(parts)
    reader = js.Reader(text)
    for i in range(0, len(text), 3):
        reader.expression(i)
    for library in ("Knex migration", "Sequelize migration", "TypeORM migration"):
        scripts.read(Source("m.js", "exports.up = async function (knex) {" + text + "}"), library)


def test_sequelize_managed_transaction_holds_the_calls_given_it() -> None:
    """Calls given `{ transaction }` in `sequelize.transaction(...)` share its transaction;
    one without it runs outside (Sequelize migrations are not wrapped otherwise)."""
    text = (
        "module.exports = {\n  async up(queryInterface, Sequelize) {\n"
        "    await queryInterface.sequelize.transaction(async (transaction) => {\n"
        "      await queryInterface.addIndex('a', ['x'], { transaction });\n"
        "      await queryInterface.sequelize.query('CREATE INDEX ASYNC b_x ON b (x)', "
        "{ transaction });\n"
        "      await queryInterface.removeColumn('c', 'y');\n"
        "    });\n  },\n};\n"
    )
    sql = _sql("s.js", text)
    assert sql.index("BEGIN") < sql.index('CREATE INDEX "a_x"') < sql.index("ASYNC b_x")
    assert sql.index("ASYNC b_x") < sql.index("COMMIT") < sql.index('DROP COLUMN "y"')


def test_typeorm_constraints_added_later() -> None:
    text = (
        "export class A implements MigrationInterface {\n"
        "  public async up(queryRunner: QueryRunner): Promise<void> {\n"
        '    await queryRunner.createUniqueConstraint("u", new TableUnique({ name: "u_e", '
        'columnNames: ["e"] }));\n'
        '    await queryRunner.createPrimaryKey("u", ["id"], "u_pk");\n'
        '    await queryRunner.changeColumn("u", "e", new TableColumn({ name: "e", '
        'type: "text" }));\n'
        "  }\n}\n"
    )
    reader = read_given(Path("a.ts"), text)
    assert reader is not None
    mapped = reader(Source("a.ts", text))
    assert 'ALTER TABLE "u" ADD CONSTRAINT "u_e" UNIQUE ("e")' in mapped.text
    assert 'ALTER TABLE "u" ADD CONSTRAINT "u_pk" PRIMARY KEY ("id")' in mapped.text
    [note] = mapped.notes  # the old column named: TypeORM reads it from the database
    assert note.unread and "`changeColumn(...)`'s old column given by name" in note.message


NESTED = (
    "exports.up = async function (knex) {\n"
    "  await knex.transaction(async (trx) => {\n"
    "    await trx.schema.createTable('kt_a', (t) => { t.uuid('id').primary(); t.integer('n'); "
    "t.check('n > 0', [], 'kt_a_pos'); });\n"
    "  });\n};\n"
)


def _mapped(name: str, text: str):  # noqa: ANN202 - a MappedSource
    reader = read_given(Path(name), text)
    assert reader is not None
    return reader(Source(name, text))


def test_knex_transaction_in_a_migration_is_a_savepoint_as_recorded() -> None:
    """knex 3.3.0's `migrate:latest` ran NESTED (tests/data/knex_3.3.0_latest_nested_
    transaction.log): in the run's transaction, SAVEPOINT, the table with its check, RELEASE."""
    log = (ROOT / "tests" / "data" / "knex_3.3.0_latest_nested_transaction.log").read_text()
    sent = [line.split("statement: ", 1)[1] for line in log.splitlines() if "statement: " in line]
    start = next(k for k, s in enumerate(sent) if s.startswith("SAVEPOINT"))
    recorded = [s.rstrip(";") for s in sent[start : start + 3]]
    ours = [s.strip() for s in _mapped("m.js", NESTED).text.split(";\n") if s.strip()]
    assert ours == ["BEGIN", *recorded, "COMMIT"]  # (the run's transaction: Knex's lock too)


def test_knex_transaction_is_its_own_where_the_migration_runs_in_none() -> None:
    text = NESTED.replace("'kt_a_pos'); });", "'kt_a_pos'); });\n    await trx.raw('select 1');")
    mapped = _mapped("m.js", text + "exports.config = { transaction: false };\n")
    assert mapped.text.startswith("BEGIN;\ncreate table")
    assert "SAVEPOINT" not in mapped.text and mapped.text.rstrip().endswith("COMMIT;")
    assert "knex.transaction" in mapped.hints["ddl-with-dml-in-transaction"]


def test_knex_table_checks_as_knex_writes_them() -> None:
    """As knex 3.3.0's `toQuery()` printed them under node; one with bindings as its
    PostgreSQL client sends it (`positionBindings`: `$1`, the bindings dropped), said."""
    text = (
        "exports.up = async (knex) => {\n"
        "  await knex.schema.alterTable('u', (t) => { t.check('n > 1'); "
        "t.check('n > 2', undefined, 'u_two'); t.check('n > 3'); t.check('n > ?', [4]); });\n};\n"
    )
    mapped = _mapped("m.js", text)
    assert mapped.text.split(";\n")[1:5] == [
        'alter table "u" add constraint "u"_1 check(n > 1)',
        'alter table "u" add constraint u_two check(n > 2)',
        'alter table "u" add constraint "u"_2 check(n > 3)',
        'alter table "u" add constraint "u"_3 check(n > $1)',
    ]
    [note] = mapped.notes
    assert note.unread and "drops its bindings" in note.message


def test_mikro_orm_knex_builders_raw_and_execute_are_read() -> None:
    """MikroORM has no schema builder of its own; `this.getKnex()`'s, `knex.raw` inside
    `addSql` and `this.execute(...)` are read, and nothing is left as not checked."""
    run = _check(FIXTURES / "orm" / "mikro-knex", ".", "--format", "json")
    codes = [(d["start"]["line"], d["code"]) for d in json.loads(run.stdout)["diagnostics"]]
    assert codes == [
        (8, "DSQL407"),
        (8, "DSQL406"),
        (9, "DSQL101"),  # t.increments(): serial
        (12, "DSQL301"),
        (12, "DSQL401"),
        (13, "DSQL401"),  # this.execute's ALTER
    ]


def test_knex_extras_project() -> None:
    run = _check(FIXTURES / "orm" / "knex-extras", ".", "--format", "json")
    codes = [
        (Path(d["path"]).name[:14], d["start"]["line"], d["code"])
        for d in json.loads(run.stdout)["diagnostics"]
    ]
    assert ("20261201000000", 10, "DSQL204") in codes  # the alterTable check, not NOT VALID
    assert [c for c in codes if c[2] == "DSQL405"] == [
        ("20261202000000", 4, "DSQL405"),
        ("20261202000000", 8, "DSQL405"),
    ]
    assert "DSQL016" not in [c for *_, c in codes]


def test_typeorm_change_column_as_typeorm_sends_it() -> None:
    """What typeorm 1.1.4's PostgresQueryRunner.changeColumn sent for the same calls, run
    under node against PostgreSQL with `logging: ["query"]` (its catalog reads left out)."""
    text = (
        "export class Tc1700000000000 implements MigrationInterface {\n"
        "  public async up(queryRunner: QueryRunner): Promise<void> {\n"
        "    await queryRunner.changeColumn('tc', new TableColumn({ name: 'a', type: 'integer', "
        "isNullable: true }), new TableColumn({ name: 'a', type: 'text', isNullable: true }));\n"
        "    await queryRunner.changeColumn('tc', new TableColumn({ name: 'b', type: 'varchar', "
        "isNullable: true }), new TableColumn({ name: 'b2', type: 'varchar', isNullable: false, "
        'default: "\'x\'", comment: "it\'s" }));\n'
        "    await queryRunner.changeColumn('tc', new TableColumn({ name: 'c', type: 'numeric', "
        "precision: 5, scale: 2, isNullable: true }), new TableColumn({ name: 'c', type: "
        "'numeric', precision: 7, scale: 2, isNullable: true }));\n"
        "  }\n}\n"
    )
    mapped = _mapped("1700000000000-Tc.ts", text)
    assert [s for s in mapped.text.split(";\n") if s.strip()][1:-1] == [
        'ALTER TABLE "tc" DROP COLUMN "a"',
        'ALTER TABLE "tc" ADD "a" text',
        'ALTER TABLE "tc" RENAME COLUMN "b" TO "b2"',
        'ALTER TABLE "tc" ALTER COLUMN "b2" SET NOT NULL',
        "COMMENT ON COLUMN \"tc\".\"b2\" IS 'it''s'",
        'ALTER TABLE "tc" ALTER COLUMN "b2" SET DEFAULT \'x\'',
        'ALTER TABLE "tc" ALTER COLUMN "c" TYPE numeric(7,2)',
    ]
    assert not mapped.notes


def test_typeorm_change_project_is_read_whole() -> None:
    path = FIXTURES / "orm" / "typeorm-change" / "src" / "migrations" / "1733000000000-Widen.ts"
    text = path.read_text()
    mapped = _mapped(str(path), text)
    assert (
        'ALTER TABLE "orders" DROP COLUMN "total";\nALTER TABLE "orders" ADD "total" numeric(12,2)'
        in (mapped.text)
    )
    assert 'RENAME COLUMN "note" TO "remark"' in mapped.text
    assert "ALTER COLUMN \"remark\" SET DEFAULT ''" in mapped.text
    assert not mapped.notes and "BEGIN" not in mapped.text  # `transaction = false`


def test_knex_create_table_checks_take_their_literal_bindings() -> None:
    """createTable writes `client.raw(predicate, bindings)` (knex 3.3.0 tablecompiler.js
    `_addChecks`): `??` a quoted name, `?` an escaped value (rawFormatter.js, the PostgreSQL
    client's escapeString). A binding not a literal is still not read."""
    text = (
        "exports.up = async (knex) => {\n"
        "  await knex.schema.createTable('u', (t) => { t.integer('id'); "
        "t.check('?? > ?', ['id', 0]); t.check('?? <> ?', ['id', \"it's\"], 'u_s'); });\n"
        "  await knex.schema.createTable('v', (t) => { t.integer('id'); "
        "t.check('?? > 0', [column]); });\n};\n"
    )
    mapped = _mapped("m.js", text)
    assert """check ("id" > 0), constraint u_s check ("id" <> 'it''s'))""" in mapped.text
    [note] = mapped.notes
    assert note.unread and "`check(...)` with bindings" in note.message
