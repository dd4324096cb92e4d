"""Project configuration: `.dsql-lint.yaml`, or `[tool.dsql-lint]` in pyproject.toml, found by
walking up from the linted files (as ruff finds its configuration).

    target: 2025-05                 # or latest
    assume-in-transaction: true
    select: [DSQL1, DSQL3]          # codes, prefixes or names
    ignore: [DSQL104]
    severity: {DSQL001: error}      # per-rule severity
    exclude: ["db/legacy/*.sql"]    # globs, relative to the config file
    rule-dirs: [lint/rules]         # extra rule directories (user rules), relative
    report-unused-ignores: true
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsql_lint.diagnostic import Severity
from dsql_lint.errors import RuleError
from dsql_lint.syntax.source import STDIN

YAML_NAMES = (".dsql-lint.yaml", ".dsql-lint.yml")
KEYS = {
    "target",
    "assume-in-transaction",
    "select",
    "ignore",
    "severity",
    "exclude",
    "rule-dirs",
    "report-unused-ignores",
}


@dataclass
class Config:
    path: Path | None = None
    target: dt.date | None = None
    assume_in_transaction: bool | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    rule_dirs: tuple[Path, ...] = ()
    report_unused_ignores: bool | None = None


def discover(paths: list[str], start: Path | None = None) -> Path | None:
    """The nearest configuration file above the first linted path (or the working folder)."""
    first = next((p for p in paths if p != STDIN), None)
    here = Path(first).resolve() if first else (start or Path.cwd()).resolve()
    folder = here if here.is_dir() else here.parent
    for candidate in (folder, *folder.parents):
        for name in YAML_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    return re.search(r"^\[tool\.dsql-lint\]", path.read_text(encoding="utf-8"), re.M) is not None


def load(path: Path) -> Config:
    if path.name == "pyproject.toml":
        data, lines = _load_toml(path)
    else:
        data, lines = _load_yaml(path)
    return _config(path, data or {}, lines)


def _load_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    from dsql_lint.engine.yamlsource import LineDict, load_yaml

    data = load_yaml(path)
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise RuleError("configuration must be a mapping", str(path), 1)
    lines = data.key_lines if isinstance(data, LineDict) else {}
    return data, lines


def _load_toml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    text = path.read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text).get("tool", {}).get("dsql-lint", {})
    except tomllib.TOMLDecodeError as err:
        raise RuleError(f"invalid TOML: {err}", str(path)) from None
    return table, _toml_key_lines(text)


def _toml_key_lines(text: str) -> dict[str, int]:
    """Line of each key of [tool.dsql-lint]: tomllib keeps no positions."""
    lines: dict[str, int] = {}
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            inside = header.group(1).strip() == "tool.dsql-lint"
            continue
        key = re.match(r'^\s*"?([A-Za-z0-9_-]+)"?\s*=', line)
        if inside and key:
            lines.setdefault(key.group(1), number)
    return lines


def _config(path: Path, data: dict[str, Any], lines: dict[str, int]) -> Config:
    def fail(key: str, message: str) -> RuleError:
        return RuleError(message, str(path), lines.get(key))

    for key in data:
        if key not in KEYS:
            raise fail(key, f"unknown configuration key {key!r} (known: {', '.join(sorted(KEYS))})")
    base = path.parent
    config = Config(path=path)
    if "target" in data:
        config.target = _target(data["target"], lambda m: fail("target", m))
    for key, attr in (
        ("assume-in-transaction", "assume_in_transaction"),
        ("report-unused-ignores", "report_unused_ignores"),
    ):
        if key in data:
            if not isinstance(data[key], bool):
                raise fail(key, f"`{key}` must be true or false")
            setattr(config, attr, data[key])
    for key in ("select", "ignore", "exclude", "rule-dirs"):
        if key in data:
            values = data[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise fail(key, f"`{key}` must be a list of strings")
            if key == "rule-dirs":
                config.rule_dirs = tuple(base / v for v in values)
            elif key == "exclude":
                config.exclude = tuple(str(base / v) for v in values)
            else:
                setattr(config, key, tuple(values))
    if "severity" in data:
        config.severity = _severities(data["severity"], lambda m: fail("severity", m))
    return config


def _target(value: Any, fail: Any) -> dt.date | None:
    from dsql_lint.engine.loader import parse_date

    if isinstance(value, dt.date):
        return value
    text = str(value)
    if text in ("latest", "today"):
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise fail(f"`target` must be latest or YYYY-MM[-DD], not {text!r}") from None


def _severities(value: Any, fail: Any) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise fail("`severity` must map rule codes or names to error, warning or info")
    out = {}
    for rule, level in value.items():
        try:
            out[str(rule)] = Severity(str(level))
        except ValueError:
            raise fail(f"severity of {rule!r} must be error, warning or info") from None
    return out


def check_rule_ids(config: Config, known: set[str]) -> None:
    """Unknown rule codes or names in the configuration are errors, with file and line."""
    for key, values in (
        ("select", config.select),
        ("ignore", config.ignore),
        ("severity", config.severity),
    ):
        for value in values:
            if not rule_id_known(value, known):
                line = _line_of_value(config.path, value)
                raise RuleError(f"unknown rule {value!r} in `{key}`", str(config.path), line)


def rule_id_known(value: str, known: set[str]) -> bool:
    upper = value.upper()
    return (
        upper == "ALL"
        or value in known
        or any(k.startswith(upper) for k in known if k[:1].isupper())
    )


def _line_of_value(path: Path | None, value: str) -> int | None:
    if path is None:
        return None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", line):
            return number
    return None
