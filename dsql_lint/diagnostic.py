"""What the linter reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FixAvailability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: str  # as displayed: "<stdin>" for standard input
    start: int  # character offsets into the source text, end exclusive
    end: int
    line: int  # 1-based
    col: int  # 1-based, in characters
    end_line: int
    end_col: int
    code: str
    name: str
    severity: Severity
    message: str
    suggestion: str | None
    fix: FixAvailability
    statement: int  # index of the statement in its source
    byte_start: int = 0  # offsets in the file as stored (UTF-8, BOM included)
    byte_end: int = 0
    # Why a finding whose rule has a fix has none here (what the fix would break); for a
    # finding with a fix, what the fix changes beyond its edits (a view's column type); else
    # None.
    fix_note: str | None = None
    # The sqlglot node the rule matched, for `fix`; never serialized.
    node: Any = field(default=None, compare=False, repr=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start, self.end, self.code)

    def without_node(self) -> Diagnostic:
        from dataclasses import replace

        return replace(self, node=None)
