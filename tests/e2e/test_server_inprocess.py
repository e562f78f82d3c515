"""The server object in-process (no subprocess), on both async backends, over the memory store.

The subprocess tests cover the real edges; these check server.py's own behaviour cheaply, including on
trio (``memory_services``: headless projects in memory).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import TextResourceContents

from maestro_mcp.config import Settings
from maestro_mcp.server import build_server
from maestro_mcp.services import memory_services
from maestro_mcp.tools.catalog import TOOL_NAMES

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_resources_and_errors(tmp_path: Path, mode: str) -> None:
    server = build_server(memory_services(Settings(data_dir=tmp_path)))
    async with Client(server, mode=mode) as client:
        assert [t.name for t in (await client.list_tools()).tools] == list(TOOL_NAMES)

        result = await client.call_tool("stori_set_tempo", {"tempo": "96"})  # lenient input: numeric string
        assert result.is_error is False and result.structured_content is not None
        assert (result.structured_content["stateVersion"], result.structured_content["warnings"]) == (1, [])

        again = await client.call_tool("stori_set_tempo", {"tempo": 96})
        assert again.structured_content is not None and again.structured_content["stateVersion"] == 1

        missing = await client.call_tool("stori_set_tempo", {})
        assert missing.is_error is True and missing.structured_content is not None
        assert missing.structured_content["errors"][0]["code"] == "MISSING_REQUIRED"
        assert missing.content[0].text == "tempo: is required [MISSING_REQUIRED]"  # type: ignore[union-attr]

        with pytest.raises(MCPError) as unknown:
            await client.call_tool("stori_unknown", {})
        assert unknown.value.code == -32602

        current = (await client.read_resource("stori://project/current")).contents[0]
        assert isinstance(current, TextResourceContents)
        body = json.loads(current.text)
        assert (body["project"]["tempo"], body["source"], body["stateVersion"]) == (96, "headless", 1)

        reference = (await client.read_resource("stori://reference/tools")).contents[0]
        assert isinstance(reference, TextResourceContents) and reference.mime_type == "text/markdown"
        assert all(f"`{name}`" in reference.text for name in TOOL_NAMES)


async def test_compact_profile(tmp_path: Path) -> None:
    server = build_server(memory_services(Settings(data_dir=tmp_path)), profile="compact")
    async with Client(server) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert len(names) == 38 and "stori_add_track" not in names
        added = await client.call_tool("stori_add_track", {"name": "Bass", "gmProgram": 33, "volume": -6})
        assert added.is_error is False
