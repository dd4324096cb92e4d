"""Reading SQL: files, folders in migration order, stdin; decoding."""

from __future__ import annotations

import codecs
import os
import re
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from dsql_lint.errors import InputError
from dsql_lint.syntax.supabase_config import seeds_last

BOM = "\ufeff"
STDIN = "-"
# Byte-order marks, longest first: UTF-32 LE's starts with UTF-16 LE's. Editors on Windows save
# SQL as UTF-16 with a BOM; the file is written back in the encoding it came in.
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# A line ends at CRLF, LF or a lone CR (classic Mac files), as editors and psql count lines.
LINE_END = re.compile(r"\r\n?|\n")
# UTF-32 and UTF-16 saved without a byte-order mark, by (encoding, code unit width, index of
# an ASCII character's byte in its unit), UTF-32 first: its units look like UTF-16 NULs.
WIDE: tuple[tuple[str, int, int], ...] = (
    ("utf-32-le", 4, 0),
    ("utf-32-be", 4, 3),
    ("utf-16-le", 2, 0),
    ("utf-16-be", 2, 1),
)
WIDE_SAMPLE = 4096  # bytes looked at to recognise a wide encoding
# What no SQL text holds, whatever its encoding: control characters other than SQL's
# whitespace (C0, DEL, C1), surrogates, private-use characters and noncharacters. A file
# decoded to one is not text (binary data after a BOM decodes to such characters, or to
# characters none of which is ASCII: no keyword, comment or blank).
_NOT_TEXT = re.compile(
    r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff"
    r"\U000f0000-\U0010ffff]"
)
_ASCII = re.compile(r"[\x00-\x7f]")


@dataclass(frozen=True)
class Problem:
    """Why a file could not be read as SQL text, where, and its bytes, written back as they
    were (nothing in it was read, so nothing is changed)."""

    message: str
    offset: int  # character offset in the Source's stand-in text
    byte: int  # byte offset in the file
    data: bytes = b""
    # The bytes would reach the server, which answers them (an encoding it refuses); False
    # where nothing is sent (a link to no file, a migration script that does not parse).
    sent: bool = True


@dataclass(frozen=True, eq=False)
class Source:
    """One decoded input. Offsets everywhere else are character offsets into `text`."""

    path: str
    text: str
    bom: bool = False
    encoding: str = "utf-8"
    # Set when the file is not text this tool can read: `text` then only stands in for it
    # (shown around the finding), and it has no statements.
    problem: Problem | None = None
    # The include lines (`\\ir`) psql reads this file through, as (file, line), outermost
    # first: it runs as part of that file. Empty for a file read on its own.
    included_by: tuple[tuple[str, int], ...] = ()
    # Spans of `text` its runner sends as one query string each (an ORM call's SQL string),
    # which the server runs as one transaction when no transaction is open.
    queries: tuple[tuple[int, int], ...] = ()
    # Machine integers, not int objects: a large file has millions of lines.
    _line_starts: array[int] = field(default_factory=lambda: array("q"), repr=False, compare=False)
    _line_bytes: array[int] = field(default_factory=lambda: array("q"), repr=False, compare=False)

    @property
    def display_path(self) -> str:
        return "<stdin>" if self.path == STDIN else self.path

    def line_starts(self) -> array[int]:
        if not self._line_starts:
            self._line_starts.append(0)
            self._line_starts.extend(m.end() for m in LINE_END.finditer(self.text))
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        starts = self.line_starts()
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        """Line `line` (1-based), without its line end."""
        starts = self.line_starts()
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end].rstrip("\r\n")

    @property
    def line_count(self) -> int:
        return len(self.line_starts())

    def byte_offset(self, offset: int) -> int:
        """Byte offset in the file as stored (BOM included) of a character offset."""
        prefix = len(BOM.encode(self.encoding)) if self.bom else 0
        if self.encoding != "utf-8":
            return prefix + len(self.text[:offset].encode(self.encoding))
        if self.text.isascii():
            return prefix + offset
        # Per line, so that a large non-ASCII file does not re-encode its whole prefix for
        # every finding.
        line, _ = self.position(offset)
        start = self._line_starts[line - 1]
        return prefix + self._bytes_before_line(line) + len(self.text[start:offset].encode())

    def _bytes_before_line(self, line: int) -> int:
        if not self._line_bytes:
            starts, text, total = self.line_starts(), self.text, 0
            for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
                self._line_bytes.append(total)
                total += len(text[begin:end].encode())
        return self._line_bytes[line - 1]

    def encode(self, text: str | None = None) -> bytes:
        """The bytes to write back for `text` (default: unchanged), in the file's encoding,
        BOM restored."""
        if self.problem is not None:
            return self.problem.data
        body = self.text if text is None else text
        return ((BOM if self.bom else "") + body).encode(self.encoding)


def decode(path: str, data: bytes) -> Source:
    """UTF-8, the UTF-8/16/32 its byte-order mark names, or UTF-16/32 told by its NUL bytes.
    Bytes that are none of these (another encoding, a binary file) give a Source with a
    `problem`, whose text only stands in for the file."""
    marked = next((name for mark, name in BOMS if data.startswith(mark)), None)
    likely = [] if marked else _wide(data)
    encoding = marked or (likely[0] if len(likely) == 1 else "utf-8")
    # Two wide readings, neither clearly: named with whatever is said of the bytes as UTF-8.
    hint = ""
    if len(likely) > 1:
        names = " or ".join(e.upper() for e in likely)
        hint = f"; its NUL bytes say {names} without a byte-order mark: save it as UTF-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        name = "UTF-8" if encoding == "utf-8" else encoding.upper()
        message = f"not valid {name} (byte {err.start}){hint}"
        return _unreadable(path, data, encoding, message, err.start)
    bom = text.startswith(BOM)
    body = text[1:] if bom else text
    not_text = _NOT_TEXT.search(body)
    if not_text is not None:
        at = len(((BOM if bom else "") + body[: not_text.start()]).encode(encoding))
        char = not_text.group()
        # PostgreSQL's protocol ends a query at a NUL: whatever follows is never sent.
        what = "a NUL byte" if char == "\0" else f"U+{ord(char):04X}, a character no text holds"
        return _unreadable(path, data, encoding, f"{what} (byte {at}): not SQL text{hint}", at)
    if body and _ASCII.search(body) is None:
        name = "UTF-8" if encoding == "utf-8" else encoding.upper()
        message = f"read as {name}, no character of it is ASCII: not SQL text"
        return _unreadable(path, data, encoding, message, len(BOM.encode(encoding)) if bom else 0)
    return Source(path=path, text=body, bom=bom, encoding=encoding)


_PRINTABLE = re.compile(rb"[\t\n\r\x20-\x7e]")


def _wide(data: bytes) -> list[str]:
    """The UTF-32 or UTF-16 of a file saved without a byte-order mark, if it is one: SQL is
    mostly ASCII, each character of which is one non-NUL byte among NULs in those encodings.
    Told by those NULs alone, so that a file cut short or holding a bad unit is reported as
    the UTF-16 (or 32) that does not decode, not as UTF-8. A file mostly of other characters
    (Cyrillic, CJK comments and names) is the one of the four it decodes in to text with
    the most ASCII, as `file` and editors tell it; where two come close, both, best first.
    None for a file without NULs (UTF-8)."""
    sample = data[:WIDE_SAMPLE]
    if b"\0" not in sample:
        return []
    for encoding, width, at in WIDE:
        units = [sample[i : i + width] for i in range(0, len(sample) - width + 1, width)]
        ascii_units = sum(1 for unit in units if unit[at] and not any(unit[:at] + unit[at + 1 :]))
        if units and ascii_units * 2 >= len(units):
            return [encoding]
    # UTF-8 text with a stray NUL (a binary tail, a bad paste): that NUL is the problem, not
    # an encoding; a wide file's bytes are seldom nine tenths printable ASCII.
    printable = len(_PRINTABLE.findall(sample))
    return [] if printable * 10 >= len(sample) * 9 else _mostly_not_ascii(sample)


def _mostly_not_ascii(sample: bytes) -> list[str]:
    """The wide encodings `sample` (the file's start) decodes in to text, ranked by the ASCII
    characters each reading holds: a wrong byte order reads ASCII as other characters, and
    UTF-16 read as UTF-32 (or the reverse) fails or gives NULs. One when it holds over twice
    the ASCII of the next; none when no reading holds any (a binary file)."""
    ascii_in: dict[str, int] = {}
    for encoding, _, _ in WIDE:
        try:  # not final: the sample may end inside a character
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        if _NOT_TEXT.search(text) is None:
            ascii_in[encoding] = len(_ASCII.findall(text))
    ranked = sorted((e for e in ascii_in if ascii_in[e]), key=ascii_in.__getitem__, reverse=True)
    if len(ranked) > 1 and ascii_in[ranked[0]] > 2 * ascii_in[ranked[1]]:
        return ranked[:1]
    return ranked


def _unreadable(path: str, data: bytes, encoding: str, message: str, at: int) -> Source:
    """A Source for a file that is not text: what decodes of it stands in for its text, so
    that a finding can point at the line of byte `at`."""
    text = _NOT_TEXT.sub("\ufffd", data.decode(encoding, errors="replace"))
    offset = len(data[:at].decode(encoding, errors="replace"))
    bom = text.startswith(BOM)
    if bom:
        text, offset = text[1:], max(0, offset - 1)
    return Source(path, text, bom, encoding, Problem(message, offset, at, data))


BROKEN_LINK = "a symbolic link that leads to no file (its target is missing, or the links loop)"


def real(path: str | Path) -> Path:
    """`path` absolute, its symbolic links followed: Path.resolve, except that a link loop is
    left as it is (reading it reports it) instead of raising."""
    return Path(os.path.realpath(path))


def read_source(
    path: str, orm: bool = False, strict: bool = True, stdin_name: str | None = None
) -> Source:
    """The file decoded; with `orm`, an ORM file (a Prisma schema, a migration script) is
    read as the SQL it stands for (dsql_lint.orm). A file that cannot be read or decoded is
    an InputError, or with `strict` off a Source with a `problem` (check reports it as a
    finding and goes on with the other files, as ruff's E902 does). `stdin_name` (ruff's
    `--stdin-filename`): standard input is read as the file of that name, in its folder."""
    if path == STDIN:
        data = sys.stdin.buffer.read()
        if stdin_name is None:
            return _checked(decode(STDIN, data), strict)
        path = stdin_name
    else:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            if not Path(path).is_symlink():
                raise InputError("no such file or directory", path) from None
            if strict:
                raise InputError(BROKEN_LINK, path) from None
            return Source(path, "", problem=Problem(BROKEN_LINK, 0, 0, sent=False))
        except IsADirectoryError:
            raise InputError("is a directory", path) from None
        except OSError as err:
            if strict:
                raise InputError(err.strerror or "cannot read", path) from None
            unread = Problem(err.strerror or "cannot read", 0, 0, sent=False)
            return Source(path, "", problem=unread)
    source = _checked(decode(path, data), strict)
    if not orm or source.problem is not None or Path(path).suffix not in ORM_SUFFIXES:
        return source  # (the ORM readers, 70 ms of imports, only for a file they may read)
    from dsql_lint.orm.detect import read_given  # the ORM readers build on Source

    reader = read_given(Path(path), source.text)
    return source if reader is None else reader(source)


def _checked(source: Source, strict: bool) -> Source:
    problem = source.problem
    if problem is None or not strict:
        return source
    line, _ = source.position(problem.offset)
    raise InputError(problem.message, source.path, line)


# The suffixes of the files an ORM reader may read (orm/detect.py's detectors): others are SQL.
ORM_SUFFIXES = (".prisma", ".ts", ".js", ".mjs", ".cjs", ".mts", ".cts", ".py", ".rb")

_VERSION = re.compile(r"^[VvRrUuBb]?(\d+(?:[._]\d+)*)")


def migration_key(path: Path) -> tuple:
    """Sort key putting migrations in the order tools run them.

    Flyway `V2__x.sql` before `V10__x.sql`, golang-migrate `0002_x.up.sql`, Rails-style
    `20240101120000_x.sql`: a leading version is compared as numbers, part by part.
    Files without a version come after, by name.
    """
    match = _VERSION.match(path.name)
    if match is None:
        return (1, (), path.name)
    parts = tuple(int(p) for p in re.split(r"[._]", match.group(1)))
    return (0, parts, path.name)


def _migration_order(path: Path) -> tuple:
    return (migration_key(path), path.as_posix())


def expand_paths(paths: Iterable[str], exclude: Iterable[str] = (), orm: bool = False) -> list[str]:
    """Files to read, in order: folders are searched for *.sql (and with `orm`, for the ORM
    files a detector recognises) and sorted as migrations."""
    patterns = list(exclude)
    paths = list(paths)
    out: list[str] = []
    excluded_files = 0
    for raw in paths:
        if raw == STDIN:
            out.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            # Versions are ordered across sub-folders, as Flyway sorts all its locations.
            # A link to no file (dangling, or a loop) is read, to be reported: not passed over.
            found = [
                p
                for p in path.rglob("*.sql")
                if (p.is_file() or p.is_symlink()) and not _tool_folder(p, path)
            ]
            found.sort(key=_migration_order)
            if orm:
                from dsql_lint.orm.detect import found_in, run_order  # they build on Source

                found = run_order(sorted(found + found_in(path), key=_migration_order))
            found = seeds_last(found)
            # A file named before its folder (a `bootstrap:` file before `check .`) stays where
            # it was named: it runs first.
            named = {real(f) for f in out if f != STDIN}
            out.extend(
                str(p)
                for p in _follow_journals(found)
                if not _excluded(p, patterns) and real(p) not in named
            )
        elif not path.exists():
            raise InputError(BROKEN_LINK if path.is_symlink() else "no such file or directory", raw)
        elif not _excluded(path, patterns):
            out.append(raw)
        else:
            excluded_files += 1
    if not out and excluded_files == len(paths):
        return out  # files named by a hook, all excluded by the configuration: nothing to do
    if not out:
        # An empty or mistyped folder must not read as "All clean" in CI.
        where = ", ".join(paths) or "."
        kinds = "*.sql"
        if orm:
            kinds += (
                ", schema.prisma and migration scripts (.ts/.js, Alembic and Django .py, Rails .rb)"
            )
        raise InputError(f"no SQL files found in {where} (folders are searched for {kinds})")
    return out


def drizzle_journal(folder: Path) -> list[Path] | None:
    """The migrations of a Drizzle folder, as its `meta/_journal.json` lists them, in its
    order (Drizzle runs those and no others); None without a readable journal."""
    import json

    try:
        journal = json.loads((folder / "meta" / "_journal.json").read_text(encoding="utf-8"))
        entries = sorted(journal["entries"], key=lambda e: e["idx"])
        return [folder / f"{entry['tag']}.sql" for entry in entries]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _follow_journals(files: list[Path]) -> list[Path]:
    """`files` (in migration order) without the SQL files a Drizzle journal of their folder
    does not list, and those it lists in its order, in the places they held."""
    journals: dict[Path, list[Path] | None] = {}
    kept = []
    for path in files:
        if path.parent not in journals:
            journals[path.parent] = drizzle_journal(path.parent)
        listed = journals[path.parent]
        if listed is None or path in listed or path.suffix != ".sql":
            kept.append(path)
    for folder, listed in journals.items():
        if listed is None:
            continue
        places = [i for i, p in enumerate(kept) if p.parent == folder and p in listed]
        ordered = sorted((kept[i] for i in places), key=listed.index)
        for i, path in zip(places, ordered, strict=True):
            kept[i] = path
    return kept


def with_history(files: list[str], exclude: Iterable[str] = ()) -> tuple[list[str], set[str]]:
    """For `check --history` (the pre-commit hook, which passes only the staged files): each
    folder's given files preceded by the folder's earlier migrations, in migration order, so
    that cross-file rules see the schema they build on. Returns the files to read and those
    of them that are context only (read for their schema effects, not reported)."""
    patterns = list(exclude)
    given: dict[Path, list[str]] = {}
    out: list[str] = []
    for raw in files:
        if raw == STDIN:
            out.append(raw)
        else:
            given.setdefault(Path(raw).parent, []).append(raw)
    context: set[str] = set()
    for folder, names in given.items():
        mine = {real(name): name for name in names}
        # Rails migrations too run in their names' order (db/migrate/<timestamp>_*.rb).
        kinds = {"*.sql"} | ({"*.rb"} if any(n.endswith(".rb") for n in names) else set())
        found = (p for kind in kinds for p in folder.glob(kind) if p.is_file())
        siblings = sorted(found, key=migration_key)
        last = max((i for i, p in enumerate(siblings) if real(p) in mine), default=-1)
        for path in siblings[: last + 1]:
            name = mine.pop(real(path), None)
            if name is not None:
                out.append(name)
            elif not _excluded(path, patterns):
                out.append(str(path))
                context.add(str(path))
        out.extend(mine.values())  # given files that are not *.sql migrations of the folder
    return out, context


# Folders of tools and dependencies, never a project's migrations (ruff skips the same).
TOOL_FOLDERS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
        ".mypy_cache", ".ruff_cache", ".pytest_cache", ".direnv", ".eggs", ".dsql-lint",
    }
)  # fmt: skip


def _tool_folder(path: Path, root: Path) -> bool:
    """Whether `path`, found under `root`, lies in a tool's folder below it."""
    return any(part in TOOL_FOLDERS for part in path.relative_to(root).parts[:-1])


def _excluded(path: Path, patterns: list[str]) -> bool:
    """Absolute patterns (from a config file) match the resolved path; others match the end."""
    resolved = real(path).as_posix()
    return any(fnmatch(resolved, p) if os.path.isabs(p) else path.match(p) for p in patterns)
