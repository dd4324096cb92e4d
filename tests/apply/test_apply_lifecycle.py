"""The lifecycle commands end to end on PostgreSQL: validate, repair, baseline, status."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Database, Tls, dsql_args, ledger_rows, run_cli
from pg_proxy import Proxy


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def entry(n: int) -> str:
    return f"INSERT INTO log VALUES ({n});\n"


def kinds(result_out: str) -> list[tuple[str, str]]:
    events = [json.loads(line) for line in result_out.splitlines()]
    return [(Path(e["file"]).name, e["kind"]) for e in events if e["event"] == "problem"]


def test_validate_is_the_ci_gate(db: Database, tmp_path: Path) -> None:
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1), "V3__c.sql": entry(3)})
    pending = run_cli("validate", str(folder), "--dsn", db.dsn, "--format", "json")
    assert pending.code == 1
    assert kinds(pending.out) == [("V1__a.sql", "pending"), ("V3__c.sql", "pending")]
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    clean = run_cli("validate", str(folder), "--dsn", db.dsn)
    assert clean.code == 0, clean.output
    assert "the target matches the folder" in clean.err

    write(folder, {"V2__b.sql": entry(2), "V1__a.sql": entry(10)})
    (folder / "V3__c.sql").rename(tmp_path / "V3__c.sql")
    found = run_cli("validate", str(folder), "--dsn", db.dsn, "--format", "json")
    assert found.code == 1
    assert sorted(kinds(found.out)) == [
        ("V1__a.sql", "edited"),
        ("V2__b.sql", "out of order"),
        ("V3__c.sql", "missing"),
    ]
    assert db.query("SELECT n FROM log ORDER BY n") == [(1,), (3,)]  # validate wrote nothing


def test_validate_says_a_failed_file_failed_as_status_does(db: Database, tmp_path: Path) -> None:
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    files = {"V1__a.sql": entry(1), "V2__b.sql": entry(2) + entry(2), "V3__c.sql": entry(3)}
    folder = write(tmp_path / "m", files)
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 1
    assert (
        "V2__b.sql: failed (1/2 statements applied)"
        in run_cli("status", str(folder), "--dsn", db.dsn).out
    )
    for text in (files["V2__b.sql"], "-- corrected later\n" + files["V2__b.sql"]):
        (folder / "V2__b.sql").write_text(text)
        found = run_cli("validate", str(folder), "--dsn", db.dsn, "--format", "json")
        assert found.code == 1
        files_said = [(name.split(":")[0], kind) for name, kind in kinds(found.out)]
        assert files_said == [("V2__b.sql", "failed"), ("V3__c.sql", "pending")]


def test_repair_removes_failed_rows_and_accepts_edits(db: Database, tmp_path: Path) -> None:
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1), "V2__b.sql": entry(2) + entry(2)})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 1
    status = run_cli("status", str(folder), "--dsn", db.dsn)
    assert status.code == 1 and "V2__b.sql: failed" in status.out
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 1

    repaired = run_cli("repair", str(folder), "--dsn", db.dsn)
    assert repaired.code == 0, repaired.output
    assert "removed failed V2__b.sql statement 1: " in repaired.out
    assert "repair: 1 change" in repaired.err
    assert ("V2__b.sql", 1) not in {(r[0], r[1]) for r in ledger_rows(db)}
    assert run_cli("status", str(folder), "--dsn", db.dsn).code == 0

    (folder / "V1__a.sql").write_text(entry(1) + "-- reviewed\n")
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 1
    accepted = run_cli(
        "repair", str(folder), "--dsn", db.dsn, "--accept-edits", str(folder / "V1__a.sql")
    )
    assert accepted.code == 0, accepted.output
    assert "V1__a.sql: checksum realigned" in accepted.out
    (folder / "V2__b.sql").write_text(entry(2) + entry(4))
    done = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert done.code == 0, done.output
    assert db.query("SELECT n FROM log ORDER BY n") == [(1,), (2,), (4,)]
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0


def test_baseline_adopts_an_existing_database(db: Database, tmp_path: Path) -> None:
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    folder = write(
        tmp_path / "m",
        {
            "V1__log.sql": "CREATE TABLE log (n bigint PRIMARY KEY);\n",
            "V2__one.sql": entry(1),
            "V3__two.sql": entry(2),
        },
    )
    result = run_cli("baseline", str(folder), "--version", "2", "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert "V1__log.sql: below the baseline" in result.out
    assert "V2__one.sql: below the baseline" in result.out
    plan = run_cli("apply", str(folder), "--dsn", db.dsn, "--dry-run")
    assert "V3__two.sql" in plan.out and "V2__one.sql" not in plan.out
    applied = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert applied.code == 0, applied.output
    assert db.query("SELECT n FROM log") == [(2,)]
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0
    assert "V1__log.sql: below baseline" in run_cli("status", str(folder), "--dsn", db.dsn).out
    again = run_cli("baseline", str(folder), "--version", "3", "--dsn", db.dsn)
    assert again.code == 1 and "already has" in again.err


def test_the_lifecycle_commands_reach_dsql_as_apply_does(
    aws_env: None, db: Database, tls: Tls, tmp_path: Path
) -> None:
    """Token, TLS and endpoint options, through a TLS proxy standing for the cluster."""
    write(tmp_path, {"V1__a.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n"})
    with Proxy(db.server.port, tls=tls.context) as proxy:
        target = dsql_args(proxy.port, db.name, "--sslrootcert", str(tls.ca_file))
        assert run_cli("baseline", "V1__a.sql", "--version", "0", *target).code == 0
        assert run_cli("validate", "V1__a.sql", *target).code == 1  # pending
        assert run_cli("apply", "V1__a.sql", *target).code == 0
        for command in ("validate", "repair", "status"):
            result = run_cli(command, "V1__a.sql", *target)
            assert result.code == 0, (command, result.output)
    assert db.query("SELECT to_regclass('a')::text") == [("a",)]


def test_validate_names_a_missing_file_by_the_path_it_ran_from(
    db: Database, tmp_path: Path
) -> None:
    """Every other line of validate names a file by its path, as status does: so does a
    missing one, by the path it was applied from; a ledger written before paths were
    recorded knows it by its ledger name only."""
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1)})
    old = write(folder / "old", {"V2__b.sql": entry(2)})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    (old / "V2__b.sql").unlink()

    text = run_cli("validate", str(folder), "--dsn", db.dsn)
    assert text.code == 1
    assert text.out.splitlines()[0] == (
        f"{old / 'V2__b.sql'}: missing: in the ledger as V2__b.sql, not in the folder"
    )
    found = run_cli("validate", str(folder), "--dsn", db.dsn, "--format", "json")
    (problem,) = [e for e in map(json.loads, found.out.splitlines()) if e["event"] == "problem"]
    assert (problem["file"], problem["name"]) == (str(old / "V2__b.sql"), "V2__b.sql")

    db.execute("UPDATE dsql_lint.files SET path = NULL")
    older = run_cli("validate", str(folder), "--dsn", db.dsn)
    assert older.out.splitlines()[0] == "V2__b.sql: missing: in the ledger, not in the folder"


def test_validate_names_the_command_that_clears_each_problem(db: Database, tmp_path: Path) -> None:
    """As Flyway's validate points at repair: an edited file names `repair --accept-edits`
    with its path, a pending one `apply`; once per remedy, and in JSON as `next`."""
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1)})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    (folder / "V1__a.sql").write_text(entry(1) + "-- reviewed\n")
    write(folder, {"V2__b.sql": entry(2), "V3__c.sql": entry(3)})

    found = run_cli("validate", str(folder), "--dsn", db.dsn)
    assert found.code == 1
    # Each problem with its remedy under it, on stdout: a CI log keeps the two together.
    edited, remedy = found.out.splitlines()[:2]
    assert edited.startswith(f"{folder / 'V1__a.sql'}: edited: ")
    assert remedy == (
        "  next: restore it and put the change in a new migration file, or accept the edit "
        f"with `dsql-lint repair --accept-edits {folder / 'V1__a.sql'}`"
    )
    assert found.out.splitlines()[2:] == [
        f"{folder / 'V2__b.sql'}: pending: not applied yet",
        "  next: `dsql-lint apply` runs it",
        f"{folder / 'V3__c.sql'}: pending: not applied yet",
        "  next: `dsql-lint apply` runs it",
    ]
    events = map(
        json.loads,
        run_cli("validate", str(folder), "--dsn", db.dsn, "--format", "json").out.splitlines(),
    )
    said = {Path(e["file"]).name: e["next"] for e in events if e["event"] == "problem"}
    assert said["V2__b.sql"] == said["V3__c.sql"] == "`dsql-lint apply` runs it"


def test_repair_names_the_edits_it_leaves(db: Database, tmp_path: Path) -> None:
    """repair realigns only the checksums given to --accept-edits: any other edited file is
    named with the option that would accept it, and its ledger row is left as it was."""
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1), "V2__b.sql": entry(2)})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    for name in ("V1__a.sql", "V2__b.sql"):
        (folder / name).write_text((folder / name).read_text() + "-- reviewed\n")

    repaired = run_cli(
        "repair", str(folder), "--dsn", db.dsn, "--accept-edits", str(folder / "V2__b.sql")
    )
    assert repaired.code == 0, repaired.output
    left = [line for line in repaired.out.splitlines() if line.startswith("left as it is: ")]
    assert len(left) == 1 and str(folder / "V1__a.sql") in left[0]
    assert left[0].endswith(
        f"accept it with `dsql-lint repair --accept-edits {folder / 'V1__a.sql'}`, or restore "
        "it and put the change in a new migration file"
    )
    still = run_cli("validate", str(folder), "--dsn", db.dsn, "--format", "json")
    assert kinds(still.out) == [("V1__a.sql", "edited")]


def test_status_lines_up_its_columns_whatever_the_paths(db: Database, tmp_path: Path) -> None:
    """The status column starts at one place for `file:2` and `file:11` alike, and for
    paths longer than any fixed width."""
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    deep = tmp_path / ("a-rather-long-folder-name-" * 2) / "m"
    folder = write(deep, {"V1__a.sql": "".join(entry(n) for n in range(1, 12))})
    status = run_cli("status", str(folder), "--dsn", db.dsn)
    rows = [line for line in status.out.splitlines() if line.startswith("  ")]
    assert len(rows) == 11
    assert len({line.index(" pending ") for line in rows}) == 1, status.out


def test_status_says_a_changed_repeatable_is_outdated_and_lists_a_deleted_file_as_missing(
    db: Database, tmp_path: Path
) -> None:
    """As Flyway's info: a repeatable file changed since it ran is "outdated" (apply runs it
    again), not pending; an applied file the folder no longer has is listed "missing" where
    its version puts it, as validate says."""
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY)")
    files = {f"V{n}__{c}.sql": entry(n) for n, c in ((1, "a"), (2, "b"), (3, "c"))}
    files["R__v.sql"] = "CREATE OR REPLACE VIEW v AS SELECT n FROM log;\n"
    folder = write(tmp_path / "m", files)
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    (folder / "R__v.sql").write_text("CREATE OR REPLACE VIEW v AS SELECT n, n * 2 AS m FROM log;\n")
    (folder / "V2__b.sql").unlink()

    status = run_cli("status", str(folder), "--dsn", db.dsn)
    assert status.code == 0, status.output
    heads = [line for line in status.out.splitlines() if not line.startswith("  ")]
    assert [Path(line.split(":")[0]).name for line in heads] == [
        "V1__a.sql", "V2__b.sql", "V3__c.sql", "R__v.sql",
    ]  # fmt: skip
    assert heads[1] == (
        f"{folder / 'V2__b.sql'}: missing (in the ledger as V2__b.sql, not in the folder; 1/1 "
        "statements applied): put the file back, or let `dsql-lint repair` record it as deleted"
    )
    assert heads[3].startswith(f"{folder / 'R__v.sql'}: outdated (0/1 statements applied; ")
    assert "`dsql-lint apply` runs it again" in heads[3]
    as_json = run_cli("status", str(folder), "--dsn", db.dsn, "--format", "json")
    events = [json.loads(line) for line in as_json.out.splitlines()]
    said = {Path(e["file"]).name: e["status"] for e in events if e["event"] == "file"}
    assert said == {
        "V1__a.sql": "applied", "V2__b.sql": "missing", "V3__c.sql": "applied",
        "R__v.sql": "outdated",
    }  # fmt: skip
    checked = run_cli("validate", str(folder), "--dsn", db.dsn, "--format", "json")
    assert kinds(checked.out) == [("V2__b.sql", "missing"), ("R__v.sql", "outdated")]

    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    again = run_cli("status", str(folder), "--dsn", db.dsn).out
    assert f"{folder / 'R__v.sql'}: applied (1/1 statements applied)" in again
    assert f"{folder / 'V2__b.sql'}: missing" in again


def test_the_lifecycle_commands_read_an_include_through_the_psql_variables_given(
    db: Database, tmp_path: Path
) -> None:
    """`\\ir :dir/log.sql` names its file through a psql variable: status, validate, repair
    and baseline take `-v dir=parts` as check and apply do; without it, the file they cannot
    find is named, with the option that gives the value."""
    folder = write(tmp_path / "m", {"V2__one.sql": entry(1)})
    write(folder / "parts", {"log.sql": "CREATE TABLE log (n bigint PRIMARY KEY);\n"})
    (folder / "V1__log.sql").write_text("\\ir :dir/log.sql\n")
    given = ("-v", "dir=parts", "--dsn", db.dsn)
    baseline = run_cli("baseline", str(folder), "--version", "0", *given)
    assert baseline.code == 0, baseline.output
    assert run_cli("apply", str(folder), *given).code == 0
    for command in ("status", "validate", "repair"):
        result = run_cli(command, str(folder), *given)
        assert result.code == 0, (command, result.output)
    assert "V1__log.sql: applied" in run_cli("status", str(folder), *given).out
    for command in ("status", "validate", "repair"):
        result = run_cli(command, str(folder), "--dsn", db.dsn)
        assert result.code == 2, (command, result.output)
        assert "\\ir :dir/log.sql: " in result.err and "`-v dir=VALUE`" in result.err
