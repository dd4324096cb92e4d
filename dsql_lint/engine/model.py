"""A rule as loaded from YAML."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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


_PLACEHOLDER = re.compile(r"<[^<>]+>")
# One name, maybe schema-qualified, with type modifiers and array brackets: (name, brackets).
_ONE_NAME = re.compile(
    r"([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)(?:\s*\([\d\s,]*\))?((?:\s*\[\s*\d*\s*\])*)"
)


@dataclass(frozen=True)
class DsqlAnswer:
    """What an Aurora DSQL cluster answers a statement the rule refuses, as recorded in
    dsql-facts.md ("What the cluster answers"); `<...>` stands for a part that varies."""

    sqlstate: str
    message: str

    def __str__(self) -> str:
        return f"{self.sqlstate} {self.message}"

    def filled(self, written: str | None = None) -> DsqlAnswer:
        """The answer to the finding whose text is `written` (see `fill`)."""
        return DsqlAnswer(self.sqlstate, fill(self.message, written))


def fill(message: str, written: str | None = None) -> str:
    """A recorded answer with its `<...>` parts filled: the one template filler of text, JSON,
    SARIF and explain. For a finding whose text is `written`, a part is filled with it where
    it is one name (a type: `serial4`, `varchar(20)[]`), lower-cased as PostgreSQL prints
    names, without its modifiers; with the alternative it starts with where the part lists
    some (`<SAVEPOINT, RELEASE or ROLLBACK TO>`); else `...` stands for the part that varies.
    With no finding (explain), a part that names what it stands for (`<serial type>`) stays,
    readable, and a bare `<...>` is `...`."""
    if written is None:
        return message.replace("<...>", "...")
    written = re.sub(r"\s+ARRAY\b", "[]", written.strip(), flags=re.IGNORECASE)
    name = _ONE_NAME.fullmatch(written)
    for placeholder in _PLACEHOLDER.finditer(message):
        value = "..."
        alternatives = re.split(r",\s*|\s+or\s+", placeholder.group()[1:-1])
        if len(alternatives) > 1:
            said = " ".join(written.split()).upper()
            value = next((a for a in alternatives if said.startswith(a.upper())), value)
        elif name is not None:
            value = name.group(1).lower()
            if not message.startswith("[]", placeholder.end()):
                value += name.group(2).replace(" ", "")
        message = message.replace(placeholder.group(), value, 1)
    return message


def readable(template: str) -> str:
    """A rule's message template as explain shows it, with no finding to fill it from: each
    `{name}` as `<name>`, as the recorded answers name what varies."""
    return re.sub(r"\{(\w+)\}", r"<\1>", template)


class Origin(NamedTuple):
    """Where a rule is defined: its YAML file and the line of its entry."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


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
    origin: Origin
    fixer: dict[str, Any] = field(default_factory=dict)  # parameters for `dsql-lint fix`
    builtin: bool = True
    dsql: tuple[DsqlAnswer, ...] = ()  # the cluster's own words, where recorded
    # The form is not PostgreSQL's either (`postgres: refuses`): a finding of it stands for
    # the syntax error PostgreSQL's grammar raises inside it (MySQL's MODIFY COLUMN).
    postgres_refuses: bool = False

    def active_on(self, target: dt.date) -> bool:
        """A rule is active for a target date while its restriction was still in force."""
        return self.lifted is None or target < self.lifted
