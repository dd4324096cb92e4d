"""The fallback of node spans: regenerate the statement and align its tokens with the source.

Spans come first from grammar layouts (`spans.py`); where none applies, a node's range comes
from its parent's, partitioned by the algorithm below. Every use of it is counted in `STATS`
(`DSQL_LINT_DEBUG=spans` prints the counts at exit), so that its use stays visible.

sqlglot records positions only on some leaves (identifiers, literals, `*`, function names:
a function's arguments are the parenthesized group after its name). A node's exact extent is
recovered from the token stream, top-down, the same way for every kind of node:

1. The root owns all the statement's tokens. Every other node gets its range when its parent's
   range is partitioned among the parent's children. A child's "core" is the span of the
   positioned leaves under it.
2. The statement is regenerated once with the DSQL generator, recording the SQL each node
   contributes (its text as its parent writes it). Locating each child's generated tokens in
   the parent's gives a template: the parent's own keywords and punctuation, with a slot per
   child, in generated order. A child absent from it (Properties, which a CREATE writes in
   pieces) is replaced by its own children.
3. The template's literals are matched against the parent's source tokens left to right,
   each between what the slot before it claims and where the slot after it starts, outside
   bracket groups; literals the source lacks (generator-only spellings) are skipped. Slots
   between two matched literals share the source tokens between them.
4. There, a child with a core extends left/right over the source tokens matching its
   generated tokens before/after its first/last leaf, skipping generated tokens the source
   lacks and source words the generator drops: `DEFAULT CAST('x' AS TEXT)` claims all of
   `DEFAULT 'x'::text`, `... NOT NULL` all of `timestamp(6) without time zone NOT NULL`. A
   child without a core starts at the first source token matching its first generated token
   and reads the rest of its SQL from there, else runs up to the next child. Nodes ending with
   a data type also claim the words and bracket groups after them (`int ARRAY`). A child
   still unplaced is looked for as a whole among unclaimed tokens (reordered options).
5. Source tokens left over belong to the parent. A node that cannot be placed gets its
   nearest placed ancestor's span, and ultimately the statement's.

All of it is computed lazily and cached on the Parsed: one regeneration per statement and one
partition per parent on the path to the node; the root's span costs nothing.

Rules ask for spans in most statements of a large file, so the fixed costs are kept low: the
tree is indexed once (tree.walk(), parents, cores), with the copy the generator will rewrite
made at the same time and without meta, which it does not read; generated SQL is tokenized
about once per statement, a child's tokens being cut out of its parent's (see _cut); token
keys are made once per (type, text), so equal keys are mostly the same object.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlglot import exp
from sqlglot.errors import ErrorLevel
from sqlglot.tokens import TokenType

from dsql_lint.syntax.dialect import DSQL, traced_generator
from dsql_lint.syntax.release import unlink

if TYPE_CHECKING:
    from dsql_lint.syntax.parse import Parsed

# How often the fallback ran: partitions of a parent's tokens, and whole statements regenerated.
STATS: Counter[str] = Counter()

_DIALECT = DSQL()
_TOKENIZER = _DIALECT.tokenizer()

Range = tuple[int, int]  # inclusive token indices
MISSING = object()
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
        texts = self.texts
        if texts is not None:
            texts[id(node)] = sql

    def trace(self, copy: exp.Expr) -> dict[int, str]:
        """The SQL of each node of `copy` (by id), which the generator may rewrite: a copy
        of the tree made for it (see _copy)."""
        self.texts = texts = {}
        try:
            self.generator.generate(copy, copy=False)
        except Exception:  # noqa: BLE001 - nodes without a text are generated one by one
            pass
        finally:
            self.texts = None
        return texts


_TRACER = _Tracer()

# sqlglot's tree.copy() spends half its time deep-copying each node's meta (positions) with
# the copy module. The tracer's copy is only generated, and the generator reads meta only for
# these two dialect settings, both off in DSQL: its copy goes without meta.
_GENERATOR_READS_META = bool(_DIALECT.ORIGINAL_NAME_META_KEY or _GENERATOR.IGNORE_NULLS_IN_FUNC)


def _copy(tree: exp.Expr, metas: list[tuple[exp.Expr, dict[str, Any]]]) -> exp.Expr:
    """A copy of `tree` for the generator, without meta; `metas` are the tree's nodes that
    have one, with it (all read before any is cleared: a node may occur twice)."""
    if _GENERATOR_READS_META:
        return tree.copy()
    try:
        for node, _ in metas:
            node._meta = None
        return tree.copy()
    finally:
        for node, meta in metas:
            node._meta = meta


# Tokens are compared through keys: (keyword or punctuation type, None for words; upper-cased
# text for words, else None; token type).
_Key = tuple[Any, Any, Any]
_WORDISH = frozenset({TokenType.IDENTIFIER, TokenType.STRING, TokenType.NUMBER, TokenType.VAR})


def _new_key(kind: TokenType, text: str) -> _Key:
    first = text[:1]
    word = first.isalnum() or first == "_" or kind in _WORDISH
    key = (None if kind in _WORDISH else kind, text.upper() if word else None, kind)
    if kind in _COMMAND_KINDS:
        _COMMAND_KEYS.add(key)
    return key


_COMMAND_KINDS = frozenset(_TOKENIZER._core.commands)


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


def _pair_brackets(keys: list[_Key]) -> list[int]:
    """The index of the other bracket of each bracket's group, else -1."""
    partner = [-1] * len(keys)
    stack: list[int] = []
    for i, key in enumerate(keys):
        kind = key[0]  # (brackets are not words: their type is first)
        if kind in _OPENERS:
            stack.append(i)
        elif kind in _CLOSERS and stack:
            j = stack.pop()
            partner[i], partner[j] = j, i
    return partner


class _Tokenized(NamedTuple):
    """Generated SQL's tokens (their keys), and where they are to cut the tokens of texts
    inside it out of them (see `_cut`). A text is either tokenized or cut out of a tokenized
    one, its root: `everything`, `starts` and `ends` (inclusive) are the root's keys and
    character offsets, `base` is where this text starts in the root and `first`, `last` are
    its tokens' indices there (the root's lists are shared, never modified)."""

    keys: list[_Key]
    everything: list[_Key]
    starts: list[int]
    ends: list[int]
    base: int
    first: int
    last: int  # exclusive
    cuttable: bool  # the root skips only spaces (no comment, no command)


# A command word makes the tokenizer read the rest of its input as one string (unlike inside
# a longer text); comments are skipped. Texts with either are never cut.
_COMMAND_KEYS: set[_Key] = set()


def _tokenize(sql: str) -> _Tokenized:
    tokens = _TOKENIZER.tokenize(sql)
    keys = _keys(tokens)
    cuttable = "--" not in sql and "/*" not in sql and _COMMAND_KEYS.isdisjoint(keys)
    starts = [tok.start for tok in tokens] if cuttable else []
    ends = [tok.end for tok in tokens] if cuttable else []
    return _Tokenized(keys, keys, starts, ends, 0, 0, len(keys), cuttable)


def _cut(whole: _Tokenized, text: str, part: str) -> _Tokenized | None:
    """`part`'s tokens, taken from those of `text` (tokenized as `whole`) where `part` occurs
    between two tokens; None if it does not.

    The tokenizer reads a token from its first character on, whatever came before (except
    for a command word first in its input, and after a PARAMETER token: `$1.5` is $ 1 . 5),
    and looks past a token only to see where it ends. So where all a text skips are spaces,
    the tokens of a stretch that starts and ends between tokens are what tokenizing that
    stretch alone gives, unless the first one follows a PARAMETER; the same then holds inside
    the stretch, which can be cut in turn."""
    if not whole.cuttable or not part or part.isspace():
        return None
    starts, ends = whole.starts, whole.ends
    at = text.find(part)
    for _ in range(4):  # a short part may occur inside a token first: look a little further
        if at < 0:
            return None
        lo = whole.base + at
        hi = lo + len(part)  # exclusive
        first = bisect_left(starts, lo, whole.first, whole.last)
        last = bisect_left(starts, hi, first, whole.last)
        if (
            first < last
            and ends[last - 1] < hi
            and (
                first == whole.first
                or (ends[first - 1] < lo and whole.everything[first - 1][2] != _PARAMETER)
            )
        ):
            keys = whole.everything[first:last]
            return _Tokenized(keys, whole.everything, starts, ends, lo, first, last, True)
        at = text.find(part, at + 1)
    return None


_PARAMETER = TokenType.PARAMETER
_L_PAREN = TokenType.L_PAREN
_TOKENIZED: dict[str, _Tokenized] = {}


def _tokenized(sql: str, within: tuple[str, _Tokenized] | None = None) -> _Tokenized:
    """The tokens of generated SQL, cut out of those of `within` (text, tokens) when it is
    there. The same short texts (NOT NULL, a type, a name) come up all the time: cached."""
    found = _TOKENIZED.get(sql)
    if found is None:
        found = (within and _cut(within[1], within[0], sql)) or _tokenize(sql)
        if len(_TOKENIZED) > 50_000:
            _TOKENIZED.clear()
        _TOKENIZED[sql] = found
    return found


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


class _Index(NamedTuple):
    """The nodes of a tree, as its spans see them (built once: trees are not modified while
    their spans are asked for)."""

    nodes: list[exp.Expr]  # tree.walk()
    position: dict[int, int]  # id(node): its (last) index in nodes
    up: list[int]  # the index of each node's parent, -1 for the root
    lows: list[int]  # each node's core (see _cores)
    highs: list[int]


_NO_INDEX = _Index([], {}, [], [], [])


class _Members(NamedTuple):
    """A parent's members (see _template), with their cores and generated tokens."""

    nodes: list[exp.Expr]
    cores: list[Range | None]
    gens: list[list[_Key] | None]


# A node, its generated tokens' keys, its generated SQL and tokens (all None if it failed).
_Generated = tuple[exp.Expr, list[_Key] | None, str | None, _Tokenized | None]


class Aligner:
    """node_span's state for one statement (see the algorithm above), with a hook for grammar
    layouts (`_layout`). Caches are keyed by id(node) and keep the node, so a node that died
    cannot be confused with a new one."""

    layouts = True  # off only to check the layouts against the general algorithm

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.tokens = parsed.tokens
        # Rules often ask only for whole statements: the rest is built on the first other node.
        self.ready = False
        self.keys: list[_Key] = []
        self.by_start: dict[int, int] = {}
        self.partner: list[int] = []  # the other bracket of a group, else -1
        self.index: _Index | None = None  # the tree's nodes, built with the first core
        # The deepest positioned node starting / ending at a token index.
        self.first_leaf: dict[int, exp.Expr] = {}
        self.last_leaf: dict[int, exp.Expr] = {}
        self.ranges: dict[int, tuple[exp.Expr, Range | None]] = {}
        self.gens: dict[int, _Generated] = {}
        # The nodes with a meta, and it (see _copy); the SQL of each node of tree.walk().
        self.metas: list[tuple[exp.Expr, dict[str, Any]]] = []
        self.traced: list[str | None] | None = None
        # Where a member's first / last positioned leaf is in its generated tokens.
        self.first_at: dict[int, tuple[exp.Expr, int | None]] = {}
        self.last_at: dict[int, tuple[exp.Expr, int | None]] = {}

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
        tokens = self.tokens
        self.keys = _keys(tokens)
        self.by_start = dict(zip([tok.start for tok in tokens], range(len(tokens)), strict=True))
        self.partner = _pair_brackets(self.keys)
        self.ready = True

    def _chars(self, found: Range) -> tuple[int, int]:
        base = self.parsed.statement.start
        return base + self.tokens[found[0]].start, base + self.tokens[found[1]].end + 1

    def _placed(self, node: exp.Expr) -> Range | None:
        """The node's range, else its nearest placed ancestor's; None outside this tree."""
        current: exp.Expr | None = node
        while current is not None:
            found = self._range(current)
            if found is not None:
                return found
            current = self._parent(current)
        return None

    def _parent(self, node: exp.Expr) -> exp.Expr | None:
        """The node's parent as reached from the root (sqlglot's own `parent` can be stale:
        before the tree is indexed, it is used only where the parent holds the node)."""
        if self.index is None:
            parent = node.parent
            held = parent.args.get(node.arg_key) if parent is not None else None
            if held is node or (isinstance(held, list) and any(n is node for n in held)):
                return parent
        k = self._position(node)
        if not k:  # (the root, or not in the tree)
            return None
        index = self._indexed()
        return index.nodes[index.up[k]]

    def _core(self, node: exp.Expr) -> Range | None:
        """First and last token of the node's positioned descendants (itself included)."""
        if self.index is None:  # (layouts need a few cores: no need to index the tree)
            return self._subtree_core(node)
        k = self._position(node)
        if k is None:
            return None
        index = self._indexed()
        return (index.lows[k], index.highs[k]) if index.highs[k] >= 0 else None

    def _subtree_core(self, node: exp.Expr) -> Range | None:
        if not self.ready:
            self._prepare()
        low, high = len(self.keys), -1
        for leaf in node.walk():
            meta = leaf._meta
            found = self._leaf(leaf, meta) if meta else None
            if found is not None:
                low, high = min(low, found[0]), max(high, found[1])
        return (low, high) if high >= 0 else None

    def _leaf(self, node: exp.Expr, meta: dict[str, Any]) -> Range | None:
        """The tokens of a positioned node; None if its position is not a token's."""
        first = self.by_start.get(meta.get("start"))
        if first is None:
            return None
        # A function is positioned at its name: its arguments follow in parentheses.
        after = first + 1
        keys = self.keys
        if after < len(keys) and keys[after][2] is _L_PAREN and isinstance(node, exp.Func):
            return first, max(first, self.partner[after])
        # A node the dialect made of several words (pgforms) ends where its meta says.
        last, end, tokens = first, meta.get("end", -1), self.tokens
        while last + 1 < len(tokens) and tokens[last + 1].end <= end:
            last += 1
        return first, last

    def _position(self, node: exp.Expr) -> int | None:
        """Where the node is in tree.walk() (its last place, if it has several)."""
        index = self._indexed()
        k = index.position.get(id(node))
        return k if k is not None and index.nodes[k] is node else None

    def _indexed(self) -> _Index:
        index = self.index
        if index is None:
            if not self.ready:
                self._prepare()
            tree = self.parsed.tree
            index = self.index = self._build_index(tree) if tree is not None else _NO_INDEX
        return index

    def _build_index(self, tree: exp.Expr) -> _Index:
        # Breadth first, as tree.walk(), keeping each node's parent as reached from the root.
        nodes = [tree]
        up = [-1]
        k = 0
        while k < len(nodes):
            for child in nodes[k].iter_expressions():
                nodes.append(child)
                up.append(k)
            k += 1
        metas = [(k, node, node._meta) for k, node in enumerate(nodes) if node._meta is not None]
        self.metas = [(node, meta) for _, node, meta in metas]
        lows, highs = self._cores(len(nodes), metas, up)
        position = dict(zip(map(id, nodes), range(len(nodes)), strict=True))
        return _Index(nodes, position, up, lows, highs)

    def _cores(
        self, size: int, metas: list[tuple[int, exp.Expr, dict[str, Any]]], up: list[int]
    ) -> tuple[list[int], list[int]]:
        """The cores of the `size` nodes of tree.walk() (parents at `up`; `metas`: the index,
        node and meta of those with one): their first and last tokens, none where the last is
        -1. Records the leaves starting and ending at each token."""
        first_leaf, last_leaf = self.first_leaf, self.last_leaf
        lows = [len(self.keys)] * size
        highs = [-1] * size
        # Positioned nodes, deepest first (tree.walk() backwards), widen their ancestors' cores
        # up to the first that covers them already (then so do all above it).
        for k, node, meta in reversed(metas):
            found = self._leaf(node, meta) if meta else None
            if found is None:
                continue
            first, last = found
            first_leaf.setdefault(first, node)
            last_leaf.setdefault(last, node)
            while k >= 0:
                low, high = lows[k], highs[k]
                if low <= first and last <= high:
                    break
                if first < low:
                    lows[k] = first
                if last > high:
                    highs[k] = last
                k = up[k]
        return lows, highs

    def _generated(self, node: exp.Expr) -> list[_Key] | None:
        """The node's generated tokens: its SQL as written in the regenerated statement, or
        generated on its own."""
        entry = self.gens.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        return self._generate(node)[1]

    def _generate(self, node: exp.Expr) -> _Generated:
        k = self._position(node)
        try:
            # Tracing regenerates the whole statement: worth it for a partition from the
            # root down, not for a node placed by a shortcut (generated alone).
            traced = self.traced is not None or k == 0 or not self.layouts
            sql = self._traced_sql(k) if traced else None
            if sql is None:
                sql = _sql_in_context(node, self.metas)
            tokens = _TOKENIZED.get(sql)
            if tokens is None:
                tokens = _tokenized(sql, self._parent_sql(k))
            entry: _Generated = (node, tokens.keys, sql, tokens)
        except Exception:  # noqa: BLE001 - spans degrade to the ancestor's
            entry = (node, None, None, None)
        self.gens[id(node)] = entry
        return entry

    def _traced_sql(self, k: int | None) -> str | None:
        """The SQL of the node at `k` in tree.walk() as its parent wrote it when the whole
        tree was generated."""
        if self.traced is None:
            self.traced = self._trace()
        return self.traced[k] if k is not None else None

    def _trace(self) -> list[str | None]:
        """The SQL of each node of tree.walk(), from the copy made with the index."""
        index = self._indexed()
        if not index.nodes:
            return []
        STATS["statements regenerated"] += 1
        # Its tree.walk() is in step with the tree's (kept until generated: ids stay unique).
        copies = list(_copy(index.nodes[0], self.metas).walk())
        texts = _TRACER.trace(copies[0])
        # Only their ids are read from here on: cut, the copies are freed with the list (the
        # generator may have swapped some out of the tree, so both are cut).
        unlink(copies[0], copies)
        if len(index.position) == len(index.nodes):
            return [texts.get(key) for key in map(id, copies)]
        # A node twice in the tree has a copy, and maybe a text, per place: the text first
        # recorded last wins.
        place = dict(zip(map(id, copies), index.nodes, strict=False))
        chosen: dict[int, str] = {}
        for key, sql in texts.items():
            if (node := place.get(key)) is not None:
                chosen[id(node)] = sql
        return [chosen.get(key) for key in map(id, index.nodes)]

    def _parent_sql(self, k: int | None) -> tuple[str, _Tokenized] | None:
        """The SQL and tokens of the parent of the node at `k` in tree.walk(), if generated
        already: the node's SQL is usually in it (see _cut)."""
        if not k:  # (the root, or not in the tree)
            return None
        index = self._indexed()
        parent = index.nodes[index.up[k]]
        entry = self.gens.get(id(parent))
        if entry is None or entry[0] is not parent or entry[3] is None:
            return None
        return entry[2], entry[3]

    # -- ranges --------------------------------------------------------------------------------

    def _range(self, node: exp.Expr) -> Range | None:
        # Ancestors first, from the nearest one already placed (no recursion: trees can be
        # deeper than Python's stack, e.g. long `a || b || ...` chains).
        chain: list[exp.Expr] = []
        current: exp.Expr | None = node
        while current is not None and self._cached(current) is MISSING:
            parent = self._parent(current)
            if self.layouts and self._layout(parent, current):
                break
            chain.append(current)
            current = parent
        for member in reversed(chain):
            parent = self._parent(member)
            if parent is None:
                root = member is self.parsed.tree and self.tokens
                self.ranges[id(member)] = (member, (0, len(self.tokens) - 1) if root else None)
                continue
            parent_range = self._cached(parent)
            if parent_range is not None and parent_range is not MISSING:
                for child, child_range in self._partition(parent, parent_range):
                    if self._cached(child) is MISSING:  # grandchildren may be placed
                        self.ranges[id(child)] = (child, child_range)
            if self._cached(member) is MISSING:
                self.ranges[id(member)] = (member, None)
        found = self._cached(node)
        return None if found is MISSING else found

    def _layout(self, parent: exp.Expr | None, member: exp.Expr) -> bool:
        """Whether a grammar layout placed `member` (and maybe its siblings) in `ranges`."""
        return False

    def _cached(self, node: exp.Expr) -> Any:
        entry = self.ranges.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else MISSING

    def _partition(self, parent: exp.Expr, bounds: Range) -> list[tuple[exp.Expr, Range | None]]:
        """Ranges for the parent's children (and for the children of a child that is not one
        run of the parent's generated SQL, e.g. properties split around a table's columns)."""
        children = list(parent.iter_expressions())
        if not children:
            return []
        STATS[f"fallback: {type(parent).__name__}"] += 1
        whole = self._generated(parent)
        members, gens, template, composites = self._template(whole or [], children)
        part = _Members(members, [self._core(member) for member in members], gens)
        placed: dict[int, Range | None] = {}
        if whole is not None:
            self._align(template, part, bounds, placed)
        self._second_chance(part, bounds, placed)
        for composite, parts in composites.items():
            hull = [r for i in parts if (r := placed.get(i))]
            if hull:
                placed[composite] = (min(r[0] for r in hull), max(r[1] for r in hull))
        for i in range(len(members)):
            if placed.get(i) is None:
                placed[i] = self._anchor(part, i, bounds[0], bounds[1])
        return [(member, placed.get(i)) for i, member in enumerate(members)]

    def _template(
        self, whole: list[Any], children: list[exp.Expr]
    ) -> tuple[list[exp.Expr], list[list[_Key] | None], list[Any], dict[int, list[int]]]:
        """The members (children, and grandchildren standing in for a child not found), their
        generated tokens, the parent's generated tokens with each member's run replaced by its
        index, and which members stand in for which child."""
        members = list(children)
        gens: list[list[_Key] | None] = []
        composites: dict[int, list[int]] = {}
        runs: list[tuple[int, int, int]] = []  # (start, end, member index)
        used = [False] * len(whole)
        cursor = 0
        index = 0
        while index < len(members):
            own = self._generated(members[index])
            gens.append(own)
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
        return members, gens, template, composites

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
        self, template: list[Any], part: _Members, bounds: Range, placed: dict[int, Range | None]
    ) -> None:
        """Matches the template's literals against the parent's tokens; the slots between two
        matched literals share the tokens between them."""
        # Where each positioned slot starts, keywords before its core included: a literal
        # before the slot must come before that (CAST's `(` is not TIMESTAMP(6)'s).
        # A partial match leaves the keywords to the parent's literals.
        members, cores, gens = part
        heads = {}
        for item in template:
            if isinstance(item, int) and (core := cores[item]) is not None:
                start, complete = self._head(members[item], core, gens[item], bounds[0])
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
                        extended = self._extend(members[i], core, gens[i], cursor, key[2])
                        tails[key] = extended[1]
                    floor = max(floor, tails[key] + 1)
            hit = self._find(item, floor, ceiling)
            if hit is None:
                continue
            self._share(pending, part, cursor, hit - 1, placed)
            pending = []
            cursor = hit + 1
        self._share(pending, part, cursor, bounds[1], placed)

    def _second_chance(
        self, part: _Members, bounds: Range, placed: dict[int, Range | None]
    ) -> None:
        """A member without positions that alignment missed (the generator reordered it, like
        a sequence's NO MINVALUE) is looked for as a whole among the tokens nobody claimed,
        then anywhere in the statement if it occurs there once (a function's LANGUAGE after
        its body)."""
        taken = [r for r in placed.values() if r]
        for i, own in enumerate(part.gens):
            if placed.get(i) is not None or part.cores[i] is not None:
                continue
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

    def _occurrences(self, own: list[_Key], bounds: Range) -> list[int]:
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
        keys, partner = self.keys, self.partner
        i = lo
        while i <= hi:
            if _same(keys[i], literal, loose=loose):
                return i
            if keys[i][0] in _CLOSERS:
                return None
            i = partner[i] + 1 if partner[i] > i else i + 1  # over a bracket group
        return None

    def _share(
        self, slots: list[int], part: _Members, lo: int, hi: int, placed: dict[int, Range | None]
    ) -> None:
        """Splits [lo, hi] among adjacent slots (see step 4 above)."""
        if not slots:
            return
        children, cores, gens = part
        starts: list[int | None] = []
        ends: list[int | None] = []
        floor = lo
        for n, index in enumerate(slots):
            child, core, generated = children[index], cores[index], gens[index]
            if core is not None and not lo <= core[0] <= core[1] <= hi:
                # Written elsewhere in the source than the generator puts it (a sequence's
                # options in another order): placed later, around its core (_anchor).
                starts.append(None)
                ends.append(None)
                continue
            later = [c[0] for i in slots[n + 1 :] if (c := cores[i]) and lo <= c[0] <= hi]
            ceiling = min(later, default=hi + 1) - 1
            if core is not None:
                start, end = self._extend(child, core, generated, floor, ceiling)
                floor = end + 1
            else:
                # Without positions: from the first token of its SQL through the rest of it,
                # or up to the next slot when the source spells it otherwise.
                start = self._find(generated[0], floor, ceiling) if generated else None
                end = None
                if start is None and n == 0:
                    start = floor
                elif start is not None:
                    end = self._follow(generated, start, ceiling)
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
            elif self._ends_with_type(children[index]):
                end = self._absorb(end, limit)
            placed[index] = (start, end) if end >= start else None

    def _follow(self, generated: list[_Key] | None, start: int, ceiling: int) -> int | None:
        """Where a child's SQL (`generated`) ends when read from `start` (skipping source words
        and bracket groups it lacks); None if some of it is not there."""
        end = start
        for g in (generated or [])[1:]:
            k = self._match(g, end + 1, start, ceiling)
            if k > ceiling or 0 <= self.partner[k] < start:
                return None
            end = k
        return end

    def _extend(
        self, child: exp.Expr, core: Range, generated: list[_Key] | None, floor: int, ceiling: int
    ) -> Range:
        """The core widened over the source tokens matching the child's generated tokens
        before its first and after its last positioned leaf. Generated tokens the source
        lacks are skipped, and so are source words (and, after the core, bracket groups) the
        generator drops or respells: `timestamp(6) without time zone NOT NULL` still ends at
        NULL."""
        start = self._head(child, core, generated, floor)[0]
        end = core[1]
        at_last = self._leaf_at(child, generated, core, first=False) if generated else None
        if generated and at_last is not None:
            partner = self.partner
            for g in generated[at_last + 1 :]:
                k = self._match(g, end + 1, start, ceiling)
                if k <= ceiling and not 0 <= partner[k] < start:
                    end = k  # (a closer of an enclosing group stays out)
        keys, partner = self.keys, self.partner
        for k in range(start, core[0]):  # a claimed `(` must close inside
            if keys[k][0] in _OPENERS and not k < partner[k] <= end:
                start = k + 1
        return start, end

    def _match(self, g: _Key, k: int, start: int, ceiling: int) -> int:
        """The first source token from k on that reads as `g`, skipping source words and
        bracket groups (a group only if it closes by `ceiling`); past `ceiling` if none."""
        keys, partner = self.keys, self.partner
        while k <= ceiling:
            s = keys[k]
            if s is g or _same(s, g, loose=True):
                return k
            # Skip a bracket group, else a word, else stop.
            if k < partner[k] <= ceiling:
                k = partner[k] + 1
            elif s[1] is not None:
                k += 1
            else:
                return ceiling + 1
        return k

    def _head(
        self, child: exp.Expr, core: Range, generated: list[_Key] | None, floor: int
    ) -> tuple[int, bool]:
        """Where the child starts, reading its generated tokens backwards from its first
        positioned leaf; and whether all of them were there (`timestamp (` of TIMESTAMP(6)),
        not just some (the `(` of CAST('s' AS regclass) is the enclosing call's)."""
        if not generated:
            return core[0], True
        at_first = self._leaf_at(child, generated, core, first=True)
        if at_first is None:
            return core[0], False
        keys = self.keys
        start, complete = core[0], True
        for g in reversed(generated[:at_first]):
            k = start - 1
            while k >= floor:
                s = keys[k]
                if s is g or _same(s, g, loose=True):
                    break
                k = k - 1 if s[1] is not None else floor - 1  # only words are skipped
            if k >= floor:
                start = k
            else:
                complete = False
        return start, complete

    def _leaf_at(
        self, child: exp.Expr, generated: list[_Key], core: Range, *, first: bool
    ) -> int | None:
        """Where, in the child's generated tokens, its first positioned leaf's first token is
        (or its last leaf's last token, with first=False)."""
        cache = self.first_at if first else self.last_at
        entry = cache.get(id(child))
        if entry is None or entry[0] is not child:
            index = core[0] if first else core[1]
            leaf = (self.first_leaf if first else self.last_leaf).get(index)
            entry = (child, self._locate_leaf(generated, leaf, index, first=first))
            cache[id(child)] = entry
        return entry[1]

    def _locate_leaf(
        self, generated: list[Any], leaf: exp.Expr | None, index: int, *, first: bool
    ) -> int | None:
        """Where, in `generated`, the leaf positioned at token `index` is: the first / last of
        its own generated tokens."""
        own = self._generated(leaf) if leaf is not None else None
        if own:
            # The last occurrence for the last leaf: `value` of `f(im.value) AS je(key, value)`.
            at = _find_run(generated, own) if first else _rfind_run(generated, own)
            if at is not None:
                return at if first else at + len(own) - 1
        token = self.keys[index]
        order = range(len(generated)) if first else range(len(generated) - 1, -1, -1)
        return next((k for k in order if _same(token, generated[k])), None)

    def _anchor(self, part: _Members, i: int, lo: int, hi: int) -> Range | None:
        core = part.cores[i]
        if core is None or core[0] < lo or core[1] > hi:
            return None
        return self._extend(part.nodes[i], core, part.gens[i], lo, hi)

    def _trim(self, start: int, end: int) -> int:
        """Drops trailing separators, operators and unbalanced closers."""
        keys, partner = self.keys, self.partner
        # (Only the closer of a group has its partner before it.)
        while end > start and not start <= partner[end] < end and keys[end][1] is None:
            end -= 1
        return end

    def _absorb(self, end: int, limit: int) -> int:
        """Extends over the words and bracket groups that follow, up to `limit`."""
        keys, partner = self.keys, self.partner
        while end < limit:
            if end + 1 < partner[end + 1] <= limit:  # (only an opener's partner is after it)
                end = partner[end + 1]
            elif keys[end + 1][1] is not None:
                end += 1
            else:
                break
        return end

    def _ends_with_type(self, node: exp.Expr) -> bool:
        """Whether the node's source ends with a data type (`x::int ARRAY`, a column definition
        without constraints): data types claim the words the generator respells."""
        while True:
            if isinstance(node, exp.DataType):
                return True
            last = next(node.iter_expressions(reverse=True), None)
            if last is None:
                return False
            node = last


def _sql_in_context(node: exp.Expr, metas: list[tuple[exp.Expr, dict[str, Any]]]) -> str:
    """The node's SQL as its parent writes it, where that differs from the node alone;
    `metas` as for _copy."""
    if isinstance(node, exp.If) and isinstance(node.parent, exp.Case):
        condition = _GENERATOR.generate(node.this)
        value = _GENERATOR.generate(node.args["true"]) if node.args.get("true") else ""
        return f"WHEN {condition} THEN {value}"
    copy = _copy(node, metas)
    try:
        return _GENERATOR.generate(copy, copy=False)
    finally:
        unlink(copy)


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
