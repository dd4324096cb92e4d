"""`fix` on ORM files: edits written inside the string literals the SQL was read from, escaped
for each literal's syntax, proved by the language itself reading the literal back.

The pinned outputs beside fixtures/orm/fix/*: `<file>.fix.txt`, the `fix --diff
--unsafe-fixes` diff and the lines saying what was fixed or not. Rewrite them with
`PYTHONPATH=tests python tests/fix/test_orm_fix.py`, and read their diff as a user would.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixkit import Case, fixer
from pg_testserver import Server
from pgproof import prove
from postgres import create_database, serving

from dsql_lint.diagnostic import FixAvailability
from dsql_lint.fix.edits import Edit, Fix
from dsql_lint.fix.hosted import ADDS_STATEMENT, Host
from dsql_lint.lint.pipeline import lint_paths
from dsql_lint.orm.detect import read_given
from dsql_lint.orm.mapped import Literal, MappedSource
from dsql_lint.orm.quoting import escape
from dsql_lint.settings import LintOptions
from dsql_lint.syntax.source import Source, read_source

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "orm" / "fix"
SCRIPTS = (".ts", ".js", ".py", ".rb")
FILES = sorted(p for p in FIX.rglob("*") if p.suffix in SCRIPTS)
# With the schemas, fixed in Prisma's terms (fix/prisma.py), not in string literals.
PINNED = FILES + sorted(FIX.rglob("*.prisma"))
CORPUS = ROOT.parent / "shared" / "corpus" / "orm"
if not CORPUS.is_dir():  # a worktree beside the repository, as the helpers' are
    CORPUS = Path("/work/shared/corpus/orm")
CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())


def _fix(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "dsql_lint", "fix", "--isolated", *args],
        capture_output=True, text=True, cwd=cwd, env=env, check=False,
    )  # fmt: skip


def _pinned_output(path: Path) -> str:
    """The diff of `fix --diff --unsafe-fixes` and its lines on each fix, as run from the
    repository root (so that paths are the same on every machine)."""
    relative = path.relative_to(ROOT).as_posix()
    result = _fix("--diff", "--unsafe-fixes", relative)
    said = [line for line in result.stderr.splitlines() if re.match(rf"{relative}:\d+: ", line)]
    return result.stdout + "".join(f"{line}\n" for line in said)


def _pin(path: Path) -> Path:
    return path.with_name(path.name + ".fix.txt")


@pytest.mark.parametrize("path", PINNED, ids=lambda p: p.name)
def test_fix_diff_is_pinned(path: Path) -> None:
    assert _pinned_output(path) == _pin(path).read_text()


def _codes(path: Path) -> Counter[str]:
    return Counter(d.code for d in lint_paths([str(path)], LintOptions()).diagnostics)


def _decoded(source: MappedSource) -> dict[int, str]:
    """Each literal's text as the reader decoded it."""
    out: dict[int, str] = {}
    for k, (offset, _, _, literal) in enumerate(source.anchors):
        if literal >= 0:
            end = source.anchors[k + 1][0] if k + 1 < len(source.anchors) else len(source.text)
            out[literal] = out.get(literal, "") + source.text[offset:end]
    return out


def _written(text: str, literal: Literal) -> str:
    """The literal as the file spells it, delimiters (and a Python prefix) included."""
    start = literal.start - len(literal.quote)
    if literal.language == "py":
        while text[start - 1] in "rRuU":
            start -= 1
    return text[start : literal.end + len(literal.quote)]


def _as_the_language_reads(path: Path, source: MappedSource) -> list[tuple[str, str]]:
    """(what the language makes of each literal, what the reader read), for JavaScript by
    node and for Python by its own parser."""
    literals = [lit for lit in source.literals if lit.language in ("js", "py")]
    decoded = _decoded(source)
    read = [decoded.get(source.literals.index(lit), "") for lit in literals]
    spelled = [_written(source.original, lit) for lit in literals]
    if path.suffix == ".py":
        return list(zip([ast.literal_eval(s) for s in spelled], read, strict=True))
    if not literals:
        return []
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = f"process.stdout.write(JSON.stringify([{','.join(spelled)}]))"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    return list(zip(json.loads(out.stdout), read, strict=True))


@pytest.mark.parametrize("path", PINNED, ids=lambda p: p.name)
def test_fixed_file_reads_back_with_fewer_findings(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.relative_to(FIX)
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy)
    before = _codes(copy)
    _fix("--unsafe-fixes", str(copy))
    assert copy.read_text() != path.read_text()
    after = _codes(copy)
    assert sum(after.values()) < sum(before.values())
    assert not after - before, "new findings"
    assert _fix("--diff", "--unsafe-fixes", str(copy)).stdout == ""  # nothing left to do
    source = read_source(str(copy), orm=True)
    assert isinstance(source, MappedSource)
    if path.suffix == ".py":
        ast.parse(source.original)
    for language, reader in _as_the_language_reads(path, source):
        assert language == reader


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_orm_files_after_fix(path: Path, tmp_path: Path) -> None:
    """No new finding, and the file still reads as its language would."""
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    before = _codes(copy)
    _fix("--unsafe-fixes", str(copy))
    assert not _codes(copy) - before
    source = read_source(str(copy), orm=True)
    assert isinstance(source, MappedSource)
    for language, reader in _as_the_language_reads(path, source):
        assert language == reader


# Text holding what each syntax must escape: quotes, backslashes, `${`, Ruby's `#{`, `#@`,
# newlines, a heredoc's terminator.
TRICKY = [
    "it's",
    'say "hi"',
    "a\\b",
    "x\\'y",
    "${name}",
    "`tick`",
    "#{ruby} #@ivar #$global",
    "line\nnext\r\nlast",
    "tab\there",
    "ends with \\",
    "\nSQL\n",
    "\u2028",
    "'''\"\"\"",
]
LITERALS = [
    Literal(0, 0, "js", "'"),
    Literal(0, 0, "js", '"'),
    Literal(0, 0, "js", "`"),
    Literal(0, 0, "py", "'"),
    Literal(0, 0, "py", '"""'),
    Literal(0, 0, "py", "'", raw=True),
    Literal(0, 0, "py", "'''", raw=True),
]


@pytest.mark.parametrize("literal", LITERALS, ids=lambda lit: f"{lit.language}{lit.quote}")
def test_escaped_text_is_what_the_language_reads(literal: Literal) -> None:
    written = [(text, escape(literal, text)) for text in TRICKY]
    spelled = [
        ("r" if literal.raw else "") + literal.quote + e + literal.quote
        for _, e in written
        if e is not None
    ]
    wanted = [text for text, e in written if e is not None]
    if literal.raw:  # what a raw string cannot hold is refused, the rest written as it is
        assert [text for text, e in written if e is None] == [
            t
            for t in TRICKY
            if "\\" in t
            or "\r" in t
            or literal.quote[0] in t
            or (len(literal.quote) == 1 and "\n" in t)
        ]
    else:
        assert len(wanted) == len(TRICKY)
    if literal.language == "py":
        assert [ast.literal_eval(s) for s in spelled] == wanted
        return
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = f"process.stdout.write(JSON.stringify([{','.join(spelled)}]))"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    # A template literal reads a CR LF written in it as LF: escape() writes CR as \r.
    assert json.loads(out.stdout) == wanted


def _ruby(body: str) -> str:
    return (
        "class M < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def up\n"
        f"{body}\n  end\nend\n"
    )


@pytest.mark.parametrize(
    "body",
    [
        '    execute "CREATE INDEX i ON t (a)"',
        "    execute 'CREATE INDEX i ON t (a)'",
        "    execute <<~SQL\n      CREATE INDEX i ON t (a)\n    SQL",
        "    execute <<~'SQL'\n      CREATE INDEX i ON t (a)\n    SQL",
    ],
)
def test_ruby_strings_read_back_what_fix_writes(body: str) -> None:
    """Text with every character Ruby escapes, written where ASYNC goes, reads back as
    written; a heredoc refuses its terminator on a line of its own."""
    source = Source("m.rb", _ruby(body))
    reader = read_given(Path("m.rb"), source.text)
    assert reader is not None
    sql = reader(source)
    at = sql.text.index("INDEX ") + len("INDEX ")
    literal = sql.literals[0]
    for text in TRICKY:
        written = escape(literal, text)
        if written is None:
            assert literal.heredoc
            assert "\nSQL\n" in f"\n{text}\n"
            continue
        place = sql.original_offset(at)
        again = reader(Source("m.rb", source.text[:place] + written + source.text[place:]))
        assert again.text == sql.text[:at] + text + sql.text[at:]


def _fix_of(*edits: Edit) -> Fix:
    return Fix("DSQL301", "index-without-async", FixAvailability.SAFE, "", edits, 1)


def test_edits_of_an_escape_whole_or_adding_a_statement() -> None:
    # Ruby `\\` in a heredoc: one backslash of the SQL, which an edit replaces whole.
    text = _ruby("    execute <<~SQL\n      CREATE INDEX i ON t (a) WHERE b <> E'\\\\n'\n    SQL")
    reader = read_given(Path("m.rb"), text)
    assert reader is not None
    sql = reader(Source("m.rb", text))
    assert "E'\\n'" in sql.text
    host = Host(sql, reader)
    slash = sql.text.index("\\")
    place = sql.original_offset(slash)
    assert text[place : place + 3] == "\\\\n"
    assert host.edits(_fix_of(Edit(slash, slash + 1, "x")), sql) == (Edit(place, place + 2, "x"),)
    end = sql.text.index("'", slash) + 1
    added = _fix_of(Edit(end, end, ";\nCREATE INDEX ASYNC j ON t (b)"))
    assert host.edits(added, sql) == ADDS_STATEMENT
    at = sql.text.index("INDEX ") + len("INDEX ")
    place = sql.original_offset(at)
    assert host.edits(_fix_of(Edit(at, at, "ASYNC ")), sql) == (Edit(place, place, "ASYNC "),)


def test_a_binding_placeholder_is_never_written_where_the_framework_binds() -> None:
    text = "exports.up = (knex) => knex.raw('SELECT 1 FROM t WHERE a = ANY(b)', []);\n"
    reader = read_given(Path("m.js"), text)
    assert reader is not None
    sql = reader(Source("m.js", text))
    host = Host(sql, reader)
    at = sql.text.index("a = ANY(b)")
    jsonb = _fix_of(Edit(at, at + len("a = ANY(b)"), "b ? a"))
    said = "the Knex migration would read `?` in the new text as a binding"
    assert host.edits(jsonb, sql) == said
    contains = _fix_of(Edit(at, at + len("a = ANY(b)"), "b @> a"))
    assert isinstance(host.edits(contains, sql), tuple)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving() as server:
        yield server


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fixed_sql_is_no_worse_on_postgresql(server: Server, path: Path) -> None:
    """The SQL read from the file and from the fixed file, each loaded into a fresh database
    (tests/fix/pgproof.py): no error of a new kind, no finding the fix brought."""
    source = read_source(str(path), orm=True)
    assert isinstance(source, MappedSource)
    reader = read_given(path, source.original)
    assert reader is not None
    result = fixer(Case(unsafe=True)).fix_source(source, host=Host(source, reader))
    assert result.changed
    as_sql = dataclasses.replace(result, source=result.first.source, text=result.report.source.text)
    proof = prove(lambda: create_database(server), as_sql)
    assert not proof.new, f"errors of new kinds: {dict(proof.new)} (before: {dict(proof.before)})"
    assert not proof.introduced


PRISMA = ROOT / "fixtures" / "orm" / "prisma" / "schema.prisma"


def test_prisma_serial_key_becomes_a_uuid_in_prisma_terms(tmp_path: Path) -> None:
    schema = tmp_path / "schema.prisma"
    shutil.copyfile(PRISMA, schema)
    before = _codes(schema)
    # identity, the default: not in Prisma's terms
    kept = _fix("--unsafe-fixes", "--select", "DSQL101", str(schema))
    assert "DSQL101 not fixed: Prisma cannot declare an identity column" in kept.stderr
    assert schema.read_bytes() == PRISMA.read_bytes()
    _fix("--unsafe-fixes", "--select", "DSQL101", "--serial-to", "uuid", str(schema))
    original = PRISMA.read_text()
    post = original[original.index("  id       String") : original.index("  location")]
    # The blocks it changed aligned as `prisma format` aligns them: Post's types padded to
    # its longest, `Unsupported("geometry")?`.
    aligned = (
        '  id       String                   @id @default(dbgenerated("gen_random_uuid()")) '
        "@db.Uuid\n"
        '  title    String                   @default("untitled")\n'
        '  authorId String                   @map("author_id")\n'
        "  author   User                     @relation(fields: [authorId], references: [id])\n"
    )
    assert schema.read_text() == original.replace(
        "id      Int      @id @default(autoincrement())", "id      String   @id @default(uuid())"
    ).replace(post, aligned)
    after = _codes(schema)
    assert after == before - Counter({"DSQL101": 1})
    source = read_source(str(schema), orm=True)
    assert '"author_id" TEXT NOT NULL' in source.text  # the key's type, followed


def test_prisma_key_whose_relation_does_not_follow_is_declined(tmp_path: Path) -> None:
    schema = tmp_path / "schema.prisma"
    schema.write_text(
        PRISMA.read_text().replace('authorId Int      @map("author_id")', "authorId BigInt")
    )
    result = _fix("--unsafe-fixes", "--serial-to", "uuid", str(schema))
    assert "DSQL101 not fixed: `Post.authorId` does not have the key's type `Int`" in result.stderr
    assert "authorId BigInt" in schema.read_text()
    assert "@default(autoincrement())" in schema.read_text()


@pytest.mark.parametrize("path", PINNED, ids=lambda p: p.name)
def test_what_check_calls_fixable_fix_fixes(path: Path) -> None:
    """Finding by rule, but those the guard withdraws (a fix that brings a finding in
    another statement, which check, one statement at a time, cannot see)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    checked = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--isolated", "--no-cache", "--format",
         "json", str(path)],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False,
    )  # fmt: skip
    fixable = Counter(
        d["code"] for d in json.loads(checked.stdout)["diagnostics"] if d["fix"] != "none"
    )
    pinned = _pin(path).read_text()
    fixed = Counter(re.findall(r"^\S+:\d+: (DSQL\d+)(?:, DSQL\d+)* \[\w+\] fixed", pinned, re.M))
    withdrawn = Counter(re.findall(r"^\S+:\d+: (DSQL\d+) not fixed: the fix \(", pinned, re.M))
    assert fixable == fixed + withdrawn


if __name__ == "__main__":
    for fixture in PINNED:
        _pin(fixture).write_text(_pinned_output(fixture))
        print(_pin(fixture).relative_to(ROOT))


def test_prisma_fixes_it_cannot_say_are_declined_with_why(tmp_path: Path) -> None:
    schema = tmp_path / "schema.prisma"
    text = (
        'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n\n'
        "enum Tag {\n  A\n  B\n}\n\n"
        "model Post {\n  id   String @id\n  tags Tag[]  @default([A])\n}\n"
    )
    schema.write_text(text)
    result = _fix("--unsafe-fixes", str(schema))
    assert "DSQL514 not fixed: `Post.tags` is a list of `Tag`" in result.stderr
    assert "DSQL102 not fixed: the default `[A]` of `Post.tags` is not JSON" in result.stderr
    assert schema.read_text() == text
    checked = subprocess.run(
        [sys.executable, "-m", "dsql_lint", "check", "--isolated", str(schema)],
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert "fix: none: `Post.tags` is a list of `Tag`" in checked.stdout
