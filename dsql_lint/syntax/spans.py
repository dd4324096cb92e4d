"""Where a node of a statement's tree is written: exact character spans.

INTERFACE (re-exported by parse.py):
    node_span(parsed, node) -> (start, end)   absolute character offsets, end exclusive
    head_span(parsed, node) -> (start, end)   the node's leading keywords (CREATE INDEX ASYNC)

sqlglot records positions only on some leaves (identifiers, literals, function names). The
nodes rules report on are placed first by PostgreSQL's grammar, from those positioned leaves:
a table's elements by the commas of their list, a column's type up to its first constraint,
an index's parameters after its table, ... (the layouts below). Any other node is placed by
the general regenerate-and-align algorithm (`align.py`), counted in `align.STATS`: run with
`DSQL_LINT_DEBUG=spans` to see how often (printed to stderr at exit, this process's share).
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.tokens import TokenType

from dsql_lint.syntax.align import MISSING, STATS, Aligner, Range
from dsql_lint.syntax.grammar import (
    COLUMN_CONSTRAINT_WORDS,
    COLUMN_OPTION_WORDS,
    CONSTRAINT_ATTRIBUTE_WORDS,
    CONSTRAINT_CONTINUES_AFTER,
)
from dsql_lint.syntax.pgforms import MODE_AFTER_NAME

if TYPE_CHECKING:
    from dsql_lint.syntax.parse import Parsed

_L_PAREN = TokenType.L_PAREN
_COMMA = TokenType.COMMA
# A column's type ends at the first word of a constraint or constraint attribute, as tokens
# other than quoted names read them (`PRIMARY KEY` is one token, `primary` alone a word).
_TYPE_ENDS = frozenset(
    word
    for phrase in COLUMN_CONSTRAINT_WORDS + CONSTRAINT_ATTRIBUTE_WORDS + COLUMN_OPTION_WORDS
    for word in (phrase, phrase.split()[0])
)
_NAMES = frozenset({TokenType.IDENTIFIER, TokenType.STRING})
_CONSTRAINT_STARTS = _TYPE_ENDS - frozenset(CONSTRAINT_ATTRIBUTE_WORDS + COLUMN_OPTION_WORDS)
_BEFORE_NULL_OR_DEFAULT = frozenset(CONSTRAINT_CONTINUES_AFTER)
_STAR = TokenType.STAR
# ALTER TABLE actions spanning their whole piece of the list (an added column does not).
_WHOLE_ACTIONS = (exp.AddConstraint, exp.AlterColumn, exp.Drop)
# What follows ADD or CONSTRAINT name: a (named) table constraint.
_CONSTRAINTS = (
    exp.Constraint,
    exp.ForeignKey,
    exp.PrimaryKey,
    exp.UniqueColumnConstraint,
    exp.CheckColumnConstraint,
)


def node_span(parsed: Parsed, node: exp.Expr) -> tuple[int, int]:
    """Exact [start, end) character span of `node` in the source; the statement's span for a
    node outside `parsed.tree`."""
    return _spans_of(parsed, node, head=False)


def head_span(parsed: Parsed, node: exp.Expr) -> tuple[int, int]:
    """Span of the node's leading keywords, before its first child (properties like UNLOGGED
    count as keywords): e.g. `CREATE UNIQUE INDEX ASYNC IF NOT EXISTS` of a CREATE INDEX,
    `ALTER TABLE ASYNC` of an ALTER TABLE. The whole node's span when it starts with a
    child."""
    return _spans_of(parsed, node, head=True)


def _spans_of(parsed: Parsed, node: exp.Expr, *, head: bool) -> tuple[int, int]:
    try:
        if parsed._spans is None:
            parsed._spans = Spans(parsed)
        return parsed._spans.head(node) if head else parsed._spans.span(node)
    except Exception:  # noqa: BLE001 - a diagnostic at the statement beats a crash
        return parsed.statement.start, parsed.statement.end


class Spans(Aligner):
    """The spans of one statement: grammar layouts first, the aligner where none applies.

    A layout answers only when sure (the positioned leaves under each part fall inside it),
    and tests check that it always agrees with the aligner (`layouts = False`)."""

    def _layout(self, parent: exp.Expr | None, member: exp.Expr) -> bool:
        """Whether a layout placed `member` (and maybe its siblings)."""
        if isinstance(parent, exp.Schema):
            return self._table_elements(parent, member)
        if isinstance(parent, exp.Index):
            return self._index_parameters(parent, member)
        if isinstance(parent, exp.ColumnDef):
            if member is parent.args.get("kind"):
                return self._column_type(parent, member)
            return self._column_constraints(parent, member)
        if isinstance(parent, exp.Alter):
            return self._alter_actions(parent, member)
        if isinstance(parent, (exp.AddConstraint, exp.Constraint)):
            return self._constraint_body(parent, member)
        if isinstance(parent, exp.ColumnConstraint):
            return self._constraint_kind(parent, member)
        return False

    def _type_end(self, column: exp.ColumnDef) -> tuple[Range, int, int] | None:
        """The column's range, and where its type starts and ends (exclusive): from after
        its name up to its first constraint, which starts with one of a few words that no
        type has (PostgreSQL's ColQualList)."""
        found = self._range(column)
        name = self._core(column.this) if column.this is not None else None
        if found is None or name is None or name[0] != found[0]:
            return None
        if column.args.get("position") is not None:  # MySQL's AFTER c / FIRST: no layout
            return None
        keys, partner = self.keys, self.partner
        # A routine's `a VARIADIC int[]`: the mode between the name and the type (pgforms).
        start = k = name[1] + (2 if column.args.get(MODE_AFTER_NAME) else 1)
        while k <= found[1] and not (keys[k][1] in _TYPE_ENDS and keys[k][2] not in _NAMES):
            k = partner[k] + 1 if partner[k] > k else k + 1
        constraints = column.args.get("constraints") or []
        first = self._core(constraints[0]) if constraints else None
        if k - 1 < start or (k <= found[1]) != bool(constraints) or (first and first[0] < k):
            return None
        return found, start, k

    def _column_type(self, column: exp.ColumnDef, kind: exp.Expr) -> bool:
        bounds = self._type_end(column)
        if bounds is None:
            return False
        _, start, stop = bounds
        if not self._holds((start, stop - 1), kind):
            return False
        self.ranges[id(kind)] = (kind, (start, stop - 1))
        STATS["layout: column type"] += 1
        return True

    def _column_constraints(self, column: exp.ColumnDef, member: exp.Expr) -> bool:
        """A column's constraints, each from the word that starts it (or its `CONSTRAINT
        name`) to the next one. Constraint attributes (DEFERRABLE...) say no."""
        constraints = column.args.get("constraints") or []
        if not any(c is member for c in constraints):
            return False
        bounds = self._type_end(column)
        if bounds is None:
            return False
        found, _, k = bounds
        keys, partner = self.keys, self.partner
        starts: list[int] = []
        while k <= found[1]:
            word = keys[k][1] if keys[k][2] not in _NAMES else None
            if word in CONSTRAINT_ATTRIBUTE_WORDS:
                return False
            if word in _CONSTRAINT_STARTS and self._starts_constraint(k, word):
                starts.append(k)
            k = partner[k] + 1 if partner[k] > k else k + 1
        pieces: list[Range] = []
        named: int | None = None
        for n, start in enumerate(starts):
            end = starts[n + 1] - 1 if n + 1 < len(starts) else found[1]
            if keys[start][1] == "CONSTRAINT" and named is None:
                named = start
                continue
            pieces.append((start if named is None else named, end))
            named = None
        if named is not None or not self._fits(pieces, constraints):
            return False
        STATS["layout: column constraints"] += len(pieces)
        return True

    def _starts_constraint(self, k: int, word: str) -> bool:
        """Whether the constraint word at `k` starts a constraint: not NULL or DEFAULT after
        ON DELETE SET, DEFAULT, NOT or GENERATED BY; NOT only before NULL."""
        keys = self.keys
        if word in ("NULL", "DEFAULT"):
            return keys[k - 1][1] not in _BEFORE_NULL_OR_DEFAULT
        if word == "NOT":
            return k + 1 < len(keys) and keys[k + 1][1] == "NULL"
        return True

    def _alter_actions(self, alter: exp.Alter, member: exp.Expr) -> bool:
        """ALTER TABLE's actions, by the commas of their list after the table's name. An
        added column starts after `ADD [COLUMN]`; actions of other kinds than those known
        here are left to the aligner."""
        actions = alter.args.get("actions") or []
        table = alter.this
        if alter is not self.parsed.tree or alter.args.get("kind") != "TABLE" or not actions:
            return False
        core = self._core(table) if table is not None else None
        if core is None:
            return False
        keys = self.keys
        start = core[1] + 1
        if start < len(keys) and keys[start][2] is _STAR:
            start += 1
        end = len(keys) - 1
        if alter.args.get("not_valid"):  # the statement's, not its last action's
            if end < 2 or (keys[end - 1][1], keys[end][1]) != ("NOT", "VALID"):
                return False
            end -= 2
        pieces = self._commas(start, end)
        if len(pieces) != len(actions):
            return False
        known: list[tuple[Range, exp.Expr]] = []
        for (first, last), action in zip(pieces, actions, strict=True):
            if isinstance(action, exp.ColumnDef):
                for word in ("ADD", "COLUMN"):
                    if first <= last and keys[first][1] == word:
                        first += 1
            elif not isinstance(action, _WHOLE_ACTIONS):
                continue
            if last < first or not self._holds((first, last), action):
                return False
            known.append(((first, last), action))
        for piece, action in known:
            self.ranges[id(action)] = (action, piece)
        STATS["layout: alter actions"] += len(known)
        return self._cached(member) is not MISSING

    def _constraint_body(self, parent: exp.Expr, member: exp.Expr) -> bool:
        """What follows `ADD` in ADD CONSTRAINT, or `CONSTRAINT name` in a named
        constraint: the rest of the parent."""
        body = parent.expressions
        if len(body) != 1 or body[0] is not member or not isinstance(member, _CONSTRAINTS):
            return False
        found = self._range(parent)
        if found is None:
            return False
        keys = self.keys
        start = found[0]
        if isinstance(parent, exp.AddConstraint):
            if keys[start][1] != "ADD":
                return False
            start += 1
        else:
            name = self._core(parent.this) if parent.this is not None else None
            if keys[start][1] != "CONSTRAINT" or name is None or name != (start + 1, start + 1):
                return False
            start += 2
        return self._claim(member, start, found[1], "constraint body")

    def _claim(self, member: exp.Expr, start: int, end: int, layout: str) -> bool:
        """`member` spans tokens start..end, when the range holds it."""
        if start > end or not self._holds((start, end), member):
            return False
        self.ranges[id(member)] = (member, (start, end))
        STATS[f"layout: {layout}"] += 1
        return True

    def _constraint_kind(self, constraint: exp.ColumnConstraint, member: exp.Expr) -> bool:
        """What a column constraint says (NOT NULL, DEFAULT e, REFERENCES t ...): all of it
        after its `CONSTRAINT name`, if it has one."""
        if member is not constraint.args.get("kind"):
            return False
        found = self._range(constraint)
        if found is None:
            return False
        start = found[0]
        if constraint.this is not None:
            name = self._core(constraint.this)
            if self.keys[start][1] != "CONSTRAINT" or name != (start + 1, start + 1):
                return False
            start += 2
        return self._claim(member, start, found[1], "constraint kind")

    def _commas(self, start: int, end: int) -> list[Range]:
        """[start, end] split at its top-level commas."""
        keys, partner = self.keys, self.partner
        pieces: list[Range] = []
        k = start
        while k <= end:
            if keys[k][2] is _COMMA:
                pieces.append((start, k - 1))
                start = k + 1
                k += 1
            else:
                k = partner[k] + 1 if partner[k] > k else k + 1
        pieces.append((start, end))
        return pieces

    def _holds(self, piece: Range, node: exp.Expr) -> bool:
        """Whether the node's positioned leaves all lie in `piece`."""
        inner = self._core(node)
        return not inner or piece[0] <= inner[0] <= inner[1] <= piece[1]

    def _fits(self, pieces: list[Range], nodes: list[exp.Expr]) -> bool:
        """Places the nodes at the pieces, one each in order, if each holds its node."""
        if len(pieces) != len(nodes):
            return False
        if not all(p[0] <= p[1] and self._holds(p, n) for p, n in zip(pieces, nodes, strict=True)):
            return False
        for piece, node in zip(pieces, nodes, strict=True):
            self.ranges[id(node)] = (node, piece)
        return True

    def _index_parameters(self, index: exp.Index, member: exp.Expr) -> bool:
        """CREATE INDEX's parameters: everything after the table's name, to the end."""
        root = self.parsed.tree
        table = index.args.get("table")
        if member is not index.args.get("params") or root is None or root.this is not index:
            return False
        core = self._core(table) if table is not None else None
        if core is None or not isinstance(root, exp.Create) or root.kind != "INDEX":
            return False
        start, end = core[1] + 1, len(self.tokens) - 1
        inner = self._core(member)
        if start > end or (inner and not start <= inner[0] <= inner[1] <= end):
            return False
        self.ranges[id(member)] = (member, (start, end))
        STATS["layout: index parameters"] += 1
        return True

    def _table_elements(self, schema: exp.Schema, member: exp.Expr) -> bool:
        """A table's elements, by the commas of their list: the grammar puts none at the top
        level of an element. Unsure cases (another count, a positioned leaf outside its piece)
        say no."""
        members = schema.expressions
        table = schema.this
        core = self._core(table) if table is not None else None
        if not members or core is None:
            return False
        keys, partner = self.keys, self.partner
        opener = core[1] + 1
        if opener >= len(keys) or keys[opener][2] is not _L_PAREN or partner[opener] < opener:
            return False
        if not self._fits(self._commas(opener + 1, partner[opener] - 1), members):
            return False
        STATS["layout: table elements"] += len(members)
        return self._cached(member) is not MISSING


def _print_stats() -> None:
    counts = ", ".join(f"{name} {n}" for name, n in sorted(STATS.items())) or "none"
    print(f"dsql-lint spans (pid {os.getpid()}): {counts}", file=sys.stderr)


if "spans" in os.environ.get("DSQL_LINT_DEBUG", "").split(","):
    atexit.register(_print_stats)
