"""The checks of `dsql-lint doctor`, in the order of AWS's "Get started with DSQL" guide:
credentials, identity, permissions, region, endpoint, DNS, TCP, TLS, token, connection, then
the local tools. Each gives one line; a step whose prerequisite failed is skipped, not failed.

boto3 and psycopg are imported inside the checks: the lint path never pays for them."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from dsql_lint.apply import clusters
from dsql_lint.apply.errors import ApplyError
from dsql_lint.apply.iam_token import ADMIN, TOKEN_LIFETIME, generate_token
from dsql_lint.apply.target import (
    DSQL_PORT,
    ConnectTo,
    Target,
    is_dsql_host,
    region_of_host,
    resolve_target,
)
from dsql_lint.doctor.network import ProbeError, open_tcp, resolve, tls_handshake
from dsql_lint.errors import UserError
from dsql_lint.settings.environment import read_dotenv

OK, PROBLEM, UNKNOWN, SKIPPED, INFO = "ok", "problem", "unknown", "skipped", "info"
# SigV4 signatures, IAM tokens included, are refused when the clocks differ by more.
MAX_CLOCK_SKEW = 300
# botocore's credential providers, as a user would name where the keys came from.
CREDENTIAL_SOURCES = {
    "env": "the environment (AWS_ACCESS_KEY_ID)",
    "shared-credentials-file": "the shared credentials file (~/.aws/credentials)",
    "config-file": "the AWS config file (~/.aws/config)",
    "sso": "AWS IAM Identity Center (SSO)",
    "assume-role": "an assumed role of the AWS config file",
    "assume-role-with-web-identity": "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)",
    "container-role": "the container's role",
    "iam-role": "the instance's role (EC2 metadata)",
    "custom-process": "a credential_process of the AWS config file",
    "explicit": "explicit keys",
}
MCP_SERVER = "aurora-dsql-mcp-server"
# Where the guide's MCP clients keep their configuration (project first, then the user's).
MCP_CONFIGS = (
    ".mcp.json",
    ".amazonq/mcp.json",
    ".cursor/mcp.json",
    ".kiro/settings/mcp.json",
    ".roo/mcp.json",
    "mcp_settings.json",
    "cline_mcp_settings.json",
    "~/.aws/amazonq/mcp.json",
    "~/.cursor/mcp.json",
    "~/.kiro/settings/mcp.json",
    "~/.claude.json",
)


@dataclass(frozen=True)
class Check:
    name: str
    state: str
    detail: str
    fix: str = ""

    def __post_init__(self) -> None:
        # One line each: an error's later lines (a response body, say) are not for the user.
        lines = self.detail.strip().splitlines()
        object.__setattr__(self, "detail", lines[0] if lines else "")

    def as_json(self) -> dict[str, str]:
        return {"check": self.name, "state": self.state, "detail": self.detail, "fix": self.fix}


@dataclass
class Options:
    endpoint: str | None = None
    cluster: str | None = None
    region: str | None = None
    user: str = ADMIN
    profile: str | None = None
    sslmode: str | None = None
    sslrootcert: str | None = None
    dsn: str | None = None
    connect_to: str | None = None


@dataclass
class _Found:
    """What the earlier checks learnt, for the later ones."""

    session: Any = None
    credentials: bool = False
    identity: str | None = None
    region: str | None = None
    host: str | None = None
    cluster: clusters.Cluster | None = None
    connectable: bool = True
    conn: Any = None


class Doctor:
    def __init__(self, options: Options, environ: Mapping[str, str], cwd: Path) -> None:
        self.options = options
        self.environ = environ
        self.dotenv = read_dotenv(cwd / ".env")
        self.cwd = cwd
        self.found = _Found()
        # AWS_PROFILE may be in .env only, which boto3 does not read.
        self.profile = options.profile or self.setting("AWS_PROFILE")[0]

    def setting(self, name: str) -> tuple[str | None, str]:
        """A variable of the environment over `.env`, and which of the two gave it."""
        if self.environ.get(name):
            return self.environ[name], "the environment"
        if self.dotenv.get(name):
            return self.dotenv[name], ".env"
        return None, ""

    def run(self) -> Iterator[Check]:
        try:
            if self.options.dsn:
                yield from self._postgres()
            else:
                yield from self._dsql()
        finally:
            if self.found.conn is not None:
                self.found.conn.close()
        yield from self._tools()

    # --- Aurora DSQL -------------------------------------------------------------------

    def _dsql(self) -> Iterator[Check]:
        yield self._credentials()
        yield from self._identity()
        yield self._permissions()
        # The endpoint is read first (a cluster's region comes with it), and shown second.
        endpoint = self._endpoint()
        yield self._region_check()
        yield endpoint
        yield from self._network()
        yield self._token()
        yield from self._connection()

    def _credentials(self) -> Check:
        import boto3
        from botocore.exceptions import BotoCoreError

        profile = self.profile
        try:
            session = boto3.Session(profile_name=profile)
            credentials = session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials else None
        except BotoCoreError as err:
            return _credentials_problem(err, profile)
        self.found.session = session
        self.found.region = self._region(session)
        if frozen is None or not frozen.access_key:
            return Check("credentials", PROBLEM, "no AWS credentials found", _LOGIN_FIX)
        self.found.credentials = True
        source = CREDENTIAL_SOURCES.get(credentials.method, credentials.method)
        named = f" (profile {profile})" if profile else ""
        key = frozen.access_key
        return Check("credentials", OK, f"from {source}{named}, key {key[:4]}...{key[-4:]}")

    def _region(self, session: Any) -> str | None:
        if self.options.region:
            return self.options.region
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            value, _ = self.setting(name)
            if value:
                return value
        return session.region_name

    def _identity(self) -> Iterator[Check]:
        if not self.found.credentials:
            yield Check("identity", SKIPPED, "needs credentials")
            yield Check("clock", SKIPPED, "needs an answer from AWS")
            return
        from botocore.exceptions import BotoCoreError, ClientError

        sts = self.found.session.client("sts", region_name=self.found.region or "us-east-1")
        asked = time.time()
        try:
            answer = sts.get_caller_identity()
        except ClientError as err:
            self.found.credentials = False
            code = err.response.get("Error", {}).get("Code", "")
            message = err.response.get("Error", {}).get("Message", str(err))
            yield Check("identity", PROBLEM, f"{code}: {message}", _identity_fix(code))
            yield self._clock(err.response, asked)
            return
        except BotoCoreError as err:
            yield Check("identity", PROBLEM, str(err), "check the network and AWS_ENDPOINT_URL")
            yield Check("clock", SKIPPED, "needs an answer from AWS")
            return
        self.found.identity = answer.get("Arn")
        yield Check("identity", OK, f"{answer.get('Arn')} (account {answer.get('Account')})")
        yield self._clock(answer, asked)

    def _clock(self, answer: Mapping[str, Any], asked: float) -> Check:
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        try:
            theirs = parsedate_to_datetime(headers["date"]).timestamp()
        except (KeyError, TypeError, ValueError):
            return Check("clock", UNKNOWN, "AWS's answer carried no Date header")
        skew = (asked + time.time()) / 2 - theirs
        if abs(skew) > MAX_CLOCK_SKEW:
            ahead = "ahead of" if skew > 0 else "behind"
            return Check(
                "clock",
                PROBLEM,
                f"the local clock is {abs(skew):.0f} s {ahead} AWS's: signed tokens are refused",
                "synchronise the clock (e.g. enable NTP: `timedatectl set-ntp true`)",
            )
        return Check("clock", OK, f"within {max(abs(skew), 1):.0f} s of AWS's")

    def _permissions(self) -> Check:
        if self.found.identity is None:
            return Check("permissions", SKIPPED, "needs the caller identity")
        from botocore.exceptions import BotoCoreError, ClientError

        connect = "dsql:DbConnectAdmin" if self.options.user == ADMIN else "dsql:DbConnect"
        actions = ["dsql:ListClusters", "dsql:GetCluster", "dsql:CreateCluster", connect]
        from botocore.config import Config
        from botocore.parsers import ResponseParserError

        # One attempt: an IAM that cannot simulate says so at once, and that is no failure.
        iam = self.found.session.client(
            "iam",
            region_name=self.found.region or "us-east-1",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        try:
            answer = iam.simulate_principal_policy(
                PolicySourceArn=_principal(self.found.identity), ActionNames=actions
            )
        except (ClientError, BotoCoreError, ResponseParserError) as err:
            why = type(err).__name__
            if isinstance(err, ClientError):
                why = err.response.get("Error", {}).get("Code") or why
            return Check(
                "permissions",
                UNKNOWN,
                f"IAM cannot say ({why}); {', '.join(actions)} are tried as needed",
            )
        decisions = {r["EvalActionName"]: r["EvalDecision"] for r in answer["EvaluationResults"]}
        said = ", ".join(f"{a.split(':')[1]} {decisions.get(a, '?')}" for a in actions)
        if decisions.get(connect) != "allowed":
            return Check(
                "permissions",
                PROBLEM,
                said,
                f"grant {connect} on the cluster to {self.found.identity}",
            )
        return Check("permissions", OK, said)

    def _endpoint(self) -> Check:
        fix_none = (
            "find a cluster with `dsql-lint cluster list`, or create one with "
            "`dsql-lint cluster create --wait --write-env`; or give --endpoint/--cluster"
        )
        if self.options.cluster:
            return self._cluster_endpoint(self.options.cluster)
        if self.options.endpoint:
            host, source = self.options.endpoint, "--endpoint"
        else:
            host, source = self.setting("DSQL_ENDPOINT")
            source = f"DSQL_ENDPOINT in {source}"
        if not host:
            self.found.connectable = False
            return Check("endpoint", PROBLEM, "no endpoint", fix_none)
        host = host.strip().rstrip("/").removeprefix("postgresql://").removeprefix("https://")
        self.found.host = host
        status = self._status_of(host)
        if not is_dsql_host(host):
            # A custom DNS name may stand for a cluster; a PostgreSQL host here is a slip.
            status = (
                "; not an Aurora DSQL endpoint name (<id>.dsql.<region>.on.aws): checked as "
                "one all the same (for plain PostgreSQL, give --dsn)"
            )
        return Check("endpoint", self._endpoint_state(), f"{host} (from {source}){status}")

    def _cluster_endpoint(self, identifier: str) -> Check:
        name, arn_region = clusters.parse_identifier(identifier)
        region = arn_region or self.found.region
        if not self.found.credentials or not region:
            self.found.connectable = False
            needs = "credentials" if not self.found.credentials else "a region"
            return Check("endpoint", SKIPPED, f"--cluster {name} needs {needs} to be read")
        try:
            found = clusters.get(clusters.client(region, self.profile), name, region)
        except (ApplyError, UserError) as err:
            self.found.connectable = False
            return Check("endpoint", PROBLEM, str(err), "check the identifier and --region")
        self.found.host, self.found.region = found.endpoint, found.region
        return self._cluster_check(found, f"{found.endpoint} (cluster {name})")

    def _status_of(self, host: str) -> str:
        """A DSQL endpoint's cluster status, when GetCluster answers for its identifier."""
        region = self.found.region or region_of_host(host)
        if not self.found.credentials or not is_dsql_host(host) or not region:
            return ""
        try:
            dsql = clusters.client(region, self.profile)
            found = clusters.get(dsql, host.split(".")[0], region)
        except (ApplyError, UserError):
            return "; cluster status unknown (GetCluster did not answer)"
        self.found.cluster = found
        return f"; {found.status}: {found.meaning}"

    def _endpoint_state(self) -> str:
        found = self.found.cluster
        if found is not None and found.status not in clusters.CONNECTABLE:
            self.found.connectable = False
            return PROBLEM
        return OK

    def _cluster_check(self, found: clusters.Cluster, detail: str) -> Check:
        line = f"{detail}; {found.status}: {found.meaning}"
        if found.status not in clusters.CONNECTABLE:
            self.found.connectable = False
            return Check("endpoint", PROBLEM, line, found.meaning)
        return Check("endpoint", OK, line)

    def _region_check(self) -> Check:
        region, host = self.found.region, self.found.host
        if not region and host:
            region = self.found.region = region_of_host(host)
        if not region:
            return Check(
                "region", PROBLEM, "no AWS region", "set AWS_REGION (e.g. in .env) or --region"
            )
        endpoint_region = region_of_host(host) if host else None
        if endpoint_region and endpoint_region != region:
            self.found.connectable = False
            return Check(
                "region",
                PROBLEM,
                f"{region}, but the endpoint {host} is in {endpoint_region}",
                f"set AWS_REGION={endpoint_region} (or --region {endpoint_region})",
            )
        return Check("region", OK, region)

    def _network(self) -> Iterator[Check]:
        host = self.found.host
        if not host:
            for name in ("dns", "tcp", "tls"):
                yield Check(name, SKIPPED, "needs an endpoint")
            return
        sslmode = self.options.sslmode or "verify-full"
        yield from self._probe(host, DSQL_PORT, sslmode, self.options.sslrootcert, tls=True)

    def _probe(
        self, host: str, port: int, sslmode: str, sslrootcert: str | None, tls: bool
    ) -> Iterator[Check]:
        hop = ConnectTo.parse(self.options.connect_to) if self.options.connect_to else None
        if hop is not None:
            address, port = hop.hostaddr, hop.port
            yield Check("dns", SKIPPED, f"--connect-to sends the connection to {address}")
        else:
            try:
                addresses = resolve(host, port)
            except ProbeError as err:
                yield self._down(
                    "dns", str(err), f"check the spelling of {self._named()} and your DNS"
                )
                yield from _skipped(("tcp", "tls") if tls else ("tcp",), "needs DNS")
                return
            address = addresses[0]
            yield Check("dns", OK, f"{host} is {', '.join(addresses)}")
        try:
            open_tcp(address, port).close()
        except ProbeError as err:
            yield self._down("tcp", str(err), self._tcp_fix(port))
            yield from _skipped(("tls",) if tls else (), "needs TCP")
            return
        yield Check("tcp", OK, f"{address}:{port} accepts connections")
        if not tls:
            return
        yield self._tls(address, port, host, sslmode, sslrootcert)

    def _tls(
        self, address: str, port: int, host: str, sslmode: str, sslrootcert: str | None
    ) -> Check:
        where = "the system trust store"
        if sslrootcert and sslrootcert != "system":
            where = sslrootcert
        try:
            info = tls_handshake(address, port, host, sslmode, sslrootcert)
        except ProbeError as err:
            fix = (
                f"the certificate must name the host you connect to: use {self._named()}"
                if "mismatch" in str(err)
                else "pass --sslrootcert FILE with the CA that signed the server's certificate"
            )
            return self._down("tls", f"{err} ({sslmode}, {where})", fix)
        if info is None:
            if self.options.dsn:
                return Check("tls", INFO, "the server offers no TLS (plain PostgreSQL)")
            return self._down("tls", "the server offers no TLS", "Aurora DSQL always offers TLS")
        return Check(
            "tls",
            OK,
            f"{info.version}, {sslmode} against {where}: {info.subject} issued by "
            f"{info.issuer}, valid until {info.expires}",
        )

    def _named(self) -> str:
        """The host's name as the user gave it, for the advice."""
        return "the host of --dsn" if self.options.dsn else "the cluster's endpoint"

    def _tcp_fix(self, port: int) -> str:
        if self.options.dsn:
            return (
                f"is PostgreSQL running and listening there (listen_addresses, port {port})? "
                "check the host and port of --dsn, a firewall or a tunnel"
            )
        return (
            f"port {port} must be open from here to the endpoint: check the network, a VPN or "
            "a proxy; an IDLE cluster wakes on the first connection"
        )

    def _down(self, name: str, detail: str, fix: str) -> Check:
        self.found.connectable = False
        return Check(name, PROBLEM, detail, fix)

    def _token(self) -> Check:
        host, region = self.found.host, self.found.region
        if not (self.found.credentials and host and region):
            return Check("token", SKIPPED, "needs credentials, an endpoint and a region")
        try:
            dsql = clusters.client(region, self.profile)
            token = generate_token(dsql, host, region, self.options.user)
        except UserError as err:
            self.found.credentials = False
            return Check("token", PROBLEM, str(err), _LOGIN_FIX)
        action = "DbConnectAdmin" if self.options.user == ADMIN else "DbConnect"
        if f"%2F{region}%2Fdsql%2F" not in token or f"Action={action}" not in token:
            return Check("token", PROBLEM, "the token names another region or action", "")
        return Check(
            "token",
            OK,
            f"signed for role {self.options.user} ({action}) in {region}, valid {TOKEN_LIFETIME} s",
        )

    def _connection(self) -> Iterator[Check]:
        names = ("connection", "sys.jobs", "ledger")
        if not (self.found.connectable and self.found.credentials and self.found.host):
            for name in names:
                yield Check(name, SKIPPED, "needs the steps above")
            return
        try:
            target = resolve_target(
                endpoint=self.found.host,
                region=self.found.region,
                user=self.options.user,
                profile=self.profile,
                sslmode=self.options.sslmode,
                sslrootcert=self.options.sslrootcert,
                dsn=None,
                connect_to=self.options.connect_to,
                env={},
            )
        except UserError as err:
            yield Check("connection", PROBLEM, str(err), "")
            return
        yield from self._session(target, self._signer(target))

    def _signer(self, target: Target) -> Callable[[], str]:
        from dsql_lint.apply.iam_token import TokenSource

        assert target.host and target.region
        return TokenSource(target.host, target.region, target.user, target.profile)

    # --- plain PostgreSQL (--dsn) ------------------------------------------------------------

    def _postgres(self) -> Iterator[Check]:
        for name in ("credentials", "identity", "clock", "permissions", "region", "endpoint"):
            yield Check(name, SKIPPED, "not needed for --dsn (plain PostgreSQL)")
        try:
            target = resolve_target(
                endpoint=None,
                region=None,
                user=self.options.user,
                profile=None,
                sslmode=self.options.sslmode,
                sslrootcert=self.options.sslrootcert,
                dsn=self.options.dsn,
                connect_to=self.options.connect_to,
                env={},
            )
        except UserError as err:
            yield Check("dsn", PROBLEM, str(err), "give a PostgreSQL connection string")
            return
        assert target is not None and target.dsn is not None
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(target.dsn)
        host = str(params.get("host") or "localhost")
        port = int(str(params.get("port") or 5432).split(",")[0])
        sslmode = str(params.get("sslmode") or "prefer")
        if host.startswith("/"):
            for name in ("dns", "tcp", "tls"):
                yield Check(name, SKIPPED, f"a Unix socket ({host})")
        else:
            tls = sslmode != "disable"
            root = str(params.get("sslrootcert") or "") or None
            yield from self._probe(host, port, sslmode, root, tls=tls)
        yield Check("token", SKIPPED, "not needed for --dsn (plain PostgreSQL)")
        if not self.found.connectable:
            for name in ("connection", "sys.jobs", "ledger"):
                yield Check(name, SKIPPED, "needs the steps above")
            return
        yield from self._session(target, None)

    # --- the connection, on either target -----------------------------------------------------

    def _session(self, target: Target, token: Callable[[], str] | None) -> Iterator[Check]:
        from dsql_lint.apply import ledger
        from dsql_lint.apply.connect import connect

        try:
            conn = self.found.conn = connect(target, token)
            database, user, version = conn.execute(
                "SELECT current_database(), current_user, version()"
            ).fetchone()
        except ApplyError as err:
            yield Check("connection", PROBLEM, str(err), _connect_fix(str(err), target))
            for name in ("sys.jobs", "ledger"):
                yield Check(name, SKIPPED, "needs a connection")
            return
        yield Check("connection", OK, f"database {database} as {user}: {server_version(version)}")
        yield self._jobs(conn, target)
        if not ledger.exists(conn):
            yield Check("ledger", OK, "no ledger yet: the first apply creates schema dsql_lint")
            return
        rows = conn.execute(
            f"SELECT status, count(*) FROM {ledger.SCHEMA}.statements GROUP BY 1 ORDER BY 1"
        ).fetchall()
        counts = ", ".join(f"{count} {status}" for status, count in rows) or "no statements"
        failed = dict(rows).get(ledger.FAILED, 0)
        if failed:
            fix = "see `dsql-lint status PATHS`; after fixing the files, `dsql-lint repair PATHS`"
            yield Check("ledger", PROBLEM, f"schema {ledger.SCHEMA}: {counts}", fix)
            return
        yield Check("ledger", OK, f"schema {ledger.SCHEMA}: {counts}")

    def _jobs(self, conn: Any, target: Target) -> Check:
        import psycopg

        try:
            (count,) = conn.execute("SELECT count(*) FROM sys.jobs").fetchone()
        except psycopg.Error as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            if not target.is_dsql:
                return Check("sys.jobs", INFO, "absent: plain PostgreSQL has no async jobs")
            return Check(
                "sys.jobs",
                PROBLEM,
                f"not readable: {first}",
                "apply waits for index builds in sys.jobs: grant the role read access",
            )
        return Check("sys.jobs", OK, f"readable ({count} recent jobs)")

    # --- local tools ------------------------------------------------------------------------

    def _tools(self) -> Iterator[Check]:
        for tool, why in (("psql", "the guide's SQL shell"), ("uv", "runs the MCP server")):
            path = shutil.which(tool)
            yield Check(tool, INFO, f"{path} ({why})" if path else f"not found ({why})")
        configs = [path for path in self._mcp_configs() if MCP_SERVER in _read(path)]
        if configs:
            yield Check(
                "mcp", INFO, f"{MCP_SERVER} is configured in {', '.join(map(str, configs))}"
            )
        else:
            yield Check("mcp", INFO, f"no MCP client configuration names {MCP_SERVER}")

    def _mcp_configs(self) -> list[Path]:
        home = Path(self.environ.get("HOME") or Path.home())
        paths = []
        for name in MCP_CONFIGS:
            path = home / name[2:] if name.startswith("~/") else self.cwd / name
            if path.is_file():
                paths.append(path)
        # Where `init --mcp` writes (Cline and Roo keep theirs in VS Code's globalStorage).
        from dsql_lint.init.mcp import CLIENTS, config_place

        for client in CLIENTS:
            path = config_place(client, self.cwd).path
            if path.is_file() and path not in paths:
                paths.append(path)
        return paths


_LOGIN_FIX = (
    "set AWS_PROFILE (then `aws sso login` for SSO) or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, or run `aws configure`"
)


def _credentials_problem(err: Exception, profile: str | None) -> Check:
    """botocore's words, and for an SSO profile what they mean: its login is missing or over."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        session = botocore.session.Session(profile=profile)
        config = session.get_scoped_config()
    except BotoCoreError:
        return Check("credentials", PROBLEM, str(err), _LOGIN_FIX)
    if not {"sso_session", "sso_start_url"} & config.keys():
        return Check("credentials", PROBLEM, str(err), _LOGIN_FIX)
    name = session.profile or "default"
    return Check(
        "credentials",
        PROBLEM,
        f"profile {name} signs in with IAM Identity Center (SSO), and has no valid login: {err}",
        f"`aws sso login --profile {name}`, then run doctor again",
    )


def _skipped(names: tuple[str, ...], why: str) -> Iterator[Check]:
    for name in names:
        yield Check(name, SKIPPED, why)


def _identity_fix(code: str) -> str:
    if "Expired" in code:
        return "the credentials have expired: `aws sso login` (SSO) or refresh the session keys"
    if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
        return "AWS does not know these keys: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    return _LOGIN_FIX


def _connect_fix(message: str, target: Target) -> str:
    lowered = message.lower()
    if not target.is_dsql:
        return _postgres_connect_fix(lowered)
    if "expired" in lowered:
        return "the token expired before use: check the local clock and connect at once"
    if "password authentication failed" in lowered or "access denied" in lowered:
        action = "DbConnectAdmin" if target.user == ADMIN else "DbConnect"
        return f"the identity needs dsql:{action} on the cluster, for role {target.user}"
    if "does not exist" in lowered:
        return f"create the role {target.user} or connect as admin (--user)"
    return "see the lines above; `dsql-lint doctor --format json` for details"


def _postgres_connect_fix(lowered: str) -> str:
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return "check the user and password of --dsn (or PGPASSWORD, ~/.pgpass)"
    if "database" in lowered and "does not exist" in lowered:
        return "create the database, or name another one in --dsn (dbname)"
    if "role" in lowered and "does not exist" in lowered:
        return "create the role, or name another user in --dsn"
    if "pg_hba.conf" in lowered:
        return "the server's pg_hba.conf refuses this user, database or address"
    return "see the lines above; `dsql-lint doctor --format json` for details"


def _principal(arn: str) -> str:
    """An assumed-role session's ARN as the role's own, which IAM can simulate."""
    if ":assumed-role/" in arn:
        prefix, rest = arn.split(":assumed-role/", 1)
        return prefix.replace(":sts:", ":iam:") + ":role/" + rest.split("/")[0]
    return arn


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def server_version(text: str) -> str:
    """`version()`'s product and release ("PostgreSQL 18.4"): its platform and compiler
    would fill the line, and a cut by width can stop mid-word."""
    named = re.match(r"\S+ \d[\w.]*", text)
    return named.group(0) if named else text.split(",")[0]
