"""The plan: files in migration order, cut into units, each unit one transaction on the target.

A unit is a BEGIN...COMMIT block, or one statement outside blocks. DSQL's transaction rules
(dsql-facts.md, Transactions: one DDL per transaction, never DDL with DML) are checked on the
plan, so a block DSQL would refuse is refused before any of it runs, on every target.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dsql_lint.apply.ddl import Analysis, AsyncJob, analyze, postgres_form
from dsql_lint.apply.includes import expand
from dsql_lint.apply.migrations import (
    REPEATABLE,
    Migration,
    Version,
    classify,
    run_order,
)
from dsql_lint.apply.placeholders import config_values, substitute
from dsql_lint.errors import UserError
from dsql_lint.lint.classify import DDL, DML, META, OTHER, QUERY, SESSION, mixed, over_limit
from dsql_lint.lint.classify import classify as class_of
from dsql_lint.syntax.flyway_config import Placeholders
from dsql_lint.syntax.formats import layout
from dsql_lint.syntax.parse import Parsed, parse
from dsql_lint.syntax.source import LINE_END, STDIN, Source, expand_paths, read_source
from dsql_lint.syntax.split import Kind, Statement, TxControl

SKIP = "skip"  # a unit with nothing to run: an empty or rolled-back block, a meta-command
# Refusals as DSQL words them (dsql-facts.md, Transactions).
_SHOWN = 80  # the characters of a statement a line of output shows
DDL_WITH_DML = "ddl and dml are not supported in the same transaction"
TWO_DDL = "only one DDL statement is supported in a transaction"


@dataclass(eq=False)
class Step:
    """One statement the ledger records."""

    file: str  # the ledger's name for the file
    path: str  # as displayed
    index: int  # the statement's index in its file (stable while the file is unchanged)
    line: int
    kind: str  # statement class: ddl, dml, query, session, meta, other
    text: str  # as written, without the semicolon
    sql: str | None  # what runs on this target; None when there is nothing to run
    sha256: str
    analysis: Analysis = field(default_factory=Analysis)
    copy_data: str | None = None  # rows for COPY ... FROM stdin
    copy_line: int | None = None  # the line of the first of them
    # The statement's column where another statement shares its line (`BEGIN; ...; COMMIT;`
    # on one line): None where the line alone says which statement it is.
    column: int | None = None

    @property
    def where(self) -> str:
        column = f":{self.column}" if self.column is not None else ""
        return f"{self.path}:{self.line}{column}"

    @property
    def position(self) -> dict[str, int]:
        """The fields that place the statement in progress events: line, and column where
        its line holds another statement."""
        return {"line": self.line} | ({"column": self.column} if self.column else {})

    @property
    def first_line(self) -> str:
        """The statement as progress, plans and warnings show it: its first line, cut so that
        a long one (a data file's one-line INSERT) does not flood the log."""
        text, start = self.text, 0
        while start < len(text) and text[start].isspace():
            start += 1
        line = LINE_END.split(text[start : start + _SHOWN + 1], maxsplit=1)[0].rstrip()
        return line if len(line) <= _SHOWN else line[: _SHOWN - 3].rstrip() + "..."

    @property
    def job(self) -> AsyncJob | None:
        return self.analysis.job


@dataclass(eq=False)
class Unit:
    kind: str  # ddl, dml, query, session, skip
    steps: list[Step]
    block: bool = False  # written as BEGIN...COMMIT
    refusal: str | None = None  # why DSQL would refuse this transaction
    begin_line: int | None = None  # the line of BEGIN, for a block

    @property
    def where(self) -> str:
        return self.steps[0].where

    @property
    def batched(self) -> bool:
        """A COPY ... FROM stdin outside a block: its rows are sent in transactions of at most
        3,000 rows (copybatch.py). In a block, the rows share the block's one transaction."""
        return not self.block and len(self.steps) == 1 and self.steps[0].copy_data is not None


@dataclass(eq=False)
class FilePlan:
    path: str
    name: str  # the ledger's identity of the file (ledger_name)
    checksum: str  # of the text with line ends as LF: a CRLF checkout is not an edit
    units: list[Unit]
    migration: Migration
    # What ledgers before 2026-12 recorded: the checksum of the file as stored, with its line
    # ends (LF or CRLF: the file may have been applied from a checkout of the other kind).
    legacy_checksums: tuple[str, ...] = ()
    included: list[Source] = field(default_factory=list)  # files it inlines (`\\ir`)

    @property
    def steps(self) -> list[Step]:
        return [step for unit in self.units for step in unit.steps]

    @property
    def version(self) -> Version | None:
        return self.migration.version

    @property
    def role(self) -> str:
        return self.migration.role


def build_plans(
    paths: list[str],
    dsql: bool,
    exclude: Iterable[str] = (),
    login: tuple[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    first: Sequence[Path] = (),
    *,
    required: bool = True,
) -> list[FilePlan]:
    """The forward migrations under `paths`, in run order, less the files the configuration's
    `exclude` names (as `check` skips them). Undo and down files never run forward, so they
    are not planned. `login`: the target's user and database, for Flyway's placeholders;
    `variables`: psql's, given from outside the files (-v, `psql-variables:`), put in and,
    where `required` (apply, which runs them), required of every read (includes.expand).
    `first`: the configuration's `bootstrap:` files, which run before the runner's first
    migration (as `check` reads them first), in the order given, each once like any file."""
    roots = [Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent for p in paths]
    early = {p.resolve() for p in first}
    files = [f for f in migration_files(paths, exclude) if Path(f).resolve() not in early]
    ordered = [classify(str(p)) for p in first] + run_order([classify(f) for f in files])
    all_plans = [
        plan_file(migration, dsql, roots, login, variables, required=required)
        for migration in ordered
    ]
    # A file another migration includes (`\ir`) is part of it, not a migration of its own.
    included = {Path(source.path).resolve() for plan in all_plans for source in plan.included}
    plans: list[FilePlan] = []
    seen: dict[str, str] = {}
    for plan in all_plans:
        if Path(plan.path).resolve() in included:
            continue
        if plan.name in seen:
            raise UserError(f"{plan.path} and {seen[plan.name]} have the same name {plan.name!r}")
        seen[plan.name] = plan.path
        plans.append(plan)
    return plans


def migration_files(paths: list[str], exclude: Iterable[str] = ()) -> list[str]:
    """The SQL files under `paths`. A framework's own migrations (Alembic, Django, Rails,
    Prisma schemas, TypeScript...) are refused, with how to get their SQL: what check reads
    from them is a reconstruction for linting, not the exact SQL, and their framework keeps
    its own history, which apply would leave behind."""
    from dsql_lint.orm.detect import apply_refusal, found_in  # the ORM readers build on Source

    for raw in paths:
        if raw == STDIN:
            raise UserError(
                "apply needs migration files: standard input has no name for the ledger"
            )
        path = Path(raw)
        if path.is_file():
            refusal = apply_refusal(path)
        elif path.is_dir() and not any(path.rglob("*.sql")):
            # Alembic's version_locations need not be named versions/: the folder's own files.
            files = sorted(found_in(path)) or sorted(path.iterdir())
            refusal = next(filter(None, map(apply_refusal, files)), None)
        else:
            refusal = None
        if refusal is not None:
            label, how = refusal
            what = label if label.endswith("s") else f"a {label}"
            raise UserError(f"apply runs SQL files, not {what}: {how}", raw)
    return expand_paths(paths, exclude)


def passed_over(paths: list[str]) -> list[str]:
    """What apply leaves out of a folder that holds SQL migrations and a framework's own
    files too (a Rails `db/` with structure.sql and db/migrate): one line per kind, with how
    to get its SQL. Flyway too passes over what is no SQL migration in its locations, and
    structure.sql is the SQL to apply, so this is said, not refused; said, so that the .rb
    files do not look applied."""
    from dsql_lint.orm.detect import SQL_FROM, kinds_in  # the ORM readers build on Source

    counts: Counter[tuple[str, str]] = Counter()
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and any(path.rglob("*.sql")):
            counts.update(kind for _, kind in kinds_in(path))
    return [
        f"{label} not run ({count} file{'s' * (count != 1)}): apply runs SQL files; "
        f"{SQL_FROM[name]}"
        for (name, label), count in sorted(counts.items())
    ]


def ledger_name(migration: Migration, checksum: str) -> str:
    """A file's identity in the ledger: its file name, not the folder it was found in (so
    `apply db/migrations` and `apply db` see one history). A repeatable file's identity also
    holds its checksum: a changed repeatable is a new entry, and runs again."""
    if migration.role == REPEATABLE:
        return f"{migration.file_name}@{checksum[:12]}"
    return migration.file_name


def plan_file(
    migration: Migration,
    dsql: bool,
    roots: list[Path] | None = None,
    login: tuple[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    *,
    required: bool = True,
) -> FilePlan:
    path = migration.path
    source = read_source(path)
    expanded = expand(source, roots or [Path(path).resolve().parent], variables, required)
    checksum = _sha("\0".join(s.text for s in [source, *expanded.included]), None)
    name = ledger_name(migration, checksum)
    units: list[Unit] = []
    block: list[Step] | None = None
    block_line = 0
    last: Step | None = None
    # Flyway placeholders: the file's own text, with the values Flyway would put in (check
    # reads them masked, never as SQL).
    values = _placeholder_values(source)
    shared = _shared_lines(expanded.statements)
    for index, statement in enumerate(expanded.statements):
        if statement.kind is Kind.COPY_DATA:
            if last is not None:
                last.copy_data = statement.text
                last.copy_line = statement.line
                last.sha256 = _sha(last.text, last.copy_data)
            continue
        parsed = parse(statement)
        kind, _, control = class_of(parsed)
        if control is TxControl.BEGIN:
            block, block_line = [], statement.line
            continue
        if control is not None:
            if block is not None:
                unit = _block_unit(block, rolled_back=control is TxControl.ROLLBACK)
                unit.begin_line = block_line
                units.append(unit)
            block = None
            continue
        original = expanded.source if values is not None and statement.source.path == path else None
        last = _step(parsed, index, name, kind, dsql, original, values, login)
        if (statement.source.path, statement.line) in shared:
            last.column = statement.col
        if block is not None:
            block.append(last)
        else:
            units.append(Unit(_unit_kind(kind), [last]))
    if block is not None:
        raise UserError("BEGIN is never committed: add COMMIT", path, block_line)
    return FilePlan(
        path=path,
        name=name,
        checksum=checksum,
        units=units,
        migration=migration,
        legacy_checksums=_legacy_checksums(source),
        included=expanded.included,
    )


def _placeholder_values(source: Source) -> Placeholders | None:
    """The placeholder settings of a Flyway file; None when it has no placeholder."""
    found = layout(source)
    if found is None or not found.placeholders:
        return None
    return config_values(Path(source.path).resolve().parent)


def _shared_lines(statements: list[Statement]) -> set[tuple[str, int]]:
    """The lines (of a file, included files apart) that hold more than one statement."""
    counts = Counter((s.source.path, s.line) for s in statements if s.kind is not Kind.COPY_DATA)
    return {at for at, count in counts.items() if count > 1}


def _step(
    parsed: Parsed,
    index: int,
    name: str,
    kind: str,
    dsql: bool,
    original: Source | None,
    values: Placeholders | None,
    login: tuple[str, str] | None,
) -> Step:
    """`original`: the file, when its placeholders are to be filled in (the statement was read
    through a view that masks them): the effects are then read from the SQL that runs."""
    statement = parsed.statement
    text = statement.body
    if original is not None and values is not None:
        own = original.text[statement.start : statement.start + len(text)]
        text = substitute(own, values, original.path, statement.line, login)
        if text != statement.body:
            filled = Source(path=original.path, text=text)
            parsed = parse(Statement(filled, statement.index, 0, len(text), statement.line, 1))
    analysis = analyze(parsed) if kind in (DDL, QUERY, OTHER) else Analysis()
    if kind == META:
        sql = None
    elif dsql:
        sql = text
    else:
        sql = postgres_form(text, analysis)
    return Step(
        file=name,
        path=statement.source.path,
        index=index,
        line=statement.line,
        kind=kind,
        text=text,
        sql=sql,
        sha256=_sha(text, None),
        analysis=analysis,
    )


def _block_unit(steps: list[Step], rolled_back: bool) -> Unit:
    if not steps:
        return Unit(SKIP, [], block=True)
    if rolled_back:
        return Unit(SKIP, steps, block=True)
    kinds = [step.kind for step in steps]
    refusal = None
    if mixed(kinds, (DDL, DML)):
        refusal = DDL_WITH_DML
    elif over_limit(kinds, DDL, 1):
        refusal = TWO_DDL
    # Statements sqlglot cannot class (GRANT, DO...) are not refused, but without DML
    # they get the DDL protocol, whose intent row survives a crash.
    catalog = DDL in kinds or (DML not in kinds and OTHER in kinds)
    return Unit(DDL if catalog else DML, steps, block=True, refusal=refusal)


def _unit_kind(kind: str) -> str:
    return {DDL: DDL, OTHER: DDL, DML: DML, QUERY: QUERY, SESSION: SESSION}.get(kind, SKIP)


def _legacy_checksums(source: Source) -> tuple[str, ...]:
    """Of the file's bytes (its encoding and byte-order mark included), as earlier releases
    took them, with the line ends it has, LF or CRLF."""
    lf = LINE_END.sub("\n", source.text)
    variants = {source.text, lf, lf.replace("\n", "\r\n")}
    return tuple(hashlib.sha256(source.encode(v)).hexdigest() for v in variants)


def _sha(text: str, copy_data: str | None) -> str:
    data = text if copy_data is None else f"{text}\n{copy_data}"
    return hashlib.sha256(LINE_END.sub("\n", data).encode("utf-8")).hexdigest()
