"""The MCP server: one ``MCPServer`` (official SDK v2) with the tools, resources and prompts of spec/mcp.md.

stdio and streamable HTTP are two ways to run this one object (``transports/``); nothing about a tool is
written twice. Tools are not registered as Python functions: their schemas come from the tool catalog, and
every call goes through ``tools.dispatch`` (the one path every caller shares). ``MaestroServer`` therefore
answers ``tools/list`` and ``tools/call`` from the catalog by overriding the two public ``MCPServer`` methods
the SDK's handlers delegate to (``list_tools`` and ``call_tool``); resources use the SDK's own registry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.caching import CacheHint
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resources import FunctionResource
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolResult, InputRequiredResult, TextContent
from mcp_types import Tool as MCPTool
from pydantic import AnyUrl

from maestro_mcp.services import SERVICE_NAME, Services
from maestro_mcp.tools.catalog import Profile, get_spec, list_specs
from maestro_mcp.tools.dispatch import ToolContext, ToolResult, dispatch
from maestro_mcp.tools.spec_types import ToolSpec

logger = logging.getLogger(__name__)

LOCAL_PRINCIPAL = "local"
TITLE = "Stori Maestro"
INSTRUCTIONS = (
    "These tools compose, arrange and edit music in one project per user. "
    "Times are in beats (quarter notes; bar 1 starts at beat 0). "
    "Track volume is volumeDb in dB (0 = unity); pan is -100 (left) .. 100 (right). "
    "Create a bus with stori_ensure_bus before stori_add_send. "
    "Send real note objects to stori_add_notes (at most 128 per call). "
    "Read the project with stori_read_project before editing it. "
    "Prefer stori_generate_midi with a regionId to write music into a region."
)

HOUR_MS = 3_600_000
# Lists never vary per caller; project reads are the caller's live state and must never be cached.
CACHE_HINTS: dict[Any, CacheHint] = {
    "tools/list": CacheHint(ttl_ms=HOUR_MS, scope="public"),
    "prompts/list": CacheHint(ttl_ms=HOUR_MS, scope="public"),
    "resources/list": CacheHint(ttl_ms=HOUR_MS, scope="public"),
    "resources/templates/list": CacheHint(ttl_ms=HOUR_MS, scope="public"),
    "resources/read": CacheHint(ttl_ms=0, scope="private"),
}

# The principal of the request being served, for resource functions (which the SDK calls without context).
_principal: ContextVar[str] = ContextVar("maestro_principal", default=LOCAL_PRINCIPAL)


def principal_of(context: Context[Any, Any] | None) -> str:
    """Who a request acts for: the bearer token's subject over authenticated HTTP, else ``local``.

    ``local`` is only reachable where no token is required (stdio, ``serve --no-auth``): with auth on, the
    SDK refuses unauthenticated ``/mcp`` requests before they get here.
    """
    request = None
    if context is not None:
        try:
            request = context.request_context.request
        except ValueError:  # called outside a request (in-process use)
            request = None
    # The HTTP request that carried this message: exact even when one MCP session spans many requests.
    user = getattr(request, "scope", {}).get("user") if request is not None else None
    token = user.access_token if isinstance(user, AuthenticatedUser) else get_access_token()
    if token is not None:
        return token.subject or token.client_id
    return LOCAL_PRINCIPAL


class MaestroServer(MCPServer[Any]):
    """``MCPServer`` whose tools come from the catalog and run through ``tools.dispatch``."""

    def __init__(self, services: Services, *, profile: Profile | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.profile: Profile = profile or services.settings.tool_profile
        self._listed = list_specs(self.profile)

    @property
    def tool_specs(self) -> Sequence[ToolSpec]:
        return self._listed

    async def list_tools(self) -> list[MCPTool]:
        return [_mcp_tool(spec) for spec in self._listed]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        # Hidden aliases stay callable by name (mcp.md §7), so look up the whole catalog.
        if get_spec(name) is None:
            # An MCPError passes through the SDK's handler as a JSON-RPC error (tools.md §2.2).
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        principal = principal_of(context)
        result = await dispatch(self.tool_context(principal), name, arguments)
        return to_call_tool_result(result)

    def tool_context(self, principal: str) -> ToolContext:
        return ToolContext(principal=principal, projects=self.services.projects, settings=self.services.settings)

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        token = _principal.set(principal_of(context))
        try:
            return await super().read_resource(uri, context)
        finally:
            _principal.reset(token)


def _mcp_tool(spec: ToolSpec) -> MCPTool:
    return MCPTool.model_validate(
        {
            "name": spec.name,
            "title": spec.title,
            "description": spec.description,
            "inputSchema": spec.input_schema(),
            "outputSchema": spec.output_schema(),
            "annotations": spec.annotations(),
        }
    )


def to_call_tool_result(result: ToolResult) -> CallToolResult:
    if result.unknown_tool:
        raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {result.payload.get('tool')}")
    return CallToolResult(
        content=[TextContent(type="text", text=result.text)],
        structured_content=result.payload,
        is_error=result.is_error,
    )


def build_server(
    services: Services,
    *,
    profile: Profile | None = None,
    token_verifier: TokenVerifier | None = None,
    auth: AuthSettings | None = None,
) -> MaestroServer:
    """The ``stori-maestro`` server. ``token_verifier`` + ``auth`` protect ``/mcp`` when served over HTTP."""
    server = MaestroServer(
        services,
        profile=profile,
        name=SERVICE_NAME,
        title=TITLE,
        instructions=INSTRUCTIONS,
        version=services.version,
        token_verifier=token_verifier,
        auth=auth,
        cache_hints=CACHE_HINTS,
        # Change notifications are never sent (mcp.md §1: listChanged false, no subscriptions).
        subscriptions=False,
        log_level="WARNING",
    )
    _register_project_resources(server)
    server.add_resource(
        FunctionResource(
            uri="stori://reference/tools",
            name="Tool reference",
            description="Per tool: title, description, where it runs and its parameters.",
            mime_type="text/markdown",
            fn=lambda: tool_reference_markdown(list_specs("full")),
        )
    )
    # TODO(prompts issue): the 12 prompts of mcp.md §4 and the resources stori://reference/stori-prompt,
    # stori://inspiration/cards, stori://inspiration/cards/{cardId}, stori://templates/{templateId}
    # belong to prompts/ (templates, cards, the STORI PROMPT guide), which does not exist yet.
    return server


def _register_project_resources(server: MaestroServer) -> None:
    services = server.services

    async def current_project() -> str:
        project, version = await services.projects.read(_principal.get())
        body = {
            "project": project.to_snapshot(include_notes=True, include_automation=True),
            # TODO(DAW bridge): with a connected DAW this reads the DAW mirror (tools.md §4.1).
            "source": "headless",
            "stateVersion": version,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    async def current_project_midi() -> bytes:
        from maestro_mcp.daw.export import project_to_midi

        project, _ = await services.projects.read(_principal.get())
        return project_to_midi(project)

    server.add_resource(
        FunctionResource(
            uri="stori://project/current",
            name="Current project",
            description="The caller's project: {project, source, stateVersion}, notes and automation included.",
            mime_type="application/json",
            fn=current_project,
        )
    )
    server.add_resource(
        FunctionResource(
            uri="stori://project/current/midi",
            name="Current project as MIDI",
            description="The caller's project as a Standard MIDI File (format 1, 480 ticks per quarter note).",
            mime_type="audio/midi",
            fn=current_project_midi,
        )
    )


def tool_reference_markdown(specs: Sequence[ToolSpec]) -> str:
    """``stori://reference/tools``: generated from the catalog, so it cannot drift from the schemas."""
    lines = ["# Stori Maestro tools", ""]
    for spec in specs:
        where = "the server" if spec.runs == "server" else "the DAW (the connected Stori app, else the headless DAW)"
        lines += [f"## `{spec.name}` - {spec.title}", "", spec.description, "", f"Runs on {where}."]
        if spec.is_alias:
            lines.append(f"Alias of `{spec.canonical}`.")
        visible = [p for p in spec.params if not p.hidden]
        if visible:
            lines += ["", "| Parameter | Type | Required | Description |", "| --- | --- | --- | --- |"]
            for param in visible:
                description = param.description.replace("|", "\\|").replace("\n", " ")
                lines.append(f"| `{param.name}` | {param.kind} | {'yes' if param.required else 'no'} | {description} |")
        lines.append("")
    return "\n".join(lines)
