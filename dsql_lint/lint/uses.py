"""What a statement names, in the form a later decision reads it without the tree.

A fix that changes a column's type is judged once the run is linted, on the statements after
the column's (fix/dependents.py), when `check` has freed their trees. `Uses` keeps, from the
tree while it lives, what that judgement reads of every statement: the tables and columns it
names, the table it defines or alters, its primary key, its references. A statement that
names the changed table is parsed again only when it uses the column in a way only its tree
can tell (an expression, a row written, a key added).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp


def folded(node: exp.Expr | None) -> str | None:
    """An identifier's name as PostgreSQL folds it; None for anything else."""
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    return None


def table_name(table: exp.Expr | None) -> str | None:
    return folded(table.this) if isinstance(table, exp.Table) else None


def owner(tree: exp.Expr) -> str | None:
    """The table a CREATE TABLE or ALTER TABLE statement defines or alters."""
    if isinstance(tree, exp.Create) and tree.kind == "TABLE":
        return table_name(tree.this.this if isinstance(tree.this, exp.Schema) else tree.this)
    if isinstance(tree, exp.Alter):
        return table_name(tree.this)
    return None


# The keys and constraints a statement declares over a list of columns, as a note names each.
KEYS: dict[type[exp.Expr], str] = {
    exp.PrimaryKey: "a primary key",
    exp.UniqueColumnConstraint: "a unique constraint",
    exp.ForeignKey: "a foreign key",
    exp.ExcludeColumnConstraint: "an exclusion constraint",
}


def key_columns(key: exp.Expr) -> list[str | None]:
    """The columns a key of KEYS lists, by name (`tags`, `tags DESC`, `tags WITH =`)."""
    if isinstance(key, exp.PrimaryKey | exp.ForeignKey):
        names = key.expressions
    elif isinstance(key, exp.UniqueColumnConstraint):
        names = key.this.expressions if isinstance(key.this, exp.Schema) else []
    else:
        params = key.this
        names = (
            (params.args.get("columns") or []) if isinstance(params, exp.IndexParameters) else []
        )
    return [key_name(name) for name in names]


def key_name(node: exp.Expr) -> str | None:
    """The column a key list's entry names (`tags`, `tags DESC`, `tags WITH =`)."""
    while isinstance(node, exp.WithOperator | exp.Ordered | exp.Opclass | exp.Column):
        node = node.this
    return folded(node)


@dataclass(frozen=True, slots=True)
class Reference:
    """A REFERENCES or FOREIGN KEY: the table it points at, the columns it names there
    (none: the primary key), and the referencing columns."""

    table: str | None
    keys: tuple[str | None, ...]
    columns: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class Uses:
    readable: bool  # a tree that is not a raw Command: a Command is judged on its words
    tables: frozenset[str]  # every table named, folded, without schema
    columns: frozenset[str]  # the names of its column references (not key lists)
    owner: str | None  # the table it creates or alters
    keyed: frozenset[str | None]  # of its own table: the columns its keys list (KEYS)
    writes: bool  # INSERT or COPY: a row may set a column by its place
    redefines: frozenset[str]  # the tables it creates or drops anew
    primary_key: tuple[str | None, ...] | None  # of its own table, as it first declares one
    references: tuple[Reference, ...]
    inherits: bool  # CREATE TABLE ... INHERITS
    positions: tuple[str | None, ...]  # CREATE TABLE: its columns' names, in order
    routine: bool = False  # CREATE FUNCTION or PROCEDURE: its body is text, read by its words
    trigger: bool = False  # CREATE TRIGGER: its function may read the columns of its table


def uses_of(tree: exp.Expr | None, noted: Iterable[exp.Expr] | None = None) -> Uses:
    """The statement's uses, from its nodes of the NOTED types in the order of a breadth
    first walk (find_all's, which decides which key and reference come first): `noted`, as
    the lint's walk of the tree collected them, or a walk of its own."""
    if tree is None:
        empty = frozenset()
        return Uses(False, empty, empty, None, empty, False, empty, None, (), False, ())
    if isinstance(tree, exp.Insert | exp.Copy):
        nodes = tree.find_all(exp.Table) if noted is None else noted
        return _writes(frozenset(name for n in nodes if (name := table_name(n)) is not None))
    tables: set[str] = set()
    columns: set[str] = set()
    table_of = owner(tree)
    primary: tuple[str | None, ...] | None = None
    references: list[Reference] = []
    keyed: set[str | None] = set()
    inherits = False
    dropped: set[str] = set()
    drop = isinstance(tree, exp.Drop) and tree.kind == "TABLE"
    for node in tree.walk() if noted is None else noted:
        if isinstance(node, exp.Table):
            name = table_name(node)
            if name is not None:
                tables.add(name)
                if drop:
                    dropped.add(name)
        elif isinstance(node, exp.Column):
            name = folded(node.this)
            if name is not None:
                columns.add(name)
        elif isinstance(node, exp.Reference):
            references.append(_reference(node))
        elif isinstance(node, exp.InheritsProperty):
            inherits = True
        elif table_of is not None:
            if isinstance(node, tuple(KEYS)):
                keyed.update(key_columns(node))
            if primary is None:
                primary = _primary_key(node)
    create = isinstance(tree, exp.Create) and tree.kind == "TABLE"
    schema = tree.this if isinstance(tree, exp.Create) else None
    positions = (
        tuple(folded(c.this) for c in schema.expressions if isinstance(c, exp.ColumnDef))
        if isinstance(schema, exp.Schema)
        else ()
    )
    return Uses(
        not isinstance(tree, exp.Command),
        frozenset(tables),
        frozenset(columns),
        table_of,
        frozenset(keyed),
        isinstance(tree, exp.Insert | exp.Copy),
        frozenset([table_of] if create and table_of is not None else dropped),
        primary,
        tuple(references),
        inherits,
        positions,
        isinstance(tree, exp.Create) and tree.kind in ("FUNCTION", "PROCEDURE"),
        isinstance(tree, exp.Create) and tree.kind == "TRIGGER",
    )


# The record of each set of tables rows are written to: a dump's INSERTs share a few.
_WRITTEN: dict[frozenset[str], Uses] = {}


def _writes(tables: frozenset[str]) -> Uses:
    """An INSERT's or COPY's uses: the tables it names alone. Its columns are not recorded: a
    row written may set any column of its table by its place, which a decision on the column
    reads from the tree whatever the statement names."""
    found = _WRITTEN.get(tables)
    if found is None:
        empty = frozenset()
        found = _WRITTEN[tables] = Uses(
            True, tables, empty, None, empty, True, empty, None, (), False, ()
        )
    return found


_ROOTS = (
    exp.Table,
    exp.Column,
    exp.Reference,
    exp.InheritsProperty,
    exp.PrimaryKeyColumnConstraint,
    *KEYS,
)
# The node types uses_of reads, subclasses included: what a walk of the tree hands it.
NOTED = frozenset(
    kind for kind in vars(exp).values() if isinstance(kind, type) and issubclass(kind, _ROOTS)
)


def _primary_key(node: exp.Expr) -> tuple[str | None, ...] | None:
    if isinstance(node, exp.PrimaryKey):
        return tuple(folded(e.this if isinstance(e, exp.Ordered) else e) for e in node.expressions)
    if isinstance(node, exp.PrimaryKeyColumnConstraint):
        coldef = node.find_ancestor(exp.ColumnDef)
        if coldef is not None:
            return (folded(coldef.this),)
    return None


def _reference(reference: exp.Reference) -> Reference:
    target = reference.this
    table = target.this if isinstance(target, exp.Schema) else target
    keys = tuple(folded(e) for e in target.expressions) if isinstance(target, exp.Schema) else ()
    parent = reference.parent
    if isinstance(parent, exp.ForeignKey):
        columns = tuple(folded(e) for e in parent.expressions)
    else:
        coldef = reference.find_ancestor(exp.ColumnDef)
        columns = (folded(coldef.this),) if coldef is not None else ()
    return Reference(table_name(table), keys, columns)
