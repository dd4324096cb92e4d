"""PostgreSQL's table-defining forms sqlglot's Postgres parser lacks, read by token rewrites
that keep positions (see pgforms.py, which calls these):

    FOREIGN KEY (a, b) REFERENCES t ON DELETE SET NULL (b)
                                       the columns dropped from the tokens and written back
                                       into the reference's option, which sqlglot keeps as
                                       text ("ON DELETE SET NULL (b)")
    CREATE TABLE ... WITHOUT OIDS      the words dropped, kept on exp.Create
                                       (args["table_tail"]) and printed after the rest
    CREATE TEMP TABLE ... ON COMMIT DROP   exp.OnCommitProperty with args["drop"]
    numeric(3, -6)                     a negative scale (PostgreSQL 15): one number token at
                                       the digits' place
    c text STORAGE PLAIN               a column's storage (PostgreSQL 16): the words dropped,
                                       kept on exp.ColumnDef as an exp.Var of them as written
                                       (args["storage"]), printed after the type
    EXCLUDE (...) DEFERRABLE INITIALLY DEFERRED
                                       an exclusion constraint's attributes, which sqlglot
                                       does not read after its parameters: dropped, kept on
                                       exp.ExcludeColumnConstraint as an exp.Var of them as
                                       written (args["attributes"]), printed after it
    ALTER TABLE t RENAME a TO b        a column renamed without the word COLUMN: read with
                                       it (sqlglot read a rename of the table to `a`), as
                                       exp.RenameColumn with args["without_column"], printed
                                       as written
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from dsql_lint.syntax.brackets import last_end, positions, written_before

Fixup = Callable[[Any], Any]

SET_COLUMNS = re.compile(r"\bset\s+(?:null|default)\s*\(", re.IGNORECASE)
_NAMES = frozenset({TokenType.VAR, TokenType.IDENTIFIER, TokenType.COMMA})
_NUMERIC = frozenset({"NUMERIC", "DECIMAL", "DEC"})


def _upper(token: Token | None) -> str | None:
    if token is None or token.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
        return None
    return token.text.upper()


def set_null_columns(tokens: list[Token], sql: str, fixups: list[Fixup]) -> list[Token]:
    """`ON DELETE SET NULL|DEFAULT (columns)`: the columns, in the order the references are
    written, for the option sqlglot reads without them."""
    drop: set[int] = set()
    found: list[tuple[str, str]] = []
    n = len(tokens)
    for k in range(n - 5):
        if _upper(tokens[k]) != "ON" or _upper(tokens[k + 1]) != "DELETE":
            continue
        action = _upper(tokens[k + 3])
        if _upper(tokens[k + 2]) != "SET" or action not in ("NULL", "DEFAULT"):
            continue
        if tokens[k + 4].token_type is not TokenType.L_PAREN:
            continue
        close = k + 5
        while close < n and tokens[close].token_type in _NAMES:
            close += 1
        if close == n or tokens[close].token_type is not TokenType.R_PAREN:
            continue
        drop.update(range(k + 4, close + 1))
        found.append((f"ON DELETE SET {action}", sql[tokens[k + 4].start : tokens[close].end + 1]))
    if not found:
        return tokens
    fixups.append(partial(_set_columns, found=found))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_columns(tree: exp.Expr | None, found: list[tuple[str, str]]) -> exp.Expr | None:
    pending = list(found)
    for reference in tree.find_all(exp.Reference, bfs=False) if tree is not None else []:
        options = list(reference.args.get("options") or [])
        for i, option in enumerate(options):
            if pending and isinstance(option, str) and option.upper() == pending[0][0]:
                options[i] = f"{option} {pending.pop(0)[1]}"
        reference.set("options", options)
    return tree


def negative_scales(tokens: list[Token]) -> list[Token]:
    """`numeric(p, -s)`: the sign and the number one NUMBER token (at the number's place,
    where the sign is the token before it)."""
    out = list(tokens)
    for i in range(len(out) - 2, 3, -1):
        sign, number = out[i], out[i + 1]
        if (
            sign.token_type is TokenType.DASH
            and number.token_type is TokenType.NUMBER
            and out[i - 1].token_type is TokenType.COMMA
            and out[i - 2].token_type is TokenType.NUMBER
            and out[i - 3].token_type is TokenType.L_PAREN
            and _upper(out[i - 4]) in _NUMERIC
        ):
            merged = Token(TokenType.NUMBER, f"-{number.text}", number.line, number.col,
                           number.start, number.end, sign.comments + number.comments)  # fmt: skip
            out[i : i + 2] = [merged]
    return out


TABLE_TAIL = "table_tail"
ON_COMMIT_DROP = "drop"


def table_tail(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`CREATE TABLE ... WITHOUT OIDS` and `... ON COMMIT DROP`, which sqlglot does not read
    (it keeps the statement as text): the words dropped; WITHOUT OIDS kept on the statement
    (args["table_tail"]), printed after the rest, and ON COMMIT DROP an exp.OnCommitProperty
    (args["drop"]), placed by its text as sqlglot's own ON COMMIT is."""
    words = [t.text.upper() if t.token_type is not TokenType.IDENTIFIER else "" for t in tokens]
    drop: set[int] = set()
    without = _phrase(words, ("WITHOUT", "OIDS"))
    if without is not None:
        drop.update((without, without + 1))
        fixups.append(_set_without_oids)
    on = _phrase(words, ("ON", "COMMIT", "DROP"))
    if on is not None:
        drop.update((on, on + 1, on + 2))
        fixups.append(_set_on_commit_drop)
    return [t for i, t in enumerate(tokens) if i not in drop] if drop else tokens


def _phrase(words: list[str], phrase: tuple[str, ...]) -> int | None:
    size = len(phrase)
    return next(
        (i for i in range(2, len(words) - size + 1) if tuple(words[i : i + size]) == phrase), None
    )


def _set_without_oids(tree: exp.Expr | None) -> exp.Expr | None:
    if isinstance(tree, exp.Create):
        tree.set(TABLE_TAIL, "WITHOUT OIDS")
    return tree


def _set_on_commit_drop(tree: exp.Expr | None) -> exp.Expr | None:
    if isinstance(tree, exp.Create):
        prop = exp.OnCommitProperty(delete=False)
        prop.set(ON_COMMIT_DROP, True)
        properties = tree.args.get("properties")
        if properties is None:
            tree.set("properties", exp.Properties(expressions=[prop]))
        else:
            properties.append("expressions", prop)
    return tree


WITHOUT_COLUMN = "without_column"
_RENAMED_OTHERS = frozenset({"TO", "COLUMN", "CONSTRAINT"})


def rename_without_column(
    tokens: list[Token], types: list[TokenType], fixups: list[Fixup]
) -> list[Token]:
    """`ALTER TABLE t RENAME a TO b`: a COLUMN token, of no width, before the column's name."""
    out = tokens
    names: set[int] = set()
    for k in reversed(list(positions(types, TokenType.RENAME))):
        if k + 2 >= len(tokens) or _upper(tokens[k + 2]) != "TO":
            continue
        name = tokens[k + 1]
        if name.token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
            continue
        if _upper(name) in _RENAMED_OTHERS:
            continue
        if out is tokens:
            out = list(tokens)
        column = Token(TokenType.COLUMN, "COLUMN", name.line, name.col, name.start, name.start)
        out.insert(k + 1, column)
        names.add(name.start)
    if names:
        fixups.append(partial(_set_without_column, names=names))
    return out


def _set_without_column(tree: exp.Expr | None, names: set[int]) -> exp.Expr | None:
    for rename in tree.find_all(exp.RenameColumn) if tree is not None else []:
        name = rename.this.this if isinstance(rename.this, exp.Column) else rename.this
        if isinstance(name, exp.Identifier) and name.meta.get("start") in names:
            rename.set(WITHOUT_COLUMN, True)
    return tree


STORAGE = "storage"
ATTRIBUTES = "attributes"
_STORAGE_MODES = frozenset({"PLAIN", "EXTERNAL", "EXTENDED", "MAIN", "DEFAULT"})
_ATTRIBUTE_WORDS = frozenset({"DEFERRABLE", "INITIALLY"})


def _words_of(tokens: list[Token], start: int, end: int) -> exp.Var:
    """The tokens' text as written, positioned: the node's span is theirs."""
    first, last = tokens[start], tokens[end]
    var = exp.Var(this=" ".join(t.text for t in tokens[start : end + 1]))
    var.meta.update(line=first.line, col=first.col, start=first.start, end=last.end)
    return var


def column_storage(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`c type STORAGE mode` in a column's definition (not ALTER COLUMN's SET STORAGE)."""
    found: list[exp.Var] = []
    drop: set[int] = set()
    for i in range(2, len(tokens) - 1):
        if (
            _upper(tokens[i]) == "STORAGE"
            and _upper(tokens[i + 1]) in _STORAGE_MODES
            and _upper(tokens[i - 1]) != "SET"
        ):
            found.append(_words_of(tokens, i, i + 1))
            drop.update((i, i + 1))
    if not found:
        return tokens
    fixups.append(partial(_set_storage, found=found))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_storage(tree: exp.Expr | None, found: list[exp.Var]) -> exp.Expr | None:
    columns = [
        (c.this.meta.get("start", -1), c)
        for c in (tree.find_all(exp.ColumnDef) if tree is not None else [])
        if c.this is not None
    ]
    for storage in found:
        before = [c for c in columns if c[0] < storage.meta["start"]]
        if before:
            max(before, key=lambda c: c[0])[1].set(STORAGE, storage)
    return tree


def exclusion_attributes(tokens: list[Token], fixups: list[Fixup]) -> list[Token]:
    """`EXCLUDE [USING m] (...) [INCLUDE ...] [WHERE (...)] [NOT] DEFERRABLE INITIALLY x`:
    from the first attribute word outside parentheses to the end of the table element."""
    found: list[exp.Var] = []
    drop: set[int] = set()
    n = len(tokens)
    for k in range(1, n):
        if _upper(tokens[k]) != "EXCLUDE":
            continue
        first, depth, m = None, 0, k + 1
        while m < n:
            kind = tokens[m].token_type
            if depth == 0 and kind in (TokenType.COMMA, TokenType.R_PAREN):
                break
            depth += (kind is TokenType.L_PAREN) - (kind is TokenType.R_PAREN)
            word = _upper(tokens[m])
            following = _upper(tokens[m + 1]) if m + 1 < n else None
            attribute = word in _ATTRIBUTE_WORDS or (word == "NOT" and following == "DEFERRABLE")
            if depth == 0 and first is None and attribute:
                first = m
            m += 1
        if first is not None:
            found.append(_words_of(tokens, first, m - 1))
            drop.update(range(first, m))
    if not found:
        return tokens
    fixups.append(partial(_set_attributes, found=found))
    return [t for i, t in enumerate(tokens) if i not in drop]


def _set_attributes(tree: exp.Expr | None, found: list[exp.Var]) -> exp.Expr | None:
    exclusions = [
        (last_end(c), c)
        for c in (tree.find_all(exp.ExcludeColumnConstraint) if tree is not None else [])
    ]
    for attributes in found:
        owner = written_before(exclusions, attributes.meta["start"])
        if owner is not None:
            owner.set(ATTRIBUTES, attributes)
    return tree
