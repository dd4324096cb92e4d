"""A PostgreSQL wire proxy on 127.0.0.1 for the tests: it cuts connections at request
boundaries and can terminate TLS (so libpq's verify-full runs against a test certificate).

A "request" is what the client sends up to a point where it waits for the server: a simple
Query, a Sync (end of an extended-protocol batch), CopyDone or CopyFail. Messages are held
until the request is complete, so a cut "before" request N means the server never saw any
of it, and a cut "after" request N means the server ran it but the client never heard back.

With `unavailable_on`, a connection that sends a request containing that text becomes a
sick one (the first `unavailable_conns` connections do): each request of it containing the text
is answered, without reaching the server, with Aurora DSQL's transient XX000 `server
unavailable` (dsql-facts.md, what the cluster answers), as a node that cannot serve it would;
a new connection is served.

With `password`, the proxy asks for a password as Aurora DSQL does (cleartext, inside TLS) and
lets the login through to the test server (which trusts every login) only when
`password(user, secret)` finds nothing wrong with it; otherwise it refuses the login with
SQLSTATE 28P01 and the problem as the message.
"""

from __future__ import annotations

import asyncio
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
REQUEST_ENDS = frozenset(b"QScf")
FLUSHES = frozenset(b"QScfXH")
AUTH_CLEARTEXT = 3


@dataclass(frozen=True)
class Login:
    user: str
    password: str
    refused: str | None  # why, or None when the login went through


@dataclass(eq=False)
class _Conn:
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    drop_response: bool = False
    sick: bool = False
    status: bytes = b"I"  # the transaction status of the server's last ReadyForQuery

    def close(self) -> None:
        for writer in self.writers:
            writer.close()
            # A TLS close waits for the peer's close_notify, which a client waiting for a
            # result never sends: the connection is then dropped, as a server's end would be.
            asyncio.get_running_loop().call_later(0.5, writer.transport.abort)


class Proxy:
    def __init__(
        self,
        backend_port: int,
        tls: ssl.SSLContext | None = None,
        cut_at: int | None = None,
        cut_after: bool = False,
        cut_on: str | None = None,
        cut_on_times: int = 1,
        password: Callable[[str, str], str | None] | None = None,
        unavailable_on: str | None = None,
        unavailable_conns: int = 1,
    ) -> None:
        self.backend_port = backend_port
        self.tls = tls
        self.cut_at = cut_at
        self.cut_after = cut_after
        # Cut the first `cut_on_times` requests that contain `cut_on`.
        self.cut_on = cut_on.encode() if cut_on is not None else None
        self.cut_on_times = cut_on_times
        self.password = password
        self.unavailable_on = unavailable_on.encode() if unavailable_on is not None else None
        self.unavailable_conns = unavailable_conns
        self.sick_conns = 0
        self.unavailable = 0  # requests answered XX000
        self.logins: list[Login] = []
        self.requests = 0
        self.cuts = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[_Conn] = set()

    def __enter__(self) -> Proxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop
        ).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for conn in list(self._conns):
                conn.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def open_connections(self) -> int:
        """The client connections the proxy still relays."""
        return len(self._conns)

    async def _handle(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        conn = _Conn([cwriter])
        self._conns.add(conn)
        try:
            breader, bwriter = await asyncio.open_connection("127.0.0.1", self.backend_port)
            conn.writers.append(bwriter)
            if not await self._startup(creader, cwriter, bwriter):
                return
            back = asyncio.ensure_future(self._pump_back(breader, cwriter, conn))
            try:
                await self._pump_front(creader, bwriter, conn)
            finally:
                back.cancel()
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ssl.SSLError, OSError):
            pass
        finally:
            conn.close()
            self._conns.discard(conn)

    async def _startup(
        self,
        creader: asyncio.StreamReader,
        cwriter: asyncio.StreamWriter,
        bwriter: asyncio.StreamWriter,
    ) -> bool:
        while True:
            head = await creader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            if length == 8 and code in (SSL_REQUEST, GSSENC_REQUEST):
                if code == SSL_REQUEST and self.tls is not None:
                    cwriter.write(b"S")
                    await cwriter.drain()
                    await cwriter.start_tls(self.tls)
                else:
                    cwriter.write(b"N")
                    await cwriter.drain()
                continue
            startup = head + await creader.readexactly(length - 8)
            if self.password is not None and not await self._login(startup, creader, cwriter):
                return False
            bwriter.write(startup)
            await bwriter.drain()
            return True

    async def _login(
        self, startup: bytes, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter
    ) -> bool:
        assert self.password is not None
        fields = startup[8:].split(b"\0")
        params = dict(zip(fields[0::2], fields[1::2], strict=False))
        user = params.get(b"user", b"").decode()
        cwriter.write(b"R" + struct.pack("!ii", 8, AUTH_CLEARTEXT))
        await cwriter.drain()
        kind = await creader.readexactly(1)
        size = struct.unpack("!i", await creader.readexactly(4))[0]
        body = await creader.readexactly(size - 4)
        secret = body.rstrip(b"\0").decode() if kind == b"p" else ""
        refused = self.password(user, secret)
        self.logins.append(Login(user, secret, refused))
        if refused is None:
            return True
        error = b"".join(
            code + text.encode() + b"\0"
            for code, text in (
                (b"S", "FATAL"),
                (b"V", "FATAL"),
                (b"C", "28P01"),
                (b"M", f'password authentication failed for user "{user}": {refused}'),
            )
        )
        error += b"\0"
        cwriter.write(b"E" + struct.pack("!i", len(error) + 4) + error)
        await cwriter.drain()
        return False

    async def _pump_front(
        self, creader: asyncio.StreamReader, bwriter: asyncio.StreamWriter, conn: _Conn
    ) -> None:
        pending = bytearray()
        while True:
            kind = await creader.readexactly(1)
            size = await creader.readexactly(4)
            body = await creader.readexactly(struct.unpack("!i", size)[0] - 4)
            pending += kind + size + body
            if kind[0] not in FLUSHES:
                continue
            if kind[0] in REQUEST_ENDS and self._refused(pending, conn):
                await self._unavailable(conn)
                pending.clear()
                continue
            if kind[0] in REQUEST_ENDS:
                self.requests += 1
                if self.requests == self.cut_at or (
                    self.cut_on is not None
                    and self.cuts < self.cut_on_times
                    and self.cut_on in pending
                ):
                    self.cuts += 1
                    if not self.cut_after:
                        conn.close()
                        return
                    conn.drop_response = True
            bwriter.write(bytes(pending))
            await bwriter.drain()
            pending.clear()

    def _refused(self, request: bytearray, conn: _Conn) -> bool:
        if self.unavailable_on is None or self.unavailable_on not in request:
            return False
        if not conn.sick and self.sick_conns < self.unavailable_conns:
            conn.sick = True
            self.sick_conns += 1
        return conn.sick

    async def _unavailable(self, conn: _Conn) -> None:
        """The error and ReadyForQuery the server sends for a request it refuses: a
        transaction block it was in is now failed."""
        self.unavailable += 1
        fields = ((b"S", "ERROR"), (b"V", "ERROR"), (b"C", "XX000"), (b"M", "server unavailable"))
        error = b"".join(code + text.encode() + b"\0" for code, text in fields) + b"\0"
        status = b"E" if conn.status in (b"T", b"E") else b"I"
        cwriter = conn.writers[0]
        cwriter.write(b"E" + struct.pack("!i", len(error) + 4) + error)
        cwriter.write(b"Z" + struct.pack("!i", 5) + status)
        await cwriter.drain()
        conn.status = status

    async def _pump_back(
        self, breader: asyncio.StreamReader, cwriter: asyncio.StreamWriter, conn: _Conn
    ) -> None:
        unread = bytearray()  # the server's messages, read for their ReadyForQuery status
        while True:
            data = await breader.read(65536)
            if not data or conn.drop_response:
                conn.close()
                return
            unread += data
            while len(unread) >= 5:
                size = struct.unpack("!i", unread[1:5])[0]
                if len(unread) < 1 + size:
                    break
                if unread[0:1] == b"Z":
                    conn.status = bytes(unread[5:6])
                del unread[: 1 + size]
            cwriter.write(data)
            await cwriter.drain()
