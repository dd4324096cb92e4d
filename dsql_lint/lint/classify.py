"""What kind of statement this is, as DSQL's transaction rules see it."""

from __future__ import annotations

from sqlglot import exp

from dsql_lint.engine.matchers import first_word

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


def class_of_keyword(text: str) -> str:
    return _BY_KEYWORD.get(first_word(text.lstrip("( \t\r\n")), OTHER)


def class_of_tree(tree: exp.Expr | None, text: str) -> str:
    if tree is None or isinstance(tree, exp.Command):
        return class_of_keyword(text)
    for node_type, kind in _BY_NODE:
        if isinstance(tree, node_type):
            return kind
    return class_of_keyword(text)


def statement_class(parsed: object) -> str:
    """Class of a parsed statement (`dsql_lint.syntax.parse.Parsed`): ddl, dml, tx, query, ..."""
    from dsql_lint.syntax.split import Kind

    statement = parsed.statement  # type: ignore[attr-defined]
    if statement.kind is Kind.META:
        return META
    if statement.kind is Kind.COPY_DATA:
        return DML
    return class_of_tree(parsed.tree, statement.body)  # type: ignore[attr-defined]
