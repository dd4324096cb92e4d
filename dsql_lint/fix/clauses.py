"""Actions on the words of one statement: insert a keyword, remove a clause, replace the
statement's leading words, remove the statement."""

from __future__ import annotations

from sqlglot.tokens import TokenType

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.fix import locate
from dsql_lint.fix.actions import Action, action
from dsql_lint.fix.constraints import short
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut
from dsql_lint.fix.edits import Edit, Fix, delete, insert, replace
from dsql_lint.fix.style import cased
from dsql_lint.fix.tokens import Tokens

OPERANDS = ("name", "parens", "rest")


@action("insert-keyword")
class InsertKeyword(Action):
    """Insert `text` after the first top-level keyword `after`, or put it in place of one of the
    keywords `replacing` when the statement has one (CONCURRENTLY -> ASYNC)."""

    keys = frozenset({"text", "after", "replacing"})
    required = frozenset({"text", "after"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.text = self.text_param("text")
        self.after = self.words_param("after")
        self.replacing = self.words_param("replacing")

    def plan(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok:
            return None
        text = cased(self.text, tokens[0].text)
        if self.replacing:
            i = tokens.find(*self.replacing, depth=0)
            if i is not None:
                edit = replace(tokens[i].start, tokens[i].end, text)
                return self.make(diag, [edit], f"{tokens[i].word} -> {text}")
        i = tokens.find(*self.after, depth=0)
        if i is None:
            return None
        return self.make(diag, [insert(tokens[i].end, " " + text)], f"added {text} after {tokens[i].word}")


@action("delete-clause")
class DeleteClause(Action):
    """Remove `clause operand` from the statement, every top-level occurrence (any depth with
    `anywhere: true`). operand: name (a qualified name), parens (a parenthesised list) or rest
    (up to the next comma, which goes too); only: the operands (names) that may be removed."""

    keys = frozenset({"clause", "operand", "only", "anywhere"})
    required = frozenset({"clause", "operand"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.clause = " ".join(self.text_param("clause").upper().split())
        self.operand = self.text_param("operand")
        if self.operand not in OPERANDS:
            raise self.error(f"`operand` must be one of {', '.join(OPERANDS)}")
        self.only = {w.lower() for w in self.words_param("only")}
        self.anywhere = bool(self.params.get("anywhere", False))

    def plan(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok:
            return None
        edits: list[Edit] = []
        removed: list[str] = []
        pos = 0
        while True:
            found = self._next(tokens, pos)
            if found is None:
                break
            i, j, operand = found
            pos = j
            if self.only and operand.lower().strip('"') not in self.only:
                continue
            removed.append(short(tokens.text(i, j)))
            edits.extend(self._cut(tokens, i, j))
        if not edits:
            return None
        return self.make(diag, edits, "removed " + ", ".join(f"`{r}`" for r in removed))

    def _next(self, tokens: Tokens, start: int) -> tuple[int, int, str] | None:
        operand = "none" if self.operand == "rest" else self.operand
        found = locate.clause(tokens, self.clause, operand, start, None if self.anywhere else 0)
        if found is None:
            return None
        i, k, j = found
        if self.operand == "rest":
            depth = tokens[i].depth
            while j < len(tokens) and not (tokens[j].type is TokenType.COMMA and tokens[j].depth == depth):
                j += 1
        return i, j, tokens.text(k, j)

    def _cut(self, tokens: Tokens, i: int, j: int) -> list[Edit]:
        if self.operand == "rest" and j < len(tokens) and tokens[j].type is TokenType.COMMA:
            return [delete(tokens[i].start, tokens[j + 1].start if j + 1 < len(tokens) else tokens[j].end)]
        return [cut(tokens, i, j)]


@action("delete-statement")
class DeleteStatement(Action):
    """Remove the whole statement."""

    def plan(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        statement = ctx.statement_of(diag)
        return self.make(diag, [ctx.delete_statement(statement)], f"removed `{short(statement.text)}`")


@action("replace-head")
class ReplaceHead(Action):
    """Replace the leading words of the statement (`head`, the longest match first) with `with`;
    with `list-separator`, each comma of the list that follows becomes that text (one statement
    per item). `unless`: words that make the rewrite wrong, so the finding stays."""

    keys = frozenset({"head", "with", "list-separator", "unless"})
    required = frozenset({"head", "with"})

    def __init__(self, rule, params):  # type: ignore[no-untyped-def]
        super().__init__(rule, params)
        self.heads = sorted(self.words_param("head"), key=lambda h: -len(h.split()))
        self.text = self.text_param("with")
        separator = self.params.get("list-separator")
        if separator is not None and not isinstance(separator, str):
            raise self.error("`list-separator` must be text")
        self.separator = separator
        self.unless = self.words_param("unless")

    def plan(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        if not tokens.ok or any(tokens.has(words) for words in self.unless):
            return None
        size = next((n for n in (tokens.match(0, h) for h in self.heads) if n), 0)
        if not size:
            return None
        style = tokens[0].text
        edits = [replace(tokens[0].start, tokens[size - 1].end, cased(self.text, style))]
        if self.separator is not None:
            for k in range(size, len(tokens)):
                if tokens[k].type is TokenType.COMMA and tokens[k].depth == 0:
                    edits.append(replace(tokens[k].start, tokens[k].end, cased(self.separator, style)))
        old = tokens.text(0, size)
        return self.make(diag, edits, f"`{old}` -> `{cased(self.text, style)}`")
