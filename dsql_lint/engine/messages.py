"""Message templates: `{column}`, `{subject}` (`Column `c`` or `Domain `d``), `{type}`,
`{table}`... filled from the matched node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from dsql_lint.syntax import domains


def _ancestor_or_self(node: exp.Expr, kind: type[exp.Expr]) -> exp.Expr | None:
    current: exp.Expr | None = node
    while current is not None and not isinstance(current, kind):
        current = current.parent
    return current


def _column(node: exp.Expr) -> str:
    found = _ancestor_or_self(node, exp.ColumnDef) or _ancestor_or_self(node, exp.AlterColumn)
    return found.name if found is not None else node.name


def _subject(node: exp.Expr) -> str:
    """What has the type `node` is: a column, or a domain (which columns take)."""
    if domains.is_domain_type(node):
        return f"Domain `{node.parent.this.name}`"
    return f"Column `{_column(node)}`"


def _table(node: exp.Expr) -> str:
    table = node.root().find(exp.Table)
    return ".".join(part.name for part in table.parts) if table is not None else ""


class TemplateVars(dict):
    """Computes a variable only when the template asks for it."""

    def __init__(self, getters: dict[str, Callable[[], Any]]) -> None:
        super().__init__()
        self._getters = getters

    def __missing__(self, key: str) -> Any:
        getter = self._getters.get(key)
        if getter is None:
            return "{" + key + "}"
        value = getter()
        self[key] = value
        return value


MAX_TEXT = 60


def short(text: str) -> str:
    """Source text fit for a one-line message: whitespace folded, long text cut."""
    folded = " ".join(text.split())
    return folded if len(folded) <= MAX_TEXT else folded[: MAX_TEXT - 3] + "..."


def node_vars(node: exp.Expr, text: Callable[[], str]) -> TemplateVars:
    return TemplateVars(
        {
            "text": lambda: short(text()),
            "name": lambda: node.name,
            "column": lambda: _column(node),
            "subject": lambda: _subject(node),
            "table": lambda: _table(node),
            "type": lambda: text().upper(),
            "kind": lambda: str(node.args.get("kind") or "").upper(),
        }
    )


def render(template: str, variables: dict[str, Any]) -> str:
    if "{" not in template:
        return template
    return template.format_map(variables)
