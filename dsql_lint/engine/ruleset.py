"""Rules compiled once into a dispatch table by node type, so that each statement's tree is
walked once whatever the number of rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from sqlglot import exp

from dsql_lint.engine.matchers import (
    UNKEYED,
    CompileError,
    Predicate,
    accepted_values,
    compile_comparison,
    compile_match,
    compile_value,
    may_match,
    node_classes,
    normalized_arg,
    statement_words,
    wrap_errors,
)
from dsql_lint.engine.model import Rule, Scope
from dsql_lint.lint import schema as cat

if TYPE_CHECKING:
    from dsql_lint.settings import FixJudge

CatalogTest = Callable[[cat.Catalog, cat.Subject], bool]

# Matches the pipeline evaluates itself: a statement that did not parse, an unused
# suppression comment, a file that is not text, an include of a file that cannot run.
PARSE_ERROR = "parse_error"
POSTGRES_GRAMMAR = "postgres_grammar"  # PostgreSQL's own parser refuses the statement
REFUSED_META = "refused_meta"  # a psql meta-command apply refuses (\\if, \\connect...)
UNSET_PLACEHOLDER = "unset_placeholder"  # a Flyway placeholder its configuration gives no value
UNSET_PSQL_VARIABLE = "unset_psql_variable"  # a psql variable read that has no value
UNUSED_IGNORE = "unused_ignore"
UNKNOWN_IGNORE = "unknown_ignore"
UNTERMINATED = "unterminated"
UNSUPPORTED_COMMAND = "unsupported_command"
UNDOCUMENTED_COMMAND = "undocumented_command"
ORM_NOTE = "orm_note"
ORM_UNREAD = "orm_unread"  # a call of an ORM file whose SQL could not be read
UNREADABLE = "unreadable"
BAD_INCLUDE = "bad_include"
RUNNER_WRITE = "runner_write"  # a DDL in the transaction a framework's runner writes its row in
RUNNER_TABLE = "runner_table"  # a framework runner's own table, which DSQL refuses
UNCOMMITTED = "uncommitted"  # a BEGIN the file never commits
RUNNER_REFUSED = "runner_refused"  # a migration that makes its framework's runner refuse the run
SPECIAL = frozenset(
    {
        PARSE_ERROR, UNUSED_IGNORE, UNKNOWN_IGNORE, UNTERMINATED, UNSUPPORTED_COMMAND,
        UNDOCUMENTED_COMMAND, ORM_NOTE, ORM_UNREAD, UNREADABLE, BAD_INCLUDE, POSTGRES_GRAMMAR,
        REFUSED_META, UNSET_PLACEHOLDER, UNSET_PSQL_VARIABLE,
        RUNNER_WRITE, RUNNER_TABLE, UNCOMMITTED, RUNNER_REFUSED,
    }
)  # fmt: skip


@dataclass(frozen=True)
class NodeCheck:
    rule: Rule
    test: Predicate
    root_only: bool


@dataclass(frozen=True)
class CatalogCheck:
    rule: Rule
    test: Predicate
    condition: CatalogTest
    # Offered to every node (its match says whether it wants the root), whatever the words.
    root_only: ClassVar[bool] = False


@dataclass(frozen=True)
class TransactionCheck:
    """`limit`: at most `max` statements of `class` per block; `exclusive`: classes that
    may not share a block."""

    rule: Rule
    limit_class: str | None = None
    limit_max: int = 0
    exclusive: tuple[str, ...] = ()


Check = NodeCheck | CatalogCheck


@dataclass(frozen=True)
class _Offer:
    """The checks for the nodes of one kind: all of them, or, keyed by one arg's
    value, those that accept it (in the same order)."""

    checks: list[Check]
    arg: str | None = None
    by_value: dict[Any, list[Check]] = field(default_factory=dict)
    other: list[Check] = field(default_factory=list)  # for a value no check names

    def select(self, node: exp.Expr) -> list[Check]:
        if self.arg is None:
            return self.checks
        value = normalized_arg(node, self.arg)
        return self.checks if value is UNKEYED else self.by_value.get(value, self.other)


class _Offers(dict[Any, _Offer]):
    """What a node is offered, by key (its type; for a root, its type and first word), built
    on first use."""

    def __init__(self, build: Callable[[Any], _Offer]) -> None:
        super().__init__()
        self.build = build

    def __missing__(self, key: Any) -> _Offer:
        offer = self[key] = self.build(key)
        return offer


class RuleSet:
    def __init__(self, rules: Iterable[Rule], fix_judge: FixJudge | None = None) -> None:
        self.rules = list(rules)
        self.by_code = {rule.code: rule for rule in self.rules}
        self.codes = frozenset(self.by_code)
        self.postgres_refuses = frozenset(rule.code for rule in self.rules if rule.postgres_refuses)
        self.node_checks: list[NodeCheck] = []
        self.catalog_checks: list[CatalogCheck] = []
        self.transaction_checks: list[TransactionCheck] = []
        # Rules the pipeline raises itself rather than by matching a tree.
        self.special: dict[str, Rule] = {}
        # Rules on the rows of a COPY ... FROM stdin block (a statement with no tree).
        self.copy_checks: list[tuple[Rule, Callable[[float], bool]]] = []
        self._classes: dict[int, tuple[type[exp.Expr], ...]] = {}
        self._specs: dict[int, dict[str, Any]] = {}
        for rule in self.rules:
            wrap_errors(rule.origin, lambda rule=rule: self._compile(rule))
        # Decides the fix of findings of rules whose fixer decides per finding
        # (settings.LintOptions.fix_judge), else None.
        self.fix_judge = fix_judge
        # Pending catalog findings name their check by its index.
        self.catalog_index = {id(check): i for i, check in enumerate(self.catalog_checks)}
        # The checks for the root and for the other nodes of a tree: most checks
        # (whole-statement ones) concern the root alone and are not offered the rest.
        self.offers = _Offers(self._type_offer)  # node type ->
        self.root_offers = _Offers(self._root_offer)  # (node type, first word) ->

    def _compile(self, rule: Rule) -> None:
        spec = dict(rule.match)
        special = set(spec) & SPECIAL
        if special:
            name = special.pop()
            if spec != {name: True} or rule.scope is not Scope.STATEMENT:
                raise CompileError(f"`{name}: true` stands alone, with `scope: statement`")
            self.special[name] = rule
            return
        if rule.scope is Scope.TRANSACTION:
            self.transaction_checks.append(_transaction_check(rule, spec))
            return
        if "copy_rows" in spec:
            if set(spec) != {"copy_rows"} or rule.scope is not Scope.STATEMENT:
                raise CompileError("`copy_rows` stands alone, with `scope: statement`")
            self.copy_checks.append((rule, compile_comparison(spec["copy_rows"])))
            return
        if "node" not in spec:
            raise CompileError(f"a {rule.scope.value}-scoped match needs `node`")
        condition = spec.pop("catalog", None)
        if rule.scope is Scope.STATEMENT:
            spec["root"] = True
        test = compile_match(spec)
        classes = node_classes(spec["node"])
        if rule.scope is Scope.CATALOG:
            if condition is None:
                raise CompileError("a catalog-scoped match needs `catalog`")
            check: Check = CatalogCheck(rule, test, _catalog_test(condition))
            self.catalog_checks.append(check)
        else:
            if condition is not None:
                raise CompileError("`catalog` conditions need `scope: catalog`")
            root_only = rule.scope is Scope.STATEMENT or spec.get("root") is True
            check = NodeCheck(rule, test, root_only)
            self.node_checks.append(check)
        self._classes[id(check)] = classes
        self._specs[id(check)] = spec

    def checks_for(self, node: exp.Expr) -> list[Check]:
        """The checks a node that is not the root is offered."""
        return self.offers[type(node)].select(node)

    def root_checks_for(self, node: exp.Expr, word: str) -> list[Check]:
        """The checks offered to a statement's root, whose first word is `word`."""
        return self.root_offers[type(node), word].select(node)

    def _type_offer(self, node_type: type) -> _Offer:
        candidates = [
            c
            for c in self._applicable(node_type)
            if not c.root_only and may_match(self._specs[id(c)], node_type, root=False)
        ]
        return self._offer(candidates, node_type)

    def _root_offer(self, key: tuple[type, str]) -> _Offer:
        node_type, word = key
        candidates = [
            c
            for c in self._applicable(node_type)
            if may_match(self._specs[id(c)], node_type, root=True)
            and self.may_start(c, node_type, word)
        ]
        return self._offer(candidates, node_type)

    def may_start(self, check: Check, node_type: type, word: str) -> bool:
        """Whether a statement whose first word is `word` can match `check` at its root of
        `node_type`, by the `words:` of its match."""
        lead = statement_words(self._specs[id(check)], node_type)
        return lead is None or word in lead

    def _offer(self, checks: list[Check], node_type: type) -> _Offer:
        """Keyed by the arg most checks compare by equality (a DataType's `this`): a column's
        type then meets only the one or two checks about it, not the ten about types; a
        table only the check about its schema's name when it is one of those named."""
        accepted = [accepted_values(self._specs[id(c)], node_type) for c in checks]
        named = [name for values in accepted for name in values]
        arg = max(sorted(set(named)), key=named.count, default=None)
        if arg is None:
            return _Offer(checks)
        accepts = [values.get(arg) for values in accepted]
        by_value = {
            value: [c for c, a in zip(checks, accepts, strict=True) if a is None or value in a]
            for value in set().union(*(a for a in accepts if a is not None))
        }
        other = [c for c, a in zip(checks, accepts, strict=True) if a is None]
        return _Offer(checks, arg, by_value, other)

    def _applicable(self, node_type: type) -> list[Check]:
        return [
            check
            for check in (*self.node_checks, *self.catalog_checks)
            if issubclass(node_type, self._classes[id(check)])
        ]


def _catalog_test(spec: Any) -> CatalogTest:
    if not isinstance(spec, dict) or not spec:
        raise CompileError("`catalog` must map facts to conditions")
    tests: list[tuple[Callable[[cat.Catalog, cat.Subject], Any], Callable[[Any], bool]]] = []
    for fact_name, condition in spec.items():
        fact = cat.FACTS.get(str(fact_name))
        if fact is None:
            known = ", ".join(sorted(cat.FACTS))
            raise CompileError(f"unknown catalog fact {fact_name!r} (known: {known})")
        tests.append((fact, _fact_condition(condition)))
    return lambda catalog, subject: all(cond(fact(catalog, subject)) for fact, cond in tests)


def _fact_condition(condition: Any) -> Callable[[Any], bool]:
    if isinstance(condition, dict) and set(condition) <= {"gt", "ge", "lt", "le", "eq", "ne"}:
        return compile_comparison(condition)
    value_test = compile_value(condition)
    return lambda value: value_test(value, None, None)  # type: ignore[arg-type]


def _transaction_check(rule: Rule, spec: dict[str, Any]) -> TransactionCheck:
    body = spec.get("transaction")
    if set(spec) != {"transaction"} or not isinstance(body, dict):
        raise CompileError("a transaction-scoped match is `transaction: {limit|exclusive: ...}`")
    if "limit" in body:
        limit = body["limit"]
        if not isinstance(limit, dict) or set(limit) != {"class", "max"}:
            raise CompileError("`limit` needs `class` and `max`")
        return TransactionCheck(rule, limit_class=str(limit["class"]), limit_max=int(limit["max"]))
    if "exclusive" in body:
        classes = body["exclusive"]
        if not isinstance(classes, list) or len(classes) < 2:
            raise CompileError("`exclusive` needs a list of at least two statement classes")
        return TransactionCheck(rule, exclusive=tuple(map(str, classes)))
    raise CompileError("`transaction` needs `limit` or `exclusive`")
