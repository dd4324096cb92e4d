"""Freeing a statement's parse as soon as nothing needs it.

Every sqlglot node points to its parent and the parent to it: a tree is one big reference
cycle, which only the cyclic collector frees, and the linter pauses the collector (it would
rescan every live tree again and again). Cutting the parent links leaves a plain tree, which
reference counting frees the moment its last user lets go: memory then follows the largest
statement, not the file.
"""

from __future__ import annotations

from sqlglot import exp

from dsql_lint.syntax.parse import Parsed


def unlink(tree: exp.Expr) -> None:
    """Cuts every parent link of `tree`, which must not be used as a tree after this (no
    node has a parent: spans and ancestors are gone)."""
    for node in tree.walk():
        node.parent = None


def release(parsed: Parsed) -> None:
    """Drops the statement's tree, tokens and span caches; only its text remains."""
    tree = parsed.tree
    if tree is not None:
        unlink(tree)
    parsed.tree = None
    parsed.tokens = []
    parsed._spans = None  # it points back to `parsed`: another cycle
