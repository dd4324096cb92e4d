"""Each framework's runner as it runs on DSQL (dsql_lint/syntax/runners.py): the version row it
writes in a migration's transaction (DSQL406), its bookkeeping table (DSQL407, once per
runner), DSQL401/402's help in its terms, and nothing of another runner where `dsql-lint
apply` runs the files. The projects are the stranger's round-5 repros, made small."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import lint_text

from dsql_lint.syntax.runners import RUNNERS, transaction_help, write_help

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "fixtures" / "runners"


def check(cwd: Path, *args: str) -> list[dict]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--no-cache", "--format", "json", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["diagnostics"]


def at(found: list[dict]) -> list[tuple[str, int, str]]:
    return [(Path(d["path"]).name, d["start"]["line"], d["code"]) for d in found]


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        # The first revision's DDL shares the run's transaction with alembic_version's row;
        # the second's runs in an autocommit block.
        ("alembic", [("1a2b3c4d5e6f_create_users.py", 10, "DSQL406")]),
        # django_migrations' identity has no CACHE; 0002 is `atomic = False`.
        ("django", [("0001_initial.py", 10, "DSQL407"), ("0001_initial.py", 10, "DSQL406")]),
        ("rails", [("20261201100000_create_users.rb", 3, "DSQL406")]),  # 2nd: disable_ddl...
        (
            "drizzle",
            [
                ("0000_users.sql", 1, "DSQL406"),
                ("0000_users.sql", 1, "DSQL407"),  # __drizzle_migrations' SERIAL, once
                # drizzle-orm's migrator runs every pending file in one transaction.
                ("0001_tickets.sql", 1, "DSQL401"),
                ("0001_tickets.sql", 1, "DSQL406"),
            ],
        ),
        (
            "supabase",
            [
                ("20261201000000_notes.sql", 1, "DSQL406"),
                ("20261201000000_notes.sql", 1, "DSQL407"),  # its text[] column, 4 DDL in one
            ],
        ),
        ("dbmate", [("20261201000000_a.sql", 2, "DSQL406")]),  # the 2nd: transaction:false
        ("goose", [("00001_a.sql", 2, "DSQL406"), ("00001_a.sql", 2, "DSQL407")]),
        (
            "golang-migrate",
            [
                ("000001_init.down.sql", 1, "DSQL401"),  # one query string, two DDL
                ("000001_init.up.sql", 1, "DSQL407"),  # TRUNCATE, at the first up file
                ("000001_init.up.sql", 2, "DSQL401"),
            ],
        ),
        ("flyway", [("V1__init.sql", 2, "DSQL401"), ("V2__orders.sql", 2, "DSQL402")]),
        # transaction:false still sends the section as one query string.
        ("dbmate-one-query", [("20261201000000_two.sql", 3, "DSQL401")]),
        (
            "knex",  # migrate:latest: both files in one transaction with the lock and rows
            [
                ("20261201000000_accounts.js", 4, "DSQL407"),
                ("20261201000000_accounts.js", 4, "DSQL406"),
                ("20261202000000_tags.js", 2, "DSQL401"),
                ("20261202000000_tags.js", 2, "DSQL406"),
            ],
        ),
        # The bookkeeping table created by a `bootstrap:` file in DSQL's form: no DSQL407.
        ("django-bootstrap", []),  # and every migration `atomic = False`: a clean check
        ("typeorm-clean", []),  # `transaction = false` (migrationsTransactionMode "each")
        # The runner as the project's configuration sets it (orm/js_config.py).
        (
            "knex-disabled",  # disableTransactions: no run, no row in a transaction
            [
                ("20261201000000_accounts.js", 2, "DSQL407"),
                ("20261203000000_labels.js", 6, "DSQL401"),  # config.transaction = true
            ],
        ),
        (
            "typeorm-each",  # each migration with its row; the third sets transaction = false
            [
                ("1733000000001-Accounts.ts", 5, "DSQL407"),
                ("1733000000001-Accounts.ts", 5, "DSQL406"),
                ("1733000000002-Tags.ts", 5, "DSQL406"),
            ],
        ),
        (
            "typeorm-none",  # no transaction but the third's, which sets transaction = true
            [
                ("1733000000001-Accounts.ts", 5, "DSQL407"),
                ("1733000000003-Labels.ts", 8, "DSQL406"),
            ],
        ),
        (
            "typeorm-all",  # written out, the default: one transaction for the run
            [
                ("1733000000001-Accounts.ts", 5, "DSQL407"),
                ("1733000000001-Accounts.ts", 5, "DSQL406"),
                ("1733000000002-Tags.ts", 5, "DSQL401"),
                ("1733000000002-Tags.ts", 5, "DSQL406"),
            ],
        ),
        (
            "supabase-seed",  # config.toml's seed files, after the migrations
            [
                ("20261201000000_tags.sql", 1, "DSQL406"),
                ("20261201000000_tags.sql", 1, "DSQL407"),
                ("01_tags.sql", 1, "DSQL407"),  # seed_files: two DDL in one transaction
                ("02_colours.sql", 2, "DSQL406"),  # its seed_files row
                ("02_colours.sql", 3, "DSQL402"),
            ],
        ),
        ("mikro-orm-off", [("Migration20261201000001.ts", 5, "DSQL407")]),  # transactional
        (
            "mikro-orm-each",  # allOrNothing: false: each migration alone, its row after it
            [
                ("Migration20261201000001.ts", 5, "DSQL407"),
                ("Migration20261201000003.ts", 6, "DSQL401"),
            ],
        ),
        (
            "drizzle-bootstrap",  # the migrator's one transaction still holds DDL and rows
            [
                ("0000_users.sql", 1, "DSQL406"),
                ("0001_tickets.sql", 1, "DSQL401"),
                ("0001_tickets.sql", 1, "DSQL406"),
            ],
        ),
    ],
)
def test_each_runner_as_it_runs_on_dsql(project: str, expected: list) -> None:
    assert at(check(PROJECTS / project)) == expected


def test_findings_name_the_runner_its_write_and_its_remedy() -> None:
    django = check(PROJECTS / "django")
    write = next(d for d in django if d["code"] == "DSQL406")
    assert write["message"].startswith("When run by `python manage.py migrate`")
    assert '`INSERT INTO "django_migrations"`' in write["message"]
    assert "`atomic = False`" in write["suggestion"]
    assert write["dsql"][0]["message"] == "ddl and dml are not supported in the same transaction"
    table = next(d for d in django if d["code"] == "DSQL407")
    assert "identity column is not supported without an explicit cache size" in table["message"]
    assert "(CACHE 1)" in table["suggestion"]
    assert "`bootstrap:` in .dsql-lint.yaml" in table["suggestion"]
    # Where the runner has no way out, the finding says to run the SQL with apply.
    drizzle = next(d for d in check(PROJECTS / "drizzle") if d["code"] == "DSQL406")
    assert "`dsql-lint apply`" in drizzle["suggestion"]
    # Where its behaviour is not read from a source here, the help says so.
    goose = next(d for d in check(PROJECTS / "goose") if d["code"] == "DSQL407")
    assert "(not confirmed against goose's source)" in goose["suggestion"]
    # A seed file's row is no version row: each finding names the row its runner writes.
    rows = {
        Path(d["path"]).name: d["message"]
        for d in check(PROJECTS / "supabase-seed")
        if d["code"] == "DSQL406"
    }
    assert "with its version row (" in rows["20261201000000_tags.sql"]
    assert "with its `seed_files` row (" in rows["02_colours.sql"]
    assert "writes its `seed_files` row in that transaction" in write_help(RUNNERS["supabase-seed"])


@pytest.mark.parametrize(
    ("project", "words"),
    [
        ("flyway", ["executeInTransaction=false", "AWS's Flyway plugin", "dsql-lint apply"]),
        ("golang-migrate", ["one query string", "x-multi-statement=true"]),
    ],
)
def test_transaction_help_is_in_the_frameworks_terms(project: str, words: list[str]) -> None:
    found = [d for d in check(PROJECTS / project) if d["code"] in ("DSQL401", "DSQL402")]
    assert found
    for finding in found:
        assert all(word in finding["suggestion"] for word in words), finding["suggestion"]


def test_prisma_transaction_help_is_prismas() -> None:
    text = "CREATE TABLE a (id uuid PRIMARY KEY);\nCREATE TABLE b (id uuid PRIMARY KEY);\n"
    found = lint_text(text, path="prisma/migrations/20261201000000_init/migration.sql")
    assert [d.code for d in found] == ["DSQL401"]
    assert "prisma migrate dev --create-only" in (found[0].suggestion or "")


@pytest.mark.parametrize("project", ["golang-migrate", "goose", "drizzle", "flyway"])
def test_nothing_of_another_runner_where_apply_runs_them(project: str, tmp_path: Path) -> None:
    """`migrations:` and no `framework:` says `dsql-lint apply` runs the folder: `check` reads
    it as apply does and agrees with it; `framework:` says the framework's runner does."""
    shutil.copytree(PROJECTS / project, tmp_path, dirs_exist_ok=True)
    folder = next(p for p in tmp_path.rglob("*.sql")).parent.relative_to(tmp_path)
    (tmp_path / ".dsql-lint.yaml").write_text(f"migrations: {folder}\n")
    assert check(tmp_path) == []
    (tmp_path / ".dsql-lint.yaml").write_text(f"migrations: {folder}\nframework: {project}\n")
    assert at(check(tmp_path)) == at(check(PROJECTS / project))


def test_one_bookkeeping_finding_per_run_even_from_the_cache(tmp_path: Path) -> None:
    """DSQL407 stays at the runner's first file when that file's findings come from the
    cache and a later file is linted again."""
    shutil.copytree(PROJECTS / "goose", tmp_path, dirs_exist_ok=True)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}

    def cached() -> list[tuple[str, int, str]]:
        args = [sys.executable, "-m", "dsql_lint", "check", "--format", "json"]
        done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
        return at(json.loads(done.stdout)["diagnostics"])

    first = cached()
    later = tmp_path / "migrations" / "00002_b.sql"
    later.write_text(later.read_text() + "\n")
    assert cached() == first == at(check(PROJECTS / "goose"))


@pytest.mark.parametrize("name", [n for n, r in RUNNERS.items() if r.bookkeeping is not None])
def test_each_bookkeeping_statement_is_refused_by_the_rule_it_names(name: str) -> None:
    table = RUNNERS[name].bookkeeping
    assert table is not None
    assert table.rule in {d.code for d in lint_text(table.sql)}


@pytest.mark.parametrize(
    ("name", "project"),
    [
        ("django", "django"),
        ("drizzle", "drizzle"),
        ("supabase", "supabase"),
        ("typeorm", "typeorm-all"),
        ("knex", "knex"),
        ("mikro-orm", "mikro-orm-off"),
    ],
)
def test_each_bookkeeping_in_dsqls_form_clears_it(name: str, project: str, tmp_path: Path) -> None:
    """`Bookkeeping.create`, the `bootstrap:` file init writes, is accepted by the rules and
    provides every table whose presence makes the runner send nothing of its own."""
    table = RUNNERS[name].bookkeeping
    assert table is not None and table.provided_by
    assert not [d for d in lint_text(table.create) if d.severity.value == "error"]
    shutil.copytree(PROJECTS / project, tmp_path, dirs_exist_ok=True)
    (tmp_path / "dsql-bootstrap.sql").write_text(table.create + "\n")
    (tmp_path / ".dsql-lint.yaml").write_text("bootstrap: [dsql-bootstrap.sql]\n")
    assert "DSQL407" not in [code for *_, code in at(check(tmp_path))]


@pytest.mark.parametrize("name", [n for n, r in RUNNERS.items() if r.bookkeeping is not None])
def test_each_setting_the_bookkeeping_sets_that_dsql_refuses_is_named(name: str) -> None:
    """The Supabase CLI's bookkeeping transaction begins with `SET LOCAL lock_timeout`
    (recorded), which DSQL710 refuses: DSQL407 says so with the rest."""
    table = RUNNERS[name].bookkeeping
    assert table is not None
    refused = [d for d in lint_text(table.sql) if d.code == "DSQL710"]
    settings = [re.search(r"SET\s+(?:LOCAL\s+)?(\w+)", table.sql[d.start :]) for d in refused]
    assert all(f"SET LOCAL {s[1]}" in table.refused for s in settings if s)
    assert name.startswith("supabase") == bool(refused)


def test_a_transaction_the_file_writes_itself_keeps_the_rules_help() -> None:
    text = "BEGIN;\nCREATE TABLE a (id uuid PRIMARY KEY);\nCREATE TABLE b (id uuid);\nCOMMIT;\n"
    [found] = lint_text(text, path="db/migration/V1__own.sql")
    assert (found.code, found.line) == ("DSQL401", 3)
    assert found.suggestion == "Commit after each DDL statement (or run DDL in autocommit)."


def test_the_bookkeeping_table_must_exist_before_the_runners_first_file(tmp_path: Path) -> None:
    """A table created before the runner's first file clears DSQL407, wherever it comes from
    (paths given in order, the configuration's `bootstrap:`); created after it, or by its own
    migrations, it does not: the runner creates its own first."""
    shutil.copytree(PROJECTS / "django-bootstrap", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".dsql-lint.yaml").unlink()
    codes = lambda *paths: [c for *_, c in at(check(tmp_path, *paths))]  # noqa: E731
    assert codes("shop") == ["DSQL407"]
    assert codes("db/bootstrap.sql", "shop") == []
    assert codes("shop", "db/bootstrap.sql") == ["DSQL407"]
    (tmp_path / ".dsql-lint.yaml").write_text("bootstrap: [db/bootstrap.sql]\n")
    assert codes("shop") == []


def test_a_bootstrap_file_of_another_table_does_not_clear_it(tmp_path: Path) -> None:
    shutil.copytree(PROJECTS / "django-bootstrap", tmp_path, dirs_exist_ok=True)
    (tmp_path / "db" / "bootstrap.sql").write_text("CREATE TABLE other (id uuid PRIMARY KEY);\n")
    assert [c for *_, c in at(check(tmp_path))] == ["DSQL407"]


def test_knex_runs_each_migration_alone_once_one_opts_out(tmp_path: Path) -> None:
    """Knex's `latest` wraps the whole run only while no pending migration sets
    `config.transaction = false`; then each other migration has a transaction of its own and
    its row is written after it (knex 3.3.0, Migrator.js)."""
    shutil.copytree(PROJECTS / "knex", tmp_path, dirs_exist_ok=True)
    opted = tmp_path / "migrations" / "20261203000000_index.js"
    opted.write_text(
        "exports.config = { transaction: false };\n"
        "exports.up = (knex) => knex.raw('CREATE INDEX ASYNC tags_id ON tags (id)');\n"
    )
    assert at(check(tmp_path)) == [("20261201000000_accounts.js", 4, "DSQL407")]


@pytest.mark.parametrize(
    ("project", "said"),
    [
        ("knex-disabled", "(3 files, knexfile.js: disableTransactions: true)"),
        ("typeorm-each", '(3 files, src/data-source.ts: migrationsTransactionMode: "each")'),
        ("typeorm-all", "(2 files, src/data-source.ts)"),
        ("mikro-orm-off", "(3 files, mikro-orm.config.ts: transactional: false)"),
        ("supabase-seed", "(2 files, supabase/config.toml [db.seed] sql_paths)"),
    ],
)
def test_discovery_names_the_configuration_it_read(project: str, said: str) -> None:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "dsql_lint", "check", "--no-cache"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=PROJECTS / project, env=env)
    assert said in done.stderr.splitlines()[-1]


def test_a_knexfile_whose_environments_disagree_is_read_as_the_default(tmp_path: Path) -> None:
    shutil.copytree(PROJECTS / "knex-disabled", tmp_path, dirs_exist_ok=True)
    knexfile = tmp_path / "knexfile.js"
    knexfile.write_text(knexfile.read_text().replace("true }", "false }", 1))
    found = at(check(tmp_path))
    assert ("20261202000000_tags.js", 2, "DSQL401") in found  # one transaction for the run
    assert ("20261201000000_accounts.js", 2, "DSQL406") in found
    # and discovery says which it read, and why
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "dsql_lint", "check", "--no-cache"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert (
        "knexfile.js: its environments disagree on `disableTransactions` (false, true): read as "
        "Knex's default, false)" in done.stderr.splitlines()[-1]
    )


def test_a_changed_setting_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    shutil.copytree(PROJECTS / "mikro-orm-off", tmp_path, dirs_exist_ok=True)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}

    def cached() -> list[str]:
        args = [sys.executable, "-m", "dsql_lint", "check", "--format", "json"]
        done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
        return [code for *_, code in at(json.loads(done.stdout)["diagnostics"])]

    assert cached() == ["DSQL407"]
    config = tmp_path / "mikro-orm.config.ts"
    config.write_text(config.read_text().replace("transactional: false", "allOrNothing: true"))
    assert {"DSQL401", "DSQL406"} <= set(cached())  # the defaults: one run, rows inside


def test_dbmate_and_supabase_facts_are_recorded_not_recalled() -> None:
    for name in ("dbmate", "supabase", "drizzle", "typeorm", "knex", "mikro-orm", "sequelize"):
        assert "not confirmed" not in RUNNERS[name].source, name
    for name in ("goose", "golang-migrate", "rails"):
        assert "not confirmed" in RUNNERS[name].source, name
        assert "(not confirmed against " in transaction_help(RUNNERS[name]), name
        assert "(not confirmed against " in write_help(RUNNERS[name]), name
    assert "not confirmed" not in write_help(RUNNERS["dbmate"])


def test_a_bootstrap_table_from_the_cache_still_clears_it(tmp_path: Path) -> None:
    """The bootstrap file's findings come from the cache when only a later file changed: the
    table it created is replayed into the schema model."""
    shutil.copytree(PROJECTS / "django-bootstrap", tmp_path, dirs_exist_ok=True)
    (tmp_path / "shop" / "migrations" / "0002_tag.py").unlink()
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}

    def cached() -> list[tuple[str, int, str]]:
        args = [sys.executable, "-m", "dsql_lint", "check", "--format", "json"]
        done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
        return at(json.loads(done.stdout)["diagnostics"])

    assert cached() == []
    later = tmp_path / "shop" / "migrations" / "0001_initial.py"
    later.write_text(later.read_text() + "\n")
    assert cached() == []


@pytest.mark.parametrize(
    ("project", "note"),
    [
        (ROOT / "fixtures" / "frameworks" / "alembic-run", "`alembic upgrade` runs 2 files"),
        (PROJECTS / "knex", "`knex migrate:latest` runs 2 files"),
        (PROJECTS / "drizzle", "`drizzle-kit migrate` runs 2 files"),
        (PROJECTS / "alembic", None),  # its second revision commits in an autocommit block
    ],
)
def test_fix_says_what_it_cannot_see_across_files(project: Path, note: str | None) -> None:
    """fix lints file by file, so a transaction its framework runs across files (DSQL401 on
    a later file's DDL) is check's: fix says so."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "fix", "--diff"],
        capture_output=True, text=True, cwd=project, env=env, check=False,
    )  # fmt: skip
    said = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    if note is None:
        assert said == []
    else:
        [line] = said
        assert note in line and "`dsql-lint check` reports" in line


DATA = ROOT / "tests" / "data"
LOGGED = re.compile(r"^(\d+) (\d+/\d+) LOG:  (?:statement|execute <unnamed>): (.*)$")


def logged(name: str) -> list[tuple[str, str]]:
    """(virtual transaction id, statement text) of each statement of a recorded run."""
    out: list[tuple[str, str]] = []
    for line in (DATA / name).read_text().splitlines():
        found = LOGGED.match(line)
        if found:
            out.append((found.group(2), found.group(3)))
        elif line.startswith("\t") and out:  # a statement's next lines
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line[1:])
    return out


def test_dbmate_as_recorded() -> None:
    sent = logged("dbmate_2.36.0_up.log")
    texts = [text for _, text in sent]
    # Its table, which DSQL accepts: no bookkeeping finding.
    assert "create table if not exists public.schema_migrations (version varchar primary key)" in (
        texts
    )
    assert RUNNERS["dbmate"].bookkeeping is None
    # The up section as one query string, and the version row, in one transaction.
    [section] = [(tx, t) for tx, t in sent if "CREATE TABLE a " in t]
    insert = next(tx for tx, t in sent if t.startswith("insert into public.schema_migrations"))
    assert section[0] == insert and ("BEGIN READ WRITE" in [t for tx, t in sent if tx == insert])
    # transaction:false: both DDL in one query string, the insert in a transaction of its own.
    [both] = [(tx, t) for tx, t in sent if "CREATE TABLE b " in t]
    assert "CREATE TABLE c " in both[1]
    later = [tx for tx, t in sent if t.startswith("insert into public.schema_migrations")][1]
    assert later != both[0]


def test_supabase_as_recorded() -> None:
    sent = logged("supabase_3.1.0_db_push.log")
    table = RUNNERS["supabase"].bookkeeping
    assert table is not None
    # Its bookkeeping, statement for statement, in one transaction.
    ours = [s.strip() for s in table.sql.split(";") if s.strip()]
    begin = next(tx for tx, t in sent if t == "BEGIN")
    assert [t for tx, t in sent if tx == begin] == ours
    # The file's statements and its version row in one implicit transaction.
    insert = next(tx for tx, t in sent if t.startswith("INSERT INTO supabase_migrations"))
    assert [t for tx, t in sent if tx == insert][:2] == [
        "create table notes (id uuid primary key)",
        "create index notes_x on notes (id)",
    ]
    # With the table there (its three columns), no bookkeeping is sent.
    again = [t for _, t in logged("supabase_3.1.0_db_push_provisioned.log")]
    assert not any(t.startswith(("BEGIN", "CREATE", "ALTER")) for t in again)
    assert ("supabase_migrations", "schema_migrations") in table.provided_by


def test_supabase_seeds_as_recorded() -> None:
    sent = logged("supabase_3.1.0_db_push_seed.log")
    runner = RUNNERS["supabase-seed"]
    table = runner.bookkeeping
    assert table is not None
    # Its bookkeeping, statement for statement, in one transaction.
    ours = [s.strip() for s in table.sql.split(";") if s.strip()]
    created = next(tx for tx, t in sent if "seed_files (path" in t)
    assert [t for tx, t in sent if tx == created] == ours
    # Each seed file in one transaction of its own, with its row, in sql_paths' order.
    seeds = [tx for tx, t in sent if t.startswith("INSERT INTO supabase_migrations.seed_files")]
    first = [t for tx, t in sent if tx == seeds[0]]
    assert first[0] == "BEGIN" and first[-1] == "COMMIT"
    assert first[1:3] == [
        "insert into notes values (gen_random_uuid(), 'a')",
        "insert into notes values (gen_random_uuid(), 'b')",
    ]
    assert "create table seeded (id int primary key)" in [t for tx, t in sent if tx == seeds[1]]
    # After the migrations, and none of `schema_paths`' declarative files.
    texts = [t for _, t in sent]
    assert texts.index("create table notes (id uuid primary key, body text)") < texts.index(
        first[1]
    )
    assert not any("declared" in t for t in texts)


def test_supabase_migrations_a_config_disables_are_said(tmp_path: Path) -> None:
    shutil.copytree(PROJECTS / "supabase-seed", tmp_path, dirs_exist_ok=True)
    config = tmp_path / "supabase" / "config.toml"
    config.write_text(config.read_text().replace("enabled = true", "enabled = false"))
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "dsql_lint", "check", "--no-cache"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
    # Both disabled: the migrations said skipped, the seed files plain SQL.
    lines = done.stderr.splitlines()
    assert lines[0] == (
        "dsql-lint: Supabase migrations in supabase/migrations (1 file, supabase/config.toml: "
        "[db.migrations] enabled = false: the CLI skips them)"
    )
    assert "Supabase seed files" not in done.stderr
    assert "02_colours.sql:2:1: DSQL406" not in done.stdout


def test_knex_as_recorded() -> None:
    table = RUNNERS["knex"].bookkeeping
    assert table is not None
    sent = logged("knex_3.3.0_latest.log")
    created = [t for _, t in sent if t.startswith("create table")]
    assert created == [s.strip() for s in table.sql.split(";") if s.strip()]
    # One transaction: the lock, both migrations and their rows.
    run = next(tx for tx, t in sent if t == "CREATE TABLE accounts (id uuid PRIMARY KEY)")
    held = [t.split(" (")[0] for tx, t in sent if tx == run]
    assert held[0] == "BEGIN;" and held[1].startswith('update "knex_migrations_lock"')
    assert "CREATE TABLE tags" in held and held.count('insert into "knex_migrations"') == 2
    # A migration that opts out: each other one alone, its row written after its COMMIT.
    sent = logged("knex_3.3.0_latest_opt_out.log")
    accounts = next(tx for tx, t in sent if t.startswith("CREATE TABLE accounts"))
    assert [t for tx, t in sent if tx == accounts] == [
        "BEGIN;",
        "CREATE TABLE accounts (id uuid PRIMARY KEY)",
        "COMMIT;",
    ]


def test_typeorm_as_recorded() -> None:
    table = RUNNERS["typeorm"].bookkeeping
    assert table is not None
    sent = logged("typeorm_1.1.4_run.log")
    assert table.sql.rstrip(";") in [t for _, t in sent]
    run = next(tx for tx, t in sent if t.startswith('CREATE TABLE "accounts"'))
    held = [t for tx, t in sent if tx == run]
    assert held[0] == "START TRANSACTION" and held[-1] == "COMMIT"
    assert sum(t.startswith('INSERT INTO "migrations"') for t in held) == 2
    assert any(t.startswith('CREATE TABLE "tags"') for t in held)
    # "each" and `transaction = false`: every statement on its own.
    sent = logged("typeorm_1.1.4_each_opt_out.log")
    ddl = [tx for tx, t in sent if t.startswith("CREATE TABLE")]
    rows = [tx for tx, t in sent if t.startswith('INSERT INTO "migrations"')]
    assert len(set(ddl + rows)) == 4


def test_mikro_orm_as_recorded() -> None:
    table = RUNNERS["mikro-orm"].bookkeeping
    assert table is not None
    sent = logged("mikro-orm_6.6.16_up.log")
    [created] = [t for _, t in sent if t.startswith("create table")]
    assert created.replace('"public".', "") == table.sql.rstrip(";")
    run = next(tx for tx, t in sent if t.startswith("CREATE TABLE accounts"))
    held = [t for tx, t in sent if tx == run]
    assert held[0] == "BEGIN;" and held[-1] == "COMMIT;"
    assert sum(t.startswith("SAVEPOINT") for t in held) == 2  # DSQL refuses SAVEPOINT
    assert sum(t.startswith('insert into "mikro_orm_migrations"') for t in held) == 2
    # allOrNothing: false: each migration alone, its row after it.
    sent = logged("mikro-orm_6.6.16_up_all_or_nothing_false.log")
    accounts = next(tx for tx, t in sent if t.startswith("CREATE TABLE accounts"))
    assert not any(t.startswith("insert") for tx, t in sent if tx == accounts)
    # isTransactional() false: the DDL on a connection of its own, outside the run.
    sent = logged("mikro-orm_6.6.16_up_not_transactional.log")
    ddl = {tx for tx, t in sent if t.startswith("CREATE TABLE")}
    rows = {tx for tx, t in sent if t.startswith("insert")}
    assert len(ddl) == 2 and not ddl & rows


@pytest.mark.parametrize("setting", ["false", "true"])
def test_typeorm_refuses_an_all_run_with_a_migration_that_sets_its_transaction(
    tmp_path: Path, setting: str
) -> None:
    """Under "all", a pending migration that sets `transaction` either way makes TypeORM throw
    ForbiddenTransactionModeOverrideError before any migration (typeorm 1.1.4,
    MigrationExecutor.js): said at that line, and no migration's transaction is modelled."""
    shutil.copytree(PROJECTS / "typeorm-all", tmp_path, dirs_exist_ok=True)
    tags = tmp_path / "src" / "migrations" / "1733000000002-Tags.ts"
    text = tags.read_text()
    tags.write_text(
        text.replace(
            "MigrationInterface {\n", f"MigrationInterface {{\n  transaction = {setting};\n", 1
        )
    )
    found = check(tmp_path)
    assert at(found) == [
        ("1733000000001-Accounts.ts", 5, "DSQL407"),  # its table is created before the refusal
        ("1733000000002-Tags.ts", 4, "DSQL408"),
    ]
    assert (
        '`Migrations "Tags1733000000002" override the transaction mode, but the global'
        in (found[1]["message"])
    )
