"""The framework configuration files read while checking (supabase/config.toml, a knexfile,
Alembic's env.py, flyway.conf...): every reader reads them through `config_text`, so that the
findings cache can keep, with each entry, the files it depended on and their digests, and drop
the entry when one of them changes. A reader that read its file otherwise would be forgotten.
The places a reader looked for a configuration and found none are kept the same way, through
`looked_for` (their digest is ""): a configuration created there later drops the entry."""

from __future__ import annotations

import hashlib
from pathlib import Path

_READ: set[Path] = set()


def config_text(path: Path, errors: str = "strict") -> str:
    """`path`'s text, as `Path.read_text` (raising as it does), recorded as read."""
    _READ.add(path.resolve())
    return path.read_text(encoding="utf-8", errors=errors)


def looked_for(path: Path) -> bool:
    """Whether `path` is a file (`Path.is_file`), recorded as read either way."""
    _READ.add(path.resolve())
    return path.is_file()


def read_so_far() -> list[Path]:
    """The configuration files read by this process, in a stable order."""
    return sorted(_READ)


def digest(path: Path) -> str:
    """The file's content digest; "" when it cannot be read (a file removed since)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
