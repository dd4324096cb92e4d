"""A rule as loaded from YAML."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from dsql_lint.diagnostic import FixAvailability, Severity


class Scope(enum.Enum):
    NODE = "node"  # any node of a statement's tree
    STATEMENT = "statement"  # the root of a statement's tree (or its raw text)
    TRANSACTION = "transaction"  # the statements of one transaction block
    CATALOG = "catalog"  # a node, checked against the schema read so far


@dataclass(frozen=True)
class Evidence:
    source: str
    date: str
    fact: str


@dataclass(frozen=True)
class Docs:
    why: str
    bad: str
    good: str | None


@dataclass(frozen=True)
class DsqlAnswer:
    """What an Aurora DSQL cluster answers a statement the rule refuses, as recorded in
    dsql-facts.md ("What the cluster answers"); `<...>` stands for a part that varies."""

    sqlstate: str
    message: str

    def __str__(self) -> str:
        return f"{self.sqlstate} {self.message}"


# Fixer parameters that make its fix depend on the finding (fix.actions.Action.per_finding).
FIXER_PER_FINDING_KEYS = frozenset({"safe-when", "only", "safe-for", "unless"})


@dataclass(frozen=True, eq=False)
class Rule:
    code: str
    name: str
    severity: Severity
    scope: Scope
    message: str
    suggestion: str | None
    fix: FixAvailability
    match: dict[str, Any]  # the raw `match` mapping; compiled by engine.compile
    evidence: tuple[Evidence, ...]
    lifted: dt.date | None
    docs: Docs
    origin: str  # "file:line" where the rule is defined
    fixer: dict[str, Any] = field(default_factory=dict)  # parameters for `dsql-lint fix`
    builtin: bool = True
    dsql: tuple[DsqlAnswer, ...] = ()  # the cluster's own words, where recorded

    @property
    def fix_per_finding(self) -> bool:
        """Whether its fixer decides finding by finding whether, and how safely, it fixes
        (a BIGSERIAL column safely, a SERIAL one not; USING btree but not USING gin): `check`
        then asks the fixer rather than showing the rule's `fix:`."""
        return not FIXER_PER_FINDING_KEYS.isdisjoint(self.fixer)

    def active_on(self, target: dt.date) -> bool:
        """A rule is active for a target date while its restriction was still in force."""
        return self.lifted is None or target < self.lifted
