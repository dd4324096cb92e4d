"""The files `init` writes whole: the configuration, the CI workflow, the pre-commit entry."""

from __future__ import annotations

from dsql_lint import __version__

WORKFLOW = ".github/workflows/dsql-lint.yml"
HOOK_ID = "dsql-lint"


# The pre-commit `types` of each framework's migration files (SQL otherwise).
HOOK_TYPES = {"alembic": "python", "django": "python", "rails": "ruby"}


def config(migrations: str | None, framework: str | None = None) -> str:
    lines = [
        "# dsql-lint configuration (written by `dsql-lint init`; README.md, Configuration)",
        "# target: the Aurora DSQL to lint for: latest (today's), or a date such as 2025-05",
        "target: latest",
    ]
    if migrations:
        lines.append("# migrations: what apply, status, validate, repair and baseline run on")
        lines.append(f"migrations: {migrations}")
    if migrations and framework:
        lines.append("# framework: the tool that runs them; check reads them as it does")
        lines.append(f"framework: {framework}")
    return "\n".join(lines) + "\n"


def workflow(migrations: str, applied: bool = True) -> str:
    """The CI workflow; `applied`: `dsql-lint apply` runs the migrations (SQL files), so the
    workflow rehearses them too."""
    rehearse = f"      - run: dsql-lint apply --local {migrations}\n" if applied else ""
    then = ", then rehearse them on a local PostgreSQL" if applied else ""
    return f"""\
# Written by `dsql-lint init`: lint the migrations for Aurora DSQL on every push and pull
# request (findings appear as annotations){then}.
name: dsql-lint
on: [push, pull_request]
permissions: {{contents: read}}
jobs:
  dsql-lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.12"}}
      - run: pip install "dsql-lint-py[local]=={__version__}"
      - run: dsql-lint check {migrations} --format github
{rehearse}"""


def precommit_repo(migrations: str, framework: str | None = None) -> str:
    """One `repos:` item: the hook of the dsql-lint installed in the project's environment."""
    kind = HOOK_TYPES.get(framework or "", "sql")
    return f"""\
  - repo: local
    hooks:
      - id: {HOOK_ID}
        name: dsql-lint (Aurora DSQL)
        entry: dsql-lint check --history
        language: system
        types: [{kind}]
        files: ^{migrations}/
        require_serial: true
"""
