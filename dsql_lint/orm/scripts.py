"""SQL strings in TypeScript/JavaScript migrations (TypeORM, Knex, Sequelize, MikroORM).

Only string literals (and `+` chains of them) and template literals without `${}` are read,
decoded as JavaScript decodes them; any other argument is reported as not checked. Calls
inside a `down` method are never forward statements and are skipped.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.orm.mapped import Builder, Literal, MappedSource, Note
from dsql_lint.syntax import runners
from dsql_lint.syntax.source import STDIN, Source

# Receivers as each framework names them in its generated and documented migrations.
CALL = re.compile(
    r"\b(?:queryRunner\s*\.\s*query|(?:knex|trx)\s*(?:\.\s*schema\s*)?\.\s*raw"
    r"|(?:queryInterface\s*\.\s*)?sequelize\s*\.\s*query|this\s*\.\s*addSql)\s*\("
)
DOWN = re.compile(
    r"\b(?:(?:async\s+)?function\s+down|(?:exports|module\.exports)\.down\s*=|(?:async\s+)?down\s*[(:=])"
)

FRAMEWORKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("TypeORM migration", re.compile(r"\bMigrationInterface\b|\bqueryRunner\s*:\s*QueryRunner\b")),
    ("MikroORM migration", re.compile(r"@mikro-orm/migrations|\bthis\.addSql\s*\(")),
    ("Sequelize migration", re.compile(r"\bqueryInterface\b")),
    ("Knex migration", re.compile(r"\b(?:exports\.up|function\s+up)\b[^\n]*\bknex\b|\bKnex\b")),
)
# A migration that runs its up method in a transaction unless it opts out: TypeORM (the
# default `migrationsTransactionMode: "all"`), Knex and MikroORM each wrap it; Sequelize does
# not. How each runner runs them, and the remedies in its terms: syntax/runners.py.
WRAPPED = {"TypeORM migration", "Knex migration", "MikroORM migration"}
OPT_OUT = re.compile(
    r"\btransaction\s*[=:]\s*false\b|\bisTransactional\s*\(\s*\)\s*[^{]*\{\s*return\s+false"
)
# Runners that hold every pending migration in one transaction only while none of them opts
# out: Knex's `migrate:latest` then wraps each migration alone, and TypeORM's default "all"
# refuses a migration that sets `transaction`, so its mode must be "each" or "none".
# MikroORM's `allOrNothing` holds the others whatever one does.
RUN_UNTIL_OPT_OUT = {"TypeORM migration", "Knex migration"}
SCRIPT_SUFFIXES = (".js", ".ts", ".cjs", ".mjs", ".cts", ".mts")
# Each framework's binding syntax (syntax/bindings.py): TypeORM's PostgreSQL driver takes
# PostgreSQL's own `$1`, MikroORM runs its SQL through Knex.
BINDINGS = {
    "Knex migration": "knex",
    "MikroORM migration": "knex",
    "Sequelize migration": "sequelize",
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def framework(text: str) -> str | None:
    if not CALL.search(text):
        return None
    return next((name for name, marker in FRAMEWORKS if marker.search(text)), None)


@dataclass
class _Literal:
    pieces: list[tuple[str, int, int]]  # decoded text, original start, original end
    start: int
    end: int
    literals: list[Literal]


def read(source: Source, name: str) -> MappedSource:
    text = source.text
    spans = _code_spans(text)
    down = _down_ranges(text, spans)
    build, notes = Builder(BINDINGS.get(name, "")), []
    wrapped = name in WRAPPED and not _opts_out(text, spans)
    opened = False
    for match in CALL.finditer(text):
        at = match.start()
        if not _in_code(spans, at) or any(lo <= at < hi for lo, hi in down):
            continue
        literal, arg_end = _argument(text, match.end())
        if literal is None:
            notes.append(Note(match.start(), max(arg_end, match.end()), _not_checked(name)))
            continue
        if wrapped and not opened:
            build.add("BEGIN;\n", at, match.end())
            build.wrappers += 1
            opened = True
        build.statement(literal.pieces, literal.end, literal.literals)
    if opened:
        build.add("COMMIT;\n", len(text) - 1, len(text))
        build.wrappers += 1
    run = _run(source, name) if opened else ""
    runner = runners.runner_of(name)
    hint = runners.run_help(runner) if run and runner is not None else ""
    return build.source(source, name, notes, run=run, run_hint=hint)


def _run(source: Source, name: str) -> str:
    """The run whose one transaction the file's `up` joins: its folder's, unless a migration
    there opts out where that ends the run (RUN_UNTIL_OPT_OUT)."""
    if source.path == STDIN:
        return ""
    folder = Path(source.path).resolve().parent
    if name in RUN_UNTIL_OPT_OUT and _opted_out(folder, name, _listing(folder)):
        return ""
    return f"{name} {folder}"


def _listing(folder: Path) -> tuple[tuple[str, int], ...]:
    """The folder's scripts with their modification times: `_opted_out`'s cache key."""
    try:
        entries = [p for p in folder.iterdir() if p.suffix in SCRIPT_SUFFIXES and p.is_file()]
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in entries))
    except OSError:
        return ()


@functools.lru_cache(maxsize=64)
def _opted_out(folder: Path, name: str, listing: tuple[tuple[str, int], ...]) -> bool:
    """Whether a migration of `name`'s framework in the folder opts out of its transaction."""
    for file, _ in listing:
        try:
            text = (folder / file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if OPT_OUT.search(text) and framework(text) == name and _opts_out(text):
            return True
    return False


def _opts_out(text: str, spans: list[tuple[int, int]] | None = None) -> bool:
    """Whether the migration opts out of its transaction in its code (not in a comment)."""
    spans = _code_spans(text) if spans is None else spans
    return any(_in_code(spans, found.start()) for found in OPT_OUT.finditer(text))


def _not_checked(name: str) -> str:
    return (
        f"{name}: this SQL is built at run time (a variable or a template with ${{...}}), so it"
        " is not checked; write it as a literal, or check the SQL it produces"
    )


def _argument(text: str, at: int) -> tuple[_Literal | None, int]:
    """The first argument when it is a literal or a `+` chain of literals."""
    pieces: list[tuple[str, int, int]] = []
    literals: list[Literal] = []
    first = None
    i = _skip_space(text, at)
    while True:
        if i >= len(text) or text[i] not in "'\"`":
            return None, i
        decoded, end = _string(text, i)
        if decoded is None:
            return None, end
        first = i if first is None else first
        pieces.extend(decoded)
        literals.append(Literal(i + 1, end - 1, "js", text[i]))
        i = _skip_space(text, end)
        if i < len(text) and text[i] == "+":
            i = _skip_space(text, i + 1)
            continue
        if i < len(text) and text[i] in ",)":
            return _Literal(pieces, first, end, literals), end
        return None, i


def _skip_space(text: str, i: int) -> int:
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("//", i):
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = len(text) if close < 0 else close + 2
        else:
            break
    return i


def _string(text: str, start: int) -> tuple[list[tuple[str, int, int]] | None, int]:
    """A literal's decoded pieces (a piece per run between escapes, each anchored to its
    own characters), and the offset after its closing quote; None for a template with
    substitutions or an unterminated literal."""
    quote, i = text[start], start + 1
    pieces: list[tuple[str, int, int]] = []
    run = i
    while i < len(text):
        c = text[i]
        if c == quote:
            if run < i:
                pieces.append((text[run:i], run, i))
            return pieces, i + 1
        if quote == "`" and text.startswith("${", i):
            return None, _template_end(text, i)
        if c == "\n" and quote != "`":
            return None, i
        if c != "\\":
            i += 1
            continue
        if run < i:
            pieces.append((text[run:i], run, i))
        try:
            char, length = _escape(text, i)
        except ValueError:  # not a valid escape in JavaScript either: kept as written
            char, length = text[i + 1 : i + 2], 2
        pieces.append((char, i, i + length))
        i += length
        run = i
    return None, len(text)


def _escape(text: str, i: int) -> tuple[str, int]:
    nxt = text[i + 1 : i + 2]
    if nxt in _ESCAPES and not text[i + 2 : i + 3].isdigit():
        return _ESCAPES[nxt], 2
    if nxt == "x":
        return chr(int(text[i + 2 : i + 4], 16)), 4
    if nxt == "u" and text[i + 2 : i + 3] == "{":
        close = text.index("}", i)
        return chr(int(text[i + 3 : close], 16)), close + 1 - i
    if nxt == "u":
        return chr(int(text[i + 2 : i + 6], 16)), 6
    if text.startswith("\r\n", i + 1):
        return "", 3  # a line continuation
    if nxt in "\r\n\u2028\u2029":
        return "", 2
    return nxt, 2


def _template_end(text: str, i: int) -> int:
    close = text.find("`", i)
    return len(text) if close < 0 else close + 1


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Offsets that are comments or strings, so that a call named inside them is skipped."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if text.startswith("//", i) or text.startswith("/*", i):
            end = _skip_space(text, i)
            out.append((i, end))
            i = end
        elif c in "'\"`":
            _, end = _string(text, i)
            if end <= i:
                end = i + 1
            out.append((i, end))
            i = end
        else:
            i += 1
    return out


def _in_code(spans: list[tuple[int, int]], at: int) -> bool:
    return not any(lo <= at < hi for lo, hi in spans)


def _down_ranges(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each `down` function's body, from its name to its closing brace."""
    out = []
    for match in DOWN.finditer(text):
        if not _in_code(spans, match.start()):
            continue
        brace = text.find("{", match.end())
        arrow = text.find("=>", match.end())
        if 0 <= arrow < brace or (brace < 0 <= arrow):
            body = _skip_space(text, arrow + 2)
            if not text.startswith("{", body):  # `down = knex => knex.raw(...)`: one expression
                out.append((match.start(), _expression_end(text, body, spans)))
                continue
        if brace < 0:
            out.append((match.start(), len(text)))
            continue
        out.append((match.start(), _matching(text, brace, spans)))
    return out


def _expression_end(text: str, at: int, spans: list[tuple[int, int]]) -> int:
    """Where an arrow function's expression body ends: a `;`, or a `,`/`}`/`)` that closes
    what holds it, outside brackets, strings and comments."""
    depth, i = 0, at
    skip = dict(spans)
    while i < len(text):
        if i in skip:
            i = skip[i]
            continue
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and c in ";,":
            return i
        i += 1
    return len(text)


def _matching(text: str, brace: int, spans: list[tuple[int, int]]) -> int:
    depth, i = 0, brace
    skip = dict(spans)
    while i < len(text):
        if i in skip:
            i = skip[i]
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)
