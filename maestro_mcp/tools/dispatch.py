"""``dispatch``: the one path of every tool call (MCP, REST, the agent loop, the planner).

name (stage 1) -> allowlist (2) -> references, normalisation, schema, cross-field rules (3, 4, 6) ->
execution: DAW tools through ``daw.router`` (which resolves entities, stage 5, and runs or forwards the
call), generation tools in the server. Every outcome is a ``ToolResult``; nothing raises to the caller
except cancellation.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from maestro_mcp.config import Settings
from maestro_mcp.daw import router
from maestro_mcp.daw.remote import DawHub
from maestro_mcp.errors import ErrorCode, ErrorItem, ToolError
from maestro_mcp.store.projects import ProjectStore
from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.generation import run_generation
from maestro_mcp.tools.results import ToolResult, success_payload
from maestro_mcp.tools.stages import ValidatedCall, validate_call

logger = logging.getLogger(__name__)

__all__ = ["ToolContext", "ToolResult", "dispatch", "unknown_tool_result"]


@dataclass(frozen=True)
class ToolContext:
    """Who calls and against what: the principal, its project store, settings, and for calls inside a
    plan the earlier calls' outcomes (for ``$N.field``) and the allowlist of LLM-produced calls."""

    principal: str
    projects: ProjectStore
    settings: Settings
    # Outcomes of the plan's calls by index: the result payload, or None when skipped. None = not in a plan.
    plan_results: list[dict[str, Any] | None] | None = None
    # This call's index in the plan (an LLM batch keeps the LLM's order); default len(plan_results).
    plan_index: int | None = None
    # Tools an LLM-produced call may use (canonical or alias names); None = no restriction.
    allowed_tools: frozenset[str] | None = None
    allowlist_label: str | None = None  # e.g. "intent track.mute", for the TOOL_NOT_ALLOWED message
    trace_id: str | None = None  # logged with an INTERNAL_ERROR and quoted in its message
    daw_hub: DawHub | None = None  # connected Stori DAWs: DAW tools go there when the principal has one


def unknown_tool_result(name: str) -> ToolResult:
    """Stage 1 failure. MCP turns it into JSON-RPC -32602 and REST into 404 (``result.unknown_tool``)."""
    return ToolResult.failure(name, ToolError.one(ErrorCode.UNKNOWN_TOOL, "", f"unknown tool '{name}'"))


async def dispatch(ctx: ToolContext, name: str, arguments: dict[str, Any] | None) -> ToolResult:
    spec = get_spec(name)
    if spec is None:
        return unknown_tool_result(name)
    if ctx.allowed_tools is not None and not {spec.name, spec.canonical} & ctx.allowed_tools:
        where = ctx.allowlist_label or "this request"
        return ToolResult.failure(
            spec.canonical,
            ToolError.one(ErrorCode.TOOL_NOT_ALLOWED, "", f"{spec.canonical} is not allowed for {where}"),
        )
    try:
        call = validate_call(spec, arguments, ctx.plan_results, ctx.plan_index)
    except ToolError as exc:
        return ToolResult.failure(spec.canonical, exc)

    try:
        if spec.runs == "server":
            payload = await _run_server_tool(ctx, call)
        else:
            payload = await _run_daw_tool(ctx, call)
    except ToolError as exc:
        return ToolResult.failure(spec.canonical, exc, call.params)
    except Exception:
        trace = ctx.trace_id or uuid.uuid4().hex[:12]
        logger.exception("tool %s failed (trace %s)", spec.canonical, trace)
        error = ToolError([ErrorItem(ErrorCode.INTERNAL_ERROR, "", f"internal error (trace {trace})")],
                          executed_by="server" if spec.runs == "server" else None)
        return ToolResult.failure(spec.canonical, error, call.params)
    return ToolResult.success(payload, call.params)


async def _run_daw_tool(ctx: ToolContext, call: ValidatedCall) -> dict[str, Any]:
    warnings = list(call.warnings)
    # Aliases go to the router under their own name: it runs stori_add_track (add, volume, pan) as one
    # change of the state version, and forwards canonical calls to a DAW (tools.md §2.8).
    fields, executed_by = await router.execute(
        ctx.principal, ctx.projects, ctx.settings, call.spec.name, call.params, warnings=warnings, hub=ctx.daw_hub
    )
    daw_result = fields.pop("dawResult", None)
    return success_payload(call.spec, fields, executed_by, warnings, daw_result)


async def _run_server_tool(ctx: ToolContext, call: ValidatedCall) -> dict[str, Any]:
    project, _version = await ctx.projects.read(ctx.principal)
    ts = project.time_signature
    # Writes into a region are ordinary calls of this principal, outside any plan or allowlist.
    nested = dataclasses.replace(ctx, plan_results=None, plan_index=None, allowed_tools=None)

    async def write(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return (await dispatch(nested, name, arguments)).payload

    warnings = list(call.warnings)
    fields = await run_generation(
        call.tool, call.params, warnings, ctx.settings, project.key, (ts.numerator, ts.denominator), write
    )
    return success_payload(call.spec, fields, "server", warnings)
