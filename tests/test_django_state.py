"""Django operations whose SQL depends on the migrations before them (AlterField, RenameField,
RenameModel, an auto primary key widened,
RemoveField, AlterModelTable, AlterUniqueTogether, AlterIndexTogether) and constraints written
as SQL (CheckConstraint, UniqueConstraint with a condition or expressions): the reader writes
the statements `manage.py sqlmigrate` printed for each migration of
fixtures/orm/django-state, recorded with Django 5.2.20 with the database migrated to just
before it (tests/data/README.md). A relation to another app's model takes that model's key
through the migration's dependencies (shop's `owner` is a varchar like people's key)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from test_django_fields import own, statements

from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import read_source

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "fixtures" / "orm" / "django-state"
DATA = ROOT / "tests" / "data"


def recorded() -> dict[Path, Path]:
    """Each migration and what sqlmigrate printed for it (`django_state_<app>_<name>.sql`)."""
    out = {}
    for sql in sorted(DATA.glob("django_state_*.sql")):
        app, _, name = sql.stem.removeprefix("django_state_").partition("_")
        out[APPS / app / "migrations" / f"{name}.py"] = sql
    return out


SENT = recorded()
CONTRIB = ROOT / "fixtures" / "orm" / "django-contrib"


def contrib() -> dict[Path, Path]:
    """Django's own apps' migrations and what sqlmigrate printed for each."""
    out = {}
    for sql in sorted((DATA / "django_contrib").glob("*.sql")):
        app, _, name = sql.stem.partition("_")
        out[CONTRIB / app / "migrations" / f"{name}.py"] = sql
    return out


SENT_CONTRIB = contrib()


def sent_statements(sql: str) -> list[str]:
    """sqlmigrate's statements; an atomic migration that sends nothing is only BEGIN and
    COMMIT, which the reader does not write."""
    found = statements(sql)
    return [] if found == ["begin", "commit"] else found


def test_every_migration_of_the_fixture_was_recorded() -> None:
    assert set(SENT) == set(APPS.glob("*/migrations/0*.py"))


@pytest.mark.parametrize("migration", sorted(SENT), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_the_reader_writes_what_sqlmigrate_printed(migration: Path) -> None:
    written = read_source(str(migration), orm=True).text
    assert statements(written) == statements(SENT[migration].read_text())


@pytest.mark.parametrize("migration", sorted(SENT), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_nothing_is_left_unchecked_and_the_findings_are_those_of_the_sent_sql(
    migration: Path, tmp_path: Path
) -> None:
    sql = tmp_path / "sent.sql"
    sql.write_text(SENT[migration].read_text())
    found = own(lint_paths([str(migration)], LintOptions()).diagnostics)
    assert not [d for d in found if "not checked" in d.message]
    sent = own(lint_paths([str(sql)], LintOptions()).diagnostics)
    assert Counter(d.code for d in found) == Counter(d.code for d in sent)


def test_every_migration_of_djangos_own_apps_was_recorded() -> None:
    assert set(SENT_CONTRIB) == set(CONTRIB.glob("*/migrations/0*.py"))


@pytest.mark.parametrize("migration", sorted(SENT_CONTRIB), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_djangos_own_migrations_are_written_as_sqlmigrate_printed_them(migration: Path) -> None:
    written = read_source(str(migration), orm=True).text
    assert statements(written) == sent_statements(SENT_CONTRIB[migration].read_text())


def test_an_alter_field_finding_points_at_its_operation() -> None:
    migration = APPS / "shop" / "migrations" / "0002_altered.py"
    found = own(lint_paths([str(migration)], LintOptions()).diagnostics)
    # sku: db_index -> unique=True is an ADD CONSTRAINT ... UNIQUE on an existing table.
    (unique,) = [d for d in found if d.code == "DSQL610"]
    assert (unique.line, unique.col) == (24, 19)  # its field=models.CharField(...)


def test_a_finding_on_an_operations_sql_spans_its_call(tmp_path: Path) -> None:
    """0003_state run atomic: each RenameField and RemoveField after the first DDL is DSQL401,
    shown on the whole `migrations.RemoveField(...)` call, not its first character."""
    apps = tmp_path / "apps"
    shutil.copytree(APPS, apps)
    migration = apps / "shop" / "migrations" / "0003_state.py"
    migration.write_text(migration.read_text().replace("    atomic = False\n", ""))
    lines = migration.read_text().splitlines()
    found = own(lint_paths([str(migration)], LintOptions()).diagnostics)
    shown = {
        lines[d.line - 1].strip().split("(")[0]: (d.line, d.col, d.end_line, d.end_col)
        for d in found
        if d.code == "DSQL401" and ("Field(" in lines[d.line - 1])
    }
    assert set(shown) == {"migrations.RenameField", "migrations.RemoveField"}
    for line, col, end_line, end_col in shown.values():
        text = lines[line - 1]
        assert (col, end_line, end_col) == (text.index("migrations.") + 1, line, len(text))
        assert text[end_col - 2 :] == "),"  # the call's closing parenthesis is its last


def test_an_operation_on_a_model_no_earlier_migration_creates_is_named_as_not_checked(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    path = folder / "0002_alter.py"
    path.write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n    atomic = False\n"
        "    dependencies = [('shop', '0001_initial')]\n"
        "    operations = [\n        migrations.AlterField(model_name='order', name='total', "
        "field=models.BigIntegerField()),\n    ]\n"
    )
    (note,) = own(lint_paths([str(path)], LintOptions()).diagnostics)
    assert "not checked here: AlterField" in note.message


def test_alter_field_findings_get_help_in_djangos_terms() -> None:
    migration = APPS / "shop" / "migrations" / "0002_altered.py"
    found = own(lint_paths([str(migration)], LintOptions()).diagnostics)
    by_code = {d.code: d.suggestion or "" for d in found}
    assert "RenameField" in by_code["DSQL608"]  # ALTER COLUMN ... TYPE
    assert "SeparateDatabaseAndState" in by_code["DSQL609"]  # SET NOT NULL
    assert "AlterField" in by_code["DSQL610"]  # ADD CONSTRAINT ... UNIQUE


def test_a_relation_to_djangos_own_models_outside_the_project_takes_their_integer_key(
    tmp_path: Path,
) -> None:
    # admin's first migration alone: auth and contenttypes are in Django, not beside it.
    shutil.copytree(CONTRIB / "admin", tmp_path / "admin")
    migration = tmp_path / "admin" / "migrations" / "0001_initial.py"
    written = read_source(str(migration), orm=True).text
    sent = SENT_CONTRIB[CONTRIB / "admin" / "migrations" / "0001_initial.py"].read_text()
    assert statements(written) == sent_statements(sent)


def test_an_app_elsewhere_in_the_project_is_found_through_manage_py(tmp_path: Path) -> None:
    # people in lib/, shop in apps/: shop's key to people.Person is people's varchar key.
    (tmp_path / "manage.py").write_text("")
    shutil.copytree(APPS / "people", tmp_path / "lib" / "people")
    shutil.copytree(APPS / "shop", tmp_path / "apps" / "shop")
    migration = tmp_path / "apps" / "shop" / "migrations" / "0001_initial.py"
    written = read_source(str(migration), orm=True).text
    assert statements(written) == statements(
        (DATA / "django_state_shop_0001_initial.sql").read_text()
    )


def test_a_renamed_model_a_many_to_many_field_points_at_is_not_checked(tmp_path: Path) -> None:
    """Django then renames the many-to-many table's column too, which is not written here:
    said, not guessed (a foreign key pointing at it is written: lab 0005)."""
    shutil.copytree(APPS / "lab", tmp_path / "lab")
    folder = tmp_path / "lab" / "migrations"
    head = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
    (folder / "0006_racks.py").write_text(
        head + "    dependencies = [('lab', '0005_journal')]\n    operations = [\n"
        "        migrations.CreateModel(name='Rack', fields=[('id', models.BigAutoField("
        "primary_key=True)), ('gauges', models.ManyToManyField(to='lab.gauge'))]),\n    ]\n"
    )
    later = folder / "0007_meter.py"
    later.write_text(
        head + "    dependencies = [('lab', '0006_racks')]\n    operations = [\n"
        "        migrations.RenameModel(old_name='Gauge', new_name='Meter'),\n    ]\n"
    )
    found = own(lint_paths([str(later)], LintOptions()).diagnostics)
    notes = [d for d in found if d.code == "DSQL007"]
    assert len(notes) == 1 and "not checked here: RenameModel" in notes[0].message
