"""How the stdio relay (``stdio --connect``) maps the remote REST call route's answers (mcp.md §2), against a
canned server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest
import uvicorn
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from maestro_mcp.transports.stdio_relay import relay_call, relay_client

pytestmark = pytest.mark.anyio

TIMEOUT = 20
OK_BODY = {"success": True, "isError": False, "content": [{"type": "text", "text": "{}"}],
           "structuredContent": {"ok": True, "tool": "stori_set_tempo", "executedBy": "daw"}}  # fmt: skip
ERRORS = [{"code": "VALUE_OUT_OF_RANGE", "field": "tempo", "message": "must be between 40 and 240 (got 999)"}]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def canned(request: Request) -> Response:
    """The answer depends on the tool name in the path; the token must arrive as a bearer header."""
    assert request.headers["authorization"] == "Bearer T"
    name = request.path_params["name"]
    if name == "stori_set_tempo":
        assert (await request.json()) == {"arguments": {"tempo": 101}}
        return JSONResponse(OK_BODY)
    if name == "stori_set_key_signature":
        return JSONResponse({"detail": {"code": "VALIDATION_ERROR", "errors": ERRORS}}, status_code=422)
    if name == "stori_play":
        return JSONResponse({"detail": {"message": "Invalid or expired access code."}}, status_code=401)
    if name == "stori_stop":
        return Response("boom", status_code=502)
    return JSONResponse({"detail": {"code": "UNKNOWN_TOOL"}}, status_code=404)


@asynccontextmanager
async def remote() -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/api/v1/mcp/tools/{name}/call", canned, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    with socket.socket() as sock, anyio.fail_after(TIMEOUT):
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                while not server.started:
                    await anyio.sleep(0.01)
                yield f"http://127.0.0.1:{port}/"
            finally:
                server.should_exit = True


async def test_remote_answers_map_to_tool_results() -> None:
    async with remote() as url, relay_client(url, "T") as http:
        ok = await relay_call(http, "stori_set_tempo", "stori_set_tempo", {"tempo": 101})
        assert ok.is_error is False and ok.structured_content == OK_BODY["structuredContent"]

        invalid = await relay_call(http, "stori_set_key_signature", "stori_set_key", {})
        assert invalid.is_error is True
        assert invalid.structured_content == {"ok": False, "tool": "stori_set_key", "errors": ERRORS,
                                              "executedBy": None, "dawResult": None}  # fmt: skip
        assert invalid.content[0].text == "tempo: must be between 40 and 240 (got 999) [VALUE_OUT_OF_RANGE]"  # type: ignore[union-attr]

        for name, reason in (
            ("stori_play", "HTTP 401: Invalid or expired access code."),
            ("stori_stop", "HTTP 502"),
        ):
            failed = await relay_call(http, name, name, {})
            assert failed.is_error is True and failed.structured_content is not None
            item = failed.structured_content["errors"][0]
            assert item["code"] == "DAW_UNAVAILABLE" and item["message"].endswith(reason)

        with pytest.raises(MCPError) as unknown:
            await relay_call(http, "stori_nope", "stori_nope", {})
        assert unknown.value.code == -32602


async def test_unreachable_server_is_daw_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        async with relay_client(f"http://127.0.0.1:{port}", None) as http:
            with anyio.fail_after(TIMEOUT):
                result = await relay_call(http, "stori_set_tempo", "stori_set_tempo", {"tempo": 100})
    assert result.is_error is True and result.structured_content is not None
    assert result.structured_content["errors"][0]["code"] == "DAW_UNAVAILABLE"
    assert result.structured_content["tool"] == "stori_set_tempo"
