"""The fixers of the active rules: each rule's `fixer:` block, validated, as an Action."""

from __future__ import annotations

from collections.abc import Iterable

from dsql_lint.engine.model import Rule
from dsql_lint.fix.actions import ACTIONS, Action, FixerError

# Importing the modules registers their actions.
from dsql_lint.fix import (  # noqa: F401  isort: skip
    addcolumn,
    clauses,
    columns,
    constraints,
    moves,
    sequences,
    transactions,
)


def fixer_for(rule: Rule) -> Action | None:
    if not rule.fixer:
        return None
    name = rule.fixer.get("action")
    if name not in ACTIONS:
        path, _, line = rule.origin.rpartition(":")
        known = ", ".join(sorted(ACTIONS))
        raise FixerError(
            f"{rule.code} fixer: unknown action {name!r}; known: {known}", path, int(line)
        )
    return ACTIONS[name](rule, rule.fixer)


def load_fixers(rules: Iterable[Rule]) -> dict[str, Action]:
    """Rule code -> its fix action, for the rules that have one."""
    out = {}
    for rule in rules:
        action = fixer_for(rule)
        if action is not None:
            out[rule.code] = action
    return out
