"""Rails migrations and db/schema.rb read statically: `execute` heredocs and strings as
written, schema statements as Rails' PostgreSQL adapter writes them, findings in the .rb file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import read_source

ROOT = Path(__file__).resolve().parents[1]
MIGRATE = ROOT / "fixtures" / "frameworks" / "rails" / "db" / "migrate"
SCHEMA = ROOT / "fixtures" / "orm" / "rails" / "db" / "schema.rb"

RUNNER = {"DSQL406", "DSQL407"}


def findings(path: Path) -> list[Diagnostic]:
    """The findings on the migration's own SQL: those on what its runner adds (DSQL406/407)
    are tests/test_runners.py's."""
    found = lint_paths([str(path)], LintOptions()).diagnostics
    return [d for d in found if d.code not in RUNNER]


def at(found: list[Diagnostic]) -> list[tuple[int, int, str]]:
    return sorted((d.line, d.col, d.code) for d in found)


def test_create_table_is_read_as_rails_writes_it() -> None:
    found = findings(MIGRATE / "20240101000000_create_users.rb")
    assert at(found) == [
        (3, 5, "DSQL101"),  # create_table's default id: bigserial
        (5, 9, "DSQL102"),  # array: true
        # t.references ..., foreign_key: true: the key is inline in CREATE TABLE (accepted)
        (6, 9, "DSQL301"),  # the reference's index
        (6, 9, "DSQL401"),  # one transaction per migration
        (9, 5, "DSQL301"),  # add_index
        (9, 5, "DSQL401"),
    ]
    serial = next(d for d in found if d.code == "DSQL101")
    assert "id: :uuid" in (serial.suggestion or "")
    many = next(d for d in found if d.code == "DSQL401")
    assert "disable_ddl_transaction!" in (many.suggestion or "")


def test_execute_heredocs_and_strings_keep_positions() -> None:
    path = MIGRATE / "20240102000000_add_search.rb"
    source = read_source(str(path), orm=True)
    assert isinstance(source, MappedSource)
    assert "DROP TABLE" not in source.text  # def down never runs forward
    assert "BEGIN" not in source.text  # disable_ddl_transaction!
    found = findings(path)
    # change_column_null :users, :email, true is DROP NOT NULL, which DSQL accepts
    # The string with #{...}: SQL sent that no rule saw, an error; rename_index is read
    # (ALTER INDEX ... RENAME TO, which DSQL does not document: DSQL006).
    assert at(found) == [(9, 12, "DSQL105"), (13, 5, "DSQL016"), (15, 5, "DSQL006")]
    interpolated = next(d for d in found if d.code == "DSQL016")
    assert "#{...}" in interpolated.message and "db/structure.sql" in interpolated.message


def test_schema_rb_is_loaded_statement_by_statement() -> None:
    source = read_source(str(SCHEMA), orm=True)
    assert "BEGIN" not in source.text and "plpgsql" not in source.text
    assert "NOT VALID" in source.text  # add_foreign_key ..., validate: false
    assert at(findings(SCHEMA)) == [
        (4, 25, "DSQL101"),  # id: :serial
        (10, 7, "DSQL301"),  # t.index
    ]


def test_string_escapes_and_down_blocks(tmp_path: Path) -> None:
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    path = folder / "20240101000000_x.rb"
    path.write_text(
        "class X < ActiveRecord::Migration[7.1]\n"
        "  def change\n"
        "    reversible do |dir|\n"
        '      dir.up { execute "CREATE TABLE t (\\n id serial)" }\n'
        '      dir.down { execute "DROP TABLE t" }\n'
        "    end\n"
        "  end\n"
        "end\n"
    )
    source = read_source(str(path), orm=True)
    assert "CREATE TABLE t (\n id serial);" in source.text
    assert "DROP" not in source.text
    assert at(findings(path)) == [(4, 47, "DSQL101")]  # `serial`, past the escape


def test_polymorphic_references_change_table_and_add_reference() -> None:
    path = MIGRATE / "20240103000000_pictures_and_profiles.rb"
    source = read_source(str(path), orm=True)
    assert isinstance(source, MappedSource)
    # As Rails' ReferenceDefinition and Table objects run them on PostgreSQL: a polymorphic
    # reference is its `_type` column, then its `_id`, indexed together; each change_table
    # line its own statement (remove_columns and add_timestamps one ALTER TABLE each), and
    # with `bulk: true` the column changes in one ALTER TABLE, the index after.
    assert source.text.splitlines()[2:] == [
        '    "imageable_type" CHARACTER VARYING NOT NULL,',
        '    "imageable_id" UUID NOT NULL,',
        '    "caption" CHARACTER VARYING',
        ");",
        'CREATE INDEX "index_pictures_on_imageable_type_and_imageable_id" ON "pictures" '
        '("imageable_type", "imageable_id");',
        'ALTER TABLE "comments" ADD COLUMN "commentable_type" CHARACTER VARYING;',
        'ALTER TABLE "comments" ADD COLUMN "commentable_id" BIGINT;',
        'ALTER TABLE "users" ADD COLUMN "nickname" CHARACTER VARYING;',
        'ALTER TABLE "users" ADD COLUMN "city" CHARACTER VARYING;',
        'ALTER TABLE "users" ADD COLUMN "country" CHARACTER VARYING;',
        'ALTER TABLE "users" ADD COLUMN "company_id" BIGINT;',
        'CREATE INDEX "index_users_on_company_id" ON "users" ("company_id");',
        'ALTER TABLE "users" ADD CONSTRAINT "fk_rails_7682a3bdfe" FOREIGN KEY ("company_id") '
        'REFERENCES "companies" ("id");',
        'CREATE INDEX "index_users_on_nickname" ON "users" ("nickname");',
        'ALTER TABLE "users" DROP COLUMN "legacy", DROP COLUMN "old_flag";',
        'ALTER TABLE "users" RENAME COLUMN "email" TO "email_address";',
        'ALTER TABLE "users" ADD COLUMN "created_at" TIMESTAMP(6) NOT NULL, '
        'ADD COLUMN "updated_at" TIMESTAMP(6) NOT NULL;',
        'ALTER TABLE "teams" ADD COLUMN "slug" CHARACTER VARYING, DROP COLUMN "code";',
        'CREATE UNIQUE INDEX "index_teams_on_slug" ON "teams" ("slug");',
        'ALTER TABLE "teams" RENAME COLUMN "title" TO "name";',
        'ALTER TABLE "teams" DROP COLUMN "legacy";',
    ]
    found = findings(path)
    assert at(found) == [
        (6, 9, "DSQL301"),  # the polymorphic pair's index
        (13, 9, "DSQL202"),  # t.references ..., foreign_key: true
        (13, 9, "DSQL301"),
        (14, 9, "DSQL301"),  # t.index
        (17, 9, "DSQL602"),  # t.timestamps: NOT NULL columns added to a table
        (17, 9, "DSQL602"),
        (18, 9, "DSQL016"),  # t.change: named, not guessed, an error
        (22, 9, "DSQL301"),
    ]
    unread = next(d for d in found if d.code == "DSQL016")
    assert "`change_table t.change` is not read here" in unread.message


def test_findings_come_in_line_order_and_statements_are_the_migrations_own() -> None:
    # The DEFAULT of add_column is written after its NOT NULL's line position; BEGIN and
    # COMMIT are Rails' own, not statements of the migration.
    path = ROOT / "fixtures" / "frameworks" / "rails" / "db" / "migrate"
    out = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", str(path / "20240101000000_create_users.rb")],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    places = [tuple(int(n) for n in m.groups()) for m in re.finditer(r"\.rb:(\d+):(\d+): ", out)]
    assert places == sorted(places)
    assert "1 file, 3 statements checked" in out  # CREATE TABLE and its two indexes


def test_add_column_points_at_the_call_and_its_default() -> None:
    found = findings(ROOT / "fixtures" / "frameworks" / "sent" / "rails" / "db" / "migrate")
    on_line = sorted((d.col, d.code) for d in found if d.line == 16)
    # add_column :users, :active, :boolean, default: true, null: false
    assert on_line == [(5, "DSQL602"), (43, "DSQL601")]


def test_index_names_past_the_identifier_limit_are_shortened_as_rails_7_1_does(
    tmp_path: Path,
) -> None:
    migrate = tmp_path / "db" / "migrate"
    migrate.mkdir(parents=True)
    path = migrate / "20240101000000_long.rb"
    path.write_text(
        "class Long < ActiveRecord::Migration[7.1]\n  def change\n"
        "    add_index :subscription_line_items, [:subscription_id, :product_variant_id]\n"
        "  end\nend\n"
    )
    text = read_source(str(path), orm=True).text
    # index_subscription_line_items_on_subscription_id_and_product_variant_id is 71 bytes
    assert re.search(r'CREATE INDEX "idx_on_subscription_id_product_variant_id_[0-9a-f]{10}"', text)


def test_a_double_quoted_heredoc_decodes_its_escapes_as_ruby_does(tmp_path: Path) -> None:
    body = "      SELECT 'a\\\\b', E'\\\\x41', 'tab\\there'\n"
    path = tmp_path / "db" / "migrate" / "20240101000000_escapes.rb"
    path.parent.mkdir(parents=True)
    for opener, read in (
        ("<<~SQL", "SELECT 'a\\b', E'\\x41', 'tab\there'"),  # Ruby's "...": \\ and \t decoded
        ('<<~"SQL"', "SELECT 'a\\b', E'\\x41', 'tab\there'"),
        ("<<~'SQL'", "SELECT 'a\\\\b', E'\\\\x41', 'tab\\there'"),  # '...': as written
    ):
        path.write_text(
            "class Escapes < ActiveRecord::Migration[7.1]\n  def up\n"
            f"    execute {opener}\n{body}    SQL\n  end\nend\n"
        )
        source = read_source(str(path), orm=True)
        assert read in source.text, opener


def test_column_changes_are_read_as_the_adapter_writes_them(tmp_path: Path) -> None:
    """change_column (a type change), change_column_null with a default (an UPDATE, then SET
    NOT NULL), change_column_default and add_index's `using:` are the SQL Rails sends, so
    DSQL's refusals of them are findings, not an unread note."""
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    (folder / "20240101000000_change.rb").write_text(
        "class Change < ActiveRecord::Migration[7.1]\n"
        "  def change\n"
        "    change_column :things, :score, :bigint\n"
        "    change_column_null :things, :score, false, 0\n"
        '    change_column_default :things, :name, from: nil, to: "x"\n'
        "    add_index :things, :tags, using: :gin\n"
        "  end\n"
        "end\n"
    )
    found = findings(folder)
    assert {(d.line, d.code) for d in found if d.code not in ("DSQL401", "DSQL402")} == {
        (3, "DSQL608"),  # ALTER COLUMN ... TYPE
        (4, "DSQL609"),  # SET NOT NULL
        (6, "DSQL301"),
        (6, "DSQL302"),  # USING gin
    }
    assert (4, "DSQL402") in {(d.line, d.code) for d in found}  # the UPDATE filling NULLs
    source = read_source(str(folder / "20240101000000_change.rb"), orm=True)
    assert 'ALTER TABLE "things" ALTER COLUMN "name" SET DEFAULT \'x\';' in source.text


def test_a_create_table_line_that_adds_no_column_is_said_not_dropped(tmp_path: Path) -> None:
    """`t.check_constraint` and `t.exclusion_constraint` (an EXCLUDE DSQL refuses) wrote
    nothing and said nothing: each is DSQL016 at its line, its options not said again."""
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    path = folder / "20240101000000_create_items.rb"
    path.write_text(
        "class CreateItems < ActiveRecord::Migration[7.1]\n  def change\n"
        "    create_table :items, id: :uuid do |t|\n      t.integer :price\n"
        '      t.check_constraint "price > 0", name: "price_positive"\n'
        '      t.exclusion_constraint "tsrange(a, b) WITH &&", using: :gist\n'
        "      t.timestamps\n    end\n  end\nend\n"
    )
    assert at(findings(path)) == [(5, 7, "DSQL016"), (6, 7, "DSQL016")]
