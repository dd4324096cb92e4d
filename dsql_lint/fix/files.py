"""Writing fixed files atomically: a crash or an error never leaves a half-written file."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from dsql_lint.errors import InputError


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file at `path` (through symlinks) with `data`, keeping its mode: write a
    temporary file in the same folder, fsync it, rename it over the original."""
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError("cannot write: is a directory", path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_into(target, data, path)
        return
    mode = stat.S_IMODE(info.st_mode) if info else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror}", path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise InputError(f"cannot write: {err.strerror}", path) from None
        raise
    _fsync_dir(target.parent)


def _write_into(target: Path, data: bytes, path: str) -> None:
    """A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is written into, as a
    shell redirection would: renaming a file over it would replace the device itself."""
    try:
        with open(target, "wb") as handle:
            handle.write(data)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror}", path) from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable, where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
