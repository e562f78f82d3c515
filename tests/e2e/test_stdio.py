"""The official MCP client against ``python -m maestro_mcp stdio`` in a real subprocess."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types import TextResourceContents

from maestro_mcp.tools.catalog import COMPACT_TOOL_NAMES, TOOL_NAMES
from tests.e2e.processes import REPO, child_env

pytestmark = pytest.mark.anyio

TIMEOUT = 120


def stdio_client(data_dir: Path, *extra: str, mode: str = "auto") -> Client:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "maestro_mcp", "stdio", "--data-dir", str(data_dir), *extra],
        env=child_env(),
        cwd=REPO,
    )
    return Client(params, mode=mode)


async def read_json_resource(client: Client, uri: str) -> Any:
    result = await client.read_resource(uri)
    content = result.contents[0]
    assert isinstance(content, TextResourceContents)
    assert content.mime_type == "application/json"
    return json.loads(content.text)


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # 2026-07-28 (discover) and 2025-11-25 (initialize)
async def test_tools_list_and_identity(tmp_path: Path, mode: str) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path, mode=mode) as client:
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            if mode == "legacy":
                assert client.server_info is not None and client.server_info.name == "stori-maestro"
            assert client.instructions and "beats" in client.instructions
            tools = (await client.list_tools()).tools
            assert [t.name for t in tools] == list(TOOL_NAMES)
            assert len(tools) == 41
            for tool in tools:
                assert tool.output_schema is not None and tool.output_schema["type"] == "object"
                assert tool.annotations is not None and tool.annotations.open_world_hint is False
                assert tool.title and tool.description


async def test_compact_profile_hides_aliases_but_keeps_them_callable(tmp_path: Path) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path, "--tool-profile", "compact") as client:
            names = [t.name for t in (await client.list_tools()).tools]
            assert names == list(COMPACT_TOOL_NAMES) and len(names) == 38
            result = await client.call_tool("stori_set_key_signature", {"key": "Am"})
            assert result.is_error is False
            assert result.structured_content is not None
            assert result.structured_content["tool"] == "stori_set_key"


async def test_tool_round_trip_errors_and_persistence(tmp_path: Path) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path) as client:
            result = await client.call_tool("stori_set_tempo", {"tempo": 90})
            assert result.is_error is False
            payload = result.structured_content
            assert payload is not None
            assert payload["ok"] is True and payload["tool"] == "stori_set_tempo"
            assert payload["stateVersion"] == 1
            assert json.loads(result.content[0].text) == payload  # type: ignore[union-attr]

            bad = await client.call_tool("stori_set_tempo", {"tempo": 999})
            assert bad.is_error is True
            assert bad.structured_content is not None
            assert bad.structured_content["errors"][0]["code"] == "VALUE_OUT_OF_RANGE"
            assert bad.structured_content["errors"][0]["field"] == "tempo"

            with pytest.raises(MCPError) as unknown:
                await client.call_tool("stori_add_effect", {})
            assert unknown.value.code == -32602
            assert unknown.value.message == "Unknown tool: stori_add_effect"

            current = await read_json_resource(client, "stori://project/current")
            assert current["source"] == "headless"
            assert current["stateVersion"] == 1
            assert current["project"]["tempo"] == 90

        # A new process on the same data dir sees the same project.
        async with stdio_client(tmp_path) as client:
            read = await client.call_tool("stori_read_project", {})
            assert read.structured_content is not None
            assert read.structured_content["ok"] is True
            current = await read_json_resource(client, "stori://project/current")
            assert (current["project"]["tempo"], current["stateVersion"]) == (90, 1)


async def test_resources_listed(tmp_path: Path) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path) as client:
            uris = {str(r.uri) for r in (await client.list_resources()).resources}
            assert {"stori://project/current", "stori://project/current/midi"} <= uris
            midi = (await client.read_resource("stori://project/current/midi")).contents[0]
            assert midi.mime_type == "audio/midi"
            with pytest.raises(MCPError):
                await client.read_resource("stori://nothing/here")
