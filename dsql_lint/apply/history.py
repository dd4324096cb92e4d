"""The migrations on disk against the ledger: which files are edited, out of order, below the
baseline or beyond `--to`, and which ledger rows were written under names or checksums of
earlier releases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from dsql_lint.apply import copybatch, ledger
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.ledger import APPLIED, SKIPPED, STARTED, FileRow, LedgerState, StatementRow
from dsql_lint.apply.migrations import (
    BASELINE,
    PLAIN,
    REPEATABLE,
    VERSIONED,
    Migration,
    Version,
    classify,
    format_version,
    parse_version,
    version_of_name,
)
from dsql_lint.apply.plan import FilePlan, Step

# `baseline --version V` records this row: versions up to V count as applied.
BASELINE_MARKER = "<< baseline "


def baseline_marker(version: Version) -> str:
    return f"{BASELINE_MARKER}{format_version(version)} >>"


@dataclass
class Adoption:
    """Ledger rows of earlier releases to bring to today's identities."""

    renames: list[tuple[str, str]] = field(default_factory=list)  # (old name, new name)
    checksums: list[FilePlan] = field(default_factory=list)  # recorded with CRLF line ends

    def __bool__(self) -> bool:
        return bool(self.renames or self.checksums)


def adopt(plans: list[FilePlan], state: LedgerState) -> tuple[LedgerState, Adoption]:
    """The state as today's release names it, and what to write to make the ledger agree.

    Earlier releases named a file by its path under the folder given (`migrations/V1__a.sql`
    for `apply db`), recorded the checksum of the text with its CRLF line ends, and recorded
    repeatable files without their checksum. A file renamed without changing its version and
    description (`V1__a.sql` to `V001__a.sql`) is the same migration, and takes its history.
    """
    adoption = Adoption()
    files = dict(state.files)
    statements = dict(state.statements)
    by_file: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for file, index in statements:
        by_file[file].append((file, index))
    by_identity: dict[tuple, list[str]] = defaultdict(list)
    for name in files:
        by_identity[_identity(classify(PurePosixPath(name.split("@", 1)[0]).name))].append(name)
    for plan in plans:
        if plan.name in files:
            row = files[plan.name]
        else:
            old = _legacy_name(plan, files, by_identity)
            if old is None:
                continue
            adoption.renames.append((old, plan.name))
            row = files.pop(old)
            files[plan.name] = replace(row, name=plan.name)
            for key in by_file.get(old, []):
                moved = statements.pop(key)
                statements[(plan.name, key[1])] = replace(moved, file=plan.name)
            row = files[plan.name]
        if row.checksum != plan.checksum and row.checksum in plan.legacy_checksums:
            adoption.checksums.append(plan)
            files[plan.name] = replace(row, name=plan.name, checksum=plan.checksum)
            for step in plan.steps:
                key = (plan.name, step.index)
                if key in statements:
                    statements[key] = replace(statements[key], sha256=step.sha256)
    return LedgerState(files, statements), adoption


def persist(conn: Any, adoption: Adoption) -> None:
    """Write an adoption, a transaction per file (DSQL's 3,000 rows are per transaction).
    An interrupted adoption is finished by the next run, which finds the rest as it was."""
    for old, new in adoption.renames:
        with conn.transaction():
            ledger.rename_file(conn, old, new)
    for plan in adoption.checksums:
        with conn.transaction():
            shas = {step.index: step.sha256 for step in plan.steps}
            ledger.set_checksums(conn, plan.name, plan.checksum, shas)


def _identity(migration: Migration) -> tuple:
    """What makes two names one migration: the role, version and description (the file name
    for unversioned files), so `V01__a.sql`, `V1__a.sql` and `0001_a.up.sql` are one."""
    if migration.role == PLAIN:
        return (PLAIN, migration.file_name)
    return (migration.role, migration.version, migration.description)


def _legacy_name(
    plan: FilePlan, files: dict[str, FileRow], by_identity: dict[tuple, list[str]]
) -> str | None:
    for name in by_identity.get(_identity(plan.migration), []):
        if name == plan.name or name not in files:
            continue
        if plan.role != REPEATABLE:
            return name
        if files[name].checksum in (plan.checksum, *plan.legacy_checksums):
            return name  # a repeatable recorded before identities held its checksum
    return None


def edit_of(plan: FilePlan, state: LedgerState) -> str | None:
    """Why `plan` no longer matches what ran, if it does not.

    A finished file must not change (Flyway's rule). In an unfinished file, only statements
    that ran (or may have run) must be unchanged: correcting the failed statement, or any
    after it, is how a failed migration is fixed.
    """
    row = state.files.get(plan.name)
    if row is None or row.checksum == plan.checksum:
        return None
    if row.applied:
        return (
            f"{plan.path} was edited after it was applied (ledger name {plan.name!r}, "
            f"checksum {row.checksum[:12]}... recorded, {plan.checksum[:12]}... on disk)"
        )
    steps = {step.index: step for step in plan.steps}
    for (file, index), statement in sorted(state.statements.items()):
        if file != plan.name or statement.status not in (APPLIED, SKIPPED, STARTED):
            continue
        step = steps.get(index)
        part_way = statement.status == STARTED and statement.rows_done
        if step is not None and part_way and copied_rows_unchanged(step, statement):
            continue  # a COPY part-way: the rows not yet copied may change
        if step is None or step.sha256 != statement.sha256:
            where = step.where if step else f"{plan.path} (statement {index})"
            return (
                f"{where} was edited after it was {statement.status} (ledger name "
                f"{plan.name!r}): only the statements that did not run may change"
            )
    return None


def copied_rows_unchanged(step: Step, row: StatementRow) -> bool:
    """Are the statement and the rows a batched COPY committed as they were?"""
    if step.copy_data is None or row.rows_done is None:
        return False
    rows = copybatch.rows_of(step.text, step.copy_data)
    return row.rows_done <= len(rows) and rows.progress_sha(row.rows_done) == row.rows_sha256


def check_edits(plans: list[FilePlan], state: LedgerState) -> None:
    for plan in plans:
        if why := edit_of(plan, state):
            raise ApplyError(
                f"{why}: restore it and put the change in a new migration file, or accept "
                f"the edit with `dsql-lint repair --accept-edits {plan.path}`"
            )


def baseline_version(state: LedgerState) -> Version | None:
    """The version below which files count as applied: a `baseline` marker, or a baseline
    (`B`) file a run chose (finished or not: an interrupted one is resumed, never replaced by
    the versioned files it stands for)."""
    versions = []
    for name in state.files:
        if name.startswith(BASELINE_MARKER):
            versions.append(parse_version(name[len(BASELINE_MARKER) :].rstrip(" >")))
        elif (found := version_of_name(name))[0] == BASELINE and found[1]:
            versions.append(found[1])
    return max(versions, default=None)


def highest_applied(state: LedgerState) -> Version | None:
    versions = [
        version
        for name in state.files
        for role, version in [version_of_name(name)]
        if role in (VERSIONED, BASELINE) and version is not None
    ]
    baseline = baseline_version(state)
    return max([*versions, *([baseline] if baseline else [])], default=None)


def out_of_order(plans: list[FilePlan], state: LedgerState) -> list[FilePlan]:
    """New versioned files below the highest version the target has seen."""
    highest = highest_applied(state)
    baseline = baseline_version(state)
    return [
        plan
        for plan in plans
        if highest is not None
        and plan.role == VERSIONED
        and plan.name not in state.files
        and plan.version is not None
        and plan.version < highest
        and not (baseline is not None and plan.version <= baseline)
    ]


def select(
    plans: list[FilePlan],
    state: LedgerState,
    to: Version | None = None,
    allow_out_of_order: bool = False,
) -> list[FilePlan]:
    """The files a run goes through, in order (the executor skips what is already applied).

    Versioned files at or below the baseline are not run; nor those above `to`. On a target
    with no versioned history, the highest baseline (`B`) file stands for the versioned files
    up to its version, as in Flyway. A new file below the highest applied version is refused
    unless `allow_out_of_order`.
    """
    baseline = baseline_version(state)
    chosen_b: FilePlan | None = None
    if baseline is None and highest_applied(state) is None:
        candidates = [p for p in plans if p.role == BASELINE and (to is None or p.version <= to)]
        chosen_b = max(candidates, key=lambda p: p.version or (), default=None)
        baseline = chosen_b.version if chosen_b else None
    late = [] if allow_out_of_order else out_of_order(plans, state)
    late = [p for p in late if to is None or (p.version is not None and p.version <= to)]
    if late:
        names = ", ".join(p.path for p in late)
        raise ApplyError(
            f"out of order: {names} has a version below the highest applied "
            f"({format_version(highest_applied(state) or ())}); apply it with --out-of-order, "
            "or give it a higher version"
        )
    selected = []
    for plan in plans:
        if plan.role == BASELINE:
            if plan is chosen_b or plan.name in state.files:
                selected.append(plan)
            continue
        if plan.role == VERSIONED and plan.version is not None:
            if to is not None and plan.version > to:
                continue
            below = baseline is not None and plan.version <= baseline
            if below and plan.name not in state.files:
                continue
        selected.append(plan)
    return selected


@dataclass(frozen=True)
class Problem:
    kind: str  # edited, missing, failed, interrupted, pending, outdated, out of order
    name: str  # the file as shown: its path (the one it ran from, when it is missing)
    detail: str
    ledger_name: str | None = None  # a missing file's name in the ledger

    @property
    def remedy(self) -> str:
        """The command that clears the problem, as Flyway's validate names repair."""
        if self.kind == "edited":
            return (
                "restore it and put the change in a new migration file, or accept the edit "
                f"with `dsql-lint repair --accept-edits {self.name}`"
            )
        if self.kind == "missing":
            return "put the file back, or let `dsql-lint repair` record it as deleted"
        if self.kind == "failed":
            return (
                "correct the statement, then `dsql-lint repair` removes the failed row and "
                "`dsql-lint apply` runs it again"
            )
        if self.kind == "out of order":
            return "`dsql-lint apply --out-of-order` applies it, or give it a higher version"
        if self.kind == "outdated":
            return "`dsql-lint apply` runs it again"
        return "`dsql-lint apply` runs it"  # pending, interrupted


def missing(plans: list[FilePlan], state: LedgerState) -> list[str]:
    """The ledger names of files the ledger has and the folder no longer has."""
    current = {plan.name for plan in plans}
    repeatables = {plan.migration.file_name for plan in plans if plan.role == REPEATABLE}
    found = []
    for name in sorted(state.files):
        if name in current or name.startswith(BASELINE_MARKER) or state.files[name].deleted:
            continue
        if "@" in name and name.split("@", 1)[0] in repeatables:
            continue  # an earlier version of a repeatable file: history, not missing
        found.append(name)
    return found


def missing_problems(plans: list[FilePlan], state: LedgerState) -> list[Problem]:
    """The files the ledger has and the folder no longer has, by the path each ran from."""
    found = []
    for name in missing(plans, state):
        # A ledger written before paths were recorded knows the file by its name only.
        path = state.files[name].path
        detail = "in the ledger, not in the folder"
        if path and path != name:
            detail = f"in the ledger as {name}, not in the folder"
        found.append(Problem("missing", path or name, detail, name))
    return found


def outdated(plan: FilePlan, state: LedgerState) -> bool:
    """A repeatable file changed since a version of it ran (Flyway's "Outdated"): its new
    checksum is a new ledger entry, which apply runs again."""
    if plan.role != REPEATABLE or _done(plan, state):
        return False
    earlier = f"{plan.migration.file_name}@"
    return any(
        name.startswith(earlier) and name != plan.name and row.applied and not row.deleted
        for name, row in state.files.items()
    )


def problems(plans: list[FilePlan], state: LedgerState) -> list[Problem]:
    """What keeps the target from matching the folder (`validate`)."""
    found = missing_problems(plans, state)
    late = set(map(id, out_of_order(plans, state)))
    selected = {id(plan) for plan in select(plans, state, allow_out_of_order=True)}
    for plan in plans:
        if why := edit_of(plan, state):
            found.append(Problem("edited", plan.path, why))
        said = len(found)
        for step in plan.steps:
            row = state.statements.get((plan.name, step.index))
            if row is not None and row.status == "failed":
                found.append(Problem("failed", step.where, row.error or "failed"))
            elif row is not None and row.status == STARTED and row.rows_done:
                total = len(copybatch.rows_of(step.text, step.copy_data or ""))
                detail = f"COPY: {copybatch.committed(row.rows_done, total)}: run apply to continue"
                found.append(Problem("interrupted", step.where, detail))
            elif row is not None and row.status == STARTED:
                found.append(Problem("interrupted", step.where, "run apply to reconcile it"))
        if id(plan) in late:
            found.append(Problem("out of order", plan.path, "below the highest applied version"))
        # A file that failed or stopped part-way is said so, as status says: not also pending.
        elif id(plan) in selected and not _done(plan, state) and len(found) == said:
            if outdated(plan, state):
                found.append(Problem("outdated", plan.path, "changed since it was applied"))
            else:
                found.append(Problem("pending", plan.path, "not applied yet"))
    return found


def _done(plan: FilePlan, state: LedgerState) -> bool:
    row = state.files.get(plan.name)
    if row is not None and row.applied:
        return True
    return all(state.status(plan.name, step.index) in (APPLIED, SKIPPED) for step in plan.steps)
