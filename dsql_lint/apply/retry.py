"""Optimistic concurrency and transient outages: which errors to retry, and how long to wait
between tries."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from dsql_lint.apply.errors import ApplyError

T = TypeVar("T")

# dsql-facts.md, OCC: conflicts are SQLSTATE 40001 with (OC000) data / (OC001) catalog in the
# message; AWS clients also treat sqlstate OC000/OC001 as retryable.
RETRYABLE_SQLSTATES = frozenset({"40001", "OC000", "OC001"})
OCC_CODES = ("(OC000)", "(OC001)")


def is_unavailable(err: BaseException) -> bool:
    """dsql-facts.md, what the cluster answers: XX000 `server unavailable` is transient; the
    whole transaction is retried, and a COMMIT it interrupted may or may not have happened."""
    return getattr(err, "sqlstate", None) == "XX000" and "unavailable" in str(err).lower()


def is_retryable(err: BaseException) -> bool:
    return is_occ_error(err) or is_unavailable(err)


def is_occ_error(err: BaseException) -> bool:
    if getattr(err, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    message = str(err)
    return any(code in message for code in OCC_CODES)


class RetriesExhausted(ApplyError):
    def __init__(self, message: str, last: BaseException) -> None:
        super().__init__(message)
        self.last = last


class StillUnavailable(RetriesExhausted):
    """XX000 `server unavailable` on every try of one connection: the run reconnects, as for
    a lost connection (a new connection may reach a node that serves it), and the unit whose
    last COMMIT had an unknown outcome is reconciled on resume, never recorded as failed."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 10
    max_seconds: float = 300.0
    base: float = 0.1  # first ceiling; each retry doubles it
    cap: float = 10.0

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(retry-1))] (retry counts from 1)."""
        ceiling = min(self.cap, self.base * (2 ** (retry - 1)))
        return (rng or random).uniform(0, ceiling)


@dataclass(frozen=True)
class ReconnectPolicy:
    """A connection lost within a run: the run reconnects and resumes, at most
    `max_reconnects` times in a row without progress. The first reconnect is at once (a
    dropped connection is most often DSQL's connection cap or one node going away), then
    waits grow: base, 2 x base... up to `cap`, with jitter so that runs cut together do not
    come back together."""

    max_reconnects: int = 5
    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds before reconnect `attempt` (from 1)."""
        if attempt <= 1:
            return 0.0
        ceiling = min(self.cap, self.base * (2 ** (attempt - 2)))
        return (rng or random).uniform(ceiling / 2, ceiling)


def with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    on_retry: Callable[[int, float, BaseException], None],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run `attempt` (a whole transaction, rolled back on error) until it commits.

    dsql-facts.md, OCC: retry the whole transaction after rollback, with backoff and jitter.
    """
    started = clock()
    retry = 0
    while True:
        try:
            return attempt()
        except Exception as err:
            if not is_retryable(err) or _connection_broken(err):
                raise
            retry += 1
            delay = policy.delay(retry)
            unavailable = is_unavailable(err)
            gave_up = StillUnavailable if unavailable else RetriesExhausted
            what = "`server unavailable` (XX000)" if unavailable else "a concurrency conflict"
            if retry > policy.max_retries:
                raise gave_up(
                    f"gave up after {policy.max_retries} retries of {what}: {_first_line(err)}",
                    err,
                ) from err
            if clock() - started + delay > policy.max_seconds:
                raise gave_up(
                    f"gave up retrying {what} after {policy.max_seconds:g} s: {_first_line(err)}",
                    err,
                ) from err
            on_retry(retry, delay, err)
            sleep(delay)


def _connection_broken(err: BaseException) -> bool:
    return type(err).__name__ in ("OperationalError", "InterfaceError") and not getattr(
        err, "sqlstate", None
    )


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
