"""Tree rewrites that turn another dialect's DDL into PostgreSQL the DSQL fixes can finish.

sqlglot translates expressions and quoting; these handle what it carries over as is and
PostgreSQL rejects: AUTO_INCREMENT, UNSIGNED, ENUM and SET, MySQL column and table options,
KEY clauses inside CREATE TABLE. Each rewrite says what it did, and whether something was lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

DT = exp.DataType.Type
INTEGERS = {DT.TINYINT, DT.SMALLINT, DT.MEDIUMINT, DT.INT, DT.BIGINT}
# Type -> (PostgreSQL type, keep the type's parameters).
RETYPE: dict[DT, tuple[str, bool]] = {
    DT.TINYINT: ("SMALLINT", False),
    DT.MEDIUMINT: ("INT", False),
    DT.YEAR: ("SMALLINT", False),
    DT.TINYBLOB: ("BYTEA", False),
    DT.MEDIUMBLOB: ("BYTEA", False),
    DT.LONGBLOB: ("BYTEA", False),
    DT.BLOB: ("BYTEA", False),
    DT.BINARY: ("BYTEA", False),
    DT.VARBINARY: ("BYTEA", False),
}
# Unsigned type -> signed type holding all its values (UBIGINT cannot: it loses the top half).
UNSIGNED: dict[DT, tuple[str, bool]] = {
    DT.UTINYINT: ("SMALLINT", False),
    DT.USMALLINT: ("INT", False),
    DT.UMEDIUMINT: ("INT", False),
    DT.UINT: ("BIGINT", False),
    DT.UBIGINT: ("BIGINT", False),
    DT.UDECIMAL: ("DECIMAL", True),
    DT.UDOUBLE: ("DOUBLE PRECISION", False),
}
# Table options of other databases that mean nothing to PostgreSQL.
DROPPED_PROPERTIES = (
    exp.EngineProperty,
    exp.AutoIncrementProperty,
    exp.CharacterSetProperty,
    exp.CollateProperty,
    exp.RowFormatProperty,
    exp.ChecksumProperty,
)


@dataclass
class Note:
    summary: str
    lossy: bool = False


class Refused(Exception):
    """A statement with no PostgreSQL form the translation can write: kept as written."""


@dataclass
class Rewrite:
    """What rewriting one statement produced besides its tree."""

    notes: list[Note] = field(default_factory=list)
    after: list[str] = field(default_factory=list)  # statements to add after it
    instead: list[str] | None = None  # statements that replace it (its tree is not written)

    def note(self, summary: str, lossy: bool = False) -> None:
        self.notes.append(Note(summary, lossy))


def _sql(node: exp.Expr) -> str:
    return node.sql(dialect="postgres")


def _constraints(column: exp.ColumnDef) -> list[exp.ColumnConstraint]:
    return list(column.args.get("constraints") or [])


def _drop_constraint(constraint: exp.ColumnConstraint) -> None:
    constraint.pop()


def _add_constraint(column: exp.ColumnDef, kind: exp.Expr) -> None:
    column.append("constraints", exp.ColumnConstraint(kind=kind))


class Rewriter:
    """Rewrites statements one after the other; index names are unique across them, as
    PostgreSQL needs (MySQL's are per table)."""

    def __init__(self) -> None:
        self.index_names: set[str] = set()

    def rewrite(self, tree: exp.Expr) -> Rewrite:
        out = Rewrite()
        if isinstance(tree, (exp.Update, exp.Delete)) and tree.args.get("limit"):
            # Which rows a LIMIT picks is the table's key's to say (DSQL documents no ctid).
            verb = "UPDATE" if isinstance(tree, exp.Update) else "DELETE"
            raise Refused(
                f"{verb} ... LIMIT: PostgreSQL has no LIMIT on {verb}; pick the rows by key, "
                f"{verb} ... WHERE id IN (SELECT id FROM ... WHERE ... LIMIT n)"
            )
        table = self._table_of(tree)
        for column in list(tree.find_all(exp.ColumnDef)):
            self._column(column, table, out)
        if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema):
            self._table_elements(tree.this, table, out)
            self._properties(tree, table, out)
        if isinstance(tree, exp.Alter):
            self._alter(tree, out)
        return out

    # -- ALTER TABLE: MODIFY and CHANGE COLUMN ------------------------------------------------

    def _alter(self, tree: exp.Alter, out: Rewrite) -> None:
        """MySQL's MODIFY and CHANGE COLUMN restate a column whole: its type, whether it takes
        NULL, its default. PostgreSQL says each with ALTER COLUMN, and a rename on its own."""
        actions = list(tree.args.get("actions") or [])
        if not any(isinstance(a, exp.ModifyColumn) for a in actions):
            return
        statements: list[str] = []
        pending: list[exp.Expr] = []  # actions PostgreSQL writes as they are
        altered: list[str] = []  # ALTER COLUMN clauses

        def flush() -> None:
            if pending:
                rest = tree.copy()
                rest.set("actions", [p.copy() for p in pending])
                statements.append(_sql(rest))
            if altered:
                statements.append(f"ALTER TABLE {_sql(tree.this)} {', '.join(altered)}")
            pending.clear()
            altered.clear()

        for action in actions:
            if not isinstance(action, exp.ModifyColumn):
                if altered:
                    flush()  # in the order written
                pending.append(action)
                continue
            if pending:
                flush()
            column = action.this
            old = action.args.get("rename_from")
            if isinstance(old, exp.Identifier) and old.this != column.this.this:
                flush()
                renamed = f"RENAME COLUMN {_sql(old)} TO {_sql(column.this)}"
                statements.append(f"ALTER TABLE {_sql(tree.this)} {renamed}")
                out.note(f"CHANGE COLUMN {old.name} {column.name} -> RENAME COLUMN")
            altered.extend(self._modify(column, out))
        flush()
        out.instead = [s + ";" for s in statements]

    def _modify(self, column: exp.ColumnDef, out: Rewrite) -> list[str]:
        name = column.name
        if column.find(exp.GeneratedAsIdentityColumnConstraint, exp.AutoIncrementColumnConstraint):
            raise Refused(
                f"MODIFY COLUMN {name} ... AUTO_INCREMENT: no one-statement form; write"
                f" ALTER TABLE ... ALTER COLUMN {name} ADD GENERATED BY DEFAULT AS IDENTITY"
            )
        target = _sql(column.this)
        kind = column.args.get("kind")
        clauses = [f"ALTER COLUMN {target} TYPE {_sql(kind)}"] if kind is not None else []
        not_null = default = None
        for constraint in _constraints(column):
            part = constraint.args.get("kind")
            if isinstance(part, exp.NotNullColumnConstraint):
                not_null = not part.args.get("allow_null")
            elif isinstance(part, exp.DefaultColumnConstraint):
                default = part.this
            else:
                raise Refused(f"MODIFY COLUMN {name} ... {_sql(part)}: no ALTER COLUMN form")
        # MODIFY restates the column: what it leaves out (NOT NULL, a default) is dropped.
        clauses.append(f"ALTER COLUMN {target} {'SET' if not_null else 'DROP'} NOT NULL")
        if default is None or isinstance(default, exp.Null):
            clauses.append(f"ALTER COLUMN {target} DROP DEFAULT")
        else:
            clauses.append(f"ALTER COLUMN {target} SET DEFAULT {_sql(default)}")
        out.note(f"{name}: MODIFY COLUMN -> ALTER COLUMN TYPE, NOT NULL and DEFAULT")
        return clauses

    @staticmethod
    def _table_of(tree: exp.Expr) -> exp.Table | None:
        table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return table if isinstance(table, exp.Table) else None

    # -- columns -------------------------------------------------------------------------

    def _column(self, column: exp.ColumnDef, table: exp.Table | None, out: Rewrite) -> None:
        position = column.args.get("position")
        if position is not None:
            column.set("position", None)
            out.note(f"{column.name}: {_sql(position)} dropped: PostgreSQL adds columns last")
        kind = column.args.get("kind")
        if isinstance(kind, exp.DataType):
            self._type(column, kind, out)
        for constraint in _constraints(column):
            self._column_constraint(column, constraint, table, out)
        if table is not None and kind is not None:
            self._auto_increment(column, table, out)

    def _type(self, column: exp.ColumnDef, kind: exp.DataType, out: Rewrite) -> None:
        name = column.name
        if kind.this in UNSIGNED:
            target, keep = UNSIGNED[kind.this]
            lossy = kind.this is DT.UBIGINT
            column.set("kind", _retyped(kind, target, keep))
            checked = not _is_auto_increment(column)  # an identity never goes below 1
            if checked:
                _add_constraint(
                    column,
                    exp.CheckColumnConstraint(
                        this=exp.GTE(
                            this=exp.column(name, quoted=True), expression=exp.Literal.number(0)
                        )
                    ),
                )
            lost = ": values above 9223372036854775807 no longer fit" if lossy else ""
            bound = f" CHECK ({name} >= 0)" if checked else ""
            written = kind.sql(dialect="mysql")  # UNSIGNED is MySQL's: say it as MySQL does
            out.note(f"{name}: `{written}` -> {target}{bound}{lost}", lossy)
        elif kind.this in RETYPE:
            target, keep = RETYPE[kind.this]
            column.set("kind", _retyped(kind, target, keep))
        elif kind.this in INTEGERS and kind.expressions:
            kind.set("expressions", [])  # display widths: int(11)
        elif kind.this is DT.ENUM:
            values = [e.copy() for e in kind.expressions]
            column.set("kind", exp.DataType.build("TEXT"))
            check = exp.In(this=exp.column(name, quoted=True), expressions=values)
            _add_constraint(column, exp.CheckColumnConstraint(this=check))
            listed = ", ".join(_sql(v) for v in values)
            out.note(
                f"{name}: ENUM({listed}) -> TEXT CHECK (IN ...): the values' order is lost", True
            )
        elif kind.this is DT.SET:
            listed = ", ".join(_sql(v) for v in kind.expressions)
            column.set("kind", exp.DataType.build("TEXT"))
            out.note(
                f"{name}: SET({listed}) -> TEXT: the allowed values are no longer enforced", True
            )
        elif _is_max_length(kind):
            column.set("kind", exp.DataType.build("TEXT"))

    def _column_constraint(
        self,
        column: exp.ColumnDef,
        constraint: exp.ColumnConstraint,
        table: exp.Table | None,
        out: Rewrite,
    ) -> None:
        kind = constraint.args.get("kind")
        name = column.name
        if isinstance(kind, exp.CharacterSetColumnConstraint):
            _drop_constraint(constraint)
        elif isinstance(kind, exp.CollateColumnConstraint):
            _drop_constraint(constraint)
            out.note(
                f"{name}: COLLATE {_sql(kind.this)} dropped: comparisons now use DSQL's collation",
                True,
            )
        elif isinstance(kind, exp.OnUpdateColumnConstraint):
            _drop_constraint(constraint)
            out.note(
                f"{name}: ON UPDATE {_sql(kind.this)} dropped: the application must set it",
                True,
            )
        elif isinstance(kind, exp.CommentColumnConstraint):
            _drop_constraint(constraint)
            if table is not None:
                out.after.append(
                    f"COMMENT ON COLUMN {_sql(table)}.{_sql(column.this)} IS {_sql(kind.this)};"
                )
        elif isinstance(kind, exp.DefaultColumnConstraint) and _is_zero_date(kind.this):
            _drop_constraint(constraint)
            out.note(
                f"{name}: DEFAULT {_sql(kind.this)} dropped: PostgreSQL has no zero dates", True
            )

    def _auto_increment(self, column: exp.ColumnDef, table: exp.Table, out: Rewrite) -> None:
        for constraint in _constraints(column):
            if isinstance(constraint.args.get("kind"), exp.AutoIncrementColumnConstraint):
                kind = column.args["kind"]
                wide = isinstance(kind, exp.DataType) and kind.this in (DT.BIGINT, DT.UBIGINT)
                constraint.set("kind", exp.GeneratedAsIdentityColumnConstraint(this=False))
                column.set("kind", exp.DataType.build("BIGINT"))
                widened = "" if wide else ", widened to BIGINT"
                out.note(f"{column.name}: AUTO_INCREMENT -> identity column{widened}", not wide)

    # -- table elements and options ------------------------------------------------------

    def _table_elements(self, schema: exp.Schema, table: exp.Table | None, out: Rewrite) -> None:
        for element in list(schema.expressions):
            if isinstance(element, exp.IndexColumnConstraint):
                self._index(element, table, out)
                element.pop()
            elif isinstance(element, exp.UniqueColumnConstraint) and isinstance(
                element.this, exp.Schema
            ):
                # UNIQUE KEY name (cols) -> CONSTRAINT name UNIQUE (cols)
                named = element.this
                unique = exp.UniqueColumnConstraint(this=exp.Schema(expressions=named.expressions))
                element.replace(exp.Constraint(this=named.this, expressions=[unique]))

    def _index(
        self, index: exp.IndexColumnConstraint, table: exp.Table | None, out: Rewrite
    ) -> None:
        kind = index.args.get("kind")
        name = index.this.name if index.this else ""
        if kind or table is None:
            out.note(
                f"{kind or ''} KEY {name} dropped: DSQL has no such index".replace("  ", " "), True
            )
            return
        columns = []
        for column in index.expressions:
            if isinstance(column, exp.ColumnPrefix):
                out.note(f"index {name}: prefix length on {column.name} dropped (whole values)")
                column = exp.column(column.this.copy())
            columns.append(_sql(column))
        unique_name = name if name not in self.index_names else f"{table.name}_{name}"
        self.index_names.add(unique_name)
        identifier = _sql(
            exp.to_identifier(unique_name, quoted=bool(index.this and index.this.quoted))
        )
        out.after.append(f"CREATE INDEX {identifier} ON {_sql(table)} ({', '.join(columns)});")
        out.note(f"KEY {name} -> CREATE INDEX {unique_name}")

    def _properties(self, create: exp.Create, table: exp.Table | None, out: Rewrite) -> None:
        properties = create.args.get("properties")
        if properties is None:
            return
        start = next(
            (p.this for p in properties.expressions if isinstance(p, exp.AutoIncrementProperty)),
            None,
        )
        dropped = []
        for prop in list(properties.expressions):
            if isinstance(prop, exp.SchemaCommentProperty) and table is not None:
                out.after.append(f"COMMENT ON TABLE {_sql(table)} IS {_sql(prop.this)};")
                prop.pop()
            elif isinstance(prop, DROPPED_PROPERTIES):
                dropped.append(_sql(prop))
                prop.pop()
        if not properties.expressions:
            create.set("properties", None)
        if dropped:
            out.note(f"table options dropped: {', '.join(dropped)}")
        if start is not None and start.name not in ("", "1"):
            for identity in create.find_all(exp.GeneratedAsIdentityColumnConstraint):
                identity.set("start", start.copy())


def _retyped(kind: exp.DataType, target: str, keep_params: bool) -> exp.DataType:
    new = exp.DataType.build(target)
    if keep_params and kind.expressions:
        new.set("expressions", [e.copy() for e in kind.expressions])
    return new


def _is_auto_increment(column: exp.ColumnDef) -> bool:
    return any(
        isinstance(c.args.get("kind"), exp.AutoIncrementColumnConstraint)
        for c in _constraints(column)
    )


def _is_zero_date(value: exp.Expr | None) -> bool:
    return (
        isinstance(value, exp.Literal) and value.is_string and value.this.startswith("0000-00-00")
    )


def _is_max_length(kind: exp.DataType) -> bool:
    """VARCHAR(MAX), NVARCHAR(MAX): SQL Server's unbounded text."""
    params = kind.expressions
    return len(params) == 1 and params[0].name.upper() == "MAX"
