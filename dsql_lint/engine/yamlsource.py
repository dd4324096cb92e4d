"""YAML loading that remembers where each mapping came from, for `file:line` errors."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from dsql_lint.errors import RuleError


class LineDict(dict):
    """A mapping from YAML that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


@functools.cache
def _loader() -> type:
    """A safe YAML loader building LineDicts; made on first use (yaml is imported lazily
    because cached rules do not need it)."""
    import yaml

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def construct_mapping(loader: Any, node: Any) -> LineDict:
        loader.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            out[key] = loader.construct_object(value_node, deep=True)
            if isinstance(key, str):
                out.key_lines[key] = key_node.start_mark.line + 1
        return out

    loader = type("LineLoader", (base,), {})
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return loader


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise RuleError(err.strerror or "cannot read", str(path)) from None
    except UnicodeDecodeError:
        raise RuleError("not valid UTF-8", str(path)) from None
    import yaml

    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise RuleError(f"invalid YAML: {err.problem or err}", str(path), line) from None
    except yaml.YAMLError as err:
        raise RuleError(f"invalid YAML: {err}", str(path)) from None


def line_of(value: Any, key: str | None = None) -> int | None:
    if isinstance(value, LineDict):
        if key is not None and key in value.key_lines:
            return value.key_lines[key]
        return value.line
    return None
