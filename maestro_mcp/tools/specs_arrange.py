"""Declarations of the project, track and region tools (tools.md §4–§6)."""

from __future__ import annotations

from maestro_mcp.tools.params import COLOR_CHOICES, DRUM_KITS, ICONS, Param, region_id, track_id
from maestro_mcp.tools.spec_types import STATE_VERSION, ToolSpec, rf

_TIME_SIG_OUT = rf(
    "timeSignature",
    {
        "type": "object",
        "properties": {"numerator": {"type": "integer"}, "denominator": {"type": "integer"}},
    },
)
_TEMPO = Param("tempo", "number", "Tempo in BPM, 40-240", required=True, minimum=40, maximum=240)
_KEY_HELP = "Key: root A-G with optional #/b, then m/minor, maj/major or a mode name (C, Am, F#m, Bb, D dorian)"


def _set_key(name: str, title: str, alias_of: str | None) -> ToolSpec:
    alias_note = " Alias of stori_set_key; accepts key or keySignature." if alias_of else ""
    return ToolSpec(
        name=name,
        category="project",
        title=title,
        description=f"Set the project's key signature, e.g. C, Am, F#m, Bb, D dorian.{alias_note}",
        params=(Param("key", "key", _KEY_HELP + " (keySignature is accepted too)", required=True,
                      aliases=("keySignature",)),),
        result=(rf("key", "string"), rf("previousKey", "string"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True, alias_of=alias_of,
    )


PROJECT_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_read_project",
        category="project",
        title="Read project",
        description=(
            "Read the current project: tempo, key, time signature, tracks (ids, names, instruments, volume in "
            "dB, pan -100..100, effects, sends), regions (ids, names, start/length in beats) and buses. Set "
            "include_notes to also get every region's notes and controller events, include_automation for "
            "automation lanes. Call this first to learn the ids other tools take."
        ),
        params=(
            Param("include_notes", "boolean", "Include notes, CC, pitch bend and aftertouch of every region",
                  default=False),
            Param("include_automation", "boolean", "Include track automation lanes", default=False),
        ),
        result=(rf("project", "object"), rf("source", {"type": "string", "enum": ["dawSnapshot", "daw", "headless"]}),
                STATE_VERSION),
        runs="daw", read_only=True, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_create_project",
        category="project",
        title="Create project",
        description=(
            "Create a new empty project (no tracks, no buses), replacing the current one. Tempo in BPM "
            "(40-240); key defaults to C, time signature to 4/4. Returns the new projectId."
        ),
        params=(
            Param("name", "string", "Project name, 1-100 characters", required=True, min_length=1, max_length=100),
            _TEMPO,
            Param("keySignature", "key", _KEY_HELP, default="C", aliases=("key",)),
            Param("timeSignature", "time_signature", 'Time signature as "N/D" (e.g. "3/4") or '
                  "{numerator, denominator}", default={"numerator": 4, "denominator": 4}),
        ),
        result=(rf("projectId", "string"), rf("name", "string"), rf("tempo", "number"),
                rf("keySignature", "string"), _TIME_SIG_OUT, STATE_VERSION),
        runs="daw", read_only=False, destructive=True, idempotent=False, new_ids=("projectId",),
    ),
    ToolSpec(
        name="stori_set_tempo",
        category="project",
        title="Set tempo",
        description="Set the project tempo in BPM (40-240).",
        params=(_TEMPO,),
        result=(rf("tempo", "number"), rf("previousTempo", "number"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    _set_key("stori_set_key", "Set key signature", None),
    _set_key("stori_set_key_signature", "Set key signature (alias)", "stori_set_key"),
)

_TRACK_PARAMS: tuple[Param, ...] = (
    Param("name", "string", "Track name, 1-50 characters", required=True, min_length=1, max_length=50),
    Param("drumKitId", "string", "Drum kit for a drum track: acoustic, TR-909, TR-808, jazz",
          choices=DRUM_KITS),
    Param("gmProgram", "integer", "General MIDI program, 0-based (0 = Acoustic Grand Piano, 33 = Electric "
          "Bass). Omit both gmProgram and drumKitId to infer them from instrument or name",
          minimum=0, maximum=127),
    Param("instrument", "string", "Free instrument label, e.g. Rhodes (also used to infer the sound)",
          max_length=50),
    Param("color", "color", "Colour name (red, orange, yellow, green, blue, purple, pink, teal, indigo) or "
          "#RRGGBB; default: the next palette colour"),
    Param("icon", "string", "Track icon (SF Symbol name such as pianokeys, guitars, instrument.drum); "
          "default: from the instrument", choices=ICONS),
)
_TRACK_RESULT = (
    rf("trackId", "string"), rf("name", "string"), rf("isDrums", "boolean"), rf("drumKitId", "string"),
    rf("gmProgram", "integer"), rf("instrument", "string"), rf("color", "string"), rf("icon", "string"),
    STATE_VERSION,
)
_ADD_TRACK_HELP = (
    "Add a MIDI instrument track at the end of the track list (volume 0 dB, pan centre). A drum track is "
    "made by drumKitId, a melodic track by gmProgram; with neither, both are inferred from instrument or "
    "name (e.g. 'Drums' -> acoustic kit, 'Rhodes' -> program 4). Returns the new trackId."
)


def _track_setter(name: str, title: str, description: str, value: Param, result: str, kind: str) -> ToolSpec:
    return ToolSpec(
        name=name, category="track", title=title, description=description,
        params=(track_id(), value),
        result=(rf("trackId", "string"), rf(result, kind), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    )


TRACK_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_add_midi_track", category="track", title="Add MIDI track", description=_ADD_TRACK_HELP,
        params=_TRACK_PARAMS, result=_TRACK_RESULT,
        runs="daw", read_only=False, destructive=False, idempotent=False, new_ids=("trackId",),
    ),
    ToolSpec(
        name="stori_add_track", category="track", title="Add track (alias)",
        description=_ADD_TRACK_HELP + " Alias of stori_add_midi_track that also sets volume (dB, -60..+6, "
        "not 0-1) and pan (-100..100).",
        params=(
            *_TRACK_PARAMS,
            Param("volume", "number", "Volume in dB, -60..+6 (0 = unity); default 0", minimum=-60, maximum=6),
            Param("pan", "number", "Pan -100 (left) .. 100 (right); default 0", minimum=-100, maximum=100),
        ),
        result=(*_TRACK_RESULT[:-1], rf("volumeDb", "number"), rf("pan", "number"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=False, new_ids=("trackId",),
        alias_of="stori_add_midi_track",
    ),
    _track_setter(
        "stori_set_track_volume", "Set track volume", "Set a track's volume in dB (-60..+6, 0 = unity). The "
        "value is decibels in volumeDb, not a 0-1 gain.",
        Param("volumeDb", "number", "Volume in dB, -60..+6", required=True, minimum=-60, maximum=6,
              missing_hint="volume is in dB as volumeDb"),
        "volumeDb", "number",
    ),
    _track_setter(
        "stori_set_track_pan", "Set track pan", "Set a track's pan: -100 hard left, 0 centre, 100 hard right.",
        Param("pan", "number", "-100..100", required=True, minimum=-100, maximum=100), "pan", "number",
    ),
    ToolSpec(
        name="stori_set_track_name", category="track", title="Rename track",
        description="Rename a track (1-50 characters).",
        params=(track_id(), Param("name", "string", "New name, 1-50 characters", required=True, min_length=1,
                                  max_length=50)),
        result=(rf("trackId", "string"), rf("name", "string"), rf("previousName", "string"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_set_midi_program", category="track", title="Set instrument voice",
        description="Set a track's General MIDI program (0-127, 0-based: 0 = piano, 33 = electric bass) and "
        "optionally its MIDI channel (1-16, 1-based; 10 is the GM drum channel).",
        params=(
            track_id(),
            Param("program", "integer", "GM program 0-127", required=True, minimum=0, maximum=127),
            Param("channel", "integer", "MIDI channel 1-16 (1-based)", default=1, minimum=1, maximum=16),
        ),
        result=(rf("trackId", "string"), rf("program", "integer"), rf("channel", "integer"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    _track_setter("stori_mute_track", "Mute or unmute", "Mute (true) or unmute (false) a track.",
                  Param("muted", "boolean", "true to mute", required=True), "muted", "boolean"),
    _track_setter("stori_solo_track", "Solo or unsolo", "Solo (true) or unsolo (false) a track.",
                  Param("solo", "boolean", "true to solo", required=True), "solo", "boolean"),
    _track_setter(
        "stori_set_track_color", "Set track colour",
        "Set a track's colour: red, orange, yellow, green, blue, purple, pink, teal or indigo.",
        Param("color", "string", "Colour name", required=True, choices=COLOR_CHOICES),
        "color", "string",
    ),
    _track_setter(
        "stori_set_track_icon", "Set track icon",
        "Set a track's icon, an SF Symbol name such as pianokeys, guitars, instrument.drum, music.note.",
        Param("icon", "string", "Icon name", required=True, choices=ICONS), "icon", "string",
    ),
)

_REGION_RESULT = (
    rf("regionId", "string"), rf("trackId", "string"), rf("startBeat", "number"), rf("durationBeats", "number"),
    rf("name", "string"),
)
_REGION_PARAMS: tuple[Param, ...] = (
    track_id(),
    Param("startBeat", "number", "Start in beats, project-absolute (bar 1 = beat 0; 4/4: bar n starts at "
          "4(n-1))", required=True, minimum=0),
    Param("durationBeats", "number", "Length in beats, 0.01-1000 (4/4: 4 beats per bar)", required=True,
          minimum=0.01, maximum=1000),
    Param("name", "string", "Region name (default '<track name> <n>')", max_length=50),
)
_ADD_REGION_HELP = (
    "Add an empty MIDI region to a track, to hold notes and controller events. Times are beats "
    "(quarter notes), project-absolute. Returns the new regionId for stori_add_notes."
)

REGION_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="stori_add_midi_region", category="region", title="Add MIDI region", description=_ADD_REGION_HELP,
        params=_REGION_PARAMS, result=(*_REGION_RESULT, STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=False, new_ids=("regionId",),
    ),
    ToolSpec(
        name="stori_add_region", category="region", title="Add region (alias)",
        description=_ADD_REGION_HELP + " Alias of stori_add_midi_region that also takes a colour.",
        params=(*_REGION_PARAMS, Param("color", "color", "Colour name or #RRGGBB")),
        result=(*_REGION_RESULT, rf("color", "string"), STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=False, new_ids=("regionId",),
        alias_of="stori_add_midi_region",
    ),
    ToolSpec(
        name="stori_delete_region", category="region", title="Delete region",
        description="Delete a region and everything in it (notes, CC, pitch bend, aftertouch).",
        params=(region_id(),),
        result=(rf("regionId", "string"), rf("trackId", "string"), rf("removedNoteCount", "integer"),
                STATE_VERSION),
        runs="daw", read_only=False, destructive=True, idempotent=True,
    ),
    ToolSpec(
        name="stori_move_region", category="region", title="Move region",
        description="Move a region to a new start beat (project-absolute) on its track; its contents move "
        "with it.",
        params=(region_id(), Param("startBeat", "number", "New start in beats, project-absolute",
                                   required=True, minimum=0)),
        result=(rf("regionId", "string"), rf("startBeat", "number"), rf("previousStartBeat", "number"),
                STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=True,
    ),
    ToolSpec(
        name="stori_duplicate_region", category="region", title="Duplicate region",
        description="Copy a region with all its events to a new start beat on the same track; the copy is "
        "named '<name> copy'. Returns newRegionId.",
        params=(region_id("Source region id or name"),
                Param("startBeat", "number", "Where the copy starts, in beats (project-absolute)", required=True,
                      minimum=0)),
        result=(rf("regionId", "string"), rf("newRegionId", "string"), *_REGION_RESULT[1:], STATE_VERSION),
        runs="daw", read_only=False, destructive=False, idempotent=False, new_ids=("newRegionId",),
    ),
)
