"""Locks between dsql-lint processes of one machine made of files alone, so they work wherever
Python does (no fcntl, no msvcrt): a file created with O_CREAT | O_EXCL exists for one
process at a time. Each file holds its owner (pid, host, start, a token of its own), so a lock
whose process is gone is known stale and taken over instead of waited for.

`exclusive` is a mutex held for a short critical section; `Register` is one entry per process
in a folder, so that the last process of several can tell it is the last (what a shared
flock told before).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from dsql_lint.errors import UserError

POLL_SECONDS = 0.1
# An owner whose file is still being written: after this long it is a crash's leftover.
UNWRITTEN_SECONDS = 10.0


@dataclass(frozen=True)
class Owner:
    pid: int
    host: str
    started: float  # time.time() when it took the lock
    token: str  # tells this owner's file from a later one of the same pid

    @classmethod
    def me(cls) -> Owner:
        return cls(os.getpid(), socket.gethostname(), time.time(), uuid.uuid4().hex)

    def alive(self) -> bool:
        """True unless its process is known gone: one of another host cannot be checked."""
        return self.host != socket.gethostname() or pid_alive(self.pid)

    def describe(self) -> str:
        started = time.strftime("%H:%M:%S", time.localtime(self.started))
        return f"pid {self.pid} on {self.host}, since {started}"


def pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    query_limited_information, still_active = 0x1000, 259
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def read_owner(path: Path) -> Owner | None:
    """The owner written in `path`; None when it is gone or not (yet) readable."""
    try:
        return Owner(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _create(path: Path, owner: Owner) -> bool:
    """Create `path` holding `owner`, unless it exists."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as file:
        json.dump(asdict(owner), file)
    return True


def _stale(path: Path) -> Owner | None:
    """The owner of `path` if it is dead (or `path` is a crash's unwritten leftover):
    returned so that only that very file is removed."""
    owner = read_owner(path)
    if owner is not None:
        return None if owner.alive() else owner
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return None  # gone meanwhile: the next try creates it
    return Owner(0, "", 0.0, "unwritten") if age > UNWRITTEN_SECONDS else None


def _remove_if(path: Path, stale: Owner) -> None:
    """Remove `path` if it still holds `stale`: moved aside first (atomic), so that of two
    processes that found the same stale file only one removes it, and a file created
    meanwhile by a live owner is put back, not removed."""
    aside = path.with_name(f"{path.name}.{uuid.uuid4().hex}.stale")
    try:
        os.rename(path, aside)
    except OSError:
        return  # removed or replaced by another process meanwhile
    moved = read_owner(aside)
    if moved is not None and moved.token != stale.token:
        with contextlib.suppress(OSError):
            os.link(aside, path)  # a live owner's file: back where it was, never over another
    with contextlib.suppress(OSError):
        os.unlink(aside)


@contextlib.contextmanager
def exclusive(path: Path, timeout: float, what: str) -> Iterator[None]:
    """Hold the lock file `path` for the block, waiting up to `timeout` seconds for a live
    owner; a dead owner's lock is taken over. `what`: what the lock guards, for the error."""
    me = Owner.me()
    deadline = time.monotonic() + timeout
    while not _create(path, me):
        stale = _stale(path)
        if stale is not None:
            _remove_if(path, stale)
            continue
        if time.monotonic() >= deadline:
            holder = read_owner(path)
            by = f" by {holder.describe()}" if holder else ""
            raise UserError(
                f"{what} is locked{by} for over {timeout:g} s; if no dsql-lint runs any "
                f"more, delete {path}"
            )
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        if (owner := read_owner(path)) is not None and owner.token == me.token:
            with contextlib.suppress(OSError):
                path.unlink()


class Register:
    """One file per process in `folder` while it uses a shared resource."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.me = Owner.me()
        self.entry = folder / f"{self.me.pid}-{self.me.token}.json"

    def join(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _create(self.entry, self.me)

    def leave(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.entry.unlink()

    def others(self) -> list[Owner]:
        """The other processes registered and alive; dead ones' entries are removed."""
        found = []
        for entry in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            if entry == self.entry:
                continue
            stale = _stale(entry)
            if stale is not None:
                _remove_if(entry, stale)
                continue
            owner = read_owner(entry)
            if owner is not None:
                found.append(owner)
        return found
