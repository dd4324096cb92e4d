"""Running `fix` in tests, and checking the guarantees every fix must keep."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.engine.loader import parse_date
from dsql_lint.fix.actions import DEFAULT_CHOICES
from dsql_lint.fix.decision import FixJudge
from dsql_lint.fix.engine import MAX_PASSES, Fixer, FixOptions, FixResult
from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.report.model import FileReport
from dsql_lint.settings import LintOptions, active_rules
from dsql_lint.syntax.source import Source, decode

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
HEADER = re.compile(r"^--\s*dsql-lint:\s*(.*)$")


@dataclass(frozen=True)
class Case:
    """How a fixture is fixed, from its first line:
    `-- dsql-lint: target=2025-05 assume-in-transaction unsafe-fixes serial-to=uuid from=mysql`."""

    target: dt.date | None = None
    assume_in_transaction: bool = False
    unsafe: bool = False
    choices: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CHOICES))
    dialect: str | None = None
    rule_dirs: tuple[Path, ...] = ()  # user rules besides the built-in ones


def case_of(text: str) -> Case:
    first = text.splitlines()[0] if text else ""
    match = HEADER.match(first)
    words = match.group(1).split() if match else []
    values = dict(w.split("=", 1) for w in words if "=" in w)
    choices = {k: values.get(k, v) for k, v in DEFAULT_CHOICES.items()}
    written = values.get("target", "latest")
    target = None if written in ("latest", "today") else parse_date(written)
    return Case(
        target,
        "assume-in-transaction" in words,
        "unsafe-fixes" in words,
        choices,
        values.get("from"),
    )


def fixer(case: Case, unsafe: bool | None = None) -> Fixer:
    lint = LintOptions(
        target=case.target,
        assume_in_transaction=case.assume_in_transaction,
        rule_dirs=case.rule_dirs,
    )
    # An action that fails is reported in FixResult.errors, which assert_guarantees reads.
    options = FixOptions(unsafe=case.unsafe if unsafe is None else unsafe, choices=case.choices)
    return Fixer(active_rules(lint), options, lint)


def load(path: Path) -> Source:
    """A fixture as `fix` reads it: bytes decoded, the BOM set aside, CRLF kept."""
    return decode(str(path), path.read_bytes())


def fix_source(source: Source, case: Case | None = None, unsafe: bool | None = None) -> FixResult:
    return fixer(case or case_of(source.text), unsafe).fix_source(source)


def fix_text(
    text: str, case: Case | None = None, unsafe: bool | None = None, path: str = "t.sql"
) -> FixResult:
    return fix_source(Source(path, text), case, unsafe)


def parse_errors(report: FileReport) -> list[str]:
    """The statements that did not parse, as text."""
    return [p.statement.text for p in report.parsed if p.error is not None]


def assert_preserved(result: FixResult) -> None:
    """Every character outside the edits of each pass is unchanged: the text between edits
    appears in the output, in order, with only the edits' own text in between."""
    for step in result.passes:
        edits = sorted((e for fix in step.fixes for e in fix.edits), key=lambda e: (e.start, e.end))
        before, after = step.before, step.after
        pos_before = pos_after = 0
        for edit in edits:
            kept = before[pos_before : edit.start]
            assert after.startswith(kept, pos_after), f"text before offset {edit.start} changed"
            pos_after += len(kept)
            assert after.startswith(edit.text, pos_after)
            pos_after += len(edit.text)
            pos_before = edit.end
        assert after[pos_after:] == before[pos_before:], "text after the last edit changed"


def assert_guarantees(
    result: FixResult, unsafe: bool, case: Case | None = None, guarded: int | None = 0
) -> None:
    """The output parses where the input did, nothing fixable is left, the edits kept
    everything else. `guarded`: the fixes the guard is expected to withdraw (a test's own
    rule that check's decision cannot know); None: any number."""
    assert_preserved(result)
    assert_promises_kept(result, unsafe, case or case_of(result.source.text), guarded)
    assert_explained(result, unsafe, case or case_of(result.source.text))
    new = set(parse_errors(result.report)) - set(parse_errors(result.first))
    assert not new, f"the fix made statements that do not parse: {sorted(new)[:3]}"
    assert result.converged, (
        f"fixing did not settle ({result.stopped}, {len(result.passes)} passes)"
    )
    assert len(result.passes) <= MAX_PASSES
    assert not result.errors, result.errors


def checked(source: Source, case: Case) -> FileReport:
    """The findings of `check` on the file, each with the fix decision it prints (for the
    case's choices), as check.py makes them: the lint, then the decision on the whole run."""
    judge = FixJudge(case.choices)
    lint = LintOptions(
        target=case.target,
        assume_in_transaction=case.assume_in_transaction,
        rule_dirs=case.rule_dirs,
        fix_judge=judge,
    )
    return judge.settle_run(lint_sources([source], lint), lint).files[0]


def assert_promises_kept(
    result: FixResult, unsafe: bool, case: Case, guarded: int | None = 0
) -> None:
    """What `check` marks fixable for the mode is what `fix` fixes: every such finding is
    gone, each of the `guarded` ones whose fix the guard withdrew (which check cannot know)
    saying so (fix: none, with its note). Counted by rule, since fixes move the others; and
    nothing left is still marked fixable. `fix` reads the same decision as check on the file
    as read."""
    check = checked(result.source, case)
    decisions = [(d.code, d.start, d.fix, d.fix_note) for d in check.diagnostics]
    assert [(d.code, d.start, d.fix, d.fix_note) for d in result.first.diagnostics] == decisions
    fixed = {FixAvailability.SAFE, FixAvailability.UNSAFE} if unsafe else {FixAvailability.SAFE}
    promised = [f"{d.line}: {d.code} ({d.fix.value})" for d in result.remaining if d.fix in fixed]
    assert not promised, f"marked fixable after fix: {promised[:5]}"
    unfixable = Counter(d.code for d in check.diagnostics if d.fix not in fixed)
    # Every fix check promised on DSQL's and PostgreSQL's own rules is one fix keeps: the
    # decision knows what a later statement cannot take, and the guard withdraws only the one
    # edit that made its statement worse.
    if guarded is not None:
        withdrawals = sorted(result.declined)
        assert len(withdrawals) == guarded, f"withdrawn by the guard: {withdrawals}"
    withdrawn = Counter(code for code, _ in result.declined)
    # Rules check promised something of: a statement a fix makes visible to another rule
    # (PostgreSQL's grammar once the rule that hid its error is fixed) broke no promise.
    promising = {d.code for d in check.diagnostics if d.fix in fixed}
    left = Counter(d.code for d in result.remaining if d.code in promising)
    broken = left - unfixable - withdrawn
    assert not broken, f"marked fixable by check, left by fix: {dict(broken)}"
    unexplained = [
        f"{d.line}: {d.code}"
        for d in result.remaining
        if (d.code, d.start) in result.declined and not d.fix_note
    ]
    assert not unexplained, f"withdrawn without a note: {unexplained}"


def assert_explained(result: FixResult, unsafe: bool, case: Case) -> None:
    """Every finding fix leaves either has no fixer at all (check says `fix: none`, and
    nothing more) or says why it is left: its note (check's `fix: none: ...` line and fix's
    "not fixed: ..." line), or its fix waits for --unsafe-fixes."""
    lint = LintOptions(target=case.target, rule_dirs=case.rule_dirs)
    fixable = {r.code for r in active_rules(lint) if r.fixer}
    silent = [
        f"{d.line}: {d.code} ({d.fix.value}) {d.message[:60]}"
        for d in result.remaining
        if d.code in fixable
        and not d.fix_note
        and not (not unsafe and d.fix is FixAvailability.UNSAFE)
    ]
    assert not silent, f"left by fix without saying why: {silent[:5]}"


def assert_idempotent(result: FixResult, case: Case, unsafe: bool | None = None) -> None:
    # At the same path: a framework's file (a Prisma migration.sql) is read as it runs.
    again = fix_text(result.text, case, unsafe, path=result.source.path)
    assert again.text == result.text
    assert not again.passes


def check_file(path: str, unsafe: bool = True) -> list[str]:
    """The guarantees broken by fixing one file, as messages (for worker processes)."""
    import traceback

    from dsql_lint.errors import UserError

    try:
        source = load(Path(path))
        case = Case(unsafe=unsafe)
        result = fix_source(source, case)
        assert_guarantees(result, unsafe, case)
    except UserError as err:  # not valid UTF-8, say: nothing to fix
        return [] if "UTF-8" in str(err) else [str(err)]
    except AssertionError as err:
        return [str(err)[:2000]]
    except Exception:
        return [traceback.format_exc(limit=8)]
    return []


def fix_case(path: Path) -> tuple[Source, FixResult]:
    """A fixture fixed as its header says, translated first with `from=DIALECT`."""
    from dsql_lint.fix.translate import translator

    source = load(path)
    case = case_of(source.text)
    if case.dialect:
        source = translator(case.dialect, case.unsafe)(source).target
    return source, fix_source(source, case)
