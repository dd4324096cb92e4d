"""SQL strings in TypeScript/JavaScript migrations (TypeORM, Knex, Sequelize, MikroORM).

Only string literals (and `+` chains of them) and template literals without `${}` are read,
decoded as JavaScript decodes them; any other argument is reported as not checked. Schema
builder calls (`knex.schema.createTable`, `queryInterface.addIndex`, `queryRunner.createTable`)
are read as the SQL their library sends (orm/builders.py), in the order written among the raw
ones. Calls inside a `down` method are never forward statements and are skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.orm import builders, js_config, knex_schema, sequelize_schema, typeorm_schema
from dsql_lint.orm import jsvalues as js
from dsql_lint.orm.jsstrings import code_spans, in_code, skip_space, string
from dsql_lint.orm.mapped import Builder, Hint, Literal, MappedSource, Note, Transaction
from dsql_lint.syntax import runners
from dsql_lint.syntax.source import STDIN, Source, real

# Receivers as each framework names them in its generated and documented migrations.
CALL = re.compile(
    r"\b(?:queryRunner\s*\.\s*query|(?:knex|trx)\s*(?:\.\s*schema\s*)?\.\s*raw"
    r"|(?:queryInterface\s*\.\s*)?sequelize\s*\.\s*query|this\s*\.\s*(?:addSql|execute))\s*\("
)
# A schema-builder call as each library's generated migrations name its receiver: only the
# methods that write DDL, so that application code asking `queryRunner` for a transaction
# is not taken for a migration.
BUILDER = re.compile(
    r"\b(?:\w+\s*\.\s*schema\s*\.\s*(?:createTable|alterTable|table|dropTable|renameTable)\w*"
    r"|queryInterface\s*\.\s*(?:createTable|addColumn|changeColumn|removeColumn|renameColumn"
    r"|addIndex|addConstraint|dropTable|renameTable|removeIndex|removeConstraint)"
    r"|queryRunner\s*\.\s*(?:createTable|addColumns?|changeColumn|createIndex|createForeignKeys?|dropTable"
    r"|dropColumn|renameColumn|renameTable))\s*\("
)
# Any call on a library's receiver, in a file with an `up` method: a migration even when it
# calls nothing dsql-lint translates, so that those calls are reported, not passed over.
RECEIVER_CALL = re.compile(r"\b(?:knex|queryInterface|queryRunner)\s*(?:\.\s*\w+\s*)*\(")
UP = re.compile(r"\bup\s*[(:=]")


def _migration_calls(text: str) -> bool:
    return bool(RECEIVER_CALL.search(text) and UP.search(text))


# Each library's schema builder, translated to the SQL it sends (orm/builders.py), and the
# names its `up` method's receiver usually has.
TRANSLATORS: dict[str, tuple[builders.Translator, tuple[str, ...], dict[str, str]]] = {
    "Knex migration": (knex_schema.translate, ("knex",), knex_schema.HINTS),
    "Sequelize migration": (
        sequelize_schema.translate,
        ("queryInterface",),
        sequelize_schema.HINTS,
    ),
    "TypeORM migration": (typeorm_schema.translate, ("queryRunner",), typeorm_schema.HINTS),
    # MikroORM has no schema builder of its own: a migration's `this.getKnex()` is Knex's, whose
    # builders `addSql` and `execute` take (@mikro-orm/migrations 6.6.16, Migration.d.ts:
    # `Query = string | Knex.QueryBuilder | Knex.Raw`).
    "MikroORM migration": (knex_schema.translate, ("knex",), knex_schema.HINTS),
}
# A MikroORM migration's name for Knex: `const knex = this.getKnex()`.
GET_KNEX = re.compile(r"([A-Za-z_$][\w$]*)\s*=\s*this\s*\.\s*getKnex\s*\(\s*\)")
DOWN = re.compile(
    r"\b(?:(?:async\s+)?function\s+down|(?:exports|module\.exports)\.down\s*=|(?:async\s+)?down\s*[(:=])"
)

FRAMEWORKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("TypeORM migration", re.compile(r"\bMigrationInterface\b|\bqueryRunner\s*:\s*QueryRunner\b")),
    ("MikroORM migration", re.compile(r"@mikro-orm/migrations|\bthis\.addSql\s*\(")),
    ("Sequelize migration", re.compile(r"\bqueryInterface\b")),
    ("Knex migration", re.compile(r"\bup\b[^\n]*\bknex\b|\bKnex\b|\bknex\s*\.\s*schema\b")),
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
# A migration that asks for a transaction where its project's setting runs none by default:
# TypeORM's `transaction = true` under "none", Knex's `config.transaction = true` under
# `disableTransactions` (orm/js_config.py reads the setting, syntax/runners.py CONFIGURED).
OPT_IN = re.compile(r"\btransaction\s*[=:]\s*true\b")
# A TypeORM migration that sets `transaction` at all, either way: under "all" (the default)
# TypeORM refuses the run before any migration (typeorm 1.1.4 MigrationExecutor.js
# `executePendingMigrations`, ForbiddenTransactionModeOverrideError).
OVERRIDE = re.compile(r"\btransaction\s*[=:]\s*(?:true|false)\b")
TYPEORM_REFUSAL = (
    'TypeORM refuses the run: under `migrationsTransactionMode: "all"` (the default) a '
    "migration may not set `transaction`, and it throws before running any migration: "
    '`Migrations "{name}" override the transaction mode, but the global transaction mode is '
    '"all"` (ForbiddenTransactionModeOverrideError)'
)
CLASS_NAME = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)")
OPT_IN_ONLY = {'migrationsTransactionMode: "none"', "disableTransactions: true"}
UNWRAPPED = {"transactional: false"}  # MikroORM: no migration in a transaction, whatever it says
SCRIPT_SUFFIXES = (".js", ".ts", ".cjs", ".mjs", ".cts", ".mts")

# A Sequelize migration's own managed transaction: the calls given `{ transaction }` in its
# callback run in it (Sequelize's sequelize.transaction(callback)); the others do not. The
# runners' own transactions say their remedies in syntax/runners.py.
MANAGED = re.compile(r"\bsequelize\s*\.\s*transaction\s*\(")
MANAGED_HOW = {
    "Sequelize migration": (
        "Sequelize runs the calls given `{ transaction }` inside `sequelize.transaction(...)` "
        "in one transaction: give each DDL its own migration, outside `sequelize.transaction`"
    ),
    "Knex migration": (
        "Knex runs the calls on the callback's `trx` inside `knex.transaction(...)` in one "
        "transaction: give each DDL its own migration, outside `knex.transaction`"
    ),
}
# A library that sends several statements in one query string, which PostgreSQL runs as one
# transaction (the builders mark them `Sql.joined`).
ONE_QUERY_HOW = {
    "Sequelize migration": (
        "Sequelize sends some calls as one query string (a `comment`'s `; COMMENT ON ...` after "
        "its table or column, addColumn's ENUM type before it), which PostgreSQL runs as one "
        "transaction: leave `comment` out and write the COMMENT ON with "
        "`queryInterface.sequelize.query(...)` on its own"
    ),
}
TRANSACTION_RULES = ("multiple-ddl-in-transaction", "ddl-with-dml-in-transaction")
# Each framework's binding syntax (syntax/bindings.py): TypeORM's PostgreSQL driver takes
# PostgreSQL's own `$1`, MikroORM runs its SQL through Knex.
BINDINGS = {
    "Knex migration": "knex",
    "MikroORM migration": "knex",
    "Sequelize migration": "sequelize",
}


def framework(text: str) -> str | None:
    if not (CALL.search(text) or BUILDER.search(text) or _migration_calls(text)):
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
    spans = code_spans(text)
    down = _down_ranges(text, spans)
    build, notes = Builder(BINDINGS.get(name, "")), []
    mode = None if source.path == STDIN else js_config.transaction_mode(_folder(source), name)
    setting = mode.setting if mode is not None else ""
    refused = _refused(source, name, setting)
    wrapped = _wrapped(name, setting, text, spans) and not refused  # (no migration runs)
    tx = Transaction(build)
    tx.wrapped = wrapped

    def skipped(at: int) -> bool:
        return not in_code(spans, at) or any(lo <= at < hi for lo, hi in down)

    knexed = _knex_transactions(text, skipped) if name == "Knex migration" else []
    found = _builder_calls(text, name, skipped, {k.param for k in knexed})
    managed = _managed(text, skipped) if name == "Sequelize migration" else []
    reader, current, one_query = js.Reader(text), None, False
    covered = [(f.start, f.end) for f in found]
    events: list[tuple[int, object]] = [(f.start, f.translation) for f in found]
    for match in CALL.finditer(text):
        at = match.start()
        if skipped(at) or any(lo <= at < hi for lo, hi in covered):
            continue
        events.append((at, match))
    # Where a call or builder read on its own starts: the argument of a call that sends it.
    inner = {at for at, _ in events}
    events += [(k.start, k) for k in knexed] + [(k.body_end, _Leave(k)) for k in knexed]
    for at, event in sorted(events, key=lambda e: e[0]):
        if isinstance(event, (KnexTransaction, _Leave)):
            _knex_transaction(build, tx, event, wrapped)
            continue
        if knexed and not wrapped:  # in a `knex.transaction` callback, on its `trx`
            tx.wrapped = any(k.holds(text, at) for k in knexed)
        inside = next((r for r in managed if r[0] <= at < r[1] and _passes(reader, at)), None)
        if inside != current:  # into, out of or from one managed transaction to the next
            if current is not None:
                tx.close(at, at + 1)
            tx.wrapped = wrapped or inside is not None
            current = inside
        if isinstance(event, builders.Translation):
            one_query |= _translated(build, tx, event, notes, name)
            continue
        assert isinstance(event, re.Match)
        literal, arg_end = _argument(text, event.end())
        if literal is None and skip_space(text, event.end()) in inner:
            continue  # `this.addSql(knex.raw('...'))`: the call inside is read
        if literal is None:
            notes.append(Note(at, max(arg_end, event.end()), _not_checked(name), unread=True))
            continue
        tx.write(at, event.end())
        build.statement(literal.pieces, literal.end, literal.literals)
    tx.close(len(text) - 1, len(text))
    if refused:
        notes += _refusals(text, spans)
    hints: dict[str, Hint] = {}
    if any(f.translation.statements for f in found):
        hints.update(TRANSLATORS[name][2])
    if one_query and name in ONE_QUERY_HOW:  # its query strings' implicit transactions
        hints.update(dict.fromkeys(TRANSACTION_RULES, ONE_QUERY_HOW[name]))
    elif tx.opened and name in MANAGED_HOW and not wrapped:  # the migration's own transactions
        hints.update(dict.fromkeys(TRANSACTION_RULES, MANAGED_HOW[name]))
    # A setting other than the default runs no transaction across migrations.
    run = _run(source, name) if tx.opened and wrapped and not setting else ""
    runner = runners.runner_of(name)
    hint = runners.run_help(runner) if run and runner is not None else ""
    return build.source(source, name, notes, hints, run=run, run_hint=hint, setting=setting)


def _folder(source: Source) -> Path:
    return real(source.path).parent


def _wrapped(name: str, setting: str, text: str, spans: list[tuple[int, int]]) -> bool:
    """Whether the runner runs the migration's `up` in a transaction, under `setting`."""
    if name not in WRAPPED or setting in UNWRAPPED:
        return False
    if setting in OPT_IN_ONLY:
        return any(in_code(spans, found.start()) for found in OPT_IN.finditer(text))
    return not _opts_out(text, spans)


def _refused(source: Source, name: str, setting: str) -> bool:
    """Whether TypeORM refuses the run the file is in: a migration of its folder sets
    `transaction` under the default "all"."""
    if name != "TypeORM migration" or setting or source.path == STDIN:
        return False
    folder = _folder(source)
    return _opted_out(folder, name, _listing(folder), OVERRIDE)


def _refusals(text: str, spans: list[tuple[int, int]]) -> list[Note]:
    """TypeORM's refusal, at each `transaction = ...` of the file, in its own words."""
    named = CLASS_NAME.search(text)
    message = TYPEORM_REFUSAL.format(name=named.group(1) if named else "?")
    return [
        Note(found.start(), found.end(), message, refused=True)
        for found in OVERRIDE.finditer(text)
        if in_code(spans, found.start())
    ]


def _run(source: Source, name: str) -> str:
    """The run whose one transaction the file's `up` joins: its folder's, unless a migration
    there opts out where that ends the run (RUN_UNTIL_OPT_OUT)."""
    if source.path == STDIN:
        return ""
    folder = _folder(source)
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
def _opted_out(
    folder: Path,
    name: str,
    listing: tuple[tuple[str, int], ...],
    pattern: re.Pattern[str] = OPT_OUT,
) -> bool:
    """Whether a migration of `name`'s framework in the folder opts out of its transaction
    (or, with another `pattern`, says that of it)."""
    for file, _ in listing:
        try:
            text = (folder / file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if pattern.search(text) and framework(text) == name and _opts_out(text, pattern=pattern):
            return True
    return False


def _opts_out(
    text: str, spans: list[tuple[int, int]] | None = None, pattern: re.Pattern[str] = OPT_OUT
) -> bool:
    """Whether the migration opts out of its transaction in its code (not in a comment)."""
    spans = code_spans(text) if spans is None else spans
    return any(in_code(spans, found.start()) for found in pattern.finditer(text))


def _managed(text: str, skipped: Callable[[int], bool]) -> list[tuple[int, int]]:
    """The bodies of `sequelize.transaction(async (t) => { ... })` callbacks."""
    reader, out = js.Reader(text), []
    for match in MANAGED.finditer(text):
        if skipped(match.start()):
            continue
        value, _ = reader.chain_at(match.start())
        calls = js.chain(value)
        body = (
            next((a for a in calls[0].args if isinstance(a, js.Function)), None) if calls else None
        )
        if body is not None:
            out.append((body.body_start, body.body_end))
    return out


def _passes(reader: js.Reader, at: int) -> bool:
    """Whether the call at `at` is given a `transaction` option."""
    value, _ = reader.chain_at(at)
    calls = js.chain(value)
    args = calls[0].args if calls else ()
    return any(isinstance(a, js.Obj) and "transaction" in a.entries for a in args)


@dataclass(frozen=True)
class KnexTransaction:
    """`knex.transaction(async (trx) => { ... })` in a Knex migration (knex 3.3.0,
    lib/execution/transaction.js): on a connection already in a transaction (the migration
    runs in one) it sends `SAVEPOINT`, the callback's calls, `RELEASE SAVEPOINT`, which DSQL
    refuses (DSQL405); otherwise `BEGIN;`, the calls on `trx`, `COMMIT;`."""

    start: int
    name_end: int  # the end of `knex.transaction`, where the SAVEPOINT is shown
    body_start: int
    body_end: int
    param: str  # the callback's transaction: the calls on it run in the transaction

    def holds(self, text: str, at: int) -> bool:
        return self.body_start <= at < self.body_end and bool(
            re.match(rf"{re.escape(self.param)}\b", text[at : at + len(self.param) + 1])
        )


@dataclass(frozen=True)
class _Leave:
    knex: KnexTransaction


# Knex names a transaction `trx` and a counter: as recorded under `migrate:latest`.
SAVEPOINT_NAME = "trx3"
KNEX_TRANSACTION = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*transaction\s*\(")


def _knex_transactions(text: str, skipped: Callable[[int], bool]) -> list[KnexTransaction]:
    """The `knex.transaction(callback)` calls of the migration's `up`, on the library's
    receiver."""
    receivers = builders.up_receivers(text, ("knex",))
    reader, out = js.Reader(text), []
    for match in KNEX_TRANSACTION.finditer(text):
        if match.group(1) not in receivers or skipped(match.start()):
            continue
        value, _ = reader.chain_at(match.start())
        calls = js.chain(value)
        body = (
            next((a for a in calls[0].args if isinstance(a, js.Function)), None) if calls else None
        )
        if body is not None and body.params:
            end = match.end() - 1
            out.append(
                KnexTransaction(match.start(), end, body.body_start, body.body_end, body.params[0])
            )
    return out


def _knex_transaction(
    build: Builder, tx: Transaction, event: KnexTransaction | _Leave, wrapped: bool
) -> None:
    """Into or out of a `knex.transaction` callback: a savepoint where the migration runs in
    a transaction, else the transaction of its own (its BEGIN is written with its first call
    on `trx`)."""
    knex = event.knex if isinstance(event, _Leave) else event
    if not wrapped:
        if isinstance(event, _Leave):
            tx.close(knex.body_end - 1, knex.body_end)
        return
    sql = (
        f"RELEASE SAVEPOINT {SAVEPOINT_NAME};\n"
        if isinstance(event, _Leave)
        else (f"SAVEPOINT {SAVEPOINT_NAME};\n")
    )
    at = (
        (knex.body_end - 1, knex.body_end)
        if isinstance(event, _Leave)
        else (knex.start, knex.name_end)
    )
    tx.write(*at)
    build.add(sql, *at)
    build.wrappers += 1


def _builder_calls(
    text: str, name: str, skipped: Callable[[int], bool], more: set[str]
) -> list[builders.Found]:
    if name not in TRANSLATORS:
        return []
    translate, usual, _ = TRANSLATORS[name]
    receivers = builders.up_receivers(text, usual) | set(GET_KNEX.findall(text)) | more
    return builders.find(text, receivers, translate, skipped)


def _translated(
    build: Builder, tx: Transaction, call: builders.Translation, notes: list[Note], name: str
) -> bool:
    """A builder call's statements, each sent as its library sends it, and a warning for
    each part of it that was not read. Statements sent in one query string run in one
    transaction outside any other (PostgreSQL's implicit transaction); whether one did."""
    joined, begin = False, None
    statements = call.statements
    for k, statement in enumerate(statements):
        together = k + 1 < len(statements) and statements[k + 1].joined
        tx.write(statement.start, statement.end)
        if together and begin is None and not tx.wrapped:
            begin, joined = build.length, True
        for text, start, end in statement.pieces:
            build.add(text, start, end)
        build.add(";\n", statement.end - 1, statement.end)
        if not together and begin is not None:  # the query string ends: Source.queries
            build.queries.append((begin, build.length))
            begin = None
    for start, end, what in call.unread:
        notes.append(Note(start, end, f"{name}: {what} is not checked: {NOT_READ}", unread=True))
    for start, end, message in call.warnings:
        notes.append(Note(start, end, f"{name}: {message}", unread=True))
    return joined


NOT_READ = (
    "dsql-lint cannot tell what SQL it sends; write that part as the library's literal "
    "form, or run the migration against a local PostgreSQL and check the SQL it logs"
)


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
    i = skip_space(text, at)
    while True:
        if i >= len(text) or text[i] not in "'\"`":
            return None, i
        decoded, end = string(text, i)
        if decoded is None:
            return None, end
        first = i if first is None else first
        pieces.extend(decoded)
        literals.append(Literal(i + 1, end - 1, "js", text[i]))
        i = skip_space(text, end)
        if i < len(text) and text[i] == "+":
            i = skip_space(text, i + 1)
            continue
        if i < len(text) and text[i] in ",)":
            return _Literal(pieces, first, end, literals), end
        return None, i


def _down_ranges(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each `down` function's body, from its name to its closing brace."""
    out = []
    for match in DOWN.finditer(text):
        if not in_code(spans, match.start()):
            continue
        brace = text.find("{", match.end())
        arrow = text.find("=>", match.end())
        if 0 <= arrow < brace or (brace < 0 <= arrow):
            body = skip_space(text, arrow + 2)
            if not text.startswith("{", body):  # `down = knex => knex.raw(...)`: one expression
                out.append((match.start(), js.Reader(text).expression_end(body)))
                continue
        if brace < 0:
            out.append((match.start(), len(text)))
            continue
        out.append((match.start(), js.Reader(text).closing(brace)))
    return out
