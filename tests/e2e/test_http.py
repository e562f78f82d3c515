"""``maestro-mcp serve`` in a real subprocess: streamable HTTP at /mcp with JWT auth, and the REST routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from maestro_mcp.tools.catalog import COMPACT_TOOL_NAMES, TOOL_NAMES
from tests.e2e.processes import HttpServer, create_token, run_cli, start_http_server

pytestmark = pytest.mark.anyio

TIMEOUT = 120


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """One authenticated server for the read-mostly tests of this module."""
    root = tmp_path_factory.mktemp("serve")
    started = start_http_server(root / "data", root)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def alice(server: HttpServer) -> str:
    return create_token(server.data_dir, "alice")


@asynccontextmanager
async def mcp_client(url: str, token: str | None = None, mode: str = "auto") -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- /mcp ------------------------------------------------------------------------------------------------


def test_mcp_without_token_is_401_with_resource_metadata(server: HttpServer) -> None:
    response = httpx.post(
        f"{server.base}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    assert f'resource_metadata="{server.base}/.well-known/oauth-protected-resource/mcp"' in challenge

    bad = httpx.post(f"{server.base}/mcp", json={}, headers=bearer("not.a.token"))
    assert bad.status_code == 401

    metadata = httpx.get(f"{server.base}/.well-known/oauth-protected-resource/mcp").json()
    assert metadata["resource"] == f"{server.base}/mcp"
    assert [u.rstrip("/") for u in metadata["authorization_servers"]] == [server.base]
    assert metadata["bearer_methods_supported"] == ["header"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # stateless 2026-07-28 and session-based 2025-11-25
async def test_mcp_with_token(server: HttpServer, alice: str, mode: str) -> None:
    with anyio.fail_after(TIMEOUT):
        async with mcp_client(f"{server.base}/mcp", alice, mode) as client:
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            assert [t.name for t in (await client.list_tools()).tools] == list(TOOL_NAMES)
            result = await client.call_tool("stori_add_midi_track", {"name": f"Keys {mode}", "gmProgram": 0})
            assert result.is_error is False and result.structured_content is not None
            assert result.structured_content["executedBy"] == "headless"
            with pytest.raises(MCPError) as unknown:
                await client.call_tool("nope", {})
            assert (unknown.value.code, unknown.value.message) == (-32602, "Unknown tool: nope")


async def test_principals_are_isolated(server: HttpServer, alice: str) -> None:
    bob = create_token(server.data_dir, "bob")
    with anyio.fail_after(TIMEOUT):
        async with mcp_client(f"{server.base}/mcp", alice) as client:
            await client.call_tool("stori_set_tempo", {"tempo": 140})
        async with mcp_client(f"{server.base}/mcp", bob) as client:
            resource = (await client.read_resource("stori://project/current")).contents[0]
            assert json.loads(resource.text)["project"]["tempo"] == 120  # type: ignore[union-attr]
    assert httpx.get(f"{server.base}/api/v1/projects/current", headers=bearer(alice)).json()["project"]["tempo"] == 140


# -- REST --------------------------------------------------------------------------------------------------


def test_health_is_public(server: HttpServer) -> None:
    body = httpx.get(f"{server.base}/api/v1/health").json()
    assert body["status"] == "ok" and body["service"] == "stori-maestro"
    assert body["mode"] in ("deterministic", "llm") and body["tagline"] == "the infinite music machine"
    response = httpx.get(f"{server.base}/api/v1/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_rest_auth_errors(server: HttpServer) -> None:
    missing = httpx.get(f"{server.base}/api/v1/mcp/tools")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["detail"]["message"] == "Access code required. Please provide a valid access code."
    invalid = httpx.get(f"{server.base}/api/v1/mcp/tools", headers=bearer("garbage"))
    assert invalid.status_code == 401
    assert invalid.json()["detail"]["message"] == "Invalid or expired access code."


def test_rest_tools(server: HttpServer, alice: str) -> None:
    tools = httpx.get(f"{server.base}/api/v1/mcp/tools", headers=bearer(alice)).json()
    assert tools["count"] == 41 and [t["name"] for t in tools["tools"]] == list(TOOL_NAMES)
    assert tools["tools"][0]["runsOn"] == "daw"
    compact = httpx.get(f"{server.base}/api/v1/mcp/tools?profile=compact", headers=bearer(alice)).json()
    assert [t["name"] for t in compact["tools"]] == list(COMPACT_TOOL_NAMES)
    assert httpx.get(f"{server.base}/api/v1/mcp/tools/stori_add_track", headers=bearer(alice)).status_code == 200
    missing = httpx.get(f"{server.base}/api/v1/mcp/tools/nope", headers=bearer(alice))
    assert missing.status_code == 404 and missing.json()["detail"]["code"] == "UNKNOWN_TOOL"
    info = httpx.get(f"{server.base}/api/v1/mcp/info", headers=bearer(alice)).json()
    assert (info["toolCount"], info["toolProfile"], info["mcpEndpoint"]) == (41, "full", "/mcp")


def test_rest_tool_call(server: HttpServer, alice: str) -> None:
    url = f"{server.base}/api/v1/mcp/tools/stori_set_key/call"
    ok = httpx.post(url, json={"arguments": {"key": "Dm"}}, headers=bearer(alice))
    assert ok.status_code == 200
    body = ok.json()
    assert body["success"] is True and body["isError"] is False
    assert body["structuredContent"]["tool"] == "stori_set_key"
    assert json.loads(body["content"][0]["text"]) == body["structuredContent"]

    invalid = httpx.post(url, json={"arguments": {"key": "H#"}}, headers=bearer(alice))
    assert invalid.status_code == 422
    detail = invalid.json()["detail"]
    assert detail["code"] == "VALIDATION_ERROR" and detail["errors"][0]["field"] == "key"

    assert httpx.post(url, content=b"[1]", headers=bearer(alice)).status_code == 400
    unknown = httpx.post(f"{server.base}/api/v1/mcp/tools/nope/call", json={}, headers=bearer(alice))
    assert unknown.status_code == 404


def test_rest_project_and_midi_export(server: HttpServer, alice: str) -> None:
    current = httpx.get(f"{server.base}/api/v1/projects/current?include_notes=false", headers=bearer(alice))
    assert current.status_code == 200 and current.headers["x-project-source"] == "headless"
    assert set(current.json()) == {"project", "source", "stateVersion"}
    midi = httpx.get(f"{server.base}/api/v1/projects/current/export.mid", headers=bearer(alice))
    assert midi.status_code == 200 and midi.headers["content-type"] == "audio/midi"
    assert midi.content.startswith(b"MThd")
    assert 'filename="untitled.mid"' in midi.headers["content-disposition"]
    other = httpx.get(f"{server.base}/api/v1/projects/some-id", headers=bearer(alice))
    assert other.status_code == 404 and other.json()["detail"]["code"] == "PROJECT_NOT_FOUND"


# -- restart, --no-auth, shared data dir -------------------------------------------------------------------


def test_restart_keeps_project(tmp_path: Path, start_server: Callable[..., HttpServer]) -> None:
    data = tmp_path / "data"
    first = start_server(data)
    token = create_token(data, "carol")
    url = f"{first.base}/api/v1/mcp/tools/stori_set_tempo/call"
    assert httpx.post(url, json={"arguments": {"tempo": 77}}, headers=bearer(token)).status_code == 200
    first.stop()

    second = start_server(data)
    body = httpx.get(f"{second.base}/api/v1/projects/current", headers=bearer(token)).json()
    assert (body["project"]["tempo"], body["stateVersion"]) == (77, 1)


async def test_no_auth_server_shares_the_local_project_with_stdio(
    tmp_path: Path, start_server: Callable[..., HttpServer]
) -> None:
    from tests.e2e.test_stdio import stdio_client

    data = tmp_path / "data"
    server = start_server(data, "--no-auth")
    with anyio.fail_after(TIMEOUT):
        async with mcp_client(f"{server.base}/mcp") as client:  # no token needed: principal local
            result = await client.call_tool("stori_set_tempo", {"tempo": 101})
            assert result.is_error is False
        async with stdio_client(data) as client:  # another process on the same data dir, also 'local'
            resource = (await client.read_resource("stori://project/current")).contents[0]
            assert json.loads(resource.text)["project"]["tempo"] == 101  # type: ignore[union-attr]
            await client.call_tool("stori_set_tempo", {"tempo": 102})
    body = httpx.get(f"{server.base}/api/v1/projects/current").json()
    assert (body["project"]["tempo"], body["stateVersion"]) == (102, 2)


def test_no_auth_refused_off_loopback(tmp_path: Path) -> None:
    done = run_cli("serve", "--no-auth", "--host", "0.0.0.0", "--data-dir", str(tmp_path), timeout=60)
    assert done.returncode == 2 and "loopback" in done.stderr
