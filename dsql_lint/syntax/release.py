"""Freeing a statement's parse as soon as nothing needs it.

Every sqlglot node points to its parent and the parent to it: a tree is one big reference
cycle, which only the cyclic collector frees, and the linter pauses the collector (it would
rescan every live tree again and again). Cutting the parent links leaves a plain tree, which
reference counting frees the moment its last user lets go: memory then follows the largest
statement, not the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    from dsql_lint.syntax.parse import Parsed


def unlink(tree: exp.Expr, others: Iterable[exp.Expr] = ()) -> None:
    """Cuts the parent link of every node of `tree`, and of `others` (nodes no longer in it),
    none of which may be used as a tree after this (no ancestors, no spans)."""
    for node in tree.walk():
        node.parent = None
    for node in others:
        node.parent = None


def release(parsed: Parsed) -> None:
    """Drops the statement's tree, tokens and span caches; only its text remains."""
    tree = parsed.tree
    if tree is not None:
        unlink(tree)
    parsed.tree = None
    parsed.tokens = []
    parsed._spans = None  # it points back to `parsed`: another cycle
