"""Issue 14: ORM operations whose SQL is fixed are read as that SQL, so that what DSQL refuses
is an error at the operation (DESC keys, CHECK and FOREIGN KEY without NOT VALID, NOT NULL
columns added); what is not read is an error too (DSQL016), never an info that lets `check`
exit 0 on a migration that fails on the cluster."""

from __future__ import annotations

from pathlib import Path

from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import read_source

ORM = Path(__file__).resolve().parents[1] / "fixtures" / "orm"
RUNNER = {"DSQL406", "DSQL407", "DSQL408"}


def _found(path: Path) -> list[tuple[int, int, str]]:
    report = lint_paths([str(path)], LintOptions())
    return sorted((d.line, d.col, d.code) for d in report.diagnostics if d.code not in RUNNER)


def test_rails_operations_are_read_as_the_postgresql_adapter_writes_them() -> None:
    path = ORM / "rails-ops" / "db" / "migrate" / "20260101000000_operations.rb"
    assert _found(path) == [
        (5, 5, "DSQL301"),
        (5, 66, "DSQL303"),  # order: { score: :desc }
        (6, 5, "DSQL301"),
        (6, 60, "DSQL303"),  # order: { b: "DESC NULLS LAST" }
        (7, 5, "DSQL204"),  # add_check_constraint without validate: false
        (9, 5, "DSQL602"),  # add_timestamps: two NOT NULL columns
        (9, 5, "DSQL602"),
        (11, 9, "DSQL301"),  # create_join_table's t.index
        (16, 5, "DSQL016"),  # rename_table: its sequence and key renames are looked up
    ]
    text = read_source(str(path), orm=True).text
    assert '"b" DESC NULLS LAST' in text
    # Rails' own name for an unnamed check: chk_rails_ and SHA256("users_age > 0_chk")[:10].
    assert 'ADD CONSTRAINT "chk_rails_a4b2d327da" CHECK (age > 0) NOT VALID;' in text
    assert 'CREATE TABLE "groups_users" ("user_id" bigint NOT NULL,' in text
    assert 'DROP INDEX "index_users_on_score";' in text
    assert 'ALTER TABLE "posts" DROP CONSTRAINT "fk_rails_5b5ddfd518";' in text
    assert 'DROP TABLE IF EXISTS "legacy";' in text


def test_desc_index_keys_written_in_orm_terms_are_desc_keys() -> None:
    """Prisma's `title(sort: Desc)` and Sequelize's `{ name, order: 'DESC' }` keep their
    DESC, as `prisma migrate` and sequelize's query generator write it: DSQL303 fires on
    the line that says it."""
    prisma = ORM / "desc-keys" / "prisma" / "schema.prisma"
    assert '("authorId", "title" DESC)' in read_source(str(prisma), orm=True).text
    assert [f for f in _found(prisma) if f[2] == "DSQL303"] == [(10, 40, "DSQL303")]
    sequelize = ORM / "desc-keys" / "sequelize" / "migrations" / "20260101000000-idx.js"
    assert [f for f in _found(sequelize) if f[2] == "DSQL303"] == [(3, 45, "DSQL303")]


def test_typeorm_check_and_exclusion_constraints_are_read() -> None:
    """createCheckConstraint and createExclusionConstraint as PostgresQueryRunner 0.3.20
    writes them (a check without a name named `CHK_` and a SHA-1 of `table_expression`)."""
    path = ORM / "typeorm-ops" / "src" / "migrations" / "1760000000000-Constraints.ts"
    found = [f for f in _found(path) if f[2] != "DSQL401"]
    assert found == [
        (5, 101, "DSQL204"),  # the TableCheck
        (6, 38, "DSQL610"),
        (7, 99, "DSQL610"),
        (10, 50, "DSQL208"),  # the TableExclusion
    ]
    text = read_source(str(path), orm=True).text
    assert 'ADD CONSTRAINT "CHK_9bbcd310e2678c83e89b6a872c" CHECK (balance >= 0);' in text
    assert 'ALTER TABLE "accounts" DROP CONSTRAINT "CHK_old";' in text


def test_every_rails_schema_statement_is_read_or_an_error() -> None:
    """A schema statement the reader did not list (add_unique_constraint,
    add_exclusion_constraint, validate_check_constraint...) was passed over in silence: each
    is now translated or DSQL016 where it is."""
    path = ORM / "rails-ops" / "db" / "migrate" / "20260102000000_constraints.rb"
    assert _found(path) == [(5, 5, "DSQL610"), (6, 5, "DSQL208"), (7, 5, "DSQL016")]
