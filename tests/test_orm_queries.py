"""An ORM call's SQL string holding several statements is sent as one query string, which the
server runs as one transaction (dsql-facts.md, Transactions: two DDL in one query string are
refused): outside the migration's transaction its statements are judged together. Django
splits RunSQL's string and sends each statement alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.settings import LintOptions

TWO = "CREATE TABLE k1 (id bigint PRIMARY KEY); CREATE TABLE k2 (id bigint PRIMARY KEY)"
ONE_EACH = (
    "CREATE TABLE k1 (id bigint PRIMARY KEY); INSERT INTO k0 VALUES (1)",
    "DSQL402",
)

PROJECTS: dict[str, tuple[str, str]] = {
    "sequelize": (
        "migrations/20240101000000-init.js",
        "module.exports = {\n  async up(queryInterface) {\n"
        "    await queryInterface.sequelize.query('{sql}');\n  },\n  async down() {},\n};\n",
    ),
    "knex": (
        "migrations/20240101_init.js",
        "exports.up = function (knex) {\n  return knex.raw('{sql}');\n};\n"
        "exports.down = function () {};\nexports.config = { transaction: false };\n",
    ),
    "alembic": (
        "alembic/versions/001_init.py",
        'from alembic import op\nrevision = "001"\ndown_revision = None\n\n\ndef upgrade():\n'
        "    with op.get_context().autocommit_block():\n        op.execute('{sql}')\n",
    ),
    "rails": (
        "db/migrate/20240101000000_init.rb",
        "class Init < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n"
        "    execute '{sql}'\n  end\nend\n",
    ),
}


def found(tmp_path: Path, library: str, sql: str) -> list[tuple[str, int]]:
    relative, template = PROJECTS[library]
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(template.replace("{sql}", sql))
    if library in ("sequelize", "knex"):
        (tmp_path / "package.json").write_text(f'{{"dependencies": {{"{library}": "*"}}}}')
    report = lint_paths([str(path)], LintOptions())
    runner = ("DSQL406", "DSQL407")
    return [(d.code, d.line) for d in report.diagnostics if d.code not in runner]


@pytest.mark.parametrize("library", sorted(PROJECTS))
def test_a_calls_two_ddl_outside_the_migrations_transaction_are_one_transaction(
    tmp_path: Path, library: str
) -> None:
    findings = found(tmp_path, library, TWO)
    assert [code for code, _ in findings] == ["DSQL401"]


@pytest.mark.parametrize("library", sorted(PROJECTS))
def test_a_calls_ddl_and_dml_are_one_transaction(tmp_path: Path, library: str) -> None:
    sql, code = ONE_EACH
    assert [c for c, _ in found(tmp_path, library, sql)] == [code]


@pytest.mark.parametrize("library", sorted(PROJECTS))
def test_one_statement_a_call_is_clean(tmp_path: Path, library: str) -> None:
    assert found(tmp_path, library, TWO.split("; ")[0]) == []


def test_django_sends_each_statement_of_run_sql_alone(tmp_path: Path) -> None:
    app = tmp_path / "shop" / "migrations"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "0001_init.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    atomic = False\n    dependencies = []\n"
        f"    operations = [migrations.RunSQL('{TWO.replace('bigint', 'serial')}')]\n"
    )
    report = lint_paths([str(app / "0001_init.py")], LintOptions())
    runner = ("DSQL406", "DSQL407")
    assert [d.code for d in report.diagnostics if d.code not in runner] == ["DSQL101", "DSQL101"]
