"""What an Aurora DSQL cluster answers at run time, whatever the statement: the errors no rule
can foresee from the SQL (conflicts, quotas, transient failures), for `dsql-lint explain`.
Each entry is a fact of dsql-facts.md ("Optimistic concurrency and retries", "Connections and
quotas", "What the cluster answers"); `<...>` in a message stands for a part that varies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dsql_lint.engine.model import fill


@dataclass(frozen=True)
class RuntimeAnswer:
    sqlstates: tuple[str, ...]
    message: str | None  # None: known by its SQLSTATE alone
    meaning: str
    action: str

    def text(self) -> str:
        said = " ".join([" / ".join(self.sqlstates), fill(self.message or "")]).strip()
        return f"{said}\n  {self.meaning}\n  What to do: {self.action}\n"


_RETRY = (
    "roll back and run the whole transaction again, with exponential backoff and jitter "
    "(`dsql-lint apply` does); a partly applied multi-statement script cannot be replayed in place."
)

ANSWERS: tuple[RuntimeAnswer, ...] = (
    RuntimeAnswer(
        ("42601",),
        "syntax error<...>",
        "PostgreSQL's grammar (DSQL parses as PostgreSQL 16 does) refuses the statement; "
        "`dsql-lint check` reports it before it runs, at the same place (DSQL012).",
        "write it as PostgreSQL 16 does; `dsql-lint explain DSQL012` says more.",
    ),
    RuntimeAnswer(
        ("40001", "OC000"),
        "change conflicts with another transaction<...>(OC000)",
        "A write conflict at COMMIT: DSQL's optimistic concurrency found another transaction "
        "that changed the same rows first (foreign key conflicts surface the same way).",
        _RETRY,
    ),
    RuntimeAnswer(
        ("40001", "OC001"),
        "<...>(OC001)",
        "A schema (catalog) conflict at COMMIT: any catalog change anywhere in the cluster bumps "
        "its catalog version, so DDL meets it too.",
        _RETRY,
    ),
    RuntimeAnswer(
        ("54000",),
        None,
        "A transaction quota: at most 3,000 modified rows, 10 MiB of modified data and 5 "
        "minutes per transaction.",
        "split the work into transactions under the limits (batches of at most 3,000 rows).",
    ),
    RuntimeAnswer(
        ("53300",),
        None,
        "Too many connections: a cluster takes at most 10,000.",
        "close idle connections, or share them through a pool.",
    ),
    RuntimeAnswer(
        ("53400",),
        None,
        "Too many new connections: a cluster accepts at most 100 per second.",
        "reuse connections (a pool) and retry the connection with backoff.",
    ),
    RuntimeAnswer(
        ("XX000",),
        "server unavailable",
        "A transient failure of the service; a COMMIT it interrupted may or may not have "
        "taken effect.",
        "check whether the transaction's changes are there, then retry the whole transaction.",
    ),
    RuntimeAnswer(
        ("23503",),
        None,
        "A foreign key violation: the referenced row does not exist (or is still referenced).",
        "insert the referenced row first, or delete the referencing rows first.",
    ),
    RuntimeAnswer(
        (),  # a cluster of before 2026-08-26; dsql-facts.md records the refusal, not its words
        "foreign key constraints not supported",
        "DSQL had no foreign keys before 2026-08-26 (rule DSQL201, for `--target` dates before "
        "then); clusters accept them inline and, NOT VALID, in ALTER TABLE since.",
        "enforce the relationship in the application on such a cluster, or run on a current "
        "one; `dsql-lint explain DSQL201`.",
    ),
    RuntimeAnswer(
        ("22P02",),
        None,
        "An invalid value; for `CALL sys.wait_for_job('<id>')`, a job id that is not a "
        "26-character base32 string.",
        "pass the `job_id` that the ASYNC statement returned, as a literal.",
    ),
)


def answering(needle: str, fits: Callable[[str, str], bool]) -> list[RuntimeAnswer]:
    """The answers whose SQLSTATE is `needle`, or whose message `fits(message, needle)`
    (both lower-cased)."""
    return [
        answer
        for answer in ANSWERS
        if needle in (state.lower() for state in answer.sqlstates)
        or (answer.message is not None and fits(answer.message.lower(), needle))
    ]
