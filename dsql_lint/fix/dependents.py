"""What depends on a column whose type a fix changes, carried to the new type or the fix declined.

A fix that turns `tags text[]` into `tags jsonb` or `id SERIAL` into `id UUID` leaves every later
statement written for the old type: `cardinality(tags)`, `INSERT ... VALUES ('{a,b}')`, a child
column `parent_id integer REFERENCES parent (id)`. Each use of the column in the statements after
its definition (and in later files of the same run) is judged: it works with the new type as
written, it is rewritten to it (`jsonb_array_length(tags)`, `'["a","b"]'`, the child column's
type), or the fix is declined with the reason, since PostgreSQL would refuse the result.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from dsql_lint.fix.context import whole_tokens
from dsql_lint.fix.edits import Edit, replace
from dsql_lint.lint.schema import DEFAULT_SCHEMA, Catalog, Table
from dsql_lint.lint.uses import KEYS, Uses, key_columns, key_name, owner, uses_of
from dsql_lint.lint.uses import folded as _folded
from dsql_lint.lint.uses import table_name as _table_name
from dsql_lint.syntax import locate
from dsql_lint.syntax.parse import Parsed, node_span, parse
from dsql_lint.syntax.split import Statement
from dsql_lint.syntax.tokens import Tokens

# What the new type text holds besides the type: `UUID DEFAULT gen_random_uuid()`.
_TYPE_ALONE = re.compile(r"\s+(?:DEFAULT|GENERATED|NOT|NULL|CHECK)\b.*\Z", re.IGNORECASE | re.S)
_INTEGERS = {"SMALLINT", "INT", "INTEGER", "BIGINT", "INT2", "INT4", "INT8"}
_SERIALS = {"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"}
_NUMERIC_ELEMENTS = re.compile(r"\s*(int|bigint|smallint|numeric|decimal|real|double|float)", re.I)
_WORD = re.compile(r'"(?:[^"]|"")+"|\w+')
# Functions that serialise any value as JSON: an array and a JSON array come out the same.
_TO_JSON = {
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
    "to_json",
    "to_jsonb",
    "json_agg",
    "jsonb_agg",
}
# CREATE FUNCTION and the function's name (without its schema).
_DEFINES_FUNCTION = re.compile(
    r'\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:[\w"]+\s*\.\s*)?("(?:[^"]|"")+"|\w+)', re.I
)
# The types any type becomes in ALTER COLUMN ... TYPE without USING (an I/O conversion cast).
_STRINGS = {"TEXT", "VARCHAR", "CHARACTERVARYING"}
# Index methods whose default operator class takes the new types (text, jsonb, uuid, bigint).
_PLAIN_METHODS = {"", "btree", "hash"}


class Declined(Exception):
    """A use of the column that the new type cannot take and no rewrite carries."""


def norm_type(text: str) -> str:
    return re.sub(r"\([^)]*\)|\s+", "", text).upper()


@dataclass(frozen=True)
class Change:
    table: str  # as PostgreSQL folds it, without schema
    column: str
    old: str  # the type as written
    new: str  # the new type as the fix writes it (with DEFAULT or GENERATED, if any)
    position: int | None = None  # its place among the table's columns (INSERT without a list)

    @property
    def new_type(self) -> str:
        """The new type alone: what a referencing column becomes."""
        return _TYPE_ALONE.sub("", self.new).strip()

    @property
    def kind(self) -> str:
        """`widen` (an integer to a wider one), `array-json`, `text`, `numeric`, `uuid` or
        `other`."""
        old, new = norm_type(self.old), norm_type(self.new_type)
        if (old in _INTEGERS or old in _SERIALS) and new in _INTEGERS:
            return "widen"
        if new in ("JSON", "JSONB") and (old.endswith("]") or "ARRAY" in old):
            return "array-json"
        if new in ("TEXT", "VARCHAR", "CHARACTERVARYING"):
            return "text"
        if new.startswith(("NUMERIC", "DECIMAL")):
            return "numeric"
        return "uuid" if new == "UUID" else "other"

    @property
    def numeric(self) -> bool:
        return _NUMERIC_ELEMENTS.match(self.old) is not None


class Place:
    """The statements of one file that a change may reach, and whether they can be edited.
    `check` keeps no trees: what each statement names is read from its `Uses`, recorded while
    it was linted (or from a parse when none was), and a statement is parsed again only when
    a change needs its tree."""

    def __init__(
        self,
        path: str,
        statements: Sequence[Statement],
        editable: bool,
        parsed: Sequence[Parsed] = (),
        uses: Sequence[Uses | None] = (),
        before: Callable[[], Catalog] | None = None,
    ) -> None:
        self.path = path
        self.statements = statements
        self.editable = editable
        # A long INSERT's shape holds its last rows only: such a statement is parsed whole.
        self._parsed = {k: p for k, p in enumerate(parsed) if p.rows is None}
        self._uses: dict[int, Uses] = {
            k: found for k, found in enumerate(uses) if found is not None
        }
        # Table name -> the statements that may name it: a change looks only at those naming
        # its table.
        self._index: dict[str, list[int]] | None = None
        # The schema model before the file (earlier files' tables), made when first asked.
        self._before = before
        self._catalog: Catalog | None = None
        # The columns that other findings of the file change -> their new type (norm_type),
        # made when first asked (`changes`): a foreign key between two of them holds.
        # `relied`: those a judgment counted on.
        self.changes: Callable[[], dict[tuple[str, str], str]] = dict
        self._changing: dict[tuple[str, str], str] | None = None
        self.relied: set[tuple[str, str]] = set()
        # The tokens of the statement read last: its findings come one after another.
        self._tokens: tuple[int, Tokens] | None = None

    @property
    def changing(self) -> dict[tuple[str, str], str]:
        if self._changing is None:
            self._changing = self.changes()
        return self._changing

    def unchanged(self, column: tuple[str, str]) -> None:
        """A change of the file is declined: the column keeps its type."""
        if self._changing is not None:
            self._changing.pop(column, None)

    def table_before(self, name: str) -> Table | None:
        """Table `name` as the files before this one left it (the schema model)."""
        if self._before is None:
            return None
        if self._catalog is None:
            self._catalog = self._before()
        found = self._catalog.table((DEFAULT_SCHEMA, name))
        if found is None:  # in another schema of the search path
            found = next((t for t in self._catalog.tables.values() if t.name == name), None)
        return found

    def parsed(self, k: int) -> Parsed:
        if k not in self._parsed:
            self._parsed[k] = parse(self.statements[k])
        return self._parsed[k]

    def uses(self, k: int) -> Uses:
        found = self._uses.get(k)
        if found is None:
            found = self._uses[k] = uses_of(self.parsed(k).tree)
        return found

    def tokens(self, k: int) -> Tokens:
        if self._tokens is None or self._tokens[0] != k:
            self._tokens = (k, whole_tokens(self.statements[k], self._parsed.get(k)))
        return self._tokens[1]

    def line(self, k: int) -> str:
        """Where statement `k` is, as a finding's note names it."""
        return f"{self.path}:{self.statements[k].line}"

    def naming(self, table: str, start: int = 0) -> Iterator[int]:
        """The statements from `start` on that may name `table` (or a function), in order:
        those whose tree names it, by their recorded uses, and those without uses (or a
        routine's, whose body is text) whose words spell it."""
        if self._index is None:
            self._index = {}
            for k, statement in enumerate(self.statements):
                known = self._uses.get(k)
                readable = known is not None and known.readable and not known.routine
                named = known.tables if readable else None
                for word in _words(statement.text) if named is None else named:
                    self._index.setdefault(word, []).append(k)
        found = self._index.get(table, [])
        yield from found[bisect.bisect_left(found, start) :]


@dataclass
class Followed:
    """What following a change found: edits in the file being fixed, and the columns that
    take the new type with it (a referencing column), so that comparing them stays valid."""

    here: Place
    edits: list[Edit] = field(default_factory=list)
    changed: set[tuple[str, str]] = field(default_factory=set)
    retyped: set[tuple[str, str]] = field(default_factory=set)  # referencing columns done
    # The columns of views that show the column (view, column, its statement, its place):
    # what uses them follows the change too.
    views: list[tuple[str, str, int, Place]] = field(default_factory=list)


def follow(change: Change, defined: int, here: Place, later: Iterable[Place] = ()) -> list[Edit]:
    """The edits carrying the statements after statement `defined` of `here` (and the files
    of `later`) to the change; raises Declined."""
    if change.kind == "widen":
        _inherits(change, here.uses(defined))
        return []
    found = Followed(here, changed={(change.table, change.column)})
    definition = here.parsed(defined)
    if definition.tree is not None:
        _keys_added(change, definition, definition.tree, here, found)
    later = list(later)
    _follow(change, defined, here, later, found)
    # A view's column that shows the column takes its new type: its uses follow in turn.
    while found.views:
        view, column, index, place = found.views.pop(0)
        if (view, column) in found.changed:
            continue
        found.changed.add((view, column))
        after = later if place is here else later[later.index(place) + 1 :]
        shown = Change(view, column, change.old, change.new)
        _follow(shown, index, place, after, found)
    return found.edits


def _follow(
    change: Change, defined: int, here: Place, later: Iterable[Place], found: Followed
) -> None:
    if change.kind == "widen":
        _inherits(change, here.uses(defined))
        return
    # Columns that reference this one take its type first: comparing them stays valid.
    primary = _primary_key(change.table, here, here)
    children = [
        child
        for k in here.naming(change.table, defined)
        for child in _referencing(change, k, here, primary)
    ]
    for place in later:
        for k in place.naming(change.table):
            if any(True for _ in _referencing(change, k, place, primary)):
                raise Declined(
                    f"{place.line(k)} references {change.table} ({change.column}), in another file"
                )
    found.changed.update((c.table, c.column) for c in children)
    places = [(here, defined + 1), *((p, 0) for p in later)]
    for place, first in places:
        for k in place.naming(change.table, first):
            uses = place.uses(k)
            if change.table in uses.redefines:
                break  # the column after it is another
            if not _may_use(change, uses, place.statements[k]):
                continue
            parsed = place.parsed(k)
            for edit in _statement(change, parsed, place, found):
                if not place.editable:
                    raise Declined(
                        f"{_where(place, parsed)} uses {change.column} as"
                        f" {change.old}, in another file"
                    )
                found.edits.append(edit)
    for child in children:
        _child(change, child, here, later, found)


def _where(place: Place, parsed: Parsed) -> str:
    return f"{place.path}:{parsed.statement.line}"


def _may_use(change: Change, uses: Uses, statement: Statement) -> bool:
    """Whether `_statement` can find anything in a statement with these uses: one it cannot
    read, a function's body (text), or one naming the table that names the column, writes
    rows, fires a trigger, or alters the table with the column's name in its words (a key
    list, ALTER COLUMN ... TYPE, a REFERENCES: names, not column references)."""
    if not uses.readable or uses.routine:
        return True
    if change.table not in uses.tables:
        return False
    return (
        change.column in uses.columns
        or uses.writes
        or uses.trigger
        or (uses.owner == change.table and change.column in _words(statement.text))
    )


def _inherits(change: Change, uses: Uses) -> None:
    """A table that inherits keeps its parent's column types: a widened column conflicts."""
    if uses.inherits:
        raise Declined(
            f"{change.table} inherits from another table, whose {change.column} keeps its type"
        )


def _aliases(tree: exp.Expr) -> dict[str, str]:
    """Each name or alias a table goes by in the statement -> the table's name."""
    out: dict[str, str] = {}
    for table in tree.find_all(exp.Table):
        name = _table_name(table)
        if name is None:
            continue
        out.setdefault(name, name)
        alias = table.args.get("alias")
        alias_name = _folded(alias.this) if isinstance(alias, exp.TableAlias) else None
        if alias_name:
            out[alias_name] = name
    return out


def _names(parsed: Parsed) -> set[str]:
    """The names a statement uses, folded: its tree's identifiers, or the words of a statement
    without one (for a conservative look)."""
    tree = parsed.tree
    if tree is not None and not isinstance(tree, exp.Command):
        return {name for i in tree.find_all(exp.Identifier) if (name := _folded(i))}
    return _words(parsed.statement.text)


def _words(text: str) -> set[str]:
    """The words of a text as names, folded as PostgreSQL folds them."""
    return {
        w[1:-1].replace('""', '"') if w.startswith('"') else w.lower() for w in _WORD.findall(text)
    }


def _statement(change: Change, parsed: Parsed, place: Place, found: Followed) -> Iterator[Edit]:
    tree = parsed.tree
    if tree is None or isinstance(tree, exp.Command):
        words = _names(parsed)
        if change.table in words and change.column in words:
            raise Declined(
                f"{_where(place, parsed)} names {change.table} and {change.column}"
                " in a statement fix cannot read"
            )
        return
    if isinstance(tree, exp.Create) and tree.kind in ("FUNCTION", "PROCEDURE"):
        _body(change, parsed, tree, place)
        return
    aliases = _aliases(tree)
    if change.table not in aliases.values():
        return
    if owner(tree) == change.table:
        _keys_added(change, parsed, tree, place, found)
    trigger = tree.find(exp.TriggerProperties) if isinstance(tree, exp.Create) else None
    if trigger is not None and _table_name(trigger.args.get("table")) == change.table:
        # Its WHEN clause reads the row as NEW and OLD, and its function may read the column.
        aliases = {**aliases, "new": change.table, "old": change.table}
        _trigger_function(change, parsed, trigger, place, found)
    if isinstance(tree, exp.Alter) and owner(tree) == change.table:
        _types_altered(change, parsed, tree, place)
    handled: set[int] = set()
    if isinstance(tree, exp.Insert):
        yield from _insert(change, parsed, tree, place, handled)
    elif isinstance(tree, exp.Copy):
        _copy(change, parsed, tree, place)
    for column in tree.find_all(exp.Column):
        if id(column) in handled or not _is_the_column(column, change, aliases):
            continue
        yield from _use(change, parsed, column, place, found, handled)
    view = _table_name(tree.this) if isinstance(tree, exp.Create) else None
    if view is not None and tree.kind == "VIEW":
        found.views.extend(
            (view, name, parsed.statement.index, place) for name in _shown(change, tree, aliases)
        )


def _types_altered(change: Change, parsed: Parsed, tree: exp.Alter, place: Place) -> None:
    """Declines an ALTER COLUMN ... TYPE of the column to a type that PostgreSQL does not cast
    the new type to without USING (inet -> cidr, once the column is text): the new type
    itself and string types it casts any type to."""
    for action in tree.args.get("actions") or []:
        if not isinstance(action, exp.AlterColumn) or _folded(action.this) != change.column:
            continue
        dtype = action.args.get("dtype")
        if dtype is None:
            continue
        written = dtype.sql(dialect="postgres")
        if norm_type(written) not in {norm_type(change.new_type), *_STRINGS}:
            raise Declined(
                f"{_where(place, parsed)} changes {change.column} to {written}, which"
                f" PostgreSQL does not cast {change.new_type} to"
            )


def _body(change: Change, parsed: Parsed, tree: exp.Create, place: Place) -> None:
    """Declines a function or procedure whose body names the table and the column: fix does
    not rewrite bodies, and PostgreSQL checks a LANGUAGE sql body against the new type when it
    creates the function (`RETURNS inet` of a text column, `cardinality()` of a jsonb one)."""
    body = tree.expression
    words = _words(body.name) if isinstance(body, exp.Heredoc | exp.Literal) else set()
    if change.table in words and change.column in words:
        raise Declined(
            f"{_where(place, parsed)} uses {change.table}.{change.column} in the body of"
            f" {tree.kind.lower()} {_routine_name(tree)}, which fix does not rewrite"
        )


def _routine_name(tree: exp.Create) -> str:
    target = tree.this
    if isinstance(target, exp.UserDefinedFunction):
        target = target.this
    return target.name if isinstance(target, exp.Table) else "?"


def _trigger_function(
    change: Change, parsed: Parsed, trigger: exp.TriggerProperties, place: Place, found: Followed
) -> None:
    """Declines a trigger on the table whose function's body names the column (`NEW.ip`):
    the function reads it as its old type when the trigger fires."""
    execute = trigger.args.get("execute")
    called = execute.this if isinstance(execute, exp.TriggerExecute) else None
    name = called.name.lower() if isinstance(called, exp.Func) and called.name else None
    if name is None:
        return
    short = name.split(".")[-1]
    for where in dict.fromkeys((place, found.here)):
        for k in where.naming(short):
            text = where.statements[k].text
            defines = _DEFINES_FUNCTION.match(text)
            if defines is None or defines.group(1).strip('"').lower() != short:
                continue
            if change.column in _words(text[defines.end() :]):
                raise Declined(
                    f"{_where(place, parsed)}: a trigger on {change.table} runs {name}(),"
                    f" whose body ({where.line(k)}) uses {change.column}, which fix"
                    " does not rewrite"
                )


def _shown(change: Change, tree: exp.Create, aliases: dict[str, str]) -> list[str]:
    """The columns of a view that show the column as it is: they take its new type."""
    query = tree.expression
    if not isinstance(query, exp.Select):
        return []
    names = []
    for projection in query.expressions:
        if isinstance(projection, exp.Alias):
            inner, name = projection.this, _folded(projection.args.get("alias"))
        else:
            inner, name = projection, _folded(projection.this)
        if isinstance(inner, exp.Column) and _is_the_column(inner, change, aliases) and name:
            names.append(name)
    return names


def _keys_added(
    change: Change, parsed: Parsed, tree: exp.Expr, place: Place, found: Followed
) -> None:
    """Declines a key or constraint that an ALTER TABLE adds over the column, when the new type
    cannot take it: any key of a jsonb column (DSQL307), a foreign key to a column that keeps
    its type (PostgreSQL compares the two). Its column lists are names, not expressions, so the
    uses of the column read elsewhere miss them."""
    for key in tree.find_all(*KEYS):
        phrase = next(words for kind, words in KEYS.items() if isinstance(key, kind))
        columns = key_columns(key)
        if change.column not in columns:
            continue
        if change.kind == "array-json":
            raise Declined(
                f"{_where(place, parsed)} makes {change.column} part of {phrase}, and DSQL"
                f" cannot use a {change.new_type} column in a key (DSQL307)"
            )
        if isinstance(key, exp.ExcludeColumnConstraint):
            _exclusion(change, key, parsed, place)
    _references_from(change, parsed, place, found)


def _exclusion(
    change: Change, key: exp.ExcludeColumnConstraint, parsed: Parsed, place: Place
) -> None:
    """Declines an exclusion constraint over the column unless it compares it with `=` in a
    btree or hash index, which every new type has: `inet_ops WITH &&` under gist has no
    operator class or operator for text."""
    params = key.this
    if not isinstance(params, exp.IndexParameters):
        return
    using = params.args.get("using")
    method = using.name.lower() if using is not None else ""
    for entry in params.args.get("columns") or []:
        if key_name(entry) != change.column:
            continue
        operator = entry.args.get("op") if isinstance(entry, exp.WithOperator) else None
        plain = entry.find(exp.Opclass) is None and method in _PLAIN_METHODS
        if plain and operator is not None and operator.name == "=":
            continue
        constraint = key.parent
        name = _folded(constraint.this) if isinstance(constraint, exp.Constraint) else None
        shown = f"exclusion constraint {name}" if name else "an exclusion constraint"
        start, end = node_span(parsed, entry)
        written = parsed.statement.source.text[start:end]
        raise Declined(
            f"{_where(place, parsed)} makes {change.column} part of {shown} (USING"
            f" {method or 'btree'}, `{written}`), whose operator class or operator may not"
            f" exist for {change.new_type}"
        )


def _references_from(change: Change, parsed: Parsed, place: Place, found: Followed) -> None:
    """Declines a foreign key from the column (REFERENCES in its definition, FOREIGN KEY in
    its table's statement) to a column whose type does not become the new one: PostgreSQL
    compares the two, and refuses uuid against integer."""
    tree = parsed.tree
    if change.kind == "widen" or tree is None or owner(tree) != change.table:
        return
    for reference in tree.find_all(exp.Reference):
        parent = reference.parent
        if isinstance(parent, exp.ForeignKey):
            columns = [key_name(e) for e in parent.expressions]
        else:
            coldef = reference.find_ancestor(exp.ColumnDef)
            columns = [_folded(coldef.this)] if coldef is not None else []
        if change.column not in columns:
            continue
        target = _referenced(reference, columns.index(change.column), place, found.here)
        if target is None or not _takes(change, target, place, found):
            table, column = target or (None, None)
            to = f"{table} ({column})" if table and column else "a column"
            raise Declined(
                f"{_where(place, parsed)} makes {change.column} a foreign key to {to},"
                " whose type does not change with it"
            )


def _takes(change: Change, target: tuple[str, str], place: Place, found: Followed) -> bool:
    """Whether the referenced column `target` has the change's new type once fixed: it
    changes with it (the change's own key, or another finding's change to the same type),
    or has that type already."""
    new = norm_type(change.new_type)
    if target in found.changed:
        return True
    if found.here.changing.get(target) == new:
        found.here.relied.add(target)
        return True
    current = _column_type(target, place, found.here)
    return current is not None and norm_type(current) == new


def _column_type(target: tuple[str, str], *places: Place) -> str | None:
    """The type of column `target` as its CREATE TABLE writes it (in one of `places`, or in
    the schema model of the files before)."""
    table, column = target
    for place in places:
        for k in place.naming(table):
            if place.uses(k).owner != table:
                continue
            tree = place.parsed(k).tree
            if not isinstance(tree, exp.Create) or owner(tree) != table:
                continue
            for coldef in tree.find_all(exp.ColumnDef):
                kind = coldef.args.get("kind")
                if _folded(coldef.this) == column and isinstance(kind, exp.DataType):
                    return kind.sql(dialect="postgres")
    known = places[-1].table_before(table) if places else None
    return known.columns.get(column) if known is not None else None


def _referenced(
    reference: exp.Reference, at: int, place: Place, here: Place
) -> tuple[str, str] | None:
    """The table and column that the reference's column `at` points at, when known."""
    target = reference.this
    if isinstance(target, exp.Schema):
        table = _table_name(target.this)
        columns = [_folded(e) for e in target.expressions]
    else:
        table = _table_name(target)
        columns = []
    if table is not None and not columns:
        columns = _primary_key(table, place, here)  # REFERENCES p: its primary key
    column = columns[at] if at < len(columns) else None
    return (table, column) if table and column else None


def _is_the_column(column: exp.Column, change: Change, aliases: dict[str, str]) -> bool:
    if _folded(column.this) != change.column:
        return False
    qualifier = _folded(column.args.get("table"))
    if qualifier is None:
        return True  # unqualified in a statement that names the table: taken as its column
    return aliases.get(qualifier) == change.table


# --- values written into the column -------------------------------------------------------


def _insert(
    change: Change, parsed: Parsed, tree: exp.Insert, place: Place, handled: set[int]
) -> Iterator[Edit]:
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    if _table_name(table) != change.table:
        return
    if isinstance(target, exp.Schema):
        names = [_folded(e) for e in target.expressions]
        if change.column not in names:
            return
        at: int | None = names.index(change.column)
    else:
        at = change.position
    source = tree.expression
    if isinstance(source, exp.Values):
        for row in source.expressions:
            values = row.expressions if isinstance(row, exp.Tuple) else [row]
            if at is None:
                raise Declined(f"{_where(place, parsed)} inserts into {change.table} by position")
            if at >= len(values):
                continue  # the row leaves the column to its default
            handled.update(id(n) for n in values[at].walk())
            yield from _value(change, parsed, values[at], place)
    elif source is not None and change.kind not in ("text",):
        raise Declined(
            f"{_where(place, parsed)} inserts the result of a query into {change.column}"
        )


def _copy(change: Change, parsed: Parsed, tree: exp.Copy, place: Place) -> None:
    target = tree.this
    names = [_folded(e) for e in target.expressions] if isinstance(target, exp.Schema) else None
    if change.kind != "text" and (names is None or change.column in names):
        raise Declined(f"{_where(place, parsed)} copies rows into {change.column} as {change.old}")


def _value(change: Change, parsed: Parsed, value: exp.Expr, place: Place) -> Iterator[Edit]:
    """A value given to the column (INSERT, UPDATE SET, SET DEFAULT) in the new type."""
    if isinstance(value, exp.Null) or _is_default(value) or change.kind == "text":
        return  # text takes any value through its assignment cast
    if change.kind == "numeric" and _is_number(value):
        return  # as money does, numeric takes a number, rounded to its scale
    if change.kind == "array-json":
        literal = array_json(value, change.numeric)
        if literal is not None:
            start, end = node_span(parsed, value)
            yield replace(start, end, literal)
            return
    raise Declined(
        f"{_where(place, parsed)} writes {_short(value)} into {change.column},"
        f" which {change.new_type} does not take"
    )


def _is_number(value: exp.Expr) -> bool:
    while isinstance(value, exp.Neg | exp.Paren):
        value = value.this
    return isinstance(value, exp.Literal) and value.is_number


def _is_default(value: exp.Expr) -> bool:
    return isinstance(value, exp.Var | exp.Column) and value.name.upper() == "DEFAULT"


def array_json(value: exp.Expr, numeric: bool) -> str | None:
    """An array literal (`'{a,b}'`, `ARRAY['a','b']`, either cast to an array type) as the
    JSON array literal of the same elements; None for anything else."""
    if isinstance(value, exp.Cast) and value.to.this == exp.DataType.Type.ARRAY:
        value = value.this
    if isinstance(value, exp.Literal) and value.is_string:
        return array_literal_to_json("'" + value.this.replace("'", "''") + "'", numeric)
    if isinstance(value, exp.Array):
        elements: list[object] = []
        for element in value.expressions:
            if isinstance(element, exp.Null):
                elements.append(None)
            elif isinstance(element, exp.Literal):
                elements.append(json.loads(element.this) if not element.is_string else element.this)
            else:
                return None
        return "'" + json.dumps(elements, ensure_ascii=False).replace("'", "''") + "'"
    return None


_ELEMENT = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,{}"]*?))\s*(?:,|$)')
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def array_literal_to_json(literal: str, numeric: bool) -> str | None:
    """A one-dimensional PostgreSQL array literal `'{a,"b c",NULL}'` as `'["a","b c",null]'`."""
    if not (literal.startswith("'{") and literal.endswith("}'")) or "''" in literal:
        return None
    inner = literal[2:-2]
    if "{" in inner or "}" in inner:
        return None  # nested arrays
    values: list[object] = []
    pos = 0
    while pos < len(inner):
        match = _ELEMENT.match(inner, pos)
        if match is None or match.end() == pos:
            return None
        quoted, bare = match.groups()
        if quoted is not None:
            values.append(re.sub(r"\\(.)", r"\1", quoted))
        elif bare.upper() == "NULL":
            values.append(None)
        else:
            values.append(json.loads(bare) if numeric and _NUMBER.match(bare) else bare)
        pos = match.end()
    return "'" + json.dumps(values, ensure_ascii=False).replace("'", "''") + "'"


def _short(node: exp.Expr) -> str:
    text = node.sql(dialect="postgres")
    return f"`{text[:60]}...`" if len(text) > 60 else f"`{text}`"


# --- uses of the column -------------------------------------------------------------------


def _use(
    change: Change,
    parsed: Parsed,
    column: exp.Column,
    place: Place,
    found: Followed,
    handled: set[int],
) -> Iterator[Edit]:
    """One use of the column in an expression: fine as written, rewritten, or Declined."""
    node: exp.Expr = column
    parent = node.parent
    while isinstance(parent, exp.Paren):
        node, parent = parent, parent.parent
    if change.kind == "array-json" and _indexed(parent):
        raise Declined(
            f"{_where(place, parsed)} indexes {change.column}, and DSQL cannot index a"
            f" {change.new_type} column (DSQL307)"
        )
    if _neutral(change, node, parent, found):
        return
    if change.kind == "array-json":
        rewritten = _array_use(parsed, column, node, parent)
        if rewritten is not None:
            yield rewritten
            return
        if isinstance(parent, exp.EQ) and node is parent.this and _is_default(node):
            return
    if isinstance(parent, exp.EQ) and isinstance(parent.parent, exp.Update) and node is parent.this:
        handled.update(id(n) for n in parent.expression.walk())
        yield from _value(change, parsed, parent.expression, place)
        return
    if isinstance(parent, exp.AlterColumn) and parent.args.get("default") is not None:
        yield from _value(change, parsed, parent.args["default"], place)
        return
    context = parent.sql(dialect="postgres") if parent is not None else column.sql()
    if isinstance(parent, exp.Ordered) and isinstance(parent.parent, exp.IndexParameters):
        using = parent.parent.args.get("using")
        context = f"an index USING {using.name if using is not None else 'btree'} ({context})"
    raise Declined(
        f"{_where(place, parsed)} uses {change.column} as {change.old}:"
        f" `{context[:80]}{'...' if len(context) > 80 else ''}`"
    )


def _indexed(parent: exp.Expr | None) -> bool:
    """Whether the column is a key of an index (CREATE INDEX)."""
    return isinstance(parent, exp.Ordered) and isinstance(parent.parent, exp.IndexParameters)


def _neutral(change: Change, node: exp.Expr, parent: exp.Expr | None, found: Followed) -> bool:
    """Whether this use works the same with the new type as written."""
    if parent is None:
        return True
    if isinstance(parent, exp.Alias):
        node, parent = parent, parent.parent
    if isinstance(parent, exp.Select) and node.arg_key == "expressions":
        return True  # selected as it is: a view's column takes the new type
    if isinstance(parent, exp.Is | exp.Group | exp.Distinct | exp.Count | exp.Drop):
        return True
    if isinstance(parent, exp.GrantPrivilege):
        return True  # a privilege on the column, whatever its type
    if isinstance(parent, exp.AlterColumn) and parent.args.get("default") is None:
        return True  # a new type, a NOT NULL, a dropped default
    if isinstance(parent, exp.Ordered):
        params = parent.parent
        if not isinstance(params, exp.IndexParameters):
            return True  # ORDER BY
        using = params.args.get("using")
        method = using.name.lower() if using is not None else ""
        return method in _PLAIN_METHODS
    if isinstance(parent, exp.Cast) and norm_type(parent.to.sql()) == norm_type(change.new_type):
        return True
    if isinstance(parent, exp.EQ | exp.NEQ | exp.In):
        others = [parent.this, parent.expression, *parent.expressions]
        others = [o for o in others if o is not None and o is not node]
        return all(_compatible(change, o, found) for o in others)
    if change.kind == "array-json" and isinstance(parent, exp.JSONArrayAgg | exp.JSONObject):
        return True
    if change.kind == "array-json" and isinstance(parent, exp.Anonymous):
        return parent.name.lower() in _TO_JSON
    return change.kind == "text" and isinstance(parent, exp.Like | exp.ILike)


def _compatible(change: Change, other: exp.Expr, found: Followed) -> bool:
    """Whether the other side of a comparison with the column still compares with it."""
    if isinstance(other, exp.Null):
        return True
    if isinstance(other, exp.Literal):
        return other.is_string and change.kind == "text"
    if isinstance(other, exp.Column):
        # Another column that takes the new type with this one (a referencing column).
        return _folded(other.this) in {c for _, c in found.changed}
    return False


def _array_use(
    parsed: Parsed, column: exp.Column, node: exp.Expr, parent: exp.Expr | None
) -> Edit | None:
    """The rewrite of an array function or operator on the column for its JSON array."""
    text = parsed.statement.source.text
    start, end = node_span(parsed, column)
    name = text[start:end]
    # cardinality(a), array_length(a, 1): a one-dimensional array's length.
    if isinstance(parent, exp.Anonymous) and parent.name.lower() == "cardinality":
        return _replaced(parsed, parent, f"jsonb_array_length({name})")
    if isinstance(parent, exp.ArraySize) and getattr(parent.expression, "name", None) == "1":
        return _replaced(parsed, parent, f"jsonb_array_length({name})")
    # x = ANY(a): whether the array holds x.
    if isinstance(parent, exp.Any) and isinstance(parent.parent, exp.EQ):
        eq = parent.parent
        if eq.expression is parent and not isinstance(eq.this, exp.Any):
            value = eq.this
            s, e = node_span(parsed, value)
            if isinstance(value, exp.Literal) and value.is_string:
                return _replaced(parsed, eq, f"{name} ? {text[s:e]}")
            return _replaced(parsed, eq, f"{name} @> jsonb_build_array({text[s:e]})")
    return None


def _replaced(parsed: Parsed, node: exp.Expr, text: str) -> Edit:
    start, end = node_span(parsed, node)
    return replace(start, end, text)


# --- columns that reference the changed one -----------------------------------------------


@dataclass(frozen=True)
class _Child:
    table: str
    column: str


def _referencing(
    change: Change, k: int, place: Place, primary: list[str | None]
) -> Iterator[_Child]:
    """The columns that a REFERENCES or FOREIGN KEY of statement `k` points at the column;
    `primary`: the columns of its table's primary key, which a REFERENCES without columns means."""
    uses = place.uses(k)
    for reference in uses.references:
        if reference.table != change.table:
            continue
        keys = list(reference.keys) or list(primary)  # no column named: the primary key
        if change.column not in keys:
            continue
        if len(keys) != len(reference.columns) or uses.owner is None:
            raise Declined(f"{place.line(k)} references {change.table}: not followed")
        child = reference.columns[keys.index(change.column)]
        if child is not None:
            yield _Child(uses.owner, child)


def _primary_key(table: str, place: Place, here: Place) -> list[str | None]:
    """The columns of the table's primary key, as `place` declares it, else the file being
    fixed, else the schema model of the files before it."""
    for where in (place, here) if place is not here else (place,):
        for k in where.naming(table):
            uses = where.uses(k)
            if uses.owner == table and uses.primary_key is not None:
                return list(uses.primary_key)
    known = here.table_before(table)
    return list(known.primary_key) if known is not None else []


def _child(
    change: Change, child: _Child, here: Place, later: Iterable[Place], found: Followed
) -> None:
    """The referencing column takes the new type, and what uses it follows in turn."""
    if (child.table, child.column) in found.retyped:
        return
    found.retyped.add((child.table, child.column))
    for k in here.naming(child.table):
        if here.uses(k).owner != child.table:
            continue
        index = here.statements[k].index
        tokens = here.tokens(k)
        column = locate.find_column(tokens, child.column) if tokens.ok else None
        if column is None:
            continue
        old = tokens.text(column.type.start, column.type.stop)
        # Its type already the new one (its own finding's fix applied first), its default is
        # for that type.
        retyped = norm_type(old) != norm_type(change.new_type)
        if retyped and column.constraint("DEFAULT", "GENERATED") is not None:
            raise Declined(
                f"{here.line(k)}: {child.table}.{child.column} references"
                f" {change.table} ({change.column}) and has a default for its old type"
            )
        if retyped:
            found.edits.append(
                replace(
                    tokens[column.type.start].start,
                    tokens[column.type.stop - 1].end,
                    _like(change.new_type, old),
                )
            )
        _follow(Change(child.table, child.column, old, change.new_type), index, here, later, found)
        return
    raise Declined(
        f"{child.table}.{child.column} references {change.table} ({change.column}) and is"
        " not defined in this file"
    )


def _like(new: str, old: str) -> str:
    """The new type in the case the old one is written in."""
    return new.lower() if old.islower() else new


# --- uses in the statement that defines the column ------------------------------------------


def in_statement(change: Change, parsed: Parsed) -> list[Edit] | None:
    """The edits carrying the column's other uses in its own statement (a CHECK, a generated
    column) to the new type; None when one cannot be carried (a key, an array operator)."""
    tree = parsed.tree
    if tree is None or change.kind != "array-json":
        return None
    edits: list[Edit] = []
    for identifier in tree.find_all(exp.Identifier):
        if _folded(identifier) != change.column or isinstance(identifier.parent, exp.ColumnDef):
            continue
        column = identifier.parent
        if not isinstance(column, exp.Column) or column.this is not identifier:
            return None  # a key's or an index's column list
        node: exp.Expr = column
        parent = node.parent
        while isinstance(parent, exp.Paren):
            node, parent = parent, parent.parent
        if isinstance(parent, exp.Is):
            continue
        rewritten = _array_use(parsed, column, node, parent)
        if rewritten is None:
            return None
        edits.append(rewritten)
    return edits
