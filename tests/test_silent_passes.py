"""Issue 11, "no silent passes": each family of statements DSQL refuses, walked whole, is
reported, and under the rule of what it does; a finding's words fit its statement."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import pytest
from helpers import lint_text
from rule_fixtures import FIXTURES, expected_lines, fixture_inputs, fixture_options, fixture_text

from dsql_lint.diagnostic import Severity
from dsql_lint.engine.loader import builtin_rules_dir, load_rules
from dsql_lint.engine.matchers import code_only
from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.locate import column as locate_column
from dsql_lint.syntax.locate import create_table_elements, element_kind
from dsql_lint.syntax.source import Source
from dsql_lint.syntax.split import split
from dsql_lint.syntax.tokens import Tokens

RULES = {rule.code: rule for rule in load_rules([builtin_rules_dir()])}


def _errors(sql: str) -> list[str]:
    return [d.code for d in lint_text(sql + "\n") if d.severity is Severity.ERROR]


def _refused_settings() -> list[str]:
    """DSQL710's settings: those whose SET the facts record as refused."""
    regex = RULES["DSQL710"].match["where"]["$rest"]
    return list(regex["groups"]["setting"]["in"])


@pytest.mark.parametrize("setting", _refused_settings())
@pytest.mark.parametrize(
    "form", ["SET {} = 0", "SET LOCAL {} TO 0", "SET SESSION {} = DEFAULT", "RESET {}"]
)
def test_every_way_to_change_a_refused_setting_is_the_same_error(form: str, setting: str) -> None:
    """SET and RESET of a setting DSQL refuses are DSQL710 alike: RESET is no warning."""
    found = lint_text(form.format(setting) + ";\n")
    assert [(d.code, d.severity) for d in found] == [("DSQL710", Severity.ERROR)], found
    said = found[0].message.split(":")[0]
    assert said == f"DSQL rejects this {form.split()[0]}", found[0].message


@pytest.mark.parametrize(
    "sql",
    [
        "COPY t FROM STDIN (FORMAT binary);",
        "COPY t FROM stdin WITH (format 'binary');",
        "COPY t FROM STDIN WITH BINARY;",
        "COPY t (a, b) TO STDOUT (FORMAT binary, FREEZE false);",
    ],
)
def test_copy_in_binary_format_is_undocumented_not_clean(sql: str) -> None:
    """The facts accept COPY FROM STDIN and say nothing of its binary format: DSQL006."""
    assert [d.code for d in lint_text(sql + "\n")] == ["DSQL006"]


@pytest.mark.parametrize(
    "sql",
    ["COPY t FROM STDIN;", "COPY t FROM STDIN (FORMAT csv, HEADER);", "COPY t TO STDOUT;"],
)
def test_copy_in_text_or_csv_through_the_connection_stays_clean(sql: str) -> None:
    assert lint_text(sql + "\n") == []


MISSING_SETTINGS = ("lc_collate", "lc_ctype")
SETTING_READS = (
    "SHOW {}",
    "SELECT current_setting('{}')",
    "SELECT current_setting('{}', true)",
    "SELECT setting FROM pg_settings WHERE name = '{}'",
    "SELECT name FROM pg_catalog.pg_settings WHERE name IN ('server_encoding', '{}')",
    "SELECT s.setting FROM pg_show_all_settings() AS s WHERE s.name = '{}'",
)


@pytest.mark.parametrize("setting", MISSING_SETTINGS)
@pytest.mark.parametrize("read", SETTING_READS)
def test_every_read_of_a_setting_dsql_lacks_is_reported(read: str, setting: str) -> None:
    """DSQL716 for each way a query reads a setting: an error where the cluster answers one
    (SHOW, current_setting), and its answer only there."""
    report = lint_sources([Source("t.sql", read.format(setting) + ";\n")], LintOptions())
    ((_, found, answers),) = list(report.answered())
    assert found.code == "DSQL716"
    errs = read.startswith("SHOW") or read.endswith("('{}')")
    assert [str(a) for a in answers] == (
        [f'42704 unrecognized configuration parameter "{setting}"'] if errs else []
    )


FACTS = Path(__file__).resolve().parents[2] / "shared" / "dsql-facts.md"
if not FACTS.is_file():
    FACTS = Path("/work/shared/dsql-facts.md")

# Each limit of the facts' "Limits" table, as written there: the rules that report it, or why
# the text of a migration cannot show it (then `None` for rules).
LIMITS: dict[str, tuple[tuple[str, ...], str]] = {
    "24 indexes per table": (("DSQL801",), ""),
    "8 columns per index or primary key": (("DSQL802", "DSQL803"), ""),
    "1 KiB index key": (
        (),
        "a key's size is its values' (text, varchar and numeric keys vary), known at run time",
    ),
    "255 columns per table": (("DSQL804",), ""),
    "2 MiB per row": (
        (),
        "a row's size is its values' as stored, known at run time; a migration's literals that"
        " large are not checked",
    ),
    "1 MiB per column value": (
        (),
        "a value's size is known at run time (parameters, computed values); a migration's"
        " literal that large is not checked",
    ),
    "1,000 tables": (("DSQL806",), ""),
    "10 schemas": (("DSQL805",), ""),
    "1 database": (("DSQL515",), ""),
    "5,000 views": (("DSQL807",), ""),
    "2 MiB per view definition": (
        (),
        "the definition DSQL stores is PostgreSQL's own rendering of the view's query, not the "
        "text written; a query that long is not checked",
    ),
    "Identifiers over 63 bytes are truncated as in PostgreSQL": (
        (),
        "no error: PostgreSQL truncates them too, so the names match a PostgreSQL database's",
    ),
}


def _limits() -> list[str]:
    section = FACTS.read_text(encoding="utf-8").partition("## Limits")[2].partition("\n## ")[0]
    body = section.partition("\n\n")[2]
    sentences = [s.strip() for s in re.split(r"\.\s", body.replace("\n", " ")) if s.strip()]
    items = [i.strip() for i in sentences[0].split(";")]
    items[-1] = re.sub(r"\s*\(quotas page\)\.?$", "", items[-1])
    return items + [re.sub(r"\s*\(3P\)\.?$", "", s) for s in sentences[1:]]


@pytest.mark.skipif(not FACTS.is_file(), reason="shared/dsql-facts.md not present")
def test_every_limit_of_the_facts_has_a_rule_or_a_reason() -> None:
    """A limit added to the facts fails here until a rule reports it or a reason says why
    the text cannot show it; each rule named cites the limit in its evidence."""
    assert sorted(_limits()) == sorted(LIMITS)
    for limit, (codes, reason) in LIMITS.items():
        assert bool(codes) != bool(reason), limit
        number = re.match(r"[\d,]+", limit)
        for code in codes:
            cited = " ".join(e.fact for e in RULES[code].evidence)
            assert number is None or number.group() in cited, (limit, code, cited)


SOURCE = "CREATE TABLE src (id uuid PRIMARY KEY, tags text[], origin inet);\n"


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("CREATE TABLE t (LIKE src);", "DSQL111"),
        ("CREATE TABLE t (LIKE src INCLUDING ALL);", "DSQL111"),
        ("CREATE TABLE t (id uuid PRIMARY KEY, LIKE src EXCLUDING INDEXES);", "DSQL111"),
        ("CREATE TABLE t AS SELECT * FROM src;", "DSQL509"),
        ("CREATE TABLE t AS SELECT ARRAY[1, 2] AS a;", "DSQL509"),
        ("CREATE TABLE t AS TABLE src;", "DSQL509"),
        ("SELECT tags INTO t FROM src;", "DSQL509"),
        ("CREATE TABLE t PARTITION OF src FOR VALUES IN (1);", "DSQL505"),
        ("CREATE TABLE t (a int) INHERITS (src);", "DSQL506"),
        ("CREATE TABLE t OF src_type;", "DSQL525"),
        ("CREATE MATERIALIZED VIEW t AS SELECT tags FROM src;", "DSQL510"),
    ],
)
def test_every_way_a_table_takes_columns_from_another_is_refused(sql: str, code: str) -> None:
    """A table that takes its columns from another table or a query: where that gives it a
    column of a type DSQL refuses (or the form itself is refused), it is reported."""
    found = lint_text(SOURCE + sql + "\n")
    assert code in [d.code for d in found if d.line == 2], found


# The help's words for a part of the statement: "Remove the TABLESPACE clause", "the SET
# TABLESPACE action".
_CLAUSE = re.compile(r"\bthe ((?:[A-Z][A-Z_]+ )*[A-Z][A-Z_]+) (?:clause|action|option)\b")


@functools.cache
def _fixture_findings() -> list[tuple[str, str, str, str, str]]:
    """(fixture, code, help, statement after its command's words, finding's text) of every
    finding on every rule's failing fixtures."""
    from rule_fixtures import FIXTURES, fixture_inputs, fixture_options, fixture_text

    from dsql_lint.lint import commands
    from dsql_lint.syntax.split import split

    out = []
    for path in sorted(p for folder in FIXTURES.iterdir() if folder.is_dir()
                       for p in fixture_inputs(folder, "fail")):  # fmt: skip
        text = fixture_text(path)
        options = fixture_options(text)
        source = Source(str(path), text)
        report = lint_sources(
            [source],
            LintOptions(target=options.target, assume_in_transaction=options.assume_in_transaction),
        )
        statements = split(source)
        for d in report.diagnostics:
            if not d.suggestion or not 0 <= d.statement < len(statements):
                continue
            code = code_only(statements[d.statement].text)
            command = commands.identify(code)
            lead = len(command.name.split()) if command and " ... " not in command.name else 1
            rest = " ".join(re.findall(r"[A-Za-z_]\w*", code)[lead:]).upper()
            out.append((path.name, d.code, d.suggestion, rest, text[d.start : d.end]))
    return out


def test_the_help_names_only_clauses_the_statement_has() -> None:
    """A finding whose help tells to remove or change a clause (an action, an option) is on
    a statement that has it, beside its command's own words: DROP TABLESPACE has no
    TABLESPACE clause to remove."""
    wrong = [
        (name, code, help_text)
        for name, code, help_text, rest, _ in _fixture_findings()
        for clause in _CLAUSE.findall(help_text)
        if not re.search(rf"\b{clause}\b", rest)
    ]
    assert wrong == []


def test_the_help_names_the_type_the_fix_writes() -> None:
    """A type change's help names what its fix writes for that finding's type (money:
    NUMERIC(19, 2), not TEXT)."""
    from dsql_lint.syntax.pg_types import canonical

    wrong = []
    for name, code, help_text, _, written in _fixture_findings():
        fixer = RULES[code].fixer
        if fixer.get("action") != "replace-type" or not isinstance(fixer.get("with"), str):
            continue  # (a type chosen by the user's option names each choice)
        by_type = {canonical(k) or k.lower(): v for k, v in fixer.get("by-type", {}).items()}
        wanted = by_type.get(canonical(written) or written.lower(), fixer["with"])
        if str(wanted).upper() not in help_text.upper():
            wrong.append((name, code, written, wanted, help_text))
    assert wrong == []


# Each language's frameworks' own words: a help in a file of one names none of the others'.
_FRAMEWORK_WORDS = {
    ".py": ("knex", "queryInterface", "queryRunner", "JavaScript", "schema.rb"),
    ".js": ("manage.py", "RunSQL", "op.execute", "schema.rb"),
    ".ts": ("manage.py", "RunSQL", "op.execute", "schema.rb"),
    ".rb": ("knex", "queryInterface", "queryRunner", "manage.py", "RunSQL"),
}


def test_a_help_in_a_frameworks_file_speaks_its_language() -> None:
    """DSQL016's help on a Django field class is Django's (sqlmigrate, RunSQL), not the
    JavaScript libraries' raw calls; and so for every finding of every ORM fixture."""
    from dsql_lint.lint.pipeline import lint_paths

    orm = Path(__file__).resolve().parents[1] / "fixtures" / "orm"
    report = lint_paths([str(orm)], LintOptions())
    wrong = [
        (d.path, d.code, word)
        for d in report.diagnostics
        for word in _FRAMEWORK_WORDS.get(Path(d.path).suffix, ())
        if word.lower() in (d.suggestion or "").lower()
    ]
    assert wrong == []
    unread = [d for d in report.diagnostics if d.code == "DSQL016" and d.path.endswith(".py")]
    django = [d for d in unread if "/django" in d.path]
    assert django and all("manage.py sqlmigrate" in str(d.suggestion) for d in django)
    alembic = [d for d in unread if "/alembic" in d.path]
    assert alembic and all("alembic upgrade head --sql" in str(d.suggestion) for d in alembic)


@pytest.mark.parametrize("routine", ["FUNCTION f() RETURNS void", "PROCEDURE p()"])
@pytest.mark.parametrize(
    "body",
    [
        "LANGUAGE sql AS $$ SELECT 1; TRUNCATE t; $$",
        "AS $b$ SELECT 1; TRUNCATE t; $b$ LANGUAGE SQL",
        "LANGUAGE sql AS 'SELECT ''a;b''; TRUNCATE t'",
        "LANGUAGE sql BEGIN ATOMIC SELECT 1; TRUNCATE t; END",
        "LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n  TRUNCATE t;\nEND",
        # no LANGUAGE: a BEGIN ATOMIC body is SQL
        "BEGIN ATOMIC SELECT 1; TRUNCATE t; END",
    ],
)
def test_every_spelling_of_a_sql_routines_body_is_linted(routine: str, body: str) -> None:
    """The statements of a LANGUAGE sql body, however it is written, are linted as the file's
    statements are: TRUNCATE in it is DSQL701, at the TRUNCATE."""
    sql = f"CREATE OR REPLACE {routine} {body};\n"
    found = [(d.code, sql[d.start : d.start + 8]) for d in lint_text(sql)]
    assert ("DSQL701", "TRUNCATE") in found, found


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("CALL refresh_totals();", "DSQL518"),  # a procedure of the user's
        ("CALL app.refresh_totals(1);", "DSQL518"),
        ("LISTEN jobs;", "DSQL704"),
        ("NOTIFY jobs, 'x';", "DSQL704"),
        ("UNLISTEN *;", "DSQL704"),
        ("REFRESH MATERIALIZED VIEW daily;", "DSQL510"),
        ("FETCH 10 FROM c;", "DSQL707"),
        ("MOVE NEXT IN c;", "DSQL707"),
        ("CLOSE c;", "DSQL707"),
        ("EXECUTE q(1);", "DSQL705"),
        ("ALTER INDEX i ATTACH PARTITION j;", "DSQL505"),
        ("ALTER TABLE t OF person;", "DSQL525"),
        ("GRANT USAGE ON TYPE mood TO app;", "DSQL514"),
        ("DROP TABLESPACE fast;", "DSQL507"),
        # uses of what DSQL holds stay clean
        ("CALL sys.wait_for_job('a1b2c3d4e5f6g7h8i9j0k1l2m3');", None),
        ("SELECT nextval('orders_seq');", None),
        ("GRANT SELECT ON orders TO app;", None),
    ],
)
def test_a_use_of_an_object_kind_reports_under_that_kinds_rule(sql: str, code: str) -> None:
    """Using (calling, listening to, refreshing, fetching from, attaching) an object of a kind
    DSQL cannot hold fails as creating it does: under that kind's rule, never DSQL005."""
    assert _errors(sql) == ([code] if code else [])


# The catalog facts that read a column's type from the schema model (lint/schema.py's FACTS).
_COLUMN_TYPE_FACTS = {"column_type", "key_json_columns", "searches_text"}


def _reads_column_types(rule: object) -> bool:
    catalog = (getattr(rule, "match", None) or {}).get("catalog") or {}
    return bool(_COLUMN_TYPE_FACTS & set(catalog))


def _through_domains(text: str) -> str:
    """`text` with the type of each CREATE TABLE column replaced by a domain over that type,
    the domains created at the start of the first SQL line (so every line keeps its number)."""
    domains: list[str] = []
    edits: list[tuple[int, int, str]] = []
    for statement in split(Source("t.sql", text)):
        tokens = Tokens(statement)
        found = create_table_elements(tokens)
        for start, stop in found[1] if found else ():
            if element_kind(tokens, start) != "COLUMN":
                continue
            part = locate_column(tokens, start, start, stop).type
            if part.stop <= part.start:
                continue
            first, last = tokens[part.start].start, tokens[part.stop - 1].end
            name = f"dom_{len(domains)}"
            domains.append(f"CREATE DOMAIN {name} AS {text[first:last]}; ")
            edits.append((first, last, name))
    for first, last, name in reversed(edits):
        text = text[:first] + name + text[last:]
    lines = text.split("\n")
    at = 1 if lines[0].startswith("-- dsql-lint:") else 0
    lines[at] = "".join(domains) + lines[at]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "code", sorted(code for code, rule in RULES.items() if _reads_column_types(rule))
)
def test_a_column_type_seen_through_a_domain_is_judged_as_its_base_type(code: str) -> None:
    """Every rule that reads a column's type from the schema model finds on its fixtures,
    each column's type wrapped in a domain, what it finds on them (on a passing one,
    nothing: a domain over bigint is a bigint column): DSQL stores a domain's values as its
    base type."""
    paths = fixture_inputs(FIXTURES / code)
    wrapped_any = False
    for path in paths:
        text = fixture_text(path)
        options = fixture_options(text)
        wrapped = _through_domains(text)
        wrapped_any = wrapped_any or wrapped != text
        found = lint_text(
            wrapped, target=options.target, assume_in_transaction=options.assume_in_transaction
        )
        lines = sorted(d.line for d in found if d.code == code)
        assert lines == expected_lines(text, code), (path.name, wrapped)
    assert wrapped_any, f"{code}: no fixture has a CREATE TABLE column to wrap"


# ALTER TABLE t ... with one action, as a rule's failing fixture writes it: its head and action.
_ALTER_ONE = re.compile(
    r'^(?P<head>ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?:"(?:[^"]|"")+"|[\w$]+)'
    r'(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?)\s+(?P<action>(?!ASYNC\b)[^;]*);',
    re.IGNORECASE,
)
# Forms PostgreSQL takes alone (RENAME, SET SCHEMA) or not at all (MySQL's MODIFY, CHANGE).
_NOT_COMBINED = re.compile(r"^(RENAME|SET\s+SCHEMA|MODIFY|CHANGE)\b", re.IGNORECASE)
_HARMLESS = ("ALTER COLUMN zz DROP DEFAULT", "ALTER COLUMN zy SET DEFAULT 1")


def _top_level_comma(text: str) -> bool:
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ",":
            return True
    return False


def _single_action_alters() -> list[tuple[str, Path, int]]:
    """(rule, fixture, line) of each single-action ALTER TABLE a failing fixture marks."""
    found = []
    for code in sorted(RULES):
        for path in fixture_inputs(FIXTURES / code, "fail"):
            text = fixture_text(path)
            for number in expected_lines(text, code):
                match = _ALTER_ONE.match(text.splitlines()[number - 1])
                if match is None or _NOT_COMBINED.match(match["action"]):
                    continue
                if not _top_level_comma(match["action"]):
                    found.append((code, path, number))
    return found


@pytest.mark.parametrize("behind", [1, 2])
@pytest.mark.parametrize(
    ("code", "path", "number"),
    _single_action_alters(),
    ids=lambda v: v.name if isinstance(v, Path) else str(v),
)
def test_an_alter_table_action_is_judged_wherever_it_stands(
    code: str, path: Path, number: int, behind: int
) -> None:
    """Each ALTER TABLE action a rule refuses in its failing fixture is refused as well second
    or third, behind actions DSQL accepts: a rule reads the action, not the statement's start."""
    text = fixture_text(path)
    options = fixture_options(text)
    lines = text.splitlines()
    match = _ALTER_ONE.match(lines[number - 1])
    assert match is not None
    lines[number - 1] = f"{match['head']} {', '.join(_HARMLESS[:behind])}, {match['action']};"
    rule = RULES[code]
    target = options.target or (rule.lifted - dt.timedelta(days=1) if rule.lifted else None)
    found = lint_text(
        "\n".join(lines) + "\n", target, assume_in_transaction=options.assume_in_transaction
    )
    assert code in {d.code for d in found if d.line == number}, (lines[number - 1], found)


# Every place PostgreSQL's grammar takes a clause DSQL refuses: `{c}` is the clause.
_CLAUSE_PLACES = [
    "CREATE TABLE t (id bigint PRIMARY KEY {c}, x int);",
    "CREATE TABLE t (id bigint, x int, PRIMARY KEY (id) {c});",
    "CREATE TABLE t (id bigint PRIMARY KEY, x int UNIQUE {c});",
    "CREATE TABLE t (id bigint PRIMARY KEY, x int CONSTRAINT u UNIQUE {c});",
    "CREATE TABLE t (id bigint PRIMARY KEY, x int, UNIQUE (x) {c});",
    "CREATE TABLE t (id bigint PRIMARY KEY, x int, CONSTRAINT u UNIQUE NULLS NOT DISTINCT (x)"
    " INCLUDE (id) {c});",
    "ALTER TABLE t ADD CONSTRAINT u UNIQUE (x) {c};",
    "ALTER TABLE t ADD PRIMARY KEY (id) {c};",
    "ALTER TABLE t ALTER COLUMN x DROP DEFAULT, ADD UNIQUE (x) {c};",
]


@pytest.mark.parametrize("place", _CLAUSE_PLACES)
@pytest.mark.parametrize(
    ("code", "clause"),
    [("DSQL508", "WITH (fillfactor = 70)"), ("DSQL507", "USING INDEX TABLESPACE pg_default")],
)
def test_a_constraint_index_clause_is_refused_wherever_the_constraint_is(
    place: str, code: str, clause: str
) -> None:
    """A PRIMARY KEY or UNIQUE constraint builds an index, whose storage parameters and
    tablespace DSQL refuses as it refuses CREATE INDEX's, wherever the constraint is written."""
    assert code in {d.code for d in lint_text(place.format(c=clause) + "\n")}


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("CREATE TABLE t (id bigint PRIMARY KEY, x text COMPRESSION pglz);", "DSQL611"),
        ("ALTER TABLE t ADD COLUMN y text COMPRESSION lz4;", "DSQL611"),
        ("ALTER TABLE t ALTER COLUMN x SET COMPRESSION lz4;", "DSQL611"),
        (
            "ALTER TABLE t ALTER COLUMN x DROP DEFAULT, ALTER COLUMN x SET COMPRESSION lz4;",
            "DSQL611",
        ),
        ('CREATE TABLE t (id bigint PRIMARY KEY, x text COLLATE "de_DE");', "DSQL109"),
        ('ALTER TABLE t ADD COLUMN y text COLLATE "de_DE";', "DSQL109"),
        ('ALTER TABLE t ALTER COLUMN x TYPE text COLLATE "de_DE";', "DSQL109"),
        ('CREATE INDEX ASYNC i ON t (x COLLATE "de_DE");', "DSQL109"),
        ('CREATE DOMAIN d AS text COLLATE "de_DE";', "DSQL109"),
        ("CREATE TABLE t (id bigint PRIMARY KEY) TABLESPACE x;", "DSQL507"),
        ("CREATE INDEX ASYNC i ON t (x) TABLESPACE x;", "DSQL507"),
        ("ALTER TABLE t SET TABLESPACE x;", "DSQL507"),
        ("ALTER INDEX i SET TABLESPACE x;", "DSQL507"),
        ("CREATE TABLE t (id bigint PRIMARY KEY) WITH (fillfactor = 70);", "DSQL508"),
        ("CREATE INDEX ASYNC i ON t (x) WITH (fillfactor = 70);", "DSQL508"),
        ("ALTER TABLE t SET (fillfactor = 70);", "DSQL508"),
        ("ALTER TABLE t ALTER COLUMN x DROP DEFAULT, SET (fillfactor = 70);", "DSQL508"),
        ("ALTER INDEX i SET (fillfactor = 70);", "DSQL508"),
    ],
)
def test_a_storage_clause_is_refused_in_every_statement_that_takes_it(sql: str, code: str) -> None:
    """Compression, collation, tablespace and storage parameters: each refused in a table,
    a column, an index and their ALTER forms alike."""
    assert code in {d.code for d in lint_text(sql + "\n")}


_ROUTINE = "CREATE FUNCTION f() RETURNS int LANGUAGE sql {} AS 'SELECT 1';"


@pytest.mark.parametrize("setting", _refused_settings())
@pytest.mark.parametrize(
    "form",
    [
        "SET {} = 0;",
        "SET LOCAL {} TO 0;",
        "RESET {};",
        "SELECT set_config('{}', '0', false);",
        _ROUTINE.format("SET {} = 10"),
        _ROUTINE.format("SET search_path = public SET {} TO '1s'"),
        _ROUTINE.format('SET "{}" FROM CURRENT'),
        "CREATE PROCEDURE p() LANGUAGE sql SET {} = 1 AS 'SELECT 1';",
        "ALTER FUNCTION f() SET {} = 10;",
        "ALTER ROLE r SET {} = 10;",
        "ALTER DATABASE postgres SET {} = 10;",
    ],
)
def test_a_refused_setting_is_reported_wherever_it_is_set(form: str, setting: str) -> None:
    """Every place a setting can be set (SET, SET LOCAL, RESET, set_config, a routine's SET
    clause, ALTER FUNCTION/ROLE/DATABASE ... SET) meets the same list of refused settings."""
    assert lint_text(form.format(setting) + "\n"), form.format(setting)


@pytest.mark.parametrize(
    "sql",
    [
        "SET search_path = public;",
        "SELECT set_config('search_path', 'public', false);",
        _ROUTINE.format("SET search_path = public"),
        _ROUTINE.format("SET timezone TO 'UTC' SET application_name = 'x'"),
    ],
)
def test_an_allowlisted_setting_is_clean_wherever_it_is_set(sql: str) -> None:
    assert lint_text(sql + "\n") == []


@pytest.mark.parametrize(
    "sql",
    [
        "SET work_mem = '64MB';",
        "SELECT set_config('work_mem', '64MB', false);",
        _ROUTINE.format("SET work_mem = '64MB'"),
    ],
)
def test_a_setting_off_the_allowlist_is_the_same_warning_wherever_it_is_set(sql: str) -> None:
    assert [d.code for d in lint_text(sql + "\n")] == ["DSQL711"]


def _table_with_indexes(count: int, kind: str) -> str:
    """Table t, columns c1..c30, with `count` indexes made by `kind`."""
    columns = [f"c{i} int" for i in range(1, 31)]
    extra: list[str] = []
    after = ""
    if kind == "column UNIQUE":
        columns[:count] = [f"c{i} int UNIQUE" for i in range(1, count + 1)]
    elif kind == "table UNIQUE":
        extra = [f"UNIQUE (c{i})" for i in range(1, count + 1)]
    else:
        after = "".join(f"CREATE INDEX ASYNC t_{i} ON t (c{i});\n" for i in range(1, count + 1))
    return f"CREATE TABLE t (id uuid PRIMARY KEY, {', '.join(columns + extra)});\n{after}"


_ONE_MORE = [
    "CREATE INDEX ASYNC t_more ON t (c30);",
    "CREATE UNIQUE INDEX ASYNC t_more ON t (c30);",
    "ALTER TABLE t ADD CONSTRAINT t_more UNIQUE (c30);",
    "ALTER TABLE t ADD UNIQUE (c29, c30);",
    "ALTER TABLE t ADD COLUMN z int UNIQUE;",
]


@pytest.mark.parametrize("more", _ONE_MORE)
@pytest.mark.parametrize("kind", ["CREATE INDEX", "column UNIQUE", "table UNIQUE"])
def test_the_25th_index_of_a_table_is_refused_whatever_made_each(kind: str, more: str) -> None:
    """A UNIQUE constraint builds an index: it counts toward DSQL's 24 per table, and the
    statement that makes the 25th is the one reported, whichever kind it is."""
    full = _table_with_indexes(24, kind) + more + "\n"
    last = full.count("\n")
    assert [d.line for d in lint_text(full) if d.code == "DSQL801"] == [last]
    room = _table_with_indexes(23, kind) + more + "\n"
    assert "DSQL801" not in {d.code for d in lint_text(room)}
