"""A column whose type a fix changes from an array, named by a CHECK or a generated column of
its statement: the fix is declined (check says so too), since those expressions are written
for an array."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixkit import Case, assert_guarantees, fix_text

from dsql_lint.cli import cli
from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.decision import FixJudge
from dsql_lint.lint.pipeline import lint_sources
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import expand_paths, read_source

UNSAFE = Case(unsafe=True)


@pytest.mark.parametrize(
    "table",
    [
        "CREATE TABLE r (id uuid PRIMARY KEY, perms text[], UNIQUE (perms));",
        "CREATE TABLE r (perms -- a comment\n  text[] PRIMARY KEY, n text);",
        "CREATE TABLE r (id uuid PRIMARY KEY, perms text[] CHECK (array_ndims(perms) = 1));",
        "CREATE TABLE r (id uuid PRIMARY KEY, perms text[],"
        " n text GENERATED ALWAYS AS (array_to_string(perms, ',')) STORED);",
        'CREATE TABLE r (id uuid PRIMARY KEY, "Perms" text[], CHECK ("Perms" <> \'{}\'));',
    ],
)
def test_declined_in_check_and_fix(table: str, tmp_path: Path) -> None:
    path = tmp_path / "r.sql"
    path.write_text(table + "\n")
    checked = CliRunner().invoke(cli, ["check", "--isolated", "--format", "json", str(path)])
    found = {d["code"]: d["fix"] for d in json.loads(checked.output)["diagnostics"]}
    assert found["DSQL102"] == "none"
    assert fix_text(table + "\n", UNSAFE).text == table + "\n"


@pytest.mark.parametrize(
    ("table", "fixed"),
    [
        (
            "CREATE TABLE r (id uuid, perms text[] DEFAULT '{}'::text[] NOT NULL,"
            " CHECK ((id IS NULL) OR (cardinality(perms) > 0)));",
            "CREATE TABLE r (id uuid, perms jsonb DEFAULT '[]'::jsonb NOT NULL,"
            " CHECK ((id IS NULL) OR (jsonb_array_length(perms) > 0)));",
        ),
        (
            "CREATE TABLE r (perms text[], n int GENERATED ALWAYS AS (cardinality(perms)) STORED,"
            " CHECK (perms IS NOT NULL));",
            "CREATE TABLE r (perms jsonb, n int GENERATED ALWAYS AS (jsonb_array_length(perms))"
            " STORED, CHECK (perms IS NOT NULL));",
        ),
    ],
)
def test_uses_in_its_statement_are_carried(table: str, fixed: str, tmp_path: Path) -> None:
    path = tmp_path / "r.sql"
    path.write_text(table + "\n")
    checked = CliRunner().invoke(cli, ["check", "--isolated", "--format", "json", str(path)])
    found = {d["code"]: d["fix"] for d in json.loads(checked.output)["diagnostics"]}
    assert found["DSQL102"] == "unsafe"
    assert fix_text(table + "\n", UNSAFE).text == fixed + "\n"


def test_its_own_default_is_converted_not_a_dependent() -> None:
    text = "CREATE TABLE t (id uuid PRIMARY KEY, names text[] DEFAULT '{}');\n"
    result = fix_text(text, UNSAFE)
    assert result.text == "CREATE TABLE t (id uuid PRIMARY KEY, names jsonb DEFAULT '[]');\n"


def test_a_string_with_its_name_is_no_dependent() -> None:
    text = "CREATE TABLE t (id uuid PRIMARY KEY, names text[], k text DEFAULT 'names');\n"
    assert "names jsonb" in fix_text(text, UNSAFE).text


# --- what later statements do with the column ---------------------------------------------

UUID = Case(unsafe=True, choices={"serial-to": "uuid", "array-to": "jsonb"})


@pytest.mark.parametrize(
    ("later", "reason"),
    [
        ("SELECT array_to_string(tags, ',') FROM t;", "uses tags as text[]"),
        ("CREATE VIEW v AS SELECT unnest(tags) AS tag FROM t;", "uses tags as text[]"),
        ("INSERT INTO t (id, tags) SELECT 2, tags FROM t;", "inserts the result of a query"),
        ("UPDATE t SET tags = array_append(tags, 'x');", "writes `ARRAY_APPEND"),
        ("COPY t (id, tags) FROM stdin;\n1\t{a}\n\\.", "copies rows into tags"),
    ],
)
def test_a_dependent_without_rewrite_declines_the_fix(later: str, reason: str) -> None:
    text = f"CREATE TABLE t (id int PRIMARY KEY, tags text[]);\n{later}\n"
    result = fix_text(text, UNSAFE)
    assert result.text == text
    assert [d.code for d in result.remaining] == ["DSQL102"]
    assert result.remaining[0].fix.value == "none"
    (note,) = result.withdrawn
    assert "t.sql:1: DSQL102 not fixed: the fix (`text[]` -> `jsonb`) would break" in note
    assert reason in note


def test_a_table_created_again_ends_the_dependents() -> None:
    text = (
        "CREATE TABLE t (id int PRIMARY KEY, tags text[]);\n"
        "DROP TABLE t;\n"
        "CREATE TABLE t (id int PRIMARY KEY, tags text);\n"
        "SELECT upper(tags) FROM t;\n"
    )
    assert "tags jsonb);\nDROP" in fix_text(text, UNSAFE).text


def test_array_to_text_keeps_array_literals_and_declines_array_functions() -> None:
    case = Case(unsafe=True, choices={"serial-to": "identity", "array-to": "text"})
    kept = "CREATE TABLE t (id int, tags text[]);\nINSERT INTO t VALUES (1, '{a,b}');\n"
    assert fix_text(kept, case).text == kept.replace("text[]", "text")
    declined = "CREATE TABLE t (id int, tags text[]);\nSELECT cardinality(tags) FROM t;\n"
    assert fix_text(declined, case).text == declined


def test_serial_to_uuid_declines_explicit_integer_keys() -> None:
    text = "CREATE TABLE p (id serial PRIMARY KEY);\nINSERT INTO p (id) VALUES (1);\n"
    result = fix_text(text, UUID)
    assert result.text == text
    assert "writes `1` into id, which UUID does not take" in result.withdrawn[0]


def test_money_to_numeric_takes_numbers_converts_currency_text_and_declines_the_rest() -> None:
    case = Case(unsafe=True)
    numbers = "CREATE TABLE t (id int, v money);\nINSERT INTO t VALUES (1, 0.5), (2, -12);\n"
    assert fix_text(numbers, case).text == numbers.replace("money", "NUMERIC(19, 2)")
    currency = "CREATE TABLE t (id int, v money);\nINSERT INTO t VALUES (1, '$1,001.50');\n"
    assert fix_text(currency, case).text == (
        "CREATE TABLE t (id int, v NUMERIC(19, 2));\nINSERT INTO t VALUES (1, 1001.50);\n"
    )
    # money's negative in parentheses: text fix does not read as a number
    negative = "CREATE TABLE t (id int, v money);\nINSERT INTO t VALUES (1, '($1.50)');\n"
    result = fix_text(negative, case)
    assert result.text == negative
    assert "which NUMERIC(19, 2) does not take" in result.withdrawn[0]


def test_check_names_the_new_type_as_fix_writes_it(tmp_path: Path) -> None:
    """Lower-case SQL: fix writes `text` (a word, cased like the type it replaces) and
    `numeric(19, 2)` (a phrase, cased like the statement); check's decline notes say the
    same, whether decided in the statement (a CHECK) or on a later one (an INSERT).
    `pg_catalog.money` is money."""
    sql = (
        "create table t (id uuid primary key, ip inet check (family(ip) = 4), a inet,\n"
        "  v money, w pg_catalog.money, x pg_catalog.money);\n"
        "insert into t (id, v, w) values (gen_random_uuid(), '($1.50)', '($2.00)');\n"
    )
    (tmp_path / "V1__m.sql").write_text(sql)
    notes = [note for code, _, note in _check_folder(tmp_path) if code == "DSQL105" and note]
    assert notes == [
        "the fix (`inet` -> `text`) would break: the statement uses ip as inet in "
        "`CHECK (FAMILY(ip) = 4)`",
        f"the fix (`money` -> `numeric(19, 2)`) would break: {tmp_path / 'V1__m.sql'}:3 writes "
        "`'($1.50)'` into v, which numeric(19, 2) does not take",
        f"the fix (`pg_catalog.money` -> `numeric(19, 2)`) would break: {tmp_path / 'V1__m.sql'}"
        ":3 writes `'($2.00)'` into w, which numeric(19, 2) does not take",
    ]
    fixed, said = _fix_folder(tmp_path, sql)
    assert ", a text,\n" in fixed and "x numeric(19, 2));" in fixed
    assert all(note in said for note in notes)


def test_serial_to_uuid_declines_a_reference_from_a_column_with_a_default() -> None:
    text = (
        "CREATE TABLE p (id serial PRIMARY KEY);\n"
        "CREATE TABLE c (pid int DEFAULT 0 REFERENCES p);\n"
    )
    result = fix_text(text, UUID)
    assert "c.pid references p (id) and has a default for its old type" in result.withdrawn[0]


def test_serial_to_identity_leaves_referencing_columns() -> None:
    text = "CREATE TABLE p (id serial PRIMARY KEY);\nCREATE TABLE c (pid int REFERENCES p);\n"
    assert "pid int REFERENCES" in fix_text(text, UNSAFE).text


# --- later files of a folder ----------------------------------------------------------------


def _fix_folder(tmp_path: Path, *files: str, options: tuple[str, ...] = ()) -> tuple[str, str]:
    for n, text in enumerate(files, 1):
        (tmp_path / f"V{n}__m.sql").write_text(text)
    result = CliRunner().invoke(
        cli, ["fix", "--isolated", "--unsafe-fixes", *options, str(tmp_path)]
    )
    return (tmp_path / "V1__m.sql").read_text(), result.stderr


def _check_folder(folder: Path) -> list[tuple[str, str, str | None]]:
    result = CliRunner().invoke(
        cli, ["check", "--isolated", "--no-cache", "--format", "json", str(folder)]
    )
    return [(d["code"], d["fix"], d["fix_note"]) for d in json.loads(result.output)["diagnostics"]]


def test_a_later_file_that_would_break_declines_the_fix(tmp_path: Path) -> None:
    """check of the folder says what fix of it does: no fix, naming the later file."""
    first = "CREATE TABLE t (id int PRIMARY KEY, tags text[]);\n"
    later = "SELECT tags[1] FROM t;\n"
    (tmp_path / "V1__m.sql").write_text(first)
    (tmp_path / "V2__m.sql").write_text(later)
    [(code, fix, note)] = _check_folder(tmp_path)
    assert (code, fix) == ("DSQL102", "none")
    assert "V2__m.sql:1 uses tags as text[]: `tags[1]`" in note
    fixed, said = _fix_folder(tmp_path, first, later)
    assert fixed == first
    assert f"V1__m.sql:1: DSQL102 not fixed: {note}" in said


def test_a_later_file_is_carried_to_the_new_type_as_a_later_statement_is(tmp_path: Path) -> None:
    """A use a later statement of the file would be rewritten for is rewritten in a later
    file too, when fix reaches it (round 12: declined, `in another file`); check says the
    fix applies."""
    first = "CREATE TABLE t (id int PRIMARY KEY, tags text[]);\n"
    later = "INSERT INTO t (id, tags) VALUES (1, '{a}');\nSELECT cardinality(tags) FROM t;\n"
    (tmp_path / "V1__m.sql").write_text(first)
    (tmp_path / "V2__m.sql").write_text(later)
    assert _check_folder(tmp_path) == [("DSQL102", "unsafe", None)]
    fixed, said = _fix_folder(tmp_path, first, later)
    assert fixed == first.replace("text[]", "jsonb")
    assert (tmp_path / "V2__m.sql").read_text() == (
        "INSERT INTO t (id, tags) VALUES (1, '[\"a\"]');\n"
        "SELECT jsonb_array_length(tags) AS cardinality FROM t;\n"
    )
    assert "V2__m.sql:1: DSQL102 [unsafe] fixed: follows the fix at " in said
    assert "0 remain" in said


def test_a_later_statement_that_would_break_is_said_by_check(tmp_path: Path) -> None:
    path = tmp_path / "t.sql"
    path.write_text("CREATE TABLE t (id int, tags text[]);\nSELECT unnest(tags) FROM t;\n")
    result = CliRunner().invoke(cli, ["check", "--isolated", "--no-cache", str(path)])
    assert "fix: none: the fix (`text[]` -> `jsonb`) would break: " in result.output
    assert "t.sql:2 uses tags as text[]: `UNNEST(tags)`" in result.output
    assert "fixable" not in result.output


def test_a_later_file_that_works_with_the_new_type_lets_the_fix_apply(tmp_path: Path) -> None:
    first = "CREATE TABLE t (id int PRIMARY KEY, tags text[]);\n"
    fixed, _ = _fix_folder(tmp_path, first, "SELECT id, tags FROM t WHERE tags IS NULL;\n")
    assert fixed == first.replace("text[]", "jsonb")


def test_a_reference_from_a_later_file_takes_the_new_type(tmp_path: Path) -> None:
    """serial to uuid: the referencing column of a later file becomes uuid when fix reaches
    it, and what the later files do with it follows in turn (round 12: declined)."""
    first = "CREATE TABLE p (id serial PRIMARY KEY);\n"
    later = "CREATE TABLE c (pid int REFERENCES p (id));\n"
    last = "CREATE TABLE d (cid int REFERENCES c (pid) UNIQUE);\n"
    fixed, said = _fix_folder(tmp_path, first, later, last, options=("--serial-to", "uuid"))
    assert fixed == "CREATE TABLE p (id UUID DEFAULT gen_random_uuid() PRIMARY KEY);\n"
    assert (tmp_path / "V2__m.sql").read_text() == later.replace("int", "uuid")
    assert (tmp_path / "V3__m.sql").read_text() == last.replace("int", "uuid")
    assert "0 remain" in said


def test_a_reference_from_a_later_file_that_cannot_follow_declines(tmp_path: Path) -> None:
    """A later file's referencing column with a default for the old type, and a later use of
    the key that uuid does not take: every one is named in the one note, in run order."""
    first = "CREATE TABLE p (id serial PRIMARY KEY);\n"
    later = "CREATE TABLE c (pid int DEFAULT 0 REFERENCES p (id));\n"
    last = "SELECT id + 1 FROM p;\n"
    fixed, said = _fix_folder(tmp_path, first, later, last, options=("--serial-to", "uuid"))
    assert fixed == first
    assert (tmp_path / "V2__m.sql").read_text() == later
    child = "V2__m.sql:1: c.pid references p (id) and has a default for its old type"
    use = "V3__m.sql:1 uses id as serial: `id + 1`"
    assert child in said and use in said
    assert said.index(child) < said.index(use)  # in the order they run


# --- keys that an ALTER TABLE adds over the column ------------------------------------------


@pytest.mark.parametrize(
    ("later", "key"),
    [
        # DSQL622 moves this UNIQUE into the CREATE TABLE, where a jsonb column is no key.
        ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (tags);", "a unique constraint"),
        ("ALTER TABLE t ADD UNIQUE (id, tags);", "a unique constraint"),
        (
            "ALTER TABLE t DROP CONSTRAINT t_pkey;\nALTER TABLE t ADD PRIMARY KEY (id, tags);",
            "a primary key",
        ),
        ("ALTER TABLE t ADD CONSTRAINT p PRIMARY KEY (tags);", "a primary key"),
        ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (tags) REFERENCES s (v);", "a foreign key"),
        ("ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING btree (tags WITH =);", "an exclusion"),
    ],
)
def test_a_key_added_later_declines_the_fix_in_check_and_fix(later: str, key: str) -> None:
    """The decision reads the column lists of keys that later ALTER TABLEs add, as it reads
    an index's: check and fix both leave the array, with a note naming the statement."""
    text = f"CREATE TABLE t (id uuid PRIMARY KEY, tags text[]);\n{later}\n"
    result = fix_text(text, UNSAFE)
    assert "tags text[]" in result.text
    (found,) = [d for d in result.first.diagnostics if d.code == "DSQL102"]
    assert found.fix is FixAvailability.NONE
    assert found.fix_note is not None
    line = text.count("\n", 0, text.index(later.splitlines()[-1])) + 1
    assert f"t.sql:{line} makes tags part of {key}" in found.fix_note
    assert found.fix_note.endswith("DSQL cannot use a jsonb column in a key (DSQL307)")
    assert not result.declined  # declined by the decision, not withdrawn by the guard
    assert_guarantees(result, True, UNSAFE)


def test_a_key_over_another_column_lets_the_fix_apply() -> None:
    text = (
        "CREATE TABLE t (id uuid, tags text[]);\n"
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (id);\n"
        "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (id) REFERENCES s (tags);\n"
    )
    assert "tags jsonb" in fix_text(text, UNSAFE).text


def test_a_key_added_in_a_later_file_declines_the_fix(tmp_path: Path) -> None:
    first = "CREATE TABLE t (id uuid PRIMARY KEY, tags text[]);\n"
    later = "ALTER TABLE t ADD CONSTRAINT u UNIQUE (tags);\n"
    (tmp_path / "V1__m.sql").write_text(first)
    (tmp_path / "V2__m.sql").write_text(later)
    [(code, fix, note), _] = _check_folder(tmp_path)
    assert (code, fix) == ("DSQL102", "none")
    assert "V2__m.sql:1 makes tags part of a unique constraint" in note
    fixed, said = _fix_folder(tmp_path, first, later)
    assert fixed == first
    assert f"V1__m.sql:1: DSQL102 not fixed: {note}" in said


def test_a_foreign_key_added_later_to_a_column_that_keeps_its_type_declines_the_fix() -> None:
    """PostgreSQL refuses a foreign key from uuid to bigint: the serial column stays."""
    text = (
        "CREATE TABLE p (id bigint PRIMARY KEY);\n"
        "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
        "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id) NOT VALID;\n"
    )
    result = fix_text(text, UUID)
    assert "pid serial" in result.text
    (found,) = [d for d in result.first.diagnostics if d.code == "DSQL101"]
    assert found.fix is FixAvailability.NONE
    assert found.fix_note is not None
    assert found.fix_note.endswith(
        "t.sql:3 makes pid a foreign key to p (id), whose type does not change with it"
    )
    assert_guarantees(result, True, UUID)


@pytest.mark.parametrize("target", ["t (id)", "t"])
def test_a_foreign_key_added_later_to_a_column_that_changes_with_it_is_carried(
    target: str,
) -> None:
    text = (
        "CREATE TABLE t (id serial PRIMARY KEY, parent int);\n"
        f"ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (parent) REFERENCES {target} NOT VALID;\n"
    )
    result = fix_text(text, UUID)
    assert "PRIMARY KEY, parent uuid);" in result.text
    assert_guarantees(result, True, UUID)


# --- foreign keys between columns that both change ------------------------------------------


@pytest.mark.parametrize(
    ("text", "child"),
    [
        (  # the key's fix first: the referencing column takes the key's type, its own fix met
            "CREATE TABLE p (id serial PRIMARY KEY);\n"
            "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
            "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id) NOT VALID;\n",
            "pid uuid)",
        ),
        (  # the referencing column's own fix first: the key's fix finds it a uuid already
            "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
            "CREATE TABLE p (id serial PRIMARY KEY);\n"
            "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p NOT VALID;\n",
            "pid UUID DEFAULT gen_random_uuid())",
        ),
    ],
)
def test_a_serial_foreign_key_to_a_serial_key_changes_with_it(text: str, child: str) -> None:
    """Two findings, both to uuid: the foreign key between them holds once both are fixed,
    so neither is declined (the referencing one was, its key's own change unknown to it)."""
    result = fix_text(text, UUID)
    assert [(d.code, d.fix) for d in result.first.diagnostics if d.code == "DSQL101"] == [
        ("DSQL101", FixAvailability.UNSAFE)
    ] * 2
    assert "id UUID DEFAULT gen_random_uuid() PRIMARY KEY" in result.text
    assert child in result.text
    assert not result.remaining
    assert_guarantees(result, True, UUID)


def test_a_key_whose_own_fix_is_declined_declines_the_foreign_key_to_it() -> None:
    text = (
        "CREATE TABLE p (id serial PRIMARY KEY);\n"
        "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
        "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id) NOT VALID;\n"
        "INSERT INTO p (id) VALUES (1);\n"
    )
    result = fix_text(text, UUID)
    assert result.text == text
    notes = [d.fix_note for d in result.first.diagnostics if d.code == "DSQL101"]
    assert notes[0] is not None and "t.sql:4 writes `1` into id" in notes[0]
    assert notes[1] is not None and notes[1].endswith(
        "t.sql:3 makes pid a foreign key to p (id), whose type does not change with it"
    )


def test_a_reference_from_the_column_in_its_own_statement_is_judged() -> None:
    """`pid serial REFERENCES p (id)` with p.id a bigint: a uuid pid could not reference it."""
    text = (
        "CREATE TABLE p (id bigint PRIMARY KEY);\n"
        "CREATE TABLE c (id uuid PRIMARY KEY, pid serial REFERENCES p (id));\n"
    )
    result = fix_text(text, UUID)
    assert result.text == text
    (found,) = result.first.diagnostics
    assert found.fix_note is not None
    assert found.fix_note.endswith(
        "t.sql:2 makes pid a foreign key to p (id), whose type does not change with it"
    )


def test_a_reference_without_columns_reads_the_key_of_an_earlier_file(tmp_path: Path) -> None:
    """`REFERENCES p` names p's primary key, declared in the file before: a uuid, which the
    serial column becomes, so the fix holds (it was declined, the key unknown)."""
    (tmp_path / "V1__p.sql").write_text("CREATE TABLE p (id uuid PRIMARY KEY);\n")
    (tmp_path / "V2__c.sql").write_text(
        "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
        "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p NOT VALID;\n"
    )
    judge = FixJudge(UUID.choices)
    options = LintOptions(fix_judge=judge)
    sources = [read_source(p) for p in expand_paths([str(tmp_path)], ())]
    checked = judge.settle_run(lint_sources(sources, options), options)
    assert [(d.code, d.fix) for d in checked.diagnostics if d.code == "DSQL101"] == [
        ("DSQL101", FixAvailability.UNSAFE)
    ]
    said, _ = _fix_folder_as_is(tmp_path, "--serial-to", "uuid")
    assert "DSQL101 not fixed" not in said
    assert "pid UUID DEFAULT gen_random_uuid()" in (tmp_path / "V2__c.sql").read_text()


def test_a_reference_without_columns_to_an_earlier_files_integer_key_is_named(
    tmp_path: Path,
) -> None:
    (tmp_path / "V1__p.sql").write_text("CREATE TABLE p (id bigint PRIMARY KEY);\n")
    (tmp_path / "V2__c.sql").write_text(
        "CREATE TABLE c (id uuid PRIMARY KEY, pid serial);\n"
        "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p NOT VALID;\n"
    )
    _, said = _fix_folder_as_is(tmp_path, "--serial-to", "uuid")
    assert "V2__c.sql:2 makes pid a foreign key to p (id), whose type does not change" in said


def _fix_folder_as_is(folder: Path, *options: str) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["fix", "--isolated", "--unsafe-fixes", *options, str(folder)])
    return result.output, result.stderr


# --- exclusion constraints --------------------------------------------------------------------


def test_an_exclusion_constraint_the_new_type_may_not_take_declines_the_fix() -> None:
    """inet -> text under `EXCLUDE USING gist (ip inet_ops WITH &&)`: text has no gist
    operator class and no && (it was read as harmless for any change but to jsonb). Under
    gist, `ip WITH =` takes text through btree_gist as it took inet
    (test_dependent_objects.py)."""
    later = "ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING gist (ip inet_ops WITH &&);"
    text = f"CREATE TABLE t (id uuid PRIMARY KEY, ip inet);\n{later}\n"
    result = fix_text(text, UNSAFE)
    assert "ip inet" in result.text
    (found,) = [d for d in result.first.diagnostics if d.code == "DSQL105"]
    assert found.fix is FixAvailability.NONE
    assert found.fix_note is not None
    assert "t.sql:2 makes ip part of exclusion constraint e (USING gist, `ip" in found.fix_note
    assert found.fix_note.endswith("whose operator class or operator may not exist for text")
    assert_guarantees(result, True, UNSAFE)


def test_an_equality_exclusion_in_a_btree_takes_the_new_type() -> None:
    text = (
        "CREATE TABLE t (id uuid PRIMARY KEY, ip inet);\n"
        "ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING btree (ip WITH =);\n"
    )
    assert "ip text" in fix_text(text, UNSAFE).text


# --- every blocker in one note ----------------------------------------------------------------


@pytest.mark.parametrize(
    "check",
    ["", " CHECK (tags[1] <> '')"],
    ids=["later uses only", "and a CHECK of its own statement"],
)
def test_every_use_that_blocks_the_fix_is_named_in_one_note(tmp_path: Path, check: str) -> None:
    """A view using `tags[1]`, a function's body and a later file's `array_to_string`, with
    or without a CHECK the new type cannot take: one run names them all, check's `fix: none`
    and fix's `not fixed` alike (round 12: one per run, three runs to learn them)."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_t.sql").write_text(
        f"CREATE TABLE t (id uuid PRIMARY KEY, tags text[]{check});\n"
        "CREATE VIEW v AS SELECT tags[1] AS first_tag FROM t;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT cardinality(tags) FROM t $$;\n"
    )
    (folder / "002_q.sql").write_text("SELECT array_to_string(tags, ',') FROM t;\n")
    [(code, fix, note)] = [f for f in _check_folder(folder) if f[0] == "DSQL102"]
    assert fix == "none"
    blockers = [
        "001_t.sql:2 uses tags as text[]: `tags[1]`",
        "001_t.sql:3 uses t.tags in the body of function f",
        "002_q.sql:1 uses tags as text[]: `ARRAY_TO_STRING(tags, ',')`",
    ]
    if check:
        blockers.insert(0, "the statement uses tags as text[] in `CHECK (tags[1] <> '')`")
    assert [b for b in blockers if b not in note] == []
    assert note.count("; ") == len(blockers) - 1
    result = CliRunner().invoke(cli, ["fix", "--isolated", "--unsafe-fixes", str(folder)])
    assert f"001_t.sql:1: DSQL102 not fixed: {note}" in result.stderr
