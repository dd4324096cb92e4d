"""The fix vocabulary: actions a rule's `fixer:` block names, with their parameters.

    fixer:
      action: replace-type        # one of ACTIONS
      with: TEXT                  # the action's own parameters
      safety: unsafe              # defaults to (and at the top must equal) the rule's `fix:`
      otherwise: {action: ...}    # optional; tried when this action cannot fix the finding

Each action is a class registered under its name; it validates its parameters when the fixers
load (so a typo in a rule file is an error with `file:line`) and turns one finding into a Fix,
or into None when it cannot fix that occurrence (the finding then stays, as `check` reports it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from dsql_lint.diagnostic import Diagnostic, FixAvailability
from dsql_lint.engine.model import Rule
from dsql_lint.errors import RuleError
from dsql_lint.fix.context import FixContext
from dsql_lint.fix.dependents import Carried, Change, Place
from dsql_lint.fix.edits import Edit, Fix
from dsql_lint.syntax.tokens import Tokens

# Options the user chooses on the command line (`--serial-to uuid`), which fixers may key on.
CHOICES: dict[str, tuple[str, ...]] = {
    "serial-to": ("identity", "uuid"),
    "array-to": ("jsonb", "text"),
}
DEFAULT_CHOICES: dict[str, str] = {name: values[0] for name, values in CHOICES.items()}


class FixerError(RuleError):
    """A malformed `fixer:` block."""


@dataclass(frozen=True)
class NoFix:
    """A fix decision: no fix for this finding, and why (check's `fix: none:` line, and what
    `fix` says when it leaves the finding)."""

    why: str


# A finding's fix decision: its safety, no fix and why, or None for the rule's `fix:`.
Decision = FixAvailability | NoFix | None


class Action:
    name: ClassVar[str]
    # Parameters the action accepts besides `action` and `safety`.
    keys: ClassVar[frozenset[str]] = frozenset()
    required: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, rule: Rule, params: Mapping[str, Any]) -> None:
        self.rule = rule
        self.params = dict(params)
        unknown = set(self.params) - self.keys - {"action", "safety", "otherwise"}
        if unknown:
            raise self.error(f"unknown key {sorted(unknown)[0]!r} for action {self.name!r}")
        missing = self.required - set(self.params)
        if missing:
            raise self.error(f"action {self.name!r} needs {sorted(missing)[0]!r}")
        self.safety = self._safety()
        self.otherwise = self._otherwise()

    def error(self, message: str) -> FixerError:
        return FixerError(f"{self.rule.code} fixer: {message}", *self.rule.origin)

    def _otherwise(self) -> Action | None:
        spec = self.params.get("otherwise")
        if spec is None:
            return None
        if not isinstance(spec, dict) or spec.get("action") not in ACTIONS:
            known = ", ".join(sorted(ACTIONS))
            raise self.error(f"`otherwise` must be a fixer with a known action, one of: {known}")
        if spec.get("safety", self.safety.value) != self.safety.value:
            # The finding carries one decision: a fallback that differs says so in `decide`.
            raise self.error("`otherwise` takes the safety of the fixer it falls back from")
        return ACTIONS[spec["action"]](self.rule, {"safety": self.safety.value, **spec})

    def _safety(self) -> FixAvailability:
        raw = self.params.get("safety", self.rule.fix.value)
        if raw not in ("safe", "unsafe"):
            raise self.error(f"`safety` must be safe or unsafe, not {raw!r}")
        return FixAvailability(raw)

    # -- parameter helpers -------------------------------------------------------------------

    def text_param(self, key: str, default: str | None = None) -> str:
        value = self.params.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"`{key}` must be non-empty text")
        return value.strip()

    def words_param(self, key: str) -> tuple[str, ...]:
        value = self.params.get(key, ())
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
            raise self.error(f"`{key}` must be a word or a list of words")
        return tuple(" ".join(v.upper().split()) for v in items)

    def choice_param(self, key: str) -> tuple[str | None, dict[str, str]]:
        """A text, or a mapping `{choice: NAME, VALUE: text, ...}` with one text per value of a
        command-line choice. Returns (choice name or None, value -> text)."""
        value = self.params.get(key)
        if isinstance(value, str):
            return None, {"": self.text_param(key)}
        if not isinstance(value, dict) or "choice" not in value:
            raise self.error(f"`{key}` must be text or a mapping with `choice`")
        name = value["choice"]
        if name not in CHOICES:
            raise self.error(f"unknown choice {name!r}; known: {', '.join(CHOICES)}")
        texts = {k: v for k, v in value.items() if k != "choice"}
        if set(texts) != set(CHOICES[name]) or not all(isinstance(v, str) for v in texts.values()):
            raise self.error(f"`{key}` needs a text for each of {', '.join(CHOICES[name])}")
        return name, texts

    # -- the fix decision ----------------------------------------------------------------------

    @property
    def per_finding(self) -> bool:
        """Whether this action, or the one it falls back on, decides finding by finding whether
        and how safely it fixes (a BIGSERIAL column safely, a SERIAL one not; USING btree but
        not USING gin); else every finding gets the rule's `fix:`."""
        return self.otherwise is not None and self.otherwise.per_finding

    def judge(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        """The fix decision for the finding whose text is `span` (the matched node), made once,
        while linting: the finding carries it, `check` prints it and `fix` applies the finding's
        fix with that safety, or leaves the finding (NoFix, saying why). None: the rule's
        `fix:`."""
        found = self.decide(span, choices)
        if isinstance(found, NoFix) and self.otherwise is not None:
            other = self.otherwise.judge(span, choices)
            return found if isinstance(other, NoFix) else other
        return found

    def decide(self, span: Tokens, choices: Mapping[str, str]) -> Decision:
        """This action's own decision (see judge); actions whose `per_finding` is true say it."""
        return None

    def adds(self, diag: Diagnostic, text: str) -> str | None:
        """For an action that may add DDL after the finding's statement (named in
        decision.ADDING): what its fix adds there, as the note says it (`ALTER TABLE ASYNC ...
        VALIDATE CONSTRAINT`), or None when it adds none. `text`: the file's text."""
        return None

    def change(self, diag: Diagnostic, here: Place, choices: Mapping[str, str]) -> Change | None:
        """For an action that changes a column's type: the column and its new type, which
        the other findings' `dependents` count on (a foreign key between two such columns)."""
        return None

    def declined_here(
        self, diag: Diagnostic, here: Place, choices: Mapping[str, str]
    ) -> str | None:
        """For an action that changes a column's type: why its decision declined the finding
        for uses in the column's own statement (a CHECK the new type cannot take), else
        None. FixJudge.settle then names the later statements that would break too."""
        return None

    def dependents(
        self, diag: Diagnostic, here: Place, later: Iterable[Place], choices: Mapping[str, str]
    ) -> Carried | None:
        """For an action that changes what later statements read (a column's type; named in
        decision.FOLLOWING): the edits carrying the statements after the finding's, in `here`
        and the files of `later`, along, with what the fix does beyond them (the finding's
        note); raises dependents.Declined when one cannot follow. Called once per lint by
        FixJudge.settle, for check and fix alike."""
        return None

    # -- building fixes ----------------------------------------------------------------------

    def plan(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        """The fix for this finding, from this action or the one it falls back on, with the
        safety the finding carries (its fix decision); None when it has none."""
        if diag.fix is FixAvailability.NONE:
            return None
        fix = self.propose(diag, ctx)
        if fix is None and self.otherwise is not None:
            return self.otherwise.plan(diag, ctx)
        return fix

    def propose(self, diag: Diagnostic, ctx: FixContext) -> Fix | None:
        raise NotImplementedError

    def make(self, diag: Diagnostic, edits: Iterable[Edit], summary: str) -> Fix | None:
        edits = merged(edits)
        if not edits:
            return None
        return Fix(diag.code, diag.name, diag.fix, summary, edits, diag.line)


def merged(edits: Iterable[Edit]) -> tuple[Edit, ...]:
    """Edits sorted by position (insertions at one point keep their order), overlapping
    deletions joined into one: a fix's edits never overlap each other."""
    out: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        last = out[-1] if out else None
        if last is not None and not last.text and not edit.text and edit.start < last.end:
            out[-1] = Edit(last.start, max(last.end, edit.end))
        elif last is not None and edit.overlaps(last):
            raise ValueError(f"overlapping edits in one fix: {last} and {edit}")
        else:
            out.append(edit)
    return tuple(out)


ACTIONS: dict[str, type[Action]] = {}


def action(name: str) -> Callable[[type[Action]], type[Action]]:
    def register(cls: type[Action]) -> type[Action]:
        cls.name = name
        ACTIONS[name] = cls
        return cls

    return register
