"""`dsql-lint cluster` and `--cluster ID` against moto's server, the CLI run as a subprocess."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest
from aws_mock import Moto, aws_environment, cli
from conftest import Database
from pg_proxy import Proxy

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def create(cwd: Path, env: dict[str, str], *extra: str) -> dict:
    made = cli(cwd, env, "cluster", "create", "--format", "json", *extra)
    assert made.code == 0, made.output
    return json.loads(made.out)


def test_create_wait_and_write_env_keep_the_rest_of_dotenv(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path)
    dotenv = tmp_path / ".env"
    before = (
        "# my project\n"
        "export AWS_REGION=eu-west-1  # where we were\n"
        "DATABASE_URL=postgres://localhost/dev\n"
        "\n"
        "# keep me too\n"
        "AWS_PROFILE=dev"
    )
    dotenv.write_text(before)
    moto.slow_clusters(2)
    made = cli(
        tmp_path,
        env,
        "cluster",
        "create",
        "--tag",
        "team=data",
        "--wait",
        "--write-env",
        "--interval",
        "0.1",
    )
    assert made.code == 0, made.output
    identifier = made.out.split()[2]
    # One progress line per status, on stderr; then the cluster, then what .env got.
    assert [line.split(":")[1].split()[0] for line in made.err.splitlines()] == [
        "CREATING",
        "ACTIVE",
    ]
    assert "status:              ACTIVE (ready: connections are accepted)" in made.out
    assert "deletion protection: on" in made.out
    assert f"tags:                Name={tmp_path.name}, team=data" in made.out
    assert ".env: DSQL_ENDPOINT added, AWS_REGION updated" in made.out
    endpoint = f"{identifier}.us-east-1.on.aws"  # moto's endpoint lacks the `.dsql.` label
    assert dotenv.read_text() == (
        "# my project\n"
        "export AWS_REGION=us-east-1  # where we were\n"
        "DATABASE_URL=postgres://localhost/dev\n"
        "\n"
        "# keep me too\n"
        "AWS_PROFILE=dev\n"
        f"DSQL_ENDPOINT={endpoint}\n"
    )
    # The credentials of the environment are never written.
    assert SECRET not in dotenv.read_text() and "AKIA" not in dotenv.read_text()
    again = cli(tmp_path, env, "cluster", "show", identifier, "--write-env")
    assert again.code == 0 and ".env: DSQL_ENDPOINT unchanged, AWS_REGION unchanged" in again.out


def test_list_and_show_give_status_creation_time_endpoint(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path)
    empty = cli(tmp_path, env, "cluster", "list")
    assert empty.code == 0 and "no clusters in us-east-1" in empty.out
    first = create(tmp_path, env, "--name", "orders")
    second = create(tmp_path, env, "--no-deletion-protection", "--tag", "Name=billing")
    listed = cli(tmp_path, env, "cluster", "list")
    assert listed.code == 0, listed.output
    header, *rows = listed.out.splitlines()
    assert header.split() == ["IDENTIFIER", "STATUS", "CREATED", "ENDPOINT", "NAME"]
    assert sorted((row.split()[0], row.split()[-1]) for row in rows) == sorted(
        [(first["identifier"], "orders"), (second["identifier"], "billing")]
    )
    shown = cli(tmp_path, env, "cluster", "show", second["arn"], "--format", "json")
    assert shown.code == 0, shown.output
    found = json.loads(shown.out)
    assert (found["identifier"], found["region"], found["deletion_protection"]) == (
        second["identifier"],
        "us-east-1",
        False,
    )
    assert found["endpoint"] == f"{second['identifier']}.us-east-1.on.aws"
    assert found["created"].startswith("20")


def test_delete_asks_and_refuses_a_protected_cluster(moto: Moto, tmp_path: Path) -> None:
    """A protected cluster (create's default) is refused until protection is turned off; with
    no terminal to ask, --yes is required; a deleted cluster is DELETING, then gone."""
    env = aws_environment(moto, tmp_path)
    made = create(tmp_path, env)["identifier"]
    protected = cli(tmp_path, env, "cluster", "delete", made, "--yes")
    assert protected.code == 2 and "has deletion protection on" in protected.err
    unasked = cli(tmp_path, env, "cluster", "delete", made, "--disable-deletion-protection")
    assert unasked.code == 2 and "add --yes to confirm" in unasked.err
    assert cli(tmp_path, env, "cluster", "show", made).code == 0  # neither touched it
    deleted = cli(
        tmp_path, env, "cluster", "delete", made, "--yes", "--disable-deletion-protection"
    )
    assert deleted.code == 0, deleted.output
    assert deleted.out == f"deleting cluster {made} in us-east-1 (DELETING)\n"
    shown = cli(tmp_path, env, "cluster", "show", made, "--format", "json")
    assert shown.code == 2 or json.loads(shown.out)["status"] in ("DELETING", "DELETED")


@pytest.mark.parametrize(
    ("args", "env_change", "code", "message"),
    [
        (
            ["show", "abcdefghijklmnopqrstuvwxyz"],
            {},
            2,
            "cannot read cluster abcdefghijklmnopqrstuvwxyz: ResourceNotFoundException",
        ),
        (
            ["list"],
            {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
            2,
            "no AWS credentials found",
        ),
        (["list"], {"AWS_REGION": ""}, 2, "no AWS region: give --region or set AWS_REGION"),
        (["create", "--tag", "oops"], {}, 2, "--tag must be KEY=VALUE"),
    ],
)
def test_failures_are_one_line_without_a_traceback(
    moto: Moto,
    tmp_path: Path,
    args: list[str],
    env_change: dict[str, str],
    code: int,
    message: str,
) -> None:
    result = cli(tmp_path, aws_environment(moto, tmp_path, **env_change), "cluster", *args)
    assert result.code == code, result.output
    assert result.out == "" and len(result.err.splitlines()) == 1
    assert result.err.startswith("dsql-lint: error: ") and message in result.err


def test_wait_gives_up_after_its_timeout(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path)
    moto.slow_clusters(1000)
    identifier = create(tmp_path, env)["identifier"]
    result = cli(
        tmp_path, env, "cluster", "wait", identifier, "--timeout", "0.3", "--interval", "0.1"
    )
    assert result.code == 1
    assert f"cluster {identifier} is still CREATING after" in result.err
    assert f"run `dsql-lint cluster wait {identifier}` again" in result.err


def test_cluster_option_takes_endpoint_and_region_from_get_cluster(
    moto: Moto, db: Database, cluster_tls: tuple[Path, ssl.SSLContext], tmp_path: Path
) -> None:
    ca_file, context = cluster_tls
    env = aws_environment(moto, tmp_path)
    made = create(tmp_path, env)
    identifier = made["identifier"]
    elsewhere = aws_environment(moto, tmp_path, AWS_REGION="eu-west-1")
    (tmp_path / "V1__a.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n")
    with Proxy(db.server.port, tls=context) as proxy:
        tls = ["--sslrootcert", str(ca_file), "--connect-to", f"127.0.0.1:{proxy.port}/{db.name}"]
        # An ARN names the region: AWS_REGION (eu-west-1) neither finds nor signs for it.
        applied = cli(tmp_path, elsewhere, "apply", "V1__a.sql", "--cluster", made["arn"], *tls)
        assert applied.code == 0, applied.output
        assert f"admin@{identifier}.us-east-1.on.aws (us-east-1)" in applied.output
        for command in ("status", "validate"):
            result = cli(tmp_path, env, command, "V1__a.sql", "--cluster", identifier, *tls)
            assert result.code == 0, result.output
    assert db.query("SELECT count(*) FROM t") == [(0,)]


def test_cluster_option_refuses_a_cluster_that_cannot_connect(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path)
    moto.slow_clusters(1000)
    identifier = create(tmp_path, env)["identifier"]
    (tmp_path / "V1__a.sql").write_text("SELECT 1;\n")
    result = cli(tmp_path, env, "status", "V1__a.sql", "--cluster", identifier)
    assert result.code == 1
    assert f"cluster {identifier} is CREATING: still being created: wait with" in result.err
    both = cli(tmp_path, env, "status", "V1__a.sql", "--cluster", identifier, "--endpoint", "x")
    assert both.code == 2 and "give one of --cluster, --endpoint and --dsn" in both.err
    missing = cli(tmp_path, env, "validate", "V1__a.sql", "--cluster", "nope")
    assert (
        missing.code == 2 and "cannot read cluster nope: ResourceNotFoundException" in missing.err
    )


def test_write_env_edits_only_its_keys_and_refuses_secrets(tmp_path: Path) -> None:
    from dsql_lint.errors import UserError
    from dsql_lint.settings.dotenv_edit import update_dotenv

    dotenv = tmp_path / ".env"
    dotenv.write_bytes(
        b"# windows file\r\nexport DSQL_ENDPOINT='old host' # was\r\nAWS_REGION=a\r\n"
        b'AWS_REGION=b\r\nNAME="x y"  # keep'
    )
    outcome = update_dotenv(dotenv, {"DSQL_ENDPOINT": "new.host", "AWS_REGION": "eu west"})
    assert outcome == {"DSQL_ENDPOINT": "updated", "AWS_REGION": "updated"}
    assert dotenv.read_bytes() == (
        b"# windows file\r\nexport DSQL_ENDPOINT=new.host # was\r\nAWS_REGION='eu west'\r\n"
        b"AWS_REGION='eu west'\r\nNAME=\"x y\"  # keep\r\n"
    )
    with pytest.raises(UserError, match="names a secret"):
        update_dotenv(dotenv, {"AWS_SECRET_ACCESS_KEY": SECRET})
    assert SECRET not in dotenv.read_text()
