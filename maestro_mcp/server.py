"""The MCP server: one ``MCPServer`` (official SDK v2) with the tools, resources and prompts of spec/mcp.md.

stdio and streamable HTTP are two ways to run this one object (``transports/``); nothing about a tool is
written twice. Tools are not registered as Python functions: their schemas come from the tool catalog, and
every call goes through ``tools.dispatch`` (the one path every caller shares). ``MaestroServer`` therefore
answers ``tools/list`` and ``tools/call`` from the catalog by overriding the two public ``MCPServer`` methods
the SDK's handlers delegate to (``list_tools`` and ``call_tool``), and prompts likewise from ``prompts/``
(``list_prompts``, ``get_prompt``); resources use the SDK's own registry.
The documentation resources (``stori://docs/...``) live in ``server_docs``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from functools import cache
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.caching import CacheHint
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    GetPromptResult,
    InputRequiredResult,
    PromptArgument,
    PromptMessage,
    TextContent,
)
from mcp_types import Prompt as MCPPrompt
from mcp_types import Resource as MCPResource
from mcp_types import Tool as MCPTool
from pydantic import AnyUrl

from maestro_mcp.daw import router as daw_router
from maestro_mcp.daw.remote import read_remote_project
from maestro_mcp.prompts import (
    PromptArgumentError,
    PromptNotFound,
    get_card,
    get_template,
    inspiration_cards,
    mcp_prompt_names,
    mcp_prompt_text,
    parse_stori_prompt,
)
from maestro_mcp.prompts.templates import COMPOSE_PROMPT, mcp_prompt_title
from maestro_mcp.reference import stori_prompt_guide
from maestro_mcp.server_docs import DOCS_URI, DocResources, tool_reference
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
        self.docs = DocResources(self, services.settings)

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

    # Prompts are answered from prompts/ rather than registered as Python functions, for the reason tools
    # are: the argument rules (and their -32602 messages, mcp.md §4) live in one place, prompts/templates.py.

    async def list_prompts(self) -> list[MCPPrompt]:
        return [_mcp_prompt(name) for name in mcp_prompt_names()]

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        if name not in mcp_prompt_names():
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {name}")
        given = {key: None if value is None else str(value) for key, value in (arguments or {}).items()}
        declared = {argument.name for argument in _prompt_arguments(name)}
        for key in given:
            if key not in declared:
                message = f"Invalid argument {key}: not an argument of {name}"
                raise MCPError(code=INVALID_PARAMS, message=message)
        try:
            text = mcp_prompt_text(name, given)
        except PromptArgumentError as exc:
            raise MCPError(code=INVALID_PARAMS, message=exc.message) from None
        return GetPromptResult(
            description=_prompt_description(name),
            messages=[PromptMessage(role="user", content=TextContent(type="text", text=text))],
        )

    def tool_context(self, principal: str) -> ToolContext:
        return ToolContext(
            principal=principal,
            projects=self.services.projects,
            settings=self.services.settings,
            daw_hub=self.services.daw_hub,
        )

    async def list_resources(self) -> list[MCPResource]:
        await self.docs.register_pages()
        return await super().list_resources()

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        if str(uri).startswith(DOCS_URI):
            await self.docs.register_pages()
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
            fn=tool_reference,
        )
    )
    _register_content_resources(server)
    server.docs.register_search()
    return server


def _register_project_resources(server: MaestroServer) -> None:
    services = server.services

    async def current_project() -> str:
        principal = _principal.get()
        # With a connected DAW the caller sees the DAW's project (tools.md §4.1), else the headless one.
        remote = await read_remote_project(services.daw_hub, principal, services.settings)
        if remote is not None:
            snapshot, source, version = remote
            body = {"project": snapshot, "source": source, "stateVersion": version}
        else:
            project, version = await services.projects.read(principal)
            body = {
                "project": project.to_snapshot(include_notes=True, include_automation=True),
                "source": "headless",
                "stateVersion": version,
            }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    async def current_project_midi() -> bytes:
        from maestro_mcp.daw.export import project_to_midi

        project, _ = await daw_router.current_project(
            _principal.get(), services.projects, services.settings, services.daw_hub
        )
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


# -- prompts (mcp.md §4) -------------------------------------------------------------------------------

_KEY_ARGUMENT = PromptArgument(name="key", description="Musical key, e.g. Am, F#m, Bb or D dorian")
_TEMPO_ARGUMENT = PromptArgument(name="tempo", description="Tempo in BPM, a number from 40 to 240")
_BARS_ARGUMENT = PromptArgument(name="bars", description="Length in bars, an integer from 1 to 128")
_TEMPLATE_ARGUMENTS = (_KEY_ARGUMENT, _TEMPO_ARGUMENT, _BARS_ARGUMENT)
_COMPOSE_ARGUMENTS = (
    PromptArgument(name="style", description="Genre or style, e.g. lofi hip hop, jazz", required=True),
    PromptArgument(name="key", description="Musical key (default C), e.g. Am, F#m, Bb or D dorian"),
    PromptArgument(name="tempo", description="Tempo in BPM, 40 to 240 (default: the style's usual tempo)"),
    PromptArgument(name="bars", description="Length in bars, 1 to 128 (default 8)"),
    PromptArgument(name="roles", description="Instruments, comma-separated (default: the style's)"),
    PromptArgument(name="section", description="Section being written, e.g. intro, verse, chorus, drop"),
    PromptArgument(name="request", description="What to compose, in words (default: Compose <style> <roles>)"),
)


def _prompt_arguments(name: str) -> tuple[PromptArgument, ...]:
    return _COMPOSE_ARGUMENTS if name == COMPOSE_PROMPT else _TEMPLATE_ARGUMENTS


@cache
def _prompt_description(name: str) -> str:
    if name == COMPOSE_PROMPT:
        return "A Mode: compose STORI PROMPT for any style, to realise with the stori_* tools."
    prompt = parse_stori_prompt(get_template(name).full_prompt)
    assert prompt is not None  # templates are STORI PROMPTs by construction (tests/prompts)
    tempo = f"{prompt.tempo:g}" if prompt.tempo is not None else "?"
    return (
        f"{prompt.style}, {prompt.key}, {tempo} BPM, {prompt.bars} bars: {', '.join(prompt.roles)}. "
        "A STORI PROMPT to realise with the stori_* tools; key, tempo and bars may be overridden."
    )


def _mcp_prompt(name: str) -> MCPPrompt:
    return MCPPrompt(
        name=name,
        title=mcp_prompt_title(name),
        description=_prompt_description(name),
        arguments=list(_prompt_arguments(name)),
    )


# -- static content resources (mcp.md §5) --------------------------------------------------------------


def _json(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _register_content_resources(server: MaestroServer) -> None:
    server.add_resource(
        FunctionResource(
            uri="stori://reference/stori-prompt",
            name="STORI PROMPT format",
            description="Guide to the STORI PROMPT: header, fields, Position, Constraints, Vibe, blocks, examples.",
            mime_type="text/markdown",
            fn=stori_prompt_guide,
        )
    )
    server.add_resource(
        FunctionResource(
            uri="stori://inspiration/cards",
            name="Inspiration cards",
            description="All 22 inspiration cards: {prompts: [{id, title, preview, fullPrompt}]}.",
            mime_type="application/json",
            fn=lambda: _json({"prompts": [card.model_dump(by_alias=True) for card in inspiration_cards()]}),
        )
    )

    @server.resource(
        "stori://inspiration/cards/{cardId}",
        name="Inspiration card",
        description="One inspiration card by id: {id, title, preview, fullPrompt}.",
        mime_type="application/json",
    )
    def inspiration_card(cardId: str) -> str:  # the URI template's variable names the parameter
        try:
            card = get_card(cardId)
        except PromptNotFound:
            raise ResourceNotFoundError(f"Unknown inspiration card: {cardId}") from None
        return _json(card.model_dump(by_alias=True, exclude={"sections"}))

    @server.resource(
        "stori://templates/{templateId}",
        name="Prompt template",
        description="One prompt template by id: {id, title, fullPrompt, sections: [{heading, content}]}.",
        mime_type="application/json",
    )
    def prompt_template(templateId: str) -> str:
        try:
            template = get_template(templateId)
        except PromptNotFound:
            raise ResourceNotFoundError(f"Unknown prompt template: {templateId}") from None
        return _json(template.model_dump(by_alias=True))

