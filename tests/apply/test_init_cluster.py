"""`dsql-lint init --cluster ID` against moto's server: the endpoint and region of GetCluster go
to `.env` and the MCP configuration."""

from __future__ import annotations

import json
from pathlib import Path

from aws_mock import Moto, aws_environment, cli


def test_init_takes_the_endpoint_and_region_of_the_cluster(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path, HOME=str(tmp_path / "home"))
    made = cli(tmp_path, env, "cluster", "create", "--format", "json", "--region", "us-east-2")
    assert made.code == 0, made.output
    cluster = json.loads(made.out)
    done = cli(tmp_path, env, "init", "--cluster", cluster["arn"], "--mcp", "kiro")
    assert done.code == 0, done.output
    assert (tmp_path / ".env").read_text() == (
        f"DSQL_ENDPOINT={cluster['endpoint']}\nAWS_REGION=us-east-2\n"
    )
    args = json.loads((tmp_path / ".kiro/settings/mcp.json").read_text())["mcpServers"][
        "awslabs.aurora-dsql-mcp-server"
    ]["args"]
    assert args[1:5] == ["--cluster_endpoint", cluster["endpoint"], "--region", "us-east-2"]


def test_an_unknown_cluster_is_one_line_and_nothing_is_written(moto: Moto, tmp_path: Path) -> None:
    env = aws_environment(moto, tmp_path, HOME=str(tmp_path / "home"))
    done = cli(tmp_path, env, "init", "--cluster", "abcdefghijklmnopqrstuvwxyz")
    assert done.code == 2  # an input error, as README says
    assert done.err.startswith("dsql-lint: error: ") and len(done.err.splitlines()) == 1
    assert "abcdefghijklmnopqrstuvwxyz" in done.err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
