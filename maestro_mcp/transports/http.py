"""The HTTP server: streamable-HTTP MCP at ``/mcp``, the REST routes under ``/api/v1``, served by uvicorn.

``/mcp`` is the SDK's own streamable-HTTP app (both protocol eras, sessions, DNS-rebinding protection on
loopback, the 4 MiB body limit) guarded by the SDK's bearer middleware with our JWT verifier, plus the
RFC 9728 protected-resource metadata. Our routes sit in front of it in one Starlette app; later edges
(SSE stream, DAW WebSocket) are more routes in ``_routes``.
"""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maestro_mcp.auth import JwtTokenVerifier
from maestro_mcp.config import Settings
from maestro_mcp.server import MaestroServer, build_server
from maestro_mcp.services import SERVICE_NAME, Services, open_services
from maestro_mcp.transports import accounts, daw_ws, sse, ui_routes, variations
from maestro_mcp.transports.rest import ApiContext, ApiError, api_error_handler, rest_routes

logger = logging.getLogger(__name__)

TAGLINE = "the infinite music machine"
MCP_PATH = "/mcp"
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int) -> str:
    """The URL clients use to reach this server (the resource id of ``/mcp`` in the auth metadata)."""
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"  # a wildcard bind has no single name; loopback is the one that always works
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def build_app(services: Services, *, host: str, port: int, auth: bool = True) -> Starlette:
    """The whole HTTP surface for ``services``. ``auth=False`` (``--no-auth``) only on a loopback host."""
    if not auth and not is_loopback(host):
        raise ValueError("--no-auth is only allowed on a loopback host (127.0.0.1, ::1, localhost)")
    base = base_url(host, port)
    if auth:
        server = build_server(
            services,
            token_verifier=JwtTokenVerifier(services.token_secret, is_revoked=services.accounts.is_revoked),
            auth=AuthSettings(
                issuer_url=base,  # type: ignore[arg-type]  # pydantic parses the str
                resource_server_url=f"{base}{MCP_PATH}",  # type: ignore[arg-type]
                # Our verifier checks signature and claims; tokens carry no audience to compare.
                validate_token_resource=False,
            ),
        )
    else:
        server = build_server(services)
    mcp_app = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
    api = ApiContext(services=services, server=server, auth=auth)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # A mounted app's lifespan does not run, so the MCP session manager is started here.
        async with server.session_manager.run(), services.variations.running():
            yield

    middleware = [Middleware(_RequestLogMiddleware), Middleware(_SecurityHeadersMiddleware)]
    origins = [o.strip() for o in services.settings.cors_origins.split(",") if o.strip()]
    if origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=["Mcp-Session-Id", "X-Project-Source", "X-Trace-Id"],
            )
        )
    app = Starlette(
        routes=_routes(api, server, mcp_app),
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={ApiError: api_error_handler},
    )
    app.state.api = api
    return app


def _routes(api: ApiContext, server: MaestroServer, mcp_app: ASGIApp) -> list[BaseRoute]:
    services = api.services

    async def root(_request: Request) -> JSONResponse:
        return JSONResponse({"service": SERVICE_NAME, "version": services.version, "docs": "/docs"})

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "service": SERVICE_NAME,
                "version": services.version,
                "tagline": TAGLINE,
                "llmConfigured": services.llm_configured,
                "mode": "llm" if services.llm_configured else "deterministic",
            }
        )

    return [
        Route("/", root, methods=["GET"]),
        Route("/api/v1/health", health, methods=["GET"]),
        *rest_routes(api),
        *ui_routes.routes(api),
        *sse.routes(api),
        *variations.routes(api),
        *accounts.routes(api),
        *daw_ws.routes(api),
        # Last: the SDK app owns /mcp and /.well-known/oauth-protected-resource/mcp.
        Mount("/", app=mcp_app),
    ]


class _SecurityHeadersMiddleware:
    """The response headers every route carries (http-api.md §1.4)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _RequestLogMiddleware:
    """One log line per request, with a trace id (also returned as ``X-Trace-Id``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["trace_id"] = trace_id
        started = time.perf_counter()
        status = 0

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                # A route that minted its own trace id (the SSE stream: seeded, reproducible) keeps it.
                if not any(name.lower() == b"x-trace-id" for name, _ in headers):
                    headers.append((b"x-trace-id", trace_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            logger.info(
                "%s %s -> %s (%.1f ms) trace=%s",
                scope["method"],
                scope["path"],
                status or "-",
                (time.perf_counter() - started) * 1000,
                trace_id,
            )


async def serve_http(settings: Settings, *, host: str, port: int, auth: bool = True) -> None:
    """Run the HTTP server until interrupted."""
    if not auth and not is_loopback(host):
        raise ValueError("--no-auth is only allowed on a loopback host (127.0.0.1, ::1, localhost)")
    async with open_services(settings) as services:
        # Only the server recovers variations a crash left half-made: stdio processes sharing the data dir
        # must not fail variations this server is still working on.
        await services.variations.recover_interrupted()
        app = build_app(services, host=host, port=port, auth=auth)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
        await uvicorn.Server(config).serve()
