"""Declarations of the notes, effects/routing, automation/MIDI-control, playback and UI tools
(tools.md §7–§9, §11–§12)."""

from __future__ import annotations

import math
from typing import Any

from maestro_mcp.errors import ErrorCode
from maestro_mcp.tools.coerce import ConversionError
from maestro_mcp.tools.params import (
    AFTERTOUCH_EVENT,
    AUTOMATION_PARAMETERS,
    AUTOMATION_POINT,
    CC_EVENT,
    EFFECT_TYPES,
    GRID_BEATS,
    GRIDS,
    NOTE,
    PANELS,
    PITCH_BEND_EVENT,
    Param,
    events,
    region_id,
    track_id,
)
from maestro_mcp.tools.spec_types import STATE_VERSION, ToolSpec, rf


def grid_from_beats(beats: Any) -> str:
    """``gridSize`` in beats -> ``grid`` (tools.md §7.3); other sizes have no grid name."""
    grid = GRID_BEATS.get(float(beats))
    if grid is None:
        raise ConversionError(ErrorCode.INVALID_ENUM, f"must be one of 1, 0.5, 0.25, 0.125, 0.0625 (got {beats})")
    return grid


def db_from_linear(level: Any) -> float:
    """``sendLevel`` (linear 0..1) -> dB rounded to 0.1; silence and anything below -60 dB is -60."""
    if level <= 0:
        return -60.0
    return max(-60.0, round(20 * math.log10(level), 1))


_REGION_COUNT_RESULT = (rf("regionId", "string"), rf("addedCount", "integer"), rf("eventCount", "integer"),
                        STATE_VERSION)

NOTES_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_add_notes", category="notes", title="Add notes",
        description=(
            "Append notes to a MIDI region (existing notes stay). Each note: pitch 0-127 (60 = C4), startBeat "
            "(beats from the region start), durationBeats, velocity 1-127 (default 100), channel 0-15 (default "
            "0). At most 128 notes per call: for more, call again on the same region. Send real note objects; "
            "placeholder keys such as _noteCount are rejected."
        ),
        params=(
            region_id(),
            Param("notes", "array", "1-128 note objects", required=True, min_items=1, max_items=128, items=NOTE),
        ),
        result=(rf("regionId", "string"), rf("addedCount", "integer"), rf("noteCount", "integer"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=False, reject_shorthand=True,
    ),
    ToolSpec(
        name="stori_clear_notes", category="notes", title="Clear notes",
        description="Remove every note from a region (controller events stay).",
        params=(region_id(),),
        result=(rf("regionId", "string"), rf("removedCount", "integer"), STATE_VERSION),
        runs="daw", read_only=False, destructive=True, idempotent=True,
    ),
    ToolSpec(
        name="stori_quantize_notes", category="notes", title="Quantize",
        description="Move note starts in a region toward a grid (1/4, 1/8, 1/16, 1/32, 1/64; default 1/16) by "
        "strength 0-1 (default 1 = fully on the grid). Durations are unchanged.",
        params=(
            region_id(),
            Param("grid", "string", "Grid: 1/4, 1/8, 1/16, 1/32 or 1/64", default="1/16", choices=GRIDS),
            Param("strength", "number", "0-1", default=1.0, minimum=0, maximum=1),
            Param("gridSize", "number", "Grid in beats", minimum=0, converts_to="grid", convert=grid_from_beats),
        ),
        result=(rf("regionId", "string"), rf("grid", "string"), rf("strength", "number"), rf("movedCount", "integer"),
                STATE_VERSION),
        runs="daw", read_only=False, destructive=True, idempotent=False,
    ),
    ToolSpec(
        name="stori_apply_swing", category="notes", title="Apply swing",
        description="Swing a region's off-beat eighth notes: amount 0 (straight) to 1 (full triplet swing).",
        params=(region_id(), Param("amount", "number", "0-1", required=True, minimum=0, maximum=1)),
        result=(rf("regionId", "string"), rf("amount", "number"), rf("movedCount", "integer"), STATE_VERSION),
        runs="daw", read_only=False, destructive=True, idempotent=False,
    ),
)

EFFECTS_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_add_insert_effect", category="effects", title="Add insert effect",
        description="Append an insert effect to the end of a track's effect chain: reverb, delay, compressor, "
        "eq, distortion, overdrive, filter, chorus, tremolo, phaser, flanger or modulation. For shared reverb "
        "prefer stori_ensure_bus + stori_add_send.",
        params=(
            track_id(),
            Param("type", "string", "Effect type", required=True, choices=EFFECT_TYPES, aliases=("effectType",)),
            Param("settings", "settings", "Optional effect settings (up to 32 keys; number, string or boolean "
                  "values), e.g. {\"ratio\": 4, \"attackMs\": 10}"),
        ),
        result=(rf("trackId", "string"), rf("effectId", "string"), rf("type", "string"), rf("position", "integer"),
                STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=False, new_ids=("effectId",),
    ),
    ToolSpec(
        name="stori_add_send", category="effects", title="Send track to bus",
        description="Send a track to a bus at a level in dB (-60..+6, default -10.5). The bus must exist: call "
        "stori_ensure_bus first. A second call for the same track and bus updates the level.",
        params=(
            track_id("Source track id or name"),
            Param("busId", "string", "Bus id (from stori_ensure_bus) or bus name", required=True, min_length=1,
                  aliases=("busName",), entity=True),
            Param("levelDb", "number", "Send level in dB, -60..+6", default=-10.5, minimum=-60, maximum=6),
            Param("sendLevel", "number", "Send level as linear gain 0-1", minimum=0, maximum=1,
                  converts_to="levelDb", convert=db_from_linear),
        ),
        result=(rf("trackId", "string"), rf("busId", "string"), rf("levelDb", "number"), rf("created", "boolean"),
                STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_ensure_bus", category="effects", title="Ensure bus exists",
        description="Return the id of the bus with this name (case-insensitive), creating it if needed "
        "(e.g. 'Reverb' for a shared reverb).",
        params=(Param("name", "string", "Bus name, 1-50 characters", required=True, min_length=1, max_length=50),),
        result=(rf("busId", "string"), rf("name", "string"), rf("created", "boolean"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True, new_ids=("busId",),
    ),
)

AUTOMATION_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_add_automation", category="automation", title="Write automation",
        description="Add points to a track's automation lane. parameter: volume (dB -60..+6), pan (-100..100), "
        "reverb_wet, filter_cutoff, tremolo_rate or delay_feedback (0-1). Points: beat (project-absolute), "
        "value, curve (Linear, Smooth, Step, Exp, Log). A point at an existing point's beat replaces it.",
        params=(
            Param("target", "string", "Track id or name", required=True, min_length=1,
                  aliases=("trackId", "trackName"), entity=True),
            Param("parameter", "string", "Automated parameter", default="volume", choices=AUTOMATION_PARAMETERS),
            Param("points", "array", "1-1024 points", required=True, min_items=1, max_items=1024,
                  items=AUTOMATION_POINT),
        ),
        result=(rf("target", "string"), rf("parameter", "string"), rf("addedCount", "integer"),
                rf("pointCount", "integer"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_add_midi_cc", category="automation", title="Add MIDI CC",
        description="Add MIDI controller events to a region: cc number 0-127 (1 modulation, 7 volume, 10 pan, "
        "11 expression, 64 sustain 127=down/0=up, 74 filter cutoff, 91 reverb, 93 chorus) and events "
        "[{beat (region-relative), value 0-127}], up to 1024 per call.",
        params=(
            region_id(),
            Param("cc", "integer", "Controller number 0-127", required=True, minimum=0, maximum=127),
            events(CC_EVENT, "1-1024 events"),
        ),
        result=(rf("regionId", "string"), rf("cc", "integer"), *_REGION_COUNT_RESULT[1:]),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_add_pitch_bend", category="automation", title="Add pitch bend",
        description="Add pitch-bend events to a region: [{beat (region-relative), value -8192..8191}]; 0 is "
        "centre, ±4096 ≈ ±1 semitone, ±8192 ≈ ±2 semitones. Up to 1024 per call.",
        params=(region_id(), events(PITCH_BEND_EVENT, "1-1024 events")),
        result=_REGION_COUNT_RESULT,
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_add_aftertouch", category="automation", title="Add aftertouch",
        description="Add aftertouch events to a region: [{beat, value 0-127, pitch?}]; with pitch it is "
        "polyphonic (per note), without it channel aftertouch. Up to 1024 per call.",
        params=(region_id(), events(AFTERTOUCH_EVENT, "1-1024 events")),
        result=_REGION_COUNT_RESULT,
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
)

PLAYBACK_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_play", category="playback", title="Start playback",
        description="Start playback, from fromBeat (project-absolute beats) or from the current playhead.",
        params=(Param("fromBeat", "number", "Start position in beats", minimum=0),),
        result=(rf("playing", "boolean"), rf("positionBeats", "number")),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_stop", category="playback", title="Stop playback", description="Stop playback.",
        params=(), result=(rf("playing", "boolean"), rf("positionBeats", "number")),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_set_playhead", category="playback", title="Move playhead",
        description="Move the playhead. Give exactly one of bar (1-based), beat (project-absolute) or seconds.",
        params=(
            Param("bar", "integer", "Bar number, 1-based", minimum=1),
            Param("beat", "number", "Beat, project-absolute", minimum=0),
            Param("seconds", "number", "Seconds from the start", minimum=0),
        ),
        result=(rf("positionBeats", "number"), rf("positionSeconds", "number")),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
)

UI_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_show_panel", category="ui", title="Show or hide a panel",
        description="Show or hide a DAW panel: mixer, inspector, piano_roll, step_sequencer or library.",
        params=(
            Param("panel", "string", "Panel name", required=True, choices=PANELS),
            Param("visible", "boolean", "true to show, false to hide", required=True),
        ),
        result=(rf("panel", "string"), rf("visible", "boolean")),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_set_zoom", category="ui", title="Set editor zoom",
        description="Set the editor zoom in percent (10-500).",
        params=(Param("zoomPercent", "number", "10-500", required=True, minimum=10, maximum=500),),
        result=(rf("zoomPercent", "number"),),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
)
