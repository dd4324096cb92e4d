"""Parsing one statement with the DSQL dialect.

INTERFACE (stable; other modules depend on it):
    parse(statement) -> Parsed
    node_span(parsed, node) -> (start, end)   absolute character offsets, end exclusive
    head_span(parsed, node) -> (start, end)   the node's leading keywords (CREATE INDEX ASYNC)
"""

from __future__ import annotations

import gc
import logging
import re
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import TokenType

from dsql_lint.dialect import DSQL, traced_generator
from dsql_lint.split import Kind, Statement


@dataclass(slots=True, eq=False)
class Parsed:
    statement: Statement
    tree: exp.Expr | None  # None when the statement is not SQL or did not parse
    tokens: list[Any] = field(default_factory=list)  # sqlglot tokens, offsets relative to statement
    error: str | None = None
    error_offset: int | None = None  # absolute character offset of the parse error
    _spans: Any = field(default=None, repr=False)  # node_span's per-statement cache


class _DropUnsupportedSyntax(logging.Filter):
    """sqlglot warns for every statement it keeps as an exp.Command; for a linter those are
    valid PostgreSQL it does not model, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "contains unsupported syntax" not in str(record.msg)


logging.getLogger("sqlglot").addFilter(_DropUnsupportedSyntax())

_DIALECT = DSQL()
_TOKENIZER = _DIALECT.tokenizer()
_PARSER = _DIALECT.parser(error_level=ErrorLevel.IMMEDIATE, error_message_context=0)


def parse(statement: Statement) -> Parsed:
    """Parses one statement; never raises."""
    if statement.kind is not Kind.SQL:
        return Parsed(statement, None)
    if not gc.isenabled():
        return _parse(statement)
    # Parsing allocates thousands of objects that all survive (tokens, tree): the cyclic
    # collector would scan them again and again for nothing. Pausing it per statement makes a
    # file's parse about 30% faster; it runs again, once, right after.
    gc.disable()
    try:
        return _parse(statement)
    finally:
        gc.enable()


def _parse(statement: Statement) -> Parsed:
    body = statement.body
    try:
        tokens = _TOKENIZER.tokenize(body)
    except TokenError as err:
        return Parsed(statement, None, error=_first_line(err), error_offset=statement.start)
    except Exception as err:  # noqa: BLE001 - any input must give a result, not a crash
        return _internal_error(statement, [], err)
    try:
        trees = _PARSER.parse(tokens, body)
    except ParseError as err:
        return _parse_error(statement, tokens, err)
    except Exception as err:  # noqa: BLE001
        return _internal_error(statement, tokens, err)
    tree = next((t for t in trees if t is not None), None)
    if tree is None and tokens:  # sqlglot gave up without saying why, e.g. on `+`
        offset = statement.start + tokens[0].start
        return Parsed(statement, None, tokens, error="cannot parse", error_offset=offset)
    return Parsed(statement, tree, tokens)


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _parse_error(statement: Statement, tokens: list[Any], err: ParseError) -> Parsed:
    info = err.errors[0] if err.errors else {}
    message = _TOKEN_REPR.sub(_token_text, info.get("description") or _first_line(err))
    offset = _token_offset(tokens, info.get("line"), info.get("col"))
    if offset is None:
        offset = 0
    return Parsed(statement, None, tokens, error=message, error_offset=statement.start + offset)


# sqlglot puts a token's repr in some messages: "Expected table name but got <Token ...>".
_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")


def _token_text(match: re.Match[str]) -> str:
    return "the end of the statement" if match.group(1) == "SENTINEL" else repr(match.group(2))


def _internal_error(statement: Statement, tokens: list[Any], err: Exception) -> Parsed:
    message = f"cannot parse: {type(err).__name__}: {_first_line(err)}"
    return Parsed(statement, None, tokens, error=message, error_offset=statement.start)


def _token_offset(tokens: list[Any], line: int | None, col: int | None) -> int | None:
    """Start of the token sqlglot reports at (line, col): its position is the token's last
    character."""
    if line is None or col is None:
        return None
    for token in tokens:
        if token.line == line and token.col == col:
            return token.start
    return None


# --- spans ------------------------------------------------------------------------------------
#
# sqlglot records positions only on some leaves (identifiers, literals, `*`, function names:
# a function's arguments are the parenthesized group after its name). A node's exact extent is
# recovered from the token stream, top-down, the same way for every kind of node:
#
# 1. The root owns all the statement's tokens. Every other node gets its range when its parent's
#    range is partitioned among the parent's children. A child's "core" is the span of the
#    positioned leaves under it.
# 2. The statement is regenerated once with the DSQL generator, recording the SQL each node
#    contributes (its text as its parent writes it). Locating each child's generated tokens in
#    the parent's gives a template: the parent's own keywords and punctuation, with a slot per
#    child, in generated order. A child absent from it (Properties, which a CREATE writes in
#    pieces) is replaced by its own children.
# 3. The template's literals are matched against the parent's source tokens left to right,
#    each between what the slot before it claims and where the slot after it starts, outside
#    bracket groups; literals the source lacks (generator-only spellings) are skipped. Slots
#    between two matched literals share the source tokens between them.
# 4. There, a child with a core extends left/right over the source tokens matching its
#    generated tokens before/after its first/last leaf, skipping generated tokens the source
#    lacks and source words the generator drops: `DEFAULT CAST('x' AS TEXT)` claims all of
#    `DEFAULT 'x'::text`, `... NOT NULL` all of `timestamp(6) without time zone NOT NULL`. A
#    child without a core starts at the first source token matching its first generated token
#    and reads the rest of its SQL from there, else runs up to the next child. Nodes ending with
#    a data type also claim the words and bracket groups after them (`int ARRAY`). A child
#    still unplaced is looked for as a whole among unclaimed tokens (reordered options).
# 5. Source tokens left over belong to the parent. A node that cannot be placed gets its
#    nearest placed ancestor's span, and ultimately the statement's.
#
# All of it is computed lazily and cached on the Parsed: one regeneration per statement and one
# partition per parent on the path to the node; the root's span costs nothing.

_Range = tuple[int, int]  # inclusive token indices
_MISSING = object()
_OPENERS = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE})
_CLOSERS = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE})
_GENERATOR = _DIALECT.generator(comments=False, unsupported_level=ErrorLevel.IGNORE)


class _Tracer:
    """Regenerates a whole tree once, keeping the SQL of each node as its parent wrote it."""

    def __init__(self) -> None:
        self.texts: dict[int, str] | None = None
        self.generator = traced_generator(
            self._record, comments=False, unsupported_level=ErrorLevel.IGNORE
        )

    def _record(self, node: exp.Expr, sql: str) -> None:
        if self.texts is not None:
            self.texts[id(node)] = sql

    def trace(self, tree: exp.Expr) -> dict[int, tuple[exp.Expr, str]]:
        # The generator may rewrite what it generates: it works on a copy, mapped back here.
        nodes = list(tree.walk())
        copy = _copy(tree, nodes)
        copies = list(copy.walk())  # alive until the end, so their ids stay unique
        originals = {id(c): o for o, c in zip(nodes, copies, strict=False)}
        self.texts = texts = {}
        try:
            self.generator.generate(copy, copy=False)
        except Exception:  # noqa: BLE001 - nodes without a text are generated one by one
            pass
        finally:
            self.texts = None
        return {
            id(originals[key]): (originals[key], sql)
            for key, sql in texts.items()
            if key in originals
        }


_TRACER = _Tracer()
_POSITIONS = frozenset({"line", "col", "start", "end"})


def _copy(tree: exp.Expr, nodes: list[exp.Expr]) -> exp.Expr:
    """tree.copy() (`nodes` being tree.walk()), made faster: most of its time goes to
    deep-copying every node's meta and comments with the copy module, while they hold only
    positions (ints) and strings, for which shallow copies are equal. Both are detached from
    the tree while sqlglot copies it, then given to the copy as shallow copies (meta that holds
    anything else is still deep-copied)."""
    saved = {id(node): (node._meta, node.comments) for node in nodes}
    try:
        for node in nodes:
            node._meta = node.comments = None
        duplicate = tree.copy()
    finally:
        for node in nodes:
            node._meta, node.comments = saved[id(node)]
    for node, twin in zip(nodes, duplicate.walk(), strict=True):
        meta, comments = saved[id(node)]
        if meta is not None:
            twin._meta = meta.copy() if meta.keys() <= _POSITIONS else deepcopy(meta)
        if comments is not None:
            twin.comments = list(comments)
    return duplicate


def node_span(parsed: Parsed, node: exp.Expr) -> tuple[int, int]:
    """Exact [start, end) character span of `node` in the source (see the strategy above);
    the statement's span for a node outside `parsed.tree`."""
    return _spans_of(parsed, node, head=False)


def head_span(parsed: Parsed, node: exp.Expr) -> tuple[int, int]:
    """Span of the node's leading keywords, before its first child (properties like UNLOGGED
    count as keywords): e.g. `CREATE UNIQUE INDEX ASYNC IF NOT EXISTS` of a CREATE INDEX,
    `ALTER TABLE ASYNC` of an ALTER TABLE. The whole node's span when it starts with a
    child."""
    return _spans_of(parsed, node, head=True)


def _spans_of(parsed: Parsed, node: exp.Expr, *, head: bool) -> tuple[int, int]:
    try:
        if parsed._spans is None:
            parsed._spans = _Spans(parsed)
        return parsed._spans.head(node) if head else parsed._spans.span(node)
    except Exception:  # noqa: BLE001 - a diagnostic at the statement beats a crash
        return parsed.statement.start, parsed.statement.end


# Tokens are compared through keys: (keyword or punctuation type, None for words; upper-cased
# text for words, else None; token type).
_Key = tuple[Any, Any, Any]
_WORDISH = frozenset({TokenType.IDENTIFIER, TokenType.STRING, TokenType.NUMBER, TokenType.VAR})


def _new_key(kind: TokenType, text: str) -> _Key:
    first = text[:1]
    word = first.isalnum() or first == "_" or kind in _WORDISH
    return (None if kind in _WORDISH else kind, text.upper() if word else None, kind)


# A key depends only on the token's type and text, and the same ones (keywords, punctuation,
# column names) recur throughout a file: keys are made once per (type, text). Sharing them
# also makes comparing two equal keys an identity check.
_KEY_CACHE: dict[tuple[TokenType, str], _Key] = {}


def _keys(tokens: list[Any]) -> list[_Key]:
    if len(_KEY_CACHE) > 200_000:
        _KEY_CACHE.clear()
    cache = _KEY_CACHE
    keys = [cache.get((tok.token_type, tok.text)) for tok in tokens]
    for i, key in enumerate(keys):
        if key is None:
            probe = (tokens[i].token_type, tokens[i].text)
            keys[i] = cache[probe] = _new_key(*probe)
    return keys


_KEYS_CACHE: dict[str, list[_Key]] = {}


def _keys_of(sql: str) -> list[_Key]:
    """Keys of the tokens of generated SQL; the same short texts (NOT NULL, a type, a name)
    come up all the time. The lists are shared: never modified."""
    keys = _KEYS_CACHE.get(sql)
    if keys is None:
        keys = _keys(_TOKENIZER.tokenize(sql))
        if len(_KEYS_CACHE) > 50_000:
            _KEYS_CACHE.clear()
        _KEYS_CACHE[sql] = keys
    return keys


_RESPELLED = frozenset(
    {
        (TokenType.DCOLON, TokenType.ALIAS),
        (TokenType.ARRAY, TokenType.L_BRACKET),
        (TokenType.TIMESTAMP, TokenType.TIMESTAMPTZ),
        (TokenType.TIME, TokenType.TIMETZ),
    }
)


def _same(source: _Key, generated: _Key, *, loose: bool = False) -> bool:
    """Whether a source token reads as a generated one: same keyword or punctuation, or same
    word. `loose` also accepts the spellings the generator changes (`::` for AS of a CAST,
    `int ARRAY` for `INT[]`)."""
    if source[0] is not None and source[0] == generated[0]:
        return True
    if source[1] is not None and source[1] == generated[1]:
        return True
    return loose and (source[2], generated[2]) in _RESPELLED


class _Spans:
    """node_span's state for one statement (see the strategy above). Caches are keyed by
    id(node) and keep the node, so a node that died cannot be confused with a new one."""

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.tokens = parsed.tokens
        # Rules often ask only for whole statements: the rest is built on the first other node.
        self.ready = False
        self.keys: list[_Key] = []
        self.by_start: dict[int, int] = {}
        self.partner: list[int] = []
        self.cores: dict[int, tuple[exp.Expr, _Range]] | None = None
        # The deepest positioned node starting / ending at a token index.
        self.first_leaf: dict[int, exp.Expr] = {}
        self.last_leaf: dict[int, exp.Expr] = {}
        self.ranges: dict[int, tuple[exp.Expr, _Range | None]] = {}
        self.gens: dict[int, tuple[exp.Expr, list[Any] | None]] = {}
        self.traced: dict[int, tuple[exp.Expr, str]] | None = None
        self.leaf_cache: dict[tuple[int, int, bool], int | None] = {}
        # Parents as reached from the root (sqlglot's own `parent` can be stale).
        self.parents: dict[int, tuple[exp.Expr, exp.Expr]] = {}

    # -- public --------------------------------------------------------------------------------

    def span(self, node: exp.Expr) -> tuple[int, int]:
        if node is self.parsed.tree and self.tokens:
            return self._chars((0, len(self.tokens) - 1))
        if not self.ready:
            self._prepare()
        found = self._placed(node)
        if found is None:
            statement = self.parsed.statement
            return statement.start, statement.end
        return self._chars(found)

    def head(self, node: exp.Expr) -> tuple[int, int]:
        if not self.ready:
            self._prepare()
        found = self._placed(node)
        if found is None:
            return self.span(node)
        first = found[0]
        children = [
            r
            for child in node.iter_expressions()
            if not isinstance(child, (exp.Properties, exp.Property)) and (r := self._range(child))
        ]
        starts = [r[0] for r in children if r[0] >= first]
        end = min(starts, default=found[1] + 1) - 1
        return self._chars((first, end) if end >= first else found)

    # -- helpers -------------------------------------------------------------------------------

    def _prepare(self) -> None:
        self.keys = _keys(self.tokens)
        self.by_start = {tok.start: i for i, tok in enumerate(self.tokens)}
        self.partner = self._pair_brackets()
        self.ready = True

    def _chars(self, found: _Range) -> tuple[int, int]:
        base = self.parsed.statement.start
        return base + self.tokens[found[0]].start, base + self.tokens[found[1]].end + 1

    def _placed(self, node: exp.Expr) -> _Range | None:
        """The node's range, else its nearest placed ancestor's; None outside this tree."""
        current: exp.Expr | None = node
        while current is not None:
            found = self._range(current)
            if found is not None:
                return found
            current = self._parent(current)
        return None

    def _parent(self, node: exp.Expr) -> exp.Expr | None:
        self._core(node)  # builds the parent map
        entry = self.parents.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else None

    def _pair_brackets(self) -> list[int]:
        partner = [-1] * len(self.tokens)
        stack: list[int] = []
        for i, tok in enumerate(self.tokens):
            if tok.token_type in _OPENERS:
                stack.append(i)
            elif tok.token_type in _CLOSERS and stack:
                j = stack.pop()
                partner[i], partner[j] = j, i
        return partner

    def _core(self, node: exp.Expr) -> _Range | None:
        """First and last token of the node's positioned descendants (itself included)."""
        if self.cores is None:
            self.cores = self._compute_cores()
        entry = self.cores.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else None

    def _compute_cores(self) -> dict[int, tuple[exp.Expr, _Range]]:
        if not self.ready:
            self._prepare()
        cores: dict[int, tuple[exp.Expr, _Range]] = {}
        tree = self.parsed.tree
        if tree is None:
            return cores
        nodes, children_of = self._walk(tree)
        tokens, partner, by_start = self.tokens, self.partner, self.by_start
        first_leaf, last_leaf = self.first_leaf, self.last_leaf
        for k in range(len(nodes) - 1, -1, -1):  # children before parents
            node = nodes[k]
            lo, hi = len(tokens), -1
            meta = node._meta
            index = by_start.get(meta.get("start")) if meta else None
            if index is not None:
                lo = hi = index
                # A function is positioned at its name: its arguments follow in parentheses.
                after = index + 1
                if (
                    after < len(tokens)
                    and tokens[after].token_type == TokenType.L_PAREN
                    and isinstance(node, exp.Func)
                ):
                    hi = max(hi, partner[after])
                first_leaf.setdefault(lo, node)
                last_leaf.setdefault(hi, node)
            for child in children_of[k]:
                entry = cores.get(id(child))
                if entry is not None:
                    core = entry[1]
                    if core[0] < lo:
                        lo = core[0]
                    if core[1] > hi:
                        hi = core[1]
            if hi >= 0:
                cores[id(node)] = (node, (lo, hi))
        return cores

    def _walk(self, tree: exp.Expr) -> tuple[list[exp.Expr], list[list[exp.Expr]]]:
        """tree.walk() (breadth first) and each node's children, recording parents."""
        nodes = [tree]
        children_of: list[list[exp.Expr]] = []
        parents = self.parents
        for node in nodes:  # grows while iterated: a queue
            children = list(node.iter_expressions())
            children_of.append(children)
            for child in children:
                parents[id(child)] = (child, node)
            nodes.extend(children)
        return nodes, children_of

    def _generated(self, node: exp.Expr) -> list[_Key] | None:
        """The node's generated tokens: its SQL as written in the regenerated statement, or
        generated on its own."""
        entry = self.gens.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        if self.traced is None:
            self.traced = _TRACER.trace(self.parsed.tree) if self.parsed.tree else {}
        traced = self.traced.get(id(node))
        try:
            sql = traced[1] if traced is not None and traced[0] is node else _sql_in_context(node)
            tokens: list[_Key] | None = _keys_of(sql)
        except Exception:  # noqa: BLE001 - spans degrade to the ancestor's
            tokens = None
        self.gens[id(node)] = (node, tokens)
        return tokens

    # -- ranges --------------------------------------------------------------------------------

    def _range(self, node: exp.Expr) -> _Range | None:
        # Ancestors first, from the nearest one already placed (no recursion: trees can be
        # deeper than Python's stack, e.g. long `a || b || ...` chains).
        chain: list[exp.Expr] = []
        current: exp.Expr | None = node
        while current is not None and self._cached(current) is _MISSING:
            chain.append(current)
            current = self._parent(current)
        for member in reversed(chain):
            parent = self._parent(member)
            if parent is None:
                root = member is self.parsed.tree and self.tokens
                self.ranges[id(member)] = (member, (0, len(self.tokens) - 1) if root else None)
                continue
            parent_range = self._cached(parent)
            if parent_range is not None and parent_range is not _MISSING:
                for child, child_range in self._partition(parent, parent_range):
                    if self._cached(child) is _MISSING:  # grandchildren may be placed
                        self.ranges[id(child)] = (child, child_range)
            if self._cached(member) is _MISSING:
                self.ranges[id(member)] = (member, None)
        found = self._cached(node)
        return None if found is _MISSING else found

    def _cached(self, node: exp.Expr) -> Any:
        entry = self.ranges.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else _MISSING

    def _partition(self, parent: exp.Expr, bounds: _Range) -> list[tuple[exp.Expr, _Range | None]]:
        """Ranges for the parent's children (and for the children of a child that is not one
        run of the parent's generated SQL, e.g. properties split around a table's columns)."""
        children = list(parent.iter_expressions())
        if not children:
            return []
        whole = self._generated(parent)
        members, template, composites = self._template(whole or [], children)
        placed: dict[int, _Range | None] = {}
        if whole is not None:
            self._align(template, members, bounds, placed)
        self._second_chance(members, bounds, placed)
        for composite, parts in composites.items():
            hull = [r for i in parts if (r := placed.get(i))]
            if hull:
                placed[composite] = (min(r[0] for r in hull), max(r[1] for r in hull))
        for i, member in enumerate(members):
            if placed.get(i) is None:
                placed[i] = self._anchor(member, bounds[0], bounds[1])
        return [(member, placed.get(i)) for i, member in enumerate(members)]

    def _template(
        self, whole: list[Any], children: list[exp.Expr]
    ) -> tuple[list[exp.Expr], list[Any], dict[int, list[int]]]:
        """The members (children, and grandchildren standing in for a child not found), the
        parent's generated tokens with each member's run replaced by its index, and which
        members stand in for which child."""
        members = list(children)
        composites: dict[int, list[int]] = {}
        runs: list[tuple[int, int, int]] = []  # (start, end, member index)
        used = [False] * len(whole)
        cursor = 0
        index = 0
        while index < len(members):
            own = self._generated(members[index])
            at = None
            if own and self._complete(members[index], own):
                at = _find_run(whole, own, cursor, used)
                if at is None:
                    at = _find_run(whole, own, 0, used)
            if own and at is not None:
                runs.append((at, at + len(own), index))
                used[at : at + len(own)] = [True] * len(own)
                cursor = at + len(own)
            elif index < len(children):
                parts = list(members[index].iter_expressions())
                composites[index] = list(range(len(members), len(members) + len(parts)))
                members.extend(parts)
            index += 1
        runs.sort()
        template: list[Any] = []
        position = 0
        for begin, end, member in runs:
            template.extend(whole[position:begin])
            template.append(member)
            position = end
        template.extend(whole[position:])
        return members, template, composites

    def _complete(self, node: exp.Expr, own: list[Any]) -> bool:
        """Whether the node's SQL alone shows all its children. Only Properties are written
        in pieces, by their CREATE (`CREATE UNLOGGED TABLE t (...) WITH (...)`): alone, they
        leave some out."""
        if not isinstance(node, exp.Properties):
            return True
        for child in node.iter_expressions():
            part = self._generated(child)
            if part and _find_run(own, part) is None:
                return False
        return True

    def _align(
        self,
        template: list[Any],
        members: list[exp.Expr],
        bounds: _Range,
        placed: dict[int, _Range | None],
    ) -> None:
        """Matches the template's literals against the parent's tokens; the slots between two
        matched literals share the tokens between them."""
        cores = [self._core(member) for member in members]
        # Where each positioned slot starts, keywords before its core included: a literal
        # before the slot must come before that (CAST's `(` is not TIMESTAMP(6)'s).
        # A partial match leaves the keywords to the parent's literals.
        heads = {}
        for item in template:
            if isinstance(item, int) and (core := cores[item]) is not None:
                start, complete = self._head(members[item], core, bounds[0])
                heads[item] = start if complete else core[0]
        next_head = [bounds[1] + 1] * (len(template) + 1)
        for k in range(len(template) - 1, -1, -1):
            item = template[k]
            next_head[k] = (
                heads.get(item, next_head[k + 1]) if isinstance(item, int) else (next_head[k + 1])
            )
        cursor = bounds[0]
        pending: list[int] = []
        tails: dict[tuple[int, int, int], int] = {}
        for k, item in enumerate(template):
            if isinstance(item, int):
                pending.append(item)
                continue
            # A literal comes after what the slots before it claim (CHECK (n > 0) claims its
            # `)`), reading them from where their region starts.
            ceiling = next_head[k + 1] - 1
            floor = cursor
            for i in pending:
                core = cores[i]
                if core is not None:
                    key = (i, cursor, max(ceiling, core[1]))
                    if key not in tails:
                        tails[key] = self._extend(members[i], core, cursor, key[2])[1]
                    floor = max(floor, tails[key] + 1)
            hit = self._find(item, floor, ceiling)
            if hit is None:
                continue
            self._share(pending, members, cores, cursor, hit - 1, placed)
            pending = []
            cursor = hit + 1
        self._share(pending, members, cores, cursor, bounds[1], placed)

    def _second_chance(
        self, members: list[exp.Expr], bounds: _Range, placed: dict[int, _Range | None]
    ) -> None:
        """A member without positions that alignment missed (the generator reordered it, like
        a sequence's NO MINVALUE) is looked for as a whole among the tokens nobody claimed,
        then anywhere in the statement if it occurs there once (a function's LANGUAGE after
        its body)."""
        taken = [r for r in placed.values() if r]
        for i, member in enumerate(members):
            if placed.get(i) is not None or self._core(member) is not None:
                continue
            own = self._generated(member)
            if not own:
                continue
            free = [
                at
                for at in self._occurrences(own, bounds)
                if not any(at <= r[1] and r[0] <= at + len(own) - 1 for r in taken)
            ]
            if not free:
                anywhere = self._occurrences(own, (0, len(self.tokens) - 1))
                free = anywhere if len(anywhere) == 1 else []
            if free:
                placed[i] = (free[0], free[0] + len(own) - 1)
                taken.append(placed[i])

    def _occurrences(self, own: list[_Key], bounds: _Range) -> list[int]:
        size = len(own)
        return [
            at
            for at in range(bounds[0], bounds[1] - size + 2)
            if all(_same(self.keys[at + k], g, loose=True) for k, g in enumerate(own))
        ]

    def _find(self, literal: Any, lo: int, hi: int) -> int | None:
        """First token in [lo, hi] matching `literal`, not looking inside bracket groups;
        respelled matches only when there is no exact one."""
        hit = self._scan(literal, lo, hi, loose=False)
        return hit if hit is not None else self._scan(literal, lo, hi, loose=True)

    def _scan(self, literal: Any, lo: int, hi: int, *, loose: bool) -> int | None:
        i = lo
        while i <= hi:
            tok = self.tokens[i]
            if _same(self.keys[i], literal, loose=loose):
                return i
            if tok.token_type in _CLOSERS:
                return None
            i = self.partner[i] + 1 if tok.token_type in _OPENERS and self.partner[i] > i else i + 1
        return None

    def _share(
        self,
        slots: list[int],
        children: list[exp.Expr],
        cores: list[_Range | None],
        lo: int,
        hi: int,
        placed: dict[int, _Range | None],
    ) -> None:
        """Splits [lo, hi] among adjacent slots (see step 4 above)."""
        if not slots:
            return
        starts: list[int | None] = []
        ends: list[int | None] = []
        floor = lo
        for n, index in enumerate(slots):
            child, core = children[index], cores[index]
            later = [cores[i][0] for i in slots[n + 1 :] if cores[i]]
            ceiling = min(later, default=hi + 1) - 1
            if core is not None:
                start, end = self._extend(child, core, floor, ceiling)
                floor = end + 1
            else:
                # Without positions: from the first token of its SQL through the rest of it,
                # or up to the next slot when the source spells it otherwise.
                start = self._first_of(child, floor, ceiling)
                end = None
                if start is None and n == 0:
                    start = floor
                elif start is not None:
                    end = self._follow(child, start, ceiling)
                if start is not None:
                    floor = (end if end is not None else start) + 1
            starts.append(start)
            ends.append(end)
        for n, index in enumerate(slots):
            start, end = starts[n], ends[n]
            if start is None:
                placed[index] = None
                continue
            limit = next((s - 1 for s in starts[n + 1 :] if s is not None), hi)
            if end is None:
                end = self._trim(start, limit)
            elif _ends_with_type(children[index]):
                end = self._absorb(end, limit)
            placed[index] = (start, end) if end >= start else None

    def _follow(self, child: exp.Expr, start: int, ceiling: int) -> int | None:
        """Where the child's SQL ends when read from `start` (skipping source words and
        bracket groups it lacks); None if some of it is not there."""
        end = start
        for g in (self._generated(child) or [])[1:]:
            k = end + 1
            while k <= ceiling and not _same(self.keys[k], g, loose=True):
                k = self._skip(k, start, ceiling)
            if k > ceiling or 0 <= self.partner[k] < start:
                return None
            end = k
        return end

    def _extend(self, child: exp.Expr, core: _Range, floor: int, ceiling: int) -> _Range:
        """The core widened over the source tokens matching the child's generated tokens
        before its first and after its last positioned leaf. Generated tokens the source
        lacks are skipped, and so are source words (and, after the core, bracket groups) the
        generator drops or respells: `timestamp(6) without time zone NOT NULL` still ends at
        NULL."""
        start = self._head(child, core, floor)[0]
        end = core[1]
        generated = self._generated(child)
        at_last = None
        if generated:
            at_last = self._leaf_at(generated, self.last_leaf.get(core[1]), core[1], first=False)
        if generated and at_last is not None:
            for g in generated[at_last + 1 :]:
                k = end + 1
                while k <= ceiling and not _same(self.keys[k], g, loose=True):
                    k = self._skip(k, start, ceiling)
                if k <= ceiling and not 0 <= self.partner[k] < start:
                    end = k  # (a closer of an enclosing group stays out)
        for k in range(start, core[0]):  # a claimed `(` must close inside
            if self.tokens[k].token_type in _OPENERS and not k < self.partner[k] <= end:
                start = k + 1
        return start, end

    def _head(self, child: exp.Expr, core: _Range, floor: int) -> tuple[int, bool]:
        """Where the child starts, reading its generated tokens backwards from its first
        positioned leaf; and whether all of them were there (`timestamp (` of TIMESTAMP(6)),
        not just some (the `(` of CAST('s' AS regclass) is the enclosing call's)."""
        generated = self._generated(child)
        if not generated:
            return core[0], True
        at_first = self._leaf_at(generated, self.first_leaf.get(core[0]), core[0], first=True)
        if at_first is None:
            return core[0], False
        start, complete = core[0], True
        for g in reversed(generated[:at_first]):
            k = start - 1
            while k >= floor and not _same(self.keys[k], g, loose=True):
                if self.keys[k][1] is None:
                    k = floor - 1
                k -= 1
            if k >= floor:
                start = k
            else:
                complete = False
        return start, complete

    def _skip(self, k: int, start: int, ceiling: int) -> int:
        """The index after a skippable source word or bracket group at k, else past ceiling."""
        tok = self.tokens[k]
        if tok.token_type in _OPENERS and k < self.partner[k] <= ceiling:
            return self.partner[k] + 1
        if self.keys[k][1] is not None:
            return k + 1
        return ceiling + 1

    def _leaf_at(
        self, generated: list[Any], leaf: exp.Expr | None, index: int, *, first: bool
    ) -> int | None:
        """Where, in `generated`, the leaf positioned at token `index` is: the first / last of
        its own generated tokens."""
        key = (id(generated), index, first)
        if key not in self.leaf_cache:
            self.leaf_cache[key] = self._locate_leaf(generated, leaf, index, first=first)
        return self.leaf_cache[key]

    def _locate_leaf(
        self, generated: list[Any], leaf: exp.Expr | None, index: int, *, first: bool
    ) -> int | None:
        own = self._generated(leaf) if leaf is not None else None
        if own:
            # The last occurrence for the last leaf: `value` of `f(im.value) AS je(key, value)`.
            at = _find_run(generated, own) if first else _rfind_run(generated, own)
            if at is not None:
                return at if first else at + len(own) - 1
        token = self.keys[index]
        order = range(len(generated)) if first else range(len(generated) - 1, -1, -1)
        return next((k for k in order if _same(token, generated[k])), None)

    def _anchor(self, child: exp.Expr, lo: int, hi: int) -> _Range | None:
        core = self._core(child)
        if core is None or core[0] < lo or core[1] > hi:
            return None
        return self._extend(child, core, lo, hi)

    def _first_of(self, child: exp.Expr, lo: int, hi: int) -> int | None:
        generated = self._generated(child)
        return self._find(generated[0], lo, hi) if generated else None

    def _trim(self, start: int, end: int) -> int:
        """Drops trailing separators, operators and unbalanced closers."""
        while end > start:
            tok = self.tokens[end]
            balanced = tok.token_type in _CLOSERS and start <= self.partner[end] < end
            if balanced or self.keys[end][1] is not None:
                break
            end -= 1
        return end

    def _absorb(self, end: int, limit: int) -> int:
        """Extends over the words and bracket groups that follow, up to `limit`."""
        while end < limit:
            tok = self.tokens[end + 1]
            if tok.token_type in _OPENERS and end + 1 < self.partner[end + 1] <= limit:
                end = self.partner[end + 1]
            elif self.keys[end + 1][1] is not None:
                end += 1
            else:
                break
        return end


def _sql_in_context(node: exp.Expr) -> str:
    """The node's SQL as its parent writes it, where that differs from the node alone."""
    if isinstance(node, exp.If) and isinstance(node.parent, exp.Case):
        condition = _GENERATOR.generate(node.this)
        value = _GENERATOR.generate(node.args["true"]) if node.args.get("true") else ""
        return f"WHEN {condition} THEN {value}"
    return _GENERATOR.generate(node)


def _ends_with_type(node: exp.Expr) -> bool:
    """Whether the node's source ends with a data type (`x::int ARRAY`, a column definition
    without constraints): data types claim the words the generator respells."""
    while True:
        if isinstance(node, exp.DataType):
            return True
        children = list(node.iter_expressions())
        if not children:
            return False
        node = children[-1]


def _find_run(
    whole: list[_Key], own: list[_Key], start: int = 0, used: list[bool] | None = None
) -> int | None:
    """Where `own` occurs in `whole` (both generated) from `start` on, on positions not
    `used`."""
    size = len(own)
    first = own[0]
    at = start - 1
    last = len(whole) - size
    while True:
        try:
            at = whole.index(first, at + 1, last + 1)
        except ValueError:
            return None
        if whole[at : at + size] == own and (used is None or True not in used[at : at + size]):
            return at


def _rfind_run(whole: list[_Key], own: list[_Key]) -> int | None:
    """Where `own` last occurs in `whole`."""
    size = len(own)
    for at in range(len(whole) - size, -1, -1):
        if whole[at] == own[0] and whole[at : at + size] == own:
            return at
    return None
