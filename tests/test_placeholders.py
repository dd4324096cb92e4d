"""A Flyway placeholder its configuration gives no value is DSQL014 in `check`, at the
placeholder: CI fails where Flyway and `apply` would refuse the migration."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dsql_lint.cli import cli


def check(*args: str) -> tuple[int, str]:
    """check's exit status (its return value: the entry point exits with it) and output."""
    result = CliRunner().invoke(cli, ["check", *args], standalone_mode=False)
    assert result.exception is None, result.output
    return result.return_value, result.output


def flyway_project(root: Path, config: tuple[str, str]) -> Path:
    (root / config[0]).write_text(config[1])
    folder = root / "sql"
    folder.mkdir()
    (folder / "V1__items.sql").write_text(
        "CREATE TABLE ${owner}_items (id uuid PRIMARY KEY,\n  note text DEFAULT '${missing}');\n"
    )
    return folder


def test_a_placeholder_without_a_value_is_an_error_at_it(tmp_path: Path) -> None:
    folder = flyway_project(tmp_path, ("flyway.conf", "flyway.placeholders.owner=app\n"))
    code, output = check("--format", "json", str(folder))
    assert code == 1, output
    (finding,) = json.loads(output)["diagnostics"]
    assert finding["code"] == "DSQL014"
    assert "`${missing}`" in finding["message"]
    start, end = finding["start"], finding["end"]
    assert (start["line"], start["column"], end["line"], end["column"]) == (2, 22, 2, 32)


def test_flyway_toml_values_count_and_filename_needs_none(tmp_path: Path) -> None:
    toml = (
        '[flyway.placeholders]\nowner = "app"\n'
        '[environments.dev.flyway.placeholders]\nmissing = "x"\n'
    )
    folder = flyway_project(tmp_path, ("flyway.toml", toml))
    (folder / "V2__name.sql").write_text("COMMENT ON TABLE app_items IS '${flyway:filename}';\n")
    code, output = check(str(folder))
    assert code == 0 and "DSQL014" not in output, output


def test_giving_the_value_is_seen_by_the_findings_cache(
    tmp_path: Path, findings_cache: Path
) -> None:
    folder = flyway_project(tmp_path, ("flyway.conf", "flyway.placeholders.owner=app\n"))
    assert check(str(folder))[0] == 1
    (tmp_path / "flyway.conf").write_text(
        "flyway.placeholders.owner=app\nflyway.placeholders.missing=x\n"
    )
    code, output = check(str(folder))
    assert code == 0, output
