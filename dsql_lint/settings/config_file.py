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
    migrations: db/migrations       # what apply, status, validate... run on when given no path
    framework: goose                # with no path: only this framework's migrations; its
                                    # runner's transactions (without it, a `migrations:`
                                    # folder is linted as `dsql-lint apply` runs it)
    psql-variables: {schema: app}   # psql's `-v schema=app`: put in where the SQL reads
                                    # :schema, :'schema' or :"schema" (check and apply)
    bootstrap: [db/bootstrap.sql]   # SQL run before the framework's runner (its
                                    # bookkeeping table in a form DSQL accepts): check and
                                    # fix read it before the migrations (DSQL407), apply
                                    # runs it before them, once

In pyproject.toml the same keys go in `[tool.dsql-lint]`; `severity` may also be its own table,
`[tool.dsql-lint.severity]`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsql_lint.diagnostic import Severity
from dsql_lint.errors import RuleError
from dsql_lint.syntax.psql_variables import assignment
from dsql_lint.syntax.source import STDIN, real

YAML_NAMES = (".dsql-lint.yaml", ".dsql-lint.yml")
PYPROJECT = "pyproject.toml"
TOOL_TABLE = ("tool", "dsql-lint")
KEYS = {
    "target",
    "assume-in-transaction",
    "select",
    "ignore",
    "severity",
    "exclude",
    "rule-dirs",
    "report-unused-ignores",
    "framework",
    "migrations",
    "psql-variables",
    "bootstrap",
}

# A key's path in the configuration (("severity", "DSQL101")) -> its line in the file, if known.
LineOf = Callable[[tuple[str, ...]], int | None]


def _no_lines(path: tuple[str, ...]) -> int | None:
    return None


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
    framework: str | None = None
    migrations: Path | None = None
    psql_variables: dict[str, str] = field(default_factory=dict)
    bootstrap: tuple[Path, ...] = ()
    line_of: LineOf = field(default=_no_lines, repr=False, compare=False)


def discover(paths: list[str], start: Path | None = None) -> Path | None:
    """The nearest configuration file above the first linted path (or the working folder)."""
    first = next((p for p in paths if p != STDIN), None)
    here = real(first) if first else (start or Path.cwd()).resolve()
    folder = here if here.is_dir() else here.parent
    for candidate in (folder, *folder.parents):
        for name in YAML_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _tool_table(_parse_toml(pyproject)[0]) is not None:
            return pyproject
    return None


def load(path: Path) -> Config:
    if path.name == PYPROJECT:
        data, line_of = _load_toml(path)
    else:
        data, line_of = _load_yaml(path)
    if data is None:
        return Config(path=path)
    if not isinstance(data, dict):
        raise RuleError("configuration must be a mapping", str(path), line_of(()) or 1)
    return _config(path, data, line_of)


def _load_yaml(path: Path) -> tuple[Any, LineOf]:
    from dsql_lint.engine.yamlsource import LineDict, load_yaml

    data = load_yaml(path)

    def line_of(keys: tuple[str, ...]) -> int | None:
        line, node = None, data
        for key in keys:
            if not isinstance(node, LineDict) or key not in node.key_lines:
                break
            line, node = node.key_lines[key], node[key]
        return line

    return data, line_of


def _parse_toml(path: Path) -> tuple[dict[str, Any], str]:
    from dsql_lint.settings import toml_file

    return toml_file.load(path)


def _tool_table(document: dict[str, Any]) -> Any:
    tool = document.get(TOOL_TABLE[0])
    return tool.get(TOOL_TABLE[1]) if isinstance(tool, dict) else None


def _load_toml(path: Path) -> tuple[Any, LineOf]:
    from dsql_lint.settings import toml_file

    document, text = _parse_toml(path)
    lines = toml_file.key_lines(text)

    def line_of(keys: tuple[str, ...]) -> int | None:
        return toml_file.line_of(lines, TOOL_TABLE + keys)

    return _tool_table(document), line_of


def _config(path: Path, data: dict[str, Any], line_of: LineOf) -> Config:
    def fail(message: str, *keys: str) -> RuleError:
        return RuleError(message, str(path), line_of(keys))

    for key in data:
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise fail(f"unknown configuration key {key!r} (known: {known})", key)
    base = path.parent
    config = Config(path=path, line_of=line_of)
    if "target" in data:
        config.target = _target(data["target"], lambda m: fail(m, "target"))
    for key, attr in (
        ("assume-in-transaction", "assume_in_transaction"),
        ("report-unused-ignores", "report_unused_ignores"),
    ):
        if key in data:
            if not isinstance(data[key], bool):
                raise fail(f"`{key}` must be true or false", key)
            setattr(config, attr, data[key])
    if "framework" in data:
        config.framework = _framework(data["framework"], lambda m: fail(m, "framework"))
    for key in ("select", "ignore", "exclude", "rule-dirs", "bootstrap"):
        if key in data:
            values = data[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise fail(f"`{key}` must be a list of strings", key)
            if key == "rule-dirs":
                config.rule_dirs = tuple(base / v for v in values)
            elif key == "exclude":
                config.exclude = tuple(str(base / v) for v in values)
            elif key == "bootstrap":
                config.bootstrap = tuple(base / v for v in values)
            else:
                setattr(config, key, tuple(values))
    if "severity" in data:
        config.severity = _severities(data["severity"], fail)
    if "migrations" in data:
        if not isinstance(data["migrations"], str) or not data["migrations"].strip():
            raise fail("`migrations` must be a folder (a string)", "migrations")
        config.migrations = base / data["migrations"]
    if "psql-variables" in data:
        config.psql_variables = _psql_variables(data["psql-variables"], fail)
    return config


def _psql_variables(value: Any, fail: Callable[..., RuleError]) -> dict[str, str]:
    """A mapping of names to values, as `psql -v NAME=VALUE` gives them: text (a number is
    written as it reads)."""
    if not isinstance(value, dict):
        raise fail("`psql-variables` must be a mapping of names to values", "psql-variables")
    out = {}
    for name, raw in value.items():
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise fail(
                f"`psql-variables.{name}` must be text or a number", "psql-variables", str(name)
            )
        try:
            assignment(f"{name}={raw}")
        except ValueError as err:
            raise fail(str(err), "psql-variables", str(name)) from None
        out[str(name)] = str(raw)
    return out


def _framework(value: Any, fail: Callable[[str], RuleError]) -> str:
    from dsql_lint.syntax.discover import FRAMEWORKS

    if value not in FRAMEWORKS:
        raise fail(f"`framework` must be one of {', '.join(FRAMEWORKS)}")
    return str(value)


def _target(value: Any, fail: Callable[[str], RuleError]) -> dt.date | None:
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


def _severities(value: Any, fail: Callable[..., RuleError]) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise fail("`severity` must map rule codes or names to error, warning or info", "severity")
    out = {}
    for rule, level in value.items():
        try:
            out[str(rule)] = Severity(str(level))
        except ValueError:
            message = f"severity of {rule!r} must be error, warning or info"
            raise fail(message, "severity", str(rule)) from None
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
                if key == "severity":
                    line = config.line_of((key, value))
                else:
                    line = _line_of_value(config.path, value, config.line_of((key,)) or 1)
                raise RuleError(f"unknown rule {value!r} in `{key}`", str(config.path), line)


def rule_id_known(value: str, known: set[str]) -> bool:
    upper = value.upper()
    return (
        upper == "ALL"
        or value in known
        or any(k.startswith(upper) for k in known if k[:1].isupper())
    )


def _line_of_value(path: Path | None, value: str, start: int) -> int | None:
    """The first line from `start` on naming `value` (lists keep no line per item)."""
    if path is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[start - 1 :], start=start):
        if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", line):
            return number
    return None
