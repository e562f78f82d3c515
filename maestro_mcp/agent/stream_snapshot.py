"""The ``project`` snapshot of a stream request (spec/daw-websocket.md §6) → a ``Project``.

Input is lenient (``projectId``, ``type: "drums"``, linear ``volume``, effect strings, ``"N/D"`` time
signatures, either key spelling); values input accepts but the model does not are clamped and reported;
anything else is a list of ``{code, field, message}`` errors with ``project.…`` paths (a 422 before the
stream, never a silent drop). Which event lists each region left out is returned too: the mirror keeps
its own for those (§6.3).
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from pydantic import BaseModel, ValidationError

from maestro_mcp.daw.model import (
    AftertouchEvent,
    AutomationLane,
    CCEvent,
    Note,
    PitchBendEvent,
    Project,
    Region,
    Selection,
    TimeSignature,
    Track,
)
from maestro_mcp.music.theory import TheoryError, parse_key
from maestro_mcp.store.mirrors import Absent, absent_lists

MAX_TRACKS, MAX_REGIONS, MAX_NOTES = 256, 4096, 200_000
_LISTS = (("notes", "notes", Note), ("ccEvents", "cc_events", CCEvent), ("pitchBends", "pitch_bends", PitchBendEvent),
          ("aftertouch", "aftertouch", AftertouchEvent))  # fmt: skip


class SnapshotError(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("invalid project snapshot")
        self.errors = errors[:20]


class _Reader:
    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []
        self.clamped: list[str] = []
        self.missing: dict[str, set[str]] = {}

    def error(self, code: str, path: str, message: str) -> None:
        self.errors.append({"code": code, "field": path, "message": message})

    def model(self, cls: type[BaseModel], data: Any, path: str) -> Any:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors():
                loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"])
                code = (
                    "MISSING_REQUIRED"
                    if e["type"] == "missing"
                    else (
                        "VALUE_OUT_OF_RANGE" if e["type"].startswith(("greater", "less")) else "TYPE_MISMATCH"
                    )
                )
                self.error(code, f"{path}{loc}", e["msg"])
            return None

    def number(self, value: Any, path: str, lo: float | None = None, hi: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.error("TYPE_MISMATCH", path, "must be a number")
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"at least {lo:g}" if hi is None else f"between {lo:g} and {hi:g}"
            self.error("VALUE_OUT_OF_RANGE", path, f"must be {bounds} (got {value:g})")
            return None
        return float(value)


def _get(raw: dict[str, Any], *names: str) -> Any:
    for n in names:
        if n in raw:
            return raw[n]
    return None


def parse_snapshot(raw: Any) -> tuple[Project, Absent, list[str]]:
    """(project, absent event lists, clamped field paths); raises ``SnapshotError``."""
    r = _Reader()
    if not isinstance(raw, dict):
        raise SnapshotError([{"code": "TYPE_MISMATCH", "field": "project", "message": "must be an object"}])
    pid, alt = raw.get("id"), _get(raw, "projectId", "project_id")
    if pid is not None and alt is not None and pid != alt:
        r.error("INVALID_VALUE", "project.id", "id and projectId differ")
    pid = pid if pid is not None else alt
    if not isinstance(pid, str) or not pid.strip() or len(pid) > 128:
        r.error(
            "MISSING_REQUIRED" if pid is None else "INVALID_VALUE", "project.id", "must be a non-empty string"
        )
    fields: dict[str, Any] = {"id": str(pid or "")}
    if isinstance(raw.get("name"), str):
        fields["name"] = raw["name"][:100] or "Untitled"
    if raw.get("tempo") is not None:
        tempo = r.number(raw["tempo"], "project.tempo", 20, 300)
        if tempo is not None:
            if not 40 <= tempo <= 240:
                r.clamped.append("project.tempo")
            fields["tempo"] = min(max(tempo, 40.0), 240.0)
    if raw.get("key") is not None:
        try:
            fields["key"] = parse_key(str(raw["key"]).strip()).name
        except TheoryError:
            r.error("INVALID_VALUE", "project.key", f"'{raw['key']}' is not a key")
    ts = _get(raw, "timeSignature", "time_signature")
    if ts is not None:
        try:
            fields["time_signature"] = TimeSignature.parse(ts)
        except (ValueError, TypeError):
            r.error("INVALID_VALUE", "project.timeSignature", "must be N/D or {numerator, denominator}")
    tracks = raw.get("tracks") or []
    if not isinstance(tracks, list):
        r.error("TYPE_MISMATCH", "project.tracks", "must be an array")
        tracks = []
    if len(tracks) > MAX_TRACKS:
        r.error("VALUE_OUT_OF_RANGE", "project.tracks", f"at most {MAX_TRACKS} tracks")
    counts = [0, 0]
    fields["tracks"] = [
        t for i, raw_t in enumerate(tracks[:MAX_TRACKS]) if (t := _track(r, raw_t, i, counts))
    ]
    if counts[0] > MAX_REGIONS:
        r.error("VALUE_OUT_OF_RANGE", "project.tracks", f"at most {MAX_REGIONS} regions")
    if counts[1] > MAX_NOTES:
        r.error("VALUE_OUT_OF_RANGE", "project.tracks", f"at most {MAX_NOTES} notes")
    buses = raw.get("buses") or []
    fields["buses"] = [
        {"id": str(b.get("id") or ""), "name": str(b.get("name") or "Bus")}
        for b in (buses if isinstance(buses, list) else []) if isinstance(b, dict)
    ]  # fmt: skip
    if isinstance(raw.get("selection"), dict):
        fields["selection"] = r.model(Selection, raw["selection"], "project.selection")
    if r.errors:
        raise SnapshotError(r.errors)
    project = Project.model_validate(fields)
    return project, absent_lists(r.missing), r.clamped


def _track(r: _Reader, raw: Any, i: int, counts: list[int]) -> Track | None:
    path = f"project.tracks[{i}]"
    if not isinstance(raw, dict):
        r.error("TYPE_MISMATCH", path, "must be an object")
        return None
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        r.error("MISSING_REQUIRED", f"{path}.id", "is required")
        return None
    t: dict[str, Any] = {"id": raw["id"], "name": str(raw.get("name") or "Track")}
    is_drums = _get(raw, "isDrums", "is_drums")
    t["is_drums"] = bool(is_drums) if is_drums is not None else str(raw.get("type", "")).lower() == "drums"
    for src, dst in (
        ("drumKitId", "drum_kit_id"),
        ("instrument", "instrument"),
        ("color", "color"),
        ("icon", "icon"),
    ):
        if raw.get(src) is not None:
            t[dst] = str(raw[src])
    for src, dst, lo, hi in (("gmProgram", "gm_program", 0, 127), ("channel", "channel", 1, 16)):
        if raw.get(src) is not None:
            v = r.number(raw[src], f"{path}.{src}", lo, hi)
            if v is not None:
                t[dst] = int(v)
    if raw.get("volumeDb") is not None:
        v = r.number(raw["volumeDb"], f"{path}.volumeDb", -60, 6)
        t["volume_db"] = v if v is not None else 0.0
    elif raw.get("volume") is not None:
        v = r.number(raw["volume"], f"{path}.volume", 0, 1.5)
        t["volume_db"] = -60.0 if not v else round(max(20 * math.log10(v), -60.0), 1)
    if raw.get("pan") is not None:
        t["pan"] = r.number(raw["pan"], f"{path}.pan", -100, 100) or 0.0
    for flag in ("muted", "solo"):
        if raw.get(flag) is not None:
            t[flag] = bool(raw[flag])
    t["effects"] = [
        {"effect_id": str(uuid.uuid4()), "type": e} if isinstance(e, str)
        else {"effect_id": str(_get(e, "effectId", "effect_id") or uuid.uuid4()), "type": str(e.get("type", "")),
              "settings": e.get("settings")}
        for e in raw.get("effects") or [] if isinstance(e, (str, dict))
    ]  # fmt: skip
    t["sends"] = [
        {"bus_id": str(_get(s, "busId", "bus_id") or ""), "level_db": float(_get(s, "levelDb", "level_db") or 0.0)}
        for s in raw.get("sends") or [] if isinstance(s, dict)
    ]  # fmt: skip
    lanes = raw.get("automation") or []
    t["automation"] = [a for j, lane in enumerate(lanes if isinstance(lanes, list) else [])
                       if (a := r.model(AutomationLane, lane, f"{path}.automation[{j}]"))]  # fmt: skip
    regions = raw.get("regions") or []
    t["regions"] = [g for j, reg in enumerate(regions if isinstance(regions, list) else [])
                    if (g := _region(r, reg, f"{path}.regions[{j}]", counts))]  # fmt: skip
    track: Track | None = r.model(Track, t, path)
    return track


def _region(r: _Reader, raw: Any, path: str, counts: list[int]) -> Region | None:
    counts[0] += 1
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        r.error("MISSING_REQUIRED", f"{path}.id", "is required")
        return None
    g: dict[str, Any] = {"id": raw["id"], "name": str(raw.get("name") or ""), "color": raw.get("color")}
    for name in ("startBeat", "durationBeats"):
        value = _get(raw, name, "start_beat" if name == "startBeat" else "duration_beats")
        if value is None:
            r.error("MISSING_REQUIRED", f"{path}.{name}", "is required")
            return None
        v = r.number(value, f"{path}.{name}", 0 if name == "startBeat" else 1e-9, None)
        if v is None:
            return None
        g[name] = v
    missing: set[str] = set()
    for wire, attr, cls in _LISTS:
        items = _get(raw, wire, attr)
        if items is None:
            missing.add(attr)
            continue
        if not isinstance(items, list):
            r.error("TYPE_MISMATCH", f"{path}.{wire}", "must be an array")
            continue
        if wire == "notes":
            counts[1] += len(items)
            items = [_clamp_velocity(r, n, f"{path}.notes[{k}]") for k, n in enumerate(items)]
        g[wire] = [m for k, item in enumerate(items) if (m := r.model(cls, item, f"{path}.{wire}[{k}]"))]
    if missing:
        r.missing[raw["id"]] = missing
    region: Region | None = r.model(Region, g, path)
    return region


def _clamp_velocity(r: _Reader, note: Any, path: str) -> Any:
    if isinstance(note, dict) and note.get("velocity") == 0:
        r.clamped.append(f"{path}.velocity")
        return {**note, "velocity": 1}
    if isinstance(note, dict) and "id" in note:
        return {k: v for k, v in note.items() if k != "id"}
    return note
