"""moto's server on 127.0.0.1 standing for AWS (`dsql`, `sts`, `iam`), and the real CLI run as
a subprocess pointed at it with AWS_ENDPOINT_URL: the control plane end to end, without AWS."""

from __future__ import annotations

import json
import os
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
