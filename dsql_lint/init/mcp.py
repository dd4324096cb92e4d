"""The Aurora DSQL MCP server's entry for each MCP client, in the file that client reads, as
AWS's guide for `awslabs.aurora-dsql-mcp-server` writes it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER = "awslabs.aurora-dsql-mcp-server"
CLIENTS = ("claude", "amazonq", "cline", "roo", "cursor", "kiro")
# The VS Code extensions' folders under globalStorage.
_CLINE = Path("saoudrizwan.claude-dev") / "settings" / "cline_mcp_settings.json"
_ROO = Path("rooveterinaryinc.roo-cline") / "settings" / "mcp_settings.json"


@dataclass(frozen=True)
class Place:
    path: Path
    shown: str


def config_place(client: str, project: Path) -> Place:
    """Where `client` reads its MCP servers: in the project, or in the user's home."""
    home = Path.home()
    in_project = {
        "claude": Path(".mcp.json"),
        "cursor": Path(".cursor") / "mcp.json",
        "kiro": Path(".kiro") / "settings" / "mcp.json",
    }
    if client in in_project:
        return Place(project / in_project[client], str(in_project[client]))
    if client == "amazonq":
        path = home / ".aws" / "amazonq" / "mcp.json"
    else:
        path = _vscode_storage(home) / (_CLINE if client == "cline" else _ROO)
    shown = f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
    return Place(path, shown)


def _vscode_storage(home: Path) -> Path:
    if sys.platform == "darwin":
        user = home / "Library" / "Application Support" / "Code" / "User"
    elif sys.platform == "win32":
        user = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / "Code" / "User"
    else:
        user = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "Code" / "User"
    return user / "globalStorage"


def server_entry(
    endpoint: str, region: str, user: str, profile: str, allow_writes: bool
) -> dict[str, Any]:
    args = [
        f"{SERVER}@latest",
        *("--cluster_endpoint", endpoint),
        *("--region", region),
        *("--database_user", user),
        *("--profile", profile),
    ]
    if allow_writes:
        args.append("--allow-writes")
    return {
        "command": "uvx",
        "args": args,
        "env": {"FASTMCP_LOG_LEVEL": "ERROR"},
        "disabled": False,
        "autoApprove": [],
    }
