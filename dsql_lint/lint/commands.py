"""Every PostgreSQL command and DSQL's verdict on it, so that no kind of statement passes
unexamined.

The table (`rules/commands/postgresql-18.yaml`) names each command of PostgreSQL 18 and says
whether DSQL accepts it, accepts it with restrictions that rules check, refuses it, or does
not document it. A statement is identified by its leading words; the pipeline then raises
DSQL005 for a refused command that no rule reported, and DSQL006 for an undocumented one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

ACCEPTED, RESTRICTED, REFUSED, UNDOCUMENTED = "accepted", "restricted", "refused", "undocumented"
VERDICTS = (ACCEPTED, RESTRICTED, REFUSED, UNDOCUMENTED)
IF_EXISTS = "if-exists"

# Words between CREATE and the object kind that do not change the command
# (CREATE OR REPLACE TRUSTED PROCEDURAL LANGUAGE is CREATE LANGUAGE).
_MODIFIERS = frozenset(
    {
        "OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL",
        "RECURSIVE", "TRUSTED", "PROCEDURAL", "DEFAULT", "CONSTRAINT",
    }
)  # fmt: skip
# Leading words that are another spelling of a command of the table.
_ALIASES = {
    "WITH": "SELECT",  # the statement after the CTEs decides; rules see its tree
    "TABLE": "SELECT",
    "(": "SELECT",
    "ANALYSE": "ANALYZE",
    "RELEASE": "RELEASE SAVEPOINT",
}
_WORDS = re.compile(r"\(|[A-Za-z_][A-Za-z_0-9]*")
_IF_EXISTS = re.compile(r"\bIF\s+EXISTS\b", re.I)
_LONGEST = 4  # ALTER TEXT SEARCH CONFIGURATION
# CREATE TABLE t [(a, b)] [WITH (...)] AS query: a column list without types.
_TABLE_AS = re.compile(
    r"\s*CREATE\b[\w\s]*?\bTABLE\s+(IF\s+NOT\s+EXISTS\s+)?[\w.\"]+\s*"
    r"(\([\w\s,\"]*\)\s*)?(WITH\s*\([^)]*\)\s*)?AS\b",
    re.I,
)
# SELECT ... INTO t (a query that creates a table).
_SELECT_INTO = re.compile(r"\s*SELECT\b[^;]*?\bINTO\b", re.I)


@dataclass(frozen=True)
class Command:
    name: str  # as in PostgreSQL's reference: "ALTER TABLE"
    verdict: str
    example: str
    rule: str | None = None  # the rule that refuses it
    rules: tuple[str, ...] = ()  # the rules that check its restrictions
    why: str | None = None  # why it is refused, when no rule of its own says so
    dsql: str | None = None  # what the cluster answers, where recorded
    unless: str | None = None  # IF_EXISTS: refused, but not with IF EXISTS
    # Every form is read as a tree, which its rules judge: a statement the parser keeps as raw
    # text was not checked, and says so (DSQL001).
    read_as_tree: bool = False


def table_path() -> Path:
    from dsql_lint.engine.loader import builtin_rules_dir

    return builtin_rules_dir() / "commands" / "postgresql-18.yaml"


@functools.cache
def table() -> dict[str, Command]:
    from dsql_lint.engine.cache import cached

    path = table_path()
    return cached("commands", [path], lambda: _load(path))


def _load(path: Path) -> dict[str, Command]:
    from dsql_lint.engine.yamlsource import line_of, load_yaml
    from dsql_lint.errors import RuleError

    data = load_yaml(path)
    out: dict[str, Command] = {}
    for entry in data["commands"]:
        verdict = entry.get("verdict")
        if verdict not in VERDICTS or "command" not in entry or "example" not in entry:
            raise RuleError(
                "a command needs command, verdict and example", str(path), line_of(entry)
            )
        if verdict == REFUSED and not (entry.get("rule") or entry.get("why")):
            raise RuleError("a refused command needs `rule` or `why`", str(path), line_of(entry))
        name = str(entry["command"])
        out[name] = Command(
            name=name,
            verdict=verdict,
            example=str(entry["example"]),
            rule=entry.get("rule"),
            rules=tuple(entry.get("rules", ())),
            why=entry.get("why"),
            dsql=entry.get("dsql"),
            unless=entry.get("unless"),
            read_as_tree=entry.get("read") == "tree",
        )
    return out


def identify(code: str) -> Command | None:
    """The command of a statement, from its text with comments blanked (None: not SQL
    PostgreSQL knows, which the parser reports)."""
    words = [w.upper() for w in _WORDS.findall(code, 0, 200)[: _LONGEST + 6]]
    if not words:
        return None
    if words[0] == "WITH":  # the statement after the CTEs is the command (WITH ... MERGE)
        code = _after_ctes(code)
        words = [w.upper() for w in _WORDS.findall(code, 0, 200)[: _LONGEST + 6]] or ["WITH"]
    copied = _COPY_OF.match(code) if words[0] == "COPY" else None
    if copied:  # COPY (MERGE ...) TO: what runs is also the statement in the parentheses
        inner = identify(code[copied.end() :])
        if inner is not None and inner.verdict == REFUSED:
            return inner
    if words[0] == "COPY" and _BINARY.search(code):
        return Command("COPY ... binary format", UNDOCUMENTED, table()["COPY"].example)
    if words[0] == "CREATE":
        kind = next((i for i, w in enumerate(words[1:], 1) if w not in _MODIFIERS), len(words))
        words = ["CREATE", *words[kind:]]
    if words[:2] == ["COMMENT", "ON"]:
        return _comment_on(words[2:])
    if words[0] in ("GRANT", "REVOKE"):
        return _privileges(words[0], code)
    if words[0] == "CALL":
        return _call(code)
    known = table()
    if words[:2] == ["CREATE", "TABLE"] and _TABLE_AS.match(code):
        return known["CREATE TABLE AS"]
    if words[0] == "SELECT" and _SELECT_INTO.match(code):
        return known["SELECT INTO"]
    if words[0] not in _leading():  # most statements: no longer name to try
        return known.get(_ALIASES.get(words[0], words[0]))
    for size in range(min(_LONGEST, len(words)), 0, -1):
        name = " ".join(words[:size])
        found = known.get(_ALIASES.get(name, name))
        if found is not None:
            return found
    return None


@functools.cache
def _leading() -> frozenset[str]:
    """The first words of the names of more than one word (ALTER, CREATE, DROP...)."""
    return frozenset(name.split()[0] for name in [*table(), *_ALIASES] if " " in name)


# COPY's binary format, in each of its spellings: `(FORMAT binary)`, `WITH BINARY`, and the
# older `COPY BINARY t`. The facts record COPY FROM STDIN as accepted, of no format.
_BINARY = re.compile(
    r"\bFORMAT\s+'?binary\b'?|\bWITH\s+BINARY\b|^\s*COPY\s+BINARY\b|\bSTD(?:IN|OUT)\s+BINARY\b",
    re.I,
)
_COPY_OF = re.compile(r"\s*COPY\s*\(\s*(?=(?:WITH|INSERT|UPDATE|DELETE|MERGE)\b)", re.IGNORECASE)
_CTE_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|[()]|[A-Za-z_]\w*")
_AFTER_CTES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE"})


def _after_ctes(code: str) -> str:
    """A WITH statement's text from the statement its CTEs precede: the first of its words
    outside every parenthesis (strings and quoted names skipped)."""
    depth = 0
    for token in _CTE_TOKENS.finditer(code):
        text = token.group()
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif depth == 0 and text.upper() in _AFTER_CTES:
            return code[token.start() :]
    return code


def _comment_on(kind: list[str]) -> Command | None:
    """COMMENT ON <kind> fails where the object kind cannot exist: as ALTER <kind> does."""
    known = table()
    for size in range(min(_LONGEST - 1, len(kind)), 0, -1):
        altered = known.get("ALTER " + " ".join(kind[:size]))
        if altered is not None and altered.verdict == REFUSED:
            name = f"COMMENT ON {' '.join(kind[:size])}"
            return Command(name, REFUSED, altered.example, rule=altered.rule, why=altered.why)
    return known.get("COMMENT")


# GRANT/REVOKE ... ON <kind> name: the words after ON; a kind PostgreSQL spells otherwise in
# its ALTER command.
_PRIVILEGES_ON = re.compile(r"\s*(?:GRANT|REVOKE)\b.*?\bON\s+(.*)", re.I | re.S)
_OBJECT_WORDS = re.compile(r'"[^"]*"|[\w$]+')  # the kind, then the object's name (`1` too)
_GRANT_KIND_ALIASES = {"FOREIGN SERVER": "SERVER"}
# Kinds DSQL holds whatever ALTER <kind> says of changing them: its one database (ALTER DATABASE
# is refused for its settings, not for the database).
_HELD_KINDS = frozenset({"DATABASE"})
# Kinds with no ALTER command whose privileges the facts do not document: the settings (only
# allow-listed ones can be SET at all).
_UNDOCUMENTED_KINDS = frozenset({"PARAMETER"})


def _privileges(verb: str, code: str) -> Command:
    """GRANT/REVOKE on an object of a kind DSQL cannot hold fails as ALTER <kind> does (a
    tablespace, a type, a foreign server, a large object, a procedure); on a kind it holds but
    whose privileges the facts do not document, as ALTER <kind> is undocumented (a domain)."""
    known = table()
    granted = _PRIVILEGES_ON.match(code)
    if granted is None:  # GRANT role TO role
        return known[verb]
    kind = [w.upper() for w in _OBJECT_WORDS.findall(granted.group(1), 0, 120)[:4]]
    for size in range(min(_LONGEST - 1, len(kind) - 1), 0, -1):
        if kind[size] in ("TO", "FROM"):  # `ON type TO r`: a table named type
            continue
        name = " ".join(kind[:size])
        if name in _UNDOCUMENTED_KINDS:
            return Command(f"{verb} ... ON {name}", UNDOCUMENTED, known[verb].example)
        altered = known.get("ALTER " + _GRANT_KIND_ALIASES.get(name, name))
        if altered is None or name in _HELD_KINDS:
            continue
        said = f"{verb} ... ON {name}"
        if name == "LANGUAGE" and kind[size : size + 1] == ["SQL"]:  # the one language DSQL has
            return Command(said, UNDOCUMENTED, altered.example)
        if altered.verdict == REFUSED:
            return Command(said, REFUSED, altered.example, rule=altered.rule, why=altered.why)
        if altered.verdict == UNDOCUMENTED:
            return Command(said, UNDOCUMENTED, altered.example)
        break
    return known[verb]


# CALL of a procedure: DSQL's own, in schema sys (`sys.wait_for_job`), are the only ones.
_CALLED = re.compile(r"\s*CALL\s+(?:(\w+|\"[^\"]+\")\s*\.\s*)?(\w+|\"[^\"]+\")", re.I)


def _call(code: str) -> Command:
    """CALL of a procedure of the user's fails as CREATE PROCEDURE does: DSQL holds none."""
    known = table()
    called = _CALLED.match(code)
    schema = (called.group(1) or "").strip('"').lower() if called else "sys"
    if schema == "sys" or (called and not schema and called.group(2).lower() == "wait_for_job"):
        return known["CALL"]
    procedure = known["ALTER PROCEDURE"]
    return Command("CALL", REFUSED, procedure.example, rule=procedure.rule, why=procedure.why)


def refused(command: Command, code: str) -> bool:
    return command.verdict == REFUSED and not (
        command.unless == IF_EXISTS and _IF_EXISTS.search(code) is not None
    )


# What a DO block does, for its message: ORMs wrap DDL in DO blocks to make it idempotent
# (Drizzle's and Prisma's `DO $$ BEGIN CREATE TYPE ... EXCEPTION WHEN duplicate_object ...`).
_DO_CREATES = re.compile(
    r"\b(CREATE\s+(?:UNIQUE\s+)?(?:TYPE|INDEX|TABLE|SEQUENCE|TRIGGER|FUNCTION|EXTENSION|POLICY)"
    r"\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w.\"]+|ALTER\s+TABLE\s+[\w.\"]+)",
    re.I,
)


def what_a_do_block_does(body: str) -> str:
    """`it runs CREATE TYPE mood, CREATE INDEX i`: the DDL inside, for the finding's message."""
    found = list(dict.fromkeys(" ".join(m.group(1).split()) for m in _DO_CREATES.finditer(body)))
    return f"; it runs {', '.join(found[:3])}{', ...' if len(found) > 3 else ''}" if found else ""
