"""What `check` shows as a finding's fix when the rule's fixer decides it finding by finding.

Most fixers fix every finding of their rule with the rule's safety (its `fix:`). A few decide
per finding: DSQL101 rewrites a BIGSERIAL column safely and a SERIAL one unsafely, DSQL302
removes USING btree but leaves USING gin alone. For those, linting asks the fixer what
`dsql-lint fix` would do with the given choices (the defaults for `check`), judged from the
finding's text: the `fix:` line and the summary's counts then say what `fix` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.syntax.split import Statement

if TYPE_CHECKING:
    from dsql_lint.fix.actions import Action


class FixJudge:
    """A lint.LintOptions.fix_judge. The fix machinery is imported on the first finding that
    needs it, in the process that has it (a parallel worker, say), not at start-up."""

    def __init__(self, choices: Mapping[str, str] | None = None) -> None:
        self.choices = choices
        self.fixers: dict[str, Action | None] = {}
        self.known: dict[tuple[str, str], FixAvailability | None] = {}

    def __call__(
        self, rule: Rule, statement: Statement, start: int, end: int
    ) -> FixAvailability | None:
        # The answer depends on the text alone, and the same texts recur (`bigserial`).
        key = (rule.code, statement.source.text[start:end])
        if key in self.known:
            return self.known[key]
        span = replace(statement, start=start, end=end)
        from dsql_lint.fix.actions import DEFAULT_CHOICES
        from dsql_lint.fix.fixers import fixer_for

        if rule.code not in self.fixers:
            self.fixers[rule.code] = fixer_for(rule)
        fixer = self.fixers[rule.code]
        found = fixer.availability(span, self.choices or DEFAULT_CHOICES) if fixer else None
        if len(self.known) > 10_000:
            self.known.clear()
        self.known[key] = found
        return found
