"""The lint pipeline: source -> split -> parse -> rules -> diagnostics.

Node and statement rules run during one walk of each statement's tree; catalog rules are
checked against the schema read so far (all inputs, in order), while the tree still lives;
then the tree is freed (unless `fix` keeps it) and only the statement's class, schema effects
and findings remain. Transaction rules count statement classes per transaction block;
suppression comments filter what is left.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple, TypeVar

from sqlglot import exp

from dsql_lint.diagnostic import Diagnostic, FixAvailability, Severity
from dsql_lint.engine.matchers import code_only, first_word
from dsql_lint.engine.messages import node_vars, render, short
from dsql_lint.engine.model import Rule, worded
from dsql_lint.engine.ruleset import (
    BAD_INCLUDE,
    ORM_NOTE,
    ORM_UNREAD,
    PARSE_ERROR,
    POSTGRES_GRAMMAR,
    REFUSED_META,
    RUNNER_REFUSED,
    RUNNER_TABLE,
    RUNNER_WRITE,
    UNCOMMITTED,
    UNDOCUMENTED_COMMAND,
    UNKNOWN_IGNORE,
    UNREADABLE,
    UNSET_PLACEHOLDER,
    UNSET_PSQL_VARIABLE,
    UNSUPPORTED_COMMAND,
    UNTERMINATED,
    UNUSED_IGNORE,
    CatalogCheck,
    NodeCheck,
    RuleSet,
    TransactionCheck,
)
from dsql_lint.lint import actions, commands, parallel, runs, suppress
from dsql_lint.lint import schema as cat
from dsql_lint.lint.classify import DDL, mixed, over_limit, savepoint_scopes, statement_class
from dsql_lint.lint.psql_values import PSQL, SUBSTITUTED, VALUE_OF, as_psql_runs
from dsql_lint.lint.reparse import ParseCache
from dsql_lint.lint.uses import NOTED, Uses, uses_of
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.report.model import FileReport, LintReport
from dsql_lint.settings import FixJudge, LintOptions, active_rules, all_rules
from dsql_lint.syntax import domains, formats, runners
from dsql_lint.syntax.bindings import STYLES
from dsql_lint.syntax.flyway_config import BUILT_IN, placeholders
from dsql_lint.syntax.formats import statements as migration_statements
from dsql_lint.syntax.includes import chain_of, include_of, problem, roots_of
from dsql_lint.syntax.inner import inner_statements
from dsql_lint.syntax.meta_commands import refusals
from dsql_lint.syntax.nodepath import NodePath, node_at, node_path
from dsql_lint.syntax.parse import Parsed, node_span, parse, parse_in_chunks
from dsql_lint.syntax.pg_grammar import rejection
from dsql_lint.syntax.psql_variables import set_in_file, unset
from dsql_lint.syntax.raw_actions import raw_action_spans
from dsql_lint.syntax.release import release
from dsql_lint.syntax.rows import row_nodes
from dsql_lint.syntax.source import STDIN, Source, expand_paths, read_source, real
from dsql_lint.syntax.split import Kind, Statement, TxControl, unclosed


class _MatchContext:
    """What predicates may ask about the statement being walked."""

    __slots__ = ("parsed", "_code")

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self._code: dict[int, str] = {}

    def text_of(self, node: exp.Expr) -> str:
        if node is self.parsed.tree:
            return self.parsed.statement.body
        start, end = node_span(self.parsed, node)
        return self.parsed.statement.source.text[start:end]

    def code_of(self, node: exp.Expr) -> str:
        """The node's text with comments and dollar-quoted bodies blanked; asked by every
        text rule of a statement, so computed once per node."""
        key = id(node)
        code = self._code.get(key)
        if code is None:
            code = self._code[key] = code_only(self.text_of(node))
        return code

    def statement_code(self) -> str:
        """The whole statement's code, which `words:` and `$rest` read."""
        return self.code_of(self.parsed.tree)

    def is_root(self, node: exp.Expr) -> bool:
        return node is self.parsed.tree

    def count_of(self, items: list) -> int:
        """How many items a list arg holds: a long VALUES list parsed in chunks holds only
        the last chunk's rows, but stands for all of them."""
        rows = self.parsed.rows
        return rows.total if rows is not None and items is rows.listed else len(items)


class Pending(NamedTuple):
    """A catalog check whose node part matched: its finding is built only if the catalog
    condition holds, and most never do."""

    check: int  # its index in the rule set's catalog_checks
    subject: cat.Subject
    path: NodePath  # where its node is
    # Judged once this many of the statement's effects are applied (its action's place in
    # the order they run: lint/actions.py's run_order); None: all of them.
    step: int | None = None
    # Where it is reported, if not at its node: the action it is about, of a statement its
    # rule matched whole; offsets in the statement, which a later lint may find moved.
    span: tuple[int, int] | None = None


@dataclass(slots=True)
class StatementResult:
    """What one statement contributes, computed without the catalog (so in any process)."""

    diagnostics: list[Diagnostic]
    kind: str
    effects: list[cat.Effect]  # in the order they run
    pending: list[Pending]
    # The statements nested in it (schema elements, SQL function bodies, a DO block's) that
    # change the schema or have catalog checks, by their index in `inner_statements`, each
    # with those nested in it in turn: settled in order, after the statement's own effects.
    # Their other findings are in the outermost statement's `diagnostics`.
    nested: list[tuple[int, StatementResult]] = field(default_factory=list)
    # What it names, for a type change's decision on later statements (None: parse it again
    # to know, as for a long VALUES list read in chunks).
    uses: Uses | None = None

    def detach(self) -> None:
        """Lets go of the statement's tree (findings' nodes, pending subjects' nodes),
        keeping what the catalog pass and the report read."""
        self.diagnostics = [d if d.node is None else d.without_node() for d in self.diagnostics]
        for check in self.pending:
            check.subject.detach()
        for _, inner in self.nested:
            inner.detach()

    @property
    def untied(self) -> bool:
        """Whether nothing in it holds a node of its statement's tree."""
        return (
            not self.pending and not self.nested and all(d.node is None for d in self.diagnostics)
        )

    def all_effects(self) -> list[cat.Effect]:
        return self.effects + [effect for _, inner in self.nested for effect in inner.all_effects()]

    def drop_effects(self) -> None:
        """For a statement that does not run now (a function body): none of it changes the
        schema, at any depth; its catalog checks still hold against the schema as it is."""
        self.effects = []
        for _, inner in self.nested:
            inner.drop_effects()

    def copy(self) -> StatementResult:
        """A copy whose lists (and nested results) settling it will not touch."""
        nested = [(number, inner.copy()) for number, inner in self.nested]
        return StatementResult(
            list(self.diagnostics), self.kind, self.effects, list(self.pending), nested, self.uses
        )

    def settled(self, shared: dict[tuple[str, Uses | None], Settled]) -> Settled:
        """What is kept of it once its catalog findings are built: one record in `shared` per
        kind and uses for a statement that left nothing else (most rows of a dump), and one
        record of its uses for those that did."""
        effects = self.all_effects() if self.nested else self.effects
        key = (self.kind, self.uses)
        plain = shared.get(key)
        if plain is None:
            plain = shared[key] = Settled(self.kind, (), (), self.uses)
        if not self.diagnostics and not effects:
            return plain
        return Settled(self.kind, self.diagnostics or (), effects or (), plain.uses)


class Settled(NamedTuple):
    """What a statement leaves once settled against the schema model, held until its file is
    finished: as small as can be (empty parts shared), since there is one per statement."""

    kind: str
    diagnostics: Sequence[Diagnostic]
    effects: Sequence[cat.Effect]
    uses: Uses | None


# How deep statements nested in statements are looked into: deeper than any schema nests
# them (a schema in a function in a function), and a bound on what a crafted file costs.
MAX_DEPTH = 8


def analyzed(statement: Statement, ruleset: RuleSet) -> tuple[Parsed, StatementResult]:
    """The statement parsed and analysed, its findings holding no node. A long INSERT ...
    VALUES is parsed a chunk of rows at a time, each chunk's tree freed once its rows are
    checked: the parse returned is then its shape (head, last rows, tail), which the
    statement's own rules read."""
    parses = parse_in_chunks(statement)
    if parses is not None:
        found: list[Diagnostic] = []
        for part in parses:
            if part is None:  # not rows after all: the whole statement's parse says why
                break
            if part.rows is not None:
                return part, analyze(part, ruleset, nodes=False, found=found)
            found.extend(_row_findings(part, ruleset))
            release(part)
    parsed = parse(statement)
    return parsed, analyze(parsed, ruleset, nodes=False)


def _row_findings(parsed: Parsed, ruleset: RuleSet) -> list[Diagnostic]:
    """The findings of the nodes in the rows of a chunk of a long VALUES list. A row names
    no table's column (its subqueries' aside), so a catalog check on an expression in it (a
    text search) is judged at once, against no schema: the chunk's tree is freed before the
    statement is settled."""
    ctx = _MatchContext(parsed)
    offers, judge = ruleset.offers, ruleset.fix_judge
    found = []
    for node in row_nodes(parsed.tree):
        offer = offers[type(node)]
        if not offer.checks:
            continue
        for check in offer.select(node):
            if not check.test(node, ctx):
                continue
            if isinstance(check, CatalogCheck) and not check.condition(
                _NO_SCHEMA, cat.Subject(None, node)
            ):
                continue
            found.append(_node_diagnostic(parsed, check.rule, node, judge, keep=False))
    return found


_NO_SCHEMA = cat.Catalog()


def analyze(
    parsed: Parsed,
    ruleset: RuleSet,
    *,
    nodes: bool = True,
    depth: int = 0,
    found: Sequence[Diagnostic] = (),
) -> StatementResult:
    """Node and statement rules in one walk of the tree; catalog checks left pending. The
    statements nested in it (schema elements, SQL function bodies, a DO block's) are too, and
    those nested in them, `MAX_DEPTH` levels down; the server's grammar judges the outermost
    statement, which holds them. `nodes`: findings keep the node they matched (what `fix`
    reads; the tree stays alive). `found`: the findings of the rows of a long VALUES list's
    other chunks (`analyzed`), when `parsed` is its shape."""
    # (a chunk's tree is not the statement's: a long VALUES list records no uses)
    result = _analyze_statement(parsed, ruleset, nodes, depth == 0 and parsed.rows is None)
    result.diagnostics[:0] = found
    if depth == 0:
        _judge_grammar(parsed.statement, result.diagnostics, ruleset)
    nested = inner_statements(parsed) if parsed.tree is not None and depth < MAX_DEPTH else None
    for number, statement in enumerate(nested.statements if nested else []):
        inner = analyze(parse(statement), ruleset, nodes=False, depth=depth + 1)
        # Reported, not fixed: fixers read the outer statement's tree and tokens.
        result.diagnostics.extend(_nested_findings(inner.diagnostics))
        inner.diagnostics = []
        if not nested.runs_now:
            inner.drop_effects()  # a function body changes the schema when called, if ever
        if inner.effects or inner.pending or inner.nested:
            result.nested.append((number, inner))
    return result


def _nested_results(
    result: StatementResult, path: tuple[int, ...] = ()
) -> Iterator[tuple[tuple[int, ...], StatementResult]]:
    """The results nested in `result`, in the order their statements run, each with the
    numbers of the nested statements that lead to it."""
    for number, inner in result.nested:
        at = (*path, number)
        yield at, inner
        yield from _nested_results(inner, at)


def _parsed_at(
    at: tuple[int, ...],
    statement: Statement,
    parsed: Parsed | None,
    reparsed: dict[tuple[int, ...], Parsed],
) -> Parsed:
    """The parse of the statement nested in `statement` at `at` (() for itself), parsed
    again into `reparsed` where no tree was kept."""
    if not at and parsed is not None:
        return parsed
    found = reparsed.get(at)
    if found is None:
        if at:
            holder = _parsed_at(at[:-1], statement, parsed, reparsed)
            found = parse(inner_statements(holder).statements[at[-1]])
        else:
            found = parse(statement)
        reparsed[at] = found
    return found


NESTED = (
    "the statement is nested in another (a routine's body, a DO block, a schema element):"
    " fix rewrites top-level statements only"
)


def _nested_findings(found: Iterable[Diagnostic]) -> list[Diagnostic]:
    # (a finding with a fix, or with a note why not, is one whose rule has a fixer)
    return [
        replace(
            d,
            node=None,
            fix=FixAvailability.NONE,
            fix_note=NESTED if d.fix is not FixAvailability.NONE or d.fix_note else None,
        )
        for d in found
    ]


def _analyze_statement(
    parsed: Parsed, ruleset: RuleSet, nodes: bool, record: bool
) -> StatementResult:
    """`record`: the result says what the statement names (`uses`), from the same walk."""
    tree = parsed.tree
    kind = statement_class(parsed)
    cut_short = _unterminated(parsed.statement, ruleset)
    if cut_short:  # what follows the opening was never meant as SQL: nothing else to say
        return StatementResult(cut_short, kind, [], [], uses=uses_of(tree) if record else None)
    if parsed.statement.kind is Kind.COPY_DATA:  # rows, not SQL: only their count matters
        found = _copy_rows(parsed.statement, ruleset)
        return StatementResult(found, kind, [], [], uses=uses_of(tree) if record else None)
    if tree is None:
        found = _parse_error(parsed, ruleset)
        code = code_only(parsed.statement.body)
        verdict = _command_verdict(parsed.statement, code, found, ruleset)
        refused = ruleset.special.get(UNSUPPORTED_COMMAND)
        if refused is not None and any(d.code == refused.code for d in verdict):
            found = []  # a command DSQL refuses whatever it says: not checking it hides nothing
        uses = uses_of(None) if record else None
        return StatementResult(found + verdict, kind, [], [], uses=uses)
    ctx = _MatchContext(parsed)
    found: list[Diagnostic] = []
    pending: list[Pending] = []
    # The table the statement is about, computed for its first catalog check.
    table: tuple[str, str] | None = None
    table_known = False
    offers = ruleset.offers
    word = first_word(ctx.code_of(tree))
    noted: list[exp.Expr] = []
    for node in tree.walk():
        if record and type(node) in NOTED:
            noted.append(node)
        if node is tree:
            checks = ruleset.root_checks_for(node, word)
        else:
            # Inlined checks_for: most nodes (names, literals) are offered nothing.
            offer = offers[type(node)]
            if not offer.checks:
                continue
            checks = offer.select(node)
        for check in checks:
            if not check.test(node, ctx):
                continue
            if isinstance(check, NodeCheck):
                found.append(
                    _node_diagnostic(parsed, check.rule, node, ruleset.fix_judge, keep=nodes)
                )
                continue
            if not table_known:
                table, table_known = cat.subject_table(tree), True
            subject = cat.Subject(table or None, node)
            pending.append(Pending(ruleset.catalog_index[id(check)], subject, node_path(node)))
    raw = isinstance(tree, exp.Command) or raw_action_spans(tree)
    code = ctx.code_of(tree)
    found[:] = _at_actions(parsed.statement, code, found)
    found.extend(_command_verdict(parsed.statement, code, found, ruleset, raw))
    uses = uses_of(tree, noted) if record else None
    effects = _effects(parsed, found)
    if effects or pending:
        effects, pending = _in_run_order(parsed, code, effects, pending, ruleset)
    return StatementResult(found, kind, effects, pending, uses=uses)


def _in_run_order(
    parsed: Parsed, code: str, effects: list[cat.Effect], pending: list[Pending], ruleset: RuleSet
) -> tuple[list[cat.Effect], list[Pending]]:
    """A statement of several actions (ALTER TABLE): its effects in the order its actions run
    (lint/actions.py's run_order), and each catalog check judged at its action's place among
    them. A check of a rule that matched the statement whole, which the table of actions lists
    for some of its actions (the identity added to a column: DSQL156), is judged at each of
    them, about that action's column, and reported there."""
    tree = parsed.tree
    several = isinstance(tree, exp.Alter) and len(tree.args.get("actions") or []) > 1
    # a check of the root of a statement the table of actions may split (an ALTER)
    whole = isinstance(tree, exp.Alter | exp.Command) and any(not c.path for c in pending)
    if not (whole or (several and effects and pending)):
        # (the split costs; and but for a statement PostgreSQL refuses, the schema its
        # actions leave is the same in either order: only a check among them reads it)
        return effects, pending
    command = commands.identify(code)
    parts = actions.classify(command.name, code) if command and actions.judged(command.name) else []
    if not parts:
        return effects, pending
    order = actions.run_order(parts)
    start = parsed.statement.start

    def place(node: exp.Expr) -> tuple[bool, int, int] | None:
        offset = node_span(parsed, node)[0] - start
        found = (k for k, part in enumerate(parts) if part.start <= offset < part.end)
        index = next(found, None)
        return None if index is None else order[index]

    # Each effect's place, where the order matters (else they run as they are).
    places: list[tuple[bool, int, int]] = []
    if isinstance(tree, exp.Alter) and len(parts) > 1:
        last = (True, len(actions.PASSES), len(parts))  # in no action: after them all
        keyed = [(place(action) or last, effect) for action, effect in cat.alter_effects(tree)]
        keyed.sort(key=lambda pair: pair[0])
        effects = [effect for _, effect in keyed]
        places = [key for key, _ in keyed]

    def step(key: tuple[bool, int, int] | None) -> int | None:
        # its own effects and those of the actions before it that DSQL runs
        if key is None or not places:
            return None
        return bisect.bisect_right(places, (False, *key[1:]))

    out = []
    for check in pending:
        node = node_at(tree, check.path) if tree is not None else None
        rule = ruleset.catalog_checks[check.check].rule.code
        own = [k for k, part in enumerate(parts) if part.action and rule in part.action.rules]
        if node is tree and own:
            for k in own:
                part = parts[k]
                column = cat.action_column(code[part.start : part.end])
                subject = cat.Subject(check.subject.table, node, {"column": column})
                span = (part.start, part.end)
                out.append(check._replace(subject=subject, step=step(order[k]), span=span))
        elif node is not None and places:
            out.append(check._replace(step=step(place(node))))
        else:
            out.append(check)
    return effects, out


def _effects(parsed: Parsed, found: list[Diagnostic]) -> list[cat.Effect]:
    """The statement's effects on the schema; a CREATE DOMAIN's say which rules refused its
    base type, which the columns of the domain then are refused for (DSQL110); a table's,
    which rules refused the types of its columns, which LIKE copies (DSQL111)."""
    tree = parsed.tree
    effects = cat.effects_of(tree)
    table = next((e.table for e in effects if e.op in ("create_table", "add_columns")), None)
    if table is not None and found:
        refused: dict[str, tuple[str, ...]] = {}
        for column in tree.find_all(exp.ColumnDef):
            kind = column.args.get("kind")
            if kind is None:
                continue
            start, end = node_span(parsed, kind)
            codes = _errors_within(found, start, end)
            if codes:
                refused[cat.folded(column)] = codes
        effects += cat.refused_columns(table, refused)
    base = tree.args.get("expression") if isinstance(tree, exp.Create) else None
    if base is None or not domains.is_domain_type(base):
        return effects
    start, end = node_span(parsed, base)
    codes = _errors_within(found, start, end)
    return cat.refused_domain(effects, codes) if codes else effects


def _errors_within(found: list[Diagnostic], start: int, end: int) -> tuple[str, ...]:
    return tuple(d.code for d in found if start <= d.start < end and d.severity is Severity.ERROR)


def _command_verdict(
    statement: Statement,
    code: str,
    found: list[Diagnostic],
    ruleset: RuleSet,
    raw: bool | list[tuple[int, int]] = False,
) -> list[Diagnostic]:
    """What the table of PostgreSQL commands says of a statement no rule refused: a refused
    command is an error all the same (DSQL005), an undocumented one a warning (DSQL006).
    `raw`: the parser kept the statement as text (True), or the spans of the actions it kept
    as text (syntax/raw_actions.py); for a command whose rules read trees, that is a
    statement nothing checked (DSQL001), which no finding may hide as "All clean"."""
    special = ruleset.special
    if raw is True and not found and (unread := special.get(PARSE_ERROR)) is not None:
        command = commands.identify(code)
        if command is not None and command.read_as_tree:
            error = f"the parser does not read this form of {command.name}"
            return [
                diagnostic(
                    statement, unread, statement.start, statement.start + 1, {"error": error}
                )
            ]
    command = commands.identify(code)
    if command is None:
        return []
    if actions.judged(command.name):
        return _action_verdicts(statement, command.name, code, found, ruleset, raw)
    if commands.refused(command, code):
        if command.rule is not None:
            # A statement about an object kind that has a rule of its own (DROP TRIGGER,
            # COMMENT ON TYPE, EXECUTE) is reported under that rule, so that selecting or
            # ignoring the rule takes all of them; unless the rule reported it already, or the
            # user turned the rule off.
            own = ruleset.by_code.get(command.rule)
            if own is None or _has(found, own.code):
                return []
            return [_refused_under(own, statement, statement.start, statement.end, command.name)]
        rule = special.get(UNSUPPORTED_COMMAND)
        if rule is None:
            return []
        why = str(command.why)  # a refused command names its rule or says why (commands._load)
        if command.name == "DO":  # say what the block does: that is what must be rewritten
            why = f"{why}{commands.what_a_do_block_does(statement.body)}"
        variables = {"command": command.name, "why": why}
        return [_statement_diagnostic(rule, statement, variables)]
    rule = special.get(UNDOCUMENTED_COMMAND)
    if command.verdict == commands.UNDOCUMENTED and rule is not None and not found:
        return [_statement_diagnostic(rule, statement, {"command": command.name})]
    return []


def _action_verdicts(
    statement: Statement,
    command: str,
    code: str,
    found: list[Diagnostic],
    ruleset: RuleSet,
    raw: bool | list[tuple[int, int]],
) -> list[Diagnostic]:
    """The verdicts of the table of actions on each action of a statement (ALTER TABLE t
    CLUSTER ON i, DROP IDENTITY...), at the action: a refused one no rule reported is DSQL005,
    an undocumented one DSQL006, unless a finding already speaks of that action alone. `raw`:
    the parser kept the statement, or these spans of its actions, as text, so an action
    there whose rules read trees (an ADD COLUMN it does not read) was not checked: DSQL001,
    unless a rule reported it."""
    unread = ruleset.special.get(PARSE_ERROR)
    refused, unknown = (
        ruleset.special.get(UNSUPPORTED_COMMAND),
        ruleset.special.get(UNDOCUMENTED_COMMAND),
    )
    parts = actions.classify(command, code)
    spans = [(statement.start + part.start, statement.start + part.end) for part in parts]
    out = []
    for index, part in enumerate(parts):
        action, (start, end) = part.action, spans[index]
        if action is None:
            continue
        # The action as written (its leading words), not the synopsis's notation.
        written = _written(action.pattern, code[part.start : part.end]) or action.action
        name = f"{command} ... {written}"
        if action.verdict == commands.REFUSED and refused is not None:
            active = [code for code in action.rules if code in ruleset.codes]
            if action.rules and (not active or any(_reported(found, c, ruleset) for c in active)):
                continue  # its own rule reported it, or the user turned those rules off
            if active:
                # Its rule's match reads another command's spelling (ATTACH PARTITION of
                # ALTER TABLE, not of ALTER INDEX): reported under that rule all the same, as a
                # refused command of an object kind with a rule is.
                own = ruleset.by_code[active[0]]
                out.append(_refused_under(own, statement, start, end, name))
                continue
            variables = {"command": name, "why": str(action.why)}
            out.append(diagnostic(statement, refused, start, end, variables))
        elif action.verdict == commands.UNDOCUMENTED and unknown is not None:
            # A finding fix can remove does not speak for the action: the warning would only
            # appear once that fix is made (a CACHE 1 added to ADD GENERATED AS IDENTITY).
            kept = [d for d in found if d.fix is FixAvailability.NONE]
            if any(_has(kept, c) for c in action.rules) or _about(kept, spans, index):
                continue
            out.append(diagnostic(statement, unknown, start, end, {"command": name}))
        text = raw is True or (raw and (part.start, part.end) in raw)
        if text and action.read_as_tree and unread is not None:
            if any(_has(found, c) for c in action.rules) or _about(found, spans, index):
                continue
            error = (
                f"the parser does not read this form of {command}; written as a statement of"
                f" its own, `{written}` would be"
            )
            out.append(diagnostic(statement, unread, start, end, {"error": error}))
    return out


def _refused_under(own: Rule, statement: Statement, start: int, end: int, name: str) -> Diagnostic:
    """A refused command or action reported under the rule of its object kind, which its
    match did not read: the rule's fixer rewrites a clause, not this, so it has no fix."""
    found = diagnostic(statement, own, start, end, {})
    if own.fix is FixAvailability.NONE:
        return found
    why = f"{name} can never succeed: remove the statement"
    return replace(found, fix=FixAvailability.NONE, fix_note=why)


def _written(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.match(text)
    if match is None:
        return None
    words = " ".join(match.group().split())
    return f"{words}...)" if words.endswith("(") else words


def _at_actions(statement: Statement, code: str, found: list[Diagnostic]) -> list[Diagnostic]:
    """A finding at the whole statement from a rule about one action (the table of actions
    lists the rule as that action's), placed at that action, as DSQL005 and DSQL006 are."""
    if not any(d.start == statement.start for d in found):
        return found
    command = commands.identify(code)
    if command is None or not actions.judged(command.name):
        return found
    parts = actions.classify(command.name, code)
    out = []
    for d in found:
        if d.start == statement.start:
            own = [p for p in parts if p.action is not None and d.code in p.action.rules]
            if len(own) == 1:
                d = _moved(
                    statement, d, statement.start + own[0].start, statement.start + own[0].end
                )
        out.append(d)
    return out


def _moved(statement: Statement, d: Diagnostic, start: int, end: int) -> Diagnostic:
    return replace(d, **_place(statement.source, start, end))


def _place(source: Source, start: int, end: int) -> dict[str, int]:
    """A finding's position fields for the characters `start` to `end` of `source`."""
    line, col = source.position(start)
    end_line, end_col = source.position(max(start, end - 1))
    return {
        "start": start, "end": end, "line": line, "col": col, "end_line": end_line,
        "end_col": end_col + 1 if end > start else end_col,
        "byte_start": source.byte_offset(start), "byte_end": source.byte_offset(end),
    }  # fmt: skip


def _reported(found: list[Diagnostic], code: str, ruleset: RuleSet) -> bool:
    """Whether the rule reported the statement; a catalog rule reports after the walk (it
    knows the tables), so it is taken at its word."""
    return _has(found, code) or any(check.rule.code == code for check in ruleset.catalog_checks)


def _about(found: list[Diagnostic], spans: list[tuple[int, int]], index: int) -> bool:
    """Whether a finding is about the action at `index` alone: it overlaps it and no other."""

    def overlaps(d: Diagnostic, span: tuple[int, int]) -> bool:
        return d.start < span[1] and max(d.end, d.start + 1) > span[0]

    return any(
        overlaps(d, spans[index])
        and not any(overlaps(d, span) for k, span in enumerate(spans) if k != index)
        for d in found
    )


def _copy_rows(statement: Statement, ruleset: RuleSet) -> list[Diagnostic]:
    """The rules on the number of rows of a COPY block, reported at the first row over."""
    if not ruleset.copy_checks:
        return []
    rows = [m.start() for m in _ROW.finditer(statement.body)]
    found = []
    for rule, over in ruleset.copy_checks:
        if over(len(rows)):
            first_over = next((k for k in range(len(rows)) if over(k + 1)), len(rows) - 1)
            start = statement.start + rows[first_over]
            variables = {"rows": f"{len(rows):,}", "row": f"{first_over + 1:,}"}
            found.append(diagnostic(statement, rule, start, start + 1, variables))
    return found


_ROW = re.compile(r"^(?!\\\.\r?$)(?=[^\r\n])", re.M)  # each row's start; `\.` ends the block


def _has(found: list[Diagnostic], code: str) -> bool:
    return any(d.code == code for d in found)


def _unterminated(statement: Statement, ruleset: RuleSet) -> list[Diagnostic]:
    rule = ruleset.special.get(UNTERMINATED)
    opening = None if rule is None else unclosed(statement)
    if rule is None or opening is None:
        return []
    start, what = opening
    return [diagnostic(statement, rule, start, start + 1, {"what": what})]


def _judge_grammar(statement: Statement, found: list[Diagnostic], ruleset: RuleSet) -> None:
    """Add PostgreSQL's syntax error, where its grammar refuses the statement, in place of the
    linter's own parse error (the server's words and position are the ones DSQL answers).
    Not where a finding of a form PostgreSQL refuses too (a rule's `postgres: refuses`)
    already covers that position: it says more (MODIFY COLUMN is MySQL, an index name is
    not schema-qualified). A finding of what only DSQL refuses (CREATE INDEX without ASYNC)
    says nothing of the syntax: fixing it would only uncover the error."""
    rule = ruleset.special.get(POSTGRES_GRAMMAR)
    if rule is None or statement.kind is not Kind.SQL:
        return
    # SQL read out of ORM code holds its library's bindings (`?`, `:name`); a file psql
    # runs, psql's variables.
    source = statement.source
    style = source.bindings if isinstance(source, MappedSource) else "psql"
    refused = rejection(statement.text, STYLES.get(style))
    if refused is None:
        return
    if refused.offset is None:  # at the end of the input: the last character written
        start = statement.start + len(statement.body.rstrip()) - 1
    else:
        start = statement.start + refused.offset
    start = max(statement.start, min(start, statement.end - 1))
    # Whether DSQL documents the statement is moot too: PostgreSQL 16's grammar, which DSQL
    # reports as its version, refuses it (ALTER COLUMN ... SET EXPRESSION is PostgreSQL 17's).
    moot = {r.code for r in map(ruleset.special.get, (PARSE_ERROR, UNDOCUMENTED_COMMAND)) if r}
    said = [d for d in found if d.code not in moot]
    if any(
        d.code in ruleset.postgres_refuses and d.start <= start < max(d.end, d.start + 1)
        for d in said
    ):
        return
    found[:] = said  # (each fix on the statement is declined once the file's are known)
    end = start + 1
    near = _NEAR.search(refused.message)  # the token the server names: underlined whole
    if near and statement.source.text.startswith(near.group(1), start):
        end = start + max(1, len(near.group(1)))
    quoted = _BACKQUOTED.match(statement.source.text, start, statement.end)
    if quoted is not None:
        end = quoted.end()  # the name underlined whole
    refusal = diagnostic(statement, rule, start, end, {"error": refused.message})
    if quoted is not None:
        # MySQL's quoting: the command that rewrites it, said where it is met.
        name = quoted.group()
        written = '"' + name[1:-1].replace('"', '""') + '"'
        refusal = replace(
            refusal,
            suggestion=f"{name} is a MySQL backquoted name; PostgreSQL writes {written}."
            " `dsql-lint fix --from mysql` rewrites every backquoted name of a MySQL file,"
            " and its other MySQL forms.",
        )
    found.insert(0, refusal)


_NEAR = re.compile(r'at or near "(.*)"\Z', re.S)
_BACKQUOTED = re.compile(r"`[^`\n]+`")


def _parse_error(parsed: Parsed, ruleset: RuleSet) -> list[Diagnostic]:
    rule = ruleset.special.get(PARSE_ERROR)
    if parsed.error is None or rule is None:
        return []
    statement = parsed.statement
    start = parsed.error_offset if parsed.error_offset is not None else statement.start
    end = min(statement.end, start + 1)
    return [diagnostic(statement, rule, start, max(end, start), {"error": parsed.error})]


# The fixer that splits a transaction block, in one file or at an including file's lines.
SPLITTING = "split-transaction"
GRAMMAR_REFUSES = (
    "PostgreSQL's grammar refuses the statement (DSQL012): fix edits no statement it cannot"
    " read as PostgreSQL does; correct its syntax first"
)
# Why a transaction finding has no fix (a split of its block).
CARRIED = (
    "the transaction began in an earlier file of the run: fix splits only a transaction its"
    " file opens and commits"
)
UNSPLIT = (
    "the file does not open and commit the transaction itself (a migration tool's, or"
    " --assume-in-transaction): fix cannot put a COMMIT inside it"
)
INCLUDED = (
    "the transaction runs through a file it includes (\\i, \\ir): fix splits only a"
    " transaction within one file; end it before the include line and begin another after it"
    " by hand"
)
# A block through included files that fix cannot split at its including file's lines.
INCLUDED_AT = (
    "the transaction runs through files it includes (\\i, \\ir), and {why}: fix does not"
    " split it; end it and begin another (`COMMIT; BEGIN;`) before {where} by hand"
)
SAVEPOINT = (
    "the statement is in a savepoint's scope: a COMMIT before it would move ROLLBACK TO"
    " SAVEPOINT into another transaction"
)


def _told_apart(statements: list[Statement], diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Findings that would read the same at the same place of a framework's file (one call
    writes two statements: a Django field's index and its `_like` twin) each name the
    statement they are on, its words up to its first parenthesis."""
    said = Counter((d.code, d.line, d.col, d.message) for d in diagnostics)
    out = []
    for d in diagnostics:
        if said[d.code, d.line, d.col, d.message] > 1 and 0 <= d.statement < len(statements):
            head = " ".join(statements[d.statement].body.split("(", 1)[0].split())
            d = replace(d, message=f"{d.message} (`{head}`)")
        out.append(d)
    return out


def _generated(source: MappedSource, diag: Diagnostic) -> str | None:
    """Why a finding outside the file's SQL text has no fix: its SQL is generated, or is a
    psql variable's or a Flyway placeholder's value."""
    if diag.fix is FixAvailability.NONE and not diag.fix_note:
        return None  # its rule has no fixer
    if source.framework in SUBSTITUTED:
        return (
            f"the finding is in {VALUE_OF[source.framework].value}, which fix does not write in"
            " the file"
        )
    return f"the SQL is generated from the {source.framework}'s own terms: see the suggestion"


class Linter:
    """Lints sources in order, carrying the catalog from one to the next.

    `keep_trees`: keep each statement's parse (FileReport.parsed) and each finding's node, as
    `fix` needs (so does a lint given `parses` to reuse). Otherwise a statement's tree is freed
    as soon as it is analysed and its catalog findings built, so that memory follows the
    largest statement, not the input."""

    def __init__(
        self, rules: list[Rule], options: LintOptions | None = None, *, keep_trees: bool = False
    ) -> None:
        self.keep_trees = keep_trees
        self.options = options or LintOptions()
        self.ruleset = RuleSet(rules, self.options.fix_judge)
        self._fixed = {rule.code for rule in rules if rule.fixer}  # the rules `fix` fixes
        # The schema read so far, which each lint extends unless given another.
        self.catalog = cat.Catalog()
        self._known_ids: tuple[set[str], set[str]] | None = None
        # The file each runner's DSQL407 is reported in: the first linted, whatever the passes.
        self._bookkeeping: dict[str, str] = {}
        # Path of an including file -> where `fix` splits its transaction blocks that run
        # through included files (IncludeSplit.at), as the last lint found them.
        self.include_splits: dict[str, list[Statement]] = {}

    def replay(self, effects: Sequence[Sequence[cat.Effect]]) -> None:
        """Brings the catalog to where it was after a file whose findings are reused: its
        statements' effects, statement by statement (FileReport.effects)."""
        for statement_effects in effects:
            self.catalog.apply(statement_effects)

    def lint_source(
        self, source: Source, catalog: cat.Catalog | None = None, parses: ParseCache | None = None
    ) -> FileReport:
        return self.lint_all([source], catalog, parses)[0]

    def lint_all(
        self,
        sources: list[Source],
        catalog: cat.Catalog | None = None,
        parses: ParseCache | None = None,
    ) -> list[FileReport]:
        """Splits and analyses every statement of every source (in several processes when
        there is enough SQL and `jobs` allows it) and settles it against the schema model,
        in order; then runs the transaction and suppression passes file by file. `catalog`:
        the schema to read the sources against and extend (default: this linter's); `parses`:
        parses to reuse and keep (one process)."""
        catalog = self.catalog if catalog is None else catalog
        options = self.options
        files = [
            migration_statements(s, options.assume_in_transaction, options.framework_transactions)
            for s in sources
        ]
        starts: list[int] = []
        order = runs.run_order(sources, files)
        parsed_files, result_files = self._analyze(files, parses, catalog, starts, order)
        kinds = [[r.kind for r in results] for results in result_files]
        covered, carried = self._runs(sources, files, kinds)
        for index, found in self._uncommitted(sources, files):
            carried[index].append(found)
        return [
            self._finish(
                source, statements, parsed, results, covered[i], carried[i], (catalog, starts[i])
            )
            for i, (source, statements, parsed, results) in enumerate(
                zip(sources, files, parsed_files, result_files, strict=True)
            )
        ]

    def _finish(
        self,
        source: Source,
        statements: list[Statement],
        parsed: list[Parsed],
        results: list[Settled],
        covered: set[int],
        carried: list[Diagnostic],
        before: tuple[cat.Catalog, int],
    ) -> FileReport:
        """The file's findings; `covered`: its transaction blocks that an earlier file began
        (judged in `_runs`, whose findings in this file are `carried`); `before`: the catalog
        and its statement count when the file began."""
        diagnostics = self._unless_gset(source, statements, results)
        if not self.options.framework_transactions:
            diagnostics = self._batched_copies(diagnostics, statements)
        diagnostics.extend(self._unreadable(source))
        diagnostics.extend(self._includes(source, statements))
        diagnostics.extend(self._unset_placeholders(source, statements))
        diagnostics.extend(self._unset_psql_variables(source, statements))
        diagnostics.extend(self._transactions(statements, [r.kind for r in results], covered))
        diagnostics.extend(carried)
        diagnostics = self._runner(
            source, statements, [r.kind for r in results], diagnostics, covered, before
        )
        diagnostics = self._unfixed_where_refused(diagnostics)
        diagnostics = self._suppress(source, statements, diagnostics)
        if isinstance(source, MappedSource):
            # Generated SQL is not written back (the fix is the suggestion's); SQL read out
            # of a string literal is, where fix can write the edit in it (fix/hosted.py).
            # A finding that spans a psql variable's value keeps its fix: fix/hosted.py
            # declines it only when an edit of the fix falls in the value (the finding of
            # `CREATE INDEX i ON :tbl (c)` spans `:tbl`, its ASYNC does not).
            diagnostics = [
                d
                if source.in_literal(d.start, d.end)
                else source.spanned(d)
                if source.framework == PSQL
                else source.spanned(
                    replace(d, fix=FixAvailability.NONE, fix_note=_generated(source, d))
                )
                for d in diagnostics
            ]
            diagnostics = _told_apart(statements, diagnostics)
            diagnostics.extend(self._orm_notes(source))
        # By place in the file: a framework file's SQL is not in its lines' order (a column's
        # DEFAULT is written after its type, an index after its table).
        diagnostics.sort(key=lambda d: (d.line, d.col, *d.sort_key))
        effects = [result.effects for result in results]
        uses = [result.uses for result in results]
        return FileReport(source, statements, parsed, diagnostics, effects, uses)

    def _unfixed_where_refused(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """Every fix declined on a statement PostgreSQL's grammar refuses (DSQL012), whatever
        its fixer: the statement was read by the linter's parser, which accepts more, so an
        edit of it is a guess, and an edit that only adds words (NOT VALID, ASYNC) leaves it
        refused. A transaction's split at it too: the statement's kind that puts the COMMIT
        there was read by that parser."""
        rule = self.ruleset.special.get(POSTGRES_GRAMMAR)
        refused = {d.statement for d in diagnostics if rule is not None and d.code == rule.code}
        if not refused:
            return diagnostics
        return [
            replace(d, fix=FixAvailability.NONE, fix_note=GRAMMAR_REFUSES)
            if d.statement in refused and d.fix is not FixAvailability.NONE
            else d
            for d in diagnostics
        ]

    def _unless_gset(
        self, source: Source, statements: list[Statement], results: list[Settled]
    ) -> list[Diagnostic]:
        """The statements' findings, less PostgreSQL's syntax error at a psql variable read
        in a file whose `\\gset` may set any variable (DSQL013 refuses it): what psql puts
        there is not known."""
        found = [d for result in results for d in result.diagnostics]
        rule = self.ruleset.special.get(POSTGRES_GRAMMAR)
        text = source.text
        at_read = {
            id(d)
            for d in found
            if rule is not None and d.code == rule.code and _READ_AT.match(text, d.start)
        }
        if not at_read or set_in_file(statements) is not None:
            return found
        return [d for d in found if id(d) not in at_read]

    def _batched_copies(
        self, diagnostics: list[Diagnostic], statements: list[Statement]
    ) -> list[Diagnostic]:
        """Where `dsql-lint apply` is the runner (a configuration's `migrations:` without a
        `framework:`), a COPY block outside BEGIN ... COMMIT is sent in transactions of at
        most 3,000 rows: no row limit holds for it there."""
        codes = {rule.code for rule, _ in self.ruleset.copy_checks}
        return [
            d for d in diagnostics if d.code not in codes or statements[d.statement].tx is not None
        ]

    def _unreadable(self, source: Source) -> list[Diagnostic]:
        rule = self.ruleset.special.get(UNREADABLE)
        if rule is None or source.problem is None:
            return []
        problem = source.problem
        at = problem.offset
        line, col = source.position(at)
        statement = Statement(source, 0, at, at, line, col)
        found = diagnostic(statement, rule, at, at + 1, {"problem": problem.message})
        # The stand-in text's encoding is not the file's: the byte is the decoder's.
        return [replace(found, byte_start=problem.byte, byte_end=problem.byte + 1)]

    def _includes(self, source: Source, statements: list[Statement]) -> list[Diagnostic]:
        """psql includes of files that cannot run with the migrations (outside their folders,
        missing, or none named), and meta-commands apply would not run as psql does (DSQL013)."""
        found = self._refused_meta(statements)
        rule = self.ruleset.special.get(BAD_INCLUDE)
        if rule is None:
            return found
        stdin = source.path == STDIN
        roots = [] if stdin else self.options.include_roots or roots_of([source.path])
        chain = [] if stdin else chain_of(source)
        values = self.options.psql_variables
        for statement in statements:
            include = include_of(statement, values) if statement.kind is Kind.META else None
            if include is not None and stdin:  # no folder to read it from: said, not passed
                why = "is not followed in SQL read from standard input (give the file's path)"
            else:
                why = None if include is None else problem(include, roots, chain)
            if why is not None:
                written = f"\\{include.command} {include.name}".rstrip()
                variables = {"include": written, "problem": why}
                found.append(_statement_diagnostic(rule, statement, variables))
        return found

    def _refused_meta(self, statements: list[Statement]) -> list[Diagnostic]:
        rule = self.ruleset.special.get(REFUSED_META)
        if rule is None:
            return []
        return [
            _statement_diagnostic(
                rule, refused.statement, {"command": refused.written, "why": refused.why}
            )
            for refused in refusals(statements)
        ]

    def _unset_placeholders(self, source: Source, statements: list[Statement]) -> list[Diagnostic]:
        """Flyway placeholders its configuration gives no value: Flyway and apply refuse the
        migration (check reads each as an identifier, so the SQL around it is still checked)."""
        rule = self.ruleset.special.get(UNSET_PLACEHOLDER)
        found = formats.layout(source) if rule is not None and "${" in source.text else None
        if found is None or not found.placeholders:
            return []
        config = placeholders(real(source.path).parent)
        # None: a malformed flyway.toml, which apply reports at its line. Replacement off:
        # Flyway sends `${name}` as written, and so does apply.
        if config is None or not config.replace:
            return []
        out = []
        for offset, name in found.placeholders:
            if name in config.values or name.startswith(BUILT_IN):  # Flyway fills those
                continue
            statement = next(
                (s for s in statements if s.start <= offset < s.end),
                Statement(source, 0, offset, offset, *source.position(offset)),
            )
            end = offset + len(name) + 3  # ${name}
            out.append(diagnostic(statement, rule, offset, end, {"placeholder": f"${{{name}}}"}))
        return out

    def _unset_psql_variables(
        self, source: Source, statements: list[Statement]
    ) -> list[Diagnostic]:
        """Reads of psql variables with no value: psql sends them as written, which the
        server refuses (the grammar check reads them masked), and apply refuses the file."""
        rule = self.ruleset.special.get(UNSET_PSQL_VARIABLE)
        if rule is None or (isinstance(source, MappedSource) and source.bindings != PSQL):
            return []
        return [
            diagnostic(
                next(s for s in statements if s.start <= read.start < s.end),
                rule,
                read.start,
                read.end,
                {"variable": read.written},
            )
            for read in unset(statements, self.options.psql_variables)
        ]

    def _orm_notes(self, source: Source) -> list[Diagnostic]:
        if not isinstance(source, MappedSource):
            return []
        out = []
        for note in source.notes:
            kind = RUNNER_REFUSED if note.refused else ORM_UNREAD if note.unread else ORM_NOTE
            rule = self.ruleset.special.get(kind)
            if rule is None:
                continue
            statement = Statement(source, 0, 0, 0, 1, 1)
            found = diagnostic(statement, rule, 0, 0, {"message": note.message})
            line, col = source.original_position(note.start)
            end_line, end_col = source.original_position(max(note.start, note.end - 1))
            out.append(
                replace(
                    found, line=line, col=col, end_line=end_line, end_col=end_col + 1,
                    byte_start=source.original_byte(note.start),
                    byte_end=source.original_byte(note.end),
                )
            )  # fmt: skip
        return out

    def _analyze(
        self,
        files: list[list[Statement]],
        parses: ParseCache | None,
        catalog: cat.Catalog,
        starts: list[int],
        order: list[int] | None = None,
    ) -> tuple[list[list[Parsed]], list[list[Settled]]]:
        """Each statement analysed, then settled against the schema model, in input order,
        or in `order` (positions in input order: an included file's statements at its
        include, as psql runs them); `starts` gets the catalog's statement count as each
        file begins."""
        everything = [s for statements in files for s in statements]
        begins: dict[int, list[int]] = {}  # statement number -> the files it begins
        total = 0
        for number, statements in enumerate(files):
            begins.setdefault(total, []).append(number)
            total += len(statements)
        starts.extend([0] * len(files))

        def begin(at: int) -> None:
            for number in begins.pop(at, ()):
                starts[number] = catalog.statements

        keep = self.keep_trees or parses is not None
        # Statements that left nothing but the same class and uses share one record.
        shared: dict[tuple[str, Uses | None], Settled] = {}
        if not keep and self.options.jobs > 1 and parallel.worth_it(everything):
            # Trees stay in the workers: a parallel run keeps no Parsed (check needs none).
            results = parallel.analyze(everything, self.ruleset, self.options.jobs)
            # (streamed in input order; all kept only to settle them in another)
            pairs = (
                enumerate(zip(everything, results, strict=True))
                if order is None
                else _in_order(everything, list(results), order)
            )
            settled: list[Settled] = []
            for at, (statement, result) in pairs:
                begin(at)
                self._settle(result, statement, None, catalog)
                settled.append(result.settled(shared))
            begin(total)
            if order is not None:
                settled = [settled[k] for k in _inverse(order)]
            return [[] for _ in files], _regroup(settled, files)
        if parses is not None:
            parses.next_lint()
        kept: list[Parsed] = []
        results: list[Settled] = []
        for at in range(total) if order is None else order:
            statement = everything[at]
            begin(at)
            if keep:
                parsed, result = self._kept(statement, parses)
            else:
                parsed, result = analyzed(statement, self.ruleset)
            if parses is not None:  # as it is before the catalog's findings join it
                parses.keep(parsed, (statement, result.copy()), result.untied)
            self._settle(result, statement, parsed, catalog)
            if keep:
                kept.append(parsed)
            else:
                result.detach()
                release(parsed)
            results.append(result.settled(shared))
        begin(total)
        if order is not None:
            back = _inverse(order)
            kept = [kept[k] for k in back] if keep else kept
            results = [results[k] for k in back]
        parsed_files = _regroup(kept, files) if keep else [[] for _ in files]
        return parsed_files, _regroup(results, files)

    def _kept(
        self, statement: Statement, parses: ParseCache | None
    ) -> tuple[Parsed, StatementResult]:
        """The statement's parse and analysis, for a lint that keeps trees: those of the same
        text in the lint before where `parses` has them. A long INSERT ... VALUES is read a
        chunk of rows at a time, as `check` reads it, and only its shape kept, unless a
        finding in it has a fix (fixers read the nodes): its whole tree took gigabytes."""
        if parses is not None:
            parsed = parses.earlier(statement)
            if parsed is not None:
                result = _reused(parses.analysis_of(parsed), statement)
                if result is not None:
                    return parsed, result
                if parsed.rows is None:  # (a long INSERT's shape holds only its last rows)
                    return parsed, analyze(parsed, self.ruleset)
            result = _reused(parses.twin(statement), statement)
            if result is not None:
                return parses.issue(parse(statement)), result
        shaped = self._shape(statement)
        if shaped is None:
            parsed = parse(statement)
            shaped = parsed, analyze(parsed, self.ruleset)
        if parses is not None:
            parses.issue(shaped[0])
        return shaped

    def _shape(self, statement: Statement) -> tuple[Parsed, StatementResult] | None:
        """A long INSERT ... VALUES analysed in chunks, if none of its findings (nor of the
        catalog checks it waits on) has a fixer; None otherwise, or for any other statement."""
        if parse_in_chunks(statement) is None:
            return None
        parsed, result = analyzed(statement, self.ruleset)
        checks = self.ruleset.catalog_checks
        if (
            parsed.rows is not None
            and not any(d.code in self._fixed for d in result.diagnostics)
            and not any(checks[check.check].rule.fixer for check in result.pending)
        ):
            return parsed, result
        release(parsed)
        return None

    def _settle(
        self,
        result: StatementResult,
        statement: Statement,
        parsed: Parsed | None,
        catalog: cat.Catalog,
    ) -> None:
        """Applies the statement's effects to the schema model, then adds the findings whose
        catalog condition holds; then the same for each statement nested in it, at any depth.
        A parallel run kept no trees (`parsed` is None): the statement is parsed again, which
        is rare, as is a nested statement whose catalog condition holds."""
        reparsed: dict[tuple[int, ...], Parsed] = {}

        def owner(at: tuple[int, ...]) -> Callable[[], Parsed]:
            return lambda: _parsed_at(at, statement, parsed, reparsed)

        held = self._holding(result, catalog, owner(()))
        result.diagnostics.extend(held)
        self._spoken_for(result.diagnostics, held)
        for at, inner in _nested_results(result):
            found = self._holding(inner, catalog, owner(at))
            result.diagnostics.extend(_nested_findings(found))
        if reparsed:  # parsed again only for these findings
            result.detach()
            for again in reparsed.values():
                release(again)

    def _spoken_for(self, found: list[Diagnostic], held: list[Diagnostic]) -> None:
        """Drops the warnings that an action is undocumented (DSQL006) where a catalog rule,
        which reports once the tables are known, found something of that action (the
        identity added to a column that is not bigint: DSQL156)."""
        rule = self.ruleset.special.get(UNDOCUMENTED_COMMAND)
        if rule is None or not held:
            return
        found[:] = [
            d
            for d in found
            if d.code != rule.code or not any(h.start < d.end and h.end > d.start for h in held)
        ]

    def _holding(
        self, result: StatementResult, catalog: cat.Catalog, owner: Callable[[], Parsed]
    ) -> list[Diagnostic]:
        """Applies the result's effects to the schema model, and gives the findings of its
        pending catalog checks whose condition holds, each judged once the effects before its
        own `step` are applied."""
        pending, result.pending = result.pending, []
        effects = result.effects
        checks = self.ruleset.catalog_checks
        found = []
        catalog.apply(())
        applied = 0
        for check in sorted(pending, key=lambda c: len(effects) if c.step is None else c.step):
            step = len(effects) if check.step is None else check.step
            catalog.extend(effects[applied:step])
            applied = max(applied, step)
            if checks[check.check].condition(catalog, check.subject):
                parsed = owner()
                node = node_at(parsed.tree, check.path) if parsed.tree is not None else None
                if node is not None:
                    rule = checks[check.check].rule
                    d = _node_diagnostic(parsed, rule, node, self.ruleset.fix_judge)
                    if check.span is not None:
                        at = parsed.statement.start
                        d = _moved(parsed.statement, d, at + check.span[0], at + check.span[1])
                    found.append(d)
        catalog.extend(effects[applied:])
        return found

    def _runs(
        self, sources: list[Source], files: list[list[Statement]], kinds: list[list[str]]
    ) -> tuple[list[set[int]], list[list[Diagnostic]]]:
        """The transaction findings of the framework transactions that run on from one file
        into the next (lint/runs.py), in the files after the one that began each: per file,
        the blocks judged here and the findings. The earlier file's own findings are the
        same whether or not the transaction goes on, so they stay its own. Then the blocks
        that include a file, whose findings may be in any of their files."""
        covered: list[set[int]] = [set() for _ in sources]
        carried: list[list[Diagnostic]] = [[] for _ in sources]
        checks = self.ruleset.transaction_checks
        self.include_splits = {}
        if not checks:
            return covered, carried
        splitting = {r.code for r in self.ruleset.rules if r.fixer.get("action") == SPLITTING}
        for index, tx, positions in runs.include_blocks(sources, files):
            covered[index].add(tx)
            members = [(files[i][at], kinds[i][at]) for i, at in positions]
            owner = {
                (s.source.display_path, s.index): i
                for (s, _), (i, _) in zip(members, positions, strict=True)
            }
            split = runs.IncludeSplit(members)
            # Split at the including file's lines, which fix writes there (commands/fix.py).
            whole = split.why is None and bool(split.at)
            note = (
                INCLUDED_AT.format(why=split.why, where=split.where())
                if split.at and split.why
                else INCLUDED
            )
            found_any = False
            for check in checks:
                for found in _transaction_findings(check, members):
                    found_any = True
                    if not (whole and found.code in splitting):
                        found = replace(found, fix=FixAvailability.NONE, fix_note=note)
                    carried[owner[found.path, found.statement]].append(found)
            if whole and found_any:
                self.include_splits.setdefault(sources[index].path, []).extend(split.at)
        if not self.options.framework_transactions:
            return covered, carried
        for chain in runs.chains(sources, files):
            first = chain[0][0]
            owner: dict[tuple[str, int], int] = {}
            members: list[tuple[Statement, str]] = []
            for index, tx in chain:
                for statement, kind in zip(files[index], kinds[index], strict=True):
                    if statement.tx == tx:
                        members.append((statement, kind))
                        owner[statement.source.display_path, statement.index] = index
                if index != first:
                    covered[index].add(tx)
            source = sources[first]
            hint = runs.hint_of(source).replace("{earlier}", Path(source.path).name)
            for check in checks:
                for found in _transaction_findings(check, members):
                    index = owner[found.path, found.statement]
                    if index != first:
                        later = replace(
                            found, suggestion=hint, fix=FixAvailability.NONE, fix_note=CARRIED
                        )
                        carried[index].append(later)
        return covered, carried

    def _transactions(
        self, statements: list[Statement], kinds: list[str], covered: set[int]
    ) -> list[Diagnostic]:
        """The transaction findings of the file's blocks, less those `covered` (see `_runs`)."""
        checks = self.ruleset.transaction_checks
        if not checks:
            return []
        found: list[Diagnostic] = []
        blocks: dict[int, list[tuple[Statement, str]]] = {}
        for statement, kind in zip(statements, kinds, strict=True):
            if statement.tx is not None and statement.tx not in covered:
                blocks.setdefault(statement.tx, []).append((statement, kind))
        for members in blocks.values():
            # A block the file does not open and commit itself (a migration tool's transaction,
            # --assume-in-transaction) or that rolls back: no COMMIT can be put inside it.
            splittable = (
                members[0][0].tx_control is TxControl.BEGIN
                and members[-1][0].tx_control is TxControl.COMMIT
            )
            # Nor before a statement in a savepoint's scope.
            scoped = {members[k][0].index for k in savepoint_scopes([s.text for s, _ in members])}
            # Nor one that runs through an included file (`fix` lints the file alone).
            through = any(s.kind is Kind.META and include_of(s) is not None for s, _ in members)
            for check in checks:
                block_found = [
                    replace(d, fix=FixAvailability.NONE, fix_note=UNSPLIT)
                    if not splittable
                    else replace(d, fix=FixAvailability.NONE, fix_note=INCLUDED)
                    if through
                    else replace(d, fix=FixAvailability.NONE, fix_note=SAVEPOINT)
                    if d.statement in scoped
                    else d
                    for d in _transaction_findings(check, members)
                ]
                found.extend(block_found)
        return found

    def _uncommitted(
        self, sources: list[Source], files: list[list[Statement]]
    ) -> Iterator[tuple[int, Diagnostic]]:
        """A BEGIN that psql's run of a file (with the files it includes) never commits or
        rolls back: its session ends with it open. A framework's generated transactions are
        its runner's. (file index, finding)."""
        rule = self.ruleset.special.get(UNCOMMITTED)
        if rule is None:
            return
        for index, at in runs.last_controls(sources, files):
            source, begin = sources[index], files[index][at]
            psql = not isinstance(source, MappedSource) or source.framework in SUBSTITUTED
            if psql and begin.tx_control is TxControl.BEGIN:
                yield index, _statement_diagnostic(rule, begin, {})

    def _suppress(
        self, source: Source, statements: list[Statement], diagnostics: list[Diagnostic]
    ) -> list[Diagnostic]:
        whole, by_statement = suppress.find(source, statements)
        if not whole and not by_statement:
            return diagnostics
        kept = suppress.apply(diagnostics, whole, by_statement)
        special = self.ruleset.special
        if UNKNOWN_IGNORE in special:
            everything = suppress.everything(whole, by_statement)
            for item, value in suppress.unknown(everything, *self._rule_ids()):
                owner = _statement_at(source, statements, item.start, item.end)
                variables = {"code": value}
                kept.append(
                    diagnostic(owner, special[UNKNOWN_IGNORE], item.start, item.end, variables)
                )
        rule = special.get(UNUSED_IGNORE)
        if self.options.report_unused_ignores and rule is not None:
            for item in suppress.unused(whole, by_statement):
                text = short(source.text[item.start : item.end])
                owner = _statement_at(source, statements, item.start, item.end)
                kept.append(diagnostic(owner, rule, item.start, item.end, {"text": text}))
        return kept

    def runner_of(self, source: Source) -> runners.Runner | None:
        """The framework runner `check` models for `source` (syntax/runners.py): an ORM
        file's always (`dsql-lint apply` runs none), a SQL file's unless `dsql-lint apply` is
        its runner (no framework transactions); None for plain SQL."""
        if isinstance(source, MappedSource):
            return runners.runner_of(source.framework, source.setting)
        if source.problem or not self.options.framework_transactions:
            return None
        return runners.runner_of(formats.framework_of(source))

    def reported_bookkeeping(self, sources: Iterable[Source]) -> None:
        """Files linted before (the cache's) whose runners' DSQL407 they hold already."""
        for source in sources:
            runner = self.runner_of(source)
            if runner is not None and runner.bookkeeping is not None:
                self._bookkeeping.setdefault(runner.name, source.path)

    def _runner(
        self,
        source: Source,
        statements: list[Statement],
        kinds: list[str],
        diagnostics: list[Diagnostic],
        covered: set[int],
        before: tuple[cat.Catalog, int],
    ) -> list[Diagnostic]:
        """What the runner adds to the file: its version row in each transaction it runs
        (DSQL406 at the first DDL, and DSQL401/402's help in its terms, except in a block an
        earlier file began, `covered`, whose help names it), its bookkeeping table (DSQL407,
        in the first file of the runner, unless the files before it create it)."""
        runner = self.runner_of(source)
        if runner is None:
            return diagnostics
        queries = formats.query_sections(source)
        units = _runner_units(source, statements, queries)
        help_text = runners.transaction_help(runner)
        unit = formats.QUERY_UNITS.get(formats.framework_of(source), runners.CALL_STRING)
        query_help = runners.query_help(runner, unit)

        def said(d: Diagnostic) -> Diagnostic:
            """A transaction finding's help in the runner's terms."""
            statement = statements[d.statement]
            if d.name not in formats.TRANSACTION_RULES or statement.tx in (None, *covered):
                return d
            if isinstance(source, MappedSource) and d.name in source.hints:
                return d
            if statement.tx in units:
                return replace(d, suggestion=help_text)
            if any(lo <= statement.start < hi for lo, hi in queries):
                return replace(d, suggestion=query_help)
            return d

        out = [said(d) for d in diagnostics]
        rule = self.ruleset.special.get(RUNNER_WRITE)
        in_run = isinstance(source, MappedSource) and bool(source.run)
        if rule is not None and runner.writes is not None and (in_run or not runner.run_only):
            variables = {
                "runner": f"`{runner.command}`",
                "writes": runner.writes,
                "row": runner.row,
                "help": runners.write_help(runner),
            }
            firsts: dict[int, Statement] = {}  # each runner transaction's first DDL
            for statement, kind in zip(statements, kinds, strict=True):
                if kind == DDL and statement.tx in units:
                    firsts.setdefault(statement.tx, statement)
            out.extend(_statement_diagnostic(rule, first, variables) for first in firsts.values())
        table, rule = runner.bookkeeping, self.ruleset.special.get(RUNNER_TABLE)
        if table is None or rule is None or formats.is_down(source):
            return out
        first_file = self._bookkeeping.setdefault(runner.name, source.path) == source.path
        if first_file and not _provided(table, *before):
            at = statements[0] if statements else Statement(source, 0, 0, 0, 1, 1)
            variables = {
                "runner": f"`{runner.command}`",
                "sends": table.sends,
                "sql": " ".join(table.sql.split()),
                "refused": table.refused,
                "instead": table.instead + (runners.CLEARS if table.provided_by else ""),
            }
            out.append(diagnostic(at, rule, at.start, max(at.start, at.end), variables))
        return out

    def _rule_ids(self) -> tuple[set[str], set[str]]:
        """Codes and names of every rule known, active for the target or not, upper-cased:
        read only when a file has suppressions."""
        if self._known_ids is None:
            known = all_rules(self.options)
            self._known_ids = ({r.code for r in known}, {r.name.upper() for r in known})
        return self._known_ids


def _provided(table: runners.Bookkeeping, catalog: cat.Catalog, before: int) -> bool:
    """Whether the statements before the runner's first file created the tables whose
    presence makes the runner send nothing of its bookkeeping."""
    found = [catalog.table(key) for key in table.provided_by]
    return bool(found) and all(t is not None and t.created_at <= before for t in found)


def _runner_units(
    source: Source, statements: list[Statement], queries: list[tuple[int, int]]
) -> set[int]:
    """The transaction blocks a framework's runner makes (not those the file opens itself with
    its own BEGIN, a reader's generated BEGIN being the runner's; nor the sections in
    `queries`, which it sends as one query string outside its transaction)."""
    units: set[int] = set()
    own: set[int] = set()
    for statement in statements:
        tx = statement.tx
        if tx is None or tx in units or tx in own:
            continue
        if any(lo <= statement.start < hi for lo, hi in queries):
            own.add(tx)
            continue
        begin = statement.tx_control is TxControl.BEGIN
        generated = isinstance(source, MappedSource) and not source.in_literal(
            statement.start, statement.end
        )
        written = begin and not generated
        (own if written else units).add(tx)
    return units


def _reused(
    earlier: tuple[Statement, StatementResult] | None, now: Statement
) -> StatementResult | None:
    """The analysis of the same statement in the lint before, moved to where it is now: what a
    statement gives depends on its text and its transaction control only (the catalog's
    findings are settled again)."""
    if earlier is None:
        return None
    before, result = earlier
    if before.text != now.text or before.tx_control is not now.tx_control:
        return None
    shift, source = now.start - before.start, now.source
    diagnostics = []
    for d in result.diagnostics:
        start, end = d.start + shift, d.end + shift
        line, col = source.position(start)
        end_line, end_col = source.position(max(start, end - 1))
        diagnostics.append(
            replace(
                d, path=source.display_path, start=start, end=end, line=line, col=col,
                end_line=end_line, end_col=end_col + 1 if end > start else end_col,
                statement=d.statement - before.index + now.index,
                byte_start=source.byte_offset(start), byte_end=source.byte_offset(end),
            )
        )  # fmt: skip
    moved = result.copy()
    moved.diagnostics = diagnostics
    return moved


_T = TypeVar("_T")


def _in_order(
    statements: list[Statement], results: list[StatementResult], order: list[int]
) -> Iterator[tuple[int, tuple[Statement, StatementResult]]]:
    for at in order:
        yield at, (statements[at], results[at])


def _inverse(order: list[int]) -> list[int]:
    """Where each input position is in `order`."""
    back = [0] * len(order)
    for k, at in enumerate(order):
        back[at] = k
    return back


def _regroup(results: list[_T], files: list[list[Statement]]) -> list[list[_T]]:
    out, start = [], 0
    for statements in files:
        out.append(results[start : start + len(statements)])
        start += len(statements)
    return out


# A psql variable read as psql's lexer reads one: a colon, not after another, before a name
# (`t:x` too, which the grammar judges as written: `a[lo:hi]` is a slice).
_READ_AT = re.compile(r"(?<!:):[A-Za-z_]")


def _statement_at(source: Source, statements: list[Statement], start: int, end: int) -> Statement:
    """The statement a suppression comment at `start`..`end` belongs to: in a file of
    comments only, the comment itself stands as the finding's statement."""
    for statement in statements:
        if statement.end >= start:
            return statement
    if statements:
        return statements[-1]
    line, col = source.position(start)
    return Statement(source, 0, start, end, line, col)


def _node_diagnostic(
    parsed: Parsed, rule: Rule, node: exp.Expr, judge: FixJudge | None = None, *, keep: bool = True
) -> Diagnostic:
    start, end = node_span(parsed, node)
    text = parsed.statement.source.text
    variables = node_vars(node, lambda: text[start:end])
    found = diagnostic(parsed.statement, rule, start, end, variables, node if keep else None)
    if judge is not None and rule.fixer:
        decided = judge(rule, parsed, start, end)
        if decided is not None and decided != (found.fix, None):
            return replace(found, fix=decided[0], fix_note=decided[1])
    return found


def _transaction_findings(
    check: TransactionCheck, members: list[tuple[Statement, str]]
) -> list[Diagnostic]:
    kinds = [kind for _, kind in members]
    if check.limit_class is not None:
        return [
            _statement_diagnostic(check.rule, members[index][0], {"count": count})
            for index, count in over_limit(kinds, check.limit_class, check.limit_max)
        ]
    breach = mixed(kinds, check.exclusive)
    if breach is None:
        return []
    index, first, kind = breach
    variables = {"first": first.upper(), "class": kind.upper()}
    return [_statement_diagnostic(check.rule, members[index][0], variables)]


def _statement_diagnostic(
    rule: Rule, statement: Statement, variables: dict[str, object]
) -> Diagnostic:
    return diagnostic(statement, rule, statement.start, statement.end, variables)


def diagnostic(
    statement: Statement,
    rule: Rule,
    start: int,
    end: int,
    variables: dict,
    node: exp.Expr | None = None,
) -> Diagnostic:
    source = statement.source
    message, suggestion = rule.message, rule.suggestion
    if rule.message_when or rule.suggestion_when:
        written, before = source.text[start:end], source.text[statement.start : start]
        message = worded(message, rule.message_when, written, before)
        if suggestion is not None:
            suggestion = worded(suggestion, rule.suggestion_when, written, before)
    return Diagnostic(
        path=source.display_path,
        **_place(source, start, end),
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=render(message, variables),
        suggestion=_suggestion(source, rule, suggestion, variables),
        fix=rule.fix,
        statement=statement.index,
        node=node,
    )


def _suggestion(source: Source, rule: Rule, suggestion: str | None, variables: dict) -> str | None:
    """The rule's help for this finding (`suggestion`), or the framework's own words for it
    (where the SQL was generated, or in a framework's migration such as Supabase's)."""
    if isinstance(source, MappedSource) and rule.name in source.hints:
        hint = source.hints[rule.name]
        return hint if isinstance(hint, str) else hint(str(variables.get("text", "")))
    framework = formats.hint(source, rule.name)
    if framework is not None:
        return framework
    return render(suggestion, variables) if suggestion else None


def lint_sources(sources: Iterable[Source], options: LintOptions) -> LintReport:
    rules = active_rules(options)
    linter = Linter(rules, options)
    return LintReport(linter.lint_all(list(sources)), rules)


def lint_paths(paths: list[str], options: LintOptions) -> LintReport:
    files = expand_paths(paths, options.exclude, orm=True)
    sources = [read_source(p, orm=True, strict=False) for p in files]
    return lint_sources(as_psql_runs(sources, options, paths), options)
