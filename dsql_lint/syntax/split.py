"""Splitting a source into statements with exact offsets and transaction blocks.

INTERFACE (stable; other modules depend on it):
    split(source, assume_in_transaction=False) -> list[Statement]

The scanner follows psql's lexer (src/bin/psql/psqlscan.l): a `;` ends a statement unless it
is inside a string, quoted identifier, dollar quote or comment, inside the parentheses of a
`CREATE RULE` action, or inside a `BEGIN ATOMIC ... END` body of `CREATE FUNCTION/PROCEDURE`.
A backslash outside those is a psql meta-command running to the end of its line; like psql, a
meta-command met in the middle of a statement ends that statement (`SELECT ... \\gexec`).
"""

from __future__ import annotations

import dataclasses
import enum
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dsql_lint.syntax.source import Source


class Kind(enum.Enum):
    SQL = "sql"
    META = "meta"  # a psql backslash command, up to the end of its line
    COPY_DATA = "copy-data"  # the rows after `COPY ... FROM stdin;`, up to and including `\.`


class TxControl(enum.Enum):
    BEGIN = "begin"
    COMMIT = "commit"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True, eq=False)
class Statement:
    source: Source
    index: int  # position in the source, 0-based, counting every Statement
    start: int  # character offset of the first character (comments before it excluded)
    end: int  # character offset just past the terminating ';' (or the last character)
    line: int  # 1-based line of `start`
    col: int  # 1-based column of `start`, in characters
    kind: Kind = Kind.SQL
    tx: int | None = None  # transaction block id, unique in the source; None = autocommit
    tx_control: TxControl | None = None

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    @property
    def body(self) -> str:
        """The statement without its terminating semicolon."""
        text = self.text
        return text[:-1] if text.endswith(";") else text


# --- lexical patterns -------------------------------------------------------------------------

_SQ_STRING = r"'[^']*(?:''[^']*)*'"
_DQ_IDENT = r'"[^"]*(?:""[^"]*)*"'
_DOLLAR_OPEN = r"\$(?:[^\W\d]\w*)?\$"  # a tag never starts with a digit: `$1` is a parameter

# One match consumes everything inside a statement that can neither end it nor needs Python:
# plain code, complete standard strings and quoted identifiers, line comments, lone `-`, `/`
# and `$`. The match stops at `;`, `/*`, a dollar-quote opener, a backslash, an `E'` string (the
# lookbehinds keep `E'` and `e'` out, but not `CASE'`), or an unterminated quote. This keeps
# the Python loop to a few iterations per statement.
_RUN_PATTERN = (
    "(?:"
    + "|".join(
        (
            r"[^;'\"\-/$\\]+",
            r"(?<![^\w$][eE])(?<!^[eE])" + _SQ_STRING,
            _DQ_IDENT,
            r"--[^\n]*",
            r"-",
            r"/(?!\*)",
            r"\$(?!(?:[^\W\d]\w*)?\$)",
        )
    )
    + ")*"
    # Possessive where Python has it (3.11): nothing after a run can make it give back, and the
    # regex engine then keeps no backtracking entry per repetition, which over a statement of
    # megabytes (one long INSERT) came to 30 bytes per character.
    + ("+" if sys.version_info >= (3, 11) else "")
)
_RUN = re.compile(_RUN_PATTERN)

# Statements that need a second look: transaction control, COPY (rows may follow), and the
# CREATEs whose body may hold semicolons.
_SPECIAL = (
    r"(?i:(?:begin|start|commit|end|rollback|abort|prepare|copy)\b"
    r"|create\s+(?:or\s+replace\s+)?(?:function|procedure|rule)\b)"
)
# A block comment with no comment nested in it (those are left to _skip_block_comment).
_FLAT_COMMENT = r"/\*[^*/]*(?:(?:\*+(?!/)|/+(?!\*))[^*/]*)*\*+/"
# From a statement boundary: the blank before the next statement (group 1 ends where the
# statement starts), whether it is special (group 2), then as much of it as _RUN takes. Most
# statements are entirely found by this one match.
_NEXT = re.compile(r"((?:\s+|--[^\n]*|;|" + _FLAT_COMMENT + ")*)(" + _SPECIAL + ")?" + _RUN_PATTERN)

# Token by token, for the rare statements where parentheses or words matter (rules, SQL-standard
# function bodies) and for finding the last significant character of an unterminated statement.
_TOKEN = re.compile(
    "|".join(
        (r"[^\W\d][\w$]*", _SQ_STRING, _DQ_IDENT, r"--[^\n]*", r"/\*")
        + (r"(?<![\w$])" + _DOLLAR_OPEN,)  # as in _opens_dollar_quote
        + (r"[^\s\w'\"$;()\\/-]+", r"\S")
    )
)
_DOLLAR_TAG = re.compile(_DOLLAR_OPEN)
_E_STRING = re.compile(r"'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'", re.S)
_COMMENT_DELIM = re.compile(r"/\*|\*/")
_HEAD = re.compile(r"[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*){0,5}")
_ATOMIC = re.compile(r"\batomic\b", re.I)
_ATOMIC_AFTER = re.compile(r"\s+atomic\b", re.I)
_COPY_FROM_STDIN = re.compile(r"copy\s+[^(\s].*?\bfrom\s+stdin\b", re.I | re.S)
_META_COPY_FROM_STDIN = re.compile(r"\\copy\s+[^(\s].*?\b(?i:from\s+stdin)\b", re.S)
_COPY_END = re.compile(r"^\\\.\r?$", re.M)
_E_QUOTE = re.compile(r"(?<![\w$])[eE]'")  # same test as the lookbehinds of _RUN
_AFTER_IDENT = re.compile(r"(?<=[\w$])")

# Why the scan of a statement stopped: its `;`, a meta-command, the end of the text, or the
# end of the text inside a quote or comment never closed (then all of it is the statement's).
_SEMI, _BACKSLASH, _EOF, _UNCLOSED = 0, 1, 2, 3

# Token kinds of `_tokens`.
_WORD, _COMMENT, _OTHER, _OPEN = "w", "c", "x", "open"


# --- skipping quoted things -------------------------------------------------------------------


# The _skip_* helpers return the end of the construct opening at `pos`, or -1 if it is never
# closed.


def _skip_block_comment(text: str, pos: int) -> int:
    depth = 0  # comments nest in PostgreSQL
    for match in _COMMENT_DELIM.finditer(text, pos):
        depth += 1 if match.group() == "/*" else -1
        if depth == 0:
            return match.end()
    return -1


def _skip_dollar(text: str, pos: int) -> int:
    match = _DOLLAR_TAG.match(text, pos)
    if match is None:
        return pos + 1
    tag = match.group()
    close = text.find(tag, match.end())
    return -1 if close < 0 else close + len(tag)


def _skip_e_string(text: str, pos: int) -> int:
    """`pos` is the quote after the E."""
    match = _E_STRING.match(text, pos)
    return -1 if match is None else match.end()


def _is_e_prefix(text: str, quote: int) -> bool:
    """Whether the quote at `quote` opens an E'' string: an `E` that is a token of its own."""
    return quote > 0 and _E_QUOTE.match(text, quote - 1) is not None


def _opens_dollar_quote(text: str, pos: int) -> bool:
    # `$` continues an identifier (`a$b$`), so only a `$` after a non-identifier character opens.
    return _AFTER_IDENT.match(text, pos) is None


# --- scanning one statement -------------------------------------------------------------------


def _scan_fast(text: str, pos: int) -> tuple[int, int]:
    """From inside a statement, find what stops it: (offset, _SEMI | _BACKSLASH | _EOF |
    _UNCLOSED); the offset is that of the `;` or backslash, else len(text)."""
    n = len(text)
    run = _RUN.match
    while True:
        pos = run(text, pos).end()
        if pos >= n:
            return n, _EOF
        char = text[pos]
        if char == ";":
            return pos, _SEMI
        if char == "\\":
            return pos, _BACKSLASH
        if char == "/":
            pos = _skip_block_comment(text, pos)
        elif char == "$":
            pos = _skip_dollar(text, pos) if _opens_dollar_quote(text, pos) else pos + 1
        elif char == "'" and _is_e_prefix(text, pos):
            pos = _skip_e_string(text, pos)
        else:  # a quote never closed: the rest of the file belongs to it
            return n, _UNCLOSED
        if pos < 0:
            return n, _UNCLOSED


def _tokens(text: str, pos: int, stop: int) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of each token in text[pos:stop]; kind `_OPEN` for a quote or comment
    never closed (its end is `stop`), else `_WORD`, `_COMMENT`, `;`, `(`, `)`, `\\`, `_OTHER`."""
    search = _TOKEN.search
    while True:
        match = search(text, pos, stop)
        if match is None:
            return
        start, end = match.span()
        first = text[start]
        kind = _OTHER
        if first == "'" or first == '"':
            if end - start == 1:  # the full string pattern failed: never closed
                yield _OPEN, start, stop
                return
        elif first == "-" and end - start > 1 and text[start + 1] == "-":
            kind = _COMMENT
        elif first == "/" and end - start == 2:
            kind, end = _COMMENT, _skip_block_comment(text, start)
        elif first == "$" and end - start > 1:
            end = _skip_dollar(text, start)
        elif first in ";()\\":
            kind = first
        elif first.isalpha() or first == "_":
            if end - start == 1 and end < stop and _is_e_prefix(text, end):
                end = _skip_e_string(text, end)
            else:
                kind = _WORD
        if end < 0 or end > stop:
            yield _OPEN, start, stop
            return
        yield kind, start, end
        pos = end


def in_comment(statement: Statement, offset: int) -> bool:
    """Whether `offset`, inside `statement`, is in one of its comments (not in a string, a
    quoted name or a dollar-quoted body)."""
    text = statement.source.text
    for kind, start, end in _tokens(text, statement.start, statement.end):
        if start > offset:
            return False
        if offset < end:
            return kind == _COMMENT
    return False


_OPENERS = {
    "/": "/* comment",
    "'": "quoted string",
    '"': "quoted identifier",
    "$": "dollar-quoted string",
}


def unclosed(statement: Statement) -> tuple[int, str] | None:
    """Where a comment, string, quoted identifier or dollar quote opens in `statement` that is
    never closed, and what it is (PostgreSQL's words: "unterminated /* comment"). Such a thing
    runs to the end of the text, so only a statement ending there is looked at."""
    text = statement.source.text
    if statement.end != len(text) or statement.kind is not Kind.SQL:
        return None
    for kind, start, _ in _tokens(text, statement.start, len(text)):
        if kind == _OPEN:
            return start, _OPENERS.get(text[start], "quoted string")  # E'...: an E first
    return None


def _scan_tokens(text: str, pos: int, atomic: bool) -> tuple[int, int]:
    """Like `_scan_fast`, but a `;` inside parentheses (rule actions) or, when `atomic`, inside
    BEGIN ATOMIC ... END (with CASE ... END nested in it) does not end the statement."""
    parens = begins = 0
    for kind, start, end in _tokens(text, pos, len(text)):
        if kind == ";":
            if parens == 0 and begins == 0:
                return start, _SEMI
        elif kind == "(":
            parens += 1
        elif kind == ")":
            parens = max(parens - 1, 0)
        elif kind == _WORD and atomic and parens == 0:
            word = text[start:end].lower()
            if word == "case" and begins or word == "begin" and _ATOMIC_AFTER.match(text, end):
                begins += 1
            elif word == "end" and begins:
                begins -= 1
        elif kind == "\\":
            return start, _BACKSLASH
        elif kind == _OPEN:
            return len(text), _UNCLOSED
    return len(text), _EOF


def _significant_end(text: str, start: int, stop: int) -> int:
    """Just past the last character of text[start:stop] that is not blank or in a comment,
    so that a statement with no `;` does not swallow the comments after it."""
    end = len(text[start:stop].rstrip()) + start
    last_line = text[text.rfind("\n", start, end) + 1 : end]
    if "--" not in last_line and not last_line.endswith("*/"):
        return end  # no comment can end the statement: skip the token scan
    last = start
    for kind, _, token_end in _tokens(text, start, stop):
        if kind == _OPEN:
            return stop
        if kind != _COMMENT:
            last = token_end
    return last


# --- statement heads --------------------------------------------------------------------------

_PLAIN, _FUNCTION, _RULE = 0, 1, 2


def _head(text: str, pos: int) -> list[str]:
    """The first few words of the statement at `pos`, lower-cased."""
    match = _HEAD.match(text, pos)
    return match.group().lower().split() if match else []


def _mode(words: list[str]) -> int:
    if not words or words[0] != "create":
        return _PLAIN
    rest = words[3:] if words[1:3] == ["or", "replace"] else words[1:]
    if rest[:1] in (["function"], ["procedure"]):
        return _FUNCTION
    return _RULE if rest[:1] == ["rule"] else _PLAIN


def _chains(rest: list[str]) -> bool:
    """`COMMIT/ROLLBACK [WORK|TRANSACTION] AND CHAIN` starts a new transaction at once."""
    if rest[:1] in (["work"], ["transaction"]):
        rest = rest[1:]
    return rest[:2] == ["and", "chain"]


def _tx_control(words: list[str]) -> tuple[TxControl | None, bool]:
    """(control, chain) of a statement from its first words."""
    if not words:
        return None, False
    first, rest = words[0], words[1:]
    if first == "begin":
        return (None, False) if rest[:1] == ["atomic"] else (TxControl.BEGIN, False)
    if first == "start":
        return (TxControl.BEGIN, False) if rest[:1] == ["transaction"] else (None, False)
    if first in ("commit", "end"):
        return (None, False) if rest[:1] == ["prepared"] else (TxControl.COMMIT, _chains(rest))
    if first in ("rollback", "abort"):
        target = rest[1:] if rest[:1] in (["work"], ["transaction"]) else rest
        if target[:1] in (["to"], ["prepared"]):  # savepoints and 2PC leave the block open
            return None, False
        return TxControl.ROLLBACK, _chains(rest)
    if first == "prepare" and rest[:1] == ["transaction"]:
        return TxControl.COMMIT, False  # dissociates the transaction: the block is over
    return None, False


# --- COPY data --------------------------------------------------------------------------------


def _copy_data_start(text: str, after: int) -> int | None:
    """Where the rows start after a `COPY ... FROM stdin;` ending at `after`: the next line
    (what follows the `;` on its own line is ignored if blank or a comment)."""
    newline = text.find("\n", after)
    rest = text[after : len(text) if newline < 0 else newline]
    stripped = rest.lstrip()
    if stripped and not stripped.startswith("--"):
        return after + len(rest) - len(stripped)
    return None if newline < 0 else newline + 1


def _copy_data_end(text: str, start: int) -> int:
    """Just past the `\\.` line ending the rows; without one, the rows run to the end."""
    match = _COPY_END.search(text, start)
    if match is not None:
        return match.start() + 2
    return len(text.rstrip("\r\n"))


# --- the scan ---------------------------------------------------------------------------------

# A raw statement: (start, end, kind, tx_control, chain).
_Raw = tuple[int, int, Kind, TxControl | None, bool]


def _scan(text: str) -> list[_Raw]:
    out: list[_Raw] = []
    n = len(text)
    pos = 0
    next_match = _NEXT.match
    while True:
        match = next_match(text, pos)
        start, stop = match.end(1), match.end()
        if stop < n and text[stop] == ";" and match.start(2) < 0:  # the common case
            out.append((start, stop + 1, Kind.SQL, None, False))
            pos = stop + 1
        elif start >= n:
            return out
        elif start == stop and text[start] == "/":  # a nested block comment before a statement
            pos = _skip_block_comment(text, start)
            if pos < 0:  # never closed: PostgreSQL reads the rest as one (failing) statement
                out.append((start, n, Kind.SQL, None, False))
                return out
        elif start == stop and text[start] == "\\":
            pos = _meta(text, start, out)
        else:
            pos = _statement(text, start, stop, match.start(2) >= 0, out)


def _statement(text: str, start: int, stop: int, special: bool, out: list[_Raw]) -> int:
    """Append the SQL statement starting at `start`, of which _RUN took up to `stop`, and the
    COPY rows after it; return where to look for the next statement."""
    words = _head(text, start) if special else []
    mode = _mode(words)
    if mode == _RULE:
        stop, why = _scan_tokens(text, start, atomic=False)
    else:
        stop, why = _scan_fast(text, stop)
        # Semicolons of a BEGIN ATOMIC body fooled the fast scan: redo it word by word.
        if mode == _FUNCTION and _ATOMIC.search(text, start, stop):
            stop, why = _scan_tokens(text, start, atomic=True)
    if why == _SEMI:
        end = next_pos = stop + 1
    elif why == _UNCLOSED:
        end = next_pos = stop
    else:
        end, next_pos = _significant_end(text, start, stop), stop
    control, chain = _tx_control(words)
    out.append((start, end, Kind.SQL, control, chain))
    if why == _SEMI and words[:1] == ["copy"] and _COPY_FROM_STDIN.match(text, start, end):
        return _copy_data(text, _copy_data_start(text, end), out) or next_pos
    return next_pos


def _meta(text: str, start: int, out: list[_Raw]) -> int:
    """Append the meta-command starting at `start` (and the rows of a `\\copy ... from stdin`);
    return where to look for the next statement."""
    newline = text.find("\n", start)
    end = len(text) if newline < 0 else newline
    if text[end - 1] == "\r":
        end -= 1
    out.append((start, end, Kind.META, None, False))
    if newline >= 0 and _META_COPY_FROM_STDIN.match(text, start, end):
        return _copy_data(text, newline + 1, out) or end
    return end


def _copy_data(text: str, start: int | None, out: list[_Raw]) -> int | None:
    """Append the COPY rows starting at `start`, if any; return their end."""
    if start is None or start >= len(text):
        return None
    end = _copy_data_end(text, start)
    if end <= start:
        return None
    out.append((start, end, Kind.COPY_DATA, None, False))
    return end


_LONE_CR = re.compile(r"\r(?!\n)")


def split(source: Source, assume_in_transaction: bool = False) -> list[Statement]:
    """The statements of `source`, in order, with their transaction blocks. Never raises."""
    text = source.text
    out: list[Statement] = []
    line, line_start, previous = 1, 0, 0  # line/col counted here: cheaper than bisecting
    # ... unless a lone CR ends lines (classic Mac files): then the source counts them.
    lone_cr = _LONE_CR.search(text) is not None
    next_id = 0  # transaction ids are handed out in order of appearance
    block: int | None = None  # the explicit block we are in
    implicit: int | None = None  # the whole-file transaction of assume_in_transaction
    for start, end, kind, control, chain in _scan(text):
        newlines = text.count("\n", previous, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", previous, start) + 1
        previous = start
        if control is TxControl.BEGIN and block is None:  # BEGIN in a block only warns
            block, next_id = next_id, next_id + 1
        tx = block
        if control is TxControl.COMMIT or control is TxControl.ROLLBACK:
            # AND CHAIN opens a new block at once (and is an error outside one).
            if chain and block is not None:
                block, next_id = next_id, next_id + 1
            else:
                block = None
        if tx is None and assume_in_transaction:
            if implicit is None:
                implicit, next_id = next_id, next_id + 1
            tx = implicit
        col = start - line_start + 1
        if lone_cr:
            line, col = source.position(start)
        out.append(_statement_of(source, len(out), start, end, line, col, kind, tx, control))
    return out


def _fast_constructor() -> Callable[..., Statement]:
    """Statement(...) with all its fields, twice as fast: the __init__ of a frozen dataclass
    sets each field through object.__setattr__, and split makes thousands of statements."""
    names = [f.name for f in dataclasses.fields(Statement)]
    assert names == ["source", "index", "start", "end", "line", "col", "kind", "tx", "tx_control"]
    sets = [getattr(Statement, name).__set__ for name in names]
    s_source, s_index, s_start, s_end, s_line, s_col, s_kind, s_tx, s_control = sets
    new = object.__new__

    def construct(
        source: Source,
        index: int,
        start: int,
        end: int,
        line: int,
        col: int,
        kind: Kind,
        tx: int | None,
        tx_control: TxControl | None,
    ) -> Statement:
        statement = new(Statement)
        s_source(statement, source)
        s_index(statement, index)
        s_start(statement, start)
        s_end(statement, end)
        s_line(statement, line)
        s_col(statement, col)
        s_kind(statement, kind)
        s_tx(statement, tx)
        s_control(statement, tx_control)
        return statement

    return construct


_statement_of = _fast_constructor()
