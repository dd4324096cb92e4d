"""Schema-builder calls of JavaScript/TypeScript migrations read as the SQL their library sends.

Knex's `knex.schema.createTable(...)`, Sequelize's `queryInterface.createTable(...)` and
TypeORM's `queryRunner.createTable(new Table(...))` are what `knex migrate:make`,
`sequelize-cli migration:generate` and most TypeORM users write. Each library's module
(`knex_schema`, `sequelize_schema`, `typeorm_schema`) translates a call as that library's
PostgreSQL query generator writes it; this module finds the calls in the `up` method and
holds what they share. A call or argument that cannot be translated is reported as not
checked (DSQL016), never passed over.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dsql_lint.orm import jsvalues as js

Piece = tuple[str, int, int]  # SQL text and the span of the file it stands for


@dataclass
class Sql:
    """One statement, piece by piece, each anchored to the part of the call it comes from."""

    start: int
    end: int
    pieces: list[Piece] = field(default_factory=list)
    # Sent in the same query string as the statement before it, which PostgreSQL runs as one
    # transaction with it when no transaction is open (Sequelize's `; COMMENT ON ...`).
    joined: bool = False

    def add(self, text: str, at: js.Value | tuple[int, int] | None = None) -> Sql:
        start, end = (
            (at.start, at.end) if isinstance(at, js.Value) else at or (self.start, self.end)
        )
        self.pieces.append((text, start, end))
        return self


@dataclass
class Translation:
    """What one call stands for: its statements, and what in it was not read."""

    start: int
    end: int
    statements: list[Sql] = field(default_factory=list)
    unread: list[tuple[int, int, str]] = field(default_factory=list)
    warnings: list[tuple[int, int, str]] = field(default_factory=list)

    def sql(self, at: js.Value | None = None) -> Sql:
        start, end = (at.start, at.end) if at is not None else (self.start, self.end)
        out = Sql(start, end)
        self.statements.append(out)
        return out

    def not_read(self, at: js.Value, what: str) -> None:
        self.unread.append((at.start, at.end, what))

    def warn(self, at: js.Value, message: str) -> None:
        """What the library does with a call that stops the run, said at the call."""
        self.warnings.append((at.start, at.end, message))


# A library's translator: the call expression found at a receiver, the receiver's name.
Translator = Callable[[js.Reader, js.Value, str], Translation | None]
Method = Callable[[Translation, js.Call], None]


def receiver_method(value: js.Value, receiver: str) -> tuple[Translation, js.Call | None, str]:
    """The translation to fill for a call chain on `receiver`, its first call (None: no
    call), and the method that call names after `receiver.` ("" when it is not on it)."""
    calls = js.chain(value)
    out = Translation(value.start, value.end)
    if not calls:
        return out, None, ""
    full = js.dotted(calls[0].callee) or ""
    return out, calls[0], full[len(receiver) + 1 :] if full.startswith(receiver + ".") else ""


def by_method(out: Translation, call: js.Call, name: str, methods: dict[str, Method]) -> None:
    """`call` translated by the method it names, or said not read."""
    method = methods.get(name)
    if method is None:
        out.not_read(call, f"`{js.dotted(call.callee) or 'this call'}(...)`")
    else:
        method(out, call)


def quote(name: str) -> str:
    """A name as the libraries quote it: in double quotes, a schema-qualified one per part."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def name_span(call: js.Call) -> tuple[int, int]:
    """The method name's span of `x.name(...)`, where a finding on what it writes points."""
    callee = call.callee
    if isinstance(callee, js.Member):
        return callee.end - len(callee.name), callee.end
    return call.start, call.end


def strings(value: js.Value | None) -> list[str] | None:
    """A string or an array of strings as a list; None for anything else."""
    if isinstance(value, js.Str):
        return [value.text]
    if isinstance(value, js.Arr) and all(isinstance(v, js.Str) for v in value.items):
        return [v.text for v in value.items if isinstance(v, js.Str)]
    return None


def up_receivers(text: str, default: tuple[str, ...]) -> set[str]:
    """The names a migration's `up` calls its library by: its first parameter as written,
    and each library's usual name."""
    found = {
        m.group(1)
        for m in re.finditer(
            r"\bup\s*(?:[:=]\s*(?:async\s*)?(?:function\s*)?)?\(\s*(?:async\s*)?([A-Za-z_$][\w$]*)",
            text,
        )
    }
    return found | set(default)


@dataclass
class Found:
    """A builder call found in the file, with what it stands for."""

    start: int
    end: int
    translation: Translation


def find(
    text: str,
    receivers: set[str],
    translate: Translator,
    skip: Callable[[int], bool],
) -> list[Found]:
    """Each call on a receiver in the code, outside the spans `skip` names (comments,
    strings, `down`), translated."""
    reader = js.Reader(text)
    pattern = re.compile(
        r"(?<![\w$.])("
        + "|".join(re.escape(r) for r in sorted(receivers))
        + r")\s*(?:\??\.(?!\.)|\()"
    )
    out: list[Found] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() < at or skip(match.start()):
            continue
        value, end = reader.chain_at(match.start())
        if not isinstance(value, js.Call):
            continue
        translation = translate(reader, value, match.group(1))
        if translation is None or not (translation.statements or translation.unread):
            # SQL as written, or a call that sends none of its own (`hasTable(...).then`,
            # `sequelize.transaction(async (t) => ...)`): the calls inside it are read.
            continue
        # A promise's callbacks (`.then(() => knex.schema.createTable(...))`) hold calls of
        # their own, read by this scan as any other: only the chain before them is taken.
        callbacks = [c for c in js.chain(value) if js.method(c) in _CALLBACKS and c.args]
        at = callbacks[0].args[0].start if callbacks else end
        out.append(Found(match.start(), end, translation))
    return out


_CALLBACKS = frozenset({"then", "catch", "finally"})
