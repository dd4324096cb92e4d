"""The cyclic garbage collector's policy, set once where a command starts.

A command is a short-lived process whose objects (tokens, trees, findings) mostly live until
its report is done: the collector, triggered by the allocations, would only scan them again
and again (it halves the time of a large file, and the report costs as much again). It is off
for the whole command; `fix` collects once per pass, for the trees of the pass before.
"""

from __future__ import annotations

import gc

import click


def start(ctx: click.Context) -> None:
    """The collector off until the command's context closes (a test runs many commands in
    one process)."""
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)


def end_process() -> None:
    """Before the process exits: by now the trees are garbage cycles, and the collection at
    interpreter exit would walk them all (over a second on a large input) only to free memory
    the OS takes back anyway."""
    gc.freeze()
