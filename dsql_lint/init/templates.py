"""The files `init` writes whole: the configuration, the CI workflow, the pre-commit entry."""

from __future__ import annotations

import textwrap

from dsql_lint.init.install import Install

WORKFLOW = ".github/workflows/dsql-lint.yml"
HOOK_ID = "dsql-lint"


# The pre-commit `types` of each framework's migration files (SQL otherwise).
HOOK_TYPES = {"alembic": "python", "django": "python", "rails": "ruby"}


# The `bootstrap:` file init writes where the runner check models creates a bookkeeping table
# DSQL refuses, and creates it only when it is missing (syntax/runners.py, Bookkeeping.create).
BOOTSTRAP = "dsql-bootstrap.sql"


def bootstrap(command: str, table: str, create: str) -> str:
    return (
        f"-- Written by `dsql-lint init`: run this before the first `{command}`, which then\n"
        f"-- leaves {table} alone; the table it would create itself is one DSQL refuses.\n"
        "-- Each statement runs in a transaction of its own (psql, or `dsql-lint apply`, which\n"
        "-- runs this file first as .dsql-lint.yaml's `bootstrap:` says).\n"
        f"{create}\n"
    )


def config(
    migrations: str | None, framework: str | None = None, bootstrap: str | None = None
) -> str:
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
    if bootstrap:
        lines.append("# bootstrap: SQL run before the framework's runner: its bookkeeping table")
        lines.append(f"bootstrap: [{bootstrap}]")
    return "\n".join(lines) + "\n"


def workflow(migrations: str, install: Install, applied: bool = True) -> str:
    """The CI workflow, installing dsql-lint as `install` says; `applied`: `dsql-lint apply`
    runs the migrations (SQL files), so the workflow rehearses them too (the `local` extra
    brings its PostgreSQL)."""
    rehearse = f"      - run: dsql-lint apply --local {migrations}\n" if applied else ""
    then = ", then rehearse them on a local PostgreSQL" if applied else ""
    note = (
        f"EDIT: {install.unreachable}, which CI cannot install: point this at the repository "
        "(git+URL@commit) or archive URL your project installs dsql-lint from."
    )
    lines = textwrap.wrap(note, 88) if install.unreachable else []
    edit = "".join(f"      # {line}\n" for line in lines)
    requirement = install.with_extras("local" if applied else "")
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
{edit}      - run: pip install "{requirement}"
      - run: dsql-lint check {migrations} --format github
{rehearse}"""


def precommit_repo(migrations: str, install: Install, kind: str = "sql") -> str:
    """One `repos:` item: the hook installs dsql-lint as the workflow does when it can (its
    own environment, the same requirement), else runs the one installed in the project's
    environment; `kind`: the pre-commit type of the migration files."""
    language = (
        "language: system"
        if install.unreachable
        else f"language: python\n        additional_dependencies: [{install.requirement!r}]"
    )
    return f"""\
  - repo: local
    hooks:
      - id: {HOOK_ID}
        name: dsql-lint (Aurora DSQL)
        entry: dsql-lint check --history
        {language}
        types: [{kind}]
        files: ^{migrations}/
        require_serial: true
"""
