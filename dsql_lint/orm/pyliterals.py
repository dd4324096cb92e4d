"""Python migrations (Alembic, Django) read with `ast`: a node's offsets in the file, and its
string literals decoded as Python decodes them, each piece anchored to its own characters."""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import replace

from dsql_lint.orm.mapped import Literal
from dsql_lint.syntax.source import Problem, Source

Piece = tuple[str, int, int]  # decoded text, original start, original end

_LINE = re.compile(r"\r\n|\r|\n")
_PREFIX = re.compile(r"[rRuUbBfF]{0,2}")
_ESCAPES = {
    "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v",
}  # fmt: skip


def unparsable(source: Source, err: SyntaxError | ValueError) -> Source:
    """`source`, a migration Python cannot parse (nor so its framework run): unreadable at the
    error's line (DSQL010, an error: the run fails there), its bytes kept as they are."""
    line = min(getattr(err, "lineno", None) or 1, source.line_count)
    at = source.line_starts()[line - 1] if source.text else 0
    what = getattr(err, "msg", None) or str(err)
    message = f"not valid Python: {what} (line {line})"
    problem = Problem(message, at, source.byte_offset(at), source.encode(), sent=False)
    return replace(source, problem=problem)


class PyFile:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tree = ast.parse(text)  # SyntaxError for the caller to report
        self._starts = [0] + [m.end() for m in _LINE.finditer(text)]

    def offset(self, line: int, col: int) -> int:
        """ast's (1-based line, UTF-8 byte column) as an offset into the text."""
        start = self._starts[line - 1]
        rest = self.text[start : start + col]  # at least `col` characters hold `col` bytes
        return start + len(rest.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def pieces(self, node: ast.expr) -> list[Piece] | None:
        """A string's decoded pieces: a literal (implicitly concatenated or not), `+` of
        literals, or `text("...")`; None when it is built at run time."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return _literals(self.text, *self.span(node))
        if isinstance(node, ast.JoinedStr) and all(
            isinstance(value, ast.Constant) for value in node.values
        ):
            return _literals(self.text, *self.span(node))  # an f-string with nothing in {}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.pieces(node.left), self.pieces(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.Call) and name_of(node.func) == "text" and len(node.args) == 1:
            return self.pieces(node.args[0])
        return None

    def literals(self, node: ast.expr) -> list[Literal]:
        """The string literals `pieces` reads for the same node."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            # Not an f-string's: fix does not write its braces.
            return [lit for lit, braces in _strings(self.text, *self.span(node)) if not braces]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.literals(node.left) + self.literals(node.right)
        if isinstance(node, ast.Call) and name_of(node.func) == "text" and len(node.args) == 1:
            return self.literals(node.args[0])
        return []


def name_of(node: ast.AST) -> str:
    """`op.execute` -> "execute", `text` -> "text"; "" for anything else."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def constant(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def keyword(call: ast.Call, name: str, position: int | None = None) -> ast.expr | None:
    """An argument given by keyword or at its position."""
    found = next((k.value for k in call.keywords if k.arg == name), None)
    if found is None and position is not None and position < len(call.args):
        return call.args[position]
    return found


def _literals(text: str, start: int, end: int) -> list[Piece]:
    """Each literal of an implicit concatenation between start and end, decoded."""
    out: list[Piece] = []
    for literal, braces in _strings(text, start, end):
        out.extend(_decoded(text, literal.start, literal.end, literal.raw, braces))
    return out


def _strings(text: str, start: int, end: int) -> list[tuple[Literal, bool]]:
    """Each literal of an implicit concatenation between start and end, and whether it is an
    f-string."""
    out: list[tuple[Literal, bool]] = []
    i = start
    while i < end:
        if text[i] in " \t\r\n\\(":
            i += 1
            continue
        if text[i] == "#":
            i = text.find("\n", i)
            i = end if i < 0 else i
            continue
        prefix = _PREFIX.match(text, i)
        assert prefix is not None
        at = prefix.end()
        quote = text[at : at + 3] if text[at : at + 3] in ('"""', "'''") else text[at]
        body = at + len(quote)
        close = _closing(text, body, quote)
        kind = prefix.group().lower()
        out.append((Literal(body, close, "py", quote, "r" in kind), "f" in kind))
        i = close + len(quote)
    return out


def _closing(text: str, i: int, quote: str) -> int:
    while not text.startswith(quote, i):
        i += 2 if text[i] == "\\" else 1
    return i


def _decoded(text: str, start: int, end: int, raw: bool, braces: bool = False) -> list[Piece]:
    """A literal's body decoded: its escapes unless raw, an f-string's `{{` and `}}`."""
    body = text[start:end]
    if ("\\" not in body or raw) and not (braces and ("{{" in body or "}}" in body)):
        return [(body, start, end)] if end > start else []
    out: list[Piece] = []
    run = i = start
    while i < end:
        brace = braces and text[i : i + 2] in ("{{", "}}")
        if not brace and (raw or text[i] != "\\"):
            i += 1
            continue
        if run < i:
            out.append((text[run:i], run, i))
        char, length = (text[i], 2) if brace else _escape(text, i)
        out.append((char, i, i + length))
        i += length
        run = i
    if run < end:
        out.append((text[run:end], run, end))
    return out


def _escape(text: str, i: int) -> tuple[str, int]:
    nxt = text[i + 1]
    if nxt in _ESCAPES:
        return _ESCAPES[nxt], 2
    if nxt == "\r":
        return "", 3 if text.startswith("\r\n", i + 1) else 2
    if nxt == "\n":
        return "", 2
    octal = re.match(r"[0-7]{1,3}", text[i + 1 : i + 4])
    if octal:
        return chr(int(octal.group(), 8)), 1 + len(octal.group())
    sizes = {"x": 2, "u": 4, "U": 8}
    if nxt in sizes:
        digits = text[i + 2 : i + 2 + sizes[nxt]]
        return chr(int(digits, 16)), 2 + sizes[nxt]
    if nxt == "N":
        close = text.index("}", i)
        return unicodedata.lookup(text[i + 3 : close]), close + 1 - i
    return "\\" + nxt, 2  # not an escape: Python keeps the backslash
