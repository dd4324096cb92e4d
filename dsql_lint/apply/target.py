"""Where to apply: an Aurora DSQL endpoint or a PostgreSQL DSN, from options and the environment
(`settings.environment`: the process environment over `.env`)."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dsql_lint.errors import UserError

# dsql-facts.md, Connecting: endpoint `<id>.dsql.<region>.on.aws`, PrivateLink hosts `.dsql-`.
DSQL_HOST = re.compile(r"\.dsql[^.]*\.([^.]+)\.on\.aws$")
# dsql-facts.md, Connecting: TLS is mandatory; these modes may fall back to plaintext.
PLAINTEXT_SSLMODES = frozenset({"disable", "allow", "prefer"})
SSLMODES = ("require", "verify-ca", "verify-full", "disable", "allow", "prefer")
DSQL_PORT = 5432
DSQL_DATABASE = "postgres"  # dsql-facts.md, Connecting: database `postgres` only


@dataclass(frozen=True)
class ConnectTo:
    """Where the socket really goes (an IP, for tunnels and tests); TLS still checks `host`."""

    hostaddr: str
    port: int
    database: str | None = None

    @classmethod
    def parse(cls, value: str) -> ConnectTo:
        match = re.fullmatch(r"([0-9.:a-fA-F]+):(\d+)(?:/(\w+))?", value)
        if match is None:
            raise UserError(f"--connect-to must be IP:PORT[/DATABASE], got {value!r}")
        return cls(match.group(1), int(match.group(2)), match.group(3))


@dataclass(frozen=True)
class Target:
    kind: str  # "dsql" or "postgres"
    host: str | None = None
    region: str | None = None
    user: str = "admin"
    profile: str | None = None
    sslmode: str = "verify-full"
    sslrootcert: str | None = "system"
    dsn: str | None = None
    connect_to: ConnectTo | None = None
    label: str | None = None  # what the target is, when not what `kind` says (--local)

    @property
    def is_dsql(self) -> bool:
        return self.kind == "dsql"

    def login(self) -> tuple[str, str]:
        """The user and database the connection logs in as (Flyway's `${flyway:user}` and
        `${flyway:database}`), as libpq defaults them."""
        if self.dsn is None:
            database = self.connect_to.database if self.connect_to else None
            return self.user, database or DSQL_DATABASE
        from psycopg.conninfo import conninfo_to_dict  # apply's path only

        given = conninfo_to_dict(self.dsn)
        user = str(given.get("user") or os.environ.get("PGUSER") or getpass.getuser())
        return user, str(given.get("dbname") or os.environ.get("PGDATABASE") or user)

    def describe(self) -> str:
        if self.is_dsql:
            return f"{self.user}@{self.host} ({self.region})"
        return self.label or "postgresql (--dsn)"


def region_of_host(host: str) -> str | None:
    match = DSQL_HOST.search(host.lower().rstrip("."))
    return match.group(1) if match else None


def is_dsql_host(host: str | None) -> bool:
    return bool(host) and region_of_host(host) is not None  # type: ignore[arg-type]


def resolve_target(
    *,
    endpoint: str | None,
    region: str | None,
    user: str,
    profile: str | None,
    sslmode: str | None,
    sslrootcert: str | None,
    dsn: str | None,
    connect_to: str | None,
    env: Mapping[str, str],
) -> Target | None:
    """The target the options describe, or None when there is none (plan from files alone)."""
    hop = ConnectTo.parse(connect_to) if connect_to else None
    if dsn:
        if endpoint:
            raise UserError("give either --endpoint (Aurora DSQL) or --dsn (PostgreSQL), not both")
        return Target(kind="postgres", dsn=_checked_dsn(dsn, sslmode, sslrootcert), connect_to=hop)
    host = endpoint or env.get("DSQL_ENDPOINT") or None
    if not host:
        return None
    host = host.strip().rstrip("/").removeprefix("postgresql://").removeprefix("https://")
    region = (
        region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or region_of_host(host)
    )
    if not region:
        raise UserError(f"cannot tell the AWS region of {host}: give --region or set AWS_REGION")
    mode = sslmode or "verify-full"
    _refuse_plaintext(host, mode)
    if mode == "verify-ca" and not sslrootcert:
        # libpq refuses the system trust store with verify-ca ("weak sslmode").
        raise UserError(
            "--sslmode verify-ca needs --sslrootcert FILE (the CA that signed the server's "
            "certificate); with the system trust store use verify-full (the default)"
        )
    return Target(
        kind="dsql",
        host=host,
        region=region,
        user=user,
        profile=profile,
        sslmode=mode,
        sslrootcert=sslrootcert or ("system" if mode in ("verify-ca", "verify-full") else None),
        connect_to=hop,
    )


def _refuse_plaintext(host: str, sslmode: str) -> None:
    if sslmode in PLAINTEXT_SSLMODES:
        raise UserError(
            f"--sslmode {sslmode} could connect to {host} without TLS; Aurora DSQL requires TLS: "
            "use verify-full (the default; add --sslrootcert FILE for a private CA) or require"
        )


def _checked_dsn(dsn: str, sslmode: str | None, sslrootcert: str | None) -> str:
    """The DSN with explicit TLS options applied. A DSQL host needs `--endpoint` (IAM token)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(dsn)
    except Exception as err:  # psycopg.ProgrammingError: not a valid conninfo
        raise UserError(f"--dsn is not a valid PostgreSQL connection string: {err}") from None
    if is_dsql_host(str(params.get("host") or "")):
        raise UserError(
            "--dsn points at an Aurora DSQL endpoint: use --endpoint HOST instead "
            "(IAM token, TLS, DSQL semantics); --dsn is for plain PostgreSQL"
        )
    if sslmode:
        params["sslmode"] = sslmode
    if sslrootcert:
        params["sslrootcert"] = sslrootcert
    return make_conninfo(**params)
