"""A Flyway placeholder its configuration gives no value is DSQL014 in `check`, at the
placeholder: CI fails where Flyway and `apply` would refuse the migration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


def test_flyways_own_placeholders_need_no_value(tmp_path: Path) -> None:
    folder = flyway_project(tmp_path, ("flyway.conf", "flyway.placeholders.owner=app\n"))
    builtins = ("user", "defaultSchema", "database", "timestamp", "filename", "table")
    text = "".join(f"SELECT '${{flyway:{name}}}';\n" for name in builtins)
    (folder / "V1__items.sql").write_text(text + "SELECT '${flyway:workingDirectory}';\n")
    code, output = check(str(folder))
    assert code == 0 and "DSQL014" not in output, output


def test_placeholder_replacement_off_replaces_nothing_and_wants_no_value(tmp_path: Path) -> None:
    for config in (
        ("flyway.conf", "flyway.placeholderReplacement=false\n"),
        ("flyway.toml", "[flyway]\nplaceholderReplacement = false\n"),
    ):
        root = tmp_path / config[0]
        root.mkdir()
        code, output = check(str(flyway_project(root, config)))
        assert code == 0 and "DSQL014" not in output, output


def test_values_from_the_environment_count_and_key_the_findings_cache(
    tmp_path: Path, findings_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = flyway_project(tmp_path, ("flyway.conf", "flyway.placeholders.owner=app\n"))
    monkeypatch.setenv("FLYWAY_PLACEHOLDERS_MISSING", "x")  # Flyway lower-cases the name
    assert check(str(folder))[0] == 0
    monkeypatch.delenv("FLYWAY_PLACEHOLDERS_MISSING")
    code, output = check(str(folder))
    assert code == 1 and "${missing}" in output, output
    monkeypatch.setenv("FLYWAY_PLACEHOLDER_REPLACEMENT", "false")
    assert check(str(folder))[0] == 0


def _serial_project(root: Path, config: tuple[str, str] | None) -> Path:
    if config is not None:
        (root / config[0]).write_text(config[1])
    folder = root / "sql"
    folder.mkdir()
    (folder / "V1__t.sql").write_text("CREATE TABLE t (id ${idtype} PRIMARY KEY);\n")
    return folder


@pytest.mark.parametrize(
    "config",
    [
        ("flyway.conf", "flyway.placeholders.idtype=serial\n"),
        ("flyway.toml", '[flyway.placeholders]\nidtype = "serial"\n'),
        ("flyway.toml", '[environments.dev.flyway.placeholders]\nidtype = "serial"\n'),
        None,  # the environment's
    ],
)
def test_a_placeholders_value_is_linted_where_the_placeholder_is(
    tmp_path: Path, config: tuple[str, str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQL Flyway sends, with each value its configuration gives put in, is what check
    judges: a finding in a value is at its placeholder, and has no fix."""
    if config is None:
        monkeypatch.setenv("FLYWAY_PLACEHOLDERS_IDTYPE", "serial")
    folder = _serial_project(tmp_path, config)
    code, output = check("--isolated", "--no-cache", "--format", "json", str(folder))
    assert code == 1, output
    (finding,) = json.loads(output)["diagnostics"]
    assert finding["code"] == "DSQL101", finding
    start, end = finding["start"], finding["end"]
    assert (start["line"], start["column"], end["line"], end["column"]) == (1, 20, 1, 29)
    assert finding["fix"] == "none" and "Flyway placeholder's value" in finding["fix_note"]


def test_flyways_own_default_schema_is_put_in_as_its_value(tmp_path: Path) -> None:
    (tmp_path / "flyway.conf").write_text("flyway.defaultSchema=app\n")
    folder = tmp_path / "sql"
    folder.mkdir()
    (folder / "V1__t.sql").write_text(
        "SELECT * FROM ${flyway:defaultSchema}.t TABLESAMPLE SYSTEM (1);\n"
    )
    code, output = check("--isolated", "--no-cache", "--format", "json", str(folder))
    assert [d["code"] for d in json.loads(output)["diagnostics"]] == ["DSQL712"]


def test_with_replacement_off_a_placeholder_is_no_value(tmp_path: Path) -> None:
    folder = _serial_project(
        tmp_path,
        ("flyway.conf", "flyway.placeholders.idtype=serial\nflyway.placeholderReplacement=false\n"),
    )
    code, output = check("--isolated", "--no-cache", "--format", "json", str(folder))
    assert "DSQL101" not in {d["code"] for d in json.loads(output)["diagnostics"]}


def test_fix_writes_around_a_placeholder_and_never_into_its_value(tmp_path: Path) -> None:
    """A fix outside the values is written in the file as written, its placeholders kept; a
    finding in a value is left, saying why."""
    (tmp_path / "flyway.conf").write_text("flyway.placeholders.idtype=serial\n")
    folder = tmp_path / "sql"
    folder.mkdir()
    migration = folder / "V1__t.sql"
    migration.write_text("CREATE TABLE t (id ${idtype} PRIMARY KEY) WITH (fillfactor = 70);\n")
    result = CliRunner().invoke(cli, ["fix", "--isolated", str(folder)], standalone_mode=False)
    assert result.exception is None, result.output
    assert migration.read_text() == "CREATE TABLE t (id ${idtype} PRIMARY KEY);\n"
    assert "Flyway placeholder's value" in result.output, result.output
