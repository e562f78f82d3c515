"""The DAW bridge over a real uvicorn server on 127.0.0.1, and a test-driven WebSocket client as the DAW."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from maestro_mcp.auth import create_token
from maestro_mcp.config import Settings
from maestro_mcp.daw.remote import DawHub
from maestro_mcp.server import build_server
from maestro_mcp.services import Services, memory_services
from maestro_mcp.transports import daw_ws
from maestro_mcp.transports.rest import ApiContext

TIMEOUT = 20
SECRET = "test-secret-for-the-daw-bridge-0123456789"


@dataclass
class Bridge:
    url: str
    hub: DawHub
    services: Services
    settings: Settings

    def token(self, user: str) -> str:
        return create_token(SECRET, user)


@asynccontextmanager
async def serving_bridge(
    tmp_path: Path, *, daw_timeout: float = 0.5, auth: bool = True, port: int = 0
) -> AsyncIterator[Bridge]:
    settings = Settings(data_dir=tmp_path, access_token_secret=SECRET, daw_timeout_seconds=daw_timeout)
    services = memory_services(settings)
    hub = DawHub()
    api = ApiContext(services=services, server=build_server(services), auth=auth)
    app = Starlette(routes=daw_ws.routes(api, hub))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, anyio.fail_after(TIMEOUT):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a test may serve the same port again
        sock.bind(("127.0.0.1", port))
        port = sock.getsockname()[1]
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                while not server.started:
                    await anyio.sleep(0.01)
                yield Bridge(f"ws://127.0.0.1:{port}{daw_ws.DAW_PATH}", hub, services, settings)
            finally:
                server.should_exit = True


class TestDaw:
    """A DAW driven step by step by the test: every receive is bounded."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.connection_id = ""

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        with anyio.fail_after(timeout):
            raw = await self.ws.recv()
        message = json.loads(raw)
        assert isinstance(message, dict)
        return message

    async def recv_type(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        """The next message of type ``kind``, skipping others (status notices, requests for state)."""
        with anyio.fail_after(timeout):
            while True:
                message = await self.recv(timeout)
                if message["type"] == kind:
                    return message

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def answer(self, call: dict[str, Any], result: dict[str, Any]) -> None:
        await self.send({"type": "toolResponse", "requestId": call["requestId"], "result": result})

    async def push(self, state: dict[str, Any]) -> None:
        await self.send({"type": "projectState", "state": state})


@asynccontextmanager
async def daw(bridge: Bridge, user: str, *, via: str = "header") -> AsyncIterator[TestDaw]:
    token = bridge.token(user)
    if via == "query":
        url, headers = f"{bridge.url}?token={token}", {}
    else:
        url, headers = bridge.url, {"Authorization": f"Bearer {token}"}
    with anyio.fail_after(TIMEOUT):
        ws = await connect(url, additional_headers=headers)
    try:
        client = TestDaw(ws)
        hello = await client.recv()
        assert hello["type"] == "connected" and hello["active"] is True
        client.connection_id = hello["connectionId"]
        # attach() runs right after the hello is sent; wait until the hub lists this connection.
        with anyio.fail_after(TIMEOUT):
            while bridge.hub.active(user) is None or bridge.hub.active(user).id != client.connection_id:  # type: ignore[union-attr]
                await anyio.sleep(0.005)
        yield client
    finally:
        with anyio.move_on_after(TIMEOUT, shield=True):
            await ws.close()
