"""`dsql-lint doctor` end to end: moto's server for AWS, the test PostgreSQL behind the TLS
proxy for the cluster; every failure mode is one line, exit 1, no traceback."""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aws_mock import IamStub, Moto, Run, SsoPortalStub, StsStub, aws_environment, cli
from conftest import FAKE_ENDPOINT, Database, Tls
from iam_check import token_problem
from pg_proxy import Proxy

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JOBS = "CREATE SCHEMA sys; CREATE TABLE sys.jobs (job_id text PRIMARY KEY, status text)"


def lines(result: Run) -> dict[str, tuple[str, str]]:
    """check name -> (state, detail) from the text output."""
    found = {}
    for line in result.out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("ok", "PROBLEM", "unknown", "skipped", "info"):
            found[parts[1]] = (parts[0], parts[2])
    return found


def assert_clean_failure(result: Run, check: str, words: str) -> None:
    assert result.code == 1, result.output
    assert "Traceback" not in result.output and result.err == ""
    state, detail = lines(result)[check]
    assert state == "PROBLEM" and words in detail, result.out
    assert f"apply cannot run yet; first fix {check}" in result.out


def token_gate(host: str, ahead: float = 0.0) -> Callable[[str, str], str | None]:
    """The cluster's check of a login's IAM token, on a server clock `ahead` seconds ahead of
    this machine's."""

    def check(user: str, secret: str) -> str | None:
        now = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=ahead)
        return token_problem(
            secret, secret=SECRET, host=host, region="us-east-1", user=user, now=now
        )

    return check


def create_cluster(tmp_path: Path, env: dict[str, str]) -> str:
    made = cli(tmp_path, env, "cluster", "create", "--format", "json")
    assert made.code == 0, made.output
    return json.loads(made.out)["identifier"]


def test_a_ready_cluster_passes_every_check(
    moto: Moto, db: Database, cluster_tls: tuple[Path, ssl.SSLContext], tmp_path: Path
) -> None:
    ca_file, context = cluster_tls
    env = aws_environment(moto, tmp_path)
    identifier = create_cluster(tmp_path, env)
    db.execute(JOBS)
    (tmp_path / "V1__a.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n")
    (tmp_path / ".mcp.json").write_text(
        '{"mcpServers": {"dsql": {"command": "uvx", '
        '"args": ["awslabs.aurora-dsql-mcp-server@latest"]}}}'
    )
    gate = token_gate(f"{identifier}.us-east-1.on.aws")
    with Proxy(db.server.port, tls=context, password=gate) as proxy:
        target = [
            "--cluster",
            identifier,
            "--sslrootcert",
            str(ca_file),
            "--connect-to",
            f"127.0.0.1:{proxy.port}/{db.name}",
        ]
        assert cli(tmp_path, env, "apply", "V1__a.sql", *target).code == 0
        result = cli(tmp_path, env, "doctor", *target)
        as_json = cli(tmp_path, env, "doctor", *target, "--format", "json")
    assert result.code == 0, result.output
    # apply's and each doctor's login, every one with a token the cluster would take.
    assert len(proxy.logins) == 3 and all(login.refused is None for login in proxy.logins)
    found = lines(result)
    assert found["credentials"] == (
        "ok",
        "from the environment (AWS_ACCESS_KEY_ID), key AKIA...MPLE",
    )
    assert found["identity"][0] == "ok" and "123456789012" in found["identity"][1]
    assert found["clock"][0] == "ok"
    # moto has no simulate-principal-policy: IAM cannot say, which is not a failure.
    assert found["permissions"][0] == "unknown"
    assert found["region"] == ("ok", "us-east-1")
    assert found["endpoint"] == (
        "ok",
        f"{identifier}.us-east-1.on.aws (cluster {identifier}); "
        "ACTIVE: ready: connections are accepted",
    )
    assert found["dns"][0] == "skipped"  # --connect-to: the socket goes to 127.0.0.1
    assert found["tcp"][0] == "ok"
    assert found["tls"][0] == "ok" and f"verify-full against {ca_file}" in found["tls"][1]
    assert found["token"] == (
        "ok",
        "signed for role admin (DbConnectAdmin) in us-east-1, valid 900 s",
    )
    assert (
        found["connection"][0] == "ok" and f"database {db.name} as admin" in found["connection"][1]
    )
    assert found["sys.jobs"] == ("ok", "readable (0 recent jobs)")
    assert found["ledger"] == ("ok", "schema dsql_lint: 1 applied")
    assert found["mcp"][0] == "info" and ".mcp.json" in found["mcp"][1]
    assert result.out.endswith("doctor: ready: `dsql-lint apply PATHS` can reach the target\n")
    assert SECRET not in result.output
    report = json.loads(as_json.out)
    assert as_json.code == 0 and report["ready"] is True and report["problems"] == 0
    assert [c["check"] for c in report["checks"]][:3] == ["credentials", "identity", "clock"]


def test_no_credentials(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
    result = cli(tmp_path, env, "doctor", "--endpoint", FAKE_ENDPOINT)
    assert_clean_failure(result, "credentials", "no AWS credentials found")
    assert "fix: set AWS_PROFILE" in result.out
    assert lines(result)["token"][0] == "skipped"


def test_no_endpoint_says_how_to_get_one(moto: Moto, tmp_path: Path) -> None:
    result = cli(tmp_path, aws_environment(moto, tmp_path), "doctor")
    assert_clean_failure(result, "endpoint", "no endpoint")
    assert "dsql-lint cluster create --wait --write-env" in result.out


def test_wrong_region(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path, AWS_REGION="eu-west-1")
    result = cli(
        tmp_path, env, "doctor", "--endpoint", FAKE_ENDPOINT, "--connect-to", "127.0.0.1:1"
    )
    assert_clean_failure(result, "region", "eu-west-1, but the endpoint")
    assert "fix: set AWS_REGION=us-east-1" in result.out


def test_a_cluster_still_creating_is_a_problem(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path)
    moto.slow_clusters(1000)
    identifier = create_cluster(tmp_path, env)
    result = cli(tmp_path, env, "doctor", "--cluster", identifier)
    assert_clean_failure(result, "endpoint", "CREATING: still being created")
    assert lines(result)["connection"][0] == "skipped"


def test_closed_port(moto: Moto, tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    env = aws_environment(moto, tmp_path)
    result = cli(
        tmp_path, env, "doctor", "--endpoint", FAKE_ENDPOINT, "--connect-to", f"127.0.0.1:{port}"
    )
    assert_clean_failure(result, "tcp", f"127.0.0.1:{port}: Connection refused")
    assert lines(result)["tls"] == ("skipped", "needs TCP")


@pytest.mark.parametrize(
    ("host", "with_ca", "words"),
    [
        (
            "zyxwvutsrqponmlkjihgfedcba.dsql.us-east-1.on.aws",
            True,
            "certificate refused: Hostname mismatch",
        ),
        (FAKE_ENDPOINT, False, "certificate refused: unable to get local issuer certificate"),
    ],
)
def test_tls_name_mismatch_and_untrusted_ca(
    moto: Moto, db: Database, tls: Tls, tmp_path: Path, host: str, with_ca: bool, words: str
) -> None:
    env = aws_environment(moto, tmp_path)
    ca = ["--sslrootcert", str(tls.ca_file)] if with_ca else []
    with Proxy(db.server.port, tls=tls.context) as proxy:
        hop = f"127.0.0.1:{proxy.port}/{db.name}"
        result = cli(tmp_path, env, "doctor", "--endpoint", host, "--connect-to", hop, *ca)
    assert_clean_failure(result, "tls", words)
    assert lines(result)["connection"][0] == "skipped"


def test_a_token_expired_on_arrival(moto: Moto, db: Database, tls: Tls, tmp_path: Path) -> None:
    """The cluster's clock 16 minutes ahead (this machine's is behind): the token is refused
    as expired, and the fix points at the clock."""
    env = aws_environment(moto, tmp_path)
    gate = token_gate(FAKE_ENDPOINT, ahead=16 * 60)
    with Proxy(db.server.port, tls=tls.context, password=gate) as proxy:
        hop = f"127.0.0.1:{proxy.port}/{db.name}"
        result = cli(
            tmp_path,
            env,
            *("doctor", "--endpoint", FAKE_ENDPOINT, "--connect-to", hop),
            *("--sslrootcert", str(tls.ca_file)),
        )
    assert_clean_failure(result, "connection", "the IAM token expired at")
    assert "fix: the token expired before use: check the local clock" in result.out
    assert [login.refused is not None for login in proxy.logins] == [True]
    assert proxy.logins[0].password not in result.output


@pytest.mark.parametrize(
    ("stub", "check", "pattern"),
    [
        ({"expired": True}, "identity", r"ExpiredToken: The security token included"),
        # The Date header counts whole seconds.
        ({"skew": 3600}, "clock", r"the local clock is 3(599|600|601) s behind AWS's"),
        ({"skew": -900}, "clock", r"the local clock is (899|900|901) s ahead of AWS's"),
    ],
)
def test_expired_credentials_and_a_wrong_clock(
    moto: Moto, tmp_path: Path, stub: dict, check: str, pattern: str
) -> None:
    with StsStub(**stub) as sts:
        env = aws_environment(moto, tmp_path, AWS_ENDPOINT_URL_STS=sts.url)
        result = cli(tmp_path, env, "doctor", "--endpoint", FAKE_ENDPOINT)
    assert result.code == 1 and "Traceback" not in result.output and result.err == ""
    state, detail = lines(result)[check]
    assert state == "PROBLEM" and re.match(pattern, detail), result.out


ALLOWED = {
    "dsql:ListClusters": "allowed",
    "dsql:GetCluster": "allowed",
    "dsql:CreateCluster": "explicitDeny",
    "dsql:DbConnectAdmin": "allowed",
}


@pytest.mark.parametrize(
    ("user", "decisions", "state", "detail"),
    [
        (
            "admin",
            ALLOWED,
            "ok",
            "ListClusters allowed, GetCluster allowed, CreateCluster explicitDeny, "
            "DbConnectAdmin allowed",
        ),
        (
            "app",
            ALLOWED,
            "PROBLEM",
            "ListClusters allowed, GetCluster allowed, CreateCluster explicitDeny, "
            "DbConnect implicitDeny",
        ),
    ],
)
def test_permissions_as_iam_simulates_them(
    moto: Moto, tmp_path: Path, user: str, decisions: dict, state: str, detail: str
) -> None:
    """Only the connect action `apply` needs is required; the others are told."""
    with IamStub(decisions) as iam:
        env = aws_environment(moto, tmp_path, AWS_ENDPOINT_URL_IAM=iam.url)
        result = cli(
            tmp_path,
            env,
            *("doctor", "--endpoint", FAKE_ENDPOINT, "--user", user),
            *("--connect-to", "127.0.0.1:1"),
        )
    assert "Traceback" not in result.output and result.err == ""
    identity = lines(result)["identity"][1].split()[0]
    [asked] = iam.requests
    assert asked["PolicySourceArn"] == identity
    connect = "dsql:DbConnectAdmin" if user == "admin" else "dsql:DbConnect"
    assert [asked[f"ActionNames.member.{n}"] for n in (1, 2, 3, 4)] == [
        *("dsql:ListClusters", "dsql:GetCluster", "dsql:CreateCluster", connect)
    ]
    assert lines(result)["permissions"] == (state, detail)
    if state == "PROBLEM":
        assert_clean_failure(result, "permissions", detail)
        assert f"fix: grant {connect} on the cluster to {identity}" in result.out


def test_dsn_checks_plain_postgresql(moto: Moto, db: Database, tmp_path: Path) -> None:
    result = cli(tmp_path, aws_environment(moto, tmp_path), "doctor", "--dsn", db.dsn)
    assert result.code == 0, result.output
    found = {line.split()[1]: line.split()[0] for line in result.out.splitlines()[:-1]}
    assert found["credentials"] == found["token"] == "skipped"
    assert found["tcp"] == found["connection"] == "ok"
    assert found["sys.jobs"] == "info" and found["ledger"] == "ok"
    # The user the server says, not DSQL's default role.
    # The server's release, whole, without the platform and compiler that would cut it mid-word.
    connection = lines(result)["connection"][1]
    assert re.fullmatch(rf"database {db.name} as postgres: PostgreSQL \d+(\.\d+)*", connection)


def dsql_words(text: str) -> list[str]:
    """DSQL's terms in what the output says is wrong and how to fix it."""
    said = [line for line in text.splitlines() if line.split()[0] in ("PROBLEM", "fix:")]
    return re.findall(r"IDLE|cluster|endpoint|\badmin\b|dsql:|token", "\n".join(said))


def test_dsn_advice_is_for_postgresql_not_dsql(moto: Moto, db: Database, tmp_path: Path) -> None:
    """A closed port, an unknown role and an unknown database: plain PostgreSQL advice."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    env = aws_environment(moto, tmp_path)
    closed = cli(tmp_path, env, "doctor", "--dsn", f"postgresql://postgres@127.0.0.1:{port}/x")
    assert_clean_failure(closed, "tcp", f"127.0.0.1:{port}: Connection refused")
    assert f"fix: is PostgreSQL running and listening there (listen_addresses, port {port})?" in (
        closed.out
    )
    role = cli(tmp_path, env, "doctor", "--dsn", db.dsn.replace("user=postgres", "user=nobody"))
    assert_clean_failure(role, "connection", 'role "nobody" does not exist')
    assert "fix: create the role, or name another user in --dsn" in role.out
    database = cli(tmp_path, env, "doctor", "--dsn", db.dsn.replace(db.name, "nowhere"))
    assert_clean_failure(database, "connection", 'database "nowhere" does not exist')
    assert "fix: create the database, or name another one in --dsn (dbname)" in database.out
    for result in (closed, role, database):
        assert dsql_words(result.out) == [], result.out


def test_an_endpoint_that_is_no_dsql_name_is_said_to_be_one(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path)
    result = cli(
        tmp_path, env, "doctor", "--endpoint", "db.example.com", "--connect-to", "127.0.0.1:1"
    )
    state, detail = lines(result)["endpoint"]
    assert state == "ok" and "not an Aurora DSQL endpoint name" in detail
    assert "for plain PostgreSQL, give --dsn" in detail


def test_credentials_of_a_profile_and_an_unknown_cluster(moto: Moto, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[dev]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = {SECRET}\n"
    )
    env = aws_environment(
        moto,
        tmp_path,
        AWS_ACCESS_KEY_ID="",
        AWS_SECRET_ACCESS_KEY="",
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
    )
    result = cli(tmp_path, env, "doctor", "--profile", "dev", "--cluster", "nope")
    assert lines(result)["credentials"] == (
        "ok",
        "from the shared credentials file (~/.aws/credentials) (profile dev), key AKIA...MPLE",
    )
    assert_clean_failure(result, "endpoint", "cannot read cluster nope: ResourceNotFoundException")
    assert SECRET not in result.output


SSO_CONFIG = """[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Developer
region = us-east-1
"""


def sso_project(tmp_path: Path, cache_key: str | None, expires: str) -> Path:
    """An AWS config with SSO profiles, and a login cached under `cache_key` (none if None)."""
    import hashlib

    home = tmp_path / "home"
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    if cache_key is not None:
        (cache / f"{hashlib.sha1(cache_key.encode()).hexdigest()}.json").write_text(
            json.dumps(
                {
                    "startUrl": "https://example.awsapps.com/start",
                    "region": "us-east-1",
                    "accessToken": "cached-login",
                    "expiresAt": expires,
                }
            )
        )
    (tmp_path / "config").write_text(SSO_CONFIG)
    return home


@pytest.mark.parametrize(
    ("profile", "cache_key", "words"),
    [
        ("dev", None, "Token for corp does not exist"),
        ("dev", "corp", "Token has expired and refresh failed"),
        ("legacy", None, "Token for https://example.awsapps.com/start does not exist"),
        ("legacy", "https://example.awsapps.com/start", "The SSO session associated"),
    ],
)
def test_an_sso_profile_without_a_valid_login(
    moto: Moto, tmp_path: Path, profile: str, cache_key: str | None, words: str
) -> None:
    """No login cached, or one that has expired (without a refresh token): nothing to ask AWS
    (AWS_ENDPOINT_URL points at a closed port), one line, and the command that logs in."""
    home = sso_project(tmp_path, cache_key, "2020-01-01T00:00:00Z")
    env = aws_environment(
        moto,
        tmp_path,
        AWS_ACCESS_KEY_ID="",
        AWS_SECRET_ACCESS_KEY="",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        HOME=str(home),
    )
    result = cli(tmp_path, env, "doctor", "--profile", profile, "--endpoint", FAKE_ENDPOINT)
    assert_clean_failure(
        result, "credentials", f"profile {profile} signs in with IAM Identity Center (SSO)"
    )
    assert words in lines(result)["credentials"][1]
    assert f"fix: `aws sso login --profile {profile}`, then run doctor again" in result.out
    assert lines(result)["identity"] == ("skipped", "needs credentials")


def test_an_sso_profile_with_a_valid_login(moto: Moto, tmp_path: Path) -> None:
    """The cached login buys the role's keys from the portal; doctor names SSO as the source."""
    home = sso_project(tmp_path, "corp", "2099-01-01T00:00:00Z")
    with SsoPortalStub() as portal:
        env = aws_environment(
            moto,
            tmp_path,
            AWS_ACCESS_KEY_ID="",
            AWS_SECRET_ACCESS_KEY="",
            AWS_CONFIG_FILE=str(tmp_path / "config"),
            AWS_ENDPOINT_URL_SSO=portal.url,
            HOME=str(home),
        )
        result = cli(tmp_path, env, "doctor", "--profile", "dev", "--endpoint", FAKE_ENDPOINT)
    assert "Traceback" not in result.output and result.err == ""
    key = SsoPortalStub.KEY
    assert lines(result)["credentials"] == (
        "ok",
        f"from AWS IAM Identity Center (SSO) (profile dev), key {key[:4]}...{key[-4:]}",
    )
    assert lines(result)["identity"][0] == "ok"
    assert portal.requests[0] == {
        "role_name": "Developer",
        "account_id": "123456789012",
        "_bearer": "cached-login",
    }
    assert "cached-login" not in result.output and "SSOSECRET" not in result.output


def test_a_ledger_with_failed_statements_is_a_problem(
    moto: Moto, db: Database, tmp_path: Path
) -> None:
    env = aws_environment(moto, tmp_path)
    (tmp_path / "V1__a.sql").write_text(
        "CREATE TABLE t (id bigint PRIMARY KEY);\nINSERT INTO missing VALUES (1);\n"
    )
    assert cli(tmp_path, env, "apply", "V1__a.sql", "--dsn", db.dsn).code == 1
    result = cli(tmp_path, env, "doctor", "--dsn", db.dsn)
    assert_clean_failure(result, "ledger", "schema dsql_lint: 1 applied, 1 failed")
    assert "fix: see `dsql-lint status PATHS`" in result.out
