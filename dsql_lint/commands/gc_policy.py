"""The cyclic garbage collector's policy, set once where a command starts.

A command is a short-lived process whose objects (tokens, trees, findings) mostly live until
its report is done: the collector, triggered by the allocations, would only scan them again
and again (it halves the time of a large file, and the report costs as much again). It is off
for the whole command; `fix` frees the trees of the pass before itself
(`lint.reparse.ParseCache.release_unused`).
"""

from __future__ import annotations

import gc

import click

# The click context object of a run whose process ends with the command (`cli.main`). Carried
# by the context, not a global: a test process runs the entry point and CliRunner alike.
PROCESS_ENDS = object()


def start(ctx: click.Context) -> None:
    """The collector off until the command's context closes; then back on, unless the process
    ends with the command: the heap is then frozen and the collector left off. By then the
    trees are garbage cycles: turned back on, the collector would walk them all at its next
    run, and so would the collection at interpreter exit (over a second on a large input),
    only to free memory the OS takes back anyway."""
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.freeze if ctx.obj is PROCESS_ENDS else gc.enable)
