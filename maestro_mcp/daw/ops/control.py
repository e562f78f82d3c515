"""Automation and MIDI control tools (tools.md §9): automation lanes, CC, pitch bend, aftertouch.

Each writes events that replace an existing event at the same beat (same controller, same pitch) so a
repeated call leaves the same state (the tools are idempotent).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from ..model import AftertouchEvent, AutomationLane, AutomationPoint, CCEvent, PitchBendEvent, Project
from ._common import EPSILON, Handler, region_param, required, track_param

AUTOMATION_TOLERANCE = 0.001  # beats: a new point this close to an existing one replaces it

E = TypeVar("E", AutomationPoint, CCEvent, PitchBendEvent, AftertouchEvent)


def normalise_parameter(text: str) -> str:
    """``"Filter Cutoff (CC74)"`` → ``filter_cutoff`` (tools.md §9.1)."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text.strip())
    return re.sub(r"[\s\-]+", "_", text).lower()


def merge(existing: list[E], new: list[E], same: Callable[[E, E], bool]) -> list[E]:
    """``existing`` with each of ``new`` replacing the events it is ``same`` as, sorted by beat."""
    out = list(existing)
    for event in new:
        out = [e for e in out if not same(e, event)]
        out.append(event)
    out.sort(key=lambda e: e.beat)
    return out


def add_automation(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    target = "target" if params.get("target") is not None else "trackId"
    track = track_param(project, params, target)
    parameter = normalise_parameter(str(params.get("parameter") or "volume"))
    points = [AutomationPoint.model_validate(p) for p in required(params, "points")]
    lane = next((a for a in track.automation if a.parameter == parameter), None)
    if lane is None:
        lane = AutomationLane(parameter=parameter)
        track.automation.append(lane)
    lane.points = merge(lane.points, points, lambda a, b: abs(a.beat - b.beat) <= AUTOMATION_TOLERANCE)
    return {
        "target": track.id,
        "parameter": parameter,
        "addedCount": len(points),
        "pointCount": len(lane.points),
    }


def add_midi_cc(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    _, region = region_param(project, params)
    cc = int(required(params, "cc"))
    events = [
        CCEvent(cc=cc, beat=float(e["beat"]), value=int(e["value"])) for e in required(params, "events")
    ]
    region.cc_events = merge(
        region.cc_events, events, lambda a, b: a.cc == b.cc and abs(a.beat - b.beat) <= EPSILON
    )
    count = sum(1 for e in region.cc_events if e.cc == cc)
    return {"regionId": region.id, "cc": cc, "addedCount": len(events), "eventCount": count}


def add_pitch_bend(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    _, region = region_param(project, params)
    events = [PitchBendEvent.model_validate(e) for e in required(params, "events")]
    region.pitch_bends = merge(region.pitch_bends, events, lambda a, b: abs(a.beat - b.beat) <= EPSILON)
    return {"regionId": region.id, "addedCount": len(events), "eventCount": len(region.pitch_bends)}


def add_aftertouch(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    _, region = region_param(project, params)
    events = [AftertouchEvent.model_validate(e) for e in required(params, "events")]
    region.aftertouch = merge(
        region.aftertouch, events, lambda a, b: a.pitch == b.pitch and abs(a.beat - b.beat) <= EPSILON
    )
    return {"regionId": region.id, "addedCount": len(events), "eventCount": len(region.aftertouch)}


HANDLERS: dict[str, Handler] = {
    "stori_add_automation": add_automation,
    "stori_add_midi_cc": add_midi_cc,
    "stori_add_pitch_bend": add_pitch_bend,
    "stori_add_aftertouch": add_aftertouch,
}
