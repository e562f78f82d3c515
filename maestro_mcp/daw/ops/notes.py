"""Notes tools (tools.md §7): add, clear, quantize, swing. The last two follow the exact headless
rules of §7.3 and §7.4."""

from __future__ import annotations

import math
from typing import Any

from maestro_mcp.errors import ErrorCode, ToolError

from ..model import Note, Project
from ._common import EPSILON, Handler, region_param, required, round_beat

GRID_BEATS = {"1/4": 1.0, "1/8": 0.5, "1/16": 0.25, "1/32": 0.125, "1/64": 0.0625}
SWING_WINDOW = 0.05  # beats either side of an off-beat eighth that still count as "on" it


def add_notes(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    _, region = region_param(project, params)
    notes = [Note.model_validate(n) for n in required(params, "notes")]
    region.notes.extend(notes)
    past_end = sum(1 for n in notes if n.start_beat + n.duration_beats > region.duration_beats + EPSILON)
    if past_end:
        warnings.append(f"{past_end} note(s) run past the end of region '{region.name or region.id}'; kept")
    return {"regionId": region.id, "addedCount": len(notes), "noteCount": len(region.notes)}


def clear_notes(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    _, region = region_param(project, params)
    removed = len(region.notes)
    region.notes = []
    return {"regionId": region.id, "removedCount": removed}


def grid_from_params(params: dict[str, Any]) -> str:
    grid = params.get("grid")
    if grid is None and params.get("gridSize") is not None:
        # The tool layer maps gridSize already; a direct call may still carry it.
        size = float(params["gridSize"])
        grid = next((g for g, beats in GRID_BEATS.items() if math.isclose(beats, size)), None)
        if grid is None:
            raise ToolError.one(
                ErrorCode.INVALID_ENUM,
                "gridSize",
                f"must be one of 1, 0.5, 0.25, 0.125, 0.0625 (got {size:g})",
            )
    grid = str(grid or "1/16")
    if grid not in GRID_BEATS:
        raise ToolError.one(
            ErrorCode.INVALID_ENUM, "grid", f"must be one of {', '.join(GRID_BEATS)} (got '{grid}')"
        )
    return grid


def quantize_start(start: float, step: float, strength: float) -> float:
    """``s + strength × (nearest(s) − s)``; a start exactly between two lines goes to the later one."""
    nearest = math.floor(start / step + 0.5 + EPSILON) * step
    return round_beat(start + strength * (nearest - start))


def quantize_notes(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    _, region = region_param(project, params)
    grid = grid_from_params(params)
    strength = float(params.get("strength", 1.0) if params.get("strength") is not None else 1.0)
    moved = 0
    for note in region.notes:
        new_start = quantize_start(note.start_beat, GRID_BEATS[grid], strength)
        if abs(new_start - note.start_beat) > EPSILON:
            note.start_beat = new_start
            moved += 1
    return {"regionId": region.id, "grid": grid, "strength": strength, "movedCount": moved}


def swing_start(start: float, amount: float) -> float:
    """A start within 0.05 beat of an off-beat eighth ``k + 0.5`` moves to ``k + 0.5 + amount / 6``."""
    off_beat = math.floor(start) + 0.5
    if abs(start - off_beat) <= SWING_WINDOW + EPSILON:
        return round_beat(off_beat + amount / 6)
    return start


def apply_swing(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    _, region = region_param(project, params)
    amount = float(required(params, "amount"))
    moved = 0
    for note in region.notes:
        new_start = swing_start(note.start_beat, amount)
        if abs(new_start - note.start_beat) > EPSILON:
            note.start_beat = new_start
            moved += 1
    return {"regionId": region.id, "amount": amount, "movedCount": moved}


HANDLERS: dict[str, Handler] = {
    "stori_add_notes": add_notes,
    "stori_clear_notes": clear_notes,
    "stori_quantize_notes": quantize_notes,
    "stori_apply_swing": apply_swing,
}
