"""The actions of the commands that take several (ALTER TABLE's ADD COLUMN, DROP IDENTITY,
CLUSTER ON...) and DSQL's verdict on each, so that no action passes unexamined.

The table (`rules/commands/postgresql-18-actions.yaml`) names every action of PostgreSQL 18's
synopsis of such a command. A statement's actions are split at the commas outside
parentheses and each is identified by its leading words; the pipeline then raises DSQL005 for
a refused action that no rule reported, and DSQL006, at the action, for an undocumented one.

The words decide, where sqlglot parses the statement too: its tree keeps one node type for
several actions (SET ACCESS METHOD, SET LOGGED and SET WITHOUT CLUSTER are all AlterSet) and
most actions only as text; the tests hold the split to the tree's actions where it has them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsql_lint.lint.commands import REFUSED, VERDICTS

# PostgreSQL's reserved key words that can start or follow a name in an action: a
# placeholder never matches one, so `ADD CONSTRAINT k CHECK` is no column named CONSTRAINT.
_RESERVED = (
    "ALL", "AS", "CHECK", "COLLATE", "COLUMN", "CONSTRAINT", "DEFAULT", "DEFERRABLE", "FOREIGN",
    "INITIALLY", "NOT", "NULL", "ONLY", "PRIMARY", "REFERENCES", "TABLE", "TO", "UNIQUE", "USING",
)  # fmt: skip
_NAME = r'(?:(?:[Uu]&)?"(?:[^"]|"")*"|[\w$]+)'
_DOTTED = rf"{_NAME}(?:\s*\.\s*{_NAME})*"
# (atomic: a name that is not followed by the next word is no other name, and backtracking
# into it costs each action's every pattern a try per character)
_PLACEHOLDER = rf"(?!(?:{'|'.join(_RESERVED)})\b)(?>{_DOTTED})"
# A routine's argument types after its name: `f(int, numeric(10, 2))`.
_ARGUMENTS = r"(?:\s*\((?:[^()]|\([^()]*\))*\))?"
_PATTERN_TOKENS = re.compile(r"[\[\]{}|(]|[A-Z][A-Z_]*|[a-z][a-z_]*|\S")
_FIRST_WORD = re.compile(r"[A-Za-z_]\w*")
# What the split steps over whole: strings, quoted names; and the characters it counts.
_SPLIT_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[(),]")


# The passes in which PostgreSQL's ALTER TABLE runs a statement's actions (tablecmds.c's
# AlterTablePass, which ATPrepCmd and ATParseTransformCmd assign): all of one pass, in the
# order written, before any of the next, whatever the order they are written in. An action
# whose entry names no `pass:` runs in the last.
PASSES = (
    "drop",  # DROP COLUMN, DROP CONSTRAINT, DROP DEFAULT, DROP NOT NULL, DROP IDENTITY...
    "alter-type",  # ALTER COLUMN ... TYPE
    "add-column",
    "set-expression",
    "add-constraint",
    "column-attributes",  # SET NOT NULL, ADD CONSTRAINT ... NOT NULL
    "add-index-constraint",  # PRIMARY KEY, UNIQUE, EXCLUDE, ... USING INDEX
    "add-index",
    "add-other-constraint",  # CHECK, FOREIGN KEY, SET DEFAULT, ADD GENERATED AS IDENTITY
    "misc",
)


@dataclass(frozen=True)
class Action:
    command: str  # "ALTER TABLE"
    action: str  # its leading words, in the reference's notation
    synopsis: str  # the line of the reference's synopsis it belongs to
    verdict: str
    example: str
    pattern: re.Pattern[str]
    firsts: frozenset[str]  # the words it can start with, upper case; "" where with a name
    rules: tuple[str, ...] = ()  # refused: the rules that report it; else those that check it
    why: str | None = None  # why it is refused, when no rule of its own says so
    # Its rules read it from the tree: in a statement the parser keeps as raw text (another
    # action it does not read), it was not checked, and says so (DSQL001).
    read_as_tree: bool = False
    step: int = len(PASSES) - 1  # the pass PostgreSQL runs it in: an index of PASSES

    @property
    def refused(self) -> bool:
        return self.verdict == REFUSED

    @property
    def name(self) -> str:
        return f"{self.command} ... {self.action}"


@dataclass(frozen=True)
class Part:
    """One action of a statement: offsets in its code, end exclusive; `action` None where no
    action of the table starts with its words (not PostgreSQL: the grammar's rules say so)."""

    action: Action | None
    start: int
    end: int


def table_path() -> Path:
    from dsql_lint.engine.loader import builtin_rules_dir

    return builtin_rules_dir() / "commands" / "postgresql-18-actions.yaml"


@functools.cache
def table() -> dict[str, tuple[Action, ...]]:
    from dsql_lint.engine.cache import cached

    path = table_path()
    return cached("actions", [path], lambda: _load(path))


def _load(path: Path) -> dict[str, tuple[Action, ...]]:
    from dsql_lint.engine.yamlsource import line_of, load_yaml
    from dsql_lint.errors import RuleError

    out: dict[str, tuple[Action, ...]] = {}
    for command, entries in load_yaml(path).items():
        found = []
        for entry in entries:
            verdict = entry.get("verdict")
            if verdict not in VERDICTS or not all(
                k in entry for k in ("action", "synopsis", "example")
            ):
                raise RuleError(
                    "an action needs synopsis, action, verdict and example",
                    str(path),
                    line_of(entry),
                )
            if verdict == REFUSED and not (entry.get("rules") or entry.get("why")):
                raise RuleError(
                    "a refused action needs `rules` or `why`", str(path), line_of(entry)
                )
            found.append(
                Action(
                    command=str(command),
                    action=str(entry["action"]),
                    synopsis=str(entry["synopsis"]),
                    verdict=verdict,
                    example=str(entry["example"]),
                    pattern=compile_words(str(entry["action"])),
                    firsts=first_words(str(entry["action"])),
                    rules=tuple(entry.get("rules", ())),
                    why=entry.get("why"),
                    read_as_tree=entry.get("read") == "tree",
                    step=_pass(entry, path),
                )
            )
        out[str(command)] = tuple(found)
    return out


def _pass(entry: dict[str, Any], path: Path) -> int:
    from dsql_lint.engine.yamlsource import line_of
    from dsql_lint.errors import RuleError

    name = entry.get("pass", PASSES[-1])
    if name not in PASSES:
        raise RuleError(f"`pass` is one of {', '.join(PASSES)}", str(path), line_of(entry))
    return PASSES.index(name)


def run_order(parts: list[Part]) -> list[tuple[bool, int, int]]:
    """Each action's place in the order its effects on the schema are judged in: PostgreSQL's,
    by pass (PASSES) and then as written; but an action DSQL refuses runs there never, so
    its effects come after every other action's, which are judged without them (the identity
    added to an integer column beside a SET DATA TYPE bigint is added to an integer column on
    DSQL, where the type change is refused)."""
    return [
        (part.action is not None and part.action.refused, _step_of(part), index)
        for index, part in enumerate(parts)
    ]


def _step_of(part: Part) -> int:
    return part.action.step if part.action is not None else len(PASSES) - 1


def compile_words(words: str) -> re.Pattern[str]:
    """The regex of an action's leading words in the reference's notation: `KEYWORD`,
    `placeholder` (one name or number), `[ optional ]`, `{ one | other }`, `(`."""
    parts = []
    for token in _PATTERN_TOKENS.findall(words):
        if token == "[":
            parts.append(r"(?:")
        elif token == "]":
            parts.append(r")?")
        elif token == "{":
            parts.append(r"(?:")
        elif token == "}":
            parts.append(r")")
        elif token == "|":
            parts.append(r"|")
        elif token.isupper():
            parts.append(rf"\s*{token}\b")
        elif token.islower():
            parts.append(rf"\s*{_PLACEHOLDER}")
        else:
            parts.append(rf"\s*{re.escape(token)}")
    return re.compile("".join(parts), re.IGNORECASE)


def first_words(words: str) -> frozenset[str]:
    """The keywords an action's words can start with ("" where a name can): the classifier
    tries only the actions its first word can start."""
    tokens = _PATTERN_TOKENS.findall(words) + ["$"]

    def sequence(i: int) -> tuple[set[str], bool, int]:
        firsts: set[str] = set()
        optional = True  # every element so far can be left out
        while tokens[i] not in ("]", "}", "|", "$"):
            found, may_lack, i = element(i)
            if optional:
                firsts |= found
            optional = optional and may_lack
        return firsts, optional, i

    def choice(i: int) -> tuple[set[str], bool, int]:
        firsts, optional, i = sequence(i)
        while tokens[i] == "|":
            more, lacking, i = sequence(i + 1)
            firsts, optional = firsts | more, optional or lacking
        return firsts, optional, i

    def element(i: int) -> tuple[set[str], bool, int]:
        token = tokens[i]
        if token in ("[", "{"):
            firsts, optional, end = choice(i + 1)
            return firsts, optional or token == "[", end + 1
        return {"" if token.islower() else token}, False, i + 1

    return frozenset(sequence(0)[0])


def judged(command: str) -> bool:
    """Whether the command's statements are judged action by action."""
    return command in table()


def classify(command: str, code: str) -> list[Part]:
    """The actions of a statement of `command`, from its code (comments blanked), each with
    the action of the table its words start (the longest match; the first on a tie)."""
    entries = table()[command]
    parts = []
    for start, end in split(command, code):
        text = code[start:end]
        first = _FIRST_WORD.match(text)
        word = first.group().upper() if first else text[:1]
        best, length = None, 0
        for entry in entries:
            if word not in entry.firsts and "" not in entry.firsts:
                continue
            match = entry.pattern.match(text)
            if match is not None and match.end() > length:
                best, length = entry, match.end()
        parts.append(Part(best, start, end))
    return parts


def split(command: str, code: str) -> list[tuple[int, int]]:
    """The spans of a statement's actions: after the command's words and the name of what it
    alters, up to each comma outside parentheses."""
    head = _head(command).match(code)
    if head is None:
        return []
    spans, depth, begin = [], 0, head.end()
    for token in _SPLIT_TOKENS.finditer(code, begin):
        text = token.group()
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif text == "," and depth == 0:
            spans.append((begin, token.start()))
            begin = token.end()
    spans.append((begin, len(code)))
    return [_trimmed(code, start, end) for start, end in spans if code[start:end].strip()]


def _trimmed(code: str, start: int, end: int) -> tuple[int, int]:
    text = code[start:end]
    return start + len(text) - len(text.lstrip()), start + len(text.rstrip())


@functools.cache
def _head(command: str) -> re.Pattern[str]:
    """`ALTER TABLE [ASYNC] [IF EXISTS] [ONLY] name [*]`, `ALTER FUNCTION name [(types)]`;
    none of the name where the actions start at once (`ALTER TABLE ALL IN TABLESPACE`)."""
    words = r"\s+".join(command.split())
    return re.compile(
        rf"\s*{words}\b(?:\s+ASYNC\b)?(?:\s+IF\s+EXISTS\b)?(?:\s+ONLY\b)?"
        rf"(?:(?!\s*ALL\s+IN\b)\s*{_DOTTED}(?:\s*\*)?{_ARGUMENTS})?",
        re.IGNORECASE,
    )
