"""A Prisma project fixed as `prisma migrate dev` needs it: the fixed schema.prisma written as
`prisma format` writes it, the fixed migration.sql with the columns Prisma writes for the fixed
schema (both recorded into tests/data, see its README), and one line where they still differ.

tests/data/prisma-drift is a schema formatted by `prisma format` and the migration Prisma's
schema engine made from it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tests" / "data" / "prisma-drift"
DATA = ROOT / "tests" / "data"
MIGRATION = Path("prisma/migrations/20240101000000_init/migration.sql")
SCHEMA = Path("prisma/schema.prisma")


def fix(project: Path, *paths: Path) -> str:
    """`fix --unsafe-fixes` of `paths` in a copy of the project; its stderr."""
    shutil.copytree(PROJECT, project)
    return run(project, *paths)


def run(project: Path, *paths: Path) -> str:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    command = ["fix", "--isolated", "--unsafe-fixes", *map(str, paths)]
    result = subprocess.run(
        [sys.executable, "-m", "dsql_lint", *command],
        capture_output=True, text=True, cwd=project, env=env, check=False,
    )  # fmt: skip
    return result.stderr


def columns(sql: str) -> dict[tuple[str, str], tuple[str, bool, str]]:
    """(table, column) -> type, NOT NULL, default of each CREATE TABLE column, in one layout:
    `DECIMAL(19,2)` as `NUMERIC(19,2)`, a default without its cast."""
    out = {}
    for table, body in re.findall(r'CREATE TABLE "(\w+)" \((.*?)\n\);', sql, re.S):
        for line in body.splitlines():
            found = re.match(r'\s*"(\w+)" ("\w+"|[\w(), ]+?)( NOT NULL)?( DEFAULT (.*?))?,?$', line)
            if found is None:
                continue
            kind = re.sub(r"\s", "", found.group(2)).upper().replace("DECIMAL", "NUMERIC")
            default = re.sub(r"::\w+$", "", found.group(5) or "")
            out[(table, found.group(1))] = (kind, bool(found.group(3)), default)
    return out


def test_the_fixed_schema_is_aligned_as_prisma_format_aligns_it(tmp_path: Path) -> None:
    fix(tmp_path / "p", SCHEMA)
    assert (tmp_path / "p" / SCHEMA).read_text() == (DATA / "prisma_drift_fixed.prisma").read_text()


def test_the_two_fixes_write_the_same_columns_but_the_enums(tmp_path: Path) -> None:
    said = fix(tmp_path / "p", Path("."))
    assert (tmp_path / "p" / SCHEMA).read_text() == (DATA / "prisma_drift_fixed.prisma").read_text()
    mine = columns((tmp_path / "p" / MIGRATION).read_text())
    prisma = columns((DATA / "prisma_drift_fixed.sql").read_text())
    assert mine.keys() == prisma.keys()
    differ = {key for key in mine if mine[key] != prisma[key]}
    # The migration still creates enum Role; the schema's enum became String.
    assert differ == {("users", "role"), ("users", "backup")}
    assert {mine[key][0] for key in differ} == {'"ROLE"'}
    (line,) = [line for line in said.splitlines() if "still creates enum" in line]
    assert line.startswith("prisma/migrations still creates enum Role, which prisma/schema.prisma")


def test_fixing_the_migrations_alone_names_the_schema(tmp_path: Path) -> None:
    said = fix(tmp_path / "p", MIGRATION)
    (line,) = [
        line for line in said.splitlines() if "would see drift" in line and "not changed" in line
    ]
    assert line.startswith("prisma/schema.prisma is not changed by the fixes of its migrations")


def test_fixing_the_schema_alone_names_the_migrations(tmp_path: Path) -> None:
    said = fix(tmp_path / "p", SCHEMA)
    (line,) = [
        line for line in said.splitlines() if "would see drift" in line and "not changed" in line
    ]
    assert line.startswith("prisma/migrations is not changed by the fixes of prisma/schema.prisma")


def test_a_project_fixed_whole_without_enums_gets_no_drift_line(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(PROJECT, project)
    schema = (project / SCHEMA).read_text()
    enum = schema[schema.index("/// Who may do what.") : schema.index("model User")]
    schema = schema.replace(enum, "").replace("Role    ", "String  ").replace("Role?", "String?")
    (project / SCHEMA).write_text(schema.replace("@default(USER)", '@default("USER")'))
    migration = (project / MIGRATION).read_text()
    migration = migration.replace("CREATE TYPE \"Role\" AS ENUM ('USER', 'admin');", "")
    (project / MIGRATION).write_text(migration.replace('"Role"', "TEXT"))
    said = run(project, Path("."))
    assert "Fixed " in said  # both halves changed: their lists and money
    assert "drift" not in said


def test_fixing_the_other_half_in_a_later_run_leaves_only_what_still_differs(
    tmp_path: Path,
) -> None:
    """The schema fixed first, its migration in a later run: that run changes only the
    migration, but the two now write the same columns, so no "not changed" line; the enum,
    which no fix rewrites in the migration, still differs and is said."""
    first = fix(tmp_path / "p", SCHEMA)
    assert "users.tags (JSONB in the schema, TEXT[] in the migrations)" in first
    said = run(tmp_path / "p", MIGRATION)
    assert "Fixed " in said
    assert "not changed" not in said
    drift = [line for line in said.splitlines() if "drift" in line]
    assert len(drift) == 1 and drift[0].startswith("prisma/migrations still creates enum Role")
