"""Migration file formats: which parts of a file run forward, how each framework splits them
into statements and which it wraps in a transaction. The one place check, fix and apply learn
a file's format from.

A file of a known format is read through a *view*: the same text with everything that never
runs forward (goose/dbmate down sections, Liquibase `--rollback` lines) blanked to spaces, line
ends kept, so every offset, line and column is the original file's. Flyway placeholders
`${name}` become an identifier of the same length: they are never parsed as SQL.

Sources of each behaviour (also the README's table):
- goose: github.com/pressly/goose, `-- +goose Up/Down`, `StatementBegin/End`, `NO TRANSACTION`;
  each migration's Up runs in one transaction unless annotated.
- dbmate: github.com/amacneil/dbmate, `-- migrate:up [transaction:false]`, `-- migrate:down`;
  the up section runs in one transaction unless `transaction:false`, and is sent as one query
  string either way, which the server runs as one transaction (recorded with dbmate 2.36.0,
  runners.py).
- Liquibase formatted SQL (docs.liquibase.com, "Example Changelogs: SQL Format"): each
  `--changeset` runs in one transaction unless `runInTransaction:false`; `splitStatements:false`
  sends the changeset as one statement; `endDelimiter` replaces `;`.
- Drizzle (drizzle-orm's pg migrator): statements between `--> statement-breakpoint` markers.
  Its migrator runs every pending migration inside one transaction (runners.py; the files of a
  folder share it, lint/runs.py); `dsql-lint apply` runs them one by one instead, as `check`
  reads them when apply is their runner.
- golang-migrate: its postgres driver sends a `.up.sql` (or `.down.sql`) file as one query
  string, which the server runs as one transaction (runners.py).
- Prisma Migrate: `migration.sql` sent as one multi-statement script, one implicit transaction.
- Flyway: each versioned file in one transaction (PostgreSQL has transactional DDL).
- Supabase CLI (`supabase db push`, `migration up`, `db reset`): each `<version>_<name>.sql` of
  supabase/migrations sent as one batch with its schema_migrations insert, which PostgreSQL
  runs as one implicit transaction (recorded with the CLI 3.1.0 binary of npm's
  @supabase/cli-linux-x64, runners.py). Files named otherwise are skipped by the CLI: plain
  SQL here. Its seed files (`[db.seed] sql_paths` of supabase/config.toml, syntax/
  supabase_config.py) run after them, each in one transaction with its `seed_files` row
  (recorded the same way).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import Statement, split
from dsql_lint.syntax.supabase_config import is_seed

GOOSE, DBMATE, LIQUIBASE, DRIZZLE, PRISMA, FLYWAY, SUPABASE, GOLANG_MIGRATE = (
    "goose",
    "dbmate",
    "liquibase",
    "drizzle",
    "prisma",
    "flyway",
    "supabase",
    "golang-migrate",
)
SUPABASE_SEED = "supabase-seed"

# The words without which no runner sends a query string outside its transaction.
_QUERY_WORDS = re.compile(r"transaction:\s*false|runInTransaction:false|NO TRANSACTION", re.I)
_GOOSE = re.compile(r"^--[ \t]*\+goose[ \t]+(\w+)[^\n]*$", re.M | re.I)
_DBMATE = re.compile(r"^--[ \t]*migrate:(up|down)\b([^\n]*)$", re.M)
_LIQUIBASE_HEAD = re.compile(r"\A(?:\s*\n)*--\s*liquibase\s+formatted\s+sql\b", re.I)
_CHANGESET = re.compile(r"^--[ \t]*changeset[ \t]+([^\n]*)$", re.M | re.I)
_ROLLBACK = re.compile(r"^--[ \t]*rollback\b[^\n]*$", re.M | re.I)
_BREAKPOINT = re.compile(r"^-->\s*statement-breakpoint[^\n]*$", re.M)
_PRISMA_FOLDER = re.compile(r"^\d{14}_")
_FLYWAY_NAME = re.compile(r"^[VvRrUuBb](?:\d+(?:[._]\d+)*)?__.*\.sql$")
PLACEHOLDER = re.compile(r"\$\{([^}\n]+)\}")
_UP_DOWN = re.compile(r"^\d+(?:\.\d+)*[_-].*\.(up|down)\.sql$", re.I)  # as discover.py
SUPABASE_NAME = re.compile(r"^\d+_.*\.sql$")  # the CLI's migration file pattern
# The fix said in Supabase's terms, by rule name, for its migrations' boilerplate.
SUPABASE_HINTS = {
    "create-extension": (
        "Supabase creates extensions `with schema extensions`; DSQL has none: remove the "
        "statement (gen_random_uuid() is built in; pg_net, pgsodium, pg_graphql and the like "
        "have no DSQL counterpart: do that work in the application)."
    ),
    "row-level-security": (
        "Supabase's API reads rows through row-level security; DSQL has none: remove the "
        "statement and enforce row access in the application, with grants to your own roles."
    ),
    "create-policy": (
        "Supabase's API reads rows through these policies; DSQL has no row-level security: "
        "remove them and enforce row access in the application."
    ),
    "undocumented-command": (
        "In a Supabase migration this is usually `alter default privileges ... to anon, "
        "authenticated, service_role`, for Supabase's API roles, which DSQL does not have: "
        "remove it and grant your own roles on each table you create."
    ),
}
TRANSACTION_RULES = ("multiple-ddl-in-transaction", "ddl-with-dml-in-transaction")


@dataclass(frozen=True)
class Section:
    """A forward part of a file."""

    start: int
    end: int
    transaction: bool  # the framework runs it in one transaction
    whole: bool = False  # sent as one statement (goose StatementBegin/End, splitStatements:false)
    delimiter: str | None = None  # Liquibase endDelimiter, instead of `;`
    group: int = 0  # sections of one group share their transaction (a goose Up's parts)
    # Not in a transaction of the runner, yet sent as one query string, which the server runs as
    # one transaction (dbmate's `transaction:false`): its statements share a block of their own.
    one_query: bool = False


@dataclass
class Layout:
    framework: str
    view: str  # the text to split and parse: same length and line ends as the file
    sections: list[Section]
    placeholders: list[tuple[int, str]] = field(default_factory=list)  # offset, name


def layout(source: Source) -> Layout | None:
    """The format of `source`, from its markers and its path; None for plain SQL."""
    name, text = framework_of(source), source.text
    if name == LIQUIBASE:
        return _liquibase(text)
    if name == GOOSE:
        return _goose(text)
    if name == DBMATE:
        return _dbmate(text)
    whole = [Section(0, len(text), transaction=True)]
    if name == DRIZZLE:
        return Layout(DRIZZLE, _BREAKPOINT.sub(_boundary, text), whole)
    if name == FLYWAY:
        view, found = _mask_placeholders(text)
        return Layout(FLYWAY, view, whole, found)
    return None if name is None else Layout(name, text, whole)


def framework_of(source: Source) -> str | None:
    """The framework whose format `source` is in, from its markers and its path; None for
    plain SQL."""
    text, path = source.text, Path(source.path)
    if _LIQUIBASE_HEAD.match(text):
        return LIQUIBASE
    # A marker's words looked for first: a multi-line regex tries every line of a large file.
    if "+goose" in text and _GOOSE.search(text):
        return GOOSE
    if "migrate:" in text and _DBMATE.search(text):
        return DBMATE
    breakpoints = "statement-breakpoint" in text and _BREAKPOINT.search(text)
    if breakpoints or (path.parent.name == "drizzle" and _is_journaled(path)):
        return DRIZZLE
    if path.name == "migration.sql" and _PRISMA_FOLDER.match(path.parent.name):
        return PRISMA
    if is_supabase(path):
        return SUPABASE
    if path.suffix == ".sql" and is_seed(path):
        return SUPABASE_SEED
    if _FLYWAY_NAME.match(path.name):
        return FLYWAY
    return GOLANG_MIGRATE if _UP_DOWN.match(path.name) else None


# What each runner sends as one query string outside its transaction, in its own words.
QUERY_UNITS = {
    DBMATE: "a `transaction:false` section",
    GOOSE: "a `StatementBegin`...`StatementEnd` block of a `NO TRANSACTION` file",
    LIQUIBASE: "a changeset with `runInTransaction:false` and `splitStatements:false` (or each "
    "piece up to its `endDelimiter`)",
}


def query_sections(source: Source) -> list[tuple[int, int]]:
    """The spans of `source` its runner sends as one query string outside its transaction
    (QUERY_UNITS), which the server runs as one transaction."""
    framework = framework_of(source)
    if framework not in QUERY_UNITS or not _QUERY_WORDS.search(source.text):
        return list(source.queries)
    found = layout(source)
    assert found is not None
    view = Source(source.path, found.view)
    spans = []
    for section in found.sections:
        if section.one_query:
            spans.append((section.start, section.end))
        elif section.delimiter is not None and not section.transaction:
            spans.extend((piece[0].start, piece[-1].end) for piece in _delimited(view, section))
    return spans


def is_down(source: Source) -> bool:
    """A golang-migrate down file: checked, never run forward."""
    match = _UP_DOWN.match(Path(source.path).name)
    return match is not None and match.group(1).lower() == "down"


def is_supabase(path: Path) -> bool:
    """A migration the Supabase CLI runs: supabase/migrations/<version>_<name>.sql."""
    folder = path.parent
    return (
        folder.name == "migrations"
        and folder.parent.name == "supabase"
        and bool(SUPABASE_NAME.match(path.name))
    )


def hint(source: Source, rule: str) -> str | None:
    """The fix of the rule named `rule` said in the terms of the framework whose file
    `source` is (Supabase's boilerplate); None where it has none of its own. The transaction
    rules' in a framework runner's transactions are the pipeline's (runners.py)."""
    said = SUPABASE_HINTS.get(rule)  # (first: asked for every finding, of few rules)
    return said if said is not None and is_supabase(Path(source.path)) else None


def statements(
    source: Source, assume_in_transaction: bool = False, framework_transactions: bool = True
) -> list[Statement]:
    """The forward statements of `source` as its framework runs them, with its transactions
    (unless `framework_transactions` is off: then only the file's own BEGIN...COMMIT blocks);
    plain SQL is split as psql reads it. A file that could not be read as text has none."""
    if source.problem is not None:
        return []
    found = layout(source)
    if found is None:
        plain = split(source, assume_in_transaction)
        return _queries(source, plain) if source.queries and framework_transactions else plain
    view = Source(source.path, found.view, source.bom, source.encoding)
    scanned = split(view)
    starts = [section.start for section in found.sections]
    by_section: dict[int, list[Statement]] = {}
    for statement in scanned:
        number = bisect.bisect_right(starts, statement.start) - 1
        if number >= 0 and statement.start < found.sections[number].end:
            by_section.setdefault(number, []).append(statement)
    first_free = len(scanned)  # explicit blocks have ids below it
    # Ids for the query strings sent outside any transaction of the runner: after the groups'.
    queries = iter(range(first_free + len(found.sections), first_free + 2 * len(scanned) + 2))
    out: list[Statement] = []
    for number, section in enumerate(found.sections):
        pieces = _sent(view, section, by_section.get(number, []))
        wrapped = (section.transaction or section.one_query) and framework_transactions
        tx = first_free + section.group if wrapped else None
        for piece in pieces:
            # A piece sent as one query string runs as one transaction on the server, the
            # runner's or not: its statements are linted each, and judged together.
            shared = next(queries) if tx is None and len(piece) > 1 else tx
            if not framework_transactions:
                shared = None
            for statement in piece:
                own = statement.tx if statement.tx is not None else shared
                end = _unmarked_end(source.text, found.view, statement)
                out.append(replace(statement, index=len(out), tx=own, end=end))
    return out


def _sent(view: Source, section: Section, members: list[Statement]) -> list[list[Statement]]:
    """The statements of `section` grouped as its runner sends them: each group one query
    string (a goose StatementBegin/End block, a Liquibase changeset with
    `splitStatements:false` or each piece cut at its endDelimiter), a statement alone else."""
    if section.delimiter is not None:
        return _delimited(view, section)
    if section.whole:
        return [members] if members else []
    return [[statement] for statement in members]


def _queries(source: Source, statements: list[Statement]) -> list[Statement]:
    """Statements outside any transaction that one query string holds (Source.queries) share
    a transaction of their own, as the server runs them."""
    ids = iter(range(len(statements), 2 * len(statements) + 1))  # above the split's ids
    out = list(statements)
    for lo, hi in source.queries:
        inside = [k for k, s in enumerate(out) if lo <= s.start < hi and s.tx is None]
        if len(inside) > 1:
            tx = next(ids)
            for k in inside:
                out[k] = replace(out[k], tx=tx)
    return out


def _unmarked_end(text: str, view: str, statement: Statement) -> int:
    """A statement ended by a marker line's `;` (a Drizzle breakpoint, a goose StatementEnd)
    ends at its own last character, not on the marker's line."""
    end = statement.end
    if end > statement.start + 1 and view[end - 1] == ";" and text[end - 1] != ";":
        return max(statement.start + 1, _last_significant(view, end - 1))
    return end


def _boundary(match: re.Match[str]) -> str:
    """A marker line that ends a statement: `;` (blank to the splitter) and spaces."""
    return ";" + " " * (len(match.group(0)) - 1)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + re.sub(r"[^\r\n]", " ", text[start:end]) + text[end:]


def _goose(text: str) -> Layout:
    view, sections = text, list[Section]()
    markers = list(_GOOSE.finditer(text))
    transaction = not any(m.group(1).upper() == "NO" for m in markers)
    up: int | None = None
    down: int | None = None
    for marker in markers:
        word = marker.group(1).lower()
        if word == "up" and up is None:
            up = marker.end()
        elif word == "down" and down is None:
            down = marker.start()
    if up is None:
        return Layout(GOOSE, _blank(text, 0, len(text)), [])
    end = down if down is not None and down > up else len(text)
    view = _blank(view, end, len(text))
    # StatementBegin ... StatementEnd: one statement, whatever its semicolons.
    bounds = [up]
    whole: list[bool] = [False]
    for marker in markers:
        word = marker.group(1).lower()
        if up <= marker.start() < end and word in ("statementbegin", "statementend"):
            view = view[: marker.start()] + _boundary(marker) + view[marker.end() :]
            bounds.append(marker.end())
            whole.append(word == "statementbegin")
    bounds.append(end)
    for number, (start, stop, one) in enumerate(zip(bounds, bounds[1:], whole, strict=False)):
        # Under NO TRANSACTION, a block is one query string: a transaction of its own.
        alone = one and not transaction
        group = number if alone else 0  # an Up in a transaction: one transaction, all of it
        sections.append(Section(start, stop, transaction, one, group=group, one_query=alone))
    return Layout(GOOSE, view, sections)


def _dbmate(text: str) -> Layout:
    markers = list(_DBMATE.finditer(text))
    view, sections = text, []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        if marker.group(1) == "down":
            view = _blank(view, marker.start(), end)
        else:
            transaction = "transaction:false" not in marker.group(2).replace(" ", "")
            group = len(sections)
            sections.append(
                Section(marker.end(), end, transaction, group=group, one_query=not transaction)
            )
    return Layout(DBMATE, view, sections)


def _liquibase(text: str) -> Layout:
    view = _ROLLBACK.sub(lambda m: " " * len(m.group(0)), text)
    heads = list(_CHANGESET.finditer(text))
    sections = []
    for index, head in enumerate(heads):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(text)
        attributes = dict(re.findall(r"(\w+):(\S+)", head.group(1)))
        delimiter = attributes.get("endDelimiter")
        transaction = attributes.get("runInTransaction", "true").lower() != "false"
        whole = attributes.get("splitStatements", "true").lower() == "false"
        sections.append(
            Section(
                head.end(),
                end,
                transaction=transaction,
                whole=whole,
                delimiter=None if delimiter in (None, ";") else delimiter,
                group=index,
                one_query=whole and not transaction and delimiter in (None, ";"),
            )
        )
    return Layout(LIQUIBASE, view, sections)


def _delimited(view: Source, section: Section) -> list[list[Statement]]:
    """A Liquibase changeset cut at its endDelimiter (a regular expression, as Liquibase reads
    it); each piece is sent as one statement, semicolons and all, and holds the statements
    psql would split it into."""
    assert section.delimiter is not None
    try:
        pattern = re.compile(section.delimiter, re.M)
    except re.error:
        pattern = re.compile(re.escape(section.delimiter))
    text = view.text
    out: list[list[Statement]] = []
    position = section.start
    while position < section.end:
        match = pattern.search(text, position, section.end)
        stop = match.start() if match else section.end
        # The piece alone, its offsets shifted: nothing before it changes how it splits.
        piece = []
        for statement in split(Source(view.path, text[position:stop])):
            start = position + statement.start
            line, col = view.position(start)
            end = position + statement.end
            piece.append(
                replace(statement, source=view, start=start, end=end, line=line, col=col, tx=None)
            )
        if piece:
            out.append(piece)
        position = match.end() if match and match.end() > position else section.end
    return out


def _last_significant(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _mask_placeholders(text: str) -> tuple[str, list[tuple[int, str]]]:
    """`${name}` -> an identifier of the same length (`_name__`), so that the SQL around it
    parses and positions stay the file's."""
    found: list[tuple[int, str]] = []

    def mask(match: re.Match[str]) -> str:
        found.append((match.start(), match.group(1)))
        return "_" + re.sub(r"\W", "_", match.group(1)) + "__"

    return PLACEHOLDER.sub(mask, text), found


def _is_journaled(path: Path) -> bool:
    return (path.parent / "meta" / "_journal.json").is_file()
