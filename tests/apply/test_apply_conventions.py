"""Migration conventions against PostgreSQL: Flyway V/U/R/B files, golang-migrate up/down
files, versions ordered across sub-folders, ledger identity, line ends, out-of-order files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import Database, ledger_rows, run_cli

from dsql_lint.apply.plan import build_plans


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return folder


def log_table(db: Database) -> None:
    db.execute("CREATE TABLE log (n bigint PRIMARY KEY, what text NOT NULL)")


def logged(db: Database) -> list[str]:
    return [what for (what,) in db.query("SELECT what FROM log ORDER BY n")]


def entry(n: int, what: str) -> str:
    return f"INSERT INTO log VALUES ({n}, '{what}');\n"


def test_undo_and_down_files_never_run_and_repeatables_run_last(
    db: Database, tmp_path: Path
) -> None:
    log_table(db)
    folder = write(
        tmp_path / "m",
        {
            "V1__one.sql": entry(1, "V1"),
            "U1__one.sql": entry(90, "U1"),
            "R__view.sql": entry(3, "R"),
            "V2__two.sql": entry(2, "V2"),
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert logged(db) == ["V1", "V2", "R"]

    golang = write(
        tmp_path / "g",
        {"000010_a.up.sql": entry(10, "up"), "000010_a.down.sql": entry(91, "down")},
    )
    assert run_cli("apply", str(golang), "--dsn", db.dsn).code == 0
    assert logged(db) == ["V1", "V2", "R", "up"]


def test_a_repeatable_runs_again_only_when_its_checksum_changes(
    db: Database, tmp_path: Path
) -> None:
    db.execute("CREATE TABLE runs (id bigint PRIMARY KEY)")
    folder = write(
        tmp_path / "m",
        {
            "V1__t.sql": "CREATE TABLE t (id bigint PRIMARY KEY);\n",
            "R__v.sql": "CREATE OR REPLACE VIEW v AS SELECT id FROM t;\n"
            "INSERT INTO runs SELECT count(*) FROM runs;\n",
        },
    )
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    assert db.query("SELECT count(*) FROM runs") == [(1,)]
    (folder / "R__v.sql").write_text(
        "CREATE OR REPLACE VIEW v AS SELECT id, id * 2 AS twice FROM t;\n"
        "INSERT INTO runs SELECT count(*) FROM runs;\n"
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert db.query("SELECT count(*) FROM runs") == [(2,)]
    assert db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'v' ORDER BY 1"
    ) == [("id",), ("twice",)]
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0


def test_versions_are_ordered_across_sub_folders(db: Database, tmp_path: Path) -> None:
    log_table(db)
    folder = write(
        tmp_path / "m",
        {
            "a/V2__two.sql": entry(2, "V2"),
            "a/V10__ten.sql": entry(10, "V10"),
            "b/V1__one.sql": entry(1, "V1"),
            "b/V3__three.sql": entry(3, "V3"),
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert logged(db) == ["V1", "V2", "V3", "V10"]


def test_two_files_of_one_version_are_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"a/V1__x.sql": "SELECT 1;\n", "b/V1.0__y.sql": "SELECT 1;\n"})
    result = run_cli("apply", str(folder), "--dry-run")
    assert result.code == 2
    assert "have the same version 1" in result.err


def test_the_folder_named_on_the_command_line_is_not_part_of_the_identity(
    db: Database, tmp_path: Path
) -> None:
    log_table(db)
    project = tmp_path / "proj"
    write(project / "db" / "migrations", {"V1__a.sql": entry(1, "a"), "V2__b.sql": entry(2, "b")})
    assert run_cli("apply", str(project / "db" / "migrations"), "--dsn", db.dsn).code == 0
    again = run_cli("apply", str(project / "db"), "--dsn", db.dsn)
    assert again.code == 0, again.output
    assert "0 applied, 2 already applied" in again.err
    assert logged(db) == ["a", "b"]


def test_ledger_rows_of_earlier_releases_are_adopted(db: Database, tmp_path: Path) -> None:
    """Earlier releases named files by their path under the folder given and checksummed
    the text with its CRLF line ends."""
    log_table(db)
    crlf = entry(1, "a").replace("\n", "\r\n").encode()
    project = write(tmp_path / "proj", {"migrations/V1__a.sql": crlf})
    assert run_cli("apply", str(project), "--dsn", db.dsn).code == 0
    legacy = build_plans([str(project)], dsql=False)[0]
    with db.connect() as conn:
        conn.execute(
            "UPDATE dsql_lint.files SET name = 'migrations/V1__a.sql', checksum = %s",
            [hashlib.sha256(crlf).hexdigest()],
        )
        conn.execute("UPDATE dsql_lint.statements SET file = 'migrations/V1__a.sql'")
    (project / "migrations" / "V1__a.sql").write_bytes(crlf.replace(b"\r\n", b"\n"))
    result = run_cli("apply", str(project / "migrations"), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert "0 applied, 1 already applied" in result.err
    assert db.query("SELECT name, checksum FROM dsql_lint.files") == [
        ("V1__a.sql", legacy.checksum)
    ]
    assert [r[0] for r in ledger_rows(db)] == ["V1__a.sql"]


def test_line_ends_do_not_change_a_checksum(db: Database, tmp_path: Path) -> None:
    log_table(db)
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1, "a") + entry(2, "b")})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    path = folder / "V1__a.sql"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0


def test_an_out_of_order_file_is_refused_unless_asked(db: Database, tmp_path: Path) -> None:
    log_table(db)
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1, "a"), "V3__c.sql": entry(3, "c")})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    write(folder, {"V2__b.sql": entry(2, "b")})
    refused = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert refused.code == 1
    assert "out of order" in refused.err and "V2__b.sql" in refused.err
    assert logged(db) == ["a", "c"]
    allowed = run_cli("apply", str(folder), "--dsn", db.dsn, "--out-of-order")
    assert allowed.code == 0, allowed.output
    assert logged(db) == ["a", "b", "c"]  # by n: b was applied


def test_apply_to_a_version(db: Database, tmp_path: Path) -> None:
    log_table(db)
    folder = write(
        tmp_path / "m",
        {"V1__a.sql": entry(1, "a"), "V2__b.sql": entry(2, "b"), "V3__c.sql": entry(3, "c")},
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn, "--to", "2")
    assert result.code == 0, result.output
    assert logged(db) == ["a", "b"]
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    assert logged(db) == ["a", "b", "c"]


def test_a_baseline_file_stands_for_the_versions_below_it_on_a_new_target(
    db: Database, tmp_path: Path
) -> None:
    log_table(db)
    folder = write(
        tmp_path / "m",
        {
            "V1__a.sql": entry(1, "a"),
            "V2__b.sql": entry(2, "b"),
            "B2__ab.sql": entry(12, "baseline ab"),
            "V3__c.sql": entry(3, "c"),
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert logged(db) == ["c", "baseline ab"]  # log's key is n: B2 ran first, as n=12
    assert "V1__a.sql" not in result.err and "B2__ab.sql" in result.err
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0


def test_a_corrected_failed_statement_is_not_an_edit(db: Database, tmp_path: Path) -> None:
    log_table(db)
    folder = write(tmp_path / "m", {"V1__a.sql": entry(1, "a") + "INSERT INTO nope VALUES (1);\n"})
    failed = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert failed.code == 1
    (folder / "V1__a.sql").write_text(entry(1, "a") + entry(2, "b"))
    fixed = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert fixed.code == 0, fixed.output
    assert logged(db) == ["a", "b"]
    (folder / "V1__a.sql").write_text(entry(1, "A") + entry(2, "b"))
    edited = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert edited.code == 1 and "edited after it was applied" in edited.err


def test_a_dbmate_down_section_never_runs_forward(db: Database, tmp_path: Path) -> None:
    log_table(db)
    folder = write(
        tmp_path / "m",
        {
            "20240101120000_a.sql": "-- migrate:up\n"
            + entry(1, "up")
            + "\n-- migrate:down\n"
            + entry(2, "down"),
        },
    )
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert logged(db) == ["up"]


def test_a_renamed_file_of_the_same_version_and_description_keeps_its_history(
    db: Database, tmp_path: Path
) -> None:
    log_table(db)
    folder = write(tmp_path / "m", {"000001_a.up.sql": entry(1, "a"), "V2__b.sql": entry(2, "b")})
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 0
    (folder / "000001_a.up.sql").rename(folder / "V1__a.sql")
    (folder / "V2__b.sql").rename(folder / "V002__b.sql")
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert "0 applied, 2 already applied" in result.err
    assert db.query("SELECT name FROM dsql_lint.files ORDER BY 1") == [
        ("V002__b.sql",),
        ("V1__a.sql",),
    ]
    assert run_cli("validate", str(folder), "--dsn", db.dsn).code == 0


def test_an_interrupted_baseline_file_is_resumed_not_replaced(db: Database, tmp_path: Path) -> None:
    log_table(db)
    folder = write(
        tmp_path / "m",
        {
            "V1__a.sql": entry(1, "a"),
            "B1__a.sql": entry(11, "baseline a") + "INSERT INTO nope VALUES (1);\n",
            "V2__b.sql": entry(2, "b"),
        },
    )
    assert run_cli("apply", str(folder), "--dsn", db.dsn).code == 1  # B1's second statement
    (folder / "B1__a.sql").write_text(entry(11, "baseline a") + entry(12, "baseline a2"))
    result = run_cli("apply", str(folder), "--dsn", db.dsn)
    assert result.code == 0, result.output
    assert logged(db) == ["b", "baseline a", "baseline a2"]
