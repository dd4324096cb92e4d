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
from dsql_lint.syntax.grammar import COLUMN_CONSTRAINT_WORDS, CONSTRAINT_ATTRIBUTE_WORDS

if TYPE_CHECKING:
    from dsql_lint.syntax.parse import Parsed

_L_PAREN = TokenType.L_PAREN
_COMMA = TokenType.COMMA
# A column's type ends at the first word of a constraint or constraint attribute, as tokens
# other than quoted names read them (`PRIMARY KEY` is one token, `primary` alone a word).
_TYPE_ENDS = frozenset(
    word
    for phrase in COLUMN_CONSTRAINT_WORDS + CONSTRAINT_ATTRIBUTE_WORDS
    for word in (phrase, phrase.split()[0])
)
_NAMES = frozenset({TokenType.IDENTIFIER, TokenType.STRING})


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
        if isinstance(parent, exp.ColumnDef) and member is parent.args.get("kind"):
            return self._column_type(parent, member)
        return False

    def _column_type(self, column: exp.ColumnDef, kind: exp.Expr) -> bool:
        """A column's type: from after its name up to its first constraint, which starts
        with one of a few words that no type has (PostgreSQL's ColQualList)."""
        found = self._range(column)
        name = self._core(column.this) if column.this is not None else None
        if found is None or name is None or name[0] != found[0]:
            return False
        keys, partner = self.keys, self.partner
        start = k = name[1] + 1
        while k <= found[1] and not (keys[k][1] in _TYPE_ENDS and keys[k][2] not in _NAMES):
            k = partner[k] + 1 if partner[k] > k else k + 1
        constraints = column.args.get("constraints") or []
        first = self._core(constraints[0]) if constraints else None
        if k - 1 < start or (k <= found[1]) != bool(constraints) or (first and first[0] < k):
            return False
        inner = self._core(kind)
        if inner and not start <= inner[0] <= inner[1] < k:
            return False
        self.ranges[id(kind)] = (kind, (start, k - 1))
        STATS["layout: column type"] += 1
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
        pieces: list[Range] = []
        start = k = opener + 1
        closer = partner[opener]
        while k < closer:
            if keys[k][2] is _COMMA:
                pieces.append((start, k - 1))
                start = k + 1
                k += 1
            else:
                k = partner[k] + 1 if partner[k] > k else k + 1
        pieces.append((start, closer - 1))
        if len(pieces) != len(members):
            return False
        for piece, element in zip(pieces, members, strict=True):
            inner = self._core(element)
            if piece[1] < piece[0] or (inner and not piece[0] <= inner[0] <= inner[1] <= piece[1]):
                return False
        for piece, element in zip(pieces, members, strict=True):
            self.ranges[id(element)] = (element, piece)
        STATS["layout: table elements"] += len(members)
        return self._cached(member) is not MISSING


def _print_stats() -> None:
    counts = ", ".join(f"{name} {n}" for name, n in sorted(STATS.items())) or "none"
    print(f"dsql-lint spans (pid {os.getpid()}): {counts}", file=sys.stderr)


if "spans" in os.environ.get("DSQL_LINT_DEBUG", "").split(","):
    atexit.register(_print_stats)
