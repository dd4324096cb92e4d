"""`dsql-lint init`, run as a user runs it (a subprocess in the project folder), with HOME
pointed at a temporary folder so that home-directory MCP configurations land there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"
SERVER = "awslabs.aurora-dsql-mcp-server"
ENTRY_ARGS = [
    f"{SERVER}@latest",
    *("--cluster_endpoint", ENDPOINT),
    *("--region", "us-east-1"),
    *("--database_user", "admin"),
    *("--profile", "default"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "db" / "migrations").mkdir(parents=True)
    (root / "db" / "migrations" / "V1__accounts.sql").write_text(
        "CREATE TABLE accounts (id uuid PRIMARY KEY);\n"
    )
    (root / "db" / "migrations" / "V2__orders.sql").write_text(
        "CREATE TABLE orders (id uuid PRIMARY KEY);\n"
    )
    (root / "scripts").mkdir()
    (root / "scripts" / "report.sql").write_text("SELECT 1;\n")
    return root


def init(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("AWS_PROFILE", "AWS_REGION", "DSQL_ENDPOINT", "XDG_CONFIG_HOME")
    }
    env["HOME"] = str(project.parent / "home")
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", "init", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def snapshot(*roots: Path) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes()
        for root in roots
        if root.exists()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_a_new_project_gets_every_file(project: Path) -> None:
    result = init(project, "--endpoint", ENDPOINT, "--mcp", "claude", "--mcp", "amazonq")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "created       .env: set DSQL_ENDPOINT, AWS_REGION",
        "created       .gitignore: added .dsql-lint/ (apply --local)",
        "created       .dsql-lint.yaml: target latest, migrations db/migrations",
        "created       .pre-commit-config.yaml: the dsql-lint hook",
        "created       .github/workflows/dsql-lint.yml: GitHub Actions: check --format github, "
        "then apply --local",
        f"created       .mcp.json: added the {SERVER} server, read-only (--allow-writes to write)",
        f"created       ~/.aws/amazonq/mcp.json: added the {SERVER} server, read-only "
        "(--allow-writes to write)",
    ]
    assert (project / ".env").read_text() == f"DSQL_ENDPOINT={ENDPOINT}\nAWS_REGION=us-east-1\n"
    assert (project / ".gitignore").read_text() == ".dsql-lint/\n"
    config = yaml.safe_load((project / ".dsql-lint.yaml").read_text())
    assert config == {"target": "latest", "migrations": "db/migrations"}
    workflow = yaml.safe_load((project / ".github/workflows/dsql-lint.yml").read_text())
    runs = [step.get("run") for step in workflow["jobs"]["dsql-lint"]["steps"]]
    assert "dsql-lint check db/migrations --format github" in runs
    assert "dsql-lint apply --local db/migrations" in runs
    for path in (project / ".mcp.json", project.parent / "home/.aws/amazonq/mcp.json"):
        entry = json.loads(path.read_text())["mcpServers"][SERVER]
        assert entry["command"] == "uvx"
        assert entry["args"] == ENTRY_ARGS


def test_the_written_configuration_is_what_apply_and_pre_commit_read(project: Path) -> None:
    assert init(project).returncode == 0
    plan = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "apply", "--dry-run"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert plan.returncode == 0, plan.stderr
    assert "db/migrations/V1__accounts.sql" in plan.stdout + plan.stderr
    assert "scripts/report.sql" not in plan.stdout + plan.stderr
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_second_run_changes_nothing(project: Path) -> None:
    args = ("--endpoint", ENDPOINT, *("--mcp", "cursor", "--mcp", "kiro"))
    args += ("--mcp", "cline", "--mcp", "roo")
    assert init(project, *args).returncode == 0
    home = project.parent / "home"
    assert (project / ".cursor/mcp.json").is_file()
    assert (project / ".kiro/settings/mcp.json").is_file()
    cline = home / ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings"
    assert (cline / "cline_mcp_settings.json").is_file()
    roo = home / ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings"
    assert (roo / "mcp_settings.json").is_file()
    before = snapshot(project, home)
    again = init(project, *args)
    assert again.returncode == 0
    assert all(line.startswith("unchanged ") for line in again.stdout.splitlines()), again.stdout
    assert snapshot(project, home) == before


def test_existing_files_are_merged_into_and_kept_otherwise(project: Path) -> None:
    env = "# the app's settings\nexport DATABASE_URL=postgres://localhost/app  # dev\nDEBUG=1"
    (project / ".env").write_text(env)
    (project / ".gitignore").write_text("node_modules/\n*.log")
    other = {"command": "npx", "args": ["other-server"]}
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {"other": other}, "x": 1}))
    precommit = (
        "# hooks of the team\n"
        "repos:\n"
        "-   repo: https://github.com/pre-commit/pre-commit-hooks\n"
        "    rev: v4.6.0\n"
        "    hooks:\n"
        "    -   id: trailing-whitespace  # keep\n"
    )
    (project / ".pre-commit-config.yaml").write_text(precommit)
    (project / ".dsql-lint.yml").write_text("# ours\nignore: [DSQL104]")
    result = init(project, "--endpoint", ENDPOINT, "--mcp", "claude")
    assert result.returncode == 0, result.stderr
    assert (project / ".env").read_text() == (
        f"{env}\nDSQL_ENDPOINT={ENDPOINT}\nAWS_REGION=us-east-1\n"
    )
    assert (project / ".gitignore").read_text() == "node_modules/\n*.log\n.dsql-lint/\n"
    config = "# ours\nignore: [DSQL104]\nmigrations: db/migrations\n"
    assert (project / ".dsql-lint.yml").read_text() == config
    assert not (project / ".dsql-lint.yaml").exists()
    document = json.loads((project / ".mcp.json").read_text())
    assert document["x"] == 1
    assert document["mcpServers"]["other"] == other
    assert document["mcpServers"][SERVER]["args"] == ENTRY_ARGS
    merged = (project / ".pre-commit-config.yaml").read_text()
    assert merged.startswith(precommit)
    repos = yaml.safe_load(merged)["repos"]
    assert [hook["id"] for repo in repos for hook in repo["hooks"]] == [
        "trailing-whitespace",
        "dsql-lint",
    ]
    assert "updated       .pre-commit-config.yaml: added the dsql-lint hook to `repos`" in (
        result.stdout
    )


def test_different_values_need_force(project: Path) -> None:
    first = ("--endpoint", ENDPOINT, "--mcp", "claude")
    assert init(project, *first).returncode == 0
    (project / ".dsql-lint.yaml").write_text("target: 2025-05  # ours\nmigrations: old\n")
    before = snapshot(project)
    other = "zyxwvutsrqponmlkjihgfedcba.dsql.eu-west-1.on.aws"
    kept = init(project, "--endpoint", other, "--mcp", "claude", "--allow-writes")
    assert kept.returncode == 0
    assert snapshot(project) == before
    assert f"kept          .env: has DSQL_ENDPOINT={ENDPOINT}, AWS_REGION=us-east-1: differs" in (
        kept.stdout
    )
    assert "kept          .dsql-lint.yaml: has migrations: old (--force replaces it)" in kept.stdout
    assert f"kept          .mcp.json: has another {SERVER} entry" in kept.stdout

    forced = init(project, "--endpoint", other, "--mcp", "claude", "--allow-writes", "--force")
    assert forced.returncode == 0
    assert (project / ".env").read_text() == f"DSQL_ENDPOINT={other}\nAWS_REGION=eu-west-1\n"
    args = json.loads((project / ".mcp.json").read_text())["mcpServers"][SERVER]["args"]
    assert args[2] == other and args[-1] == "--allow-writes"
    assert (project / ".dsql-lint.yaml").read_text() == (
        "target: 2025-05  # ours\nmigrations: db/migrations\n"
    )


def test_force_rewrites_a_dotenv_key_in_place_as_cluster_write_env_does(project: Path) -> None:
    """One `.env` editor for init and `cluster create --write-env`: the key's line keeps its
    `export`, its comment and the file's CRLF; the other lines are untouched."""
    before = (
        "# the app\r\nexport DSQL_ENDPOINT=old.dsql.us-east-1.on.aws  # staging\r\n"
        "DATABASE_URL='postgres://localhost/app'\r\n"
    )
    (project / ".env").write_bytes(before.encode())
    result = init(project, "--endpoint", ENDPOINT, "--force")
    assert result.returncode == 0, result.stderr
    assert "updated       .env: set AWS_REGION; replaced DSQL_ENDPOINT (--force)" in result.stdout
    assert (project / ".env").read_bytes().decode() == (
        f"# the app\r\nexport DSQL_ENDPOINT={ENDPOINT}  # staging\r\n"
        "DATABASE_URL='postgres://localhost/app'\r\nAWS_REGION=us-east-1\r\n"
    )


def test_dry_run_shows_the_changes_and_writes_nothing(project: Path) -> None:
    (project / ".env").write_text("DEBUG=1\n")
    before = snapshot(project, project.parent / "home")
    result = init(project, "--endpoint", ENDPOINT, "--mcp", "amazonq", "--dry-run")
    assert result.returncode == 0
    assert snapshot(project, project.parent / "home") == before
    assert "would update  .env: set DSQL_ENDPOINT, AWS_REGION" in result.stdout
    assert f"+DSQL_ENDPOINT={ENDPOINT}\n" in result.stdout
    assert "would create  ~/.aws/amazonq/mcp.json" in result.stdout
    assert '+    "awslabs.aurora-dsql-mcp-server": {' in result.stdout


def test_an_unreadable_config_stops_before_anything_is_written(project: Path) -> None:
    (project / ".mcp.json").write_text('{"mcpServers": {,}}')
    before = snapshot(project)
    result = init(project, "--endpoint", ENDPOINT, "--mcp", "claude")
    assert result.returncode == 2
    assert result.stderr.startswith("dsql-lint: error: .mcp.json:1: not valid JSON")
    assert snapshot(project) == before


def test_the_endpoint_in_env_fills_the_mcp_configuration(project: Path) -> None:
    (project / ".env").write_text(f"DSQL_ENDPOINT={ENDPOINT}\n")
    result = init(project, "--mcp", "claude", "--profile", "dev")
    assert result.returncode == 0, result.stderr
    assert f"unchanged     .env: DSQL_ENDPOINT is {ENDPOINT} already" in result.stdout
    args = json.loads((project / ".mcp.json").read_text())["mcpServers"][SERVER]["args"]
    assert args == [*ENTRY_ARGS[:-1], "dev"]


def test_a_pre_commit_config_whose_repos_is_not_last_is_left_to_the_user(project: Path) -> None:
    text = "repos:\n- repo: local\n  hooks: []\nci:\n  autofix_prs: false\n"
    (project / ".pre-commit-config.yaml").write_text(text)
    result = init(project)
    assert result.returncode == 2
    assert "`repos:` is not the file's last key: not changed" in result.stderr
    assert (project / ".pre-commit-config.yaml").read_text() == text
    assert not (project / ".dsql-lint.yaml").exists()


def test_without_an_endpoint_the_cluster_files_are_skipped(project: Path) -> None:
    result = init(project, "--mcp", "claude")
    assert result.returncode == 0
    assert "skipped       .env: no --endpoint" in result.stdout
    assert "skipped       .mcp.json: no endpoint" in result.stdout
    assert not (project / ".env").exists()
    assert not (project / ".mcp.json").exists()


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (["src/main/resources/db/migration/V1__a.sql", "test/fixtures/a.sql"], None),
        (["prisma/migrations/20240101_init/migration.sql", "seed.sql"], "prisma/migrations"),
        (["sql/001_a.sql", "sql/002_b.sql", "docs/examples/x.sql"], "sql"),
        (["schema/a.sql", "node_modules/pkg/migrations/1.sql", "node_modules/pkg/m/2.sql"], None),
    ],
)
def test_the_migrations_folder_is_detected(
    tmp_path: Path, layout: list[str], expected: str | None
) -> None:
    for name in layout:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;\n")
    result = init(tmp_path, "--dry-run")
    folder = expected or str(Path(layout[0]).parent)
    assert f"+migrations: {folder}\n" in result.stdout


def test_no_sql_at_all_skips_the_hook_and_the_workflow(tmp_path: Path) -> None:
    result = init(tmp_path)
    assert result.returncode == 0
    assert "skipped       .pre-commit-config.yaml: no migrations folder found" in result.stdout
    assert not (tmp_path / ".github").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dsql-lint.yaml", ".gitignore"]


def test_doctor_finds_the_mcp_configuration_init_wrote(project: Path) -> None:
    assert init(project, "--endpoint", ENDPOINT, "--mcp", "roo").returncode == 0
    home = project.parent / "home"
    env = {key: value for key, value in os.environ.items() if key != "XDG_CONFIG_HOME"}
    doctor = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "doctor", "--dsn", "host=127.0.0.1 port=1"],
        cwd=project,
        env={**env, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    roo = home / ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings"
    assert f"aurora-dsql-mcp-server is configured in {roo / 'mcp_settings.json'}" in doctor.stdout


FRAMEWORKS = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks"


@pytest.mark.parametrize(
    ("name", "folder", "framework", "said"),
    [
        ("alembic", "migrations/versions", "alembic", "Alembic migrations in migrations/versions"),
        ("alembic-locations", "db", "alembic", "Alembic migrations in db/core, db/billing"),
        ("django", "shop/migrations", "django", "Django migrations in shop/migrations"),
        ("rails", "db/migrate", "rails", "Rails migrations in db/migrate"),
        ("goose", "db/migrations", None, "goose migrations in db/migrations"),
        ("dbmate", "db/migrations", None, "dbmate migrations in db/migrations"),
        ("liquibase", "changelog", None, "Liquibase changelogs in changelog"),
        # Where `dsql-lint apply` can run the files, the workflow makes it the runner: no
        # `framework:`, whose runner's own findings (DSQL406) would fail the workflow's check.
        ("drizzle", "drizzle", None, "Drizzle migrations in drizzle"),
        ("prisma", "prisma/migrations", None, "Prisma migrations in prisma/migrations"),
        (
            "supabase",
            "supabase/migrations",
            None,
            "Supabase migrations in supabase/migrations",
        ),
        ("flyway", "sql", None, "Flyway migrations in sql"),
    ],
)
def test_each_framework_is_detected_and_configured(
    tmp_path: Path, name: str, folder: str, framework: str, said: str
) -> None:
    root = tmp_path / name
    shutil.copytree(FRAMEWORKS / name, root)
    result = init(root)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"dsql-lint: {said} (")
    config = yaml.safe_load((root / ".dsql-lint.yaml").read_text())
    assert (config["migrations"], config.get("framework")) == (folder, framework)
    workflow = (root / ".github" / "workflows" / "dsql-lint.yml").read_text()
    applied = framework not in ("alembic", "django", "rails")
    assert ("apply --local" in workflow) == applied
    if applied:  # how to say that the framework's own runner runs them instead
        assert "add `framework: " in result.stderr
    hook = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    kind = {"alembic": "python", "django": "python", "rails": "ruby"}.get(framework, "sql")
    assert hook["types"] == [kind]
    # What init wrote is what check reads with no path: the same migrations, said alike.
    checked = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.stderr.startswith(f"dsql-lint: {said} ("), checked.stderr
    if applied:  # the runner findings of a framework apply replaces
        assert "DSQL406" not in checked.stdout and "DSQL407" not in checked.stdout


def test_a_rails_schema_dump_is_configured_only_without_migrations(tmp_path: Path) -> None:
    shutil.copytree(FRAMEWORKS / "rails", tmp_path / "app")
    shutil.rmtree(tmp_path / "app" / "db" / "migrate")
    result = init(tmp_path / "app")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load((tmp_path / "app" / ".dsql-lint.yaml").read_text())
    assert (config["migrations"], config["framework"]) == ("db", "rails")


def test_flyway_names_without_a_flyway_configuration_are_run_by_apply(project: Path) -> None:
    result = init(project)
    assert result.stderr.startswith("dsql-lint: Flyway migrations in db/migrations (2 files)")
    config = yaml.safe_load((project / ".dsql-lint.yaml").read_text())
    assert config == {"target": "latest", "migrations": "db/migrations"}


def test_django_apps_are_configured_together_and_other_frameworks_said(tmp_path: Path) -> None:
    shutil.copytree(FRAMEWORKS / "django" / "shop", tmp_path / "shop")
    shutil.copytree(FRAMEWORKS / "django" / "shop", tmp_path / "billing")
    shutil.copytree(FRAMEWORKS / "goose", tmp_path / "tools")
    result = init(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[:2] == [
        "dsql-lint: Django migrations in billing/migrations (3 files); Django migrations in "
        "shop/migrations (3 files)",
        "dsql-lint: also found, not configured: goose migrations in tools/db/migrations (3 files)",
    ]
    config = yaml.safe_load((tmp_path / ".dsql-lint.yaml").read_text())
    assert (config["migrations"], config["framework"]) == (".", "django")


def test_an_existing_configuration_gets_both_keys(tmp_path: Path) -> None:
    shutil.copytree(FRAMEWORKS / "alembic", tmp_path / "app")
    (tmp_path / "app" / ".dsql-lint.yaml").write_text("# ours\nignore: [DSQL104]\n")
    result = init(tmp_path / "app")
    assert result.returncode == 0, result.stderr
    assert (
        "updated       .dsql-lint.yaml: added migrations: migrations/versions, added framework: "
        "alembic" in result.stdout
    )
    assert (tmp_path / "app" / ".dsql-lint.yaml").read_text() == (
        "# ours\nignore: [DSQL104]\nmigrations: migrations/versions\nframework: alembic\n"
    )


def test_a_kept_migrations_folder_gets_no_framework_of_another(tmp_path: Path) -> None:
    shutil.copytree(FRAMEWORKS / "alembic", tmp_path / "app")
    config = "migrations: db/sql\n"
    (tmp_path / "app" / ".dsql-lint.yaml").write_text(config)
    result = init(tmp_path / "app")
    assert result.returncode == 0, result.stderr
    assert (
        "kept          .dsql-lint.yaml: has migrations: db/sql (--force replaces it)"
        in result.stdout
    )
    assert (tmp_path / "app" / ".dsql-lint.yaml").read_text() == config


RUNNER_PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "runners"


@pytest.mark.parametrize(
    ("source", "table", "config"),
    [
        (
            FRAMEWORKS / "django",
            "django_migrations",
            {"migrations": "shop/migrations", "framework": "django"},
        ),
        (RUNNER_PROJECTS / "knex-disabled", "knex_migrations_lock", {"migrations": "migrations"}),
        (RUNNER_PROJECTS / "typeorm-each", '"timestamp"', {"migrations": "src/migrations"}),
    ],
)
def test_a_refused_bookkeeping_table_is_written_as_the_bootstrap(
    tmp_path: Path, source: Path, table: str, config: dict
) -> None:
    """Where the runner check models creates a bookkeeping table DSQL refuses (DSQL407) only
    when it is missing, init writes that table in DSQL's form and names it as `bootstrap:`:
    check is then clean of DSQL407, and a second init changes nothing."""
    root = tmp_path / "app"
    shutil.copytree(source, root)
    result = init(root)
    assert result.returncode == 0, result.stderr
    assert "created       dsql-bootstrap.sql: " in result.stdout
    assert table in (root / "dsql-bootstrap.sql").read_text()
    written = yaml.safe_load((root / ".dsql-lint.yaml").read_text())
    assert written == {"target": "latest", **config, "bootstrap": ["dsql-bootstrap.sql"]}
    # However the migrations are named: none, the project (as ruff users type), their folder.
    for paths in ([], ["."], [config["migrations"]]):
        checked = subprocess.run(
            [sys.executable, "-m", "dsql_lint", "check", "--no-cache", *paths],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode in (0, 1), checked.stderr
        assert "DSQL407" not in checked.stdout, paths
    again = init(root)
    assert "unchanged     .dsql-lint.yaml" in again.stdout, again.stdout
    assert "unchanged     dsql-bootstrap.sql" in again.stdout, again.stdout


def test_script_migrations_get_a_text_hook_and_an_existing_configuration_the_key(
    tmp_path: Path,
) -> None:
    root = tmp_path / "app"
    shutil.copytree(RUNNER_PROJECTS / "mikro-orm-each", root)
    (root / ".dsql-lint.yaml").write_text("ignore: [DSQL104]\n")
    result = init(root)
    assert result.returncode == 0, result.stderr
    assert (root / ".dsql-lint.yaml").read_text() == (
        "ignore: [DSQL104]\nmigrations: src/migrations\nbootstrap: [dsql-bootstrap.sql]\n"
    )
    hook = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["types"] == ["text"] and hook["files"] == "^src/migrations/"


def test_no_bootstrap_where_the_runner_needs_none(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(FRAMEWORKS / "alembic", root)  # alembic_version is accepted
    assert init(root).returncode == 0
    assert not (root / "dsql-bootstrap.sql").exists()
    assert "bootstrap" not in yaml.safe_load((root / ".dsql-lint.yaml").read_text())
