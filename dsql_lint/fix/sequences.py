"""Actions on sequences and identity columns: a valid CACHE, and pg_dump's serial idiom
(CREATE SEQUENCE, OWNED BY, SET DEFAULT nextval) folded into an identity column."""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp
from sqlglot.tokens import TokenType

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.fix.actions import Action, action
from dsql_lint.fix.columns import identifier_name
from dsql_lint.fix.constraints import short
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut_element
from dsql_lint.fix.edits import Edit, Fix, insert, replace
from dsql_lint.fix.style import cased
from dsql_lint.lint.schema import table_key
from dsql_lint.syntax import locate
from dsql_lint.syntax.tokens import Tokens

MODES = ("add", "nearest")
VALID_CACHE = (1, 65536)  # DSQL accepts CACHE 1 or CACHE >= 65536


def nearest_cache(value: int) -> int:
    low, high = VALID_CACHE
    if value <= low or value >= high:
        return value if value >= high else low
    return low if value - low <= high - value else high


def _is_sequence_statement(tokens: Tokens) -> bool:
    head = tokens.find("SEQUENCE", stop=min(len(tokens), 4))
    return bool(tokens.match(0, "CREATE") or tokens.match(0, "ALTER")) and head is not None


def _identity_options(tokens: Tokens) -> list[tuple[int, int | None]]:
    """(index of IDENTITY, index of the `(` of its options or None) for each AS IDENTITY."""
    out = []
    for i in range(1, len(tokens)):
        if tokens[i].is_word("IDENTITY") and tokens[i - 1].is_word("AS"):
            has_options = i + 1 < len(tokens) and tokens[i + 1].type is TokenType.L_PAREN
            out.append((i, i + 1 if has_options else None))
    return out


@action("set-cache")
class SetCache(Action):
    """Give sequences and identity columns a CACHE DSQL accepts.
    mode: add (`CACHE 1` where none is given) or nearest (an invalid CACHE becomes the nearest
    valid value, 1 or 65536)."""

    keys = frozenset({"mode"})
    required = frozenset({"mode"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.mode = self.text_param("mode")
        if self.mode not in MODES:
            raise self.error(f"`mode` must be one of {', '.join(MODES)}")

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok:
            return None
        edits = self._add(tokens) if self.mode == "add" else self._nearest(tokens)
        if not edits:
            return None
        summary = "added CACHE 1" if self.mode == "add" else "CACHE set to the nearest valid value"
        return self.make(diag, edits, summary)

    @staticmethod
    def _add(tokens: Tokens) -> list[Edit]:
        text = cased(" CACHE 1", tokens[0].text)
        identities = _identity_options(tokens)
        if not identities:
            if _is_sequence_statement(tokens) and tokens.find("CACHE", depth=0) is None:
                return [insert(tokens[-1].end, text)]
            return []
        edits = []
        for identity, group in identities:
            if group is None:
                edits.append(insert(tokens[identity].end, f" ({text.strip()})"))
            elif tokens.find("CACHE", start=group, stop=tokens.closing(group)) is None:
                edits.append(insert(tokens[tokens.closing(group) - 1].end, text))
        return edits

    @staticmethod
    def _nearest(tokens: Tokens) -> list[Edit]:
        edits = []
        for i in range(len(tokens) - 1):
            value = tokens[i + 1]
            if (
                tokens[i].is_word("CACHE")
                and value.type is TokenType.NUMBER
                and value.text.isdigit()
            ):
                wanted = nearest_cache(int(value.text))
                if wanted != int(value.text):
                    edits.append(replace(value.start, value.end, str(wanted)))
        return edits


# --- pg_dump's serial idiom -------------------------------------------------------------------

_DROP_SEQUENCE = re.compile(r"drop\s+sequence\s", re.I)
_OWNED_BY = re.compile(r"alter\s+sequence\s+(?:if\s+exists\s+)?(\S+)\s+owned\s+by\s", re.I)


def _name_key(name: str) -> tuple[str, str]:
    """(schema, name) of a written name: `public.s`, `"S"`, `s` (schema public)."""
    parts = [
        p.strip('"') if p.startswith('"') else p.lower() for p in re.findall(r'"[^"]*"|[^.]+', name)
    ]
    return (parts[-2] if len(parts) > 1 else "public", parts[-1])


def _sequence_of(default: Any) -> tuple[str, str] | None:
    """The sequence of `nextval('seq'::regclass)`."""
    call = default
    if not isinstance(call, exp.Anonymous | exp.Func) or call.name.lower() != "nextval":
        return None
    argument = call.expressions[0] if call.expressions else None
    if isinstance(argument, exp.Cast):
        argument = argument.this
    if not isinstance(argument, exp.Literal) or not argument.is_string:
        return None
    return _name_key(argument.this)


class _Idiom:
    """The statements of one serial idiom found in a file."""

    def __init__(
        self, ctx: FixContext, index: int, alter: exp.Alter, column: exp.AlterColumn
    ) -> None:
        self.ctx = ctx
        self.alter_index = index
        self.table = table_key(alter.this)
        self.column = identifier_name(column.this) or ""
        self.sequence = _sequence_of(column.args.get("default"))
        self.create_table: int | None = None
        self.create_sequence: int | None = None
        self.owned_by: list[int] = []
        # pg_dump --clean's prologue, before the CREATE TABLE: the column's DROP DEFAULT
        # (statement index, its AlterColumn) and the sequence's DROP SEQUENCE.
        self.drop_default: list[tuple[int, exp.AlterColumn]] = []
        self.drop_sequence: list[int] = []
        if self.table is not None and self.sequence is not None:
            self._find()

    def _find(self) -> None:
        for parsed in self.ctx.report.parsed[: self.alter_index]:
            tree, index = parsed.tree, parsed.statement.index
            if isinstance(tree, exp.Create) and tree.kind == "TABLE":
                schema = tree.this
                if isinstance(schema, exp.Schema) and table_key(schema.this) == self.table:
                    self.create_table = index
            elif isinstance(tree, exp.Create) and tree.kind == "SEQUENCE":
                if table_key(tree.this) == self.sequence:
                    self.create_sequence = index
            elif self.create_table is None and isinstance(tree, exp.Alter):
                if table_key(tree.this) == self.table:
                    actions = tree.args.get("actions") or []
                    self.drop_default += [(index, a) for a in actions if self._drops_default(a)]
            elif isinstance(tree, exp.Drop) and tree.kind == "SEQUENCE":
                tables = tree.args.get("tables") or []
                if self.create_sequence is None and [table_key(t) for t in tables] == [
                    self.sequence
                ]:
                    self.drop_sequence.append(index)
            else:
                match = _OWNED_BY.match(parsed.statement.text)
                if match and _name_key(match.group(1)) == self.sequence:
                    self.owned_by.append(index)

    def _drops_default(self, node: Any) -> bool:
        return (
            isinstance(node, exp.AlterColumn)
            and identifier_name(node.this) == self.column
            and bool(node.args.get("drop"))
            and not node.args.get("allow_null")
        )

    @property
    def complete(self) -> bool:
        return None not in (self.create_table, self.create_sequence) and bool(self.owned_by)

    def used_elsewhere(self) -> bool:
        """Whether other statements name the sequence (setval, GRANT, another default). A
        DROP SEQUENCE before its CREATE SEQUENCE (pg_dump --clean) does not count: it drops
        an earlier copy, and finds none once the sequence is an identity column's."""
        mine = {self.alter_index, self.create_sequence, *self.owned_by}
        word = re.compile(rf"(?<![\w$]){re.escape(self.sequence[1])}(?![\w$])", re.I)
        return any(
            word.search(s.text)
            for s in self.ctx.statements
            if s.index not in mine
            and s.kind.value == "sql"
            and not (s.index < (self.create_sequence or 0) and _DROP_SEQUENCE.match(s.text))
        )


@action("fold-sequence")
class FoldSequence(Action):
    """pg_dump's serial idiom, in one file:

        CREATE TABLE t (id integer NOT NULL, ...);
        CREATE SEQUENCE t_id_seq ...;
        ALTER SEQUENCE t_id_seq OWNED BY t.id;
        ALTER TABLE ONLY t ALTER COLUMN id SET DEFAULT nextval('t_id_seq'::regclass);

    becomes an identity column in the CREATE TABLE (START and INCREMENT kept, a valid CACHE),
    and the sequence statements go. Left alone when anything else names the sequence.
    `with`: the new column type, {options} standing for the identity options."""

    keys = frozenset({"with"})
    DEFAULT_WITH = "BIGINT GENERATED BY DEFAULT AS IDENTITY ({options})"

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.text = self.text_param("with", self.DEFAULT_WITH)

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        node = diag.node
        tree = ctx.parsed(diag.statement).tree
        if not isinstance(node, exp.AlterColumn) or not isinstance(tree, exp.Alter):
            return None
        idiom = _Idiom(ctx, diag.statement, tree, node)
        if not idiom.complete or idiom.used_elsewhere():
            return None
        tokens = ctx.tokens(idiom.create_table)  # type: ignore[arg-type]
        column = locate.find_column(tokens, idiom.column) if tokens.ok else None
        if column is None or column.constraint("DEFAULT", "GENERATED") is not None:
            return None
        sequence = ctx.parsed(idiom.create_sequence).tree  # type: ignore[arg-type]
        options = _identity_options_of(sequence)
        new = cased(self.text.format(options=options), tokens[0].text)
        old = tokens.text(column.type.start, column.type.stop)
        edits = [replace(tokens[column.type.start].start, tokens[column.type.stop - 1].end, new)]
        edits += [
            ctx.delete_statement(ctx.statements[i])
            for i in (idiom.create_sequence, *idiom.owned_by)
        ]
        edits += self._drop_action(ctx, diag.statement, tree, node)
        # pg_dump --clean's drops of the serial's default and sequence go: on a database
        # that has the identity column, DROP DEFAULT and DROP SEQUENCE of its sequence fail
        # (42601, 2BP01), and dropping the table drops its identity's sequence.
        edits += [ctx.delete_statement(ctx.statements[i]) for i in idiom.drop_sequence]
        for index, dropped in idiom.drop_default:
            prologue = ctx.parsed(index).tree
            if isinstance(prologue, exp.Alter):
                edits += self._drop_action(ctx, index, prologue, dropped)
        name = ".".join(idiom.sequence)
        summary = f"column {idiom.column}: `{old}` -> `{short(new)}`; sequence {name} removed"
        if idiom.drop_default or idiom.drop_sequence:
            summary += ", with the DROP DEFAULT and DROP SEQUENCE of pg_dump --clean"
        return self.make(diag, edits, summary)

    @staticmethod
    def _drop_action(ctx: FixContext, index: int, tree: exp.Alter, node: Any) -> list[Edit]:
        """The ALTER TABLE's action `node` removed; with the statement when it is its only."""
        actions = tree.args.get("actions") or []
        tokens = ctx.tokens(index)
        layout = locate.alter_table(tokens)
        if len(actions) == 1 or layout is None or len(layout.actions) != len(actions):
            return [ctx.delete_statement(ctx.statements[index])]
        return cut_element(tokens, list(layout.actions), actions.index(node))


def _identity_options_of(create: Any) -> str:
    """Identity options carrying a sequence's START, INCREMENT, bounds and CYCLE, with a CACHE
    DSQL accepts."""
    props = create.find(exp.SequenceProperties) if create is not None else None
    args = props.args if props is not None else {}
    out = []
    for key, words in (
        ("start", "START WITH"),
        ("increment", "INCREMENT BY"),
        ("minvalue", "MINVALUE"),
        ("maxvalue", "MAXVALUE"),
    ):
        value = args.get(key)
        if value is not None and not (key in ("start", "increment") and value.name == "1"):
            out.append(f"{words} {value.sql('postgres')}")
    cache = args.get("cache")
    written = int(cache.name) if cache is not None and cache.name.isdigit() else 1
    out.append(f"CACHE {nearest_cache(written)}")
    if any(o.name.upper() == "CYCLE" for o in args.get("options") or []):
        out.append("CYCLE")
    return " ".join(out)
