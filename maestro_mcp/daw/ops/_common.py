"""Helpers shared by the tool handlers: parameter access, entity lookup after resolution, rounding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maestro_mcp.errors import ErrorCode, ToolError

from ..model import Project, Region, Track
from ..resolve import resolve_one

# One handler per tool: mutates the project in place, appends non-blocking notes to ``warnings`` and
# returns the tool's result fields (tools.md, camelCase, every field present).
Handler = Callable[[Project, dict[str, Any], list[str]], dict[str, Any]]

EPSILON = 1e-9


def required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None:
        # The tool layer validates first; this guards direct calls (tests, the agent's mirror).
        raise ToolError.one(ErrorCode.MISSING_REQUIRED, name, "is required")
    return value


def track_param(project: Project, params: dict[str, Any], name: str = "trackId") -> Track:
    """The track a (resolved) parameter names; still resolves names so direct calls work too."""
    track_id = resolve_one(project, "track", str(required(params, name)), name, "trackId")
    track = project.track(track_id)
    assert track is not None
    return track


def region_param(project: Project, params: dict[str, Any]) -> tuple[Track, Region]:
    region_id = resolve_one(project, "region", str(required(params, "regionId")), "regionId", "regionId")
    found = project.region(region_id)
    assert found is not None
    return found


def round_db(value: float) -> float:
    """Levels are kept to 0.1 dB (README wire convention 2)."""
    return round(float(value), 1) + 0.0


def round_beat(value: float) -> float:
    """Arithmetic on beats leaves float dust (0.30000000000000004); keep 9 decimals."""
    return round(float(value), 9) + 0.0
