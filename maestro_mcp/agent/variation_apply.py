"""Applying accepted phrases to a project (spec/variations.md §6.4, steps 1–2): pure, in place.

``apply_phrases`` is the function a commit hands to the project store's ``mutate``: it runs inside the
store's one transaction, so when it raises nothing is applied. Structural calls go through the headless
DAW (``daw.headless.apply``) with their recorded, concrete ids; note and controller changes are applied
to the model directly, removals matched the way the diff matched them (same pitch, start within 0.05).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.daw import headless
from maestro_mcp.daw.model import AftertouchEvent, CCEvent, Note, PitchBendEvent, Project, Region

from .variation_diff import CONTROLLER_BEAT_TOLERANCE, START_TOLERANCE
from .variation_model import ControllerChange, Phrase, ToolCallRecord, Variation

_EPS = 1e-9
# Region creations are kept only for regions with an accepted phrase (§6.4 step 1).
_REGION_CREATION = frozenset({"stori_add_midi_region", "stori_add_region"})


class ApplyError(Exception):
    """The accepted changes cannot be applied (``APPLICATION_FAILED``); nothing was applied."""


@dataclass(slots=True)
class Applied:
    tool_calls: list[ToolCallRecord]
    updated_regions: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def structural_calls(variation: Variation, accepted: Sequence[Phrase]) -> list[ToolCallRecord]:
    """§6.4 step 1: the calls of tracks with an accepted phrase, project-level calls, region creations of
    regions with an accepted phrase; all of them for a variation without phrases. Original order."""
    if not variation.phrases:
        return list(variation.tool_calls)
    tracks = {p.track_id for p in accepted}
    regions = {p.region_id for p in accepted}
    kept: list[ToolCallRecord] = []
    for call in variation.tool_calls:
        if call.name in _REGION_CREATION:
            if call.params.get("regionId") in regions:
                kept.append(call)
            continue
        track_id = call.params.get("trackId")
        if track_id is None or track_id in tracks:
            kept.append(call)
    return kept


def _find_note(region: Region, note: Note) -> int | None:
    """Index of the region note a removal means: same pitch, start within the tolerance, the closest
    (and among equals the one that also agrees on duration and velocity)."""
    best: tuple[float, int, int] | None = None
    for i, n in enumerate(region.notes):
        if n.pitch != note.pitch:
            continue
        distance = abs(n.start_beat - note.start_beat)
        if distance > START_TOLERANCE + _EPS:
            continue
        mismatch = int(abs(n.duration_beats - note.duration_beats) > _EPS) + int(n.velocity != note.velocity)
        key = (distance, mismatch, i)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _controller_list(region: Region, change: ControllerChange) -> list[Any]:
    if change.kind == "cc":
        return region.cc_events
    if change.kind == "pitchBend":
        return region.pitch_bends
    return region.aftertouch


def _controller_event(change: ControllerChange) -> CCEvent | PitchBendEvent | AftertouchEvent:
    if change.kind == "cc":
        assert change.cc is not None
        return CCEvent(cc=change.cc, beat=change.beat, value=change.value)
    if change.kind == "pitchBend":
        return PitchBendEvent(beat=change.beat, value=change.value)
    return AftertouchEvent(beat=change.beat, value=change.value, pitch=change.pitch)


def _matches(event: Any, change: ControllerChange) -> bool:
    return (
        abs(event.beat - change.beat) <= CONTROLLER_BEAT_TOLERANCE + _EPS
        and event.value == change.value
        and getattr(event, "cc", None) == change.cc
        and getattr(event, "pitch", None) == change.pitch
    )


def _ensure_region(project: Project, variation: Variation, phrase: Phrase) -> Region:
    """The phrase's region; one the variation created and no structural call made is created here from
    what the variation recorded (and its track too), so a commit never depends on the calls alone."""
    found = project.region(phrase.region_id)
    if found is not None:
        return found[1]
    created = next((r for r in variation.created_regions if r.region_id == phrase.region_id), None)
    if created is None:
        raise ApplyError(f"region {phrase.region_id} no longer exists")
    track = project.track(phrase.track_id)
    if track is None:
        template = next((t for t in variation.created_tracks if t.id == phrase.track_id), None)
        if template is None:
            raise ApplyError(f"track {phrase.track_id} no longer exists")
        track = template.model_copy(deep=True)
        project.tracks.append(track)
    region = Region(
        id=created.region_id, name=created.name, start_beat=created.start_beat,
        duration_beats=created.duration_beats, color=created.color,
    )
    track.regions.append(region)
    return region


def _apply_phrase(project: Project, variation: Variation, phrase: Phrase, *, force: bool, warnings: list[str]) -> None:
    region = _ensure_region(project, variation, phrase)
    for change in phrase.note_changes:
        if change.before is not None:  # removed or modified: the old note goes
            index = _find_note(region, change.before)
            if index is None:
                message = (
                    f"{phrase.label}: note {change.before.pitch} at beat {change.before.start_beat:g} "
                    f"of region {region.id} no longer exists"
                )
                if not force:
                    raise ApplyError(message)
                warnings.append(f"{message}; skipped")
                continue
            del region.notes[index]
        if change.after is not None:
            region.notes.append(change.after.model_copy())
    for c in phrase.controller_changes:
        events = _controller_list(region, c)
        if c.change_type == "added":
            events.append(_controller_event(c))
            continue
        hit = next((i for i, e in enumerate(events) if _matches(e, c)), None)
        if hit is None:
            if not force:
                raise ApplyError(f"{phrase.label}: a {c.kind} event at beat {c.beat:g} no longer exists")
            warnings.append(f"{phrase.label}: {c.kind} event at beat {c.beat:g} no longer exists; skipped")
            continue
        del events[hit]


def region_content(project: Project, region_id: str, created: bool) -> dict[str, Any]:
    """One entry of ``updatedRegions``: the region's full content after the commit."""
    found = project.region(region_id)
    assert found is not None
    track, region = found
    body: dict[str, Any] = {
        "regionId": region.id,
        "trackId": track.id,
        "notes": [n.wire() for n in sorted(region.notes, key=lambda n: (n.start_beat, n.pitch))],
        "ccEvents": [e.wire() for e in region.cc_events],
        "pitchBends": [e.wire() for e in region.pitch_bends],
        "aftertouch": [e.wire() for e in region.aftertouch],
    }
    if created:
        body.update(startBeat=region.start_beat, durationBeats=region.duration_beats, name=region.name)
    return body


def apply_phrases(project: Project, variation: Variation, accepted: Sequence[Phrase], *, force: bool = False) -> Applied:
    """§6.4 steps 1–2 on ``project`` in place. Raises ``ApplyError`` (the caller's transaction then
    leaves the project as it was)."""
    if project.id != variation.project_id:
        raise ApplyError(f"the project is {project.id}, the variation is for {variation.project_id}")
    warnings: list[str] = []
    calls = structural_calls(variation, accepted)
    for call in calls:
        try:
            headless.apply(project, call.name, dict(call.params), warnings=warnings)
        except Exception as exc:  # a ToolError or a model error: either way the commit cannot apply
            raise ApplyError(f"{call.name} failed: {exc}") from exc
    for phrase in accepted:
        _apply_phrase(project, variation, phrase, force=force, warnings=warnings)
    created = {r.region_id for r in variation.created_regions}
    regions = list(dict.fromkeys(p.region_id for p in accepted))
    updated = [region_content(project, r, r in created) for r in regions]
    return Applied(tool_calls=calls, updated_regions=updated, warnings=warnings)
