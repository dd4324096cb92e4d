"""Actions on the words of one statement: insert a keyword, remove or replace a clause,
remove an ALTER TABLE action, replace the statement's leading words, remove the statement."""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot.tokens import TokenType

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.fix.actions import Action, Decision, NoFix, action
from dsql_lint.fix.columns import column_of
from dsql_lint.fix.constraints import short
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut, cut_elements
from dsql_lint.fix.edits import Edit, Fix, delete, insert, replace
from dsql_lint.fix.style import cased, like_replaced
from dsql_lint.syntax import locate
from dsql_lint.syntax.tokens import Tokens

OPERANDS = ("name", "parens", "none", "rest")
# After these, a clause is what the statement (or ALTER TABLE action) is about: SET UNLOGGED,
# SET TABLESPACE x, CREATE TABLESPACE x; the clause cannot go on its own.
ACTION_HEADS = ("SET", "RESET")
STATEMENT_HEADS = ("CREATE", "ALTER", "DROP")


@action("insert-keyword")
class InsertKeyword(Action):
    """Insert `text` after the first top-level keyword `after`, or put it in place of one of the
    keywords `replacing` when the statement has one (CONCURRENTLY -> ASYNC), or drop that
    keyword when `text` is there already (ASYNC CONCURRENTLY -> ASYNC). `alone: true`: the
    keyword makes a form of one ALTER TABLE action (ALTER TABLE ASYNC t VALIDATE CONSTRAINT
    c), so a statement of several actions gets no fix."""

    keys = frozenset({"text", "after", "replacing", "alone"})
    required = frozenset({"text", "after"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.text = self.text_param("text")
        self.after = self.words_param("after")
        self.replacing = self.words_param("replacing")
        self.alone = self.params.get("alone") is True

    @property
    def per_finding(self) -> bool:
        return self.alone

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        if self.alone and _several_actions(span.whole()):
            return NoFix(
                f"{self.text} takes a statement of this one action: move the others to an"
                " ALTER TABLE of their own first"
            )
        return None

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok or (self.alone and _several_actions(tokens)):
            return None
        text = cased(self.text, tokens[0].text)
        if self.replacing:
            i = tokens.find(*self.replacing, depth=0)
            if i is not None and tokens.find(self.text, depth=0) is not None:
                end = tokens[i + 1].start if i + 1 < len(tokens) else tokens[i].end
                return self.make(
                    diag, [replace(tokens[i].start, end, "")], f"dropped {tokens[i].text}"
                )
            if i is not None:
                edit = replace(tokens[i].start, tokens[i].end, text)
                return self.make(diag, [edit], f"{tokens[i].text} -> {text}")
        i = tokens.find(*self.after, depth=0)
        if i is None:
            return None
        return self.make(diag, [insert(tokens[i].end, " " + text)], f"added {text}")


def _several_actions(tokens: Tokens) -> bool:
    layout = locate.alter_table(tokens)
    return layout is not None and len(layout.actions) > 1


def _phrases(action: Action, key: str) -> tuple[str, ...]:
    """A phrase or a list of phrases, longest first (`USING INDEX TABLESPACE` before
    `TABLESPACE`)."""
    phrases = action.words_param(key)
    if not phrases:
        raise action.error(f"`{key}` needs at least one phrase")
    return tuple(sorted(phrases, key=lambda p: -len(p.split())))


@action("delete-clause")
class DeleteClause(Action):
    """Remove every `clause operand` at the top level of the statement (at any depth with
    `anywhere: true`). clause: a phrase or a list of them; operand: name (a qualified name),
    parens (a parenthesised list), none, or rest (up to the next comma, which goes too);
    only: the operands that may go; safe-for: the operands whose removal changes nothing (the
    fix is then safe, else unsafe)."""

    keys = frozenset({"clause", "operand", "only", "anywhere", "safe-for"})
    required = frozenset({"clause", "operand"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.clauses = _phrases(self, "clause")
        self.operand = self.text_param("operand")
        if self.operand not in OPERANDS:
            raise self.error(f"`operand` must be one of {', '.join(OPERANDS)}")
        self.only = {_operand_key(w) for w in self.words_param("only")}
        self.safe_for = {_operand_key(w) for w in self.words_param("safe-for")}
        self.anywhere = bool(self.params.get("anywhere", False))

    @property
    def per_finding(self) -> bool:
        # Whether the finding's text has a clause this action removes (CREATE TABLESPACE has
        # none), and, with `only` and `safe-for`, which.
        return True

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        removals = self._removals(span, 0, len(span))
        if not removals:
            return NoFix(self._kept(span))
        if not self.safe_for:
            return None
        safe = all(key in self.safe_for for _, _, key in removals)
        return FixAvailability.SAFE if safe else FixAvailability.UNSAFE

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok:
            return None
        # A finding on a column (COLLATE) is fixed in that column only, so that each column's
        # fix has its own safety; other findings are fixed in the whole statement.
        found = column_of(diag.node, ctx, diag.statement) if diag.node is not None else None
        pos, stop = (found[1].start, found[1].stop) if found else (0, len(tokens))
        removals = self._removals(tokens, pos, stop)
        edits = [edit for i, j, _ in removals for edit in self._cut(tokens, i, j)]
        if not edits:
            return None
        removed = ", ".join(f"`{short(tokens.text(i, j))}`" for i, j, _ in removals)
        return self.make(diag, edits, "removed " + removed)

    def _kept(self, span: Tokens) -> str:
        """Why the finding's text has no clause this action removes."""
        pos = 0
        while (match := self._next(span, pos, len(span))) is not None:
            i, j, operand = match
            pos = j
            if self.only and _operand_key(operand) not in self.only:
                kept = ", ".join(sorted(self.only))
                return (
                    f"the fix removes {self.clauses[0]} {kept} only: without"
                    f" `{short(span.text(i, j))}` the statement would make something else (an"
                    " index of another method serves other queries)"
                )
        return (
            f"the statement has no {' or '.join(self.clauses)} clause that the fix removes:"
            " DSQL refuses the statement itself"
        )

    def _removals(self, tokens: Tokens, pos: int, stop: int) -> list[tuple[int, int, str]]:
        """The clauses to remove in tokens [pos, stop): their token range and operand key."""
        out = []
        while (match := self._next(tokens, pos, stop)) is not None:
            i, j, operand = match
            pos = j
            key = _operand_key(operand)
            if self.only and key not in self.only:
                continue
            if i > 0 and _is_object(tokens, i, self.operand):
                continue
            out.append((i, j, key))
        return out

    def _next(self, tokens: Tokens, start: int, stop: int) -> tuple[int, int, str] | None:
        operand = "none" if self.operand == "rest" else self.operand
        depth = None if self.anywhere else 0
        found = locate.clause(tokens, self.clauses, operand, start, depth, stop)
        if found is None:
            return None
        i, k, j = found
        if self.operand == "rest":
            depth = tokens[i].depth
            while j < len(tokens) and not (
                tokens[j].type is TokenType.COMMA and tokens[j].depth == depth
            ):
                j += 1
        return i, j, tokens.text(k, j)

    def _cut(self, tokens: Tokens, i: int, j: int) -> list[Edit]:
        if self.operand == "rest" and j < len(tokens) and tokens[j].type is TokenType.COMMA:
            # `ISOLATION LEVEL x, READ ONLY`: the clause and its comma go, the rest stays.
            return [cut(tokens, i, j), delete(tokens[j].start, tokens[j].end)]
        return [cut(tokens, i, j)]


def _is_object(tokens: Tokens, i: int, operand: str) -> bool:
    """Whether the phrase at `i` names what the statement is about, not a clause of it:
    `SET TABLESPACE t`, `ALTER TABLESPACE t`, `ALTER TABLE ALL IN TABLESPACE t` (whose tables
    it moves)."""
    before = tokens[i - 1]
    return before.is_word(*ACTION_HEADS, "IN") or (
        operand != "none" and before.is_word(*STATEMENT_HEADS)
    )


def _operand_key(text: str) -> str:
    """`pg_catalog."default"` and `DEFAULT` alike: schema, quotes and case ignored."""
    return text.rsplit(".", 1)[-1].strip().strip('"').lower()


@action("replace-operand")
class ReplaceOperand(Action):
    """Replace the operand of `clause` (a name, e.g. the type after AS) with `with`."""

    keys = frozenset({"clause", "with"})
    required = frozenset({"clause", "with"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.clauses = _phrases(self, "clause")
        self.text = self.text_param("with")

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        found = locate.clause(tokens, self.clauses, "name", depth=None) if tokens.ok else None
        if found is None:
            return None
        _, k, j = found
        old = tokens.text(k, j)
        new = cased(self.text, like_replaced(self.text, tokens[k].text, tokens[0].text))
        edit = replace(tokens[k].start, tokens[j - 1].end, new)
        return self.make(diag, [edit], f"`{old}` -> `{new}`")


@action("drop-qualifier")
class DropQualifier(Action):
    """Remove the schema from the name that follows `after` (skipping the words in `skip`):
    `CREATE INDEX app.i ON app.t` -> `CREATE INDEX i ON app.t`."""

    keys = frozenset({"after", "skip"})
    required = frozenset({"after"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.after = self.words_param("after")
        self.skip = self.words_param("skip")

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        i = tokens.find(*self.after, depth=0) if tokens.ok else None
        if i is None:
            return None
        i += tokens.match(i, next(a for a in self.after if tokens.match(i, a)))
        while i < len(tokens) and (
            size := max(tokens.match(i, w) for w in self.skip) if self.skip else 0
        ):
            i += size
        end = tokens.qualified_name_end(i) if i < len(tokens) else i
        if end - i < 3:
            return None
        name = tokens.text(i, end)
        edit = delete(tokens[i].start, tokens[end - 2].end)
        return self.make(diag, [edit], f"`{name}` -> `{tokens[end - 1].text}`")


@action("delete-action")
class DeleteAction(Action):
    """Remove the ALTER TABLE actions containing `matching` (a phrase or several); the whole
    statement when no action would be left."""

    keys = frozenset({"matching"})
    required = frozenset({"matching"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.matching = _phrases(self, "matching")

    @property
    def per_finding(self) -> bool:
        return True  # whether the finding is an ALTER TABLE with such an action

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        if self._doomed(span):
            return None
        return NoFix(
            f"the statement has no ALTER TABLE action {' or '.join(self.matching)} that the fix"
            " removes"
        )

    def _doomed(self, tokens: Tokens) -> list[int]:
        """The indexes of the actions to remove, in the layout of the ALTER TABLE `tokens`."""
        layout = locate.alter_table(tokens) if tokens.ok else None
        if layout is None:
            return []
        return [
            k
            for k, (a, b) in enumerate(layout.actions)
            if tokens.find(*self.matching, start=a, stop=b) is not None
        ]

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        doomed = self._doomed(tokens)
        if not doomed:
            return None
        actions = list(locate.alter_table(tokens).actions)
        removed = ", ".join(f"`{short(tokens.text(*actions[k]))}`" for k in doomed)
        if len(doomed) == len(actions):
            statement = ctx.statement_of(diag)
            return self.make(
                diag, [ctx.delete_statement(statement)], f"removed `{short(statement.text)}`"
            )
        edits = cut_elements(tokens, actions, doomed)
        return self.make(diag, edits, f"removed {removed}")


@action("delete-statement")
class DeleteStatement(Action):
    """Remove the whole statement."""

    @property
    def per_finding(self) -> bool:
        return True

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        """A finding within the statement (a set_config call in a query) is not the statement:
        removing the statement would remove the query around it."""
        whole = span.whole()
        if not span.ok or not whole.ok or span[0].start == whole[0].start:
            return None
        return NoFix("the finding is a part of the statement, which does more: edit it by hand")

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        statement = ctx.statement_of(diag)
        return self.make(
            diag, [ctx.delete_statement(statement)], f"removed `{short(statement.text)}`"
        )


@action("replace-head")
class ReplaceHead(Action):
    """Replace the leading words of the statement (`head`, the longest match first) with `with`;
    with `list-separator`, each comma of the list that follows becomes that text (one statement
    per item). `unless`: words that make the rewrite wrong, so the finding stays."""

    keys = frozenset({"head", "with", "list-separator", "unless"})
    required = frozenset({"head", "with"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.heads = _phrases(self, "head")
        self.text = self.text_param("with")
        separator = self.params.get("list-separator")
        if separator is not None and not isinstance(separator, str):
            raise self.error("`list-separator` must be text")
        self.separator = separator
        self.unless = self.words_param("unless")

    @property
    def per_finding(self) -> bool:
        return bool(self.unless)

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        """No fix when the statement says something the rewrite would lose (`unless`)."""
        said = next((words for words in self.unless if span.has(words)), None)
        if said is None:
            return None
        return NoFix(f"the statement says {said}, which {self.text} would not do")

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok:
            return None
        size = next((n for n in (tokens.match(0, h) for h in self.heads) if n), 0)
        if not size:
            return None
        style = tokens[0].text
        edits = [replace(tokens[0].start, tokens[size - 1].end, cased(self.text, style))]
        if self.separator is not None:
            for k in range(size, len(tokens)):
                if tokens[k].type is TokenType.COMMA and tokens[k].depth == 0:
                    edits.append(
                        replace(tokens[k].start, tokens[k].end, cased(self.separator, style))
                    )
        old = tokens.text(0, size)
        return self.make(diag, edits, f"`{old}` -> `{cased(self.text, style)}`")
