"""Actions on column definitions: a new type for a column, its DEFAULT converted with it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlglot import exp
from sqlglot.tokens import TokenType

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.engine.matchers import code_only
from dsql_lint.fix.actions import Action, Decision, NoFix, action
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.dependents import (
    Carried,
    Change,
    Declined,
    Place,
    array_json,
    array_literal_to_json,
    follow,
    in_statement,
    money_number,
    norm_type,
    uncarried,
)
from dsql_lint.fix.edits import Edit, Fix, replace
from dsql_lint.fix.style import cased, like_replaced
from dsql_lint.syntax import locate
from dsql_lint.syntax.parse import parse
from dsql_lint.syntax.psql_variables import reads
from dsql_lint.syntax.tokens import Tokens


def identifier_name(node: Any) -> str | None:
    """The name an identifier node spells, folded as PostgreSQL folds unquoted names."""
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    return None


def column_of(node: Any, ctx: FixContext, index: int) -> tuple[Tokens, locate.Column] | None:
    """The tokens of the statement and the layout of the column definition holding `node`."""
    coldef = node if isinstance(node, exp.ColumnDef) else node.find_ancestor(exp.ColumnDef)
    name = identifier_name(coldef.this) if coldef is not None else None
    if name is None:
        return None
    tokens = ctx.tokens(index)
    column = locate.find_column(tokens, name) if tokens.ok else None
    return (tokens, column) if column is not None else None


@action("replace-type")
class ReplaceType(Action):
    """Replace the type of the column the finding is on.

    with:       the new type (text), or `{choice: NAME, VALUE: text, ...}`
    by-type:    `{TYPE: text}`: another new type for these written types (HSTORE: JSONB)
    safe-when:  `{choice: VALUE, type: [TYPE, ...]}`: safe for these written types
    default:    `convert`: rewrite the column's DEFAULT for the new type (casts, array literals)
    dependents: `decline`: no fix when the statement names the column elsewhere than in its
                name and DEFAULT in a way no rewrite carries to the new type (a key, an array
                operator); `cardinality(a)` in a CHECK becomes `jsonb_array_length(a)`
    """

    keys = frozenset({"with", "by-type", "safe-when", "default", "dependents"})
    required = frozenset({"with"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.choice, self.texts = self.choice_param("with")
        safe_when = self.params.get("safe-when") or {}
        if not isinstance(safe_when, dict) or set(safe_when) - {"choice", "type"}:
            raise self.error("`safe-when` takes `choice` and `type`")
        self.safe_choice = safe_when.get("choice")
        self.safe_types = tuple(t.upper() for t in safe_when.get("type", ()))
        by_type = self.params.get("by-type") or {}
        if not isinstance(by_type, dict) or not all(isinstance(v, str) for v in by_type.values()):
            raise self.error("`by-type` must map type names to text")
        self.by_type = {str(k).upper(): v for k, v in by_type.items()}
        if self.params.get("default", "convert") != "convert":
            raise self.error("`default` can only be `convert`")
        self.convert_default = "default" in self.params
        if self.params.get("dependents", "decline") != "decline":
            raise self.error("`dependents` can only be `decline`")
        self.decline_dependents = "dependents" in self.params

    @property
    def per_finding(self) -> bool:
        return bool(self.safe_types) or self.decline_dependents or self.convert_default

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        """SAFE for the written types of `safe-when` (with its choice); else the rule's `fix:`."""
        whole = span.whole()
        if _defines_domain(whole):
            return None  # declined with a note by `dependents`, which check prints
        written = span.text(0, len(span))
        if span.ok and whole.ok and _column_at(whole, span[0].start) is None:
            return NoFix(_not_a_column(whole, written))
        chosen = choices.get(self.choice, "") if self.choice else ""
        first = (span[0].text, whole[0].text) if span.ok and whole.ok and len(span) else None
        text = self._new(written, chosen, first)
        new = Change("", "", written, text).new_type
        if "IDENTITY" in text.upper() and _alters_table(span):
            return NoFix("DSQL adds no identity column to an existing table (DSQL606)")
        if " DEFAULT " in f" {text.upper()} " and _alters_table(span) and _not_null(span):
            return NoFix(
                f"`{text}` adds a DEFAULT to a NOT NULL column, which DSQL adds to no existing"
                " table, and which the rows the table has need (DSQL601)"
            )
        if self.decline_dependents and norm_type(text) in ("JSON", "JSONB") and _keyed(span):
            return NoFix(
                f"the column is a PRIMARY KEY or UNIQUE, and DSQL cannot use a {new} column in"
                " a key (DSQL307)"
            )
        name = _dependent_name(span) if self.decline_dependents else None
        if name is not None:
            change = Change("", name, written, text)
            why = uncarried(change, parse(span.statement))
            if why is not None:
                return NoFix(f"the fix (`{written}` -> `{new}`) would break: {why}")
        if self.convert_default and not _default_converts(span, text):
            return NoFix(f"the column's DEFAULT cannot be rewritten for {new}")
        safe = norm_type(written) in self.safe_types and self.safe_choice in (None, chosen)
        return FixAvailability.SAFE if safe else None

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        node = diag.node
        if node is None or (isinstance(node, exp.DataType) and node.arg_key != "kind"):
            return None
        found = column_of(node, ctx, diag.statement)
        if found is None:
            return None
        tokens, column = found
        old, new = self._types(tokens, column, ctx.choices)
        edits = [replace(tokens[column.type.start].start, tokens[column.type.stop - 1].end, new)]
        if self.convert_default:
            converted = convert_default(tokens, column, old, new)
            if converted is None:
                return None  # a DEFAULT we cannot rewrite would not fit the new type
            edits.extend(converted)
        if self.decline_dependents:
            # The uses in its own statement that the fix decision found it can carry.
            own = Change("", tokens[column.name].name, old, new)
            edits.extend(in_statement(own, ctx.parsed(diag.statement)) or [])
        # The later statements' uses, as the fix decision carried them (FixJudge.settle).
        followed = ctx.followed.get((diag.code, diag.start), [])
        edits.extend(followed)
        summary = f"column {tokens[column.name].text}: `{old}` -> `{new}`"
        if followed:
            summary += f", and {len(followed)} {'use' if len(followed) == 1 else 'uses'} of it"
        if diag.fix_note:  # what the change does beyond the edits (FixJudge.settle)
            summary += f" ({diag.fix_note})"
        return self.make(diag, edits, summary)

    def _types(
        self, tokens: Tokens, column: locate.Column, choices: Mapping[str, str]
    ) -> tuple[str, str]:
        """The column's type as written, and the new one as the fix writes it."""
        chosen = choices.get(self.choice, "") if self.choice else ""
        old = tokens.text(column.type.start, column.type.stop)
        return old, self._new(old, chosen, (tokens[column.type.start].text, tokens[0].text))

    def _new(self, written: str, chosen: str, first: tuple[str, str] | None) -> str:
        """The type the fix writes for the type `written`, in the case of the words around
        it (`first`: the type's first word and the statement's), as check and fix both say
        it. `pg_catalog.money` is money."""
        builtin = norm_type(written).replace('"', "").removeprefix("PG_CATALOG.")
        text = self.by_type.get(builtin, self.texts[chosen])
        return text if first is None else cased(text, like_replaced(text, *first))

    def change(self, diag: Diagnostic, here: Place, choices: Mapping[str, str]) -> Change | None:
        """The column the finding's fix changes, and how; None: the statement defines no
        table's column."""
        uses = here.uses(diag.statement)  # (not the tree: check has freed it)
        table = uses.owner
        tokens = here.tokens(diag.statement)
        column = _column_at(tokens, diag.start) if table is not None and tokens.ok else None
        if table is None or column is None:
            return None
        old, new = self._types(tokens, column, choices)
        name = tokens[column.name].name
        position = uses.positions.index(name) if name in uses.positions else None
        return Change(table, name, old, new, position)

    def dependents(
        self, diag: Diagnostic, here: Place, later: Iterable[Place], choices: Mapping[str, str]
    ) -> Carried | None:
        """The edits carrying the statements after the column's (and the files of `later`) to
        its new type; raises Declined naming the one that cannot take it. None: the
        statement defines no table's column."""
        if _defines_domain(here.tokens(diag.statement)):
            raise Declined(_DOMAIN_NOTE)
        change = self.change(diag, here, choices)
        if change is None:
            return None
        # A finding declined for its own statement's uses (declined_here): named first.
        own = self._own(change, diag, here) if diag.fix is FixAvailability.NONE else None
        try:
            carried = follow(change, diag.statement, here, later, own=own is None)
        except Declined as why:
            blockers = "; ".join(b for b in (own, str(why)) if b)
            raise Declined(
                f"the fix (`{change.old}` -> `{change.new}`) would break: {blockers}"
            ) from None
        return carried

    def declined_here(
        self, diag: Diagnostic, here: Place, choices: Mapping[str, str]
    ) -> str | None:
        change = self.change(diag, here, choices) if self.decline_dependents else None
        return self._own(change, diag, here) if change is not None else None

    def _own(self, change: Change, diag: Diagnostic, here: Place) -> str | None:
        """Why the column's uses in its own statement cannot be carried, or None."""
        return uncarried(change, here.parsed(diag.statement))


# A domain's new base type would reach every column of that type and every statement that
# uses one, across the migrations: more than a fix can see (the facts lack the cluster's
# answer to such a domain, too).
_DOMAIN_NOTE = (
    "the type is a domain's: change it by hand, with the columns of that domain and what reads them"
)


def _defines_domain(tokens: Tokens) -> bool:
    return tokens.ok and tokens.match(0, "CREATE DOMAIN") > 0


def _column_at(tokens: Tokens, start: int) -> locate.Column | None:
    """The column definition holding offset `start` (its type, or one of its constraints: an
    identity's), in a CREATE TABLE or an ALTER TABLE ... ADD COLUMN."""
    at = next((i for i, t in enumerate(tokens) if t.start <= start < t.end), None)
    if at is None:
        return None
    layout = locate.create_table_elements(tokens)
    if layout is not None:
        for first, stop in layout[1]:
            if first <= at < stop and locate.element_kind(tokens, first) == "COLUMN":
                return locate.column(tokens, first, first, stop)
        return None
    alter = locate.alter_table(tokens)
    for first, stop in alter.actions if alter is not None else ():
        name = locate.add_column_name(tokens, first, stop)
        if first <= at < stop and name is not None:
            return locate.column(tokens, first, name, stop)
    return None


def _not_a_column(tokens: Tokens, written: str) -> str:
    """Why a type outside a column definition has no fix."""
    variables = reads([tokens.statement])
    if variables:
        return (
            f"fix cannot read the statement's column definitions past psql variable"
            f" {variables[0].written}, whose value psql puts in when it runs the file"
        )
    if _alters_table(tokens):
        return (
            f"`{written}` is the type of an ALTER COLUMN ... TYPE, which DSQL refuses whatever"
            " the type (DSQL608): fix changes the type in the column's definition only"
        )
    return (
        f"`{written}` is not a table column's type here (a routine's parameter or result, a"
        " cast, a composite type): fix changes the types of column definitions only"
    )


def _default_converts(span: Tokens, new: str) -> bool:
    """Whether the DEFAULT of the column whose type is `span` can be rewritten for `new`."""
    if not span.ok:
        return True
    tokens = span.whole()  # the parse's, as _keyed's: not tokenized again
    at = next((i for i, t in enumerate(tokens) if t.start == span[0].start), None)
    column = locate.find_column(tokens, tokens[at - 1].name) if at else None
    if column is None:
        return True
    old = tokens.text(column.type.start, column.type.stop)
    return convert_default(tokens, column, old, new) is not None


def _keyed(span: Tokens) -> bool:
    """Whether the column whose type is `span` is declared PRIMARY KEY or UNIQUE."""
    if not span.ok:
        return False
    tokens = span.whole()
    at = next((i for i, t in enumerate(tokens) if t.start == span[0].start), None)
    column = locate.find_column(tokens, tokens[at - 1].name) if at else None
    return column is not None and column.constraint("PRIMARY KEY", "UNIQUE") is not None


def _dependent_name(span: Tokens) -> str | None:
    """The name of the column whose type is `span`, if the statement names it elsewhere than
    in its own name and DEFAULT (a CHECK, a generated column, a key)."""
    if not span.ok:
        return None
    tokens = span.whole()
    at = next((i for i, t in enumerate(tokens) if t.start == span[0].start), None)
    if not at:
        return None
    name = tokens[at - 1].name
    if name.isascii() and '"' not in name and span.statement.text.lower().count(name.lower()) < 2:
        return None  # written once, as the column's own name: no other token spells it
    column = locate.find_column(tokens, name)
    if column is None:
        return None
    default = column.constraint("DEFAULT")
    own = {column.name, *(range(default.start, default.stop) if default else ())}
    named = any(
        i not in own and t.type is not TokenType.STRING and t.name == name
        for i, t in enumerate(tokens)
    )
    return name if named else None


def _not_null(span: Tokens) -> bool:
    """Whether the column whose type is `span` is NOT NULL (up to the next comma): its
    DEFAULT then fills the rows, and no later pass can split it off (DSQL601)."""
    text = span.statement.source.text
    rest = code_only(text[span[-1].end : span.statement.end])
    return re.search(r"\bNOT\s+NULL\b", rest.split(",")[0], re.I) is not None


def _alters_table(span: Tokens) -> bool:
    # Comments blanked: `ALTER /* note */ TABLE` alters a table too.
    return re.match(r"\s*ALTER\s+TABLE\b", code_only(span.statement.text), re.I) is not None


# --- DEFAULT conversion -----------------------------------------------------------------------


def _cast_end(tokens: Tokens, j: int, stop: int) -> int:
    """Just past the type of a cast whose type starts at token `j`."""
    while j < stop and tokens[j].type not in _PUNCTUATION:
        j += 1
        if j < stop and tokens[j].type is TokenType.DOT:
            j += 1
    if j < stop and tokens[j].type is TokenType.L_PAREN:
        j = tokens.closing(j) + 1
    while j < stop and tokens[j].type is TokenType.L_BRACKET:
        j = tokens.closing(j) + 1
    return j


_PUNCTUATION = frozenset(
    {
        TokenType.L_PAREN,
        TokenType.R_PAREN,
        TokenType.L_BRACKET,
        TokenType.R_BRACKET,
        TokenType.COMMA,
        TokenType.DCOLON,
        TokenType.DOT,
        TokenType.STRING,
        TokenType.NUMBER,
    }
)


def convert_default(tokens: Tokens, column: locate.Column, old: str, new: str) -> list[Edit] | None:
    """Edits making the column's DEFAULT fit the new type; None when it cannot be done."""
    part = column.constraint("DEFAULT")
    if part is None:
        return []
    to_json = norm_type(new) in ("JSON", "JSONB")
    from_array = norm_type(old).endswith("]") or "ARRAY" in norm_type(old)
    edits: list[Edit] = []
    body = range(part.start + 1, part.stop)
    if any(tokens[i].type is TokenType.ARRAY for i in body):
        return _array_default(tokens, body, old, new) if from_array and to_json else None
    to_numeric = norm_type(new).startswith(("NUMERIC", "DECIMAL"))
    for i in body:
        token = tokens[i]
        if token.type is TokenType.STRING and from_array and to_json:
            literal = array_literal_to_json(token.text, numeric=_NUMERIC.match(old) is not None)
            if literal is None:
                return None
            edits.append(replace(token.start, token.end, literal))
        if token.type is TokenType.STRING and to_numeric:
            # money's text (`'$5.00'`), which numeric does not take, as its number
            number = money_number(token.text[1:-1]) if token.text.startswith("'") else None
            if number is None:
                return None
            edits.append(replace(token.start, token.end, number))
        if token.type is TokenType.DCOLON:
            end = _cast_end(tokens, i + 1, part.stop)
            cast = tokens.text(i + 1, end)
            if norm_type(cast) == norm_type(old) or (from_array and cast.rstrip().endswith("]")):
                edits.append(replace(tokens[i + 1].start, tokens[end - 1].end, new))
    return edits


def _array_default(tokens: Tokens, body: range, old: str, new: str) -> list[Edit] | None:
    """`ARRAY['a', 'b']::text[]` as `'["a","b"]'::jsonb`; None for an ARRAY of expressions."""
    import sqlglot

    start, end = tokens[body.start].start, tokens[body.stop - 1].end
    try:
        value = sqlglot.parse_one(tokens.text(body.start, body.stop), read="postgres")
    except sqlglot.errors.ParseError:
        return None
    literal = array_json(value, numeric=_NUMERIC.match(old) is not None)
    return [replace(start, end, f"{literal}::{new}")] if literal is not None else None


_NUMERIC = re.compile(r"\s*(int|bigint|smallint|numeric|decimal|real|double|float)", re.I)
