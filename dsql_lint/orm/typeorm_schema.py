from __future__ import annotations

from dsql_lint.orm import jsvalues as js
from dsql_lint.orm.builders import Translation

HINTS: dict[str, str] = {}


def translate(reader: js.Reader, value: js.Value, receiver: str) -> Translation | None:
    return None
