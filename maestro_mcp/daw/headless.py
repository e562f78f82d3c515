"""The headless DAW: the reference semantics of the 36 DAW tools (tools.md §4–9, §11–12) on a Project.

``apply`` runs one call in place and returns the tool's own result fields; the envelope (``ok``,
``tool``, ``warnings``, ``executedBy``, ``stateVersion``) is added by the caller. Warnings go to the list
the caller passes, so they can reach the envelope without being part of the result shape.
"""

from __future__ import annotations

from typing import Any

from maestro_mcp.errors import ErrorCode, ToolError

from .arguments import effective_arguments
from .model import Project
from .ops import HANDLERS
from .resolve import resolve_entities

DAW_TOOLS: frozenset[str] = frozenset(HANDLERS)
READ_ONLY_TOOLS = frozenset({"stori_read_project"})
# Alias → canonical (tools.md §2.8): the alias handlers differ only in their extra parameters/fields.
ALIASES = {
    "stori_set_key_signature": "stori_set_key",
    "stori_add_track": "stori_add_midi_track",
    "stori_add_region": "stori_add_midi_region",
}


def apply(
    project: Project, tool: str, params: dict[str, Any], *, warnings: list[str] | None = None
) -> dict[str, Any]:
    """Execute one DAW tool on ``project`` in place; return its result fields (camelCase, every field).

    ``params`` are the tool layer's validated, normalised parameters; entity names still in them are
    resolved here and project-dependent defaults are filled in, so a direct call works as well.
    """
    handler = HANDLERS.get(tool)
    if handler is None:
        raise ToolError.one(ErrorCode.UNKNOWN_TOOL, "", f"unknown tool '{tool}'")
    resolved = resolve_entities(project, tool, params)
    return handler(
        project, effective_arguments(project, tool, resolved), warnings if warnings is not None else []
    )
