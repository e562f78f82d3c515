"""Reading a project snapshot sent by a client (daw-websocket.md §6): the lenient input side of the Project
object, into a ``Project``.

Input is lenient (``projectId``, ``"N/D"`` time signatures, linear ``volume``, ``type: "drums"``, effect
type strings, any key spelling); out-of-range values the input accepts are clamped and reported (§6.4);
anything else is collected as error items with paths like ``tracks[2].regions[0].durationBeats``. A region
without ``notes`` (absent or ``null``) keeps the notes the previous project had for its id; the same holds
for ``ccEvents``, ``pitchBends`` and ``aftertouch``, and for a track's ``automation``.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.errors import MAX_ERRORS, ErrorCode, ErrorItem
from maestro_mcp.music.theory import TheoryError, parse_key

from .model import (
    AutomationLane,
    AutomationPoint,
    Bus,
    Effect,
    Project,
    Region,
    Selection,
    Send,
    TimeSignature,
    Track,
)
from .project_state_fields import Reader, Stop, read_aftertouch, read_bend, read_cc, read_note

MAX_TRACKS = 256
MAX_REGIONS = 4096
MAX_NOTES = 200_000
# Effects sent as bare type strings get ids derived from their place, so pushing the same snapshot twice
# gives the same project (and does not bump the state version).
_EFFECT_NAMESPACE = uuid.UUID("6f1d0c2e-3b4a-4e59-9a7c-2d8e1f0b3c4d")


class SnapshotError(Exception):
    """The snapshot breaks the rules of §6; ``errors`` carry the failing fields (at most 20)."""

    def __init__(self, errors: list[ErrorItem]) -> None:
        self.errors = errors[:MAX_ERRORS]
        super().__init__("; ".join(e.render() for e in self.errors))


@dataclass
class ParsedSnapshot:
    project: Project
    clamped: list[ErrorItem] = field(default_factory=list)  # VALUES_CLAMPED items (§6.4)


def parse_snapshot(data: Any, previous: Project | None = None) -> ParsedSnapshot:
    """The Project a snapshot describes; raises ``SnapshotError`` when it breaks §6."""
    reader = Reader()
    try:
        project = _project(reader, data, previous)
    except Stop:
        project = None
    if reader.errors or project is None:
        raise SnapshotError(reader.errors or [ErrorItem(ErrorCode.INVALID_VALUE, "", "not a project")])
    return ParsedSnapshot(project, reader.clamped)


def _project(r: Reader, data: Any, previous: Project | None) -> Project | None:
    obj = r.mapping(data, "")
    if obj is None:
        return None
    pid = r.string(obj, "id", "id", max_length=128)
    alt = r.string(obj, "projectId", "projectId", max_length=128)
    if pid is not None and alt is not None and pid.strip() != alt.strip():
        r.fail(ErrorCode.INVALID_VALUE, "projectId", "differs from id")
    project_id = (pid or alt or "").strip()
    if obj.get("id") is None and obj.get("projectId") is None:
        r.fail(ErrorCode.MISSING_REQUIRED, "id", "is required")
    elif not project_id and pid is not None:
        r.fail(ErrorCode.INVALID_VALUE, "id", "must not be empty")
    name = (r.string(obj, "name", "name", max_length=100) or "Untitled").strip() or "Untitled"
    tempo = r.ranged(obj, "tempo", "tempo", 20, 300)
    if tempo is not None and not 40 <= tempo <= 240:
        r.clamp("tempo", f"clamped from {tempo:g} to the range 40-240")
        tempo = min(max(tempo, 40.0), 240.0)
    key = "C"
    raw_key = r.string(obj, "key", "key")
    if raw_key is not None:
        try:
            key = parse_key(raw_key).name
        except TheoryError as exc:
            r.fail(ErrorCode.INVALID_VALUE, "key", str(exc))
    signature = TimeSignature()
    if obj.get("timeSignature") is not None:
        try:
            signature = TimeSignature.parse(obj["timeSignature"])
        except (ValueError, TypeError) as exc:
            r.fail(ErrorCode.INVALID_VALUE, "timeSignature", str(exc).splitlines()[0])
    known = _known_events(previous)
    tracks = r.objects(obj, "tracks", "tracks") or []
    if len(tracks) > MAX_TRACKS:
        r.fail(
            ErrorCode.VALUE_OUT_OF_RANGE,
            "tracks",
            f"at most {MAX_TRACKS} tracks per snapshot (got {len(tracks)})",
        )
        return None
    lanes = {t.id: t.automation for t in previous.tracks} if previous is not None else {}
    parsed_tracks = [_track(r, t, f"tracks[{i}]", known, lanes) for i, t in enumerate(tracks)]
    buses = [_bus(r, b, f"buses[{i}]") for i, b in enumerate(r.objects(obj, "buses", "buses") or [])]
    selection = _selection(r, obj.get("selection"))
    regions = sum(len(t.regions) for t in parsed_tracks if t is not None)
    if regions > MAX_REGIONS:
        r.fail(
            ErrorCode.VALUE_OUT_OF_RANGE,
            "tracks",
            f"at most {MAX_REGIONS} regions per snapshot (got {regions})",
        )
    notes = sum(len(rg.notes) for t in parsed_tracks if t is not None for rg in t.regions)
    if notes > MAX_NOTES:
        r.fail(
            ErrorCode.VALUE_OUT_OF_RANGE, "tracks", f"at most {MAX_NOTES} notes per snapshot (got {notes})"
        )
    if r.errors:
        return None
    return Project.model_construct(
        id=project_id,
        name=name,
        tempo=120.0 if tempo is None else tempo,
        key=key,
        time_signature=signature,
        schema_version=1,
        tracks=[t for t in parsed_tracks if t is not None],
        buses=[b for b in buses if b is not None],
        selection=selection,
        # Transport and UI state are the DAW's own; the previous mirror's are kept as they were.
        transport=previous.transport.model_copy() if previous else Project.new().transport,
        ui=previous.ui.model_copy(deep=True) if previous else Project.new().ui,
    )


_EventLists = tuple[list[Any], list[Any], list[Any], list[Any]]  # notes, CC, pitch bends, aftertouch


def _known_events(previous: Project | None) -> dict[str, _EventLists]:
    if previous is None:
        return {}
    return {
        rg.id: (rg.notes, rg.cc_events, rg.pitch_bends, rg.aftertouch)
        for t in previous.tracks
        for rg in t.regions
    }


def _track(
    r: Reader,
    data: Any,
    path: str,
    known: dict[str, _EventLists],
    known_lanes: dict[str, list[AutomationLane]],
) -> Track | None:
    obj = r.mapping(data, path)
    if obj is None:
        return None
    track_id = _entity_id(r, obj, path)
    is_drums = r.boolean(obj, "isDrums", f"{path}.isDrums")
    if is_drums is None:
        kind = r.string(obj, "type", f"{path}.type")
        is_drums = kind is not None and kind.strip().lower() == "drums"
    volume_db = r.ranged(obj, "volumeDb", f"{path}.volumeDb", -60, 6)
    if volume_db is None and obj.get("volumeDb") is None:
        gain = r.ranged(obj, "volume", f"{path}.volume", 0, 1.5)
        if gain is not None:
            volume_db = -60.0 if gain <= 0 else max(-60.0, round(20 * math.log10(gain), 1) + 0.0)
    effects = []
    for i, item in enumerate(r.objects(obj, "effects", f"{path}.effects") or []):
        effects.append(_effect(r, item, f"{path}.effects[{i}]", track_id, i))
    sends = []
    for i, item in enumerate(r.objects(obj, "sends", f"{path}.sends") or []):
        send = r.mapping(item, f"{path}.sends[{i}]")
        if send is None:
            continue
        bus_id = r.string(send, "busId", f"{path}.sends[{i}].busId")
        level = r.ranged(send, "levelDb", f"{path}.sends[{i}].levelDb", -60, 6)
        if not bus_id:
            r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.sends[{i}].busId", "is required")
        else:
            sends.append(Send.model_construct(bus_id=bus_id, level_db=0.0 if level is None else level))
    lanes = r.objects(obj, "automation", f"{path}.automation")
    # Like notes (§6.3), automation left out of a snapshot (it is output only with include_automation)
    # keeps what is known for this track.
    automation = (
        [lane.model_copy(deep=True) for lane in known_lanes.get(track_id, [])] if lanes is None else []
    )
    for i, item in enumerate(lanes or []):
        lane = _lane(r, item, f"{path}.automation[{i}]")
        if lane is not None:
            automation.append(lane)
    regions = []
    for i, item in enumerate(r.objects(obj, "regions", f"{path}.regions") or []):
        region = _region(r, item, f"{path}.regions[{i}]", known)
        if region is not None:
            regions.append(region)
    return Track.model_construct(
        id=track_id,
        name=(r.string(obj, "name", f"{path}.name", max_length=50) or "Track").strip() or "Track",
        is_drums=bool(is_drums),
        drum_kit_id=r.string(obj, "drumKitId", f"{path}.drumKitId"),
        gm_program=r.integer(obj, "gmProgram", f"{path}.gmProgram", 0, 127),
        instrument=r.string(obj, "instrument", f"{path}.instrument"),
        channel=r.integer(obj, "channel", f"{path}.channel", 1, 16),
        volume_db=0.0 if volume_db is None else volume_db,
        pan=r.ranged(obj, "pan", f"{path}.pan", -100, 100) or 0.0,
        muted=bool(r.boolean(obj, "muted", f"{path}.muted")),
        solo=bool(r.boolean(obj, "solo", f"{path}.solo")),
        color=r.string(obj, "color", f"{path}.color"),
        icon=r.string(obj, "icon", f"{path}.icon"),
        effects=[e for e in effects if e is not None],
        sends=sends,
        automation=automation,
        regions=regions,
    )


def _entity_id(r: Reader, obj: dict[str, Any], path: str) -> str:
    if obj.get("id") is None:
        r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.id", "is required")
        return ""
    value = (r.string(obj, "id", f"{path}.id", max_length=128) or "").strip()
    if not value and isinstance(obj.get("id"), str):
        r.fail(ErrorCode.INVALID_VALUE, f"{path}.id", "must not be empty")
    return value


def _effect(r: Reader, item: Any, path: str, track_id: str, index: int) -> Effect | None:
    if isinstance(item, str) and item.strip():
        derived = str(uuid.uuid5(_EFFECT_NAMESPACE, f"{track_id}/{index}/{item.strip().lower()}"))
        return Effect.model_construct(effect_id=derived, type=item.strip().lower(), settings=None)
    obj = r.mapping(item, path)
    if obj is None:
        return None
    kind = r.string(obj, "type", f"{path}.type")
    if not kind:
        r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.type", "is required")
        return None
    effect_id = r.string(obj, "effectId", f"{path}.effectId") or str(
        uuid.uuid5(_EFFECT_NAMESPACE, f"{track_id}/{index}/{kind.strip().lower()}")
    )
    settings = obj.get("settings")
    return Effect.model_construct(
        effect_id=effect_id,
        type=kind.strip().lower(),
        settings=settings if isinstance(settings, dict) else None,
    )


def _lane(r: Reader, item: Any, path: str) -> AutomationLane | None:
    obj = r.mapping(item, path)
    if obj is None:
        return None
    parameter = r.string(obj, "parameter", f"{path}.parameter")
    points = []
    for i, raw in enumerate(r.objects(obj, "points", f"{path}.points") or []):
        p = r.mapping(raw, f"{path}.points[{i}]")
        if p is None:
            continue
        beat = r.ranged(p, "beat", f"{path}.points[{i}].beat", 0, math.inf)
        value = r.number(p, "value", f"{path}.points[{i}].value", required=True)
        curve = r.string(p, "curve", f"{path}.points[{i}].curve") or "Linear"
        if beat is not None and value is not None:
            points.append(AutomationPoint.model_construct(beat=beat, value=value, curve=curve.capitalize()))
    if not parameter:
        r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.parameter", "is required")
        return None
    return AutomationLane.model_construct(parameter=parameter, points=points)


def _region(r: Reader, data: Any, path: str, known: dict[str, _EventLists]) -> Region | None:
    obj = r.mapping(data, path)
    if obj is None:
        return None
    region_id = _entity_id(r, obj, path)
    start = r.number(obj, "startBeat", f"{path}.startBeat", required=True)
    if start is not None and start < 0:
        r.fail(ErrorCode.VALUE_OUT_OF_RANGE, f"{path}.startBeat", f"must be at least 0 (got {start:g})")
    duration = r.number(obj, "durationBeats", f"{path}.durationBeats", required=True)
    if duration is not None and duration <= 0:
        r.fail(
            ErrorCode.VALUE_OUT_OF_RANGE,
            f"{path}.durationBeats",
            f"must be greater than 0 (got {duration:g})",
        )
    old = known.get(region_id, ([], [], [], []))
    notes = _events(r, obj, "notes", path, read_note, old[0])
    cc = _events(r, obj, "ccEvents", path, read_cc, old[1])
    bends = _events(r, obj, "pitchBends", path, read_bend, old[2])
    touch = _events(r, obj, "aftertouch", path, read_aftertouch, old[3])
    return Region.model_construct(
        id=region_id,
        name=r.string(obj, "name", f"{path}.name") or "",
        start_beat=start or 0.0,
        duration_beats=duration or 1.0,
        color=r.string(obj, "color", f"{path}.color"),
        notes=notes,
        cc_events=cc,
        pitch_bends=bends,
        aftertouch=touch,
    )


def _events(r: Reader, obj: dict[str, Any], key: str, path: str, read: Any, old: list[Any]) -> list[Any]:
    items = r.objects(obj, key, f"{path}.{key}")
    if items is None:
        # Absent (or null, as in an output snapshot without include_notes): keep what is known (§6.3).
        return [e.model_copy() for e in old]
    out = []
    for i, item in enumerate(items):
        event = read(r, item, f"{path}.{key}[{i}]")
        if event is not None:
            out.append(event)
    return out


def _bus(r: Reader, data: Any, path: str) -> Bus | None:
    obj = r.mapping(data, path)
    if obj is None:
        return None
    bus_id = r.string(obj, "id", f"{path}.id")
    name = r.string(obj, "name", f"{path}.name")
    if not bus_id:
        r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.id", "is required")
        return None
    return Bus.model_construct(id=bus_id, name=name or "")


def _selection(r: Reader, data: Any) -> Selection | None:
    if data is None:
        return None
    obj = r.mapping(data, "selection")
    if obj is None:
        return None
    ids: dict[str, list[str]] = {}
    for key in ("trackIds", "regionIds"):
        values = r.objects(obj, key, f"selection.{key}") or []
        ids[key] = [v for v in values if isinstance(v, str)]
    return Selection.model_construct(track_ids=ids["trackIds"], region_ids=ids["regionIds"])
