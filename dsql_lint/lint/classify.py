"""What kind of statement this is, as DSQL's transaction rules see it: the one classification
that check (DSQL401/402), fix (splitting transactions) and apply (its plan) read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from sqlglot import exp

from dsql_lint.engine.matchers import code_only, first_word
from dsql_lint.syntax.split import Kind, TxControl

DDL = "ddl"
DML = "dml"
TX = "tx"
QUERY = "query"
SESSION = "session"
OTHER = "other"
META = "meta"

_BY_NODE: tuple[tuple[type[exp.Expr], str], ...] = (
    (exp.Create, DDL),
    (exp.Drop, DDL),
    (exp.Alter, DDL),
    (exp.Comment, DDL),
    (exp.Insert, DML),
    (exp.Update, DML),
    (exp.Delete, DML),
    (exp.Merge, DML),
    (exp.TruncateTable, DML),
    (exp.Copy, DML),
    (exp.Transaction, TX),
    (exp.Commit, TX),
    (exp.Rollback, TX),
    (exp.Set, SESSION),
    (exp.Query, QUERY),
)

# Leading keyword of statements sqlglot keeps as raw commands (or could not parse).
_BY_KEYWORD: dict[str, str] = {
    "CREATE": DDL,
    "ALTER": DDL,
    "DROP": DDL,
    "COMMENT": DDL,
    "INSERT": DML,
    "UPDATE": DML,
    "DELETE": DML,
    "MERGE": DML,
    "TRUNCATE": DML,
    "COPY": DML,
    "BEGIN": TX,
    "START": TX,
    "COMMIT": TX,
    "END": TX,
    "ROLLBACK": TX,
    "ABORT": TX,
    "SET": SESSION,
    "RESET": SESSION,
    "SELECT": QUERY,
    "WITH": QUERY,
    "VALUES": QUERY,
    "CALL": QUERY,
    "SHOW": QUERY,
    "EXPLAIN": QUERY,
}

# Words between the verb and the object kind of a DDL statement: CREATE OR REPLACE UNIQUE
# INDEX, CREATE TEMP TABLE, DROP MATERIALIZED VIEW, COMMENT ON COLUMN...
_DDL_HEAD = re.compile(
    r"\s*(?:CREATE|ALTER|DROP|COMMENT\s+ON)\s+"
    r"(?:(?:OR\s+REPLACE|UNIQUE|GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED|MATERIALIZED|TRUSTED"
    r"|PROCEDURAL|DEFAULT)\s+)*(?P<object>[A-Z]+(?:\s+(?:TABLE|CLASS|FAMILY|WRAPPER"
    r"|METHOD|SEARCH\s+[A-Z]+|DATA\s+WRAPPER))?)",
    re.IGNORECASE,
)


class StatementClass(NamedTuple):
    kind: str  # DDL, DML, QUERY, TX, SESSION, META or OTHER
    object: str | None = None  # for DDL, what it creates, alters or drops: TABLE, INDEX...
    control: TxControl | None = None  # for TX: what it does to the transaction


def class_of_keyword(text: str) -> str:
    return _BY_KEYWORD.get(first_word(text.lstrip("( \t\r\n")), OTHER)


def class_of_tree(tree: exp.Expr | None, text: str) -> str:
    if tree is None or isinstance(tree, exp.Command):
        return class_of_keyword(text)
    for node_type, kind in _BY_NODE:
        if isinstance(tree, node_type):
            return kind
    return class_of_keyword(text)


def classify(parsed: object) -> StatementClass:
    """The class of a parsed statement (`dsql_lint.syntax.parse.Parsed`)."""
    statement = parsed.statement  # type: ignore[attr-defined]
    if statement.kind is Kind.META:
        return StatementClass(META)
    if statement.kind is Kind.COPY_DATA:
        return StatementClass(DML)
    tree = parsed.tree  # type: ignore[attr-defined]
    kind = class_of_tree(tree, statement.body)
    if kind == DDL:
        return StatementClass(DDL, _object_of(tree, statement.body))
    if kind == TX:
        return StatementClass(TX, control=_control_of(statement))
    return StatementClass(kind)


def statement_class(parsed: object) -> str:
    """The kind alone (see `classify`): ddl, dml, tx, query..."""
    return classify(parsed).kind


def _object_of(tree: exp.Expr | None, text: str) -> str | None:
    if isinstance(tree, exp.Create | exp.Drop | exp.Alter | exp.Comment):
        kind = tree.args.get("kind")
        if isinstance(kind, str) and kind:
            return kind.upper()
    head = _DDL_HEAD.match(code_only(text))
    return " ".join(head.group("object").upper().split()) if head else None


def _control_of(statement: object) -> TxControl:
    written = statement.tx_control  # type: ignore[attr-defined]
    if written is not None:
        return written
    word = first_word(statement.body.lstrip("( \t\r\n"))  # type: ignore[attr-defined]
    if word in ("BEGIN", "START"):
        return TxControl.BEGIN
    return TxControl.ROLLBACK if word in ("ROLLBACK", "ABORT") else TxControl.COMMIT


# --- the shape of a transaction ----------------------------------------------------------


def over_limit(kinds: Sequence[str], kind: str, limit: int) -> list[tuple[int, int]]:
    """(index, count) of every statement of class `kind` past the first `limit` of them."""
    out: list[tuple[int, int]] = []
    seen = 0
    for index, each in enumerate(kinds):
        if each == kind:
            seen += 1
            if seen > limit:
                out.append((index, seen))
    return out


def mixed(kinds: Sequence[str], exclusive: Sequence[str]) -> tuple[int, str, str] | None:
    """The first statement whose class, one of `exclusive`, differs from the first such class
    in the block: (index, first class, its class); None when the block keeps to one."""
    first: str | None = None
    for index, kind in enumerate(kinds):
        if kind not in exclusive:
            continue
        if first is None:
            first = kind
        elif kind != first:
            return index, first, kind
    return None


def savepoint_scopes(texts: Sequence[str]) -> set[int]:
    """Indexes of the statements of a transaction (their texts, in order) that a split must
    not go before: those after a SAVEPOINT up to its last ROLLBACK TO or RELEASE. A COMMIT
    there would end the savepoint, and ROLLBACK TO would find none."""
    opened: dict[str, int] = {}
    scoped: set[int] = set()
    for k, text in enumerate(texts):
        words = [w.strip('";').lower() for w in text.split()[:4]]
        if len(words) >= 2 and words[0] == "savepoint":
            opened.setdefault(words[1], k)
            continue
        if words[:2] == ["rollback", "to"] or words[:1] == ["release"]:
            rest = [w for w in words[1:] if w not in ("to", "savepoint")]
            if rest and rest[0] in opened:
                scoped.update(range(opened[rest[0]] + 1, k + 1))
    return scoped
