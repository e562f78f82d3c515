"""``maestro-mcp serve --print-config`` (what ``make run`` shows): URLs, a token, client configs that work."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters

from maestro_mcp.auth import decode_token, token_secret
from maestro_mcp.cli_serve import FIRST_RUN_PRINCIPAL, first_run, local_stdio_command
from maestro_mcp.config import Settings
from maestro_mcp.tools.catalog import COMPACT_TOOL_NAMES, TOOL_NAMES
from tests.e2e.processes import HttpServer, child_env, start_http_server
from tests.e2e.test_http import mcp_client

TIMEOUT = 120


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def json_blocks(text: str) -> list[dict[str, Any]]:
    """The pretty-printed JSON objects of a banner: each from a line "{" to the next line "}"."""
    blocks: list[dict[str, Any]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line == "{":
            current = [line]
        elif current is not None:
            current.append(line)
            if line == "}":
                blocks.append(json.loads("\n".join(current)))
                current = None
    return blocks


def test_first_run_configs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    help_ = first_run(settings, base_url="http://127.0.0.1:10001", auth=True, default_data_dir=tmp_path / "other",
                      version="1.2.3")  # fmt: skip
    command, prefix = local_stdio_command()
    assert Path(command).is_absolute()
    data = str((tmp_path / "data").absolute())
    assert help_.claude_desktop_stdio() == {
        "mcpServers": {"stori-maestro": {"command": command, "args": [*prefix, "stdio", "--data-dir", data]}}
    }
    cursor = help_.cursor_stdio()["mcpServers"]["stori-maestro"]
    assert cursor["args"] == [*prefix, "stdio", "--tool-profile", "compact", "--data-dir", data]
    http = help_.http()["mcpServers"]["stori-maestro"]
    assert http == {
        "url": "http://127.0.0.1:10001/mcp",
        "headers": {"Authorization": f"Bearer {help_.token}"},
    }

    assert help_.token is not None and help_.expires is not None
    claims = decode_token(token_secret(settings), help_.token)
    assert claims.sub == FIRST_RUN_PRINCIPAL == "local" and claims.role is None
    assert claims.expires_at - claims.issued_at == timedelta(days=30)
    assert claims.expires_at == help_.expires.replace(microsecond=0)

    banner = help_.banner()
    assert json_blocks(banner) == [help_.claude_desktop_stdio(), help_.cursor_stdio(), help_.http()]
    assert help_.token in banner.splitlines()


def test_first_run_without_auth_or_custom_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    help_ = first_run(
        settings, base_url="http://localhost:9", auth=False, default_data_dir=tmp_path, version=""
    )
    assert help_.token is None
    assert help_.http() == {"mcpServers": {"stori-maestro": {"url": "http://localhost:9/mcp"}}}
    assert "--data-dir" not in help_.claude_desktop_stdio()["mcpServers"]["stori-maestro"]["args"]
    assert not (tmp_path / "access_token_secret").exists()  # nothing minted, so no secret created
    assert "No access token needed" in help_.banner()


def wait_for_banner(server: HttpServer) -> str:
    # The server is healthy only after the banner was flushed, so the log already holds all of it.
    text = server.log.read_text()
    assert "Streamable HTTP to this server" in text, text
    return text


@pytest.mark.anyio
async def test_serve_print_config_end_to_end(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_http_server(data_dir, tmp_path, "--print-config")
    try:
        await check_printed_config(server, tmp_path)
    finally:
        server.stop()


async def check_printed_config(server: HttpServer, tmp_path: Path) -> None:
    data_dir = server.data_dir
    log = wait_for_banner(server)
    assert f"MCP endpoint (streamable HTTP): {server.base}/mcp" in log
    assert f"Health:                         {server.base}/api/v1/health" in log
    assert f"REST API:                       {server.base}/api/v1" in log

    claude, cursor, http = (block["mcpServers"]["stori-maestro"] for block in json_blocks(log))
    venv_script = Path(sys.executable).parent / "maestro-mcp"  # the tests run in the project's venv
    assert claude["command"] == cursor["command"] == str(venv_script)
    assert claude["args"] == ["stdio", "--data-dir", str(data_dir)]
    assert cursor["args"] == ["stdio", "--tool-profile", "compact", "--data-dir", str(data_dir)]
    assert http["url"] == f"{server.base}/mcp"

    token = http["headers"]["Authorization"].removeprefix("Bearer ")
    assert decode_token(token_secret(Settings(data_dir=data_dir)), token).sub == "local"
    assert token in log.splitlines()  # also printed alone on its line, for `token`-style copy and paste

    with anyio.fail_after(TIMEOUT):
        # The HTTP config, as a client would use it: REST and /mcp accept the token.
        async with httpx.AsyncClient(headers=http["headers"]) as rest:
            listed = await rest.get(f"{server.base}/api/v1/mcp/tools")
        assert listed.status_code == 200 and listed.json()["count"] == 41
        async with mcp_client(http["url"], token) as client:
            assert [t.name for t in (await client.list_tools()).tools] == list(TOOL_NAMES)
            await client.call_tool("stori_set_tempo", {"tempo": 97})

        # The Cursor stdio config, run from an unrelated directory: compact profile, same project as HTTP.
        params = StdioServerParameters(
            command=cursor["command"], args=cursor["args"], env=child_env(), cwd=tmp_path
        )
        async with Client(params) as client:
            assert [t.name for t in (await client.list_tools()).tools] == list(COMPACT_TOOL_NAMES)
            read = await client.call_tool("stori_read_project", {})
            assert read.structured_content is not None
            assert read.structured_content["project"]["tempo"] == 97
