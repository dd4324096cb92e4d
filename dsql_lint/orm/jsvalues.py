"""JavaScript/TypeScript literals and calls read as values, with their offsets in the file.

A schema builder's arguments are object, array and string literals, member chains and calls
(`Sequelize.ARRAY(Sequelize.STRING)`, `new Table({...})`, `t.string('x').notNullable()`):
this reads exactly those, and anything else (an operator, a variable's value, a template
with `${}`) as `Opaque`, which a translator reports as not checked rather than guesses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from dsql_lint.orm.jsstrings import skip_space, string


@dataclass(frozen=True)
class Value:
    start: int
    end: int


@dataclass(frozen=True)
class Str(Value):
    text: str


@dataclass(frozen=True)
class Num(Value):
    number: float


@dataclass(frozen=True)
class Name(Value):
    """An identifier: a variable, `true`, `null`, `undefined`."""

    name: str


@dataclass(frozen=True)
class Member(Value):
    target: Value
    name: str


@dataclass(frozen=True)
class Call(Value):
    callee: Value
    args: tuple[Value, ...]
    new: bool = False


@dataclass(frozen=True)
class Obj(Value):
    # key -> (value, offset of the key)
    entries: dict[str, tuple[Value, int]] = field(default_factory=dict)

    def get(self, key: str) -> Value | None:
        found = self.entries.get(key)
        return found[0] if found else None


@dataclass(frozen=True)
class Arr(Value):
    items: tuple[Value, ...]


@dataclass(frozen=True)
class Function(Value):
    """An arrow function or function expression: its parameters and its body's span."""

    params: tuple[str, ...]
    body_start: int
    body_end: int


@dataclass(frozen=True)
class Opaque(Value):
    """An expression this reader does not evaluate."""


IDENT = re.compile(r"[A-Za-z_$][\w$]*")
NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)")
# Where an expression ends at depth 0.
_ENDS = ",;)]}"


def dotted(value: Value) -> str | None:
    """`a.b.c` of a member chain of names, else None."""
    if isinstance(value, Name):
        return value.name
    if isinstance(value, Member):
        head = dotted(value.target)
        return None if head is None else f"{head}.{value.name}"
    return None


def text_of(value: Value | None) -> str | None:
    return value.text if isinstance(value, Str) else None


def chain(value: Value) -> list[Call]:
    """The calls of a method chain, innermost first: `t.string('a').notNullable()` is
    [string('a'), notNullable()]."""
    out: list[Call] = []
    while True:
        if isinstance(value, Call):
            out.append(value)
            value = value.callee
        elif isinstance(value, Member):
            value = value.target
        else:
            return out[::-1]


def method(call: Call) -> str:
    """The method a call names (`notNullable` of `x.notNullable()`), or the dotted callee."""
    if isinstance(call.callee, Member):
        return call.callee.name
    return dotted(call.callee) or ""


class Reader:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, i: int) -> int:
        return skip_space(self.text, i)

    def expression(self, i: int) -> tuple[Value, int]:
        """The expression at `i` and the offset after it; an expression it cannot read is
        Opaque up to the `,`, `;` or closing bracket that ends it."""
        start = i = self.skip(i)
        value, i = self._unary(i)
        j = self.skip(i)
        if j < len(self.text) and self.text[j] not in _ENDS:
            # An operator or something else not read: the whole expression is opaque.
            end = self.expression_end(j)
            return Opaque(start, end), end
        return value, i

    def _unary(self, i: int) -> tuple[Value, int]:
        text = self.text
        start = i
        for word in ("await", "new"):
            if text.startswith(word, i) and not _ident_char(text, i + len(word)):
                callee, j = self._unary(self.skip(i + len(word)))
                if word == "new" and isinstance(callee, Call) and not callee.new:
                    return Call(start, callee.end, callee.callee, callee.args, new=True), j
                return callee, j
        return self.chain_at(i)

    def chain_at(self, i: int) -> tuple[Value, int]:
        """The member chain at `i` with its calls (`knex.schema.createTable(...).then(...)`),
        and the offset after it."""
        value, i = self._primary(i)
        text = self.text
        while True:
            j = self.skip(i)
            if text.startswith("?.", j):
                j += 1
            if text.startswith(".", j) and not text.startswith("...", j):
                name = IDENT.match(text, self.skip(j + 1))
                if name is None:
                    return Opaque(value.start, j), j
                value, i = Member(value.start, name.end(), value, name.group()), name.end()
            elif text.startswith("(", j):
                args, end = self._list(j + 1, ")")
                value, i = Call(value.start, end, value, tuple(args)), end
            elif text.startswith("[", j) and not isinstance(value, Opaque):
                key, end = self._list(j + 1, "]")
                if len(key) == 1 and isinstance(key[0], Str):
                    value, i = Member(value.start, end, value, key[0].text), end
                else:
                    value, i = Opaque(value.start, end), end
            elif text.startswith("!", j) and not text.startswith("!=", j):  # TypeScript's x!
                i = j + 1
            else:
                return value, i

    def _primary(self, i: int) -> tuple[Value, int]:
        text = self.text
        if i >= len(text):
            return Opaque(i, i), i
        c = text[i]
        if c in "'\"`":
            pieces, end = string(text, i)
            if pieces is None:
                return Opaque(i, end), end
            return Str(i, end, "".join(p for p, _, _ in pieces)), end
        if c == "{":
            return self._object(i)
        if c == "[":
            items, end = self._list(i + 1, "]")
            return Arr(i, end, tuple(items)), end
        if c == "(":
            arrow = self._arrow(i)
            if arrow is not None:
                return arrow
            inner, end = self.expression(i + 1)
            close = self.skip(end)
            if text.startswith(")", close):
                return inner, close + 1
            end = self.expression_end(i + 1)
            return Opaque(i, end), end
        number = NUMBER.match(text, i)
        if number is not None:
            return Num(i, number.end(), float(_number(number.group()))), number.end()
        name = IDENT.match(text, i)
        if name is None:
            end = self.expression_end(i)
            return Opaque(i, max(end, i + 1)), max(end, i + 1)
        if name.group() in ("function", "async"):
            found = self._function(i)
            if found is not None:
                return found
        arrow = self._arrow(i)
        if arrow is not None:
            return arrow
        return Name(i, name.end(), name.group()), name.end()

    def _object(self, i: int) -> tuple[Value, int]:
        text, start = self.text, i
        entries: dict[str, tuple[Value, int]] = {}
        i = self.skip(i + 1)
        while i < len(text) and text[i] != "}":
            key_at = i
            if text[i] in "'\"`":
                pieces, end = string(text, i)
                key = "".join(p for p, _, _ in pieces or [])
            elif text.startswith("...", i):
                _, end = self.expression(i + 3)
                key = ""
            else:
                name = IDENT.match(text, i) or NUMBER.match(text, i)
                if name is not None and name.group() == "async":  # `async up(q) { ... }`
                    after = IDENT.match(text, self.skip(name.end()))
                    name = after or name
                if name is None:  # a computed key
                    end = self.expression_end(i)
                    key = ""
                else:
                    key, end = name.group(), name.end()
            j = self.skip(end)
            if key and text.startswith(":", j):
                value, end = self.expression(j + 1)
            elif key and text.startswith("(", j):  # a method: `up(q) { ... }`
                value, end = self._function_rest(key_at, j)
            elif key:  # shorthand `{ name }`
                value = Name(key_at, end, key)
            else:
                value = Opaque(key_at, end)
            if key:
                entries[key] = (value, key_at)
            i = self.skip(end)
            if text.startswith(",", i):
                i = self.skip(i + 1)
            elif not text.startswith("}", i):
                i = self.expression_end(i)
                i = self.skip(i + 1) if text.startswith(",", i) else i
            if i <= key_at:  # a stray closing bracket of another kind: step over it
                i = self.skip(key_at + 1)
        return Obj(start, min(i + 1, len(text)), entries), min(i + 1, len(text))

    def _list(self, i: int, close: str) -> tuple[list[Value], int]:
        text, out = self.text, []
        i = self.skip(i)
        while i < len(text) and text[i] != close:
            if text.startswith("...", i):
                value, i = self.expression(i + 3)
                value = Opaque(value.start - 3, value.end)
            else:
                value, i = self.expression(i)
            out.append(value)
            i = self.skip(i)
            if text.startswith(",", i):
                i = self.skip(i + 1)
            elif i < len(text) and text[i] != close:
                i = self.expression_end(i)
                if text.startswith(",", i):
                    i = self.skip(i + 1)
                elif i < len(text) and text[i] != close:
                    i += 1  # a stray closing bracket of another kind
        return out, min(i + 1, len(text))

    def _arrow(self, i: int) -> tuple[Value, int] | None:
        """`(a, b) => body`, `a => body`, `async (a) => body`."""
        text, start = self.text, i
        if text.startswith("async", i) and not _ident_char(text, i + 5):
            i = self.skip(i + 5)
        if text.startswith("(", i):
            close = self.closing(i)
            params = _params(text[i + 1 : close - 1])
            j = self.skip(close)
            if text.startswith(":", j):  # a return type annotation
                j = self._type_end(j + 1)
        else:
            name = IDENT.match(text, i)
            if name is None:
                return None
            params, j = (name.group(),), self.skip(name.end())
        if not text.startswith("=>", j):
            return None
        return self._body(start, params, self.skip(j + 2))

    def _function(self, i: int) -> tuple[Value, int] | None:
        text = self.text
        start = i
        if text.startswith("async", i):
            i = self.skip(i + 5)
        if not text.startswith("function", i):
            return None
        i = self.skip(i + 8)
        if text.startswith("*", i):
            i = self.skip(i + 1)
        name = IDENT.match(text, i)
        if name is not None:
            i = self.skip(name.end())
        if not text.startswith("(", i):
            return None
        return self._function_rest(start, i)

    def _function_rest(self, start: int, paren: int) -> tuple[Value, int]:
        close = self.closing(paren)
        params = _params(self.text[paren + 1 : close - 1])
        j = self.skip(close)
        if self.text.startswith(":", j):
            j = self._type_end(j + 1)
        return self._body(start, params, j)

    def _body(self, start: int, params: tuple[str, ...], at: int) -> tuple[Value, int]:
        if self.text.startswith("{", at):
            end = self.closing(at)
            return Function(start, end, params, at + 1, end - 1), end
        value, end = self.expression(at)
        return Function(start, end, params, value.start, end), end

    def _type_end(self, i: int) -> int:
        """After a TypeScript return type: up to the `=>` or `{` that follows it."""
        text = self.text
        depth = 0
        while i < len(text):
            if text[i] in "<([":
                depth += 1
            elif text[i] in ">)]" and not text.startswith("=>", i - 1):
                depth -= 1
            elif depth <= 0 and (text.startswith("=>", i) or text[i] == "{"):
                return i
            i += 1
        return i

    def _code(self, i: int) -> Iterator[tuple[int, str]]:
        """Each position from `i` on and its character, strings and comments passed over."""
        text = self.text
        while i < len(text):
            c = text[i]
            if c in "'\"`":
                _, i = string(text, i)
                continue
            if text.startswith("//", i) or text.startswith("/*", i):
                i = self.skip(i)
                continue
            yield i, c
            i += 1

    def closing(self, start: int) -> int:
        """After the bracket that closes the one at `start`."""
        depth = 0
        for i, c in self._code(start):
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth == 0:
                    return i + 1
        return len(self.text)

    def expression_end(self, start: int) -> int:
        """Where the expression running through `start` ends: a `,`, `;` or closing bracket
        at depth 0, outside strings and comments."""
        depth = 0
        for i, c in self._code(start):
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    return i
                depth -= 1
            elif c in ",;" and depth == 0:
                return i
        return len(self.text)


def _params(text: str) -> tuple[str, ...]:
    """A parameter list's names, less TypeScript types and defaults."""
    out = []
    for part in text.split(","):
        name = IDENT.match(part.strip())
        if name is not None:
            out.append(name.group())
    return tuple(out)


def _ident_char(text: str, i: int) -> bool:
    return i < len(text) and (text[i].isalnum() or text[i] in "_$")


def _number(text: str) -> float:
    return float(int(text, 16)) if text[:2] in ("0x", "0X") else float(text)
