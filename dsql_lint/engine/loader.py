"""Reading rule files: schema validation with `file:line` errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dsql_lint.diagnostic import FixAvailability, Severity
from dsql_lint.engine.cache import cached
from dsql_lint.engine.model import Docs, DsqlAnswer, Evidence, Origin, Rule, Scope, Worded
from dsql_lint.engine.yamlsource import line_of, load_yaml
from dsql_lint.errors import RuleError

REQUIRED = ("code", "name", "severity", "message", "match", "evidence", "docs")
OPTIONAL = ("scope", "suggestion", "fix", "fixer", "lifted", "dsql", "postgres")
SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")
CODE = re.compile(r"^[A-Z][A-Z0-9]*[0-9]{3}$")
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def builtin_rules_dir() -> Path:
    """The shipped rules: `dsql_lint/_rules` in a wheel, the top-level `rules/` in a checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def rule_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise RuleError("rule directory not found", str(directory))
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))


def load_rules(directories: Iterable[Path], builtin: bool = True) -> list[Rule]:
    files = [path for directory in directories for path in rule_files(directory)]

    def compute() -> list[Rule]:
        rules = [rule for path in files for rule in load_rule_file(path, builtin)]
        check_unique(rules)
        return [_with_command_answers(rule) for rule in rules]

    from dsql_lint.lint.commands import table_path

    kind = "rules-builtin" if builtin else "rules-user"
    return cached(kind, [*files, table_path()], compute)


def _with_command_answers(rule: Rule) -> Rule:
    """The rule raised for a refused command no rule of its own reports (DSQL005) answers as
    the table of commands records for each, keyed by the command's words."""
    from dataclasses import replace

    from dsql_lint.lint import commands

    if not rule.match.get("unsupported_command") or rule.dsql:
        return rule
    refused = [c for c in commands.table().values() if c.verdict == commands.REFUSED and c.dsql]
    answers = []
    for command in sorted(refused, key=lambda c: -len(c.name)):
        state, _, message = str(command.dsql).partition(" ")
        answers.append(DsqlAnswer(state, message, command.name))
    return replace(rule, dsql=tuple(answers))


def load_rule_file(path: Path, builtin: bool = True) -> list[Rule]:
    data = load_yaml(path)
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        raise RuleError(
            "a rule file is a mapping with one key, `rules`, holding a list", str(path), 1
        )
    return [_rule(path, entry, builtin) for entry in data["rules"]]


def _fail(path: Path, entry: Any, message: str, key: str | None = None) -> RuleError:
    return RuleError(message, str(path), line_of(entry, key))


def _rule(path: Path, entry: Any, builtin: bool) -> Rule:
    if not isinstance(entry, dict):
        raise RuleError("each rule must be a mapping", str(path))
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        key = sorted(map(str, unknown))[0]
        raise _fail(path, entry, f"unknown key {key!r} in rule", key)
    for key in REQUIRED:
        if key not in entry:
            raise _fail(path, entry, f"rule is missing required key {key!r}")
    code, name = str(entry["code"]), str(entry["name"])
    if not CODE.match(code):
        raise _fail(path, entry, f"bad code {code!r}: letters then three digits", "code")
    if not NAME.match(name):
        raise _fail(path, entry, f"bad name {name!r}: kebab-case expected", "name")
    match = entry["match"]
    if not isinstance(match, dict):
        raise _fail(path, entry, "`match` must be a mapping", "match")
    fixer = entry.get("fixer") or {}
    if not isinstance(fixer, dict):
        raise _fail(path, entry, "`fixer` must be a mapping", "fixer")
    if entry.get("postgres", "refuses") != "refuses":
        raise _fail(path, entry, "`postgres` can only be `refuses`", "postgres")
    return Rule(
        code=code,
        name=name,
        severity=_enum(Severity, path, entry, "severity"),
        scope=_enum(Scope, path, entry, "scope", "node"),
        message=_text(path, entry, "message"),
        suggestion=_text(path, entry, "suggestion", required=False),
        message_when=_variants(path, entry, "message"),
        suggestion_when=_variants(path, entry, "suggestion"),
        fix=_enum(FixAvailability, path, entry, "fix", "none"),
        match=match,
        evidence=_evidence(path, entry),
        lifted=_date(path, entry, "lifted"),
        docs=_docs(path, entry),
        origin=Origin(str(path), line_of(entry) or 1),
        fixer=fixer,
        builtin=builtin,
        dsql=_dsql(path, entry),
        postgres_refuses="postgres" in entry,
    )


def _enum(kind: Any, path: Path, entry: dict, key: str, default: str | None = None) -> Any:
    raw = entry.get(key, default)
    try:
        return kind(str(raw))
    except ValueError:
        options = ", ".join(member.value for member in kind)
        raise _fail(path, entry, f"`{key}` must be one of {options}, not {raw!r}", key) from None


def _text(path: Path, entry: dict, key: str, required: bool = True) -> str | None:
    """A message or help: its text, or the last (the unkeyed default) of its variants."""
    value = entry.get(key)
    if value is None and not required:
        return None
    if isinstance(value, list) and value and isinstance(value[-1], dict):
        if set(value[-1]) != {"text"}:
            raise _fail(
                path, entry, f"the last of `{key}`'s variants is its default: text only", key
            )
        value = value[-1]["text"]
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, entry, f"`{key}` must be non-empty text", key)
    return value.strip()


def _variants(path: Path, entry: dict, key: str) -> tuple[Worded, ...]:
    """`message:` or `suggestion:` written as a list of {when, text}, the last without `when`:
    each finding says the first whose words it holds (`Worded`), as with `dsql:` answers."""
    value = entry.get(key)
    if not isinstance(value, list):
        return ()
    out = []
    for item in value[:-1]:
        if not isinstance(item, dict) or set(item) != {"when", "text"}:
            raise _fail(path, entry, f"`{key}` variants have: when, text (the last: text)", key)
        when, text = str(item["when"]).strip(), str(item["text"]).strip()
        if not when or not text:
            raise _fail(path, item, f"`{key}` variants need non-empty when and text", "when")
        out.append(Worded(when, text))
    return tuple(out)


def _date(path: Path, entry: dict, key: str) -> dt.date | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        raise _fail(path, entry, f"`{key}` must be a date YYYY-MM-DD", key) from None


def parse_date(text: str) -> dt.date:
    """`YYYY-MM-DD`, or `YYYY-MM` meaning the first day of that month."""
    if not DATE.match(text):
        raise ValueError(text)
    parts = [int(p) for p in text.split("-")]
    return dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)


def _evidence(path: Path, entry: dict) -> tuple[Evidence, ...]:
    items = entry["evidence"]
    if not isinstance(items, list) or not items:
        raise _fail(path, entry, "`evidence` must be a non-empty list", "evidence")
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"source", "date", "fact"}:
            raise _fail(path, item, "evidence items need exactly: source, date, fact")
        date = str(item["date"])
        if not DATE.match(date):
            raise _fail(path, item, f"evidence date {date!r} must be YYYY-MM[-DD]", "date")
        out.append(Evidence(str(item["source"]), date, str(item["fact"]).strip()))
    return tuple(out)


def _dsql(path: Path, entry: dict) -> tuple[DsqlAnswer, ...]:
    """`dsql:` a list of {sqlstate, message, when, take}: what the cluster answers, one per
    variant; a finding gets the first whose `when` words its text holds (an answer without
    `when` is for any finding, so only the last may lack it). `take` maps a <part> of the
    message to a regex read in the finding's text, or `{before: regex}` read before it."""
    items = entry.get("dsql")
    if items is None:
        return ()
    if not isinstance(items, list) or not items:
        raise _fail(path, entry, "`dsql` must be a list of {sqlstate, message}", "dsql")
    out = []
    for item in items:
        if not isinstance(item, dict) or not {"sqlstate"} <= set(item) <= _ANSWER_KEYS:
            raise _fail(path, entry, "`dsql` items have: sqlstate, message, when, take", "dsql")
        state, message = str(item["sqlstate"]), str(item.get("message", "")).strip()
        if not SQLSTATE.match(state):
            raise _fail(path, item, f"bad SQLSTATE {state!r}", "sqlstate")
        take = item.get("take") or {}
        if not isinstance(take, dict) or any(f"<{part}>" not in message for part in take):
            raise _fail(path, item, "`take` maps parts of the message (<part>) to regexes", "take")
        taken = []
        for part, spec in take.items():
            before = isinstance(spec, dict) and set(spec) == {"before"}
            regex = spec["before"] if before else spec
            taken.append((str(part), str(regex), before))
            try:
                if re.compile(str(regex)).groups < 1:
                    raise re.error("no group")
            except re.error as error:
                said = f"`take` needs a regex with a group: {error}"
                raise _fail(path, item, said, "take") from None
        if out and out[-1].when is None:
            raise _fail(path, item, "only the last `dsql` answer may lack `when`", "dsql")
        when = item.get("when")
        out.append(DsqlAnswer(state, message, when and str(when), tuple(taken)))
    return tuple(out)


_ANSWER_KEYS = {"sqlstate", "message", "when", "take"}


def _docs(path: Path, entry: dict) -> Docs:
    docs = entry["docs"]
    if not isinstance(docs, dict) or not {"why", "bad"} <= set(docs) <= {"why", "bad", "good"}:
        raise _fail(path, entry, "`docs` needs `why` and `bad`, and may have `good`", "docs")
    good = docs.get("good")
    return Docs(str(docs["why"]).strip(), str(docs["bad"]).strip(), good and str(good).strip())


def check_unique(rules: list[Rule]) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        for key in (rule.code, rule.name):
            if key in seen:
                raise RuleError(
                    f"duplicate rule {key!r} (first defined at {seen[key].origin})", *rule.origin
                )
            seen[key] = rule
