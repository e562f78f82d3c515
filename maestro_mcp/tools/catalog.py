"""The catalog of the 41 tools, in the order of tools.md §1 (which is also the ``tools/list`` order)."""

from __future__ import annotations

from typing import Literal

from maestro_mcp.tools.spec_types import CATEGORY_TITLES, ToolSpec
from maestro_mcp.tools.specs_arrange import PROJECT_TOOLS, REGION_TOOLS, TRACK_TOOLS
from maestro_mcp.tools.specs_edit import (
    AUTOMATION_TOOLS,
    EFFECTS_TOOLS,
    NOTES_TOOLS,
    PLAYBACK_TOOLS,
    UI_TOOLS,
)
from maestro_mcp.tools.specs_generate import GENERATION_TOOLS

Profile = Literal["full", "compact"]

CATALOG: tuple[ToolSpec, ...] = (
    *PROJECT_TOOLS,
    *TRACK_TOOLS,
    *REGION_TOOLS,
    *NOTES_TOOLS,
    *EFFECTS_TOOLS,
    *AUTOMATION_TOOLS,
    *GENERATION_TOOLS,
    *PLAYBACK_TOOLS,
    *UI_TOOLS,
)
TOOLS_BY_NAME: dict[str, ToolSpec] = {spec.name: spec for spec in CATALOG}
TOOL_NAMES: tuple[str, ...] = tuple(TOOLS_BY_NAME)
ALIAS_NAMES: tuple[str, ...] = tuple(s.name for s in CATALOG if s.is_alias)
COMPACT_TOOL_NAMES: tuple[str, ...] = tuple(s.name for s in CATALOG if s.in_compact_profile)
GENERATION_TOOL_NAMES: frozenset[str] = frozenset(s.name for s in CATALOG if s.runs == "server")

assert len(CATALOG) == 41 and len(TOOLS_BY_NAME) == 41, "tools.md fixes exactly 41 tools"
assert all(s.category in CATEGORY_TITLES for s in CATALOG)


def get_spec(name: str) -> ToolSpec | None:
    """The spec called ``name`` (canonical or alias), or None. Names match exactly."""
    return TOOLS_BY_NAME.get(name)


def canonical_spec(name: str) -> ToolSpec | None:
    spec = TOOLS_BY_NAME.get(name)
    return TOOLS_BY_NAME[spec.canonical] if spec is not None else None


def list_specs(profile: Profile = "full") -> tuple[ToolSpec, ...]:
    """Tools to list for a profile (mcp.md §7). Aliases hidden by ``compact`` stay callable."""
    return CATALOG if profile == "full" else tuple(s for s in CATALOG if s.in_compact_profile)
