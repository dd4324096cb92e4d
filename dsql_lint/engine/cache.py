"""An on-disk cache of loaded rules, so that a run does not pay for YAML parsing (and the
yaml import) when no rule file changed: startup time is a feature.

The key covers the tool version, the modules whose classes are pickled (a development checkout
changes them without a new version number: a Rule of another shape must not be read back) and
every rule file's path and content; anything unreadable or stale is simply recomputed.
DSQL_LINT_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from dsql_lint import __version__

T = TypeVar("T")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dsql-lint"


PACKAGE = Path(__file__).resolve().parents[1]
# What a cached value is made of: the rules, and the tables of PostgreSQL commands and actions.
PICKLED = ("engine/model.py", "diagnostic.py", "lint/commands.py", "lint/actions.py")


def _key(kind: str, files: Sequence[Path]) -> str:
    parts = [kind, __version__]
    for name in PICKLED:
        stat = (PACKAGE / name).stat()
        parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    digest = hashlib.sha256("\0".join(parts).encode())
    for path in files:
        digest.update(f"\0{path.resolve()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def cached(kind: str, files: Sequence[Path], compute: Callable[[], T]) -> T:
    if os.environ.get("DSQL_LINT_NO_CACHE"):
        return compute()
    try:
        path = cache_dir() / f"{kind}-{_key(kind, files)}.pickle"
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own file, keyed by content
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        pass
    value = compute()
    _store(path, value)
    return value


def _store(path: Path, value: object) -> None:
    """Write atomically; a cache that cannot be written is no error."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
