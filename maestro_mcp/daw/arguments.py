"""Effective arguments: the project-dependent defaults and inferences of tools.md, and ids for new
entities, filled into a call's (validated, normalised, resolved) parameters.

The same completed arguments are what the headless DAW applies and what a DAW route forwards
(tools.md §2.5: the DAW cannot repeat the server's inference), so the two stay in step. Values the
caller (or an earlier pass) already supplied are kept, which makes the completion idempotent.
"""

from __future__ import annotations

from typing import Any

from .instruments import infer_voice, palette_color
from .model import Project, TimeSignature, new_id
from .ops.mixing import DEFAULT_SEND_DB, linear_to_db
from .ops.notes import grid_from_params


def _set_default(out: dict[str, Any], name: str, value: Any) -> None:
    if out.get(name) is None:
        out[name] = value


def effective_arguments(project: Project, tool: str, params: dict[str, Any]) -> dict[str, Any]:
    out = dict(params)
    if tool == "stori_create_project":
        _set_default(out, "projectId", new_id())
        _set_default(out, "keySignature", "C")
        out["timeSignature"] = TimeSignature.parse(out.get("timeSignature") or "4/4").wire()
    elif tool in ("stori_add_midi_track", "stori_add_track"):
        _set_default(out, "trackId", new_id())
        name = str(out.get("name") or "")
        voice = infer_voice(
            name, out.get("instrument"), out.get("drumKitId"), out.get("gmProgram"), out.get("icon")
        )
        if voice.is_drums:
            out["drumKitId"] = voice.drum_kit_id
            out.pop("gmProgram", None)
        else:
            out["gmProgram"] = voice.gm_program
            out.pop("drumKitId", None)
        out["icon"] = voice.icon
        _set_default(out, "color", palette_color(len(project.tracks)))
    elif tool in ("stori_add_midi_region", "stori_add_region"):
        _set_default(out, "regionId", new_id())
        track = project.track(str(out.get("trackId")))
        if track is not None and not out.get("name"):
            out["name"] = f"{track.name} {len(track.regions) + 1}"
    elif tool == "stori_duplicate_region":
        _set_default(out, "newRegionId", new_id())
    elif tool == "stori_ensure_bus":
        name = str(out.get("name") or "").strip().casefold()
        if not any(b.name.casefold() == name for b in project.buses):
            _set_default(out, "busId", new_id())
    elif tool == "stori_add_insert_effect":
        _set_default(out, "effectId", new_id())
    elif tool == "stori_add_send":
        if out.get("levelDb") is None and out.get("sendLevel") is not None:
            out["levelDb"] = linear_to_db(float(out["sendLevel"]))
        out.pop("sendLevel", None)
        _set_default(out, "levelDb", DEFAULT_SEND_DB)
    elif tool == "stori_quantize_notes":
        out["grid"] = grid_from_params(out)  # also maps a leftover gridSize; raises on an odd one
        out.pop("gridSize", None)
        _set_default(out, "strength", 1.0)
    elif tool == "stori_set_midi_program":
        _set_default(out, "channel", 1)
    elif tool == "stori_add_automation":
        _set_default(out, "parameter", "volume")
        out["points"] = [{"curve": "Linear", **p} for p in out.get("points") or []]
    elif tool == "stori_add_notes":
        out["notes"] = [{"velocity": 100, "channel": 0, **n} for n in out.get("notes") or []]
    elif tool == "stori_play":
        _set_default(out, "fromBeat", project.transport.position_beats)
    return out
