"""The plan: files in migration order, cut into units, each unit one transaction on the target.

A unit is a BEGIN...COMMIT block, or one statement outside blocks. DSQL's transaction rules
(dsql-facts.md, Transactions: one DDL per transaction, never DDL with DML) are checked on the
plan, so a block DSQL would refuse is refused before any of it runs, on every target.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from dsql_lint.apply.ddl import Analysis, AsyncJob, analyze, postgres_form
from dsql_lint.errors import UserError
from dsql_lint.lint.classify import (
    DDL,
    DML,
    META,
    OTHER,
    QUERY,
    SESSION,
    classify,
    mixed,
    over_limit,
)
from dsql_lint.syntax.parse import Parsed, parse
from dsql_lint.syntax.source import STDIN, expand_paths, read_source
from dsql_lint.syntax.split import Kind, TxControl, split

SKIP = "skip"  # a unit with nothing to run: an empty or rolled-back block, a meta-command
# Refusals as DSQL words them (dsql-facts.md, Transactions).
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

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def first_line(self) -> str:
        lines = self.text.strip().splitlines()
        return lines[0] if lines else ""

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


@dataclass(eq=False)
class FilePlan:
    path: str
    name: str
    checksum: str
    units: list[Unit]

    @property
    def steps(self) -> list[Step]:
        return [step for unit in self.units for step in unit.steps]


def build_plans(paths: list[str], dsql: bool) -> list[FilePlan]:
    plans: list[FilePlan] = []
    seen: dict[str, str] = {}
    for path, name in ledger_names(paths):
        if name in seen:
            raise UserError(f"{path} and {seen[name]} have the same migration name {name!r}")
        seen[name] = path
        plans.append(plan_file(path, name, dsql))
    return plans


def ledger_names(paths: list[str]) -> list[tuple[str, str]]:
    """(path, name): a file is named relative to the folder given, or by its base name.

    Names, not paths, identify migrations in the ledger, so running from another directory
    (or a CI checkout) finds the same history.
    """
    out: list[tuple[str, str]] = []
    for raw in paths:
        if raw == STDIN:
            raise UserError(
                "apply needs migration files: standard input has no name for the ledger"
            )
        root = Path(raw)
        for path in expand_paths([raw]):
            name = Path(path).relative_to(root).as_posix() if root.is_dir() else Path(path).name
            out.append((path, name))
    return out


def plan_file(path: str, name: str, dsql: bool) -> FilePlan:
    source = read_source(path)
    checksum = hashlib.sha256(source.encode()).hexdigest()
    units: list[Unit] = []
    block: list[Step] | None = None
    block_line = 0
    last: Step | None = None
    for statement in split(source):
        if statement.kind is Kind.COPY_DATA:
            if last is not None:
                last.copy_data = statement.text
                last.sha256 = _sha(last.text, last.copy_data)
            continue
        parsed = parse(statement)
        kind, _, control = classify(parsed)
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
        last = _step(parsed, name, path, kind, dsql)
        if block is not None:
            block.append(last)
        else:
            units.append(Unit(_unit_kind(kind), [last]))
    if block is not None:
        raise UserError("BEGIN is never committed: add COMMIT", path, block_line)
    return FilePlan(path=path, name=name, checksum=checksum, units=units)


def _step(parsed: Parsed, name: str, path: str, kind: str, dsql: bool) -> Step:
    statement = parsed.statement
    text = statement.body
    analysis = analyze(parsed) if kind in (DDL, QUERY, OTHER) else Analysis()
    if kind == META:
        sql = None
    elif dsql:
        sql = text
    else:
        sql = postgres_form(text, analysis)
    return Step(
        file=name,
        path=path,
        index=statement.index,
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


def _sha(text: str, copy_data: str | None) -> str:
    data = text if copy_data is None else f"{text}\n{copy_data}"
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
