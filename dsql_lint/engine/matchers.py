"""The `match` vocabulary: YAML conditions compiled into predicates over sqlglot nodes.

A match is a mapping; every key must hold:

    node: DataType | [Create, Alter]   the node is an instance of one of these sqlglot classes
    where: {arg: value-spec, ...}      conditions on the node's args (see below)
    parent: match                      the direct parent matches; `key: kind` inside it (or
                                       inside one of its `any_of` options, for that option)
                                       also requires the node to be the parent's `kind` arg;
                                       `key` anywhere else is a load error
    ancestor: match                    some ancestor matches
    has: match                         some descendant (not the node itself) matches
    not: match | any_of: [match] | all_of: [match]
    root: true|false                   the node is (not) the statement's root
    words: CREATE POLICY | [CREATE POLICY, ALTER POLICY]
                                       the statement starts with these words (whole words,
                                       any case and spacing, comments skipped); the rule
                                       set dispatches on their first word, so a rule that
                                       reads the statement's text must declare them

A value-spec is a scalar (equality, case-insensitive), or a mapping of:
    in: [values]   regex: pattern   present: bool   not: value-spec   match: match
    any: value-spec (some item of a list arg)        count: {gt|ge|lt|le|eq: n}
    first: value-spec (the first item of a list arg; fails on an empty list)
    number: {gt|ge|lt|le|eq|ne: n}   the value read as a number (a numeric literal, a
                                     type parameter, or text); fails when it is not one
    groups: {name: value-spec}       beside `regex`: some match of the regex has named
                                     groups (`(?P<name>...)`) that meet these conditions,
                                     so a regex finds a value and `number:`, `in:`... judge
                                     it, as they judge a tree's args
Args are sqlglot's own (`this`, `kind`, `expressions`, ...); args joined by `+` are read as
one list, their items together (`columns+include: {count: {gt: 8}}`: an index's key and
INCLUDE columns); pseudo-args start with `$`:
    $name (node.name), $text (the node's source text), $sql (the node regenerated),
    $code (the source text with comments and dollar-quoted bodies blanked out, so that a
    regex never matches inside a function body or a comment; single-quoted strings stay),
    $rest (the statement's $code after the `words` of the match, from the next word on).
A match on the statement's root reads its text through `words` and `$rest`, never `$code`
or `$text`: a load error otherwise.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from typing import Any, Protocol

from sqlglot import exp

from dsql_lint.errors import RuleError


class Context(Protocol):
    def text_of(self, node: exp.Expr) -> str: ...

    def is_root(self, node: exp.Expr) -> bool: ...

    def code_of(self, node: exp.Expr) -> str: ...

    def statement_code(self) -> str: ...

    def count_of(self, items: list[Any]) -> int: ...


Predicate = Callable[[exp.Expr, Context], bool]
ValueTest = Callable[[Any, exp.Expr, Context], bool]

MATCH_KEYS = {
    "node",
    "where",
    "parent",
    "ancestor",
    "has",
    "not",
    "any_of",
    "all_of",
    "root",
    "words",
}
# Pseudo-args holding the statement's text, which a match on the root reads through `words`.
STATEMENT_TEXT = frozenset({"$code", "$text"})


class CompileError(Exception):
    pass


def node_classes(names: Any) -> tuple[type[exp.Expr], ...]:
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        raise CompileError("`node` must be a sqlglot class name or a list of them")
    classes = []
    for name in names:
        cls = getattr(exp, str(name), None)
        if not (isinstance(cls, type) and issubclass(cls, exp.Expr)):
            raise CompileError(f"unknown sqlglot node type {name!r}")
        classes.append(cls)
    return tuple(classes)


def compile_match(
    spec: Any,
    allowed_extra: frozenset[str] = frozenset(),
    *,
    root: bool = False,
    words: re.Pattern[str] | None = None,
) -> Predicate:
    """`root`: the node is known to be the statement's root (an enclosing match requires it);
    `words`: the enclosing match's leading words, which `$rest` follows."""
    if not isinstance(spec, dict):
        raise CompileError("a match must be a mapping")
    if "key" in spec and "key" not in allowed_extra:
        raise CompileError(
            "`key` (which arg of its parent the node is) is read directly under `parent:` or "
            "in one of that `parent:`'s `any_of` options, and nowhere else"
        )
    unknown = set(spec) - MATCH_KEYS - allowed_extra
    if unknown:
        raise CompileError(f"unknown match key(s): {', '.join(sorted(map(str, unknown)))}")
    root = root or spec.get("root") is True
    tests: list[Predicate] = []
    if "node" in spec:
        classes = node_classes(spec["node"])
        tests.append(lambda node, ctx: isinstance(node, classes))
    if "root" in spec:
        want_root = bool(spec["root"])
        tests.append(lambda node, ctx: ctx.is_root(node) == want_root)
    if "words" in spec:
        words = words_pattern(spec["words"])
        # A `$rest` beside the words fails without them: one regex run instead of two.
        where = spec.get("where")
        if not (isinstance(where, dict) and "$rest" in where):
            tests.append(lambda node, ctx, lead=words: lead.match(ctx.statement_code()) is not None)
    if "where" in spec:
        tests.extend(_compile_where(spec["where"], root, words))
    if "parent" in spec:
        tests.append(_compile_parent(spec["parent"]))
    if "ancestor" in spec:
        tests.append(_compile_ancestor(compile_match(spec["ancestor"])))
    if "has" in spec:
        tests.append(_compile_has(compile_match(spec["has"])))
    if "not" in spec:
        inner = compile_match(spec["not"], root=root, words=words)
        tests.append(lambda node, ctx: not inner(node, ctx))
    if "any_of" in spec:
        options = [
            compile_match(s, root=root, words=words) for s in _as_list(spec["any_of"], "any_of")
        ]
        tests.append(lambda node, ctx: any(p(node, ctx) for p in options))
    if "all_of" in spec:
        parts = [
            compile_match(s, root=root, words=words) for s in _as_list(spec["all_of"], "all_of")
        ]
        tests.append(lambda node, ctx: all(p(node, ctx) for p in parts))
    return _all(tests)


_WORD = re.compile(r"[A-Za-z_]+")


def word_lists(spec: Any) -> list[list[str]]:
    """`words:` as lists of upper-case words, one list per alternative."""
    alternatives = [spec] if isinstance(spec, str) else spec
    if not isinstance(alternatives, list) or not alternatives:
        raise CompileError("`words` must be words (`CREATE POLICY`) or a list of such")
    found = []
    for alternative in alternatives:
        words = str(alternative).split()
        if not words or not all(_WORD.fullmatch(word) for word in words):
            raise CompileError(f"`words`: {alternative!r} is not a run of keywords")
        found.append([word.upper() for word in words])
    return found


def words_pattern(spec: Any) -> re.Pattern[str]:
    """The statement's start matching one alternative of `words:`, each word whole; the
    longest alternative first, so that `$rest` follows all the words that matched."""
    alternatives = sorted(word_lists(spec), key=len, reverse=True)
    body = "|".join(r"\s+".join(words) for words in alternatives)
    return re.compile(rf"(?:{body})\b", re.IGNORECASE)


def may_match(spec: Any, node_type: type, root: bool) -> bool:
    """Whether a node of `node_type` can match `spec` at the statement's root (`root`) or
    below it, by the `node:` and `root:` its match and its `any_of`/`all_of` options require
    of that same node. Lets the rule set offer a node only such checks: a rule on a SET's
    root or on a set_config call (`node: [Expr, Anonymous]`) is not tried on every row of a
    dump."""
    if not isinstance(spec, dict):
        return True
    if "node" in spec and not issubclass(node_type, node_classes(spec["node"])):
        return False
    if "root" in spec and bool(spec["root"]) != root:
        return False
    options = spec.get("any_of")
    if isinstance(options, list) and not any(may_match(o, node_type, root) for o in options):
        return False
    parts = spec.get("all_of")
    return not isinstance(parts, list) or all(may_match(p, node_type, root) for p in parts)


def statement_words(spec: Any, node_type: type) -> frozenset[str] | None:
    """The first words a statement must start with for `spec` to match its root of
    `node_type`, or None when any word may: from `words:`, or from the `any_of` options
    that can match that type when each of them names its words. Lets the rule set skip a
    rule for every other statement without running its matcher at all."""
    if not isinstance(spec, dict):
        return None
    if "words" in spec:
        return frozenset(words[0] for words in word_lists(spec["words"]))
    options = [
        option
        for option in spec.get("any_of") or []
        if not (isinstance(option, dict) and "node" in option)
        or issubclass(node_type, node_classes(option["node"]))
    ]
    leads = [statement_words(option, node_type) for option in options]
    if not leads or any(lead is None for lead in leads):
        return None
    return frozenset().union(*leads)  # type: ignore[arg-type]


def _all(tests: list[Predicate]) -> Predicate:
    # Plain loops, not all(genexpr): these run for every node of every statement.
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda node, ctx: first(node, ctx) and second(node, ctx)

    def test(node: exp.Expr, ctx: Context) -> bool:
        # A plain loop: all() over a generator costs a frame per call on this hot path.
        for one in tests:  # noqa: SIM110
            if not one(node, ctx):
                return False
        return True

    return test


def _as_list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise CompileError(f"`{key}` must be a non-empty list")
    return value


def _compile_parent(spec: Any) -> Predicate:
    if not isinstance(spec, dict):
        raise CompileError("`parent` must be a mapping")
    key = spec.get("key")
    rest = {k: v for k, v in spec.items() if k != "key"}
    # `any_of` options that name the arg each is for: (key or None, the option's match).
    keyed: list[tuple[Any, Predicate]] = []
    if any(isinstance(o, dict) and "key" in o for o in rest.get("any_of") or []):
        for option in _as_list(rest.pop("any_of"), "any_of"):
            if not isinstance(option, dict):
                raise CompileError("a match must be a mapping")
            match = compile_match({k: v for k, v in option.items() if k != "key"})
            keyed.append((option.get("key"), match))
    inner = compile_match(rest)

    def test(node: exp.Expr, ctx: Context) -> bool:
        parent = node.parent
        if parent is None or (key is not None and node.arg_key != key):
            return False
        if keyed and not any(
            (want is None or node.arg_key == want) and option(parent, ctx) for want, option in keyed
        ):
            return False
        return inner(parent, ctx)

    return test


def _compile_ancestor(inner: Predicate) -> Predicate:
    def test(node: exp.Expr, ctx: Context) -> bool:
        parent = node.parent
        while parent is not None:
            if inner(parent, ctx):
                return True
            parent = parent.parent
        return False

    return test


def _compile_has(inner: Predicate) -> Predicate:
    def test(node: exp.Expr, ctx: Context) -> bool:
        return any(inner(child, ctx) for child in node.walk() if child is not node)

    return test


def _compile_where(spec: Any, root: bool, words: re.Pattern[str] | None) -> list[Predicate]:
    if not isinstance(spec, dict):
        raise CompileError("`where` must be a mapping of arg name to condition")
    tests = []
    for name, value in spec.items():
        if root and name in STATEMENT_TEXT:
            raise CompileError(
                f"a match on the statement reads its text with `words:` and `$rest`, not {name}"
            )
        tests.append(_compile_arg(str(name), compile_value(value), words))
    return tests


def _compile_arg(name: str, test: ValueTest, words: re.Pattern[str] | None) -> Predicate:
    if name == "$rest":
        if words is None:
            raise CompileError("`$rest` follows the match's `words:`, which it lacks")
        rest_of = _rest_after(words)
        # None: the statement does not start with the words, so nothing is judged.
        return lambda node, ctx: (rest := rest_of(ctx)) is not None and test(rest, node, ctx)
    getter = _pseudo_arg(name) if name.startswith("$") else _joined(name) if "+" in name else None

    def check(node: exp.Expr, ctx: Context) -> bool:
        value = getter(node, ctx) if getter else node.args.get(name)
        return test(value, node, ctx)

    return check


def _joined(name: str) -> Callable[[exp.Expr, Context], Any]:
    """`a+b`: the items of the list args `a` and `b` as one list (an arg absent: none)."""
    names = name.split("+")
    if not all(names):
        raise CompileError(f"{name!r}: args joined by `+` each need a name")

    def items(node: exp.Expr, ctx: Context) -> list[Any]:
        return [item for arg in names for item in _items(node.args.get(arg))]

    return items


def _pseudo_arg(name: str) -> Callable[[exp.Expr, Context], Any]:
    getters: dict[str, Callable[[exp.Expr, Context], Any]] = {
        "$name": lambda node, ctx: node.name,
        "$text": lambda node, ctx: ctx.text_of(node),
        "$sql": lambda node, ctx: _sql(node),
        "$code": lambda node, ctx: ctx.code_of(node),
    }
    if name not in getters:
        raise CompileError(f"unknown pseudo-arg {name!r} (known: {', '.join(getters)})")
    return getters[name]


def _rest_after(words: re.Pattern[str]) -> Callable[[Context], str | None]:
    def rest(ctx: Context) -> str | None:
        code = ctx.statement_code()
        found = words.match(code)
        return None if found is None else code[found.end() :]

    return rest


def _sql(node: exp.Expr) -> str:
    # A name's SQL is that of its args alone (its text, its quoting), and regenerating one
    # copies it first: every INSERT of a dump names a table whose schema a regex reads.
    if type(node) is exp.Identifier and not node.comments:
        return _identifier_sql(tuple(node.args.items()))
    return _dsql().generate(node)


@functools.lru_cache(maxsize=4096)
def _identifier_sql(args: tuple[tuple[str, Any], ...]) -> str:
    return _dsql().generate(exp.Identifier(**dict(args)))


@functools.cache
def _dsql() -> Any:
    from dsql_lint.syntax.dialect import DSQL

    return DSQL()


VALUE_KEYS = {
    "in", "regex", "groups", "present", "not", "match", "any", "count", "eq", "first", "number",
}  # fmt: skip


def compile_value(spec: Any) -> ValueTest:
    if not isinstance(spec, dict):
        want = _norm(spec)
        return lambda value, node, ctx: _norm(value) == want
    unknown = set(spec) - VALUE_KEYS
    if unknown:
        raise CompileError(f"unknown condition(s): {', '.join(sorted(map(str, unknown)))}")
    tests: list[ValueTest] = []
    if "eq" in spec:
        tests.append(compile_value(spec["eq"]))
    if "in" in spec:
        options = {_norm(v) for v in _as_list(spec["in"], "in")}
        tests.append(lambda value, node, ctx: _norm(value) in options)
    if "groups" in spec and "regex" not in spec:
        raise CompileError("`groups` judges the named groups of a `regex` beside it")
    if "regex" in spec:
        tests.append(_compile_regex(spec["regex"], spec.get("groups")))
    if "present" in spec:
        want = bool(spec["present"])
        tests.append(lambda value, node, ctx: _present(value) == want)
    if "not" in spec:
        inner = compile_value(spec["not"])
        tests.append(lambda value, node, ctx: not inner(value, node, ctx))
    if "match" in spec:
        pred = compile_match(spec["match"])
        tests.append(lambda value, node, ctx: isinstance(value, exp.Expr) and pred(value, ctx))
    if "any" in spec:
        item = compile_value(spec["any"])
        tests.append(
            lambda value, node, ctx: any(item(v, node, ctx) for v in _items(value)),
        )
    if "count" in spec:
        tests.append(_compile_count(spec["count"]))
    if "first" in spec:
        head = compile_value(spec["first"])
        tests.append(
            lambda value, node, ctx: bool(_items(value)) and head(_items(value)[0], node, ctx)
        )
    if "number" in spec:
        compare = compile_comparison(spec["number"])
        tests.append(lambda value, node, ctx: (n := _number(value)) is not None and compare(n))
    if len(tests) == 1:
        return tests[0]

    def test(value: Any, node: exp.Expr, ctx: Context) -> bool:
        for one in tests:  # noqa: SIM110 (hot path, as above)
            if not one(value, node, ctx):
                return False
        return True

    return test


def _compile_regex(source: Any, groups: Any) -> ValueTest:
    try:
        pattern = re.compile(str(source), re.IGNORECASE | re.DOTALL)
    except re.error as err:
        raise CompileError(f"bad regex: {err}") from None
    if groups is None:
        return lambda value, node, ctx: pattern.search(_text(value)) is not None
    if not isinstance(groups, dict) or not groups:
        raise CompileError("`groups` maps the regex's named groups to conditions")
    missing = set(map(str, groups)) - set(pattern.groupindex)
    if missing:
        raise CompileError(f"`groups`: the regex has no group named {', '.join(sorted(missing))}")
    judges = [(str(name), compile_value(condition)) for name, condition in groups.items()]

    def test(value: Any, node: exp.Expr, ctx: Context) -> bool:
        for found in pattern.finditer(_text(value)):
            if all(judge(found[name], node, ctx) for name, judge in judges):
                return True
        return False

    return test


COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}


def compile_comparison(spec: Any) -> Callable[[float], bool]:
    if not isinstance(spec, dict) or not spec or set(spec) - set(COMPARISONS):
        raise CompileError(f"a comparison is a mapping of {'/'.join(COMPARISONS)} to numbers")
    checks = []
    for op, bound in spec.items():
        if not isinstance(bound, int | float):
            raise CompileError(f"`{op}` needs a number")
        checks.append((COMPARISONS[op], bound))
    return lambda n: all(cmp(n, bound) for cmp, bound in checks)


def _compile_count(spec: Any) -> ValueTest:
    compare = compile_comparison(spec)
    return lambda value, node, ctx: compare(ctx.count_of(_items(value)))


def _number(value: Any) -> float | None:
    """A literal, a type parameter (`numeric(39)`) or text, read as a number."""
    if isinstance(value, exp.DataTypeParam):
        value = value.this
    if isinstance(value, exp.Literal):
        value = value.this
    elif isinstance(value, exp.Expr):
        value = value.name
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value).strip())
    except ValueError:
        return None


FIRST_WORD = re.compile(r"[A-Za-z_]+")


def accepted_values(spec: dict[str, Any], node_type: type) -> dict[str, frozenset[Any]]:
    """For each arg a match compares by equality (`this: ARRAY`, `eq`, `in`), the values it
    accepts from a node of `node_type`, normalized as the match compares them: a node whose
    arg holds another value cannot match. Only conditions every match must meet count
    (`any_of` gives the union of what its options for this type require). Lets the rule set
    offer a node just the checks its values can satisfy, not every check for its type."""
    found: dict[str, frozenset[Any]] = {}

    def require(name: str, values: frozenset[Any]) -> None:
        found[name] = found[name] & values if name in found else values

    where = spec.get("where")
    if isinstance(where, dict):
        for name, condition in where.items():
            values = _equal_to(condition)
            if values is not None and not str(name).startswith("$"):
                require(str(name), values)
    for part in spec.get("all_of") or []:
        if isinstance(part, dict):
            for name, values in accepted_values(part, node_type).items():
                require(name, values)
    options = [
        accepted_values(option, node_type) if isinstance(option, dict) else {}
        for option in spec.get("any_of") or []
        if not (isinstance(option, dict) and "node" in option)
        or issubclass(node_type, node_classes(option["node"]))
    ]
    if options:
        for name in set.intersection(*(set(option) for option in options)):
            require(name, frozenset().union(*(option[name] for option in options)))
    return found


def _equal_to(condition: Any) -> frozenset[Any] | None:
    """The values a value condition accepts when it is an equality test, else None."""
    if not isinstance(condition, dict):
        return frozenset({_norm(condition)})
    sets = []
    if "eq" in condition and (equal := _equal_to(condition["eq"])) is not None:
        sets.append(equal)
    if isinstance(condition.get("in"), list):
        sets.append(frozenset(_norm(v) for v in condition["in"]))
    return frozenset.intersection(*sets) if sets else None


UNKEYED = object()  # an arg value that is no dictionary key (a list of nodes, say)


def normalized_arg(node: exp.Expr, name: str) -> Any:
    """The node's arg as `accepted_values` sees it, or UNKEYED."""
    value = _norm(node.args.get(name))
    return value if value is None or isinstance(value, str | bool | int | float) else UNKEYED


def first_word(code: str) -> str:
    """The statement's first word, upper case ("" when it does not start with one)."""
    found = FIRST_WORD.match(code)
    return found.group().upper() if found else ""


@functools.lru_cache(maxsize=64)
def code_only(text: str) -> str:
    """`text` with comments and dollar-quoted bodies replaced by spaces (newlines kept).

    Offsets are preserved, so a match position in the result is one in the source.
    Cached: every text rule of a statement asks for the same text."""
    if "--" not in text and "/*" not in text and "$" not in text:
        return text
    parts: list[str] = []
    pos, n = 0, len(text)
    while True:
        match = _SPECIAL.search(text, pos)
        if match is None:
            break
        start, token = match.start(), match.group(0)
        if token.startswith("--"):
            end = match.end()
            parts.append(text[pos:start])
            parts.append(_blank(text[start:end]))
        elif token == "/*":
            depth, j = 1, start + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            end = j
            parts.append(text[pos:start])
            parts.append(_blank(text[start:end]))
        elif token.startswith("$"):
            close = text.find(token, match.end())
            body_end = n if close < 0 else close
            end = n if close < 0 else close + len(token)
            parts.append(text[pos : match.end()])
            parts.append(_blank(text[match.end() : body_end]))
            parts.append(text[body_end:end])
        else:  # a quoted string or identifier: kept as it is
            end = match.end()
            parts.append(text[pos:end])
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _blank(text: str) -> str:
    return _NOT_NEWLINE.sub(" ", text)


_NOT_NEWLINE = re.compile(r"[^\n]")
_SPECIAL = re.compile(
    r"--[^\n]*|/\*|'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$"
)


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _present(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value)
    return value is not None and value is not False


def _text(value: Any) -> str:
    if isinstance(value, exp.Expr):
        return _sql(value)
    if isinstance(value, enum.Enum):
        return value.name
    return "" if value is None else str(value)


def _norm(value: Any) -> Any:
    if type(value) is str:  # the usual value ($name, a keyed arg): tested first
        return value.upper()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, enum.Enum):
        return value.name.upper()
    if isinstance(value, exp.Expr):
        return value.name.upper()
    if isinstance(value, str):
        return value.upper()
    return value


def wrap_errors(origin: tuple[str, int], fn: Callable[[], Any]) -> Any:
    """Run a compile step, turning CompileError into a `file:line:` RuleError."""
    try:
        return fn()
    except CompileError as err:
        raise RuleError(str(err), *origin) from None
