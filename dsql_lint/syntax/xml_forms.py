"""PostgreSQL's XML functions, whose arguments are written with keywords, read by token
rewrites that keep positions (see pgforms.py, which calls these):

    XMLPARSE(DOCUMENT e)                       each call an exp.Anonymous whose arguments are
    XMLSERIALIZE(CONTENT e AS text [NO] INDENT)  its expressions, and args["xml_template"] the
    XMLPI(NAME n, e)                           call as written: its keywords (and the target
    XMLROOT(e, VERSION e|NO VALUE,             type, the PI's name) as text, its commas, and
            STANDALONE YES|NO|NO VALUE)        the argument positions, which the generator
    XMLEXISTS(e PASSING [BY REF|VALUE] e)      prints back
    XMLTABLE([XMLNAMESPACES(e AS n, DEFAULT e),] e PASSING [BY REF|VALUE] e
             COLUMNS c type [PATH e] [DEFAULT e] [NOT NULL|NULL], o FOR ORDINALITY, ...)
                                               the same (sqlglot's exp.XMLTable reads a
                                               few forms): a column's name and type, as
                                               written, are pieces of the template
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax.brackets import closing

Fixup = Callable[[Any], Any]
TEMPLATE = "xml_template"

FUNCTIONS = frozenset(
    {"XMLPARSE", "XMLSERIALIZE", "XMLPI", "XMLROOT", "XMLEXISTS", "XMLTABLE", "XMLNAMESPACES"}
)
# `\bxml(?:...)\s*\(`, led by the `x` and its case so that the search skips to each x at C
# speed (led by `\b`, it tried a match at every character: 12 us per INSERT of a dump); the
# rest case-blind, not the whole: case-blind, the lead was tried at every character too.
IN_TEXT = re.compile(
    r"[xX](?<!\w[xX])(?i:ml(?:parse|serialize|pi|root|exists|table|namespaces))\s*\("
)
# Words that are the syntax of these calls, never an expression of theirs.
_KEYWORDS = frozenset(
    {"DOCUMENT", "CONTENT", "VERSION", "STANDALONE", "YES", "PASSING", "BY", "REF", "INDENT"}
)
# XMLTABLE's: what ends a column's name and type, and the words before its expressions.
_COLUMN_END = frozenset({"PATH", "DEFAULT", "NOT", "NULL"})
_TABLE_KEYWORDS = frozenset({"COLUMNS", "PATH", "DEFAULT"})
# sqlglot reads its own XMLTABLE, of a few of its forms: the name it is read by instead.
_STAND_IN = "__xmltable"


def _word(token: Token) -> str | None:
    return (
        None if token.token_type in (TokenType.IDENTIFIER, TokenType.STRING) else token.text.upper()
    )


def _raw(tokens: list[Token], k: int, end: int, name: str, columns: frozenset[int]) -> int:
    """How many tokens from k on are the call's own syntax (0: an expression starts).
    `columns`: where XMLTABLE's column definitions start."""
    word = _word(tokens[k])
    if name == "XMLTABLE" and (k in columns or word in _TABLE_KEYWORDS):
        return _column_length(tokens, k, end) if k in columns else 1
    if name == "XMLTABLE" and columns and k > min(columns):
        following = _word(tokens[k + 1]) if k + 1 < end else None
        if word == "NOT" and following == "NULL":
            return 2
        if word == "NULL" and _word(tokens[k - 1]) not in ("PATH", "DEFAULT"):
            return 1
    if name == "XMLNAMESPACES" and word == "AS" and k + 1 < end:
        return 2  # AS and the namespace's name
    if name == "XMLNAMESPACES" and word == "DEFAULT":
        return 1
    if name == "XMLSERIALIZE" and word == "AS":
        return end - k  # the target type and [NO] INDENT, as written
    if name == "XMLPI" and word == "NAME" and k + 1 < end:
        return 2  # NAME and the instruction's name
    if word == "NO":
        following = _word(tokens[k + 1]) if k + 1 < end else None
        return 2 if following in ("VALUE", "INDENT") else 1
    if word == "VALUE" and k > 0 and _word(tokens[k - 1]) == "BY":
        return 1
    return 1 if word in _KEYWORDS else 0


def _column_length(tokens: list[Token], k: int, end: int) -> int:
    """The tokens of XMLTABLE's column definition at k: its name and type, or the whole
    `name FOR ORDINALITY`."""
    depth, m = 0, k
    while m < end:
        kind = tokens[m].token_type
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if depth == 0 and m > k and (kind is TokenType.COMMA or _word(tokens[m]) in _COLUMN_END):
            break
        m += 1
    return m - k


def _column_starts(tokens: list[Token], start: int, end: int) -> frozenset[int]:
    """Where XMLTABLE's column definitions start: after COLUMNS and each comma after it."""
    starts: set[int] = set()
    depth = 0
    for k in range(start, end):
        kind = tokens[k].token_type
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        if (
            depth == 0
            and k + 1 < end
            and (_word(tokens[k]) == "COLUMNS" or (starts and kind is TokenType.COMMA))
        ):
            starts.add(k + 1)
    return frozenset(starts)


def xml_calls(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    templates: list[list[str | int]] = []
    out = _calls(tokens, sql, templates)
    if any(templates):
        fixups.append(partial(_set_templates, templates=templates))
    return out


def _calls(tokens: list[Token], sql: str, templates: list[list[str | int]]) -> list[Token]:
    """The calls' tokens rewritten, their templates in the order the calls start (a call
    nested in another's arguments after it)."""
    out: list[Token] = []
    n, k = len(tokens), 0
    while k < n:
        token = tokens[k]
        out.append(token)
        k += 1
        if _word(token) not in FUNCTIONS or k >= n or tokens[k].token_type is not TokenType.L_PAREN:
            continue
        close = closing(tokens, k)
        if close is None:
            continue
        template, inner = _template(tokens, k + 1, close, _word(token) or "", sql)
        templates.append(template)
        if _word(token) == "XMLTABLE":  # a name sqlglot does not read as its own XMLTABLE
            out[-1] = Token(TokenType.VAR, _STAND_IN, token.line, token.col, token.start,
                            token.end, token.comments)  # fmt: skip
        out += [tokens[k], *_calls(inner, sql, templates), tokens[close]]
        k = close + 1
    return out


def _template(
    tokens: list[Token], start: int, end: int, name: str, sql: str
) -> tuple[list[str | int], list[Token]]:
    """The call's pieces (keywords as written, commas, argument numbers) and the tokens of
    its arguments, separated by commas (the source's, or stand-ins at a keyword's place)."""
    template: list[str | int] = []
    inner: list[Token] = []
    args, depth, k = 0, 0, start
    in_arg = False
    columns = _column_starts(tokens, start, end) if name == "XMLTABLE" else frozenset()
    while k < end:
        token = tokens[k]
        kind = token.token_type
        raw = _raw(tokens, k, end, name, columns) if depth == 0 else 0
        if raw:
            last = tokens[k + raw - 1]
            template.append(sql[token.start : last.end + 1])
            if in_arg:
                in_arg = False
            k += raw
            continue
        if depth == 0 and kind is TokenType.COMMA:
            template.append(",")
            in_arg = False
            k += 1
            continue
        if not in_arg:
            if args:
                inner.append(Token(TokenType.COMMA, ",", token.line, token.col, token.start,
                                   token.start))  # fmt: skip
            template.append(args)
            args += 1
            in_arg = True
        depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
        inner.append(token)
        k += 1
    if all(isinstance(piece, int) or piece == "," for piece in template):
        return [], tokens[start:end]  # no keyword: an ordinary call
    return template, inner


def _set_templates(tree: exp.Expr | None, templates: list[list[str | int]]) -> exp.Expr | None:
    calls = [
        node
        for node in (tree.walk(bfs=False) if tree is not None else [])
        if isinstance(node, exp.Anonymous)
        and (node.name.upper() in FUNCTIONS or node.name == _STAND_IN)
    ]
    for node, template in zip(calls, templates, strict=False):
        if node.name == _STAND_IN:
            node.set("this", "XMLTABLE")
        if template:
            node.set(TEMPLATE, template)
    return tree


def generate(gen: Any, call: exp.Expr, template: list[str | int]) -> str:
    """The call as written, its arguments generated."""
    pieces: list[str] = []
    for piece in template:
        text = gen.sql(call.expressions[piece]) if isinstance(piece, int) else piece
        if text == "," and pieces:
            pieces[-1] += ","
        else:
            pieces.append(text)
    return f"{call.name.upper()}({' '.join(pieces)})"
