"""`fix` never makes a schema worse, proven on a real PostgreSQL: every failing rule fixture
(with and without --unsafe-fixes) and every file of the shared corpus (--unsafe-fixes), the
original and the fixed text each loaded into a fresh database (tests/fix/pgproof.py). The
fixed text has no error of a kind the original did not have, and no finding of a rule that
found nothing in the original.

The corpus part is one test per file, so that `pytest -n` spreads it over the processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixkit import CORPUS, FIXTURES, Case, case_of, fixer, load
from pg_testserver import Server
from pgproof import prove
from postgres import create_database, serving

from dsql_lint.errors import UserError

RULE_FIXTURES = sorted(
    p
    for p in (FIXTURES / "rules").glob("*/fail*.sql")
    if ".fixed" not in p.name and not case_of(load(p).text).dialect
)
CORPUS_FILES = sorted(CORPUS.rglob("*.sql")) if CORPUS.is_dir() else []

# Files a fix still makes worse on PostgreSQL. Strict: a file that passes must leave this list.
# Corpus files a fix is known to make worse on PostgreSQL, with why (each a strict xfail).
# Empty since a fix declines a type change its dependents cannot take (a point partition key).
KNOWN_WORSE: dict[str, str] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving() as server:
        yield server


def _prove(server: Server, path: Path, case: Case) -> None:
    try:
        source = load(path)
    except UserError as err:
        pytest.skip(str(err))
    result = fixer(case).fix_source(source)
    if not result.changed:
        return
    proof = prove(lambda: create_database(server), result)
    assert not proof.new, (
        f"errors of new kinds on PostgreSQL: {dict(proof.new)}"
        f" (original: {dict(proof.before)}, fixed: {dict(proof.after)})"
    )
    assert not proof.introduced, f"findings the fix brought: {sorted(proof.introduced)}"


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_fixture(server: Server, path: Path, unsafe: bool) -> None:
    case = case_of(load(path).text)
    _prove(server, path, Case(case.target, case.assume_in_transaction, unsafe, case.choices))


@pytest.mark.skipif(not CORPUS_FILES, reason=f"no corpus at {CORPUS}")
@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=KNOWN_WORSE[p.name], strict=True))
        if p.name in KNOWN_WORSE
        else p
        for p in CORPUS_FILES
    ],
    ids=lambda p: str(p.relative_to(CORPUS)),
)
def test_corpus_file(server: Server, path: Path) -> None:
    _prove(server, path, Case(unsafe=True))
