"""Parses, and what the lint made of them, reused from one lint of a text to the next: `fix`
lints a file again after each pass, where most statements did not change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dsql_lint.syntax.parse import Parsed, moved, parse
from dsql_lint.syntax.release import release
from dsql_lint.syntax.split import Kind, Statement


class ParseCache:
    """The parses of the last lint, by statement kind and text, offered to the next."""

    def __init__(self) -> None:
        self._earlier: dict[tuple[Kind, str], list[Parsed]] = {}
        self._later: dict[tuple[Kind, str], list[Parsed]] = {}
        self._issued: list[Parsed] = []  # every parse handed out whose tree is not yet freed
        # The linter's analysis of each parse, by id of the parse: of this lint, kept for the
        # next; of the lint before, offered to this one; of the parses moved from those.
        self._kept: dict[int, tuple[Parsed, Any]] = {}
        self._offered: dict[int, tuple[Parsed, Any]] = {}
        self._inherited: dict[int, tuple[Parsed, Any]] = {}
        # The analysis of the first statement of each text in this lint that its findings'
        # nodes do not tie to its tree: a statement of the same text (the COMMIT and BEGIN
        # a transaction split adds) takes it over, its own tree parsed.
        self._twins: dict[tuple[Kind, str], Any] = {}

    def next_lint(self) -> None:
        """Parses kept from here on are offered to the lint after this one, and only to it."""
        self._earlier, self._later = self._later, {}
        self._offered, self._kept, self._inherited = self._kept, {}, {}
        self._twins = {}

    def parse(self, statement: Statement) -> Parsed:
        """The statement parsed, or the parse of the same text in the lint before."""
        found = self.earlier(statement)
        return found if found is not None else self.issue(parse(statement))

    def earlier(self, statement: Statement) -> Parsed | None:
        """The parse of the same text in the lint before, moved to `statement` (its tokens and
        positions are relative to the statement: only the statement, with its offsets, is
        new; so are the spans it computed, in token indices), and issued; None if there was
        none, for the caller to parse and `issue`."""
        key = (statement.kind, statement.body)
        pool = self._earlier.get(key)
        if not pool:
            return None
        earlier = pool.pop()
        found = moved(earlier, statement)
        analysis = self._offered.pop(id(earlier), None)
        if analysis is not None:
            self._inherited[id(found)] = (found, analysis[1])
        return self.issue(found)

    def issue(self, found: Parsed) -> Parsed:
        """`found`, handed out by this lint: offered to the next one, its tree freed when no
        longer used."""
        key = (found.statement.kind, found.statement.body)
        if found.tree is not None:
            self._issued.append(found)
            if found.error is None:
                self._later.setdefault(key, []).append(found)
        return found

    def analysis_of(self, parsed: Parsed) -> Any:
        """What the linter kept (`keep`) of the parse `parsed` was moved from, if anything."""
        found = self._inherited.pop(id(parsed), None)
        return None if found is None else found[1]

    def twin(self, statement: Statement) -> Any:
        """The analysis of a statement of the same text earlier in this lint (`keep`'s
        `untied`), if any."""
        return self._twins.get((statement.kind, statement.body))

    def keep(self, parsed: Parsed, analysis: Any, untied: bool = False) -> None:
        """The linter's analysis of `parsed`, offered with it to the next lint; `untied`:
        nothing in it holds a node of the tree, so a twin may take it over."""
        if parsed.tree is not None and parsed.error is None:
            self._kept[id(parsed)] = (parsed, analysis)
            if untied and parsed.rows is None:  # (a long INSERT's twin is no cheap parse)
                self._twins.setdefault((parsed.statement.kind, parsed.statement.body), analysis)

    def drop(self, parsed: Iterable[Parsed]) -> None:
        """Frees these parses now, and every parse sharing a tree with them, and offers them to
        no later lint: their text is about to change, and holding their trees through the next
        lint doubled fix's memory."""
        gone = {id(p.tree) for p in parsed if p.tree is not None}
        if not gone:
            return
        for pools in (self._earlier, self._later):
            for key, pool in list(pools.items()):
                if any(id(p.tree) in gone for p in pool):
                    kept = [p for p in pool if id(p.tree) not in gone]
                    if kept:
                        pools[key] = kept
                    else:
                        del pools[key]
        self._kept = {k: v for k, v in self._kept.items() if id(v[0].tree) not in gone}
        issued = []
        for found in self._issued:
            if id(found.tree) in gone:
                release(found)
            else:
                issued.append(found)
        self._issued = issued

    def release_unused(self, live: Iterable[Parsed]) -> None:
        """Frees the trees handed out that are neither in `live` nor offered to the next lint.
        A tree is a reference cycle, which the paused collector would not free; collecting
        once per lint instead walked every live tree each time (a second per pass on 5,000
        lines)."""
        keep = {id(p.tree) for p in live}
        keep.update(id(p.tree) for pool in self._later.values() for p in pool)
        kept = []
        for parsed in self._issued:
            if id(parsed.tree) in keep:
                kept.append(parsed)
            elif parsed.tree is not None:
                release(parsed)
        self._issued = kept
