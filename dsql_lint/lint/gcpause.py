"""Pausing Python's cyclic garbage collector while building objects that need none of it.

Linting allocates statements and findings that live until the report is done, and a tree per
statement that is freed by reference counting once its parent links are cut (see
syntax/release.py): the collector, triggered by the allocations, would only scan them again
and again (it halves the time of a large file). Paused, it runs again afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """The collector off for the block (and left off if it already was)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
