"""ALTER TABLE statements whose action list holds an action sqlglot's parser does not read.

sqlglot keeps such a statement whole as an exp.Command, so the rules that read the tree miss
its other actions (`ADD COLUMN z text NOT NULL, ENABLE TRIGGER ALL`). Here each action the
parser does not read, alone or after the ones it read, is taken out of the tokens it parses
and put back in the tree, at its place among the actions, as a raw action:

    exp.Command(this=its first word, expression=Literal(the rest of its text)), with
    meta start/end: its span in the source (end exclusive)

The statement is then an exp.Alter whose other actions the rules check; the table of actions
(`dsql_lint.lint.actions`) judges the raw one by its words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

RAW_START = "start"
RAW_END = "end"

_OPENING = (TokenType.L_PAREN, TokenType.L_BRACKET)
_CLOSING = (TokenType.R_PAREN, TokenType.R_BRACKET)


def raw_action_spans(tree: exp.Expr | None) -> list[tuple[int, int]]:
    """The source spans of a statement's raw actions."""
    if not isinstance(tree, exp.Alter):
        return []
    return [
        (action.meta[RAW_START], action.meta[RAW_END])
        for action in tree.args.get("actions") or []
        if isinstance(action, exp.Command) and RAW_START in action.meta
    ]


def split_unread(
    tokens: list[Token], sql: str, fixups: list[Any], sub_parser: Callable[[], Any]
) -> list[Token]:
    """The tokens of an ALTER TABLE with the actions the parser does not read taken out, and
    a fixup that puts them back as raw actions; the tokens unchanged where the parser reads
    the whole statement, or none of its actions.

    sqlglot reads NOT VALID only at the statement's end, as the whole statement's (exp.Alter's
    not_valid), where PostgreSQL reads it as the last action's own: in a statement of several
    actions, each action's NOT VALID, the last one's included where it adds a CHECK or a
    FOREIGN KEY, is dropped from the tokens and its CHECK or FOREIGN KEY marked instead
    (args["not_valid"], as pgforms marks a CREATE TABLE's CHECK), so that it marks no other
    action's constraint."""
    head_end = _head_end(tokens)
    actions = _actions(tokens, head_end)
    if len(actions) < 2 or not sql:
        return tokens
    last = len(actions) - 1
    marked = {
        k
        for k, (_, action) in enumerate(actions)
        if _ends_not_valid(action) and (k < last or _adds_constraint(action))
    }
    if not marked and _reads(tokens, sql, sub_parser) is not None:
        return tokens
    kept: list[Token] = tokens[:head_end]
    read = 0  # the parsed actions of `kept`
    raws: list[tuple[int, exp.Command]] = []
    valid: list[tuple[int, int]] = []  # the parsed actions (from, to) written NOT VALID
    for k, (comma, action) in enumerate(actions):
        words = action[:-2] if k in marked else action
        joined = kept + ([comma] if read and comma is not None else []) + words
        tree = _reads(joined, sql, sub_parser)
        if tree is not None:
            count = len(tree.args.get("actions") or [])
            if k in marked:
                valid.append((read, count))
            kept, read = joined, count
        else:
            raws.append((read, _raw(action, sql)))
    if read == 0 or not (raws or valid):
        return tokens
    fixups.append(lambda tree: _put_back(tree, raws, valid))
    return kept


def _adds_constraint(action: list[Token]) -> bool:
    """`ADD [CONSTRAINT k] CHECK|FOREIGN KEY ...`: a NOT VALID ending the statement is its own
    (after another action, PostgreSQL refuses it, which sqlglot's reading leaves as it is)."""
    words = [t.text.upper().split()[0] for t in action if t.text.strip()]  # `FOREIGN KEY`: one
    return words[:1] == ["ADD"] and ("CHECK" in words or "FOREIGN" in words)


def _ends_not_valid(action: list[Token]) -> bool:
    return len(action) > 2 and [t.text.upper() for t in action[-2:]] == ["NOT", "VALID"]


def _reads(tokens: list[Token], sql: str, sub_parser: Callable[[], Any]) -> exp.Alter | None:
    try:
        trees = sub_parser().parse(tokens, sql)
    except Exception:  # noqa: BLE001 - what the parser refuses, it does not read
        return None
    tree = trees[0] if len(trees) == 1 else None
    return tree if isinstance(tree, exp.Alter) and tree.args.get("actions") else None


def _head_end(tokens: list[Token]) -> int:
    """Where the actions start: after `ALTER TABLE [IF EXISTS] [ONLY] name [*]`."""
    i = 2
    if _word(tokens, i) == "IF" and _word(tokens, i + 1) == "EXISTS":
        i += 2
    if _word(tokens, i) == "ONLY":
        i += 1
    i += 1  # the name
    while i + 1 < len(tokens) and tokens[i].token_type is TokenType.DOT:
        i += 2
    if i < len(tokens) and tokens[i].token_type is TokenType.STAR:
        i += 1
    return i


def _word(tokens: list[Token], i: int) -> str | None:
    return tokens[i].text.upper() if i < len(tokens) else None


def _actions(tokens: list[Token], start: int) -> list[tuple[Token | None, list[Token]]]:
    """Each action's tokens, with the comma before it (None for the first)."""
    out: list[tuple[Token | None, list[Token]]] = []
    depth, begin, comma = 0, start, None
    for i in range(start, len(tokens)):
        kind = tokens[i].token_type
        if kind in _OPENING:
            depth += 1
        elif kind in _CLOSING:
            depth -= 1
        elif kind is TokenType.COMMA and depth == 0:
            out.append((comma, tokens[begin:i]))
            begin, comma = i + 1, tokens[i]
    out.append((comma, tokens[begin:]))
    return [(c, action) for c, action in out if action]


def _raw(action: list[Token], sql: str) -> exp.Command:
    start, end = action[0].start, action[-1].end + 1
    first, rest = action[0], action[1:]
    node = exp.Command(this=first.text.upper())
    if rest:
        node.set("expression", exp.Literal.string(sql[rest[0].start : end]))
    node.meta[RAW_START], node.meta[RAW_END] = start, end
    return node


def _put_back(
    tree: exp.Expr | None, raws: list[tuple[int, exp.Command]], valid: list[tuple[int, int]]
) -> exp.Expr | None:
    if not isinstance(tree, exp.Alter):
        return tree
    actions = list(tree.args.get("actions") or [])
    for low, high in valid:
        for action in actions[low:high]:
            for node in action.find_all(exp.CheckColumnConstraint, exp.ForeignKey):
                node.set("not_valid", True)
    for placed, (index, node) in enumerate(raws):
        actions.insert(index + placed, node)
    tree.set("actions", actions)
    return tree
