"""Meta.constraints as Django's PostgreSQL backend writes them (Django 5.2,
`db/models/constraints.py`, `sql/where.py`, `lookups.py`): a CheckConstraint's condition, a
UniqueConstraint with a condition, expressions, INCLUDE or operator classes as a unique
index.

A `Q` is read as Django combines it (`tree.Node.add` folds a child with the same
connector into its parent; keyword lookups come after positional ones, sorted by name) and
written as its WhereNode writes it: a node of several children in parentheses, a negated one
as `NOT (...)`, `bool_field=True` as the bare column. Lookups across relations, functions
other than Lower/Upper and values that are not constants return None: the caller names the
operation as not checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from dsql_lint.orm.pyliterals import constant, keyword, name_of

# Lookup -> the operator after the column, `{}` the value (postgresql/base.py `operators`).
OPERATORS = {
    "exact": "= {}", "gt": "> {}", "gte": ">= {}", "lt": "< {}", "lte": "<= {}",
    "regex": "~ {}", "iregex": "~* {}",
}  # fmt: skip
# Pattern lookups: the LIKE pattern around the value, and whether both sides are UPPER()ed.
PATTERNS = {
    "contains": ("%{}%", False), "icontains": ("%{}%", True),
    "startswith": ("{}%", False), "istartswith": ("{}%", True),
    "endswith": ("%{}", False), "iendswith": ("%{}", True),
}  # fmt: skip
FUNCTIONS = {"Lower": "LOWER", "Upper": "UPPER"}

Columns = dict[str, tuple[str, str]]  # field name -> column and type


@dataclass
class _Node:
    connector: str = "AND"
    negated: bool = False
    children: list[_Node | tuple[str, ast.expr]] = field(default_factory=list)

    def add(self, data: _Node, connector: str) -> None:
        """tree.Node.add: a child with this connector (or a single one) is folded in."""
        if self.connector != connector:
            self.children = [_Node(self.connector, self.negated, self.children), data]
            self.connector = connector
        elif not data.negated and (data.connector == connector or len(data.children) == 1):
            self.children.extend(data.children)
        else:
            self.children.append(data)


def check_sql(condition: ast.expr | None, columns: Columns) -> str | None:
    node = _q(condition) if condition is not None else None
    return None if node is None else _where(node, columns)


def unique_sql(table: str, constraint: ast.Call, columns: Columns) -> str | None:
    """A UniqueConstraint Django writes as CREATE UNIQUE INDEX (a condition, expressions,
    INCLUDE or opclasses), or None when it cannot be written here."""
    if keyword(constraint, "deferrable") is not None:
        return None
    keys = []
    if constraint.args:
        for expression in constraint.args:
            key = _index_key(expression, columns)
            if key is None:
                return None
            keys.append(key)
    else:
        fields = keyword(constraint, "fields")
        names = [str(constant(f)) for f in _items(fields)]
        opclasses = [str(constant(c)) for c in _items(keyword(constraint, "opclasses"))]
        for k, name in enumerate(names):
            column = columns.get(name, (name, ""))[0]
            keys.append(f'"{column}"' + (f" {opclasses[k]}" if k < len(opclasses) else ""))
    sql = f'CREATE UNIQUE INDEX "{constant(keyword(constraint, "name"))}" ON "{table}" '
    sql += f"({', '.join(keys)})"
    include = [
        columns.get(str(constant(f)), (str(constant(f)), ""))[0]
        for f in _items(keyword(constraint, "include"))
    ]
    if include:
        sql += " INCLUDE (" + ", ".join(f'"{c}"' for c in include) + ")"
    if constant(keyword(constraint, "nulls_distinct")) is False:
        sql += " NULLS NOT DISTINCT"
    condition = keyword(constraint, "condition")
    if condition is not None:
        where = check_sql(condition, columns)
        if where is None:
            return None
        sql += f" WHERE {where}"
    return sql


def _items(node: ast.expr | None) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else []


def _q(node: ast.expr) -> _Node | None:
    if isinstance(node, ast.Call) and name_of(node.func) == "Q":
        connector = constant(keyword(node, "_connector")) or "AND"
        q = _Node(str(connector), constant(keyword(node, "_negated")) is True)
        for arg in node.args:
            if isinstance(arg, ast.Tuple) and len(arg.elts) == 2:
                q.children.append((str(constant(arg.elts[0])), arg.elts[1]))
            else:
                inner = _q(arg)
                if inner is None:
                    return None
                q.children.append(inner)
        lookups = [k for k in node.keywords if k.arg and not k.arg.startswith("_")]
        q.children.extend((str(k.arg), k.value) for k in sorted(lookups, key=lambda k: k.arg))
        return q
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        left, right = _q(node.left), _q(node.right)
        if left is None or right is None:
            return None
        connector = "AND" if isinstance(node.op, ast.BitAnd) else "OR"
        if not left.children:
            return right
        if not right.children:
            return left
        out = _Node(connector)
        out.add(left, connector)
        out.add(right, connector)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
        inner = _q(node.operand)
        if inner is None:
            return None
        return _Node(inner.connector, not inner.negated, list(inner.children))
    return None


def _where(node: _Node, columns: Columns) -> str | None:
    parts = []
    for child in _folded(node):
        sql = _where(child, columns) if isinstance(child, _Node) else _lookup(*child, columns)
        if sql is None:
            return None
        parts.append(sql)
    sql = f" {node.connector} ".join(parts)
    if node.negated:
        return f"NOT ({sql})"
    return f"({sql})" if len(parts) > 1 else sql


def _folded(node: _Node) -> list[_Node | tuple[str, ast.expr]]:
    """The children as Query._add_q adds them to the WhereNode: a child node with the same
    connector, or of one child, and not negated, in its parent."""
    out: list[_Node | tuple[str, ast.expr]] = []
    for child in node.children:
        if (
            isinstance(child, _Node)
            and not child.negated
            and (child.connector == node.connector or len(child.children) == 1)
        ):
            out.extend(_folded(child))
        else:
            out.append(child)
    return out


def _lookup(path: str, value: ast.expr, columns: Columns) -> str | None:
    name, _, lookup = path.partition("__")
    lookup = lookup or "exact"
    if name not in columns or "__" in lookup:
        return None
    column, kind = columns[name]
    lhs = f'"{column}"'
    given = constant(value)
    if lookup == "isnull":
        return f"{lhs} IS NULL" if given is True else f"{lhs} IS NOT NULL"
    if lookup == "exact" and given is None and isinstance(value, ast.Constant):
        return f"{lhs} IS NULL"
    if lookup == "exact" and isinstance(given, bool) and kind.upper() == "BOOLEAN":
        return lhs if given else f"NOT {lhs}"
    if lookup == "in":
        values = [_value(v) for v in _items(value)]
        return None if None in values else f"{lhs} IN ({', '.join(map(str, values))})"
    if lookup == "range":
        pair = [_value(v) for v in _items(value)]
        return None if len(pair) != 2 or None in pair else f"{lhs} BETWEEN {pair[0]} AND {pair[1]}"
    if lookup == "iexact":
        rhs = _value(value)
        return None if rhs is None else f"UPPER({lhs}::text) = UPPER({rhs})"
    if lookup in PATTERNS:
        if not isinstance(given, str):
            return None
        pattern, upper = PATTERNS[lookup]
        escaped = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rhs = _string(pattern.format(escaped))
        return f"UPPER({lhs}::text) LIKE UPPER({rhs})" if upper else f"{lhs}::text LIKE {rhs}"
    if lookup in OPERATORS:
        rhs = _value(value)
        return None if rhs is None else f"{lhs} {OPERATORS[lookup].format(rhs)}"
    return None


def _value(node: ast.expr) -> str | None:
    """A lookup's right-hand side: a constant as the driver quotes it, `F("x")` as `("x")`."""
    if isinstance(node, ast.Call) and name_of(node.func) == "F" and len(node.args) == 1:
        return f'("{constant(node.args[0])}")'
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _value(node.operand)
        return None if inner is None else f"-{inner}"
    if not isinstance(node, ast.Constant):
        return None
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    return None


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _index_key(node: ast.expr, columns: Columns) -> str | None:
    """An expression of a UniqueConstraint: `F("x")` the column, a function in parentheses,
    `.desc()`/`.asc()` after it."""
    order = ""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("desc", "asc")
    ):
        order = " DESC" if node.func.attr == "desc" else ""
        node = node.func.value
    if not isinstance(node, ast.Call) or len(node.args) != 1:
        return None
    kind = name_of(node.func)
    argument = node.args[0]
    if kind == "F":
        name = str(constant(argument))
        return f'"{columns.get(name, (name, ""))[0]}"{order}'
    if kind in FUNCTIONS:
        inner = constant(argument)
        if isinstance(argument, ast.Call) and name_of(argument.func) == "F":
            inner = constant(argument.args[0]) if argument.args else None
        if not isinstance(inner, str):
            return None
        return f'({FUNCTIONS[kind]}("{columns.get(inner, (inner, ""))[0]}")){order}'
    return None
