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
from dsql_lint.syntax.parse import Parsed, node_span, parse, parse_in_chunks
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Statement, split
from dsql_lint.syntax.tokens import Tokens

# What the new type text holds besides the type: `UUID DEFAULT gen_random_uuid()`.
_TYPE_ALONE = re.compile(r"\s+(?:DEFAULT|GENERATED|NOT|NULL|CHECK)\b.*\Z", re.IGNORECASE | re.S)
_INTEGERS = {"SMALLINT", "INT", "INTEGER", "BIGINT", "INT2", "INT4", "INT8"}
_SERIALS = {"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"}
_NUMERIC_ELEMENTS = re.compile(r"\s*(int|bigint|smallint|numeric|decimal|real|double|float)", re.I)
_WORD = re.compile(r'"(?:[^"]|"")+"|\w+')
_QUERY = re.compile(r"\bSELECT\b", re.I)
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
# The types whose gist operator class for `=` is btree_gist's (a range type's is its own):
# an exclusion constraint `USING gist (c WITH =)` needs that extension for the old type and
# the new one alike.
_BTREE_GIST = {
    *_INTEGERS,
    *_SERIALS,
    *_STRINGS,
    "CHAR",
    "CHARACTER",
    "NUMERIC",
    "DECIMAL",
    "REAL",
    "FLOAT4",
    "FLOAT8",
    "DOUBLEPRECISION",
    "MONEY",
    "UUID",
    "INET",
    "CIDR",
    "MACADDR",
    "DATE",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "TIME",
    "TIMETZ",
    "INTERVAL",
    "BOOLEAN",
    "BOOL",
    "BYTEA",
}
# CREATE or ALTER POLICY name ON table: the rest holds its expressions.
_POLICY = re.compile(
    r'\s*(?:CREATE|ALTER)\s+POLICY\s+(?:"(?:[^"]|"")+"|\w+)\s+ON\s+'
    r'(?:(?:"(?:[^"]|"")+"|\w+)\s*\.\s*)?(?P<table>"(?:[^"]|"")+"|\w+)',
    re.I,
)


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
            chunks = self._chunks(k)
            first = next(chunks, None) if chunks is not None else None
            # A long INSERT's rows of values name nothing: its head's uses are the statement's.
            tree = first.tree if first is not None else self.parsed(k).tree
            found = self._uses[k] = uses_of(tree)
        return found

    def parts(self, k: int) -> Iterator[Parsed | None]:
        """Statement `k`'s parse; a long INSERT's (rows of values) a chunk of rows at a time,
        its head with each (spans the statement's), so that judging its rows stops at the
        first that decides, without its whole tree. A None: the rest does not read as rows,
        and what came before is void (the statement is then to be judged whole)."""
        chunks = self._chunks(k)
        yield from chunks if chunks is not None else (self.parsed(k),)

    def _chunks(self, k: int) -> Iterator[Parsed | None] | None:
        """A long INSERT's parses, a chunk of rows each, when its rows hold no query (which
        could name any table); else None."""
        if k in self._parsed:
            return None
        statement = self.statements[k]
        chunks = parse_in_chunks(statement)
        if chunks is None or _QUERY.search(statement.text) is not None:
            return None
        return chunks

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
                for word in name_words(statement.text) if named is None else named:
                    self._index.setdefault(word, []).append(k)
        found = self._index.get(table, [])
        yield from found[bisect.bisect_left(found, start) :]


@dataclass
class Followed:
    """What following a change found: edits in the file being fixed, and the columns that
    take the new type with it (a referencing column), so that comparing them stays valid."""

    here: Place
    edits: list[Edit] = field(default_factory=list)
    # The edits of the later files (their paths): each applied when fix reaches that file.
    elsewhere: dict[str, list[Edit]] = field(default_factory=dict)
    changed: set[tuple[str, str]] = field(default_factory=set)
    retyped: set[tuple[str, str]] = field(default_factory=set)  # referencing columns done
    # The columns of views that show the column (view, column, its statement, its place):
    # what uses them follows the change too.
    views: list[tuple[str, str, int, Place]] = field(default_factory=list)
    # Why each statement that cannot follow declines: all of them named in one note, so
    # that one run shows the user every statement to change by hand.
    blockers: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The files judged, in run order: the blockers are named in the order they run.
    order: list[Place] = field(default_factory=list)

    def add(self, place: Place, edits: Sequence[Edit]) -> None:
        if place is self.here:
            self.edits.extend(edits)
        elif edits:
            self.elsewhere.setdefault(place.path, []).extend(edits)

    def judging(self, place: Place, k: int, judge: Callable[[], None]) -> None:
        """Runs the judgment of statement `k` of `place`, keeping why it declines and going
        on to the next."""
        try:
            judge()
        except Declined as why:
            at = (self.order.index(place) if place in self.order else 0, k)
            self.blockers[str(why)] = min(at, self.blockers.get(str(why), at))

    def declined(self) -> str | None:
        """Why the change declines, each blocker in the order psql runs them; None: it does
        not."""
        return "; ".join(sorted(self.blockers, key=self.blockers.__getitem__)) or None


@dataclass(frozen=True)
class Carried:
    """The edits carrying the later statements to a change, and what the change does beyond
    them that its user should know (a view's column that takes the new type)."""

    edits: list[Edit]
    note: str | None = None
    # The edits of later files of the run, by path (a column of a later file that references
    # the changed key takes its type): fix applies them when it reaches each file.
    elsewhere: dict[str, list[Edit]] = field(default_factory=dict)


def follow(
    change: Change, defined: int, here: Place, later: Iterable[Place] = (), own: bool = True
) -> Carried:
    """The edits carrying the statements after statement `defined` of `here` (and the files
    of `later`) to the change; raises Declined. `own`: whether to judge the keys statement
    `defined` declares over the column (not where its own uses were judged already)."""
    if change.kind == "widen":
        _inherits(change, here.uses(defined))
        return Carried([])
    later = list(later)
    found = Followed(here, changed={(change.table, change.column)}, order=[here, *later])
    definition = here.parsed(defined)
    tree = definition.tree
    if tree is not None and own:
        found.judging(here, defined, lambda: _keys_added(change, definition, tree, here, found))
    _follow(change, defined, here, later, found)
    # A view's column that shows the column takes its new type: its uses follow in turn.
    shown_by: list[str] = []
    while found.views:
        view, column, index, place = found.views.pop(0)
        if (view, column) in found.changed:
            continue
        found.changed.add((view, column))
        shown_by.append(f"{view}.{column}")
        after = later if place is here else later[later.index(place) + 1 :]
        shown = Change(view, column, change.old, change.new)
        _follow(shown, index, place, after, found)
    declined = found.declined()
    if declined is not None:
        raise Declined(declined)
    if not shown_by:
        return Carried(found.edits, elsewhere=found.elsewhere)
    views = ", ".join(shown_by)
    return Carried(
        found.edits,
        f"{'view column' if len(shown_by) == 1 else 'view columns'} {views} show"
        f"{'s' if len(shown_by) == 1 else ''} {change.column}: what reads"
        f" {'it' if len(shown_by) == 1 else 'them'} gets {change.new_type}, not {change.old}",
        found.elsewhere,
    )


def _follow(
    change: Change, defined: int, here: Place, later: Iterable[Place], found: Followed
) -> None:
    """Judges each statement after statement `defined` of `here`, and of the files of
    `later`, that may use the changed column; why each that cannot follow declines is kept
    in `found.blockers`."""
    if change.kind == "widen":
        found.judging(here, defined, lambda: _inherits(change, here.uses(defined)))
        return
    later = list(later)
    places = [(here, defined + 1), *((p, 0) for p in later)]
    # Columns that reference this one take its type first: comparing them stays valid.
    primary = _primary_key(change.table, here, here)
    children: list[tuple[_Child, Place, int]] = []  # and where the reference is
    for place in (here, *later):
        for k in place.naming(change.table, defined if place is here else 0):

            def referencing(place: Place = place, k: int = k) -> None:
                found_here = list(_referencing(change, k, place, primary))
                if found_here and not place.editable:
                    raise Declined(
                        f"{place.line(k)} references {change.table} ({change.column}),"
                        " in another file"
                    )
                children.extend((child, place, k) for child in found_here)

            found.judging(place, k, referencing)
    found.changed.update((c.table, c.column) for c, _, _ in children)
    for place, first in places:
        for k in place.naming(change.table, first):
            uses = place.uses(k)
            if change.table in uses.redefines:
                break  # the column after it is another
            if not _may_use(change, uses, place.statements[k]):
                continue

            def judged(place: Place = place, k: int = k) -> None:
                edits = _judged(change, place, k, found)
                if edits and not place.editable:
                    raise Declined(
                        f"{place.line(k)} uses {change.column} as {change.old}, in another file"
                    )
                found.add(place, edits)

            found.judging(place, k, judged)
    for child, place, k in children:
        after = later if place is here else later[later.index(place) + 1 :]

        def retyped(
            child: _Child = child, place: Place = place, after: list[Place] = after
        ) -> None:
            _child(change, child, place, after, found)

        found.judging(place, k, retyped)


def _judged(change: Change, place: Place, k: int, found: Followed) -> list[Edit]:
    """The edits carrying statement `k` to the change (a long INSERT judged a chunk of rows
    at a time: the first row the new type does not take declines); raises Declined."""
    edits: list[Edit] = []
    for parsed in place.parts(k):
        if parsed is None:  # not rows after all: judged whole
            return list(_statement(change, place.parsed(k), place, found))
        edits.extend(_statement(change, parsed, place, found))
    return edits


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
        or (uses.owner == change.table and change.column in name_words(statement.text))
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
    return name_words(parsed.statement.text)


def name_words(text: str) -> set[str]:
    """The words of a text as names, folded as PostgreSQL folds them."""
    return {
        w[1:-1].replace('""', '"') if w.startswith('"') else w.lower() for w in _WORD.findall(text)
    }


def _statement(change: Change, parsed: Parsed, place: Place, found: Followed) -> Iterator[Edit]:
    tree = parsed.tree
    if tree is None or isinstance(tree, exp.Command):
        words = _names(parsed)
        if change.column in words and _policy(change, parsed, place, found):
            return
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
    if isinstance(tree, exp.Alter) and owner(tree) == change.table:
        # ALTER COLUMN ... SET DEFAULT names the column by an identifier, not a column
        # reference: its value is judged here.
        for action in tree.args.get("actions") or []:
            default = action.args.get("default") if isinstance(action, exp.AlterColumn) else None
            if default is not None and _folded(action.this) == change.column:
                handled.update(id(n) for n in action.walk())
                yield from _value(change, parsed, default, place)
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


def _policy(change: Change, parsed: Parsed, place: Place, found: Followed) -> bool:
    """Whether the statement is a CREATE or ALTER POLICY on the table whose USING and WITH
    CHECK expressions use the column as the new type takes it (each read as the WHERE of a
    query on the table); raises Declined naming a use it does not take. False: no such
    policy (its expressions are not read)."""
    text = parsed.statement.text
    head = _POLICY.match(text)
    if head is None or _folded_word(head.group("table")) != change.table:
        return False
    tokens = Tokens(parsed.statement)
    if not tokens.ok:
        return False
    bodies = []
    i = 0
    while i < len(tokens):  # USING (...) and WITH CHECK (...), not a parenthesis inside them
        word = tokens[i].text.upper()
        if word in ("USING", "CHECK") and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            i += 1
            bodies.append(tokens.text(i + 1, tokens.closing(i)))
        if tokens[i].text == "(":
            i = tokens.closing(i)
        i += 1
    for body in bodies:
        query = f"SELECT 1 FROM {head.group('table')} WHERE {body}"
        statement = split(Source(place.path, query))[0]
        judged = parse(statement)
        if judged.tree is None:
            return False
        aliases = _aliases(judged.tree)
        for column in judged.tree.find_all(exp.Column):
            if not _is_the_column(column, change, aliases):
                continue
            node: exp.Expr = column
            parent = node.parent
            while isinstance(parent, exp.Paren):
                node, parent = parent, parent.parent
            if not _neutral(change, node, parent, found):
                shown = " ".join(body.split())
                raise Declined(
                    f"{_where(place, parsed)} uses {change.column} as {change.old} in a policy:"
                    f" `{shown[:80]}{'...' if len(shown) > 80 else ''}`"
                )
    return True


def _folded_word(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


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
    words = name_words(body.name) if isinstance(body, exp.Heredoc | exp.Literal) else set()
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
            body = _compared(change, text[defines.end() :])
            if change.column in name_words(body):
                raise Declined(
                    f"{_where(place, parsed)}: a trigger on {change.table} runs {name}(),"
                    f" whose body ({where.line(k)}) uses {change.column}, which fix"
                    " does not rewrite"
                )


def _compared(change: Change, body: str) -> str:
    """A trigger function's body without its comparisons of the column's old and new values
    (`OLD.c IS DISTINCT FROM NEW.c`, `NEW.c <> OLD.c`): every new type but json compares with
    itself, so they hold as written."""
    if norm_type(change.new_type) == "JSON":
        return body
    name = re.escape(change.column)
    # Unquoted, a name is folded to lower case: written in any case.
    bare = rf"(?i:{name})\b" if change.column == change.column.lower() else "(?!)"
    column = rf'(?i:OLD|NEW)\s*\.\s*(?:"{name}"|{bare})'
    operator = r"(?i:IS\s+(?:NOT\s+)?DISTINCT\s+FROM|=|<>|!=)"
    return re.sub(rf"{column}\s*{operator}\s*{column}", " ", body)


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
        if _compared_equal(change, method, entry):
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


def _compared_equal(change: Change, method: str, entry: exp.Expr) -> bool:
    """Whether an exclusion constraint's entry compares the column with `=` under an index
    method whose operator class for it the new type has as the old one did: btree or hash
    (every new type), or gist through btree_gist (when it has both types)."""
    operator = entry.args.get("op") if isinstance(entry, exp.WithOperator) else None
    if operator is None or operator.name != "=" or entry.find(exp.Opclass) is not None:
        return False
    if method in _PLAIN_METHODS:
        return True
    types = {norm_type(change.old), norm_type(change.new_type)}
    return method == "gist" and types <= _BTREE_GIST


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
    if change.kind == "numeric" and isinstance(value, exp.Literal) and value.is_string:
        number = money_number(value.this)
        if number is not None:
            start, end = node_span(parsed, value)
            yield replace(start, end, number)
            return
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


# money's text as its input takes it: `$1,234.50`, `-$5`, `5.25`.
_MONEY = re.compile(r"\s*(-?)\s*\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*")


def money_number(text: str) -> str | None:
    """A money literal's text (`$1,234.50`) as the number numeric takes (`1234.50`); None for
    any other text."""
    match = _MONEY.fullmatch(text)
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    return sign + whole.replace(",", "") + (fraction or "")


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
    context = parent.sql(dialect="postgres") if parent is not None else column.sql()
    why = ""
    if isinstance(parent, exp.Any) and parent.parent is not None:
        context = parent.parent.sql(dialect="postgres")
        why = ", which is NULL for an array holding a NULL where jsonb's `?` says false"
    if isinstance(parent, exp.Ordered) and isinstance(parent.parent, exp.IndexParameters):
        using = parent.parent.args.get("using")
        context = f"an index USING {using.name if using is not None else 'btree'} ({context})"
    raise Declined(
        f"{_where(place, parsed)} uses {change.column} as {change.old}:"
        f" `{context[:80]}{'...' if len(context) > 80 else ''}`{why}"
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
    if isinstance(parent, exp.EQ | exp.NEQ | exp.NullSafeEQ | exp.NullSafeNEQ | exp.In):
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
    """The rewrite of an array function or operator on the column for its JSON array, with
    the same result for every array: None when there is none."""
    text = parsed.statement.source.text
    start, end = node_span(parsed, column)
    name = text[start:end]
    # cardinality(a): a one-dimensional array's length, 0 when empty, as jsonb_array_length.
    if isinstance(parent, exp.Anonymous) and parent.name.lower() == "cardinality":
        return _replaced(parsed, parent, _named(parent, f"jsonb_array_length({name})"))
    # array_length(a, 1) is NULL for an empty array, where jsonb_array_length says 0.
    if isinstance(parent, exp.ArraySize) and getattr(parent.expression, "name", None) == "1":
        length = f"NULLIF(jsonb_array_length({name}), 0)"
        return _replaced(parsed, parent, _named(parent, length))
    # x = ANY(a): whether the array holds x. It is NULL when the array holds a NULL and not x,
    # where `?` and `@>` say false: the same only where a condition takes NULL as false.
    if isinstance(parent, exp.Any) and isinstance(parent.parent, exp.EQ):
        eq = parent.parent
        if eq.expression is parent and not isinstance(eq.this, exp.Any) and _filtering(eq):
            value = eq.this
            s, e = node_span(parsed, value)
            if isinstance(value, exp.Literal) and value.is_string:
                return _replaced(parsed, eq, f"{name} ? {text[s:e]}")
            if isinstance(value, exp.Literal):
                return _replaced(parsed, eq, f"{name} @> jsonb_build_array({text[s:e]})")
            if isinstance(value, exp.Column | exp.Parameter | exp.Placeholder):
                # NULL = ANY(a) is never true; jsonb_build_array(NULL) finds a null element.
                held = f"{name} @> jsonb_build_array({text[s:e]}) AND {text[s:e]} IS NOT NULL"
                return _replaced(parsed, eq, f"({held})")
    return None


def _named(call: exp.Expr, rewritten: str) -> str:
    """The rewritten call, keeping the column name an unaliased select item had (a view's
    column is named after the function)."""
    select = call.parent
    if isinstance(select, exp.Select) and any(e is call for e in select.expressions):
        return f"{rewritten} AS {call.name.lower() or 'array_length'}"
    return rewritten


def _filtering(node: exp.Expr) -> bool:
    """Whether the condition's value only chooses rows, so NULL and false mean the same: it
    is, through AND, OR and parentheses, a WHERE, HAVING, JOIN ON or CASE WHEN condition."""
    parent = node.parent
    while isinstance(parent, exp.And | exp.Or | exp.Paren):
        node, parent = parent, parent.parent
    if isinstance(parent, exp.Where | exp.Having):
        return True
    if isinstance(parent, exp.Join):
        return parent.args.get("on") is node
    return isinstance(parent, exp.If) and parent.this is node


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
    """The referencing column takes the new type, and what uses it follows in turn; `here`:
    the file of the reference (the one fixed, or a later one), `later`: the files after it."""
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
            found.add(
                here,
                [
                    replace(
                        tokens[column.type.start].start,
                        tokens[column.type.stop - 1].end,
                        _like(change.new_type, old),
                    )
                ],
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
    edits, why = _own_uses(change, parsed)
    return None if why is not None else edits


def uncarried(change: Change, parsed: Parsed) -> str | None:
    """Why a use of the column in its own statement cannot be carried to the new type; None
    when each can."""
    return _own_uses(change, parsed)[1]


def _own_uses(change: Change, parsed: Parsed) -> tuple[list[Edit], str | None]:
    """The edits carrying the column's uses in its own statement, and why those that cannot
    be carried cannot (each named), or None."""
    tree = parsed.tree
    if tree is None:
        return [], "fix cannot read the statement"
    edits: list[Edit] = []
    blockers: list[str] = []
    for identifier in tree.find_all(exp.Identifier):
        if _folded(identifier) != change.column or isinstance(identifier.parent, exp.ColumnDef):
            continue
        column = identifier.parent
        if not isinstance(column, exp.Column) or column.this is not identifier:
            # a key's or an index's column list
            blockers.append(f"the statement lists {change.column} in {_element(identifier)}")
            continue
        node: exp.Expr = column
        parent = node.parent
        while isinstance(parent, exp.Paren):
            node, parent = parent, parent.parent
        if change.kind == "array-json" and isinstance(parent, exp.Is):
            continue
        if change.kind != "array-json" and _excluded_equal(change, column):
            continue
        rewritten = (
            _array_use(parsed, column, node, parent) if change.kind == "array-json" else None
        )
        if rewritten is None:
            blockers.append(
                f"the statement uses {change.column} as {change.old} in {_element(identifier)}"
            )
        else:
            edits.append(rewritten)
    return edits, "; ".join(dict.fromkeys(blockers)) or None


def _excluded_equal(change: Change, column: exp.Column) -> bool:
    """Whether the column is an entry of its table's exclusion constraint that compares it
    with `=` as the new type can (`EXCLUDE USING gist (c WITH =)`)."""
    entry = column.parent.parent if isinstance(column.parent, exp.Ordered) else column.parent
    params = entry.parent if entry is not None else None
    if not isinstance(entry, exp.WithOperator) or not isinstance(params, exp.IndexParameters):
        return False
    if not isinstance(params.parent, exp.ExcludeColumnConstraint):
        return False
    using = params.args.get("using")
    return _compared_equal(change, using.name.lower() if using is not None else "", entry)


def _element(node: exp.Expr) -> str:
    """The table element (a constraint, a column's constraint) holding `node`, as SQL."""
    while node.parent is not None and not isinstance(node.parent, exp.Schema | exp.ColumnDef):
        node = node.parent
    return _short(node)
