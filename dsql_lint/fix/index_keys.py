"""The sort order of an index's keys: DSQL builds ascending keys only (dsql-facts.md, "DDL":
DESC keys are rejected), so a DESC key must go, and whether that keeps the index's order
depends on the other keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot.tokens import TokenType

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.fix.actions import Action, Decision, NoFix, action
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.cuts import cut
from dsql_lint.fix.edits import Edit, Fix, replace
from dsql_lint.fix.style import cased
from dsql_lint.syntax.tokens import Tokens

_SWAPPED = {"FIRST": "LAST", "LAST": "FIRST"}


@dataclass(frozen=True)
class _Key:
    start: int  # token range of the key in the statement
    stop: int
    desc: int | None  # index of its DESC token
    nulls: int | None  # index of the FIRST or LAST of its NULLS clause


@action("ascending-keys")
class AscendingKeys(Action):
    """Make the DESC keys of the finding's index ascending. When every key is DESC, the
    ascending index scanned backwards gives the same order (each explicit NULLS FIRST/LAST
    swapped, since a backward scan swaps where NULLs come): the fix is safe. When the keys mix
    directions, no ascending index reads in that order: the fix is unsafe, and says so."""

    @property
    def per_finding(self) -> bool:
        return True

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        if not span.ok:
            return NoFix("fix cannot read the statement's keys")
        keys = _keys(Tokens(span.statement), span[0].start)
        if not keys or not any(key.desc is not None for key in keys):
            return NoFix("fix finds no DESC key in the index's key list to make ascending")
        mixed = any(key.desc is None for key in keys)
        return FixAvailability.UNSAFE if mixed else FixAvailability.SAFE

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        tokens = ctx.tokens(diag.statement)
        keys = _keys(tokens, diag.start) if tokens.ok else None
        if not keys:
            return None
        descending = [(key, key.desc) for key in keys if key.desc is not None]
        edits: list[Edit] = [cut(tokens, desc, desc + 1) for _, desc in descending]
        if len(descending) < len(keys):
            names = ", ".join(f"`{tokens.text(key.start, desc)}`" for key, desc in descending)
            summary = (
                f"removed DESC from {names}: the index now reads in ascending order only, so an "
                "ORDER BY that mixes directions as the keys did no longer follows it"
            )
            return self.make(diag, edits, summary)
        for key in keys:
            if key.nulls is not None:
                word = tokens[key.nulls]
                other = _SWAPPED[word.word]
                edits.append(replace(word.start, word.end, cased(other, word.text)))
        swapped = " (NULLS FIRST/LAST swapped)" if any(k.nulls is not None for k in keys) else ""
        summary = f"removed DESC{swapped}: the index scanned backwards reads the same order"
        return self.make(diag, edits, summary)


def _keys(tokens: Tokens, offset: int) -> list[_Key] | None:
    """The keys of the parenthesised key list holding the token at `offset`."""
    at = next((i for i, token in enumerate(tokens) if token.start >= offset), None)
    if at is None or tokens[at].depth == 0:
        return None
    depth = tokens[at].depth
    opening = next(
        (
            i
            for i in range(at - 1, -1, -1)
            if tokens[i].type is TokenType.L_PAREN and tokens[i].depth == depth - 1
        ),
        None,
    )
    if opening is None:
        return None
    keys = []
    for start, stop in tokens.split(opening + 1, tokens.closing(opening)):
        desc = tokens.find("DESC", start=start, stop=stop, depth=depth)
        nulls = tokens.find("NULLS", start=start, stop=stop, depth=depth)
        ends = nulls + 1 if nulls is not None and nulls + 1 < stop else None
        if ends is not None and tokens[ends].word not in _SWAPPED:
            ends = None
        keys.append(_Key(start, stop, desc, ends))
    return keys
