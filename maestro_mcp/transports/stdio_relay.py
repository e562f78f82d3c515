"""``maestro-mcp stdio --connect URL --token JWT`` (mcp.md §2): stdio towards the MCP client, every
``tools/call`` relayed to a running server's REST call route, so the calls reach the DAW connected there
for the token's principal.

The tool list, prompts and static resources are this process's own (the same catalog); the project
resources are read from the server. Remote outcomes map as mcp.md §2 says: 200 passes through, 422 becomes
a tool error with the server's error items, 404 is an unknown tool, and 401/403, 5xx, timeouts and
connection failures are ``DAW_UNAVAILABLE`` with the reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

import anyio
import httpx
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolResult, InputRequiredResult, TextContent
from pydantic import AnyUrl

from maestro_mcp.config import Settings
from maestro_mcp.errors import ErrorCode, ErrorItem
from maestro_mcp.server import MaestroServer, build_server
from maestro_mcp.services import memory_services
from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.results import error_payload, render_errors

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = 150.0
PROGRESS_EVERY = 5.0
_REMOTE_RESOURCES = {
    "stori://project/current": ("/api/v1/projects/current", "application/json"),
    "stori://project/current/midi": ("/api/v1/projects/current/export.mid", "audio/midi"),
}


class RelayServer(MaestroServer):
    """A ``MaestroServer`` whose tool calls and project resources are answered by a remote server."""

    remote: httpx.AsyncClient

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        spec = get_spec(name)
        if spec is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        started = time.monotonic()
        reported = False

        async def report() -> None:
            nonlocal reported
            while True:
                await anyio.sleep(PROGRESS_EVERY)
                if context is not None:
                    await context.report_progress(
                        time.monotonic() - started, HTTP_TIMEOUT, "Waiting for server…"
                    )
                    reported = True

        async with anyio.create_task_group() as tg:
            tg.start_soon(report)
            result = await relay_call(self.remote, name, spec.canonical, arguments)
            tg.cancel_scope.cancel()
        if reported and context is not None:
            await context.report_progress(HTTP_TIMEOUT, HTTP_TIMEOUT, "Done")
        return result

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        remote = _REMOTE_RESOURCES.get(str(uri))
        if remote is None:
            return await super().read_resource(uri, context)
        path, mime = remote
        try:
            response = await self.remote.get(path)
        except httpx.HTTPError as exc:
            raise ResourceError(f"server unreachable: {exc}") from None
        if response.status_code != 200:
            raise ResourceError(f"server answered HTTP {response.status_code} for {path}")
        content: str | bytes = response.text if mime == "application/json" else response.content
        return [ReadResourceContents(content=content, mime_type=mime)]


def _unavailable(tool: str, reason: str) -> CallToolResult:
    item = ErrorItem(ErrorCode.DAW_UNAVAILABLE, "", f"remote server unavailable: {reason}")
    return CallToolResult(
        content=[TextContent(type="text", text=render_errors([item]))],
        structured_content=error_payload(tool, [item]),
        is_error=True,
    )


async def relay_call(
    remote: httpx.AsyncClient, name: str, canonical: str, arguments: dict[str, Any]
) -> CallToolResult:
    """One ``tools/call`` through ``POST /api/v1/mcp/tools/{name}/call`` of the remote server."""
    try:
        response = await remote.post(f"/api/v1/mcp/tools/{name}/call", json={"arguments": arguments or {}})
    except httpx.TimeoutException:
        return _unavailable(canonical, f"no answer within {HTTP_TIMEOUT:g} s")
    except httpx.HTTPError as exc:
        return _unavailable(canonical, str(exc) or type(exc).__name__)
    status = response.status_code
    if status == 404:
        raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if status == 200 and isinstance(body, dict) and isinstance(body.get("structuredContent"), dict):
        content = body.get("content") or []
        text = content[0].get("text", "") if content and isinstance(content[0], dict) else ""
        return CallToolResult(
            content=[TextContent(type="text", text=str(text))],
            structured_content=body["structuredContent"],
            is_error=bool(body.get("isError")),
        )
    detail = body.get("detail") if isinstance(body, dict) else None
    if status == 422 and isinstance(detail, dict) and isinstance(detail.get("errors"), list):
        items = [e for e in detail["errors"] if isinstance(e, dict)]
        payload = {"ok": False, "tool": canonical, "errors": items, "executedBy": None, "dawResult": None}
        text = "; ".join(
            f"{e.get('field')}: {e.get('message')} [{e.get('code')}]"
            if e.get("field")
            else f"{e.get('message')} [{e.get('code')}]"
            for e in items
        )
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=payload, is_error=True
        )
    message = detail.get("message") if isinstance(detail, dict) else None
    return _unavailable(canonical, f"HTTP {status}" + (f": {message}" if message else ""))


def relay_client(url: str, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=HTTP_TIMEOUT)


def build_relay_server(settings: Settings, remote: httpx.AsyncClient) -> RelayServer:
    """The stdio relay: the catalog, prompts and static resources locally, calls and projects remotely."""
    services = memory_services(settings)  # nothing is stored here: the remote server owns the project
    server = build_server(services)
    # build_server assembles the one server (catalog, prompts, resources); the relay differs only in
    # where calls and project reads go, so it takes that very object and changes its class (RelayServer
    # adds methods, no state of its own besides ``remote``).
    server.__class__ = RelayServer
    assert isinstance(server, RelayServer)
    server.remote = remote
    return server


async def serve_stdio_relay(settings: Settings, url: str, token: str | None) -> None:
    async with relay_client(url, token) as remote:
        server = build_relay_server(settings, remote)
        logger.info("stori-maestro stdio relay to %s (%d tools)", url, len(server.tool_specs))
        await server.run_stdio_async()
