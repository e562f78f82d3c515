"""First-run help of ``maestro-mcp serve --print-config`` (what ``make run`` shows): where the server
listens, a fresh access token, and client configuration ready to paste (spec/mcp.md §9).

Pure apart from ``local_stdio_command`` (which looks at the running interpreter) and
``mint_first_run_token`` (which reads or creates the secret in the data dir).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from maestro_mcp.auth import create_token, token_secret
from maestro_mcp.config import Settings

SERVER_KEY = "stori-maestro"  # the key under "mcpServers" in every client config
# The principal stdio clients act as (mcp.md §2): a token for it lets an HTTP client work on the same project.
FIRST_RUN_PRINCIPAL = "local"
FIRST_RUN_TOKEN_DAYS = 30
CURSOR_TOOL_LIMIT = 40


def local_stdio_command() -> tuple[str, list[str]]:
    """An absolute command that starts this installation's stdio server, and its leading arguments.

    The console script beside the running interpreter comes first: it is the one ``make install`` put in
    ``.venv/bin`` and it works whatever the client's PATH. ``sys.executable`` is not resolved, since a
    venv's python is a symlink whose target knows nothing of the venv.
    """
    beside = Path(os.path.abspath(sys.executable)).parent / "maestro-mcp"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside), []
    found = shutil.which("maestro-mcp")
    if found:
        return os.path.abspath(found), []
    return os.path.abspath(sys.executable), ["-m", "maestro_mcp"]


def mint_first_run_token(settings: Settings, *, now: datetime | None = None) -> tuple[str, datetime]:
    """A token for ``local`` signed with the data dir's secret (the one ``serve`` verifies), and its expiry."""
    issued = now or datetime.now(UTC)
    lifetime = timedelta(days=FIRST_RUN_TOKEN_DAYS)
    token = create_token(token_secret(settings), FIRST_RUN_PRINCIPAL, lifetime=lifetime, now=issued)
    return token, issued + lifetime


@dataclass(frozen=True)
class FirstRun:
    base_url: str
    command: str
    command_args: Sequence[str] = ()
    data_dir: Path | None = None  # passed to stdio clients, so they share the server's projects
    token: str | None = None  # None: the server runs with --no-auth
    expires: datetime | None = None
    tool_profile: str = "full"
    version: str = ""

    def _stdio_args(self, *extra: str) -> list[str]:
        args = [*self.command_args, "stdio", *extra]
        if self.data_dir is not None:
            args += ["--data-dir", str(self.data_dir)]
        return args

    def claude_desktop_stdio(self) -> dict[str, Any]:
        return {"mcpServers": {SERVER_KEY: {"command": self.command, "args": self._stdio_args()}}}

    def cursor_stdio(self) -> dict[str, Any]:
        args = self._stdio_args("--tool-profile", "compact")
        return {"mcpServers": {SERVER_KEY: {"command": self.command, "args": args}}}

    def http(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"url": f"{self.base_url}/mcp"}
        if self.token is not None:
            entry["headers"] = {"Authorization": f"Bearer {self.token}"}
        return {"mcpServers": {SERVER_KEY: entry}}

    def banner(self) -> str:
        base = self.base_url
        lines = [
            f"stori-maestro {self.version}".rstrip(),
            f"  MCP endpoint (streamable HTTP): {base}/mcp",
            f"  Health:                         {base}/api/v1/health",
            f"  REST API:                       {base}/api/v1  (tools: {base}/api/v1/mcp/tools)",
            "",
        ]
        if self.token is None:
            lines += ["No access token needed: --no-auth makes every HTTP request principal 'local'.", ""]
        else:
            until = f", until {self.expires:%Y-%m-%d}" if self.expires else ""
            lines += [
                f"Access token for principal '{FIRST_RUN_PRINCIPAL}' (the principal of stdio clients, so both "
                f"see one project), valid {FIRST_RUN_TOKEN_DAYS} days{until}:",
                self.token,
                "",
            ]
        lines += [
            "Claude Desktop (claude_desktop_config.json), local stdio:",
            _pretty(self.claude_desktop_stdio()),
            "",
            f"Cursor (.cursor/mcp.json), local stdio, compact profile (38 tools; Cursor lists at most "
            f"{CURSOR_TOOL_LIMIT}):",
            _pretty(self.cursor_stdio()),
            "",
            "Streamable HTTP to this server (Cursor and other clients that speak HTTP):",
            _pretty(self.http()),
        ]
        if self.tool_profile != "compact":
            lines.append(
                "  (this server lists all 41 tools; for Cursor over HTTP start it with --tool-profile compact)"
            )
        lines.append("")
        return "\n".join(lines)


def _pretty(config: dict[str, Any]) -> str:
    # Starts with a line "{" and ends with a line "}", so the blocks can be cut out of the banner by line.
    return json.dumps(config, indent=2, ensure_ascii=False)


def first_run(
    settings: Settings, *, base_url: str, auth: bool, default_data_dir: Path, version: str
) -> FirstRun:
    """Everything the banner shows for a server about to start with ``settings``."""
    command, command_args = local_stdio_command()
    token, expires = mint_first_run_token(settings) if auth else (None, None)
    data_dir = settings.data_dir.expanduser().absolute()
    return FirstRun(
        base_url=base_url,
        command=command,
        command_args=command_args,
        # Naming the default dir would only make the snippet longer; any other must be passed explicitly.
        data_dir=None if data_dir == default_data_dir.expanduser().absolute() else data_dir,
        token=token,
        expires=expires,
        tool_profile=settings.tool_profile,
        version=version,
    )
