"""The fixers of the active rules: each rule's `fixer:` block, validated, as an Action."""

from __future__ import annotations

from collections.abc import Iterable

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.fix.actions import ACTIONS, Action, FixerError

# Importing the modules registers their actions.
from dsql_lint.fix import (  # noqa: F401  isort: skip
    addcolumn,
    clauses,
    columns,
    constraints,
    index_keys,
    moves,
    sequences,
    transactions,
)


def fixer_for(rule: Rule) -> Action | None:
    if not rule.fixer:
        return None
    name = rule.fixer.get("action")
    if name not in ACTIONS:
        known = ", ".join(sorted(ACTIONS))
        raise FixerError(
            f"{rule.code} fixer: unknown action {name!r}; known: {known}", *rule.origin
        )
    # `check` and `rules` show the rule's `fix:`; the fixer must not quietly disagree with it.
    if rule.fix is FixAvailability.NONE:
        raise FixerError(
            f"{rule.code} has a fixer, so it needs `fix: safe` or `fix: unsafe`", *rule.origin
        )
    action = ACTIONS[name](rule, rule.fixer)
    if action.safety is not rule.fix:
        raise action.error(
            f"`safety: {action.safety.value}` contradicts the rule's `fix: {rule.fix.value}`"
        )
    return action


def load_fixers(rules: Iterable[Rule]) -> dict[str, Action]:
    """Rule code -> its fix action, for the rules that have one."""
    out = {}
    for rule in rules:
        action = fixer_for(rule)
        if action is not None:
            out[rule.code] = action
    return out
