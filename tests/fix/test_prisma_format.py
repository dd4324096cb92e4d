"""The fixed schema.prisma aligned as `prisma format` aligns it: a real schema of the shared
corpus (hoppscotch: four enums removed, one the last block, fields of their types in many
models, a comment after a type with no attribute), compared with what Prisma CLI 6.19.3's
`prisma format` wrote for the fixed schema (tests/data/README.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "orm" / "prisma"
if not CORPUS.is_dir():  # a worktree beside the repository, as the helpers' are
    CORPUS = Path("/work/shared/corpus/orm/prisma")
SCHEMA = CORPUS / "hoppscotch_schema.prisma"


@pytest.mark.skipif(not SCHEMA.is_file(), reason="the shared corpus is not here")
def test_a_real_schema_fixed_is_what_prisma_format_writes(tmp_path: Path) -> None:
    schema = tmp_path / "schema.prisma"
    shutil.copyfile(SCHEMA, schema)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "dsql_lint", "fix", "--isolated", "--unsafe-fixes", str(schema)],
        capture_output=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert schema.read_text() != SCHEMA.read_text()
    assert (
        schema.read_text()
        == (ROOT / "tests" / "data" / "prisma_hoppscotch_fixed.prisma").read_text()
    )


def test_a_block_closed_on_its_own_line_ends_there(tmp_path: Path) -> None:
    """`enum Role { USER ADMIN }` ends at its `}`: the enum's fix removes it alone, and the
    model after it stays whole (the block ran on to the next `}` at a line's start, and the
    fix removed the model `User` with it)."""
    schema = tmp_path / "schema.prisma"
    schema.write_text(
        'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n\n'
        "enum Role { USER ADMIN }\n\n"
        "model User {\n  id   String @id\n  role Role   @default(USER)\n}\n"
        '\nmodel Post {\n  id String @id\n  note String @default("{ }") // a } here\n}\n'
    )
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "dsql_lint", "fix", "--isolated", "--unsafe-fixes"]
    subprocess.run([*command, str(schema)], capture_output=True, env=env, check=False)
    fixed = schema.read_text()
    assert "enum Role" not in fixed
    assert 'model User {\n  id   String @id\n  role String @default("USER")\n}\n' in fixed
    assert fixed.endswith(
        'model Post {\n  id String @id\n  note String @default("{ }") // a } here\n}\n'
    )
