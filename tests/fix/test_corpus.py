"""The guarantees of `fix`, with and without --unsafe-fixes, on every SQL file of the shared
corpus (real schemas, migrations, pg_dump output, PostgreSQL's regression tests): among them,
every finding check marks fixable is fixed (fixkit.assert_promises_kept).

Files are fixed in parallel processes, the largest first. Idempotence is checked as
convergence: the last lint of each fix found nothing left to fix, which is exactly what a
second run would start from (test_guarantees.py runs fix twice on every fixture).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from fixkit import CORPUS, check_file

FILES = sorted(CORPUS.rglob("*.sql"), key=lambda p: -p.stat().st_size) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason=f"no corpus at {CORPUS}")


RUNS = [(str(path), unsafe) for path in FILES for unsafe in (True, False)]


@pytest.fixture(scope="module")
def broken() -> dict[tuple[str, bool], list[str]]:
    workers = max(1, min(len(FILES), os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return dict(zip(RUNS, pool.map(check_file, *zip(*RUNS, strict=True)), strict=True))


@pytest.mark.parametrize("unsafe", [True, False], ids=["unsafe", "safe"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file(path: Path, unsafe: bool, broken: dict[tuple[str, bool], list[str]]) -> None:
    assert broken[str(path), unsafe] == []
