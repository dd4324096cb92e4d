"""The DSQL connection path: endpoint and region resolution, IAM tokens, TLS."""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import (
    FAKE_ENDPOINT,
    FIXTURES,
    Database,
    Tls,
    dsql_args,
    ledger_rows,
    run_cli,
)
from pg_proxy import Proxy

from dsql_lint.apply import iam_token as token_module
from dsql_lint.apply.iam_token import TokenSource
from dsql_lint.apply.target import region_of_host, resolve_target
from dsql_lint.errors import UserError
from dsql_lint.settings.environment import environment, read_dotenv

SIMPLE = "CREATE TABLE t (id bigint PRIMARY KEY);\nINSERT INTO t VALUES (1);\n"


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws", "us-east-1"),
        ("abcdefghijklmnopqrstuvwxyz.dsql-gamma.eu-west-2.on.aws", "eu-west-2"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ.DSQL.AP-SOUTHEAST-2.ON.AWS.", "ap-southeast-2"),
        ("db.example.com", None),
        ("x.dsql.us-east-1.on.aws.evil.com", None),
    ],
)
def test_region_is_read_from_the_host_name(host: str, region: str | None) -> None:
    assert region_of_host(host) == region


def resolve(env: dict[str, str], **options: str | None) -> object:
    defaults = dict(
        endpoint=None,
        region=None,
        user="admin",
        profile=None,
        sslmode=None,
        sslrootcert=None,
        dsn=None,
        connect_to=None,
    )
    return resolve_target(**{**defaults, **options}, env=env)  # type: ignore[arg-type]


def test_endpoint_and_region_come_from_options_then_env_then_host(tmp_path: Path) -> None:
    host = "abcdefghijklmnopqrstuvwxyz.dsql.eu-central-1.on.aws"
    target = resolve({"DSQL_ENDPOINT": host})
    assert (target.host, target.region, target.sslmode, target.sslrootcert) == (
        host,
        "eu-central-1",
        "verify-full",
        "system",
    )
    assert resolve({"DSQL_ENDPOINT": host, "AWS_REGION": "us-west-2"}).region == "us-west-2"
    assert resolve({}, endpoint=host, region="ap-east-1").region == "ap-east-1"
    assert resolve({}) is None
    with pytest.raises(UserError, match="region"):
        resolve({}, endpoint="db.example.com")


def test_dotenv_in_the_current_directory_is_read_and_the_environment_wins(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(
        "# comment\nexport DSQL_ENDPOINT='abc.dsql.us-east-2.on.aws'\n"
        "AWS_REGION=us-east-2  # inline comment\nnot a line\n"
    )
    assert read_dotenv(tmp_path / ".env") == {
        "DSQL_ENDPOINT": "abc.dsql.us-east-2.on.aws",
        "AWS_REGION": "us-east-2",
    }
    merged = environment({"AWS_REGION": "us-west-1"}, cwd=tmp_path)
    assert merged["DSQL_ENDPOINT"] == "abc.dsql.us-east-2.on.aws"
    assert merged["AWS_REGION"] == "us-west-1"


def test_dry_run_uses_the_endpoint_from_dotenv(aws_env: None, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DSQL_ENDPOINT={FAKE_ENDPOINT}\n")
    (tmp_path / "V1__a.sql").write_text(SIMPLE)
    # Port 9 on 127.0.0.1 has no server: the dry run tries to read the ledger there.
    result = run_cli("apply", "V1__a.sql", "--dry-run", "--connect-to", "127.0.0.1:9")
    assert result.code == 1
    assert f"cannot connect to {FAKE_ENDPOINT}" in result.err


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer"])
def test_plaintext_modes_are_refused_for_dsql(aws_env: None, tmp_path: Path, mode: str) -> None:
    (tmp_path / "V1__a.sql").write_text(SIMPLE)
    result = run_cli("apply", "V1__a.sql", "--endpoint", FAKE_ENDPOINT, "--sslmode", mode)
    assert result.code == 2
    assert f"--sslmode {mode}" in result.err and "requires TLS" in result.err


def test_a_dsn_naming_a_dsql_host_is_refused(aws_env: None, tmp_path: Path) -> None:
    (tmp_path / "V1__a.sql").write_text(SIMPLE)
    result = run_cli("apply", "V1__a.sql", "--dsn", f"host={FAKE_ENDPOINT} sslmode=disable")
    assert result.code == 2
    assert "use --endpoint" in result.err


def token_query(token: str) -> tuple[str, dict[str, str]]:
    url = urllib.parse.urlsplit("https://" + token)
    query = dict(urllib.parse.parse_qsl(url.query))
    return url.hostname or "", query


@pytest.mark.parametrize(("user", "action"), [("admin", "DbConnectAdmin"), ("app", "DbConnect")])
def test_tokens_carry_action_host_region_and_expiry(aws_env: None, user: str, action: str) -> None:
    host = "abcdefghijklmnopqrstuvwxyz.dsql.eu-west-1.on.aws"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    token = TokenSource(host, "eu-west-1", user)()
    hostname, query = token_query(token)
    assert hostname == host
    assert query["Action"] == action
    assert query["X-Amz-Expires"] == "900"
    key, date, region, service, _ = query["X-Amz-Credential"].split("/")
    assert (key, region, service) == ("AKIAIOSFODNN7EXAMPLE", "eu-west-1", "dsql")
    signed = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=5) <= signed <= datetime.now(timezone.utc)
    assert query["X-Amz-Signature"]


def test_no_credentials_is_a_clear_user_error(aws_env: None, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(UserError, match="credentials"):
        TokenSource(FAKE_ENDPOINT, "us-east-1", "admin")()


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the run signs (the real signer runs)."""
    signed: list[str] = []
    real = token_module.generate_token

    def spy(*args: object, **kwargs: object) -> str:
        token = real(*args, **kwargs)  # type: ignore[arg-type]
        signed.append(token)
        return token

    monkeypatch.setattr(token_module, "generate_token", spy)
    return signed


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The keyword arguments of every psycopg.connect (to see the password sent)."""
    import psycopg

    seen: list[dict] = []
    real = psycopg.connect

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(dict(kwargs))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(psycopg, "connect", spy)
    return seen


def test_the_token_is_the_password_and_is_never_shown_or_stored(
    aws_env: None, db: Database, tls: Tls, tokens: list[str], connects: list[dict], tmp_path: Path
) -> None:
    (tmp_path / "V1__a.sql").write_text(SIMPLE)
    ca = ["--sslrootcert", str(tls.ca_file)]
    outputs: list[str] = []
    with Proxy(db.server.port, tls=tls.context) as proxy:
        target = dsql_args(proxy.port, db.name, *ca)
        for args in (
            ["apply", "V1__a.sql", "--dry-run", *target],
            ["apply", "V1__a.sql", *target],
            ["apply", "V1__a.sql", *target, "--format", "json"],
            ["status", "V1__a.sql", *target],
            ["status", "V1__a.sql", *target, "--format", "json"],
        ):
            result = run_cli(*args)
            assert result.code == 0, result.output
            outputs.append(result.output)
    assert db.query("SELECT id FROM t") == [(1,)]
    # A fresh token for every connection, sent as the password of user admin over TLS.
    apply_connects = [kwargs for kwargs in connects if "password" in kwargs]
    assert len(tokens) == len(apply_connects) >= 5
    for kwargs, token in zip(apply_connects, tokens, strict=True):
        assert kwargs["password"] == token
        assert kwargs["user"] == "admin" and kwargs["host"] == FAKE_ENDPOINT
        assert kwargs["sslmode"] == "verify-full" and kwargs["dbname"] == db.name
    ledger = json.dumps(
        db.query("SELECT row_to_json(s)::text FROM dsql_lint.statements s")
        + db.query("SELECT row_to_json(f)::text FROM dsql_lint.files f")
    )
    for token in tokens:
        signature = token_query(token)[1]["X-Amz-Signature"]
        for text in [*outputs, ledger]:
            assert token not in text and signature not in text
    assert ledger_rows(db)


def test_verify_full_refuses_an_untrusted_certificate_and_sslrootcert_accepts_it(
    aws_env: None, db: Database, tls: Tls, tmp_path: Path
) -> None:
    (tmp_path / "V1__a.sql").write_text(SIMPLE)
    with Proxy(db.server.port, tls=tls.context) as proxy:
        refused = run_cli("apply", "V1__a.sql", *dsql_args(proxy.port, db.name))
        assert refused.code == 1
        assert "certificate verify failed" in refused.err and "--sslrootcert" in refused.err
        assert db.query("SELECT to_regclass('dsql_lint.statements')") == [(None,)]
        accepted = run_cli(
            "apply", "V1__a.sql", *dsql_args(proxy.port, db.name, "--sslrootcert", str(tls.ca_file))
        )
        assert accepted.code == 0, accepted.output
    assert db.query("SELECT id FROM t") == [(1,)]


def test_tls_is_used_even_when_the_server_would_accept_plaintext(
    aws_env: None, db: Database, tmp_path: Path
) -> None:
    """The local server speaks plaintext only: a DSQL target must refuse to connect to it."""
    (tmp_path / "V1__a.sql").write_text(SIMPLE)
    result = run_cli(
        "apply", "V1__a.sql", *dsql_args(db.server.port, db.name, "--sslmode", "require")
    )
    assert result.code == 1
    assert "SSL" in result.err or "ssl" in result.err


def test_fixture_folder_exists() -> None:
    assert (FIXTURES / "basic" / "V1__schema.sql").exists()
