"""A rule as loaded from YAML."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dsql_lint.diagnostic import FixAvailability, Severity
from dsql_lint.syntax.pg_types import canonical


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
    dsql-facts.md ("What the cluster answers"); `<...>` stands for a part that varies. A
    rule whose statements get different answers keys each by the words of its statements
    (`when`); a part a finding's statement spells is read from it (`take`)."""

    sqlstate: str
    message: str  # empty where the facts record the SQLSTATE alone
    # The words this answer is for (`AS ENUM`, `ALTER TYPE ... RENAME`): a finding whose
    # text holds them gets it; None: any finding of the rule.
    when: str | None = None
    # (part, regex, before): the regex's first group spells <part>, searched in the finding's
    # text (`LANGUAGE (\w+)`), or, `before`, its last match in the statement's text before
    # the finding (the type written before an identity column's GENERATED).
    take: tuple[tuple[str, str, bool], ...] = ()

    def __str__(self) -> str:
        return f"{self.sqlstate} {self.message}".rstrip()

    def described(self, quote: str = "") -> str:
        """The answer as explain lists it among its rule's, with the words it is for."""
        said = f"{quote}{self.sqlstate}{quote}"
        if self.message:
            said += f" {quote}{self.message}{quote}"
        return f"{said} (for {quote}{self.when}{quote})" if self.when else said

    def applies(self, written: str) -> bool:
        return self.when is None or words_pattern(self.when).search(written) is not None

    def filled(self, written: str | None = None, before: str = "") -> DsqlAnswer:
        """The answer to the finding whose text is `written`, after `before` in its statement
        (see `fill`)."""
        taken = {}
        for part, regex, earlier in self.take:
            found = None if written is None else _last(regex, before if earlier else written)
            if found is not None:
                taken[part] = found
        return DsqlAnswer(self.sqlstate, fill(self.message, written, taken), self.when)


def answer_for(
    recorded: tuple[DsqlAnswer, ...], written: str, before: str = ""
) -> tuple[DsqlAnswer, ...]:
    """What the cluster answers one finding: the first recorded answer keyed by words its
    text holds, else by words its statement holds up to it (`CREATE` before a MATERIALIZED
    found in it), else the one not keyed; filled in from them. None where no answer is for
    it (the facts record none for that variant)."""
    keyed = [a for a in recorded if a.when is not None]
    chosen = next((a for a in keyed if a.applies(written)), None)
    if chosen is None and before:
        chosen = next((a for a in keyed if a.applies(before + written)), None)
    if chosen is None:
        chosen = next((a for a in recorded if a.when is None), None)
    return () if chosen is None else (chosen.filled(written, before),)


@functools.cache
def words_pattern(words: str) -> re.Pattern[str]:
    """A `when:` key as a pattern: its words in order, any spacing, case-insensitive; `...`
    for any text between them, `^` for the start."""
    parts = []
    for word in words.split():
        if word == "...":
            parts.append(".*?")
        elif word == "^":  # at the start of the finding's text (of its statement, before it)
            parts.append("^")
        elif word[0].isalnum() or word[0] == "_":
            parts.append(rf"\b{re.escape(word)}\b")
        else:
            parts.append(re.escape(word))
    return re.compile(r"\s*".join(parts), re.IGNORECASE | re.DOTALL)


def _last(regex: str, text: str) -> str | None:
    value = None
    for match in re.finditer(regex, text, re.IGNORECASE):
        value = match.group(1)
    if value is None:
        return None
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    return value.lower()


def fill(message: str, written: str | None = None, taken: dict[str, str] | None = None) -> str:
    """A recorded answer with its `<...>` parts filled: the one template filler of text, JSON,
    SARIF and explain. A part is filled with what its answer's `take` read from the statement
    (`taken`). Else, for a finding whose text is `written`: `<type>` with the type PostgreSQL
    names it (`pg_types.canonical`: `_int4` and `int[]` are `integer[]`); another part with
    the text where it is one name, lower-cased as PostgreSQL prints names, without its
    modifiers; with the alternative it starts with where the part lists some (`<SAVEPOINT,
    RELEASE or ROLLBACK TO>`); else `...` stands for the part that varies. With no finding
    (explain), a part that names what it stands for (`<serial type>`) stays, readable, and a
    bare `<...>` is `...`."""
    if written is None:
        return message.replace("<...>", "...")
    taken = taken or {}
    written = re.sub(r"\s+ARRAY\b", "[]", written.strip(), flags=re.IGNORECASE)
    name = _ONE_NAME.fullmatch(written)
    for placeholder in _PLACEHOLDER.finditer(message):
        part = placeholder.group()[1:-1]
        bare = message.startswith("[]", placeholder.end())  # the template writes the []
        value = taken.get(part)
        if value is not None and part == "type":
            value = canonical(value) or value
        elif value is None and part == "type":
            value = canonical(written)
            if value is not None and bare:
                value = value.removesuffix("[]")
        if value is not None:
            message = message.replace(placeholder.group(), value, 1)
            continue
        value = "..."
        alternatives = re.split(r",\s*|\s+or\s+", part)
        if len(alternatives) > 1:
            said = " ".join(written.split()).upper()
            value = next((a for a in alternatives if said.startswith(a.upper())), value)
        elif name is not None:
            value = name.group(1).lower()
            if not bare:
                value += name.group(2).replace(" ", "")
        message = message.replace(placeholder.group(), value, 1)
    return message


class Worded(NamedTuple):
    """A message or help written for the findings whose text holds the words `when` (`^ DROP
    TABLESPACE`), or, for a key that starts with `...`, whose statement up to and with them
    holds them (`... pg_settings` before the setting's name)."""

    when: str
    text: str


def worded(default: str, variants: tuple[Worded, ...], written: str, before: str) -> str:
    """The first variant whose words the finding holds, else the default: the words a finding
    says fit its statement."""
    for variant in variants:
        text = before + written if variant.when.startswith("...") else written
        if words_pattern(variant.when).search(text):
            return variant.text
    return default


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
    # The message and help for some statements of the rule (`when:`), before the defaults.
    message_when: tuple[Worded, ...] = ()
    suggestion_when: tuple[Worded, ...] = ()

    def active_on(self, target: dt.date) -> bool:
        """A rule is active for a target date while its restriction was still in force."""
        return self.lifted is None or target < self.lifted
