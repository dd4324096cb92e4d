"""What linting produces: a report per file, and the run's report. Light on purpose (no
parser), so that reports can be rendered from findings kept by an earlier run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dsql_lint.diagnostic import Diagnostic, Severity
from dsql_lint.engine.model import DsqlAnswer, Rule, answer_for
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Kind, Statement

if TYPE_CHECKING:
    from dsql_lint.syntax.parse import Parsed


@dataclass
class FileReport:
    source: Source
    statements: list[Statement]
    parsed: list[Parsed]  # empty when the trees were not kept (parallel or cached runs)
    diagnostics: list[Diagnostic]
    # Each statement's changes to the schema model (lint.schema.Effect lists), in order:
    # what a later run replays when it reuses this file's findings (lint.cache).
    effects: list[Sequence[Any]] = field(default_factory=list)
    # What each statement names (lint.uses.Uses, None where not recorded), in order: what a
    # type change's fix decision reads of the statements after it (fix.dependents.Place).
    uses: Sequence[Any] = ()


@dataclass
class LintReport:
    files: list[FileReport]
    rules: list[Rule]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics]

    def answered(self) -> Iterator[tuple[FileReport, Diagnostic, tuple[DsqlAnswer, ...]]]:
        """Each finding, in its file, with what the cluster answers it: the answer recorded
        for the variant its text is, filled in from its statement. What every format shows."""
        answers = {rule.code: rule.dsql for rule in self.rules}
        for file in self.files:
            text = file.source.text
            unsent = file.source.problem is not None and not file.source.problem.sent
            for diag in file.diagnostics:
                recorded = answers.get(diag.code, ())
                if not recorded or unsent:
                    yield file, diag, ()
                    continue
                start = _statement_start(file, diag)
                written, before = text[diag.start : diag.end], text[start : diag.start]
                yield file, diag, answer_for(recorded, written, before)

    def without(self, paths: set[str]) -> LintReport:
        """The report without the files read only as context (`check --history`)."""
        return LintReport([f for f in self.files if f.source.path not in paths], self.rules)

    @property
    def statements(self) -> int:
        """The SQL statements checked: not psql's meta-commands nor COPY's rows, and of a
        framework file those of the migration, not the BEGIN and COMMIT written for the
        framework's transaction (MappedSource.wrappers)."""
        return sum(
            sum(s.kind is Kind.SQL for s in f.statements) - getattr(f.source, "wrappers", 0)
            for f in self.files
        )

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def _statement_start(file: FileReport, diag: Diagnostic) -> int:
    """Where the finding's statement starts (a finding's answer may spell a part of it
    written before the finding: the type of an identity column)."""
    statements = file.statements
    if 0 <= diag.statement < len(statements):
        statement = statements[diag.statement]
        if statement.index == diag.statement and statement.start <= diag.start:
            return statement.start
    return max(0, diag.start - 4000)
