"""The schema read so far: what catalog-scoped rules check a statement against.

A statement changes the catalog through `effects`, small records computed from its tree
(so that trees never have to cross a process boundary); `Catalog.apply` replays them in
input order. Catalog conditions in rules name a fact from FACTS and compare it.

Facts are evaluated after the statement's effects are applied; for an action of a statement of
several (ALTER TABLE), after those of the actions that run before it and its own
(lint/actions.py's `run_order`). `Catalog.statements` counts
the statements applied so far (the current one included), and every table and sequence
remembers the statement that created it, so that a fact can still ask about "before":
`table_created_before` holds for a table that existed before the current statement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

from dsql_lint.syntax.dialect import is_validate_constraint
from dsql_lint.syntax.pg_types import canonical

DEFAULT_SCHEMA = "public"
NAME_BYTES = 63  # PostgreSQL's identifier length (NAMEDATALEN - 1)

Key = tuple[str, str]  # (schema, name), lower case


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, str] = field(default_factory=dict)  # name -> type as written
    primary_key: tuple[str, ...] = ()
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> columns
    created_at: int = 0  # Catalog.statements when the table was created
    primary_key_name: str = ""  # the primary key constraint's name (PostgreSQL's default)
    key_changed_at: int = 0  # Catalog.statements when ADD PRIMARY KEY last changed the key
    previous_primary_key: tuple[str, ...] = ()  # the key before that change
    # The columns whose type a rule refused (name -> its codes), which LIKE copies (DSQL111)
    refused: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The indexes (among `indexes`) that a UNIQUE constraint built: DROP CONSTRAINT drops them
    uniques: set[str] = field(default_factory=set)


@dataclass
class Sequence:
    schema: str
    name: str
    created_at: int = 0
    owned_by: tuple[Key, str] | None = None  # (table, column) from OWNED BY


@dataclass(frozen=True)
class Effect:
    """One change to the catalog. `op` names the change (a key of APPLY); the rest are its
    arguments. The linter's catalog replays them; apply's crash check reads them back from
    the live database (apply/live_catalog.py)."""

    op: str
    table: Key | None = None  # the relation (or type) changed: a table, sequence, view, index
    name: str | None = None  # a member (column, constraint, index), a schema or a role
    columns: tuple[tuple[str, str], ...] = ()  # (name, type) pairs
    keys: tuple[str, ...] = ()  # key columns; for a rename of a member, its new name
    other: Key | None = None  # a second object: the new name, the owning table...
    if_not_exists: bool = False
    # `table` was written without a schema: PostgreSQL finds it through search_path, while
    # the key says DEFAULT_SCHEMA.
    unqualified: bool = False

    def to_json(self) -> list[Any]:
        return [self.op, self.table, self.name, self.columns, self.keys, self.other,
                self.if_not_exists, self.unqualified]  # fmt: skip

    @classmethod
    def from_json(cls, data: list[Any]) -> Effect:
        op, table, name, columns, keys, other, if_not_exists, unqualified = data
        return cls(op, _json_key(table), name, tuple(tuple(c) for c in columns), tuple(keys),
                   _json_key(other), bool(if_not_exists), bool(unqualified))  # fmt: skip


def _json_key(value: list[str] | None) -> Key | None:
    return (value[0], value[1]) if value else None


@dataclass
class Catalog:
    schemas: set[str] = field(default_factory=lambda: {DEFAULT_SCHEMA})
    tables: dict[Key, Table] = field(default_factory=dict)
    index_tables: dict[str, Key] = field(default_factory=dict)
    sequences: dict[Key, Sequence] = field(default_factory=dict)
    views: set[Key] = field(default_factory=set)  # counted against the quota, DSQL807
    # The domains whose base type DSQL refuses as a column's: name -> the rules that said so
    refused_domains: dict[Key, tuple[str, ...]] = field(default_factory=dict)
    # Each domain created in the input -> its base type as written (a domain over a domain:
    # the first base type that is none), which a column of the domain's type has to DSQL.
    domains: dict[Key, str] = field(default_factory=dict)
    statements: int = 0  # statements applied so far, the current one included

    def apply(self, effects: Iterable[Effect]) -> None:
        """Apply one statement's effects (called once per parsed statement)."""
        self.statements += 1
        self.extend(effects)

    def extend(self, effects: Iterable[Effect]) -> None:
        """Apply more effects of the statement applied last (its actions one at a time)."""
        for effect in effects:
            APPLY[effect.op](self, effect)

    def table(self, key: Key | None) -> Table | None:
        return self.tables.get(key) if key else None

    def base_type(self, written: str) -> str:
        """The type as the server stores a value of it: a domain's base type for the name
        of a domain created in the input, the type as written for any other."""
        if not self.domains or not _QUALIFIED_NAME.fullmatch(written):
            return written
        key = _key_of_name(written)
        return self.domains.get(key, written) if key else written

    def column_type(self, table: Table, column: str) -> str:
        """The type of a table's column as rules judge it: through its domain, if any."""
        return self.base_type(table.columns.get(column, ""))


def table_key(table: exp.Expr | None) -> Key | None:
    if not isinstance(table, exp.Table) or not table.name:
        return None
    schema = table.args.get("db")
    return (folded(schema) if schema else DEFAULT_SCHEMA, folded(table))


def folded(node: exp.Expr | None) -> str:
    """The name PostgreSQL sees: a quoted identifier as written, an unquoted one lower-cased."""
    if node is None:
        return ""
    ident = node if isinstance(node, exp.Identifier) else node.args.get("this")
    if isinstance(ident, exp.Identifier):
        return ident.name if ident.quoted else ident.name.lower()
    return node.name.lower()


def _on(op: str, table: exp.Expr | None, **args: Any) -> Effect | None:
    """An effect on the table (or sequence, view, type) `table` names; None without one."""
    key = table_key(table)
    if key is None:
        return None
    return Effect(op, key, unqualified=not table.args.get("db"), **args)  # type: ignore[union-attr]


def _key_of_name(text: str) -> Key | None:
    """`s.t`, `"S"."t"` or `t` as a key (PostgreSQL case folding for unquoted names)."""
    parts = [_ident(p) for p in _NAME_PART.findall(text)]
    if not parts:
        return None
    if len(parts) == 1:
        return DEFAULT_SCHEMA, parts[0]
    return parts[-2], parts[-1]


_NAME_PART = re.compile(r'"(?:[^"]|"")+"|[A-Za-z_][A-Za-z_0-9$]*')
# A name, qualified or not, and nothing else: `app.dj`, `"My Type"` (not `int[]`, `varchar(9)`).
_QUALIFIED_NAME = re.compile(rf"(?:{_NAME_PART.pattern})(?:\.(?:{_NAME_PART.pattern}))*")


def _ident(part: str) -> str:
    if part.startswith('"'):
        return part[1:-1].replace('""', '"')
    return part.lower()


# --- applying effects --------------------------------------------------------------------


def _create_table(catalog: Catalog, effect: Effect) -> None:
    assert effect.table is not None
    if effect.if_not_exists and effect.table in catalog.tables:
        return
    table = Table(
        effect.table[0],
        effect.table[1],
        dict(effect.columns),
        effect.keys,
        created_at=catalog.statements,
        primary_key_name=effect.name or f"{effect.table[1]}_pkey",
    )
    catalog.tables[effect.table] = table
    catalog.schemas.add(effect.table[0])


def _drop_table(catalog: Catalog, effect: Effect) -> None:
    table = catalog.tables.pop(effect.table, None) if effect.table else None
    for index in table.indexes if table else ():
        catalog.index_tables.pop(index, None)
    for key, sequence in list(catalog.sequences.items()):
        if sequence.owned_by and sequence.owned_by[0] == effect.table:
            del catalog.sequences[key]


def _rename_table(catalog: Catalog, effect: Effect) -> None:
    table = catalog.tables.pop(effect.table, None) if effect.table else None
    if table is None or effect.other is None:
        return
    table.schema, table.name = effect.other
    catalog.tables[effect.other] = table
    for index in table.indexes:
        catalog.index_tables[index] = effect.other


def _add_columns(catalog: Catalog, effect: Effect) -> None:
    table = catalog.table(effect.table)
    if table is not None:
        for name, kind in effect.columns:
            if not (effect.if_not_exists and name in table.columns):
                table.columns[name] = kind


def _drop_column(catalog: Catalog, effect: Effect) -> None:
    """The primary key is left as it was, so that a rule can still see that a dropped
    column belonged to it."""
    table = catalog.table(effect.table)
    if table is not None and effect.name:
        table.columns.pop(effect.name, None)
        table.refused.pop(effect.name, None)


def _rename_column(catalog: Catalog, effect: Effect) -> None:
    table = catalog.table(effect.table)
    if table is None or not effect.name or not effect.keys:
        return
    old, new = effect.name, effect.keys[0]
    if old in table.columns:
        table.columns = {(new if k == old else k): v for k, v in table.columns.items()}
    table.primary_key = tuple(new if c == old else c for c in table.primary_key)
    if old in table.refused:
        table.refused[new] = table.refused.pop(old)


def _set_column_type(catalog: Catalog, effect: Effect) -> None:
    table = catalog.table(effect.table)
    if table is not None and effect.name and effect.columns:
        table.columns[effect.name] = effect.columns[0][1]


def _add_primary_key(catalog: Catalog, effect: Effect) -> None:
    table = catalog.table(effect.table)
    if table is not None:
        table.previous_primary_key, table.key_changed_at = table.primary_key, catalog.statements
        table.primary_key = effect.keys
        if effect.name:
            table.primary_key_name = effect.name


def _drop_constraint(catalog: Catalog, effect: Effect) -> None:
    """Dropping the primary key constraint is recorded after rules have seen it: the
    key stays, as with a dropped column (see `_drop_column`). A UNIQUE constraint's index
    goes with it."""
    table = catalog.table(effect.table)
    if table is not None and effect.name in table.uniques:
        table.uniques.discard(effect.name)
        table.indexes.pop(effect.name, None)
        catalog.index_tables.pop(effect.name, None)


def _add_unique(catalog: Catalog, effect: Effect) -> None:
    """The index a UNIQUE constraint builds, under the constraint's name (PostgreSQL's
    default for an unnamed one: `t_a_b_key`, numbered when taken), counted with the table's
    indexes (DSQL801)."""
    table = catalog.table(effect.table)
    if table is None:
        return
    name = effect.name or f"{table.name}_{'_'.join(effect.keys)}_key"[:NAME_BYTES]
    base, n = name, 0
    while name in catalog.index_tables:
        n += 1
        name = f"{base[: NAME_BYTES - len(str(n))]}{n}"
    table.indexes[name] = effect.keys
    table.uniques.add(name)
    catalog.index_tables[name] = table.schema, table.name


def _create_index(catalog: Catalog, effect: Effect) -> None:
    table = catalog.table(effect.table)
    if table is not None and effect.name:
        table.indexes[effect.name] = effect.keys
        catalog.index_tables[effect.name] = table.schema, table.name


def _drop_index(catalog: Catalog, effect: Effect) -> None:
    key = catalog.index_tables.pop(effect.name or "", None)
    table = catalog.table(key)
    if table is not None:
        table.indexes.pop(effect.name or "", None)


def _create_schema(catalog: Catalog, effect: Effect) -> None:
    if effect.name:
        catalog.schemas.add(effect.name)


def _drop_schema(catalog: Catalog, effect: Effect) -> None:
    catalog.schemas.discard(effect.name or "")


def _copy_columns(catalog: Catalog, effect: Effect) -> None:
    source, target = catalog.table(effect.other), catalog.table(effect.table)
    if source is None or target is None:
        return
    for name, kind in source.columns.items():
        target.columns.setdefault(name, kind)
    target.refused.update(source.refused)


def _refuse_column(catalog: Catalog, effect: Effect) -> None:
    table = catalog.table(effect.table)
    if table is not None and effect.name:
        table.refused[effect.name] = effect.keys


def refused_columns(table: Key | None, refused: dict[str, tuple[str, ...]]) -> list[Effect]:
    """The effects that mark a table's columns whose type a rule refused (name -> codes)."""
    return [Effect("refuse_column", table, name=n, keys=c) for n, c in refused.items()]


def _create_view(catalog: Catalog, effect: Effect) -> None:
    if effect.table is not None:
        catalog.views.add(effect.table)


def _drop_view(catalog: Catalog, effect: Effect) -> None:
    catalog.views.discard(effect.table or ("", ""))


def _create_sequence(catalog: Catalog, effect: Effect) -> None:
    assert effect.table is not None
    if effect.if_not_exists and effect.table in catalog.sequences:
        return
    catalog.sequences[effect.table] = Sequence(*effect.table, created_at=catalog.statements)


def _drop_sequence(catalog: Catalog, effect: Effect) -> None:
    if effect.table:
        catalog.sequences.pop(effect.table, None)


def _sequence_owned_by(catalog: Catalog, effect: Effect) -> None:
    sequence = catalog.sequences.get(effect.table) if effect.table else None
    if sequence is not None:
        sequence.owned_by = (effect.other, effect.name or "") if effect.other else None


def _create_type(catalog: Catalog, effect: Effect) -> None:
    # A domain over a refused domain is refused for the same reasons.
    keys = effect.keys or catalog.refused_domains.get(effect.other or ("", ""), ())
    if effect.table is not None and keys:
        catalog.refused_domains[effect.table] = keys
    if effect.table is not None and effect.columns:
        catalog.domains[effect.table] = catalog.base_type(effect.columns[0][1])


def _drop_type(catalog: Catalog, effect: Effect) -> None:
    if effect.table is not None:
        catalog.refused_domains.pop(effect.table, None)
        catalog.domains.pop(effect.table, None)


def refused_domain(effects: list[Effect], codes: tuple[str, ...]) -> list[Effect]:
    """A CREATE DOMAIN's effect, marked with the rules that refused its base type (`keys`),
    so that the columns of that type are refused too."""
    return [replace(e, keys=codes) if e.op == "create_type" else e for e in effects]


def _unmodelled(catalog: Catalog, effect: Effect) -> None:
    """Roles and constraints other than the primary key: no rule asks about them; their
    effects are read by apply's crash check alone."""


APPLY: dict[str, Callable[[Catalog, Effect], None]] = {
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "add_columns": _add_columns,
    "drop_column": _drop_column,
    "rename_column": _rename_column,
    "set_column_type": _set_column_type,
    "add_primary_key": _add_primary_key,
    "drop_constraint": _drop_constraint,
    "add_unique": _add_unique,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_schema": _create_schema,
    "drop_schema": _drop_schema,
    "create_sequence": _create_sequence,
    "drop_sequence": _drop_sequence,
    "sequence_owned_by": _sequence_owned_by,
    "add_constraint": _unmodelled,
    "validate_constraint": _unmodelled,
    "rename_constraint": _unmodelled,
    "copy_columns": _copy_columns,
    "refuse_column": _refuse_column,
    "create_view": _create_view,
    "drop_view": _drop_view,
    "create_type": _create_type,
    "drop_type": _drop_type,
    "create_role": _unmodelled,
    "drop_role": _unmodelled,
}


# --- from trees to effects -------------------------------------------------------------


def effects_of(tree: exp.Expr | None) -> list[Effect]:
    if isinstance(tree, exp.Create):
        return _create_effects(tree)
    if isinstance(tree, exp.Drop):
        return _drop_effects(tree)
    if isinstance(tree, exp.Alter):
        return _alter_effects(tree)
    if isinstance(tree, exp.Command):
        return _command_effects(tree)
    return []


@functools.cache
def _generator() -> Generator:
    return Dialect.get_or_raise("postgres").generator()


def _postgres(node: exp.Expr) -> str:
    # One generator, and no defensive copy (sqlglot's default): generating a type, a name or
    # an index column does not rewrite it, and this runs for every column of every table.
    return _generator().generate(node, copy=False)


def _type_of(defn: exp.ColumnDef) -> str:
    kind = defn.args.get("kind")
    if not isinstance(kind, exp.Expr):
        return ""
    if type(kind) is exp.DataType and not kind.comments:
        # Most columns have a bare type (`text`, `bigint`): its SQL is that of its name alone.
        args = kind.args
        if all(not value for key, value in args.items() if key != "this"):
            return _bare_type(args["this"])
    return _postgres(kind)


@functools.cache
def _bare_type(name: exp.DataType.Type) -> str:
    return _postgres(exp.DataType(this=name))


def _columns(defs: list[exp.Expr]) -> tuple[tuple[str, str], ...]:
    return tuple((folded(d), _type_of(d)) for d in defs if isinstance(d, exp.ColumnDef))


def _names(node: exp.Expr | None) -> tuple[str, ...]:
    """Column names listed by a key: identifiers, columns, or ordered columns."""
    if node is None:
        return ()
    items = node.expressions if not isinstance(node, list) else node
    out = []
    for item in items:
        if isinstance(item, exp.Ordered):
            item = item.this
        if isinstance(item, exp.Identifier | exp.Column):
            out.append(folded(item))
    return tuple(out)


def _primary_key(defs: list[exp.Expr]) -> tuple[tuple[str, ...], str]:
    """The primary key's columns and its constraint name ("" when unnamed)."""
    for d in defs:
        if isinstance(d, exp.ColumnDef) and d.find(exp.PrimaryKeyColumnConstraint):
            named = d.find(exp.PrimaryKeyColumnConstraint).parent  # type: ignore[union-attr]
            name = named.name if isinstance(named, exp.ColumnConstraint) and named.this else ""
            return (folded(d),), (folded(named) if name else "")
        pk = d if isinstance(d, exp.PrimaryKey) else d.find(exp.PrimaryKey)
        if pk is not None:
            owner = pk.parent if isinstance(pk.parent, exp.Constraint) else None
            return _names(pk), (folded(owner) if owner is not None else "")
    return (), ""


def _unique_keys(defs: list[exp.Expr]) -> list[tuple[str, tuple[str, ...]]]:
    """The UNIQUE constraints of table elements (a column's, the table's), each with its name
    ("" when unnamed) and columns: each builds an index, as CREATE UNIQUE INDEX does."""
    found = []
    for d in defs:
        for unique in d.find_all(exp.UniqueColumnConstraint):
            owner = unique.parent
            named = isinstance(owner, exp.Constraint | exp.ColumnConstraint) and bool(owner.this)
            if isinstance(unique.this, exp.Schema):
                keys = _names(unique.this)
            elif isinstance(d, exp.ColumnDef):
                keys = (folded(d),)
            else:  # UNIQUE USING INDEX: the index exists already
                continue
            found.append((folded(owner) if named else "", keys))
    return found


def _create_effects(tree: exp.Create) -> list[Effect]:
    kind = (tree.args.get("kind") or "").upper()
    target = tree.this
    exists = bool(tree.args.get("exists"))
    effect: Effect | None = None
    if kind == "TABLE":
        schema = target if isinstance(target, exp.Schema) else None
        defs = schema.expressions if schema else []
        keys, pk_name = _primary_key(defs)
        table = schema.this if schema else target
        effect = _on(
            "create_table",
            table,
            name=pk_name or None,
            columns=_columns(defs),
            keys=keys,
            if_not_exists=exists,
        )
        uniques = [_on("add_unique", table, name=n, keys=k) for n, k in _unique_keys(defs)]
        # LIKE copies the other table's columns, those of refused types too
        copies = [
            _on("copy_columns", table, other=table_key(d.this))
            for d in defs
            if isinstance(d, exp.LikeProperty)
        ]
        return [e for e in (effect, *uniques, *copies) if e is not None]
    elif kind == "INDEX" and isinstance(target, exp.Index):
        params = target.args.get("params")
        columns = params.args.get("columns") if params else None
        names = tuple(_postgres(c).lower() for c in columns or [])
        effect = _on("create_index", target.args.get("table"), name=folded(target), keys=names)
    elif kind == "SCHEMA":
        name = _schema_name(target)
        effect = Effect("create_schema", name=name) if name else None
    elif kind == "SEQUENCE":
        effect = _on("create_sequence", target, if_not_exists=exists)
    elif kind in ("VIEW", "TYPE"):
        effect = _on(f"create_{kind.lower()}", target)
    elif kind == "DOMAIN":  # a type, as CREATE TYPE's; `other`: the domain it is over
        effect = _on("create_type", target)
        written = tree.args.get("expression")
        if effect is not None and isinstance(written, exp.DataType):
            effect = replace(effect, columns=(("", _postgres(written)),))
        base = _type_key(written)
        if effect is not None and base is not None:
            effect = replace(effect, other=base)
    return [effect] if effect else []


def _schema_name(target: exp.Expr | None) -> str:
    if isinstance(target, exp.Table):
        return folded(target.args.get("db") or target)
    return folded(target)


def _drop_targets(tree: exp.Drop) -> list[exp.Expr]:
    targets = tree.args.get("tables") or tree.expressions or [tree.this]
    return [t for t in targets if isinstance(t, exp.Expr)]


def _drop_effects(tree: exp.Drop) -> list[Effect]:
    kind = (tree.args.get("kind") or "").upper()
    targets = _drop_targets(tree)
    if kind in ("TABLE", "SEQUENCE", "VIEW", "TYPE"):
        found = [_on(f"drop_{kind.lower()}", t) for t in targets]
    elif kind == "INDEX":  # `table` is the index itself: DROP INDEX names no table
        found = [_on("drop_index", t, name=folded(t)) for t in targets if t.name]
    elif kind == "SCHEMA":
        found = [Effect("drop_schema", name=_schema_name(t)) for t in targets]
    else:
        found = []
    return [effect for effect in found if effect]


def _alter_effects(tree: exp.Alter) -> list[Effect]:
    return [effect for _, effect in alter_effects(tree)]


def alter_effects(tree: exp.Alter) -> list[tuple[exp.Expr, Effect]]:
    """An ALTER's effects, each with the action of its tree it comes from, as written."""
    key = table_key(tree.this)
    if key is None:
        return []
    found: list[tuple[exp.Expr, Effect]] = []
    for action in tree.args.get("actions") or []:
        found.extend((action, effect) for effect in _action_effects(tree, key, action) if effect)
    return found


def _action_effects(tree: exp.Alter, key: Key, action: exp.Expr) -> list[Effect | None]:
    on = functools.partial(_on, table=tree.this)
    if isinstance(action, exp.ColumnDef):
        exists = bool(action.args.get("exists"))
        uniques = [on("add_unique", name=n, keys=k) for n, k in _unique_keys([action])]
        return [on("add_columns", columns=_columns([action]), if_not_exists=exists), *uniques]
    if isinstance(action, exp.Drop):
        drop_kind = (action.args.get("kind") or "").upper()
        name = dropped_name(action)
        if drop_kind == "COLUMN" and name:
            return [on("drop_column", name=name)]
        if drop_kind == "CONSTRAINT" and name:
            return [on("drop_constraint", name=name)]
        return []
    if isinstance(action, exp.AddConstraint):
        uniques = [on("add_unique", name=n, keys=k) for n, k in _unique_keys(action.expressions)]
        keys, name = _primary_key(action.expressions)
        if keys:
            return [*uniques, on("add_primary_key", name=name or None, keys=keys)]
        named = [c for c in action.expressions if isinstance(c, exp.Constraint) and c.name]
        return [*uniques, *(on("add_constraint", name=folded(c)) for c in named)]
    if is_validate_constraint(action):
        return [on("validate_constraint", name=folded(action.this))]
    if isinstance(action, exp.RenameColumn):
        old, new = action.this, action.args.get("to")
        if old is not None and new is not None:
            return [on("rename_column", name=folded(old), keys=(folded(new),))]
        return []
    if isinstance(action, exp.AlterRename) and (new := _renamed_to(tree)) is not None:
        # sqlglot reads `RENAME a TO b` (COLUMN omitted) as a rename of the table to a
        return [on("rename_column", name=folded(action.this), keys=(folded(new),))]
    if isinstance(action, exp.AlterRename):
        new_key = table_key(action.this)
        if new_key is None:
            return []
        if not action.this.db:
            new_key = (key[0], new_key[1])
        return [on("rename_table", other=new_key)]
    if isinstance(action, exp.AlterColumn) and action.args.get("dtype") is not None:
        dtype = _postgres(action.args["dtype"])
        return [on("set_column_type", name=folded(action), columns=(("", dtype),))]
    return []


def _renamed_to(tree: exp.Alter) -> exp.Expr | None:
    for option in tree.args.get("options") or []:
        if isinstance(option, exp.ToTableProperty):
            return option.this
    return None


def dropped_name(drop: exp.Drop) -> str:
    """The name a `DROP COLUMN c` or `DROP CONSTRAINT c` action drops."""
    targets = _drop_targets(drop)
    return folded(targets[0]) if targets else ""


_NAME = r'(?:"(?:[^"]|"")+"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\w$]+))?'
_OWNED_BY = re.compile(
    r"^\s*SEQUENCE\s+(?:IF\s+EXISTS\s+)?(?P<seq>[\w$.\"]+)\s+OWNED\s+BY\s+(?P<owner>[\w$.\"]+)",
    re.IGNORECASE,
)
# What sqlglot keeps as raw commands, read for apply's crash check.
_SEQUENCE_RENAME = re.compile(
    rf"^\s*SEQUENCE\s+(?:IF\s+EXISTS\s+)?(?P<old>{_NAME})\s+RENAME\s+TO\s+(?P<new>{_NAME})\s*$",
    re.IGNORECASE,
)
_CONSTRAINT_RENAME = re.compile(
    rf"^\s*TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_NAME})\s+RENAME\s+CONSTRAINT\s+"
    rf"(?P<old>{_NAME})\s+TO\s+(?P<new>{_NAME})\s*$",
    re.IGNORECASE,
)
_TYPE_OR_ROLE = re.compile(
    rf"^\s*(?P<kind>DOMAIN|ROLE|USER)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?"
    rf"(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)(?:\s|$)",
    re.IGNORECASE,
)


def _command_effects(tree: exp.Command) -> list[Effect]:
    verb = str(tree.this).upper()
    text = _command_text(tree)
    if verb in ("CREATE", "DROP"):
        return _type_or_role_effects(verb.lower(), text)
    if verb != "ALTER":
        return []
    renamed = _SEQUENCE_RENAME.match(text) or _CONSTRAINT_RENAME.match(text)
    if renamed is not None:
        return _rename_effects(renamed)
    match = _OWNED_BY.match(text)
    if match is None:
        return []
    sequence = _key_of_name(match.group("seq"))
    parts = [_ident(p) for p in _NAME_PART.findall(match.group("owner"))]
    if sequence is None:
        return []
    if len(parts) < 2:  # OWNED BY NONE
        return [Effect("sequence_owned_by", sequence)]
    owner = (parts[-3] if len(parts) > 2 else DEFAULT_SCHEMA, parts[-2])
    return [Effect("sequence_owned_by", sequence, name=parts[-1], other=owner)]


def _type_or_role_effects(verb: str, text: str) -> list[Effect]:
    """CREATE or DROP of a DOMAIN (a type), a ROLE or a USER (a role)."""
    match = _TYPE_OR_ROLE.match(text)
    if match is None or (verb == "create" and "," in match.group("names")):
        return []
    names = re.findall(_NAME, match.group("names"))
    if match.group("kind").upper() == "DOMAIN":
        return [_named(f"{verb}_type", name) for name in names]
    return [Effect(f"{verb}_role", name=_ident(name)) for name in names]


def _rename_effects(match: re.Match[str]) -> list[Effect]:
    new = _key_of_name(match.group("new"))
    if "table" not in match.groupdict():  # ALTER SEQUENCE s RENAME TO t
        old = _named("rename_table", match.group("old"))
        return [replace(old, other=(old.table[0], new[1]))] if old.table and new else []
    old_name = _key_of_name(match.group("old"))
    effect = _named("rename_constraint", match.group("table"))
    if old_name is None or new is None:
        return []
    return [replace(effect, name=old_name[1], keys=(new[1],))]


def _named(op: str, name: str) -> Effect:
    """An effect on the object a name written in SQL text designates."""
    return Effect(op, _key_of_name(name), unqualified=len(_NAME_PART.findall(name)) == 1)


def _command_text(tree: exp.Command) -> str:
    expression = tree.args.get("expression")
    if isinstance(expression, exp.Literal):
        return str(expression.this)
    if isinstance(expression, exp.Expr):
        return expression.sql("postgres")
    return str(expression or "")


# --- facts that catalog conditions can test ---------------------------------------------


class Subject:
    """What a catalog condition is about: the statement's table and the matched node, asked
    through the node facts below (each computed on first use). Sent to another process, a
    Subject carries the facts instead of the node, which would pickle its whole subtree."""

    __slots__ = ("table", "node", "_facts")

    def __init__(
        self, table: Key | None, node: exp.Expr | None, facts: dict[str, Any] | None = None
    ) -> None:
        """`facts`: what is known of the node already (the column of an action of a statement
        matched whole), answered instead of the node's own."""
        self.table = table
        self.node = node
        self._facts: dict[str, Any] = dict(facts or {})

    def fact(self, name: str) -> Any:
        facts = self._facts
        if name not in facts:
            facts[name] = NODE_FACTS[name](self.node)
        return facts[name]

    def detach(self) -> None:
        """Answers from its facts alone from now on, so that the node's tree can be freed."""
        for name in NODE_FACTS:
            self.fact(name)
        self.node = None

    def __getstate__(self) -> tuple[Key | None, dict[str, Any]]:
        return self.table, {name: self.fact(name) for name in NODE_FACTS}

    def __setstate__(self, state: tuple[Key | None, dict[str, Any]]) -> None:
        self.table, self._facts = state
        self.node = None


def _table(catalog: Catalog, subject: Subject) -> Table | None:
    return catalog.table(subject.table)


def _count(attr: str) -> Callable[[Catalog, Subject], int]:
    def fact(catalog: Catalog, subject: Subject) -> int:
        table = _table(catalog, subject)
        return len(getattr(table, attr)) if table else 0

    return fact


def node_column(node: exp.Expr) -> str:
    """The column a matched node is about: a column definition, an ALTER COLUMN, a
    dropped column, or a column reference."""
    if isinstance(node, exp.Drop):
        return dropped_name(node)
    if isinstance(node, exp.Command):
        text = _command_text(node)
        # Of several ALTER COLUMN actions, the one whose type a rule judges: an identity's.
        match = _IDENTITY_COLUMN.search(text) or _ALTER_COLUMN.match(text)
        return _ident(match.group("column")) if match else ""
    if isinstance(node, exp.Alter):
        # The actions the parser kept as text, each read as the statement's own would be.
        raw = "".join(
            f", {action.this} {_command_text(action)}"
            for action in node.args.get("actions") or []
            if isinstance(action, exp.Command)
        )
        match = _IDENTITY_COLUMN.search(raw)
        return _ident(match.group("column")) if match else ""
    current: exp.Expr | None = node
    while current is not None and not isinstance(current, exp.ColumnDef | exp.AlterColumn):
        current = current.parent
    return folded(current or node)


# `ALTER [COLUMN] c`, an ALTER TABLE action about column c
_ACTION_COLUMN = r"ALTER\s+(?:COLUMN\s+)?(?P<column>\"(?:[^\"]|\"\")+\"|[\w$]+)"
_ALTER_COLUMN = re.compile(
    r"^\s*TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>[\w$.\"]+)\s+" + _ACTION_COLUMN,
    re.IGNORECASE,
)
_IDENTITY_COLUMN = re.compile(
    r"[\s,]ALTER\s+(?:COLUMN\s+)?(?P<column>\"(?:[^\"]|\"\")+\"|[\w$]+)\s+ADD\s+GENERATED\b",
    re.IGNORECASE,
)
_ACTION_COLUMN_ONLY = re.compile(_ACTION_COLUMN, re.IGNORECASE)


def action_column(action: str) -> str:
    """The column an ALTER TABLE action written `ALTER [COLUMN] c ...` is about; "" for another."""
    match = _ACTION_COLUMN_ONLY.match(action)
    return _ident(match.group("column")) if match else ""


def key_columns(node: exp.Expr) -> tuple[str, ...]:
    """The plain columns a key or index is built on (expressions are skipped)."""
    if isinstance(node, exp.Create):
        node = node.this
    if isinstance(node, exp.Index):
        params = node.args.get("params")
        return _names(params.args.get("columns") or []) if params else ()
    if isinstance(node, exp.PrimaryKey):
        return _names(node)
    if isinstance(node, exp.UniqueColumnConstraint) and isinstance(node.this, exp.Schema):
        return _names(node.this)
    if isinstance(node, exp.PrimaryKeyColumnConstraint | exp.UniqueColumnConstraint):
        column = node.find_ancestor(exp.ColumnDef)
        return (folded(column),) if column is not None else ()
    return ()


JSON_TYPES = {"JSON", "JSONB"}


def _key_json_columns(catalog: Catalog, subject: Subject) -> int:
    table = _table(catalog, subject)
    if table is None:
        return 0
    types = (catalog.column_type(table, c).upper() for c in subject.fact("key_columns"))
    return sum(1 for kind in types if kind in JSON_TYPES)


def _column_type(catalog: Catalog, subject: Subject) -> str:
    table = _table(catalog, subject)
    return catalog.column_type(table, subject.fact("column")).upper() if table else ""


def _table_created_before(catalog: Catalog, subject: Subject) -> bool:
    table = _table(catalog, subject)
    return table is not None and table.created_at < catalog.statements


def _primary_key_before(table: Table, catalog: Catalog) -> tuple[str, ...]:
    if table.key_changed_at == catalog.statements:
        return table.previous_primary_key
    return table.primary_key


def _new_table_key(catalog: Catalog, subject: Subject) -> bool:
    """A key added to a table created earlier in the input, which the CREATE TABLE could
    declare instead: a UNIQUE constraint, or a PRIMARY KEY when the table had none."""
    if not _table_created_before(catalog, subject):
        return False
    table = _table(catalog, subject)
    assert table is not None
    return not (subject.fact("is_primary") and _primary_key_before(table, catalog))


def _default_sequence(node: exp.Expr) -> Key | None:
    """The sequence of a `DEFAULT nextval('seq'::regclass)`."""
    default = node.args.get("default") if isinstance(node, exp.AlterColumn) else node
    if not isinstance(default, exp.Expr):
        return None
    for call in default.find_all(exp.Anonymous):
        if call.name.lower() == "nextval" and call.expressions:
            literal = call.expressions[0].find(exp.Literal)
            if literal is not None and literal.is_string:
                return _key_of_name(str(literal.this))
    return None


def _default_is_owned_sequence(catalog: Catalog, subject: Subject) -> bool:
    key = subject.fact("default_sequence")
    sequence = catalog.sequences.get(key) if key else None
    if sequence is None or sequence.owned_by is None or subject.table is None:
        return False
    return sequence.owned_by == (subject.table, subject.fact("column"))


def _constraint_is_primary_key(catalog: Catalog, subject: Subject) -> bool:
    table = _table(catalog, subject)
    dropped = subject.fact("dropped")
    if table is None or not table.primary_key or dropped is None:
        return False
    return dropped == table.primary_key_name


def _type_key(node: exp.Expr) -> Key | None:
    """The type a DataType node names, when it is not a built-in one (a domain's name)."""
    if not isinstance(node, exp.DataType) or node.this != exp.DataType.Type.USERDEFINED:
        return None
    name = node.args.get("kind")
    if isinstance(name, exp.Dot):
        return folded(name.this), folded(name.expression)
    return (DEFAULT_SCHEMA, folded(name)) if isinstance(name, exp.Identifier) else None


# Character string types: `@@` on one of them searches text, through a text search
# configuration (PostgreSQL's text @@ text, text @@ tsquery and tsvector @@ text).
_STRING_TYPES = frozenset({"text", "character varying", "character", "name"})
_STRING_RESULTS = (
    exp.Lower,
    exp.Upper,
    exp.Concat,
    exp.ConcatWs,
    exp.DPipe,
    exp.Trim,
    exp.Substring,
)


def _text_search_operands(node: exp.Expr) -> tuple[bool, tuple[tuple[tuple[Key, ...], str], ...]]:
    """Of a `@@` (MatchAgainst): whether an operand is a character string by its own form (a
    cast, a string function), and the columns among its operands, each with the tables of
    its query it may belong to. Of any other node (a text search function): (True, ())."""
    if not isinstance(node, exp.MatchAgainst):
        return True, ()
    typed, columns = False, []
    for operand in [node.this, *node.expressions]:
        if isinstance(operand, exp.Cast):
            written = operand.to.sql(dialect="postgres") if operand.to else ""
            typed = typed or canonical(written) in _STRING_TYPES
        elif isinstance(operand, _STRING_RESULTS):
            typed = True
        elif isinstance(operand, exp.Column) and operand.name:
            columns.append((_query_tables(operand), operand.name.lower()))
    return typed, tuple(columns)


def _query_tables(column: exp.Column) -> tuple[Key, ...]:
    """The tables of the query a column reference may come from: those its qualifier names
    (a table or an alias), else every table of the query's FROM and JOINs."""
    select = column.find_ancestor(exp.Select)
    if select is None:
        return ()
    qualifier = column.table.lower()
    found = []
    for source in [select.args.get("from_"), *(select.args.get("joins") or [])]:
        table = source.this if source is not None else None
        if not isinstance(table, exp.Table):
            continue
        key = table_key(table)
        if key is not None and qualifier in ("", table.alias_or_name.lower(), key[1]):
            found.append(key)
    return tuple(found)


def _searches_text(catalog: Catalog, subject: Subject) -> bool:
    typed, columns = subject.fact("text_search_operands")
    for tables, column in columns:
        kind = next(
            (
                catalog.column_type(t, column)
                for k in tables
                if (t := catalog.table(k)) and column in t.columns
            ),
            "",
        )
        typed = typed or canonical(kind) in _STRING_TYPES
    return typed


# What catalog conditions ask of the matched node.
NODE_FACTS: dict[str, Callable[[Any], Any]] = {
    "type_key": _type_key,
    "column": node_column,
    "key_columns": key_columns,
    "is_primary": lambda node: isinstance(node, exp.PrimaryKey | exp.PrimaryKeyColumnConstraint),
    "default_sequence": _default_sequence,
    "text_search_operands": _text_search_operands,
    # the table a CREATE TABLE's LIKE copies
    "like_source": lambda node: (
        table_key(node.this) if isinstance(node, exp.LikeProperty) else None
    ),
    "dropped": lambda node: dropped_name(node) if isinstance(node, exp.Drop) else None,
    # the schema a table name is qualified with (`auth` of auth.users); "" for none
    "table_schema": lambda node: (
        folded(node.args.get("db")) if isinstance(node, exp.Table) and node.args.get("db") else ""
    ),
}

FACTS: dict[str, Callable[[Catalog, Subject], Any]] = {
    "table_indexes": _count("indexes"),
    "table_columns": _count("columns"),
    "schemas": lambda catalog, subject: len(catalog.schemas),
    "tables": lambda catalog, subject: len(catalog.tables),
    "views": lambda catalog, subject: len(catalog.views),
    # the schema the matched table name is qualified with was created in the input
    "table_schema_created": lambda catalog, subject: (
        subject.fact("table_schema") in catalog.schemas
    ),
    "table_known": lambda catalog, subject: _table(catalog, subject) is not None,
    # the table existed before this statement (it was created earlier in the input)
    "table_created_before": _table_created_before,
    "column_in_primary_key": lambda catalog, subject: bool(
        (table := _table(catalog, subject)) and subject.fact("column") in table.primary_key
    ),
    # a UNIQUE or PRIMARY KEY added to a table created earlier in the input that could be
    # declared in its CREATE TABLE (for a primary key: the table had none before)
    "new_table_key": _new_table_key,
    # the type, upper case as sqlglot writes it (BIGINT, INT, JSONB...), of the column the
    # node is about; "" when the table or column is unknown
    "column_type": _column_type,
    # how many of the plain key columns of an index, primary key or unique constraint have
    # type JSON or JSONB in the catalog
    "key_json_columns": _key_json_columns,
    # a SET DEFAULT nextval('s') where sequence s is OWNED BY this very column: pg_dump's
    # spelling of a SERIAL column
    "default_is_owned_sequence": _default_is_owned_sequence,
    # a DROP CONSTRAINT naming the table's primary key (declared name, or t_pkey)
    "constraint_is_primary_key": _constraint_is_primary_key,
    # the type is a domain created earlier in the input over a type DSQL refuses in columns
    "domain_refused": lambda catalog, subject: subject.fact("type_key") in catalog.refused_domains,
    # a text search function, or `@@` with an operand of a character string type (by its form
    # or the catalog's column type): either needs a text search configuration
    "searches_text": _searches_text,
    # the table LIKE copies has columns of a type a rule refused (it was created in the input)
    "copies_refused_columns": lambda catalog, subject: bool(
        (table := catalog.table(subject.fact("like_source"))) and table.refused
    ),
}


def subject_table(tree: exp.Expr | None) -> Key | None:
    """The table a statement is about: created, altered, dropped or indexed."""
    if isinstance(tree, exp.Create):
        target = tree.this
        if isinstance(target, exp.Index):
            return table_key(target.args.get("table"))
        table = target.this if isinstance(target, exp.Schema) else target
        return table_key(table)
    if isinstance(tree, exp.Alter):
        return table_key(tree.this)
    if isinstance(tree, exp.Drop):
        targets = _drop_targets(tree)
        return table_key(targets[0]) if targets else None
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "ALTER":
        match = _ALTER_COLUMN.match(_command_text(tree))
        return _key_of_name(match.group("table")) if match else None
    return None
