"""REST routes: MCP over REST (http-api.md §7) and the project and export routes (§9).

Every call goes through the same ``tools.dispatch`` as an MCP ``tools/call``; this module only maps
HTTP to it and results back to status codes and the ``{"detail": …}`` error envelope (§1.3).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from maestro_mcp.accounts import AccountsUnavailableError, TokenRevokedError
from maestro_mcp.auth import InvalidTokenError
from maestro_mcp.daw import export, router
from maestro_mcp.daw.remote import read_remote_project
from maestro_mcp.errors import ErrorCode, ToolError
from maestro_mcp.server import LOCAL_PRINCIPAL
from maestro_mcp.services import SERVICE_NAME, Services
from maestro_mcp.tools.catalog import get_spec, list_specs
from maestro_mcp.tools.dispatch import dispatch

if TYPE_CHECKING:
    from maestro_mcp.daw.model import Project
    from maestro_mcp.server import MaestroServer

logger = logging.getLogger(__name__)

PROTOCOL_VERSIONS = ["2026-07-28", "2025-11-25"]
MAX_BODY_BYTES = 4 * 1024 * 1024  # the same limit as /mcp (mcp.md §2)


class ApiError(Exception):
    """An HTTP error with the body ``{"detail": {code, error, message, …}}``."""

    def __init__(
        self, status: int, code: str, error: str, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail: dict[str, Any] = {"code": code, "error": error, "message": message, **extra}
        self.headers = headers


async def api_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)


def validation_error(errors: list[dict[str, Any]], message: str = "Invalid request.") -> ApiError:
    return ApiError(422, "VALIDATION_ERROR", "Validation error", message, errors=errors)


@dataclass(frozen=True)
class ApiContext:
    services: Services
    server: MaestroServer
    auth: bool

    async def principal(self, request: Request) -> str:
        """The caller: the ``sub`` of a valid, unrevoked bearer token (its principal is provisioned on first
        use), or ``local`` for a ``--no-auth`` server (http-api.md §1.1)."""
        if not self.auth:
            return LOCAL_PRINCIPAL
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        unauthorized = {"WWW-Authenticate": "Bearer"}
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "UNAUTHORIZED", "Unauthorized", "Access code required. Please provide a valid access code.",
                headers=unauthorized,
            )
        try:
            return (await self.services.accounts.authenticate(token.strip())).sub
        except InvalidTokenError:
            raise ApiError(
                401, "UNAUTHORIZED", "Unauthorized", "Invalid or expired access code.", headers=unauthorized
            ) from None
        except TokenRevokedError:
            raise ApiError(
                401, "UNAUTHORIZED", "Unauthorized", "Access code has been revoked.", headers=unauthorized
            ) from None
        except AccountsUnavailableError:
            raise ApiError(503, "SERVICE_UNAVAILABLE", "Service unavailable", "Service temporarily unavailable.") from None


def rest_routes(api: ApiContext) -> list[BaseRoute]:
    return [
        Route("/api/v1/mcp/tools", _bind(api, list_tools), methods=["GET"]),
        Route("/api/v1/mcp/tools/{name}", _bind(api, get_tool), methods=["GET"]),
        Route("/api/v1/mcp/tools/{name}/call", _bind(api, call_tool), methods=["POST"]),
        Route("/api/v1/mcp/info", _bind(api, info), methods=["GET"]),
        Route("/api/v1/projects/current", _bind(api, current_project), methods=["GET"]),
        Route("/api/v1/projects/current/export.mid", _bind(api, export_midi), methods=["GET"]),
        Route("/api/v1/projects/current/export.wav", _bind(api, export_wav), methods=["GET"]),
        Route("/api/v1/projects/current/pianoroll.png", _bind(api, pianoroll), methods=["GET"]),
        Route("/api/v1/projects/{project_id}", _bind(api, snapshot_project), methods=["GET"]),
    ]


def _bind(api: ApiContext, handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        result: Response = await handler(api, request)
        return result

    endpoint.__name__ = handler.__name__
    return endpoint


# -- MCP over REST (§7) ------------------------------------------------------------------------------


async def list_tools(api: ApiContext, request: Request) -> Response:
    await api.principal(request)
    profile = request.query_params.get("profile", "full")
    if profile not in ("full", "compact"):
        raise validation_error(
            [{"code": "INVALID_ENUM", "field": "profile", "message": f"must be one of full, compact (got '{profile}')"}]
        )
    tools = [spec.tool_def() for spec in list_specs("compact" if profile == "compact" else "full")]
    return JSONResponse({"tools": tools, "count": len(tools)})


def _spec_or_404(name: str) -> Any:
    spec = get_spec(name)
    if spec is None:
        raise ApiError(404, ErrorCode.UNKNOWN_TOOL.value, "Unknown tool", f"Tool not found: {name}")
    return spec


async def get_tool(api: ApiContext, request: Request) -> Response:
    await api.principal(request)
    return JSONResponse(_spec_or_404(request.path_params["name"]).tool_def())


async def call_tool(api: ApiContext, request: Request) -> Response:
    principal = await api.principal(request)
    name = request.path_params["name"]
    _spec_or_404(name)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", "Payload too large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", "Payload too large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_JSON", "Invalid JSON", "The request body must be a JSON object.")
    arguments = body.get("arguments", {})
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise validation_error([{"code": "TYPE_MISMATCH", "field": "arguments", "message": "must be an object"}])
    result = await dispatch(api.server.tool_context(principal), name, arguments)
    if result.unknown_tool:
        raise ApiError(404, ErrorCode.UNKNOWN_TOOL.value, "Unknown tool", f"Tool not found: {name}")
    if result.is_error and result.stage is not None and 2 <= result.stage <= 6:
        raise validation_error(result.errors, message=result.text)
    return JSONResponse(
        {
            "success": not result.is_error,
            "isError": result.is_error,
            "content": [{"type": "text", "text": result.text}],
            "structuredContent": result.payload,
        }
    )


async def info(api: ApiContext, request: Request) -> Response:
    await api.principal(request)
    return JSONResponse(
        {
            "name": SERVICE_NAME,
            "version": api.services.version,
            "protocolVersions": PROTOCOL_VERSIONS,
            "capabilities": {
                "tools": {"listChanged": False},
                "prompts": {"listChanged": False},
                "resources": {"listChanged": False, "subscribe": False},
            },
            "toolCount": len(api.server.tool_specs),
            "toolProfile": api.server.profile,
            "mcpEndpoint": "/mcp",
            "dawWebSocket": "/api/v1/mcp/daw",
        }
    )


# -- Project and exports (§9) -------------------------------------------------------------------------

# TODO(DAW bridge): with a connected DAW the `current` routes read the DAW mirror (source dawSnapshot/daw).
HEADLESS_SOURCE = "headless"


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "true").strip().lower()
    if raw not in ("true", "false"):
        raise validation_error([{"code": "TYPE_MISMATCH", "field": name, "message": f"must be true or false (got '{raw}')"}])
    return raw == "true"


async def _current(api: ApiContext, request: Request) -> tuple[Project, int]:
    """The project the caller sees: the connected DAW's mirror when there is one, else the headless one."""
    services = api.services
    return await router.current_project(
        await api.principal(request), services.projects, services.settings, services.daw_hub
    )


async def current_project(api: ApiContext, request: Request) -> Response:
    include_notes = _flag(request, "include_notes")
    include_automation = _flag(request, "include_automation")
    principal = await api.principal(request)
    services = api.services
    try:
        remote = await read_remote_project(
            services.daw_hub, principal, services.settings,
            include_notes=include_notes, include_automation=include_automation,
        )
    except ToolError as exc:
        raise ApiError(502, "DAW_ERROR", "DAW error", str(exc)) from None
    if remote is not None:
        snapshot, source, remote_version = remote
        body_remote = {"project": snapshot, "source": source, "stateVersion": remote_version}
        return JSONResponse(body_remote, headers={"X-Project-Source": source})
    project, version = await services.projects.read(principal)
    body = {
        "project": project.to_snapshot(include_notes=include_notes, include_automation=include_automation),
        "source": HEADLESS_SOURCE,
        "stateVersion": version,
    }
    return JSONResponse(body, headers={"X-Project-Source": HEADLESS_SOURCE})


async def snapshot_project(api: ApiContext, request: Request) -> Response:
    await api.principal(request)
    _flag(request, "include_notes")
    _flag(request, "include_automation")
    # TODO(streams issue): client-snapshot mirrors do not exist yet, so no id can match one.
    raise ApiError(404, "PROJECT_NOT_FOUND", "Project not found", f"No project with id {request.path_params['project_id']}.")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "project"


async def _render(render: Callable[[], bytes]) -> bytes:
    """Run a renderer off the event loop, mapping its documented failures to HTTP errors."""
    try:
        return await anyio.to_thread.run_sync(render)
    except export.RendererUnavailableError as exc:
        raise ApiError(501, "RENDERER_UNAVAILABLE", "Renderer unavailable", str(exc)) from None
    except export.EmptyProjectError as exc:
        raise ApiError(422, "EMPTY_PROJECT", "Empty project", str(exc)) from None


async def export_midi(api: ApiContext, request: Request) -> Response:
    project, _ = await _current(api, request)
    return Response(
        await _render(lambda: export.project_to_midi(project)),
        media_type="audio/midi",
        headers={
            "Content-Disposition": f'attachment; filename="{_slug(project.name)}.mid"',
            "X-Project-Source": HEADLESS_SOURCE,
        },
    )


async def export_wav(api: ApiContext, request: Request) -> Response:
    project, _ = await _current(api, request)
    wav = await _render(lambda: export.project_to_wav(project))
    return Response(wav, media_type="audio/wav", headers={"X-Project-Source": HEADLESS_SOURCE})


def _dimension(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation_error([{"code": "TYPE_MISMATCH", "field": name, "message": "must be an integer"}]) from None
    if not low <= value <= high:
        raise validation_error(
            [{"code": "VALUE_OUT_OF_RANGE", "field": name, "message": f"must be between {low} and {high} (got {value})"}]
        )
    return value


async def pianoroll(api: ApiContext, request: Request) -> Response:
    width = _dimension(request, "width", 1200, 400, 4000)
    height = _dimension(request, "height", 400, 200, 4000)
    project, _ = await _current(api, request)
    png = await _render(lambda: export.project_to_png(project, width=width, height=height))
    return Response(png, media_type="image/png", headers={"X-Project-Source": HEADLESS_SOURCE})
