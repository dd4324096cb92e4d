"""Fixtures shared by the tests. Every test gets its own cache directory, and no findings cache
unless it asks for one (`findings_cache`): findings kept by one run must not stand in for the
linting a test checks."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rule_fixtures import fixture_inputs

from dsql_lint.lint.cache import FindingsCache


@pytest.fixture(scope="session")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def _isolated_caches(
    request: pytest.FixtureRequest, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    if "findings_cache" not in request.fixturenames:
        monkeypatch.setattr(FindingsCache, "for_run", classmethod(lambda cls, *a, **k: None))
    yield


@pytest.fixture
def findings_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The findings cache on, in a directory of the test's own."""
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "dsql-lint" / "findings"


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """A Flyway folder whose files depend on each other through the catalog, plus every failing
    fixture of the type and constraint rules."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    folder = tmp_path / "migrations"
    folder.mkdir()
    columns = ", ".join(f"c{n} int" for n in range(30))
    (folder / "V1__wide.sql").write_text(f"CREATE TABLE wide (id bigint PRIMARY KEY, {columns});\n")
    # The 25th index on `wide` is a catalog finding that only the earlier files explain.
    indexes = "".join(f"CREATE INDEX ASYNC i{n} ON wide (c{n});\n" for n in range(26))
    (folder / "V2__indexes.sql").write_text(indexes)
    shutil.copy(fixtures / "examples" / "schema.sql", folder / "V3__example.sql")
    failing = [
        f for d in sorted((fixtures / "rules").glob("DSQL[15]*")) for f in fixture_inputs(d, "fail")
    ]
    for n, fixture in enumerate(failing):
        shutil.copy(fixture, folder / f"V{n + 4}__{fixture.parent.name}.sql")
    return folder
