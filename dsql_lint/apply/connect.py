"""Opening connections to the target: IAM token, TLS, and the 60-minute connection cap."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from dsql_lint.apply.errors import CannotConnect
from dsql_lint.apply.target import DSQL_DATABASE, DSQL_PORT, Target

# dsql-facts.md, Connecting: a connection lives at most 60 minutes. Reconnect well before,
# at a unit boundary, so no transaction is cut by the cap.
MAX_CONNECTION_AGE = 50 * 60
CONNECT_TIMEOUT = 15
APPLICATION_NAME = "dsql-lint apply"


def connect(target: Target, token: Callable[[], str] | None = None) -> Any:
    """An autocommit psycopg connection; a DSQL connection gets a freshly signed token."""
    import psycopg

    secret: str | None = None
    if target.is_dsql:
        assert token is not None
        secret = token()
        kwargs = _dsql_params(target, secret)
        where = target.host
    else:
        kwargs = {"conninfo": target.dsn or "", **_hop_params(target)}
        where = target.label or "the --dsn target"
    kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
    kwargs.setdefault("application_name", APPLICATION_NAME)
    try:
        return psycopg.connect(autocommit=True, **kwargs)
    except psycopg.OperationalError as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if secret:
            message = message.replace(secret, "<token>")
        raise CannotConnect(f"cannot connect to {where}: {message}{_tls_hint(message)}") from None


def _dsql_params(target: Target, secret: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "host": target.host,
        "port": DSQL_PORT,
        "dbname": DSQL_DATABASE,
        "user": target.user,
        "password": secret,
        "sslmode": target.sslmode,
        # SNI is required (dsql-facts.md, Connecting); libpq sends `host` as SNI.
        "sslsni": 1,
    }
    if target.sslrootcert:
        params["sslrootcert"] = target.sslrootcert
    params.update(_hop_params(target))
    return params


def _hop_params(target: Target) -> dict[str, Any]:
    hop = target.connect_to
    if hop is None:
        return {}
    # libpq connects to hostaddr but verifies the certificate (and sends SNI) for host.
    params: dict[str, Any] = {"hostaddr": hop.hostaddr, "port": hop.port}
    if hop.database:
        params["dbname"] = hop.database
    return params


def _tls_hint(message: str) -> str:
    if "certificate" in message:
        return (
            " (TLS verification failed: the server's certificate is not signed by a CA of the "
            "system trust store; for a private CA, such as a proxy's, keep --sslmode verify-full "
            "and pass --sslrootcert FILE with that CA)"
        )
    if "SSL" in message:
        return " (TLS failed: Aurora DSQL requires TLS; check --sslmode and --sslrootcert)"
    return ""


class Session:
    """The current connection, reopened when lost or old, with session settings replayed."""

    def __init__(
        self,
        target: Target,
        token: Callable[[], str] | None = None,
        max_age: float = MAX_CONNECTION_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.token = token
        self.max_age = max_age
        self.clock = clock
        self.settings: list[str] = []  # SET statements of the current file, replayed on reconnect
        self.connections = 0
        self._conn: Any = None
        self._opened_at = 0.0

    @property
    def conn(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.target, self.token)
            self._opened_at = self.clock()
            self.connections += 1
            for statement in self.settings:
                self._conn.execute(statement)
        return self._conn

    def refresh_if_old(self) -> bool:
        """Reconnect when the connection nears the cap; call only between transactions."""
        if self._conn is not None and self.clock() - self._opened_at >= self.max_age:
            self.close()
            return True
        return False

    def refresh_for(self, seconds: float) -> bool:
        """Reconnect first when the connection would pass the replacement age during a wait
        of up to `seconds` (a wait is one call: the cap cannot be checked in its middle)."""
        if self._conn is None:
            return False
        if self.clock() - self._opened_at + min(seconds, self.max_age) > self.max_age:
            self.close()
            return True
        return False

    def reset(self) -> None:
        """A new session for the next file: settings do not leak across files."""
        if self.settings:
            self.settings = []
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
