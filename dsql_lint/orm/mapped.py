"""A Source whose text is SQL made from another file, with every offset mapped back to it.

The SQL a `.prisma` model stands for, or the strings a TypeScript migration passes to its
query runner, is not the file's text: escapes shorten it, and Prisma's is generated. Blanking
the non-SQL parts of the file to spaces would keep offsets exact only where nothing is
decoded or generated, so the text is the SQL itself and each piece of it carries where it
came from. Positions, shown lines and byte offsets are the original file's.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from dsql_lint.diagnostic import Diagnostic
from dsql_lint.syntax.bindings import PARSER_KINDS, STYLES, mask
from dsql_lint.syntax.source import Source

# A fix said in a framework's terms, or a function of the finding's text that says it.
Hint = str | Callable[[str], str]


@dataclass(frozen=True)
class Note:
    """Something said about the original file that is not a finding on its SQL: a string
    that could not be read, a schema linted through other files."""

    start: int  # offsets into the original text
    end: int
    message: str
    # A call whose SQL could not be read (DSQL016, an error), not a remark (DSQL007).
    unread: bool = False
    # What makes the runner refuse the whole run (DSQL408, an error), as it says it.
    refused: bool = False


@dataclass(frozen=True)
class Literal:
    """A string literal of the original file that holds SQL, as `fix` must write into it."""

    start: int  # its body: the offsets between its delimiters
    end: int
    language: str  # "js", "py", "rb", or "sql": a SQL file's own text
    quote: str  # its delimiter: ', ", `, ''', """; a Ruby heredoc's terminator
    raw: bool = False  # no escape sequences: Python r"", Ruby <<~'SQL'
    heredoc: bool = False


@dataclass(frozen=True, eq=False)
class MappedSource(Source):
    original: str = ""
    # (text offset, original start, original end, literal), by text offset: text from the
    # anchor on comes from the original span, clamped to its end (generated text is longer or
    # shorter); `literal` indexes `literals` for text read from a string literal, else -1.
    anchors: tuple[tuple[int, int, int, int], ...] = ()
    # The anchors whose generated text stands for its span as a whole (a Django operation's
    # SQL for its call): a finding in it is shown on the whole span (`spanned`).
    wholes: frozenset[int] = frozenset()
    literals: tuple[Literal, ...] = ()
    framework: str = ""
    # The binding syntax of the library that runs the SQL (bindings.STYLES); "" for none.
    bindings: str = ""
    notes: tuple[Note, ...] = ()
    # Rule name -> the fix said in the framework's terms, replacing the SQL one; a function
    # of the finding's text where the words depend on what it is on (`@db.Money`).
    hints: dict[str, Hint] = field(default_factory=dict)
    # The BEGINs and COMMITs written for the framework's transactions: statements it sends,
    # not the migration's own, so not counted as checked.
    wrappers: int = 0
    # Files that follow each other with the same key share one framework transaction where
    # one ends in it and the next begins in it (Alembic's one transaction for a whole run);
    # "" for none. `run_hint`: the fix in the framework's terms for a transaction finding
    # in such a transaction begun by an earlier file, which `{earlier}` names.
    run: str = ""
    run_hint: str = ""
    # The transaction setting of the project's configuration that changes how its runner runs
    # this file (syntax/runners.py CONFIGURED), as written; "" for the runner's default.
    setting: str = ""
    _original: Source | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_original", Source(self.path, self.original, self.bom))

    def original_offset(self, offset: int) -> int:
        index = bisect_right([a[0] for a in self.anchors], offset) - 1
        if index < 0:
            return 0
        text_start, start, end, _ = self.anchors[index]
        return min(start + offset - text_start, max(start, end - 1) if end > start else start)

    def spanned(self, diag: Diagnostic) -> Diagnostic:
        """`diag` shown on the whole span of each piece of `wholes` it starts or ends in;
        as it is otherwise, unless its end maps before its start (generated SQL is not in
        the file's order: `USING gin` written after the keys it follows in the file): then it
        ends with the piece it starts in."""
        starts = [a[0] for a in self.anchors]
        if (diag.end_line, diag.end_col) < (diag.line, diag.col) or diag.byte_end < diag.byte_start:
            piece_end = self.anchors[max(bisect_right(starts, diag.start) - 1, 0)][2]
            end_line, end_col = self._file.position(max(piece_end - 1, 0))
            diag = replace(
                diag, end_line=end_line, end_col=end_col + 1,
                byte_end=self._file.byte_offset(piece_end),
            )  # fmt: skip
        if not self.wholes:
            return diag
        first = bisect_right(starts, diag.start) - 1
        last = bisect_right(starts, max(diag.start, diag.end - 1)) - 1
        if first not in self.wholes and last not in self.wholes:
            return diag
        start = self.anchors[first][1] if first in self.wholes else self.original_offset(diag.start)
        if last in self.wholes:
            end = self.anchors[last][2]
        else:
            end = self.original_offset(max(diag.start, diag.end - 1)) + 1
        end = max(end, start + 1)
        (line, col), (end_line, end_col) = self._file.position(start), self._file.position(end - 1)
        return replace(
            diag, line=line, col=col, end_line=end_line, end_col=end_col + 1,
            byte_start=self._file.byte_offset(start), byte_end=self._file.byte_offset(end),
        )  # fmt: skip

    def original_position(self, offset: int) -> tuple[int, int]:
        return self._file.position(offset)

    def original_byte(self, offset: int) -> int:
        return self._file.byte_offset(offset)

    def position(self, offset: int) -> tuple[int, int]:
        return self._file.position(self.original_offset(offset))

    def line_text(self, line: int) -> str:
        return self._file.line_text(line)

    @property
    def line_count(self) -> int:
        return self._file.line_count

    def byte_offset(self, offset: int) -> int:
        return self._file.byte_offset(self.original_offset(offset))

    def in_literal(self, start: int, end: int) -> bool:
        """Whether the SQL from `start` to `end` was read from string literals of the file
        (so that `fix` may write an edit of it there), not generated."""
        starts = [a[0] for a in self.anchors]
        first = bisect_right(starts, start) - 1
        last = max(first, bisect_left(starts, end) - 1)
        return first >= 0 and all(a[3] >= 0 for a in self.anchors[first : last + 1])

    def encode(self, text: str | None = None) -> bytes:
        raise ValueError(f"{self.display_path} is {self.framework}: it is not written back")

    @property
    def _file(self) -> Source:
        assert self._original is not None
        return self._original


class Builder:
    """Assembles the SQL text piece by piece, each piece anchored to its span of the file.
    `bindings`: the binding syntax of the library that runs the SQL (bindings.STYLES)."""

    def __init__(self, bindings: str = "") -> None:
        self.bindings = bindings
        self.parts: list[str] = []
        self.anchors: list[tuple[int, int, int, int]] = []
        self.literals: list[Literal] = []
        self.wholes: set[int] = set()
        self.queries: list[tuple[int, int]] = []  # see Source.queries
        self.length = 0
        self.wrappers = 0  # see MappedSource.wrappers

    def add(self, text: str, start: int, end: int, whole: bool = False) -> None:
        """Generated SQL standing for the span: what follows its leading white space starts
        at the span's start, so that a finding on `NOT NULL` in " NOT NULL" points at the
        span, not one character into it. `whole`: the text stands for the span as a whole,
        and a finding in it is shown on all of it (MappedSource.wholes)."""
        body = text.lstrip()
        if body and body != text:
            self._add(text[: len(text) - len(body)], start, end)
        if whole:
            self.wholes.add(len(self.anchors))
        self._add(body or text, start, end)

    def statement(
        self,
        pieces: Sequence[tuple[str, int, int]],
        end: int,
        literals: Sequence[Literal] = (),
        bound: bool = True,
        one_query: bool = True,
    ) -> None:
        """A string's pieces as one statement, ended by a `;` anchored to the character before
        `end` unless it has one. `literals`: the string literals the pieces were read from,
        which `fix` may write into. A name binding (Knex's `??`) is written as a name of its
        length, and an escaped binding character (psycopg's `%%`) as the character the
        driver sends, so that the statement parses and positions hold. `bound`: the library
        reads the statement's bindings (psycopg does only when it is given parameters).
        `one_query`: the library sends the string as one query string, its statements in one
        transaction of the server's (Django splits it and sends each)."""
        sql = "".join(p for p, _, _ in pieces)
        begin = self.length
        style = STYLES.get(self.bindings) if bound else None
        named = mask(sql, style, PARSER_KINDS)[0] if style is not None else sql
        first = len(self.literals)
        self.literals.extend(literals)
        at = 0
        for piece, start, stop in pieces:
            inside = (
                k for k, lit in enumerate(literals, first) if lit.start <= start and stop <= lit.end
            )
            literal = next(inside, -1)
            for run in _runs(piece, named[at : at + len(piece)], start, stop):
                self._add(*run, literal)
            at += len(piece)
        sql = sql.rstrip()
        self.add("\n" if sql.endswith(";") else ";\n", end - 1, end)
        if one_query:
            self.queries.append((begin, self.length))

    def keep(self, text: str, start: int, literal: int = -1) -> None:
        """Text as the file has it at `start`, each character at its own place."""
        self._add(text, start, start + len(text), literal)

    def _add(self, text: str, start: int, end: int, literal: int = -1) -> None:
        """Text copied from the span (decoded), each character at its own place; `literal`:
        the string literal it was read from (`literals`), else -1."""
        self.anchors.append((self.length, start, end, literal))
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)

    def source(
        self,
        source: Source,
        framework: str,
        notes: Iterable[Note] = (),
        hints: dict[str, Hint] | None = None,
        run: str = "",
        run_hint: str = "",
        setting: str = "",
    ) -> MappedSource:
        """The SQL built so far, as a Source of `source`'s file (`run`, `run_hint`,
        `setting`: see MappedSource)."""
        return MappedSource(
            path=source.path,
            text=self.text(),
            bom=source.bom,
            encoding=source.encoding,
            queries=tuple(self.queries),
            original=source.text,
            anchors=tuple(self.anchors),
            wholes=frozenset(self.wholes),
            literals=tuple(self.literals),
            framework=framework,
            bindings=self.bindings,
            notes=tuple(notes),
            hints=hints or {},
            wrappers=self.wrappers,
            run=run,
            run_hint=run_hint,
            setting=setting,
        )


def _runs(piece: str, named: str, start: int, stop: int) -> list[tuple[str, int, int]]:
    """A piece as written with its name bindings masked (`named`), cut where the mask changed
    it, so that the rest is still the file's text (which `fix` can write into)."""
    if named == piece or len(piece) != stop - start:
        return [(named, start, stop)]
    out, k = [], 0
    while k < len(piece):
        same, j = named[k] == piece[k], k
        while j < len(piece) and (named[j] == piece[j]) == same:
            j += 1
        out.append((named[k:j], start + k, start + j))
        k = j
    return out


class Transaction:
    """BEGIN and COMMIT written around the statements a framework runs in its migration's
    transaction, so that the transaction rules see them as it runs them; statements it runs
    outside (an autocommit block) close it first. `wrapped` says how the next statements
    run; `write` is called before a statement's SQL."""

    def __init__(self, build: Builder) -> None:
        self.build = build
        self.wrapped = False
        self.opened = False  # a BEGIN was written at some point
        self._open = False

    def write(self, start: int, end: int) -> None:
        if self.wrapped and not self._open:
            self.build.add("BEGIN;\n", start, end)
            self.build.wrappers += 1
        elif not self.wrapped and self._open:
            self.build.add("COMMIT;\n", start, end)
            self.build.wrappers += 1
        self._open = self.wrapped
        self.opened |= self.wrapped

    def close(self, start: int, end: int) -> None:
        self.wrapped = False
        self.write(start, end)
