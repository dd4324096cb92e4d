"""`check` with no paths finds the project's migrations from each framework's markers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsql_lint.syntax.discover import discover
from dsql_lint.syntax.source import expand_paths

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ROOT / "fixtures" / "frameworks"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    cache = ["--no-cache"] if args[0] == "check" else []
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", *args, *cache],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "said", "statements"),
    [
        ("goose", "goose migrations in db/migrations (3 files)", 3),
        ("dbmate", "dbmate migrations in db/migrations (2 files)", 2),
        ("liquibase", "Liquibase changelogs in changelog (1 file)", 3),
        ("drizzle", "Drizzle migrations in drizzle (2 files)", 3),
        ("prisma", "Prisma migrations in prisma/migrations (2 folders)", 2),
        ("flyway", "Flyway migrations in sql (2 files, flyway.locations)", 2),
        ("supabase", "Supabase migrations in supabase/migrations (2 files)", 10),
    ],
)
def test_each_framework_is_found_and_said(name: str, said: str, statements: int) -> None:
    result = run(FRAMEWORKS / name, "check")
    assert f"dsql-lint: {said}" in result.stderr.splitlines()
    assert f"{statements} statement" in result.stdout
    forced = run(FRAMEWORKS / name, "check", "--framework", name)
    assert forced.stdout == result.stdout


def test_several_frameworks_in_one_repository_are_each_found() -> None:
    result = run(FRAMEWORKS, "check")
    said = [line for line in result.stderr.splitlines() if line.startswith("dsql-lint: ")]
    assert len(said) == 17
    # (two more since issue 14: the Alembic table comment and the Rails rename_index, read)
    assert "34 files, 167 statements checked" in result.stdout
    only = run(FRAMEWORKS, "check", "--framework", "goose")
    assert only.stderr.splitlines() == [
        "dsql-lint: goose migrations in goose/db/migrations (3 files)"
    ]
    assert "3 files, 3 statements checked" in only.stdout


def test_drizzle_runs_in_journal_order(tmp_path: Path) -> None:
    shutil.copytree(FRAMEWORKS / "drizzle", tmp_path, dirs_exist_ok=True)
    # The journal, not the names, decides: a file it does not list never runs.
    (tmp_path / "drizzle" / "0002_unlisted.sql").write_text("CREATE TABLE x (id serial);\n")
    result = run(tmp_path, "check")
    assert "DSQL101" not in result.stdout
    assert "Drizzle migrations in drizzle (2 files)" in result.stderr


def test_configuration_names_folder_and_framework(tmp_path: Path) -> None:
    folder = tmp_path / "schema" / "changes"
    folder.mkdir(parents=True)
    (folder / "001_init.sql").write_text("CREATE TABLE t (id serial PRIMARY KEY);\n")
    (tmp_path / "other.sql").write_text("CREATE TABLE u (id int PRIMARY KEY);\n")
    (tmp_path / ".dsql-lint.yaml").write_text("framework: goose\nmigrations: schema/changes\n")
    result = run(tmp_path, "check")
    assert result.stderr.splitlines() == ["dsql-lint: goose migrations in schema/changes (1 file)"]
    assert "DSQL101" in result.stdout and "other.sql" not in result.stdout
    (tmp_path / ".dsql-lint.yaml").write_text("framework: hibernate\n")
    bad = run(tmp_path, "check")
    assert bad.returncode == 2 and "`framework` must be one of" in bad.stderr


def test_no_sql_found_is_exit_2_naming_the_places(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("no SQL here\n")
    result = run(tmp_path, "check")
    assert result.returncode == 2
    assert "no SQL migrations found in ." in result.stderr
    assert "goose" in result.stderr and "prisma" in result.stderr
    assert "Alembic and Django migrations" in result.stderr and "db/migrate/*.rb" in result.stderr
    assert "*.sql files by their framework's markers" in result.stderr
    assert result.stdout == ""


def test_flyway_placeholders_without_a_value_are_findings(tmp_path: Path) -> None:
    """Where apply (and Flyway) would refuse the file, check fails too: DSQL014 at the
    placeholder, until the configuration gives it a value."""
    configured = run(FRAMEWORKS / "flyway", "check")
    assert "DSQL014" not in configured.stdout
    shutil.copytree(FRAMEWORKS / "flyway" / "sql", tmp_path / "sql")
    result = run(tmp_path, "check", "sql")
    assert result.returncode == 1
    assert [line.split(" [")[0] for line in result.stdout.splitlines() if "DSQL014" in line] == [
        "sql/U1__drop_items.sql:1:12: DSQL014",
        "sql/V1__create_items.sql:1:14: DSQL014",
    ]
    (tmp_path / "flyway.toml").write_text('[flyway.placeholders]\nschema = "app"\n')
    assert "DSQL014" not in run(tmp_path, "check", "sql").stdout


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("alembic", ["Alembic migrations in migrations/versions (2 files)"]),
        ("django", ["Django migrations in shop/migrations (3 files)"]),
        (
            "rails",
            ["Rails structure dump in db (1 file)", "Rails migrations in db/migrate (3 files)"],
        ),
    ],
)
def test_python_and_ruby_migrations_are_found_and_said(name: str, said: list[str]) -> None:
    result = run(FRAMEWORKS / name, "check")
    assert [f"dsql-lint: {line}" for line in said] == result.stderr.splitlines()
    forced = run(FRAMEWORKS / name, "check", "--framework", name)
    assert forced.stdout == result.stdout
    assert "DSQL" in result.stdout


def test_alembic_revisions_run_in_down_revision_order() -> None:
    [group] = discover(FRAMEWORKS / "alembic", "alembic", orm=True)
    # 0f9e... names first but revises 1a2b...: Alembic runs it second.
    assert [p.name for p in group.files] == [
        "1a2b3c4d5e6f_create_accounts.py",
        "0f9e8d7c6b5a_audit.py",
    ]


LOCATED = FRAMEWORKS / "alembic-locations"


def test_alembic_version_locations_are_one_group_in_revision_order() -> None:
    said = "dsql-lint: Alembic migrations in db/core, db/billing (3 files, version_locations)"
    result = run(LOCATED, "check")
    assert result.stderr.splitlines() == [said]
    assert "3 files, 3 statements checked" in result.stdout  # Alembic's BEGIN/COMMIT not counted
    assert run(LOCATED, "check", "--framework", "alembic").stdout == result.stdout
    [group] = discover(LOCATED, orm=True)
    # Across both locations, each after its down_revision, whatever the names say.
    assert [p.relative_to(LOCATED).as_posix() for p in group.files] == [
        "db/core/3f1e_accounts.py",
        "db/billing/1b2c_invoices.py",
        "db/core/2a9d_accounts_email.py",
    ]


def _alembic_project(root: Path, config: tuple[str, str]) -> None:
    for rel in ("db/core/3f1e_accounts.py", "db/billing/1b2c_invoices.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(LOCATED / rel, root / rel)
    (root / "db" / "billing" / "old").mkdir()
    shutil.copy(LOCATED / "db/core/2a9d_accounts_email.py", root / "db/billing/old/2a9d_x.py")
    (root / config[0]).write_text(config[1])


@pytest.mark.parametrize(
    ("config", "files"),
    [
        # Alembic's legacy splitting, on commas and spaces, with no path_separator.
        (("alembic.ini", "[alembic]\nversion_locations = db/core, %(here)s/db/billing\n"), 2),
        (("alembic.ini", "[alembic]\npath_separator = os\nversion_locations = db/core:db/billing\n"
          "recursive_version_locations = true\n"), 3),
        (("pyproject.toml", '[tool.alembic]\nversion_locations = ["%(here)s/db/core", '
          '"db/billing"]\n'), 2),
    ],
)  # fmt: skip
def test_alembic_configurations_are_read_as_alembic_reads_them(
    tmp_path: Path, config: tuple[str, str], files: int
) -> None:
    _alembic_project(tmp_path, config)
    [group] = discover(tmp_path, orm=True)
    assert [p.parent.name for p in group.files][:2] == ["core", "billing"]
    assert len(group.files) == files  # a sub-folder only with recursive_version_locations
    assert group.summary(tmp_path).endswith(f"({files} files, version_locations)")


def test_script_location_without_version_locations_is_its_versions_folder(
    tmp_path: Path,
) -> None:
    _alembic_project(tmp_path, ("alembic.ini", "[alembic]\nscript_location = %(here)s/db\n"))
    (tmp_path / "db" / "versions").mkdir()
    shutil.copy(LOCATED / "db/core/3f1e_accounts.py", tmp_path / "db/versions/3f1e_a.py")
    [group] = discover(tmp_path, orm=True)
    assert group.summary(tmp_path) == "Alembic migrations in db/versions (1 file)"


def _located_project(root: Path) -> None:
    for folder, name in (("one", "V1__a.sql"), ("two", "V2__b.sql"), ("one", "V3__c.sql")):
        (root / "db" / folder).mkdir(parents=True, exist_ok=True)
        table = name[4]
        (root / "db" / folder / name).write_text(f"CREATE TABLE {table} (id int PRIMARY KEY);\n")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("flyway.conf", "flyway.locations=filesystem:db/one, filesystem:db/two\n"),
        ("flyway.conf", "-locations=db/one,db/two\n"),
        ("flyway.toml", '[flyway]\nlocations = ["filesystem:db/one", "filesystem:db/two"]\n'),
        (
            "flyway.toml",
            '[environments.prod.flyway]\nlocations = ["filesystem:db/one", "db/two"]\n',
        ),
    ],
)
def test_flyway_locations_are_one_group_in_version_order(
    tmp_path: Path, name: str, text: str
) -> None:
    _located_project(tmp_path)
    (tmp_path / name).write_text(text)
    said = "dsql-lint: Flyway migrations in db/one, db/two (3 files, flyway.locations)"
    result = run(tmp_path, "check")
    assert result.stderr.splitlines() == [said]
    [group] = discover(tmp_path)
    assert [p.name for p in group.files] == ["V1__a.sql", "V2__b.sql", "V3__c.sql"]
    plan = run(tmp_path, "apply", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert plan.stderr.splitlines() == [said]
    files = [line for line in plan.stdout.splitlines() if line.startswith("db/")]
    assert files == ["db/one/V1__a.sql", "db/two/V2__b.sql", "db/one/V3__c.sql"]
    (tmp_path / "stray.sql").write_text("CREATE TABLE stray (id int PRIMARY KEY);\n")
    named = run(tmp_path, "apply", "--dry-run", ".")  # the project's folder: its locations
    assert named.returncode == 0, named.stderr
    assert "stray" not in named.stdout and "db/two/V2__b.sql" in named.stdout


def test_without_flyway_locations_discovery_groups_by_folder(tmp_path: Path) -> None:
    _located_project(tmp_path)
    (tmp_path / "flyway.conf").write_text("flyway.url=jdbc:postgresql://localhost/db\n")
    assert [len(group.files) for group in discover(tmp_path)] == [2, 1]


SUPABASE = FRAMEWORKS / "supabase"


def test_supabase_migrations_run_as_the_cli_runs_them(tmp_path: Path) -> None:
    result = run(SUPABASE, "check")
    # The CLI runs each file in one transaction: the second DDL onwards is refused.
    assert "DDL statement number 2 in one transaction" in result.stdout
    # Its boilerplate is reported with advice in Supabase's terms, nothing crashes.
    for said in (
        "Supabase creates extensions `with schema extensions`",
        "Supabase's API reads rows through row-level security",
        "`anon` is a role Supabase's platform creates",
        "usually `alter default privileges ... to anon, authenticated, service_role`",
        "Supabase's API reads rows through these policies",
        "`auth.users` is in a schema Supabase's platform creates",
    ):
        assert said in result.stdout
    assert result.returncode == 1
    # A file the CLI skips (not <version>_<name>.sql) is no Supabase migration.
    shutil.copytree(SUPABASE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "supabase" / "migrations" / "notes.sql").write_text("SELECT 1;\n")
    groups = {g.framework: len(g.files) for g in discover(tmp_path)}
    assert groups == {"supabase": 2, "sql": 1}


@pytest.mark.parametrize("named", ["supabase", "."])
def test_a_checked_supabase_folder_reads_its_seeds_after_its_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str
) -> None:
    """As the CLI runs them: the migrations, then `sql_paths`' seeds in their order (a walk of
    the folder would put supabase/seeds/ first, and seed.sql between)."""
    folder = tmp_path / "supabase"
    (folder / "migrations").mkdir(parents=True)
    (folder / "seeds").mkdir()
    (folder / "config.toml").write_text('[db.seed]\nsql_paths = ["./seeds/*.sql", "./seed.sql"]\n')
    for name in ("migrations/20240101000000_a.sql", "seeds/01.sql", "seed.sql", "other.sql"):
        (folder / name).write_text("SELECT 1;\n")
    monkeypatch.chdir(tmp_path)
    assert expand_paths([named]) == [
        "supabase/migrations/20240101000000_a.sql",
        "supabase/other.sql",
        "supabase/seeds/01.sql",
        "supabase/seed.sql",
    ]
