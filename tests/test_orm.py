"""ORM files read as the SQL they stand for, findings placed in the original file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.errors import InputError
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import expand_paths, read_source

ROOT = Path(__file__).resolve().parents[1]
ORM = ROOT / "fixtures" / "orm"
CORPUS = ROOT.parent / "shared" / "corpus" / "orm"
if not CORPUS.is_dir():  # a worktree beside the repository, as the helpers' are
    CORPUS = Path("/work/shared/corpus/orm")


def findings(*paths: Path) -> list[Diagnostic]:
    return lint_paths([str(p) for p in paths], LintOptions()).diagnostics


def at(found: list[Diagnostic]) -> list[tuple[int, int, str]]:
    return sorted((d.line, d.col, d.code) for d in found)


def test_prisma_models_are_linted_as_the_sql_prisma_writes() -> None:
    found = findings(ORM / "prisma" / "schema.prisma")
    assert at(found) == [
        (11, 1, "DSQL514"),  # enum Role
        (17, 24, "DSQL101"),  # @default(autoincrement())
        (18, 20, "DSQL301"),  # @unique
        (20, 11, "DSQL102"),  # String[]
        (29, 21, "DSQL202"),  # @relation(...)
        (30, 12, "DSQL106"),  # Unsupported("geometry")
        (32, 3, "DSQL301"),  # @@index([authorId])
    ]
    serial = next(d for d in found if d.code == "DSQL101")
    assert "@default(autoincrement())" in (serial.suggestion or "")
    fk = next(d for d in found if d.code == "DSQL202")
    assert 'relationMode = "prisma"' in (fk.suggestion or "")
    geometry = next(d for d in found if d.code == "DSQL106")
    assert "Unsupported(...)" in (geometry.suggestion or "")
    assert {d.fix for d in found} == {FixAvailability.NONE}


def test_prisma_reader_follows_maps_native_types_and_defaults() -> None:
    source = read_source(str(ORM / "prisma" / "schema.prisma"), orm=True)
    assert isinstance(source, MappedSource)
    assert '"email" VARCHAR(255) NOT NULL' in source.text
    assert 'CREATE TABLE "posts"' in source.text  # @@map
    assert '"author_id" INTEGER NOT NULL' in source.text  # @map
    assert "DEFAULT gen_random_uuid()" in source.text  # dbgenerated(...)
    assert '"role" "Role" NOT NULL DEFAULT \'USER\'' in source.text
    assert "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN')" in source.text


def test_prisma_help_names_the_native_type_it_is_on(tmp_path: Path) -> None:
    """Each runtime-only `@db.` type gets the replacement `fix` writes for it, in Prisma's
    terms, not another type's."""
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(
        'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'
        "model Account {\n  id String @id @db.Uuid\n  balance Decimal @db.Money\n"
        "  ip String? @db.Inet\n}\n"
    )
    helps = [d.suggestion or "" for d in findings(schema) if d.code == "DSQL105"]
    assert len(helps) == 2
    assert "`@db.Money` to `@db.Decimal(19, 2)`" in helps[0] and "Inet" not in helps[0]
    assert "Drop the field's `@db.Inet`" in helps[1] and "Money" not in helps[1]


def test_prisma_relation_mode_prisma_writes_no_foreign_keys(tmp_path: Path) -> None:
    schema = (ORM / "prisma" / "schema.prisma").read_text()
    emulated = schema.replace(
        'env("DATABASE_URL")', 'env("DATABASE_URL")\n  relationMode = "prisma"'
    )
    path = tmp_path / "schema.prisma"
    path.write_text(emulated)
    assert "DSQL202" not in {d.code for d in findings(path)}
    assert "FOREIGN KEY" not in read_source(str(path), orm=True).text


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_real_prisma_schemas() -> None:
    for name in ("umami_schema.prisma", "hoppscotch_schema.prisma"):
        path = CORPUS / "prisma" / name
        lines = path.read_text().splitlines()
        found = findings(path)
        assert "DSQL001" not in {d.code for d in found}, name  # every model reads as SQL
        for d in found:
            shown = lines[d.line - 1]
            expected = {
                "DSQL301": ("@unique", "@@index", "@@unique"),
                "DSQL202": ("@relation",),
                "DSQL514": ("enum ",),
            }[d.code]
            assert any(word in shown for word in expected), (name, d.line, d.code, shown)
    umami = findings(CORPUS / "prisma" / "umami_schema.prisma")
    assert "DSQL202" not in {d.code for d in umami}  # relationMode = "prisma"


def test_typeorm_up_is_linted_down_never() -> None:
    path = ORM / "typeorm" / "1700000000000-CreateUsers.ts"
    source = read_source(str(path), orm=True)
    assert isinstance(source, MappedSource)
    assert "DROP" not in source.text
    # Escapes decoded as JavaScript decodes them.
    assert "VALUES ('it''s')" in source.text
    found = findings(path)
    assert at(found) == [
        (7, 15, "DSQL407"),  # its `migrations` table's SERIAL key, at its first file
        (7, 34, "DSQL406"),  # its INSERT INTO "migrations" in the run's transaction
        (7, 60, "DSQL101"),
        (8, 34, "DSQL301"),
        (8, 34, "DSQL401"),  # TypeORM runs every pending up() in one transaction
        (9, 34, "DSQL402"),
        (10, 15, "DSQL016"),  # a template with ${}: not checked, an error
    ]
    one_ddl = next(d for d in found if d.code == "DSQL401")
    assert "transaction = false" in (one_ddl.suggestion or "")


def test_knex_escapes_keep_positions_and_opt_out_of_the_transaction() -> None:
    found = findings(ORM / "knex" / "20240101000000_create_accounts.js")
    # The second statement follows a `\n` escape on the same line of the file; knex_migrations
    # and its lock table have SERIAL keys (DSQL407). Out of Knex's transaction, the one query
    # string of `knex.raw` is still one transaction of the server's: its two DDL are DSQL401.
    assert at(found) == [(5, 19, "DSQL407"), (5, 77, "DSQL301"), (5, 77, "DSQL401")]


def test_knex_arrow_functions_and_bindings() -> None:
    path = ORM / "knex" / "20240102000000_backfill_owner.js"
    source = read_source(str(path), orm=True)
    assert "DROP" not in source.text  # an arrow `down` defined before `up`
    # `??` binds an identifier: the statement still parses; Knex's transaction holds both.
    # A folder migration opts out, so Knex runs this one in a transaction of its own and
    # writes its row after it: no DSQL406.
    assert at(findings(path)) == [(5, 3, "DSQL407"), (6, 27, "DSQL402")]


def test_sequelize_and_mikroorm_calls() -> None:
    assert at(findings(ORM / "sequelize" / "20240101000000-create-users.js")) == [
        (5, 66, "DSQL101"),
        (6, 43, "DSQL512"),
    ]
    assert at(findings(ORM / "mikro" / "Migration20240101000000.ts")) == [
        (5, 5, "DSQL407"),  # mikro_orm_migrations' SERIAL key
        (5, 18, "DSQL406"),  # its row written in the run's transaction (allOrNothing)
        (5, 44, "DSQL101"),
        (6, 18, "DSQL401"),  # MikroORM wraps each migration in a transaction
        (6, 69, "DSQL202"),
    ]


def test_folder_picks_only_recognised_orm_files() -> None:
    files = {Path(p).relative_to(ORM).as_posix() for p in expand_paths([str(ORM)], orm=True)}
    assert "knex/knexfile.js" not in files
    assert {
        "prisma/schema.prisma",
        "typeorm/1700000000000-CreateUsers.ts",
        "knex/20240101000000_create_accounts.js",
        "sequelize/20240101000000-create-users.js",
        "mikro/Migration20240101000000.ts",
        "drizzle/schema.ts",
    } <= files
    # apply runs SQL files only: a schema or a script is never run as generated SQL (the
    # builders' pass projects hold a bootstrap.sql, which is SQL).
    sql_only = expand_paths([str(ORM)])
    assert sql_only and all(path.endswith(".sql") for path in sql_only)
    with pytest.raises(InputError):
        expand_paths([str(ORM / "knex")])


def test_drizzle_schema_points_at_generated_sql() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--format", "json", "fixtures/orm/drizzle"],
        capture_output=True, cwd=ROOT, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    [finding] = out["diagnostics"] if "diagnostics" in out else out["findings"]
    assert finding["code"] == "DSQL007"
    assert "drizzle-kit generate" in finding["message"]


def test_a_script_of_no_orm_is_not_parsed_as_sql() -> None:
    found = findings(ORM / "knex" / "knexfile.js")
    assert [d.code for d in found] == ["DSQL007"]


def test_fix_leaves_generated_sql_alone(tmp_path: Path) -> None:
    schema = tmp_path / "schema.prisma"
    schema.write_bytes((ORM / "prisma" / "schema.prisma").read_bytes())
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "fix", "--unsafe-fixes", str(schema)],
        capture_output=True, cwd=ROOT, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 1  # what is left to change is not "nothing left"
    # The enum and the scalar list are fixed in Prisma's terms (fix/prisma.py); no SQL of
    # what Prisma generates is written into the schema.
    assert result.stderr.endswith(b"Fixed 2 findings (2 with unsafe fixes) in 1 file; 5 remain.\n")
    fixed = schema.read_text()
    assert "enum Role" not in fixed and re.search(r"\n  tags +Json\?\n", fixed)
    assert not re.search(r"\b(?:CREATE|ALTER|SERIAL|ASYNC)\b", fixed)


def test_fix_without_a_path_names_the_orm_files_check_finds(tmp_path: Path) -> None:
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_bytes(
        (ORM / "prisma" / "schema.prisma").read_bytes()
    )
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "fix"],
        capture_output=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    # Named as check names it, before any file.
    first = result.stderr.splitlines()[0]
    assert first.startswith(b"dsql-lint: ") and first.endswith(b" in prisma (1 file)"), first
    assert result.stderr.endswith(b"; 7 remain, 2 fixable with --unsafe-fixes.\n")


def test_drizzle_schema_beside_its_generated_sql_is_not_pointed_at(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "schema.ts").write_bytes((ORM / "drizzle" / "schema.ts").read_bytes())
    assert [Path(p).name for p in expand_paths([str(tmp_path)], orm=True)] == ["schema.ts"]
    (tmp_path / "drizzle" / "meta").mkdir(parents=True)
    (tmp_path / "drizzle" / "meta" / "_journal.json").write_text(
        '{"entries": [{"idx": 0, "tag": "0000_init"}]}'
    )
    (tmp_path / "drizzle" / "0000_init.sql").write_text("CREATE TABLE t (id uuid PRIMARY KEY);\n")
    assert [Path(p).name for p in expand_paths([str(tmp_path)], orm=True)] == ["0000_init.sql"]


def test_findings_cache_keys_an_orm_file_by_the_file_around_its_sql(tmp_path: Path) -> None:
    from dsql_lint.lint.cache import FindingsCache

    path = tmp_path / "1-m.ts"
    body = (ORM / "typeorm" / "1700000000000-CreateUsers.ts").read_text()
    path.write_text(body)
    before = read_source(str(path), orm=True)
    path.write_text("// a comment that moves every line down\n" + body)
    after = read_source(str(path), orm=True)
    assert before.text == after.text
    cache = FindingsCache(tmp_path / "cache", LintOptions())
    assert cache.keys([before]) != cache.keys([after])


BINDINGS = ORM / "bindings"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ("knex/20240103000000_bindings.js", (8, 70)),  # `?`, `??`, `:name`, `:name:`, `\\?`
        ("sequelize/20240103000000-bindings.js", (7, 84)),  # `?`, `:name`, `$name`, `$1`
        ("mikro/Migration20240103000000.ts", (7, 25)),  # Knex's `?` and `??`
        ("typeorm/1700000000001-Backfill.ts", (6, 65)),  # PostgreSQL's `$1`
        ("alembic/versions/2b3c4d5e6f70_bindings.py", (13, 68)),  # SQLAlchemy's `:name`
        ("django/shop/migrations/0003_bindings.py", (11, 60)),  # psycopg's `%s`, `%(name)s`
        ("rails/db/migrate/20240103000000_backfill.rb", (4, 21)),  # execute: no bindings
    ],
)
def test_grammar_judges_orm_sql_with_its_bindings_masked(
    path: str, refused: tuple[int, int]
) -> None:
    """Each library's bindings are no syntax error, and nothing else hides one: the one
    statement PostgreSQL's grammar refuses is DSQL012 where it is written in the file."""
    found = findings(BINDINGS / path)
    assert [(d.line, d.col) for d in found if d.code == "DSQL012"] == [refused]
    assert "DSQL001" not in {d.code for d in found}  # the linter's parser reads them too


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_real_orm_files_have_no_syntax_error() -> None:
    assert not [d for d in findings(CORPUS) if d.code in ("DSQL012", "DSQL001")]


def test_django_runsql_sends_percent_signs_as_psycopg_does(tmp_path: Path) -> None:
    """Django runs RunSQL's `(sql, params)` with its params, so psycopg sends `%%` as `%`;
    any other RunSQL with params=None, which psycopg sends as written, `%%` and all."""
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    path = folder / "0001_slots.py"
    path.write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        '        migrations.RunSQL([("UPDATE shop_item SET slot = id %% 8 WHERE id > %s", [1])]),\n'
        "        migrations.RunSQL([\"UPDATE shop_item SET note = '100%%' WHERE id %% 2 = 0\"]),\n"
        "    ]\n"
    )
    sql = read_source(str(path), orm=True).text
    assert "slot = id  % 8 WHERE id > %s;" in sql  # the stand-in keeps every position
    assert "note = '100%%' WHERE id %% 2 = 0;" in sql
    # Both parse: `%%` sent as written is an operator to PostgreSQL's grammar (one that does
    # not exist, which only the server says).
    assert not [d for d in findings(path) if d.code in ("DSQL001", "DSQL012")]


def test_no_finding_ends_before_it_starts() -> None:
    """ORM SQL is generated out of the file's order (an index's `USING gin` after its keys,
    written before them in the call): a finding's end maps back no earlier than its start."""
    folders = [str(ROOT / "fixtures" / "orm"), str(ROOT / "fixtures" / "frameworks")]
    report = lint_paths(folders, LintOptions())
    backwards = [
        (d.path, d.line, d.col, d.code)
        for d in report.diagnostics
        if (d.end_line, d.end_col) < (d.line, d.col) or d.byte_end < d.byte_start
    ]
    assert report.diagnostics and backwards == []
