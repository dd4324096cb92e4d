"""What an ORM project's configuration and its libraries' options say, read as each
framework's own CLI reads them: never taken silently as something else."""

from __future__ import annotations

import shutil
from pathlib import Path

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import expand_paths
from tests.helpers import FIXTURES

ORM = FIXTURES / "orm"


def findings(*paths: Path) -> list[Diagnostic]:
    return lint_paths(expand_paths([str(p) for p in paths], orm=True), LintOptions()).diagnostics


def at(found: list[Diagnostic]) -> list[tuple[str, int, str]]:
    return [(Path(d.path).name, d.line, d.code) for d in found]


def test_typeorm_takes_the_transaction_mode_its_package_scripts_run_migrations_with(
    tmp_path: Path,
) -> None:
    """`typeorm migration:run -d ... --transaction each` in package.json runs the mode its
    option says over the DataSource's (the one `-d` names, which no search finds): the
    migration that sets `transaction = false` is no refused run (DSQL408), and each migration
    runs with its row as under "each"."""
    project = tmp_path / "typeorm-cli"
    shutil.copytree(ORM / "typeorm-cli", project)
    each = [
        ("1733000000001-Accounts.ts", 5, "DSQL407"),
        ("1733000000001-Accounts.ts", 5, "DSQL406"),
        ("1733000000002-Tags.ts", 5, "DSQL406"),
    ]
    assert at(findings(project / "src" / "migrations")) == each
    package = project / "package.json"
    text = package.read_text()
    # `-t all` overrides a DataSource's "each": the run is refused again.
    package.write_text(text.replace("--transaction each", "-t all"))
    data_source = project / "src" / "db" / "data-source.ts"
    data_source.write_text(
        data_source.read_text().replace("],\n", '],\n  migrationsTransactionMode: "each",\n')
    )
    assert ("1733000000003-Labels.ts", 5, "DSQL408") in at(findings(project / "src" / "migrations"))
    # No option: the DataSource `-d` names says "each".
    package.write_text(text.replace(" --transaction each", ""))
    assert at(findings(project / "src" / "migrations")) == each
    # `--transaction=none`, as yargs reads it too: no transaction but the opt-out's... none.
    package.write_text(text.replace("--transaction each", "--transaction=none"))
    assert at(findings(project / "src" / "migrations")) == [
        ("1733000000001-Accounts.ts", 5, "DSQL407")
    ]


def test_a_commented_out_setting_is_no_setting(tmp_path: Path) -> None:
    """`// migrationsTransactionMode: "each"` in a DataSource is a comment: TypeORM runs its
    default, "all", which refuses a migration that sets `transaction`."""
    project = tmp_path / "typeorm"
    shutil.copytree(ORM / "typeorm-cli", project)
    (project / "package.json").unlink()
    (project / "src" / "db" / "data-source.ts").rename(project / "src" / "data-source.ts")
    data_source = project / "src" / "data-source.ts"
    data_source.write_text(
        data_source.read_text().replace("],\n", '],\n  // migrationsTransactionMode: "each",\n')
    )
    assert ("1733000000003-Labels.ts", 5, "DSQL408") in at(findings(project / "src" / "migrations"))
    data_source.write_text(data_source.read_text().replace("// migrations", "migrations"))
    assert "DSQL408" not in {d.code for d in findings(project / "src" / "migrations")}
