"""Alembic and Django migrations read statically: their SQL strings as written, their
operations as the SQL each framework writes for PostgreSQL, findings placed in the .py file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.orm.django import index_name
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import expand_paths, read_source

ROOT = Path(__file__).resolve().parents[1]
ALEMBIC = ROOT / "fixtures" / "frameworks" / "alembic" / "migrations" / "versions"
DJANGO = ROOT / "fixtures" / "frameworks" / "django" / "shop" / "migrations"

RUNNER = {"DSQL406", "DSQL407"}


def findings(path: Path) -> list[Diagnostic]:
    """The findings on the migration's own SQL: those on what its runner adds (DSQL406/407)
    are tests/test_runners.py's."""
    found = lint_paths([str(path)], LintOptions()).diagnostics
    return [d for d in found if d.code not in RUNNER]


def at(found: list[Diagnostic]) -> list[tuple[int, int, str]]:
    return sorted((d.line, d.col, d.code) for d in found)


def test_alembic_operations_are_read_as_sqlalchemy_writes_them() -> None:
    found = findings(ALEMBIC / "1a2b3c4d5e6f_create_accounts.py")
    assert at(found) == [
        (18, 25, "DSQL101"),  # sa.Integer() primary key: SERIAL
        (20, 27, "DSQL102"),  # postgresql.ARRAY(...)
        (23, 5, "DSQL301"),  # op.create_index without ASYNC
        (23, 5, "DSQL401"),  # Alembic's one transaction
        (24, 17, "DSQL401"),
        (24, 17, "DSQL512"),  # the op.execute string, at its first character
    ]
    serial = next(d for d in found if d.code == "DSQL101")
    assert "sa.Identity(cache=1)" in (serial.suggestion or "")
    many = next(d for d in found if d.code == "DSQL401")
    assert "autocommit_block" in (many.suggestion or "")


def test_alembic_downgrade_autocommit_blocks_and_run_time_sql() -> None:
    path = ALEMBIC / "0f9e8d7c6b5a_audit.py"
    source = read_source(str(path), orm=True)
    assert isinstance(source, MappedSource)
    assert "DROP TABLE" not in source.text  # downgrade() never runs forward
    # Each DDL in its own autocommit block, but for the table comment, outside them.
    assert source.text.count("BEGIN") == 1
    assert """COMMENT ON TABLE "accounts" IS 'who owns what';""" in source.text
    found = findings(path)
    # The f-string: SQL sent that no rule saw, an error at the string.
    assert at(found) == [(29, 16, "DSQL016")]
    assert found[0].severity.value == "error"
    assert "f-string" in found[0].message and "alembic upgrade head --sql" in found[0].message


def test_python_escapes_and_concatenation_keep_positions(tmp_path: Path) -> None:
    folder = tmp_path / "versions"
    folder.mkdir()
    path = folder / "abc_x.py"
    path.write_text(
        "from alembic import op\n\n\ndef upgrade():\n"
        '    op.execute("CREATE TABLE t (\\n"  "  id serial PRIMARY KEY)")\n'
    )
    source = read_source(str(path), orm=True)
    assert source.text == "BEGIN;\nCREATE TABLE t (\n  id serial PRIMARY KEY);\nCOMMIT;\n"
    assert at(findings(path)) == [
        (5, 44, "DSQL101")
    ]  # `serial`, past the escape and the second literal


def test_django_operations_are_read_as_django_writes_them() -> None:
    found = findings(DJANGO / "0001_initial.py")
    codes = {(d.line, d.col, d.code) for d in found}
    assert (14, 24, "DSQL153") in codes  # BigAutoField: identity without CACHE
    assert (16, 28, "DSQL102") in codes  # ArrayField
    assert (25, 21, "DSQL202") in codes  # ForeignKey: its constraint
    assert (25, 21, "DSQL301") in codes  # ForeignKey: its index
    assert (29, 9, "DSQL301") in codes  # AddIndex
    assert (19, 9, "DSQL401") in codes  # one transaction per migration
    identity = next(d for d in found if d.code == "DSQL153")
    assert "UUIDField" in (identity.suggestion or "")


def test_django_run_sql_reverse_sql_and_atomic_false() -> None:
    path = DJANGO / "0002_raw.py"
    source = read_source(str(path), orm=True)
    assert "DROP" not in source.text  # reverse_sql never runs forward
    assert "BEGIN" not in source.text  # atomic = False
    found = findings(path)
    assert at(found) == [(11, 76, "DSQL105"), (18, 9, "DSQL007")]
    note = next(d for d in found if d.code == "DSQL007")
    assert "python manage.py sqlmigrate shop 0002 | dsql-lint check -" in note.message


@pytest.mark.parametrize(
    ("folder", "text"),
    [
        ("versions", "from alembic import op\n\ndef upgrade(:\n    pass\n"),
        (
            "migrations",
            "from django.db import migrations\n\nclass Migration(migrations.Migration:\n"
            "    operations = []\n",
        ),
    ],
    ids=["alembic", "django"],
)
def test_a_migration_python_cannot_parse_is_an_error_at_its_line(
    tmp_path: Path, folder: str, text: str
) -> None:
    """Its framework cannot run it either: an error (exit 1), not an info note, and never a
    folder found empty; its bytes are left as they are by fix, and no cluster answer is
    shown (nothing of it is sent)."""
    path = tmp_path / folder / "0002_x.py"
    path.parent.mkdir()
    path.write_text(text)
    report = lint_paths([str(path)], LintOptions())
    found = [d for d in report.diagnostics if d.code not in RUNNER]
    assert [(d.code, d.line, d.severity.value) for d in found] == [("DSQL010", 3, "error")]
    assert found[0].message.endswith("not valid Python: invalid syntax (line 3)")
    assert [answers for _, _, answers in report.answered()] == [()]


def test_alembic_enums_and_identities(tmp_path: Path) -> None:
    folder = tmp_path / "versions"
    folder.mkdir()
    path = folder / "abc_x.py"
    path.write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        "    op.create_table(\n"
        '        "t",\n'
        '        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),\n'
        '        sa.Column("state", sa.Enum("a", "b", name="state")),\n'
        '        sa.Column("kind", sa.Enum("x", name="kind", native_enum=False)),\n'
        "    )\n"
    )
    source = read_source(str(path), orm=True)
    assert "CREATE TYPE \"state\" AS ENUM ('a', 'b');" in source.text
    assert '"kind" VARCHAR' in source.text
    assert at(findings(path)) == [
        (6, 5, "DSQL401"),  # the table after its type, in Alembic's one transaction
        (8, 40, "DSQL153"),  # sa.Identity() without cache
        (9, 28, "DSQL514"),  # the native enum
    ]


def test_alembic_column_changes_and_index_methods_are_sent_as_sqlalchemy_writes_them(
    tmp_path: Path,
) -> None:
    """alter_column's type and NOT NULL and create_index's `postgresql_using` reach the rules
    DSQL's refusals have (a CI gate fails on them), where an unread note would exit 0."""
    folder = tmp_path / "versions"
    folder.mkdir()
    path = folder / "abc_x.py"
    path.write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        '    op.alter_column("users", "age", type_=sa.BigInteger(), nullable=False)\n'
        '    op.create_index("ix_tags", "users", ["tags"], postgresql_using="gin")\n'
        '    op.alter_column("users", "name", server_default=None, new_column_name="full")\n'
        '    op.drop_column("users", "old")\n'
    )
    source = read_source(str(path), orm=True)
    assert source.text.splitlines() == [
        "BEGIN;",  # env.py's one transaction
        'ALTER TABLE "users" ALTER COLUMN "age" TYPE BIGINT;',
        'ALTER TABLE "users" ALTER COLUMN "age" SET NOT NULL;',
        'CREATE INDEX "ix_tags" ON "users" USING gin ("tags");',
        'ALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT;',
        'ALTER TABLE "users" RENAME "name" TO "full";',
        'ALTER TABLE "users" DROP COLUMN "old";',
        "COMMIT;",
    ]
    found = {(d.line, d.code) for d in findings(path) if d.code != "DSQL401"}
    assert found == {(6, "DSQL608"), (6, "DSQL609"), (7, "DSQL301"), (7, "DSQL302")}


def test_a_given_alembic_folder_is_read_in_down_revision_order() -> None:
    files = [Path(f).name for f in expand_paths([str(ALEMBIC)], orm=True)]
    assert files == ["1a2b3c4d5e6f_create_accounts.py", "0f9e8d7c6b5a_audit.py"]


def test_alembic_batch_that_copies_the_table_is_named_not_guessed(tmp_path: Path) -> None:
    """`recreate="always"` copies the table from its reflection at run time: not read."""
    folder = tmp_path / "versions"
    folder.mkdir()
    path = folder / "abc_x.py"
    path.write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        '    with op.batch_alter_table("t", recreate="always") as batch_op:\n'
        '        batch_op.add_column(sa.Column("c", sa.Integer()))\n'
    )
    assert read_source(str(path), orm=True).text == ""  # no empty transaction either
    [note] = findings(path)
    assert (note.code, note.line, note.col) == ("DSQL016", 7, 9)
    assert "an operation of a batch that copies the table" in note.message


def test_django_separate_database_and_state_runs_only_its_database_operations(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    path = folder / "0003_split.py"
    path.write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    atomic = False\n"
        "    operations = [\n"
        "        migrations.SeparateDatabaseAndState(\n"
        "            state_operations=[migrations.RunSQL('CREATE TABLE never (id serial)')],\n"
        "            database_operations=[migrations.RunSQL('CREATE TABLE real (id serial)')],\n"
        "        ),\n"
        "    ]\n"
    )
    assert "never" not in read_source(str(path), orm=True).text
    assert at(findings(path)) == [(9, 75, "DSQL101")]


def _user_reference(path: Path) -> str:
    source = read_source(str(path), orm=True)
    [line] = [line for line in source.text.splitlines() if "REFERENCES" in line]
    return line.split("REFERENCES ")[1].split(" ")[0]


def test_auth_user_model_is_the_table_the_settings_module_names() -> None:
    # manage.py names shopsite.settings, which star-imports base.py and then overrides it.
    assert _user_reference(DJANGO / "0003_order_customer.py") == '"accounts_customer"'


def test_auth_user_model_without_settings_is_djangos_default(tmp_path: Path) -> None:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    shutil.copy(DJANGO / "0003_order_customer.py", folder)
    assert _user_reference(folder / "0003_order_customer.py") == '"auth_user"'


def test_auth_user_model_in_a_settings_package(tmp_path: Path) -> None:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    shutil.copy(DJANGO / "0003_order_customer.py", folder)
    (tmp_path / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.config.settings')\n"
    )
    package = tmp_path / "site" / "config" / "settings"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .production import *\n")
    (package / "production.py").write_text("AUTH_USER_MODEL = 'people.Member'\n")
    assert _user_reference(folder / "0003_order_customer.py") == '"people_member"'


def test_a_given_folder_of_alembic_version_locations_is_read_in_revision_order() -> None:
    # Neither location is named versions/: alembic.ini's version_locations says they hold
    # revisions, and they run in down_revision order across both.
    located = ROOT / "fixtures" / "frameworks" / "alembic-locations"
    files = expand_paths([str(located / "db")], orm=True)
    assert [Path(f).relative_to(located / "db").as_posix() for f in files] == [
        "core/3f1e_accounts.py",
        "billing/1b2c_invoices.py",
        "core/2a9d_accounts_email.py",
    ]


def test_an_f_string_without_substitutions_is_a_literal(tmp_path: Path) -> None:
    folder = tmp_path / "versions"
    folder.mkdir()
    path = folder / "abc_x.py"
    path.write_text(
        "from alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(f\"UPDATE t SET doc = '{{}}'::jsonb\")\n"
        '    op.execute(f"TRUNCATE {table}")\n'
    )
    source = read_source(str(path), orm=True)
    assert "UPDATE t SET doc = '{}'::jsonb;" in source.text  # f-string braces decoded
    assert "TRUNCATE" not in source.text
    found = findings(path)
    assert [(d.line, d.code) for d in found] == [(6, "DSQL016")]  # only the one with {table}


def _statements(sql: str) -> list[tuple[str, str]]:
    """Each statement's first two words and the first name it gives: its shape, whatever the
    case and layout Django or the reader writes it in."""
    out = []
    code = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    for statement in code.split(";\n"):
        words = [word.upper() for word in statement.split()[:2]]
        name = re.search(r'"([^"]+)"', statement)
        if words:
            out.append((" ".join(words), name.group(1) if name else ""))
    return out


@pytest.mark.parametrize(
    ("migration", "sent"),
    [
        (DJANGO / "0001_initial.py", ROOT / "tests" / "data" / "django_shop_0001.sql"),
        (
            ROOT / "fixtures/frameworks/sent/django/shop/migrations/0001_constructs.py",
            ROOT / "fixtures/frameworks/sent/django.sql",
        ),
    ],
)
def test_django_defers_keys_and_indexes_to_the_end_with_its_own_names(
    migration: Path, sent: Path
) -> None:
    # `sent`: what `manage.py sqlmigrate` printed (tests/data/README.md). A new table's foreign
    # keys and the new fields' indexes come after every operation, named with Django's digest.
    written = read_source(str(migration), orm=True).text
    # Django writes AddField's key and its SET CONSTRAINTS on one line.
    expected = sent.read_text().replace("DEFERRED; SET", "DEFERRED;\nSET")
    assert _statements(written) == _statements(expected)


def test_django_names_as_long_as_postgresql_allows() -> None:
    # Each expected name is what Django 5.2's own schema editor returned for these arguments.
    table, column = (
        "inventory_warehouse_stock_movement_entries",
        "destination_location_identifier_id",
    )
    assert (
        index_name(table, [column])
        == "inventory_warehouse_stock__destination_location_ident_22514881"
    )
    fk = "_fk_inventory_warehouse_location_identifiers_id"
    assert (
        index_name(table, [column], fk)
        == "inventory_warehouse__destination_location_22514881_fk_inventory"
    )
    assert index_name("_x", ["a"], "_fk_" + "y" * 60) == "D_x_a_bb471854_fk_yyyyyyyy"
    assert index_name("shop_order", ["product_id"]) == "shop_order_product_id_0eef2166"


UNKNOWN = Path(__file__).resolve().parents[1] / "fixtures" / "orm" / "django-unknown"


def test_django_field_classes_django_does_not_ship_are_said_unknown() -> None:
    """A third-party or project field's column type is its own `db_type()`: said, at the
    field, instead of read as text in silence; Django's own classes are not."""
    found = findings(UNKNOWN / "shop" / "migrations" / "0001_initial.py")
    unknown = [d for d in found if d.code == "DSQL016"]
    assert [(d.line, d.col) for d in unknown] == [(17, 29), (18, 26)]
    assert "`CountryField` is not a field class Django ships" in unknown[0].message
    assert "sqlmigrate shop 0001" in unknown[1].message


def test_django_run_python_is_said_not_checked_where_it_is() -> None:
    [note] = [d for d in findings(UNKNOWN / "shop" / "migrations" / "0002_backfill.py")]
    assert (note.code, note.line, note.col) == ("DSQL007", 13, 9)
    assert note.message.startswith("Django migration: RunPython is not checked")


def test_alembic_alter_column_writes_its_comment_and_says_what_it_does_not_write(
    tmp_path: Path,
) -> None:
    """`comment=` is the COMMENT ON COLUMN Alembic's PostgreSQL implementation sends (after the
    default, before the name), in the revision's transaction; `schema=` qualifies the table;
    a keyword not written here is said at that keyword (DSQL007), never skipped."""
    folder = tmp_path / "versions"
    folder.mkdir()
    path = folder / "abc_x.py"
    path.write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        '    op.alter_column("acct", "name", comment="it\'s", new_column_name="full", '
        "existing_type=sa.Text())\n"
        '    op.alter_column("acct", "full", comment=None, schema="app", autoincrement=True)\n'
    )
    source = read_source(str(path), orm=True)
    assert source.text.splitlines() == [
        "BEGIN;",
        """COMMENT ON COLUMN "acct"."name" IS 'it''s';""",
        'ALTER TABLE "acct" RENAME "name" TO "full";',
        'COMMENT ON COLUMN "app"."acct"."full" IS NULL;',
        "COMMIT;",
    ]
    notes = [(d.line, d.col, d.code) for d in findings(path) if d.code == "DSQL016"]
    assert notes == [(7, 65, "DSQL016")]  # at `autoincrement=True`


OPS = Path(__file__).resolve().parents[1] / "fixtures" / "orm" / "alembic-ops" / "versions"


def test_alembic_operations_dsql_refuses_are_errors_at_the_call() -> None:
    """Issue 14: each op whose SQL is fixed is translated as SQLAlchemy's PostgreSQL dialect
    writes it (checked against `alembic upgrade --sql`, alembic 1.20.1), so DSQL's rules
    judge it; a batch block's ops get its table; what is only known at run time is an
    error at it (DSQL016), so `check` cannot exit 0 on a revision that fails on the cluster."""
    path = OPS / "3c4d5e6f7a8b_constraints.py"
    found = findings(path)
    assert at(found) == [
        (14, 9, "DSQL204"),  # create_check_constraint: no NOT VALID
        (15, 9, "DSQL610"),  # create_primary_key on an existing table
        (16, 9, "DSQL202"),  # create_foreign_key: no NOT VALID
        (18, 9, "DSQL208"),  # create_exclude_constraint
        (19, 9, "DSQL301"),
        (19, 50, "DSQL303"),  # sa.desc("score"): at the key
        (20, 9, "DSQL301"),
        (20, 49, "DSQL303"),  # postgresql_ops={"seen": "DESC"}
        (23, 13, "DSQL610"),  # batch_op.create_unique_constraint
        (25, 9, "DSQL016"),  # op.invoke: not read
        (26, 59, "DSQL016"),  # a SQLAlchemy expression as the condition
    ]
    assert all(d.severity.value == "error" for d in found)
    check = next(d for d in found if d.code == "DSQL204")
    assert "op.execute" in (check.suggestion or "") and "NOT VALID" in (check.suggestion or "")
    text = read_source(str(path), orm=True).text
    assert 'ALTER TABLE "accounts" DROP CONSTRAINT "ck_old";' in text
    assert """COMMENT ON TABLE "accounts" IS 'who owns what';""" in text
    assert 'ALTER TABLE "app"."accounts" ADD CONSTRAINT "uq_email" UNIQUE ("email");' in text
    assert """INSERT INTO "plans" ("id", "name") VALUES (1, 'free');""" in text


def test_alembic_keywords_not_written_are_said_at_them(tmp_path: Path) -> None:
    """A keyword an operation's translation does not write (an index's `postgresql_with=`)
    changes the SQL sent: DSQL016 at it, the statement still read."""
    folder = tmp_path / "versions"
    folder.mkdir()
    path = folder / "abc_x.py"
    path.write_text(
        "from alembic import op\n\n\ndef upgrade():\n"
        '    op.create_index("ix", "t", ["a"], postgresql_with={"fillfactor": 50})\n'
    )
    assert at(findings(path)) == [(5, 5, "DSQL301"), (5, 39, "DSQL016")]
