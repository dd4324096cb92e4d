"""The findings cache and the framework configuration files: an entry depends on every
configuration file read before it was written (syntax/config_reads.py), so editing one gives
the answer a run without the cache gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsql_lint.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def check(*args: str) -> str:
    result = CliRunner().invoke(cli, ["check", "-j", "1", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.output


def _ts(name: str, sql: str) -> str:
    return (
        'import { MigrationInterface, QueryRunner } from "typeorm";\n'
        f"export class {name} implements MigrationInterface {{\n"
        "  public async up(queryRunner: QueryRunner): Promise<void> {\n"
        f"    await queryRunner.query(`{sql}`);\n  }}\n}}\n"
    )


def _mikro(name: str, sql: str) -> str:
    return (
        f"export class {name} extends Migration {{\n  async up() {{ this.addSql('{sql}'); }}\n}}\n"
    )


def _knex(sql: str) -> str:
    return f"exports.up = function (knex) {{ return knex.raw('{sql}'); }};\n"


def supabase(root: Path) -> tuple[Path, Path]:
    folder = root / "supabase"
    (folder / "migrations").mkdir(parents=True)
    (folder / "migrations" / "20240101000000_init.sql").write_text("CREATE TABLE p (id int);\n")
    (folder / "seed.sql").write_text("CREATE INDEX p_id ON p (id);\n")
    config = folder / "config.toml"
    config.write_text("[db.seed]\nenabled = true\n")
    return folder, config


def knex(root: Path) -> tuple[Path, Path]:
    (root / "migrations").mkdir()
    (root / "migrations" / "20240101_a.js").write_text(_knex("CREATE TABLE a (id int)"))
    (root / "migrations" / "20240102_b.js").write_text(_knex("CREATE TABLE b (id int)"))
    config = root / "knexfile.js"
    config.write_text("module.exports = { migrations: { disableTransactions: false } };\n")
    return root / "migrations", config


def typeorm(root: Path) -> tuple[Path, Path]:
    (root / "src" / "migrations").mkdir(parents=True)
    for n, table in enumerate("ab"):
        path = root / "src" / "migrations" / f"170000000000{n}-{table.upper()}.ts"
        path.write_text(_ts(f"{table.upper()}170000000000{n}", f"CREATE TABLE {table} (id int)"))
    config = root / "src" / "data-source.ts"
    config.write_text('export default new DataSource({ migrationsTransactionMode: "all" });\n')
    return root / "src" / "migrations", config


def mikro(root: Path) -> tuple[Path, Path]:
    (root / "migrations").mkdir()
    for n, table in enumerate("ab"):
        name = f"Migration2024010100000{n}"
        (root / "migrations" / f"{name}.ts").write_text(
            _mikro(name, f"create table {table} (id int)")
        )
    config = root / "mikro-orm.config.ts"
    config.write_text("export default { migrations: { transactional: true } };\n")
    return root / "migrations", config


def alembic(root: Path) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "fixtures" / "frameworks" / "alembic-run", root / "app")
    return root / "app" / "migrations" / "versions", root / "app" / "migrations" / "env.py"


EDITS = {
    supabase: ("enabled = true", "enabled = false"),
    knex: ("disableTransactions: false", "disableTransactions: true"),
    typeorm: ('"all"', '"each"'),
    mikro: ("transactional: true", "transactional: false"),
    alembic: ("target_metadata=target_metadata", "target_metadata=target_metadata, "
              "transaction_per_migration=True"),
}  # fmt: skip


@pytest.mark.parametrize("project", list(EDITS), ids=lambda f: f.__name__)
def test_an_edited_configuration_gives_the_new_answer_with_the_cache_on(
    findings_cache: Path, tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    checked, config = project(tmp_path)
    before = check(str(checked))
    assert check(str(checked)) == before  # (a second run: from the cache)
    old, new = EDITS[project]
    assert old in config.read_text()
    config.write_text(config.read_text().replace(old, new))
    after = check(str(checked))
    assert after != before  # the setting matters
    assert after == check("--no-cache", str(checked))
    config.write_text(config.read_text().replace(new, old))
    assert check(str(checked)) == before


@pytest.mark.parametrize("project", list(EDITS), ids=lambda f: f.__name__)
def test_a_configuration_created_after_a_cached_run_gives_the_new_answer(
    findings_cache: Path, tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The places a reader looked for a configuration and found none are kept with the entry:
    creating one there is a miss, as editing one is (either setting: one of them is the
    default's)."""
    monkeypatch.chdir(tmp_path)
    checked, config = project(tmp_path)
    old, new = EDITS[project]
    for text in (config.read_text(), config.read_text().replace(old, new)):
        config.unlink()
        before = check(str(checked))
        assert check(str(checked)) == before  # (a second run: from the cache)
        config.write_text(text)
        assert check(str(checked)) == check("--no-cache", str(checked))
