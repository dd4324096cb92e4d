"""moto's server on 127.0.0.1 standing for AWS (`dsql`, `sts`, `iam`), and the real CLI run as
a subprocess pointed at it with AWS_ENDPOINT_URL: the control plane end to end, without AWS."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

WORKTREE = Path(__file__).resolve().parents[2]


@dataclass
class Moto:
    url: str

    def reset(self) -> None:
        self._post("/moto-api/reset", {})
        # The reset keeps the state manager's transitions: clusters are ACTIVE at once again.
        self._post("/moto-api/state-manager/unset-transition", {"model_name": "dsql::cluster"})

    def slow_clusters(self, reads: int) -> None:
        """A new cluster stays CREATING for this many GetCluster reads."""
        self._post(
            "/moto-api/state-manager/set-transition",
            {
                "model_name": "dsql::cluster",
                "transition": {"progression": "manual", "times": reads},
            },
        )

    def _post(self, path: str, body: dict) -> None:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):
            pass


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Moto(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: Moto) -> Iterator[Moto]:
    moto_server.reset()
    yield moto_server
    moto_server.reset()


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


def aws_environment(moto: Moto, home: Path, **extra: str) -> dict[str, str]:
    """Fake credentials and no AWS configuration files: only moto answers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DSQL_")) and key != "PYTHONPATH"
    }
    env.update(
        AWS_ENDPOINT_URL=moto.url,
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=str(WORKTREE),
    )
    env.update(extra)
    return {key: value for key, value in env.items() if value != ""}


def cli(cwd: Path, env: dict[str, str], *args: str) -> Run:
    """`dsql-lint ARGS` as a user runs it: a new process, its own environment and folder."""
    done = subprocess.run(
        [sys.executable, "-m", "dsql_lint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cluster_tls(tmp_path: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA and a server certificate for any moto endpoint of us-east-1."""
    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("*.us-east-1.on.aws").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca_file, context


class _QueryStub:
    """An AWS endpoint on 127.0.0.1 whose answers the subclass writes: for what moto cannot
    produce. `requests` holds each request's fields: the POSTed form of the query protocol, or
    a GET's query string with its bearer token (`_bearer`)."""

    skew = 0.0  # seconds added to the Date header
    content_type = "text/xml"

    def __init__(self) -> None:
        import http.server
        import threading
        import time
        import urllib.parse
        from email.utils import formatdate

        stub = self
        self.requests: list[dict[str, str]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._reply(dict(urllib.parse.parse_qsl(raw.decode())))

            def do_GET(self) -> None:  # noqa: N802
                form = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                self._reply({**form, "_bearer": self.headers.get("x-amz-sso_bearer_token", "")})

            def _reply(self, form: dict[str, str]) -> None:
                stub.requests.append(form)
                status, text = stub.answer(form)
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", stub.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def date_time_string(self, timestamp: float | None = None) -> str:
                return formatdate(time.time() + stub.skew, usegmt=True)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, form: dict[str, str]) -> tuple[int, str]:
        raise NotImplementedError

    def __enter__(self) -> _QueryStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class StsStub(_QueryStub):
    """An STS endpoint that answers GetCallerIdentity as AWS would in two bad cases: the
    credentials have expired, or its clock (the Date header) is far from ours."""

    IDENTITY = (
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/dev</Arn>"
        "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
        "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>"
    )
    EXPIRED = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        "<Type>Sender</Type><Code>ExpiredToken</Code>"
        "<Message>The security token included in the request is expired</Message>"
        "</Error><RequestId>1</RequestId></ErrorResponse>"
    )

    def __init__(self, expired: bool = False, skew: float = 0.0) -> None:
        super().__init__()
        self.expired = expired
        self.skew = skew

    def answer(self, form: dict[str, str]) -> tuple[int, str]:
        return (403, self.EXPIRED) if self.expired else (200, self.IDENTITY)


class IamStub(_QueryStub):
    """IAM's SimulatePrincipalPolicy (moto 5.2.6, the newest release, lacks it): each action
    gets the decision given for it, `implicitDeny` otherwise, as IAM answers when no policy
    statement allows an action."""

    def __init__(self, decisions: dict[str, str]) -> None:
        super().__init__()
        self.decisions = decisions

    def answer(self, form: dict[str, str]) -> tuple[int, str]:
        assert form.get("Action") == "SimulatePrincipalPolicy", form
        numbered = [(key, value) for key, value in form.items() if key.startswith("ActionNames.")]
        numbered.sort(key=lambda item: int(item[0].rsplit(".", 1)[1]))
        actions = [value for _, value in numbered]
        members = "".join(
            f"<member><EvalActionName>{action}</EvalActionName>"
            "<EvalResourceName>*</EvalResourceName>"
            f"<EvalDecision>{self.decisions.get(action, 'implicitDeny')}</EvalDecision>"
            "<MatchedStatements/><MissingContextValues/></member>"
            for action in actions
        )
        return 200, (
            '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            "<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated>"
            f"<EvaluationResults>{members}</EvaluationResults></SimulatePrincipalPolicyResult>"
            "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            "</SimulatePrincipalPolicyResponse>"
        )


class SsoPortalStub(_QueryStub):
    """IAM Identity Center's portal (GetRoleCredentials), which moto lacks: the role's
    short-term keys for a cached login."""

    KEY = "ASIAIOSFODNN7SSO7QXA"
    content_type = "application/json"

    def answer(self, form: dict[str, str]) -> tuple[int, str]:
        import time

        credentials = {
            "accessKeyId": self.KEY,
            "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSSOSECRET",
            "sessionToken": "session-token",
            "expiration": int((time.time() + 3600) * 1000),
        }
        return 200, json.dumps({"roleCredentials": credentials})
