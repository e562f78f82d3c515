"""Playback and UI tools (tools.md §11–12). The headless DAW only records this state; the playhead does
not advance, and none of it is song content, so these calls never change the state version."""

from __future__ import annotations

from typing import Any

from maestro_mcp.errors import ErrorCode, ToolError

from ..model import Project
from ._common import Handler, required, round_beat


def play(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    if params.get("fromBeat") is not None:
        project.transport.position_beats = float(params["fromBeat"])
    project.transport.playing = True
    return {"playing": True, "positionBeats": project.transport.position_beats}


def stop(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    project.transport.playing = False
    return {"playing": False, "positionBeats": project.transport.position_beats}


def set_playhead(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    given = [p for p in ("bar", "beat", "seconds") if params.get(p) is not None]
    if len(given) != 1:
        raise ToolError.one(ErrorCode.INVALID_VALUE, "", "exactly one of bar, beat, seconds")
    if given[0] == "bar":
        beats = (int(params["bar"]) - 1) * project.beats_per_bar
    elif given[0] == "beat":
        beats = float(params["beat"])
    else:
        beats = float(params["seconds"]) * project.tempo / 60
    project.transport.position_beats = round_beat(beats)
    seconds = round_beat(project.transport.position_beats * 60 / project.tempo)
    return {"positionBeats": project.transport.position_beats, "positionSeconds": seconds}


def show_panel(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    panel = str(required(params, "panel"))
    visible = bool(required(params, "visible"))
    project.ui.panels[panel] = visible
    return {"panel": panel, "visible": visible}


def set_zoom(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    project.ui.zoom_percent = float(required(params, "zoomPercent"))
    return {"zoomPercent": project.ui.zoom_percent}


HANDLERS: dict[str, Handler] = {
    "stori_play": play,
    "stori_stop": stop,
    "stori_set_playhead": set_playhead,
    "stori_show_panel": show_panel,
    "stori_set_zoom": set_zoom,
}
