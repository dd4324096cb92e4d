"""Every test gets its own cache directory, and no findings cache unless it asks for one
(`findings_cache`): findings kept by one run must not stand in for the linting a test checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dsql_lint.check_cache import FindingsCache


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
