"""Merging `init`'s entries into files a project may already have: `.env` lines, `.gitignore`
lines, a JSON MCP configuration's `mcpServers` entry, a pre-commit configuration's `repos`
list, a top-level key of `.dsql-lint.yaml`. What is there stays as it was; a different value
of ours is replaced only with --force."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dsql_lint.errors import UserError
from dsql_lint.init.changes import CREATE, KEEP, UNCHANGED, UPDATE, Change, read


def env_file(path: Path, shown: str, values: Mapping[str, str], force: bool) -> Change:
    """Set `values` in a `.env`: missing keys are added, a differing one replaced only with
    `force`, every other line kept (`settings.dotenv_edit`, as `cluster create --write-env`)."""
    from dsql_lint.settings.dotenv_edit import set_keys
    from dsql_lint.settings.environment import read_dotenv

    before = read(path, keep_newlines=True)
    current = read_dotenv(path) if before is not None else {}
    added = [key for key in values if key not in current]
    differing = [key for key in values if key in current and current[key] != values[key]]
    replaced = differing if force else []
    kept = [] if force else [f"{key}={current[key]}" for key in differing]
    notes = [f"set {', '.join(added)}"] if added else []
    notes += [f"replaced {', '.join(replaced)} (--force)"] if replaced else []
    notes += [f"has {', '.join(kept)}: differs, kept (--force replaces it)"] if kept else []
    if not added and not replaced:
        action = KEEP if kept else UNCHANGED
        return Change(path, shown, action, "; ".join(notes) or f"has {', '.join(values)}")
    after, _ = set_keys(before or "", {key: values[key] for key in added + replaced}, shown)
    return Change(
        path, shown, CREATE if before is None else UPDATE, "; ".join(notes), before, after
    )


def line_file(path: Path, shown: str, line: str, what: str) -> Change:
    """A line in a list-of-lines file (`.gitignore`), added at the end when missing."""
    before = read(path)
    existing = {item.strip() for item in (before or "").splitlines()}
    if line in existing or line.rstrip("/") in existing:
        return Change(path, shown, UNCHANGED, f"has {line}")
    text = before or ""
    if text and not text.endswith("\n"):
        text += "\n"
    action = CREATE if before is None else UPDATE
    return Change(path, shown, action, f"added {line} ({what})", before, f"{text}{line}\n")


def mcp_file(path: Path, shown: str, name: str, entry: dict[str, Any], force: bool) -> Change:
    """The `mcpServers` entry `name` of a JSON MCP configuration; other servers kept."""
    before = read(path)
    document: Any = {}
    if before is not None and before.strip():
        try:
            document = json.loads(before)
        except json.JSONDecodeError as err:
            message = f"{shown}:{err.lineno}: not valid JSON ({err.msg}): not changed"
            raise UserError(message) from None
    if not isinstance(document, dict) or not isinstance(document.get("mcpServers", {}), dict):
        raise UserError(f"{shown}: `mcpServers` is not an object: not changed")
    servers = document.setdefault("mcpServers", {})
    if servers.get(name) == entry:
        return Change(path, shown, UNCHANGED, f"has the {name} server")
    if name in servers and not force:
        return Change(path, shown, KEEP, f"has another {name} entry: kept (--force replaces it)")
    verb = "replaced" if name in servers else "added"
    servers[name] = entry
    after = json.dumps(document, indent=2) + "\n"
    action = CREATE if before is None else UPDATE
    return Change(path, shown, action, f"{verb} the {name} server", before, after)


def precommit_file(path: Path, shown: str, repo_entry: str, hook_id: str) -> Change:
    """Our hook in `.pre-commit-config.yaml`: appended to its `repos` list, comments and all
    kept. `repo_entry` is the YAML of one list item, indented by two spaces."""
    before = read(path)
    if before is None:
        return Change(path, shown, CREATE, f"the {hook_id} hook", None, f"repos:\n{repo_entry}")
    document = _yaml(before, shown)
    repos = document.get("repos") if isinstance(document, dict) else None
    if not isinstance(repos, list):
        raise UserError(f"{shown}: no `repos:` list: not changed; add the {hook_id} hook by hand")
    hooks = [hook for repo in repos if isinstance(repo, dict) for hook in repo.get("hooks") or []]
    if any(isinstance(hook, dict) and hook.get("id") == hook_id for hook in hooks):
        return Change(path, shown, UNCHANGED, f"has the {hook_id} hook")
    text = before if before.endswith("\n") else before + "\n"
    after = text + _indented_like(before, repo_entry)
    try:
        merged = yaml.safe_load(after)
    except yaml.YAMLError:
        merged = None
    # Appending is right only when `repos:` is the last block of the file.
    if not isinstance(merged, dict) or merged.get("repos", [])[:-1] != repos:
        raise UserError(
            f"{shown}: `repos:` is not the file's last key: not changed; add the {hook_id} hook "
            "to its list by hand"
        )
    return Change(path, shown, UPDATE, f"added the {hook_id} hook to `repos`", before, after)


def yaml_keys_file(path: Path, shown: str, values: dict[str, str], force: bool) -> Change:
    """Top-level `key: value` lines of a YAML mapping (`.dsql-lint.yaml`), appended when
    missing; a different value is kept unless `force` (which rewrites that one line), and
    the keys after a kept one are left out: they describe it (`framework:` its folder)."""
    before = read(path) or ""
    document = _yaml(before, shown)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise UserError(f"{shown}: not a mapping: not changed")
    text, expected, said, kept = before, dict(document), [], ""
    for key, value in values.items():
        parsed = yaml.safe_load(value)  # `[a.sql]` is a list
        if document.get(key) == parsed:
            continue
        line = f"{key}: {value}\n"
        if key in document:
            if not force:
                kept = f"has {key}: {document[key]} (--force replaces it)"
                break
            pattern = re.compile(rf"^{re.escape(key)}\s*:.*\n?", re.MULTILINE)
            text = pattern.sub(line, text, count=1)
            said.append(f"replaced {key}: {value} (--force)")
        else:
            text = (text if not text or text.endswith("\n") else text + "\n") + line
            said.append(f"added {key}: {value}")
        expected[key] = parsed
        if _yaml(text, shown) != expected:
            raise UserError(f"{shown}: `{key}` spans several lines: not changed; edit it by hand")
    if said:
        return Change(path, shown, UPDATE, ", ".join([*said, kept] if kept else said), before, text)
    if kept:
        return Change(path, shown, KEEP, kept)
    has = ", ".join(f"{key}: {value}" for key, value in values.items())
    return Change(path, shown, UNCHANGED, f"has {has}")


def _indented_like(text: str, entry: str) -> str:
    """`entry` (list items indented by two) re-indented as the file indents its `repos` items."""
    match = re.search(r"^repos:\s*\n(?:\s*#.*\n|\s*\n)*( *)-", text, re.MULTILINE)
    indent = match.group(1) if match else "  "
    return "".join(indent + line[2:] if line.strip() else line for line in entry.splitlines(True))


def _yaml(text: str, shown: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}" if mark else shown
        raise UserError(f"{where}: not valid YAML: not changed") from None
