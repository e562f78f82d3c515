"""Track tools (tools.md §5)."""

from __future__ import annotations

from typing import Any

from ..instruments import DEFAULT_KIT, infer_voice, palette_color
from ..model import DRUM_CHANNEL, Project, Track, new_id
from ._common import Handler, required, round_db, track_param


def normalise_color(color: str) -> str:
    """Hex colours go out upper-case (tools.md §3); colour names stay as the canonical name."""
    color = color.strip()
    return color.upper() if color.startswith("#") else color.lower()


def add_midi_track(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    name = str(required(params, "name")).strip()
    instrument = params.get("instrument")
    voice = infer_voice(
        name, instrument, params.get("drumKitId"), params.get("gmProgram"), params.get("icon")
    )
    if any(t.name.casefold() == name.casefold() for t in project.tracks):
        warnings.append(f"a track named '{name}' already exists; names are no longer unique")
    color = params.get("color") or palette_color(len(project.tracks))
    track = Track(
        id=params.get("trackId") or new_id(),
        name=name,
        is_drums=voice.is_drums,
        drum_kit_id=voice.drum_kit_id,
        gm_program=voice.gm_program,
        instrument=instrument,
        color=normalise_color(color),
        icon=voice.icon,
    )
    project.tracks.append(track)
    return {
        "trackId": track.id,
        "name": track.name,
        "isDrums": track.is_drums,
        "drumKitId": track.drum_kit_id,
        "gmProgram": track.gm_program,
        "instrument": track.instrument,
        "color": track.color,
        "icon": track.icon,
    }


def add_track(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """The alias: add, then volume and pan when given; still one call for the state version."""
    result = add_midi_track(project, params, warnings)
    track = project.tracks[-1]
    if params.get("volume") is not None:
        track.volume_db = round_db(params["volume"])
    if params.get("pan") is not None:
        track.pan = float(params["pan"])
    return {**result, "volumeDb": track.volume_db, "pan": track.pan}


def set_track_volume(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track = track_param(project, params)
    track.volume_db = round_db(required(params, "volumeDb"))
    return {"trackId": track.id, "volumeDb": track.volume_db}


def set_track_pan(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track = track_param(project, params)
    track.pan = float(required(params, "pan"))
    return {"trackId": track.id, "pan": track.pan}


def set_track_name(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track = track_param(project, params)
    previous = track.name
    track.name = str(required(params, "name")).strip()
    if any(t is not track and t.name.casefold() == track.name.casefold() for t in project.tracks):
        warnings.append(f"another track is also named '{track.name}'")
    return {"trackId": track.id, "name": track.name, "previousName": previous}


def set_midi_program(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Channel 10 makes the track a drum track (GM); any other channel makes it melodic."""
    track = track_param(project, params)
    program = int(required(params, "program"))
    channel = int(params.get("channel") or 1)
    track.gm_program = program
    track.channel = channel
    track.is_drums = channel == DRUM_CHANNEL
    if track.is_drums:
        track.drum_kit_id = track.drum_kit_id or DEFAULT_KIT
    else:
        track.drum_kit_id = None
    return {"trackId": track.id, "program": program, "channel": channel}


def _set_flag(attr: str, param: str) -> Handler:
    def handler(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        track = track_param(project, params)
        value = bool(required(params, param))
        setattr(track, attr, value)
        return {"trackId": track.id, param: value}

    return handler


def set_track_color(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track = track_param(project, params)
    track.color = normalise_color(str(required(params, "color")))
    return {"trackId": track.id, "color": track.color}


def set_track_icon(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track = track_param(project, params)
    track.icon = str(required(params, "icon"))
    return {"trackId": track.id, "icon": track.icon}


HANDLERS: dict[str, Handler] = {
    "stori_add_midi_track": add_midi_track,
    "stori_add_track": add_track,
    "stori_set_track_volume": set_track_volume,
    "stori_set_track_pan": set_track_pan,
    "stori_set_track_name": set_track_name,
    "stori_set_midi_program": set_midi_program,
    "stori_mute_track": _set_flag("muted", "muted"),
    "stori_solo_track": _set_flag("solo", "solo"),
    "stori_set_track_color": set_track_color,
    "stori_set_track_icon": set_track_icon,
}
