"""Cutting the connection at every request boundary: a re-run always converges, exactly once,
and so does the run itself when it reconnects."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, Database, catalog_dump, create_database, ledger_rows, run_cli
from pg_proxy import Proxy
from pg_testserver import Server

from dsql_lint.apply.plan import build_plans

MIGRATIONS = str(FIXTURES / "basic")
APPLY = ("apply", MIGRATIONS, "--format", "json")
NO_RECONNECT = ("--max-reconnects", "0")  # the run stops at the cut; the next one resumes


def proxied(server: Server, db: Database, port: int) -> str:
    return f"host=127.0.0.1 port={port} dbname={db.name} user=postgres sslmode=disable"


def assert_converged(db: Database, reference: list, steps: int) -> None:
    assert catalog_dump(db) == reference
    rows = ledger_rows(db)
    assert len(rows) == steps  # one row per statement: the primary key forbids doubles
    assert {status for _, _, status, _, _ in rows} == {"applied"}
    assert db.query("SELECT count(*) FROM dsql_lint.files WHERE applied_at IS NULL") == [(0,)]


def events(out: str, name: str) -> list[dict]:
    return [e for e in map(json.loads, out.splitlines()) if e["event"] == name]


def counts(out: str) -> tuple[int, int, int]:
    (done,) = events(out, "done")
    return done["applied"], done["skipped"], done["failed"]


@pytest.fixture(scope="module")
def reference(pg: Server) -> tuple[list, int]:
    """The catalog after an uninterrupted run, and how many requests that run makes."""
    db = create_database(pg)
    with Proxy(pg.port) as proxy:
        result = run_cli(*APPLY, "--dsn", proxied(pg, db, proxy.port))
    assert result.code == 0, result.output
    assert counts(result.out) == (sum(len(p.steps) for p in build_plans([MIGRATIONS], False)), 0, 0)
    return catalog_dump(db), proxy.requests


@pytest.mark.parametrize("after", [False, True], ids=["before-request", "response-lost"])
def test_cut_at_every_boundary_then_rerun_converges(
    pg: Server, reference: tuple[list, int], after: bool
) -> None:
    dump, total = reference
    steps = sum(len(p.steps) for p in build_plans([MIGRATIONS], dsql=False))
    assert total > steps  # every statement and ledger write is a request of its own
    for cut in range(1, total + 1):
        db = create_database(pg)
        with Proxy(pg.port, cut_at=cut, cut_after=after) as proxy:
            first = run_cli(*APPLY, *NO_RECONNECT, "--dsn", proxied(pg, db, proxy.port))
        assert proxy.cuts == 1, f"cut {cut} never happened"
        # The last request gives the lock back, after everything was applied: it is retried.
        assert first.code != 0 or cut == total, f"cut {cut}: {first.output}"
        second = run_cli(*APPLY, "--dsn", db.dsn)
        assert second.code == 0, f"cut {cut}: {second.output}"
        assert_converged(db, dump, steps)


def test_cut_in_the_crash_window_is_reconciled_from_the_catalog(
    pg: Server, reference: tuple[list, int]
) -> None:
    """The DDL committed but its done row was never written: the re-run reads the catalog."""
    dump, total = reference
    steps = sum(len(p.steps) for p in build_plans([MIGRATIONS], dsql=False))
    reconciled = 0
    for cut in range(1, total + 1):
        db = create_database(pg)
        with Proxy(pg.port, cut_at=cut, cut_after=True) as proxy:
            run_cli(*APPLY, *NO_RECONNECT, "--dsn", proxied(pg, db, proxy.port))
        started = (
            db.query("SELECT count(*) FROM dsql_lint.statements WHERE status = 'started'")
            if db.query("SELECT to_regclass('dsql_lint.statements')")[0][0]
            else [(0,)]
        )
        if started == [(0,)]:
            continue
        second = run_cli(*APPLY, "--dsn", db.dsn)
        assert second.code == 0, second.output
        if (
            '"applied (the catalog shows its effect)"' in second.out
            or "index is valid" in second.out
        ):
            reconciled += 1
        assert_converged(db, dump, steps)
        if reconciled >= 2:
            break
    assert reconciled >= 2


def test_a_run_cut_at_any_boundary_reconnects_and_applies_everything_once(
    pg: Server, reference: tuple[list, int]
) -> None:
    """The run itself resumes after the cut as a new run would (ledger read again, the unit
    in flight reconciled or found committed), and reports each statement once, as applied.
    Each cut loses the server's answer, so the outcome of what was in flight is unknown (a
    request that never reached the server is the simpler case: test_apply_reconnect.py)."""
    dump, total = reference
    steps = sum(len(p.steps) for p in build_plans([MIGRATIONS], dsql=False))
    for cut in range(1, total + 1):
        db = create_database(pg)
        with Proxy(pg.port, cut_at=cut, cut_after=True) as proxy:
            result = run_cli(*APPLY, "--dsn", proxied(pg, db, proxy.port))
        assert proxy.cuts == 1, f"cut {cut} never happened"
        assert result.code == 0, f"cut {cut}: {result.output}"
        assert_converged(db, dump, steps)
        reconnects = events(result.out, "reconnect")
        # The last request gives the lock back: its own retry reconnects, not the run.
        assert len(reconnects) == (cut != total), f"cut {cut}: {reconnects}"
        assert counts(result.out) == (steps, 0, 0), f"cut {cut}: {result.out}"
