"""Addressing a node of a statement's tree by its path from the root, so that a finding can
be rebuilt in another process or after the tree was dropped (the statement parses the same
way again)."""

from __future__ import annotations

from sqlglot import exp

# (arg key, index in that arg's list or None) for each step down from the root.
NodePath = tuple[tuple[str, int | None], ...]


def node_path(node: exp.Expr) -> NodePath:
    steps: list[tuple[str, int | None]] = []
    current = node
    while current.parent is not None:
        key = current.arg_key
        value = current.parent.args.get(key)
        index = current.index if isinstance(value, list) else None
        steps.append((key, index))
        current = current.parent
    return tuple(reversed(steps))


def node_at(root: exp.Expr, path: NodePath) -> exp.Expr | None:
    node: exp.Expr = root
    for key, index in path:
        value = node.args.get(key)
        if index is not None:
            value = value[index] if isinstance(value, list) and index < len(value) else None
        if not isinstance(value, exp.Expr):
            return None
        node = value
    return node
