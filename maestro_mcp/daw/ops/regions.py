"""Region tools (tools.md §6)."""

from __future__ import annotations

from typing import Any

from ..model import Project, Region, new_id
from ._common import EPSILON, Handler, region_param, required, track_param
from .tracks import normalise_color


def _overlaps(project: Project, track_id: str, region: Region) -> list[str]:
    track = project.track(track_id)
    assert track is not None
    return [
        r.name or r.id
        for r in track.regions
        if r is not region
        and r.start_beat < region.end_beat - EPSILON
        and region.start_beat < r.end_beat - EPSILON
    ]


def add_midi_region(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track = track_param(project, params)
    name = params.get("name") or f"{track.name} {len(track.regions) + 1}"
    region = Region(
        id=params.get("regionId") or new_id(),
        name=str(name).strip(),
        start_beat=float(required(params, "startBeat")),
        duration_beats=float(required(params, "durationBeats")),
        color=normalise_color(params["color"]) if params.get("color") else None,
    )
    track.regions.append(region)
    overlapping = _overlaps(project, track.id, region)
    if overlapping:
        warnings.append(
            f"region '{region.name}' overlaps {', '.join(repr(n) for n in overlapping)} on track '{track.name}'"
        )
    return {
        "regionId": region.id,
        "trackId": track.id,
        "startBeat": region.start_beat,
        "durationBeats": region.duration_beats,
        "name": region.name,
    }


def add_region(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    result = add_midi_region(project, params, warnings)
    region = project.region(result["regionId"])
    assert region is not None
    return {**result, "color": region[1].color}


def delete_region(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track, region = region_param(project, params)
    track.regions.remove(region)
    return {"regionId": region.id, "trackId": track.id, "removedNoteCount": len(region.notes)}


def move_region(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Event times are region-relative, so moving the region moves its contents with it."""
    track, region = region_param(project, params)
    previous = region.start_beat
    region.start_beat = float(required(params, "startBeat"))
    overlapping = _overlaps(project, track.id, region)
    if overlapping:
        warnings.append(f"region '{region.name}' now overlaps {', '.join(repr(n) for n in overlapping)}")
    return {"regionId": region.id, "startBeat": region.start_beat, "previousStartBeat": previous}


def duplicate_region(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track, source = region_param(project, params)
    copy = source.model_copy(deep=True)
    copy.id = params.get("newRegionId") or new_id()
    copy.name = f"{source.name} copy" if source.name else "copy"
    copy.start_beat = float(required(params, "startBeat"))
    # Right after the source keeps the track's regions in time order in the common case.
    track.regions.insert(track.regions.index(source) + 1, copy)
    overlapping = _overlaps(project, track.id, copy)
    if overlapping:
        warnings.append(f"region '{copy.name}' overlaps {', '.join(repr(n) for n in overlapping)}")
    return {
        "regionId": source.id,
        "newRegionId": copy.id,
        "trackId": track.id,
        "startBeat": copy.start_beat,
        "durationBeats": copy.duration_beats,
        "name": copy.name,
    }


HANDLERS: dict[str, Handler] = {
    "stori_add_midi_region": add_midi_region,
    "stori_add_region": add_region,
    "stori_delete_region": delete_region,
    "stori_move_region": move_region,
    "stori_duplicate_region": duplicate_region,
}
