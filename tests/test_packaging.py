"""pyproject.toml's extras ask only for what their packages provide: pip warns otherwise, on
every install a user makes from the README."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from dsql_lint.settings import toml_file

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements() -> list[Requirement]:
    project = toml_file.load(PYPROJECT)[0]["project"]
    listed = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        listed.extend(extra)
    return [Requirement(text) for text in listed]


@pytest.mark.parametrize("requirement", [r for r in requirements() if r.extras], ids=str)
def test_each_extra_asked_for_exists(requirement: Requirement) -> None:
    try:
        provided = metadata(requirement.name).get_all("Provides-Extra") or []
    except PackageNotFoundError:
        pytest.skip(f"{requirement.name} is not installed")
    assert requirement.extras <= set(provided), sorted(requirement.extras - set(provided))
