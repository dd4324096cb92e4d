"""Ctrl-C during a COPY batch: the batch is cancelled on the server and the run stops at once.

A KeyboardInterrupt raised inside psycopg while a COPY is streaming leaves the connection busy,
so the transaction's rollback fails ("another command is already in progress") and psycopg
prints a warning. Here SIGINT only asks the server to cancel the statement (a request on a
connection of its own); the COPY then fails as any server error does, the transaction rolls
back cleanly, and the interrupt is raised once the transaction is over. The ledger row is
written in the batch's transaction, so it counts exactly the batches that committed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any


@contextlib.contextmanager
def cancelling_on_interrupt(conn: Any) -> Iterator[None]:
    """Within the block, SIGINT cancels `conn`'s statement; KeyboardInterrupt follows it."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous in (
        signal.SIG_IGN,
        None,
    ):
        yield  # signals reach only the main thread; an ignored SIGINT stays ignored
        return
    interrupted = False

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted
        if interrupted:  # a second Ctrl-C: stop waiting for the server
            raise KeyboardInterrupt
        interrupted = True
        with contextlib.suppress(Exception):  # the statement may have ended meanwhile
            conn.cancel_safe(timeout=5.0)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    except Exception:
        if not interrupted:
            raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt
