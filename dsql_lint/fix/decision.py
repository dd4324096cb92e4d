"""Each finding's fix decision, made once while linting: the rule's fixer judges the finding
(fix.actions.Action.judge), the finding carries the result (`Diagnostic.fix`), `check` prints
it and `fix` applies the finding's fix with that safety, or leaves the finding.

Most fixers fix every finding of their rule with the rule's `fix:`; a few decide per finding
(DSQL101 rewrites a BIGSERIAL column safely and a SERIAL one unsafely, DSQL302 removes USING
btree but leaves USING gin alone), for the user's choices (`check`: the defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.syntax.split import Statement

if TYPE_CHECKING:
    from dsql_lint.fix.actions import Action


class FixJudge:
    """A settings.LintOptions.fix_judge. The fix machinery is imported on the first finding of
    a rule with a fixer, in the process that lints it (a parallel worker, say), not at
    start-up."""

    def __init__(self, choices: Mapping[str, str] | None = None) -> None:
        self.choices = choices
        # Rule code -> its fixer, if that decides per finding.
        self.fixers: dict[str, Action | None] = {}
        self.known: dict[tuple[str, int, str, str], FixAvailability | None] = {}

    def __call__(
        self, rule: Rule, statement: Statement, start: int, end: int
    ) -> FixAvailability | None:
        if rule.code not in self.fixers:
            self.fixers[rule.code] = _deciding_fixer(rule)
        fixer = self.fixers[rule.code]
        if fixer is None:
            return None
        # The decision depends on the finding's text, its place in its statement (which column
        # of several `text[]` ones: one may have a CHECK) and the statement (an ADD COLUMN
        # cannot take what a CREATE TABLE can).
        text = statement.source.text
        key = (rule.code, start - statement.start, text[start:end], statement.text)
        if key in self.known:
            return self.known[key]
        from dsql_lint.fix.actions import DEFAULT_CHOICES
        from dsql_lint.syntax.tokens import Tokens

        found = fixer.judge(Tokens(statement, start, end), self.choices or DEFAULT_CHOICES)
        if len(self.known) > 10_000:
            self.known.clear()
        self.known[key] = found
        return found


def _deciding_fixer(rule: Rule) -> Action | None:
    from dsql_lint.fix.fixers import fixer_for

    fixer = fixer_for(rule)
    return fixer if fixer is not None and fixer.per_finding else None
