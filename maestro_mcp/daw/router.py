"""Where a DAW tool call runs (tools.md §2.5), and the one transaction around a headless call.

With ``STORI_DAW_MODE`` ``auto`` or ``daw`` and a Stori DAW connected for the principal, the call is
forwarded over the WebSocket bridge (``remote.execute_remote``: resolved against the DAW mirror, completed
with every effective argument, mirrored on success); otherwise it runs on the principal's headless project.
"""

from __future__ import annotations

from typing import Any

from maestro_mcp.config import Settings
from maestro_mcp.errors import ErrorCode, ToolError
from maestro_mcp.store.projects import ProjectStore

from .arguments import effective_arguments
from .headless import DAW_TOOLS, READ_ONLY_TOOLS
from .model import Project
from .ops import HANDLERS
from .remote import DawHub, execute_remote
from .resolve import resolve_entities

HEADLESS = "headless"
NO_DAW_MESSAGE = "No DAW connected. Please open Stori and connect."


async def execute(
    principal: str,
    projects: ProjectStore,
    settings: Settings,
    tool: str,
    params: dict[str, Any],
    *,
    warnings: list[str] | None = None,
    hub: DawHub | None = None,
) -> tuple[dict[str, Any], str]:
    """Run one DAW tool for ``principal``; return its result fields (with ``stateVersion``) and who ran it.

    Non-blocking notes are appended to ``warnings`` when a list is passed (they belong in the envelope).
    Entity errors leave with ``executed_by`` unset (stage 5); errors raised while applying carry
    ``"headless"``.
    """
    if tool not in DAW_TOOLS:
        raise ToolError.one(ErrorCode.UNKNOWN_TOOL, "", f"unknown tool '{tool}'")
    if settings.daw_mode != "headless" and hub is not None and hub.is_connected(principal):
        return await execute_remote(hub, principal, settings, tool, params, warnings)
    # `daw` mode with no DAW connected refuses every call but the project read, which falls back to the
    # headless project (tools.md §2.5).
    if settings.daw_mode == "daw" and tool not in READ_ONLY_TOOLS:
        raise ToolError.one(ErrorCode.DAW_UNAVAILABLE, "", NO_DAW_MESSAGE)
    return await _headless(principal, projects, tool, params, warnings)


async def current_project(
    principal: str, projects: ProjectStore, settings: Settings, hub: DawHub | None
) -> tuple[Project, int]:
    """The project the principal sees (tools.md §4.1): the connected DAW's mirror when there is one and the
    mode allows it, else the headless project. For exports, which need the model rather than a snapshot."""
    if settings.daw_mode != "headless" and hub is not None:
        mirrored = hub.mirror_state(principal)
        if mirrored is not None:
            return mirrored
    return await projects.read(principal)


async def _headless(
    principal: str,
    projects: ProjectStore,
    tool: str,
    params: dict[str, Any],
    warnings: list[str] | None,
) -> tuple[dict[str, Any], str]:
    handler = HANDLERS[tool]

    if tool in READ_ONLY_TOOLS:
        project, version = await projects.read(principal)
        result = handler(project, params, [])
        return {**result, "stateVersion": version}, HEADLESS

    notes: list[str] = []

    def run(project: Project) -> dict[str, Any]:
        # The store may call this again on a freshly loaded project after a write conflict:
        # start from a clean slate every time, so nothing of a lost attempt leaks out.
        notes.clear()
        resolved = resolve_entities(project, tool, params)
        arguments = effective_arguments(project, tool, resolved)
        try:
            return handler(project, arguments, notes)
        except ToolError as exc:
            exc.executed_by = exc.executed_by or HEADLESS
            raise

    result, version = await projects.mutate(principal, run)
    if warnings is not None:
        warnings.extend(notes)
    return {**result, "stateVersion": version}, HEADLESS
