"""One happy-path validation per tool: lenient input in, the canonical normalised parameters out
(tools.md §2.3, §2.5 last bullet: canonical names, canonical values, every non-project default filled in)."""

from __future__ import annotations

from typing import Any

import pytest

from maestro_mcp.tools.catalog import TOOL_NAMES, get_spec
from maestro_mcp.tools.stages import validate_call

NOTE_IN = {"pitch": "60", "start_beat": 0, "durationBeats": 1.0}
NOTE_OUT = {"pitch": 60, "startBeat": 0, "durationBeats": 1.0, "velocity": 100, "channel": 0}

# tool -> (arguments as a client might send them, the expected normalised parameters)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "stori_read_project": ({"includeNotes": "true"}, {"include_notes": True, "include_automation": False}),
    "stori_create_project": (
        {"name": "  Song  ", "tempo": "96", "key": "a minor", "time_signature": "6/8"},
        {"name": "Song", "tempo": 96, "keySignature": "Am", "timeSignature": {"numerator": 6, "denominator": 8}},
    ),
    "stori_set_tempo": ({"tempo": 128.5}, {"tempo": 128.5}),
    "stori_set_key": ({"keySignature": "f♯ minor"}, {"key": "F#m"}),
    "stori_set_key_signature": ({"keySignature": "D Dorian"}, {"key": "D dorian"}),
    "stori_add_midi_track": (
        {"name": "Drums", "drum_kit_id": "808", "color": "#e85d75", "icon": "Instrument.Drum"},
        {"name": "Drums", "drumKitId": "TR-808", "color": "#E85D75", "icon": "instrument.drum"},
    ),
    "stori_add_track": (
        {"name": "Bass", "gmProgram": 33.0, "volume": -6.04, "pan": "-20"},
        {"name": "Bass", "gmProgram": 33, "volume": -6.0, "pan": -20},
    ),
    "stori_set_track_volume": ({"trackName": "Bass", "volume_db": "-3"}, {"trackId": "Bass", "volumeDb": -3}),
    "stori_set_track_pan": ({"trackId": "t1", "pan": 100}, {"trackId": "t1", "pan": 100}),
    "stori_set_track_name": ({"trackId": "t1", "name": " Keys "}, {"trackId": "t1", "name": "Keys"}),
    "stori_set_midi_program": ({"trackId": "t1", "program": "4"}, {"trackId": "t1", "program": 4, "channel": 1}),
    "stori_mute_track": ({"trackId": "t1", "muted": "FALSE"}, {"trackId": "t1", "muted": False}),
    "stori_solo_track": ({"trackId": "t1", "solo": True}, {"trackId": "t1", "solo": True}),
    "stori_set_track_color": ({"trackId": "t1", "color": "Teal"}, {"trackId": "t1", "color": "teal"}),
    "stori_set_track_icon": ({"trackId": "t1", "icon": "guitars"}, {"trackId": "t1", "icon": "guitars"}),
    "stori_add_midi_region": (
        {"track_id": "t1", "start_beat": "0", "duration_beats": 16},
        {"trackId": "t1", "startBeat": 0, "durationBeats": 16},
    ),
    "stori_add_region": (
        {"trackId": "t1", "startBeat": 4, "durationBeats": 4, "color": "red", "name": "Verse"},
        {"trackId": "t1", "startBeat": 4, "durationBeats": 4, "name": "Verse", "color": "red"},
    ),
    "stori_delete_region": ({"regionName": "Verse"}, {"regionId": "Verse"}),
    "stori_move_region": ({"regionId": "r1", "startBeat": 8}, {"regionId": "r1", "startBeat": 8}),
    "stori_duplicate_region": ({"regionId": "r1", "startBeat": 16}, {"regionId": "r1", "startBeat": 16}),
    "stori_add_notes": ({"regionId": "r1", "notes": [NOTE_IN]}, {"regionId": "r1", "notes": [NOTE_OUT]}),
    "stori_clear_notes": ({"regionId": "r1"}, {"regionId": "r1"}),
    "stori_quantize_notes": ({"regionId": "r1", "gridSize": 0.5}, {"regionId": "r1", "grid": "1/8", "strength": 1.0}),
    "stori_apply_swing": ({"regionId": "r1", "amount": "0.5"}, {"regionId": "r1", "amount": 0.5}),
    "stori_add_insert_effect": (
        {"trackId": "t1", "effectType": "Compression", "settings": {"ratio": 4, "mode": "opto", "auto": True}},
        {"trackId": "t1", "type": "compressor", "settings": {"ratio": 4, "mode": "opto", "auto": True}},
    ),
    "stori_add_send": (
        {"trackId": "t1", "busName": "Reverb", "sendLevel": 0.18},
        {"trackId": "t1", "busId": "Reverb", "levelDb": -14.9},
    ),
    "stori_ensure_bus": ({"name": "Reverb"}, {"name": "Reverb"}),
    "stori_add_automation": (
        {"trackId": "t1", "parameter": "Filter Cutoff (CC74)", "points": [{"beat": 0, "value": 0.5, "curve": "EXP"}]},
        {"target": "t1", "parameter": "filter_cutoff", "points": [{"beat": 0, "value": 0.5, "curve": "Exp"}]},
    ),
    "stori_add_midi_cc": (
        {"regionId": "r1", "cc": 64, "events": [{"beat": 0, "value": 127}]},
        {"regionId": "r1", "cc": 64, "events": [{"beat": 0, "value": 127}]},
    ),
    "stori_add_pitch_bend": (
        {"regionId": "r1", "events": [{"beat": 1, "value": -8192}]},
        {"regionId": "r1", "events": [{"beat": 1, "value": -8192}]},
    ),
    "stori_add_aftertouch": (
        {"regionId": "r1", "events": [{"beat": 1, "value": 30, "pitch": 60}, {"beat": 2, "value": 10}]},
        {"regionId": "r1", "events": [{"beat": 1, "value": 30, "pitch": 60}, {"beat": 2, "value": 10}]},
    ),
    "stori_generate_midi": (
        {"role": "Pad", "style": "lofi hip hop", "tempo": 80, "bars": 4,
         "constraints": {"density": "Very Dense", "note_range": [48, 72], "progression": "i bVI III VII"}},
        {"role": "pads", "style": "lofi hip hop", "tempo": 80, "bars": 4,
         "constraints": {"density": 0.95, "noteRange": [48, 72], "progression": ["i", "bVI", "III", "VII"]}},
    ),
    "stori_generate_drums": (
        {"style": "trap", "tempo": 140},
        {"style": "trap", "tempo": 140, "bars": 4, "complexity": 0.5},
    ),
    "stori_generate_bass": (
        {"style": "funk", "tempo": 105, "bars": 2, "key": "Em", "chords": "Em7, A7"},
        {"style": "funk", "tempo": 105, "bars": 2, "key": "Em", "chords": ["Em7", "A7"]},
    ),
    "stori_generate_melody": (
        {"style": "pop", "tempo": 110, "bars": 8, "scale": "Major Pentatonic", "seed": "7"},
        {"style": "pop", "tempo": 110, "bars": 8, "scale": "major_pentatonic", "octave": 5, "seed": 7},
    ),
    "stori_generate_chords": (
        {"style": "jazz", "tempo": 120, "bars": 4, "progression": ["ii7", "V7", "Imaj7"]},
        {"style": "jazz", "tempo": 120, "bars": 4, "progression": ["ii7", "V7", "Imaj7"]},
    ),
    "stori_play": ({"from_beat": 8}, {"fromBeat": 8}),
    "stori_stop": ({}, {}),
    "stori_set_playhead": ({"bar": "3"}, {"bar": 3}),
    "stori_show_panel": ({"panel": "Piano Roll", "visible": "true"}, {"panel": "piano_roll", "visible": True}),
    "stori_set_zoom": ({"zoomPercent": 250}, {"zoomPercent": 250}),
}


def test_every_tool_has_a_case() -> None:
    assert set(CASES) == set(TOOL_NAMES)


@pytest.mark.parametrize("name", list(CASES))
def test_happy_path(name: str) -> None:
    arguments, expected = CASES[name]
    spec = get_spec(name)
    assert spec is not None
    call = validate_call(spec, arguments)
    assert call.tool == spec.canonical
    assert call.params == expected
    assert call.warnings == []
    # Canonical names only, in the declared order.
    declared = [p.name for p in spec.params if not p.hidden]
    assert list(call.params) == [n for n in declared if n in call.params]


def test_integer_outputs_are_ints_not_floats() -> None:
    spec = get_spec("stori_set_midi_program")
    assert spec is not None
    params = validate_call(spec, {"trackId": "t", "program": 4.0, "channel": "10.0"}).params
    assert type(params["program"]) is int and type(params["channel"]) is int
