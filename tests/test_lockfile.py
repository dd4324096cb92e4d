"""The file locks of `--local` (dsql_lint/apply/lockfile.py), between real processes: a lock
whose process is gone is taken over at once, a live one is waited for, and a register tells
the last process of several that it is the last."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsql_lint.apply.lockfile import Owner, Register, exclusive, read_owner
from dsql_lint.errors import UserError

HOLD = """
import sys, time
from pathlib import Path
from dsql_lint.apply.lockfile import Register, exclusive
path = Path(sys.argv[1])
if sys.argv[2] == "lock":
    with exclusive(path, 30, "the test resource"):
        print("held", flush=True)
        sys.stdin.readline()
else:
    Register(path).join()
    print("held", flush=True)
    sys.stdin.readline()
"""


def holder(path: Path, kind: str) -> subprocess.Popen[str]:
    """Another process holding the lock (or registered) until its stdin closes."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "held\n"
    return process


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_lock_held_by_a_live_process_is_waited_for_then_taken(tmp_path: Path) -> None:
    path = tmp_path / "server.lock"
    other = holder(path, "lock")
    try:
        with pytest.raises(UserError) as busy, exclusive(path, 0.3, "the test resource"):
            pass
        assert f"the test resource is locked by pid {other.pid} on " in str(busy.value)
        assert f"delete {path}" in str(busy.value)
    finally:
        assert other.stdin is not None
        other.stdin.close()  # it leaves the block and removes its lock
        other.wait(30)
    assert not path.exists()
    with exclusive(path, 0.3, "the test resource"):
        owner = read_owner(path)
        assert owner is not None and owner.pid == os.getpid()
    assert not path.exists()


def test_a_killed_holder_s_lock_is_taken_over_at_once(tmp_path: Path) -> None:
    path = tmp_path / "server.lock"
    other = holder(path, "lock")
    other.kill()
    other.wait(30)
    assert read_owner(path) is not None  # it had no chance to remove it
    started = time.monotonic()
    with exclusive(path, 30, "the test resource"):
        assert read_owner(path).pid == os.getpid()  # type: ignore[union-attr]
    assert time.monotonic() - started < 5
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing left aside


def test_a_stale_lock_file_of_a_dead_pid_or_never_written_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "server.lock"
    dead = Owner(dead_pid(), socket.gethostname(), time.time(), "old")
    path.write_text(json.dumps(dead.__dict__))
    with exclusive(path, 0.5, "the test resource"):
        assert read_owner(path).pid == os.getpid()  # type: ignore[union-attr]
    path.write_text("")  # a crash between creating and writing it
    old = time.time() - 60
    os.utime(path, (old, old))
    with exclusive(path, 0.5, "the test resource"):
        pass
    # Another host's process cannot be checked: its lock is waited for.
    path.write_text(json.dumps(Owner(dead.pid, "elsewhere", time.time(), "x").__dict__))
    with (
        pytest.raises(UserError, match="locked by pid .* on elsewhere"),
        exclusive(path, 0.3, "the test resource"),
    ):
        pass


def test_the_register_tells_the_last_process_it_is_the_last(tmp_path: Path) -> None:
    folder = tmp_path / "users"
    me = Register(folder)
    me.join()
    other = holder(folder, "register")
    try:
        assert [o.pid for o in me.others()] == [other.pid]
    finally:
        other.kill()
        other.wait(30)
    # Killed without leaving: its entry is stale, and removed when found.
    assert me.others() == []
    assert [p.name for p in folder.iterdir()] == [me.entry.name]
    me.leave()
    assert list(folder.iterdir()) == []
