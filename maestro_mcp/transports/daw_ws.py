"""The DAW WebSocket edge, ``/api/v1/mcp/daw`` (daw-websocket.md §2): authenticate, frame, limit sizes.

What the messages mean (calls, answers, snapshots, the mirror) is ``daw.remote``'s business; this module
turns one WebSocket into a ``DawConnection`` of the principal's ``DawHub`` and feeds it text frames in
order. WebSocket ping frames every 20 s (and closing a peer that does not answer within 20 s) are uvicorn's
defaults (``ws_ping_interval`` / ``ws_ping_timeout``).
"""

from __future__ import annotations

import logging

import anyio
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from maestro_mcp.accounts import AccountsError
from maestro_mcp.auth import InvalidTokenError
from maestro_mcp.daw.remote import DawHub
from maestro_mcp.server import LOCAL_PRINCIPAL
from maestro_mcp.transports.rest import ApiContext

logger = logging.getLogger(__name__)

DAW_PATH = "/api/v1/mcp/daw"
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
CLOSE_TOO_BIG = 1009
CLOSE_INVALID_TOKEN = 4001
DETACH_TIMEOUT = 5.0


def routes(api: ApiContext, hub: DawHub | None = None) -> list[BaseRoute]:
    """The DAW bridge route; ``hub`` defaults to the services' ``daw_hub``."""
    the_hub = hub if hub is not None else api.services.daw_hub

    async def daw_bridge(websocket: WebSocket) -> None:
        await serve_daw(api, the_hub, websocket)

    return [WebSocketRoute(DAW_PATH, daw_bridge)]


def _token(websocket: WebSocket) -> str | None:
    token = websocket.query_params.get("token")
    if token and token.strip():
        return token.strip()
    scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def _principal(api: ApiContext, websocket: WebSocket) -> str | None:
    if not api.auth:
        return LOCAL_PRINCIPAL
    token = _token(websocket)
    if token is None:
        return None
    try:
        return (await api.services.accounts.authenticate(token)).sub  # signature, expiry and revocation
    except (InvalidTokenError, AccountsError) as exc:
        logger.info("DAW connection refused: %s", exc)
        return None


def _too_big(text: str) -> bool:
    # Most frames are far below the limit; only encode the ones that might not be.
    return len(text) * 4 > MAX_MESSAGE_BYTES and len(text.encode("utf-8")) > MAX_MESSAGE_BYTES


async def serve_daw(api: ApiContext, hub: DawHub, websocket: WebSocket) -> None:
    principal = await _principal(api, websocket)
    await websocket.accept()
    if principal is None:
        # Upgrade completed, then closed at once with 4001 and nothing else sent (§2).
        await websocket.close(code=CLOSE_INVALID_TOKEN, reason="invalid token")
        return
    conn = hub.new_connection(principal, websocket.send_text)
    await conn.send({"type": "connected", "connectionId": conn.id, "active": True})
    await hub.attach(conn)
    logger.info("DAW %s connected for %s (%d connected)", conn.id, principal, hub.connection_count())
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                await conn.send_error(
                    "INVALID_MESSAGE", "binary frames are not accepted; send JSON text frames"
                )
                continue
            if _too_big(text):
                await websocket.close(code=CLOSE_TOO_BIG, reason="message too big")
                break
            await conn.handle_text(text)
    except WebSocketDisconnect:
        pass
    finally:
        with anyio.CancelScope(shield=True), anyio.move_on_after(DETACH_TIMEOUT):
            await hub.detach(conn)
        logger.info("DAW %s of %s disconnected", conn.id, principal)
