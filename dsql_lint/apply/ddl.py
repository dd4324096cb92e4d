"""What one DDL statement does: its effect on the catalog, its async job, its PostgreSQL form.

The effect is what the crash-window protocol checks when a DDL was started but its
completion was never recorded (see docs/apply.md, "Crash window").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsql_lint.apply.words import Cursor, Word, words

Name = tuple[str | None, str]  # (schema or None for the search path, name)

RELATIONS = {"TABLE": "table", "VIEW": "view", "SEQUENCE": "sequence", "INDEX": "index"}


@dataclass(frozen=True)
class Effect:
    """A catalog fact that holds once the statement is applied."""

    what: str  # relation, schema, type, role, column, constraint, validated, index, indexes
    present: bool
    names: tuple[Name, ...] = ()  # objects checked (relations, schemas, types, roles)
    table: Name | None = None  # for column, constraint, validated, index
    member: str | None = None  # the column, constraint or index name


@dataclass(frozen=True)
class AsyncJob:
    """A DSQL background job the statement starts; its row carries `job_id`."""

    kind: str  # "index" or "validate"
    table: Name
    name: str  # the index or constraint

    def describe(self) -> str:
        what = "index build" if self.kind == "index" else "constraint validation"
        return f"{what} {self.name} on {qualified(self.table)}"


@dataclass(frozen=True)
class Analysis:
    effect: Effect | None = None
    job: AsyncJob | None = None
    waits_for_job: bool = False  # a `CALL sys.wait_for_job(...)` written in the migration
    async_words: tuple[Word, ...] = field(default=())  # the ASYNC keywords PostgreSQL lacks


def qualified(name: Name) -> str:
    schema, rel = name
    return f"{schema}.{rel}" if schema else rel


def quote_name(name: Name) -> str:
    """A name as regclass input text, each part double-quoted so case is kept."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name if part is not None)


def analyze(sql: str) -> Analysis:
    cursor = Cursor(words(sql))
    if cursor.accept("CALL"):
        return Analysis(waits_for_job=cursor.accept("SYS", ".", "WAIT_FOR_JOB"))
    if cursor.accept("CREATE"):
        return _create(cursor)
    if cursor.accept("DROP"):
        return _drop(cursor)
    if cursor.accept("ALTER"):
        return _alter(cursor)
    return Analysis()


def postgres_form(sql: str, analysis: Analysis) -> str | None:
    """The statement as plain PostgreSQL runs it; None when it has nothing to do there."""
    if analysis.waits_for_job:
        return None  # PostgreSQL builds indexes synchronously: there is no job to wait for
    out = sql
    for word in sorted(analysis.async_words, key=lambda w: w.start, reverse=True):
        out = out[: word.start] + out[word.end :].lstrip(" ")
    return out


def _create(c: Cursor) -> Analysis:
    c.accept("OR", "REPLACE")
    unique = c.accept("UNIQUE")
    if c.accept("INDEX"):
        asyncs = _take_async(c)
        c.accept("CONCURRENTLY")
        c.accept("IF", "NOT", "EXISTS")
        if c.accept("ON"):
            # Unnamed: PostgreSQL picks the name, so a resume finds it as an index of the
            # table that was not there before the intent (live_catalog.fingerprint).
            c.accept("ONLY")
            table = c.name()
            effect = Effect("indexes", True, table=table) if table else None
            return Analysis(effect=effect, async_words=asyncs)
        index = c.name()
        if index is None or not c.accept("ON"):
            return Analysis(async_words=asyncs)
        c.accept("ONLY")
        table = c.name()
        if table is None:
            return Analysis(async_words=asyncs)
        effect = Effect("index", True, table=table, member=index[1])
        job = AsyncJob("index", table, index[1]) if asyncs else None
        return Analysis(effect=effect, job=job, async_words=asyncs)
    if unique:
        return Analysis()
    c.accept_any("TEMP", "TEMPORARY", "UNLOGGED")
    c.accept("MATERIALIZED")
    kind = c.accept_any("TABLE", "VIEW", "SEQUENCE", "SCHEMA", "DOMAIN", "TYPE", "ROLE", "USER")
    if kind is None:
        return Analysis()
    c.accept("IF", "NOT", "EXISTS")
    name = c.name()
    if name is None:
        return Analysis()
    return Analysis(effect=Effect(_object_kind(kind), True, names=(name,)))


def _drop(c: Cursor) -> Analysis:
    c.accept("MATERIALIZED")
    kind = c.accept_any("TABLE", "VIEW", "SEQUENCE", "INDEX", "SCHEMA", "DOMAIN", "TYPE", "ROLE")
    if kind is None:
        return Analysis()
    c.accept("CONCURRENTLY")
    c.accept("IF", "EXISTS")
    names: list[Name] = []
    while True:
        name = c.name()
        if name is None:
            return Analysis()
        names.append(name)
        if not c.accept(","):
            break
    return Analysis(effect=Effect(_object_kind(kind), False, names=tuple(names)))


def _alter(c: Cursor) -> Analysis:
    kind = c.accept_any("TABLE", "INDEX", "VIEW", "SEQUENCE")
    if kind is None:
        return Analysis()
    asyncs = _take_async(c) if kind == "TABLE" else ()
    c.accept("IF", "EXISTS")
    c.accept("ONLY")
    table = c.name()
    if table is None or c.rest_has_top_level_comma():
        return Analysis(async_words=asyncs)
    effect, job = _alter_action(c, table)
    return Analysis(effect=effect, job=job if asyncs else None, async_words=asyncs)


def _alter_action(c: Cursor, table: Name) -> tuple[Effect | None, AsyncJob | None]:
    if c.accept("RENAME", "TO"):
        new = c.name()
        return (Effect("relation", True, names=((table[0], new[1]),)) if new else None), None
    if c.accept("RENAME"):
        member = "constraint" if c.accept("CONSTRAINT") else "column"
        c.accept("COLUMN")
        c.name()
        if not c.accept("TO"):
            return None, None
        new = c.name()
        return (Effect(member, True, table=table, member=new[1]) if new else None), None
    if c.accept("VALIDATE", "CONSTRAINT"):
        name = c.name()
        if name is None:
            return None, None
        return Effect("validated", True, table=table, member=name[1]), AsyncJob(
            "validate", table, name[1]
        )
    if c.accept("ADD", "CONSTRAINT"):
        name = c.name()
        return (Effect("constraint", True, table=table, member=name[1]) if name else None), None
    if c.accept("DROP", "CONSTRAINT"):
        c.accept("IF", "EXISTS")
        name = c.name()
        return (Effect("constraint", False, table=table, member=name[1]) if name else None), None
    for verb, present in (("ADD", True), ("DROP", False)):
        if c.accept(verb):
            if c.peek("PRIMARY") or c.peek("UNIQUE") or c.peek("CHECK") or c.peek("FOREIGN"):
                return None, None
            c.accept("COLUMN")
            c.accept("IF", "NOT", "EXISTS") if present else c.accept("IF", "EXISTS")
            name = c.name()
            return (Effect("column", present, table=table, member=name[1]) if name else None), None
    return None, None


def _take_async(c: Cursor) -> tuple[Word, ...]:
    if c.peek("ASYNC"):
        word = c.items[c.pos]
        c.pos += 1
        return (word,)
    return ()


def _object_kind(keyword: str) -> str:
    if keyword in RELATIONS:
        return "relation"
    return {"SCHEMA": "schema", "DOMAIN": "type", "TYPE": "type", "USER": "role"}.get(
        keyword, keyword.lower()
    )
