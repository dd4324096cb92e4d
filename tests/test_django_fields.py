"""Django's field options read as its PostgreSQL schema editor reads them: the statements the
reader writes for a migration are the ones `manage.py sqlmigrate` printed for it (recorded in
tests/data, see its README), `_like` pattern indexes and Django's hashed names included."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.orm.django_fields import index_name
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import read_source

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "fixtures" / "orm" / "django-fields" / "shop" / "migrations"
SENT = {
    MIGRATIONS / "0001_field_options.py": ROOT / "tests" / "data" / "django_fields_0001.sql",
    MIGRATIONS / "0002_added_fields.py": ROOT / "tests" / "data" / "django_fields_0002.sql",
}


def statements(sql: str) -> Counter[str]:
    """Each statement in one layout: lower case, one space, no space before a parenthesis,
    PostgreSQL's implicit NULL and a primary key's implied NOT NULL left out."""
    out: Counter[str] = Counter()
    for statement in re.split(r";\s*", sql):
        text = re.sub(r"\s+", " ", statement.lower()).strip()
        text = re.sub(r'" \(', '"(', text).replace("( ", "(").replace(" )", ")")
        text = re.sub(r"(?<!not) null\b", "", text).replace(" not null primary key", " primary key")
        if text and not text.startswith("--"):
            out[text] += 1
    return out


@pytest.mark.parametrize("migration", sorted(SENT), ids=lambda p: p.name)
def test_the_reader_writes_the_statements_sqlmigrate_prints(migration: Path) -> None:
    written = read_source(str(migration), orm=True).text
    sent = SENT[migration].read_text()
    assert statements(written) == statements(sent)


@pytest.mark.parametrize("migration", sorted(SENT), ids=lambda p: p.name)
def test_the_migration_gets_the_findings_of_what_django_sends(
    migration: Path, tmp_path: Path
) -> None:
    sql = tmp_path / "sent.sql"
    sql.write_text(SENT[migration].read_text())

    def codes(path: Path) -> Counter[str]:
        return Counter(d.code for d in lint_paths([str(path)], LintOptions()).diagnostics)

    assert codes(migration) == codes(sql)


def test_a_unique_char_field_gets_djangos_like_index_and_dsql301() -> None:
    found = lint_paths([str(MIGRATIONS / "0001_field_options.py")], LintOptions()).diagnostics
    # email: EmailField(unique=True): its `_like` index is a plain CREATE INDEX.
    on_email = [d for d in found if d.line == 25]
    assert [d.code for d in on_email] == ["DSQL301"]
    assert "_like" in (on_email[0].suggestion or "")


def test_foreign_key_options_are_followed() -> None:
    text = read_source(str(MIGRATIONS / "0001_field_options.py"), orm=True).text
    # db_index=False: no index; db_constraint=False: no key; unique=True or a OneToOneField:
    # the UNIQUE is the index.
    for column in ("buyer_id", "payer_id", "invoice_id", "receipt_id"):
        assert f'CREATE INDEX "shop_order_{column}' not in text
    for column in ("seller_id", "payer_id"):
        assert f'ADD CONSTRAINT "shop_order_{column}' not in text
    found = lint_paths([str(MIGRATIONS / "0001_field_options.py")], LintOptions()).diagnostics
    buyer = [d for d in found if d.line == 43]  # ForeignKey(db_index=False, ...)
    assert "DSQL301" not in [d.code for d in buyer]


def test_a_foreign_key_with_db_index_false_and_db_constraint_false_sends_nothing_more(
    tmp_path: Path,
) -> None:
    # The stranger's case: the advice of DSQL301's help followed, and no finding left.
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    path = folder / "0002_order.py"
    path.write_text(
        "import uuid\nimport django.db.models.deletion\nfrom django.db import migrations, models\n"
        "\n\nclass Migration(migrations.Migration):\n    atomic = False\n"
        "    dependencies = [('shop', '0001_initial')]\n    operations = [\n"
        "        migrations.CreateModel(\n            name='Order',\n            fields=[\n"
        "                ('id', models.UUIDField(primary_key=True, default=uuid.uuid4)),\n"
        "                ('customer', models.ForeignKey(db_constraint=False, db_index=False, "
        "on_delete=django.db.models.deletion.CASCADE, to='shop.customer')),\n"
        "            ],\n        ),\n    ]\n"
    )
    assert lint_paths([str(path)], LintOptions()).diagnostics == []


def test_long_names_are_shortened_as_django_shortens_them() -> None:
    # Each expected name is what Django 5.2's own schema editor returned for these arguments.
    table = "inventory_warehouse_stock_movement_entries"
    column = "destination_location_identifier_id"
    assert index_name(table, [column]) == (
        "inventory_warehouse_stock__destination_location_ident_22514881"
    )
    assert index_name("shop_customer", ["email"], "_like") == "shop_customer_email_d3fdf104_like"


def test_unique_together_is_added_after_the_table_and_the_help_says_how_django_avoids_it() -> None:
    found = lint_paths([str(MIGRATIONS / "0001_field_options.py")], LintOptions()).diagnostics
    (added,) = [d for d in found if d.code == "DSQL622"]
    assert added.line == 36  # "unique_together": {("slug", "age")}
    assert "models.UniqueConstraint" in (added.suggestion or "")
