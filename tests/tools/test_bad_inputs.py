"""Bad input, rule by rule (tools.md §2.2–2.3, §3 and the per-tool rules): each case asserts code and field.

The systematic tests walk the catalog (every required parameter missing, every parameter of the wrong
type, every bound crossed, every enum missed), starting from each tool's canonical happy-path parameters.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from maestro_mcp.errors import ToolError
from maestro_mcp.tools.catalog import CATALOG, get_spec
from maestro_mcp.tools.params import Param
from maestro_mcp.tools.stages import validate_call
from tests.tools.test_happy_paths import CASES


def errors_of(name: str, arguments: Any) -> list[tuple[str, str]]:
    spec = get_spec(name)
    assert spec is not None
    with pytest.raises(ToolError) as info:
        validate_call(spec, arguments)
    return [(e.code.value, e.field) for e in info.value.errors]


def canonical_args(name: str) -> dict[str, Any]:
    """A tool's normalised happy-path parameters, which must themselves be valid input."""
    return dict(CASES[name][1])


def _visible(p: Param) -> bool:
    return not p.hidden


REQUIRED = [(s.name, p.name) for s in CATALOG for p in s.params if p.required]
ALL_PARAMS = [(s.name, p) for s in CATALOG for p in s.params if _visible(p)]
BOUNDED = [(s.name, p) for s, p in ((s, p) for s in CATALOG for p in s.params)
           if p.kind in ("integer", "number") and (p.minimum is not None or p.maximum is not None)]
ENUMS = [(s.name, p) for s in CATALOG for p in s.params if p.choices is not None and _visible(p)]

WRONG_TYPE: dict[str, Any] = {
    "integer": "abc", "number": "12abc", "boolean": "yes", "string": 5, "key": 5, "time_signature": 5,
    "color": 5, "array": "notes", "object": [1], "settings": [1], "chords": 5, "progression": 5,
    "density": True, "note_range": "40-60",
}


@pytest.mark.parametrize("name", list(CASES))
def test_normalised_parameters_are_valid_input(name: str) -> None:
    spec = get_spec(name)
    assert spec is not None
    assert validate_call(spec, canonical_args(name)).params == CASES[name][1]


@pytest.mark.parametrize(("name", "param"), REQUIRED)
def test_missing_required(name: str, param: str) -> None:
    args = canonical_args(name)
    args.pop(param, None)
    assert ("MISSING_REQUIRED", param) in errors_of(name, args)


@pytest.mark.parametrize(("name", "param"), REQUIRED)
def test_null_counts_as_missing(name: str, param: str) -> None:
    args = {**canonical_args(name), param: None}
    assert ("MISSING_REQUIRED", param) in errors_of(name, args)


@pytest.mark.parametrize(("name", "param"), ALL_PARAMS, ids=lambda x: getattr(x, "name", x))
def test_type_mismatch(name: str, param: Param) -> None:
    args = {**canonical_args(name), param.name: WRONG_TYPE[param.kind]}
    if name == "stori_set_playhead":
        args = {param.name: WRONG_TYPE[param.kind]}
    assert errors_of(name, args) == [("TYPE_MISMATCH", param.name)]


@pytest.mark.parametrize(("name", "param"), BOUNDED, ids=lambda x: getattr(x, "name", x))
def test_value_out_of_range(name: str, param: Param) -> None:
    base = {} if name == "stori_set_playhead" else canonical_args(name)
    for bad in (
        *(() if param.minimum is None else (param.minimum - 1,)),
        *(() if param.maximum is None else (param.maximum + 1,)),
    ):
        wire = int(bad) if param.kind == "integer" else bad
        field = param.name
        if param.converts_to:  # a converting alias reports under its own name
            base.pop(param.converts_to, None)
        assert errors_of(name, {**base, param.name: wire}) == [("VALUE_OUT_OF_RANGE", field)]


@pytest.mark.parametrize(("name", "param"), ENUMS, ids=lambda x: getattr(x, "name", x))
def test_invalid_enum(name: str, param: Param) -> None:
    args = {**canonical_args(name), param.name: "definitely-not-valid"}
    assert errors_of(name, args) == [("INVALID_ENUM", param.name)]


# (tool, arguments, expected (code, field) list) for the rules that are not a plain walk of the catalog.
SPECIFIC: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    # Shorthand keys of stori_add_notes, reported with the missing notes (tools.md §7.1).
    ("stori_add_notes", {"regionId": "r", "_noteCount": 8, "_beatRange": [0, 4]},
     [("SHORTHAND_REJECTED", "_noteCount"), ("SHORTHAND_REJECTED", "_beatRange"), ("MISSING_REQUIRED", "notes")]),
    ("stori_add_notes", {"regionId": "r", "_notes": "...", "notes": [{"pitch": 60, "startBeat": 0,
                                                                       "durationBeats": 1}]},
     [("SHORTHAND_REJECTED", "_notes")]),
    # Empty arrays and too many items.
    ("stori_add_notes", {"regionId": "r", "notes": []}, [("INVALID_VALUE", "notes")]),
    ("stori_add_notes", {"regionId": "r", "notes": [{"pitch": 60, "startBeat": i, "durationBeats": 1}
                                                     for i in range(129)]},
     [("VALUE_OUT_OF_RANGE", "notes")]),
    ("stori_add_midi_cc", {"regionId": "r", "cc": 1, "events": []}, [("INVALID_VALUE", "events")]),
    ("stori_add_pitch_bend", {"regionId": "r", "events": [{"beat": 0, "value": 0}] * 1025},
     [("VALUE_OUT_OF_RANGE", "events")]),
    ("stori_add_automation", {"target": "t", "points": []}, [("INVALID_VALUE", "points")]),
    # Nested paths.
    ("stori_add_notes", {"regionId": "r", "notes": [{"pitch": 60, "startBeat": 0, "durationBeats": 1}] * 3
                         + [{"pitch": 60, "startBeat": 0, "durationBeats": 1, "velocity": 0}]},
     [("VALUE_OUT_OF_RANGE", "notes[3].velocity")]),
    ("stori_add_notes", {"regionId": "r", "notes": [{"pitch": 128, "startBeat": 0, "durationBeats": 1,
                                                     "channel": 16}, {"startBeat": 0}, None, 5]},
     [("VALUE_OUT_OF_RANGE", "notes[0].pitch"), ("VALUE_OUT_OF_RANGE", "notes[0].channel"),
      ("MISSING_REQUIRED", "notes[1].pitch"), ("MISSING_REQUIRED", "notes[1].durationBeats"),
      ("TYPE_MISMATCH", "notes[2]"), ("TYPE_MISMATCH", "notes[3]")]),
    ("stori_add_aftertouch", {"regionId": "r", "events": [{"beat": 0, "value": 1, "pitch": -1}]},
     [("VALUE_OUT_OF_RANGE", "events[0].pitch")]),
    ("stori_add_automation", {"target": "t", "points": [{"beat": 0, "value": 0, "curve": "wobbly"}]},
     [("INVALID_ENUM", "points[0].curve")]),
    ("stori_generate_midi", {"role": "bass", "style": "x", "tempo": 90, "bars": 2,
                             "constraints": {"swing": 2, "velocityFloor": 0}},
     [("VALUE_OUT_OF_RANGE", "constraints.swing"), ("VALUE_OUT_OF_RANGE", "constraints.velocityFloor")]),
    # Formats: key, time signature, colour, chord text, names.
    ("stori_set_key", {"key": "H minor"}, [("INVALID_VALUE", "key")]),
    ("stori_set_key", {"key": "C superlocrian"}, [("INVALID_VALUE", "key")]),
    ("stori_generate_bass", {"style": "x", "tempo": 90, "bars": 2, "key": "Q"}, [("INVALID_VALUE", "key")]),
    ("stori_create_project", {"name": "S", "tempo": 90, "timeSignature": "4-4"}, [("INVALID_VALUE", "timeSignature")]),
    ("stori_create_project", {"name": "S", "tempo": 90, "timeSignature": "4/5"}, [("INVALID_VALUE", "timeSignature")]),
    ("stori_create_project", {"name": "S", "tempo": 90, "timeSignature": {"numerator": 33, "denominator": 4}},
     [("INVALID_VALUE", "timeSignature")]),
    ("stori_create_project", {"name": "S", "tempo": 90, "timeSignature": {"numerator": 3}},
     [("INVALID_VALUE", "timeSignature")]),
    ("stori_create_project", {"name": "   ", "tempo": 90}, [("INVALID_VALUE", "name")]),
    ("stori_create_project", {"name": "x" * 101, "tempo": 90}, [("VALUE_OUT_OF_RANGE", "name")]),
    ("stori_add_midi_track", {"name": "x" * 51}, [("VALUE_OUT_OF_RANGE", "name")]),
    ("stori_add_midi_track", {"name": "Keys", "instrument": "y" * 51}, [("VALUE_OUT_OF_RANGE", "instrument")]),
    ("stori_add_midi_track", {"name": "Keys", "color": "#12345"}, [("INVALID_VALUE", "color")]),
    ("stori_add_midi_track", {"name": "Keys", "color": "magenta"}, [("INVALID_ENUM", "color")]),
    ("stori_add_region", {"trackId": "t", "startBeat": 0, "durationBeats": 4, "color": "#GGGGGG"},
     [("INVALID_VALUE", "color")]),
    ("stori_set_track_color", {"trackId": "t", "color": "#FF0000"}, [("INVALID_ENUM", "color")]),
    ("stori_set_track_name", {"trackId": "t", "name": ""}, [("INVALID_VALUE", "name")]),
    ("stori_set_track_name", {"trackId": "", "name": "x"}, [("INVALID_VALUE", "trackId")]),
    ("stori_ensure_bus", {"name": " "}, [("INVALID_VALUE", "name")]),
    ("stori_generate_bass", {"style": "x", "tempo": 90, "bars": 2, "chords": ["Cm7", "Xm7"]},
     [("INVALID_VALUE", "chords[1]")]),
    ("stori_generate_bass", {"style": "x", "tempo": 90, "bars": 2, "chords": []}, [("INVALID_VALUE", "chords")]),
    ("stori_generate_bass", {"style": "x", "tempo": 90, "bars": 2, "chords": ["C"] * 65},
     [("VALUE_OUT_OF_RANGE", "chords")]),
    ("stori_generate_chords", {"style": "x", "tempo": 90, "bars": 2, "progression": ["ii7", "Zz"]},
     [("INVALID_VALUE", "progression[1]")]),
    ("stori_generate_midi", {"role": "bass", "style": "x", "tempo": 90, "bars": 2,
                             "constraints": {"noteRange": [70, 40]}}, [("INVALID_VALUE", "constraints.noteRange")]),
    ("stori_generate_midi", {"role": "bass", "style": "x", "tempo": 90, "bars": 2,
                             "constraints": {"noteRange": [40]}}, [("INVALID_VALUE", "constraints.noteRange")]),
    ("stori_generate_midi", {"role": "bass", "style": "x", "tempo": 90, "bars": 2,
                             "constraints": {"density": "thick"}}, [("INVALID_ENUM", "constraints.density")]),
    ("stori_generate_midi", {"role": "bass", "style": "x", "tempo": 90, "bars": 2,
                             "constraints": {"density": 1.5}}, [("VALUE_OUT_OF_RANGE", "constraints.density")]),
    ("stori_add_insert_effect", {"trackId": "t", "type": "eq", "settings": {f"k{i}": i for i in range(33)}},
     [("VALUE_OUT_OF_RANGE", "settings")]),
    ("stori_add_insert_effect", {"trackId": "t", "type": "eq", "settings": {"curve": [1, 2]}},
     [("TYPE_MISMATCH", "settings.curve")]),
    # Converting aliases.
    ("stori_quantize_notes", {"regionId": "r", "gridSize": 0.3}, [("INVALID_ENUM", "gridSize")]),
    ("stori_add_send", {"trackId": "t", "busId": "b", "sendLevel": 1.5}, [("VALUE_OUT_OF_RANGE", "sendLevel")]),
    # Tool-specific cross-field rules (stage 6).
    ("stori_add_midi_track", {"name": "Drums", "drumKitId": "acoustic", "gmProgram": 0}, [("INVALID_VALUE", "")]),
    ("stori_add_track", {"name": "Drums", "drumKitId": "acoustic", "gmProgram": 0}, [("INVALID_VALUE", "")]),
    ("stori_set_playhead", {}, [("INVALID_VALUE", "")]),
    ("stori_set_playhead", {"bar": 2, "seconds": 1.5}, [("INVALID_VALUE", "")]),
    ("stori_add_automation", {"target": "t", "parameter": "volume", "points": [{"beat": 0, "value": 7}]},
     [("VALUE_OUT_OF_RANGE", "points[0].value")]),
    ("stori_add_automation", {"target": "t", "parameter": "pan", "points": [{"beat": 0, "value": -101},
                                                                            {"beat": 1, "value": 100}]},
     [("VALUE_OUT_OF_RANGE", "points[0].value")]),
    ("stori_generate_midi", {"role": "bass", "style": "x", "tempo": 90, "bars": 2,
                             "constraints": {"velocityFloor": 100, "velocityCeiling": 90}},
     [("INVALID_VALUE", "constraints.velocityFloor")]),
    # Arguments that are not an object.
    ("stori_stop", [1, 2], [("TYPE_MISMATCH", "")]),
    ("stori_stop", "go", [("TYPE_MISMATCH", "")]),
]


@pytest.mark.parametrize(("name", "arguments", "expected"), SPECIFIC)
def test_specific_rule(name: str, arguments: Any, expected: list[tuple[str, str]]) -> None:
    assert errors_of(name, arguments) == expected


# -- Coercions of §2.3: exactly these and nothing else ----------------------------------------------------

@pytest.mark.parametrize("value", [1, 0, "yes", "on", "1", 1.0, None.__class__.__name__])
def test_booleans_accept_only_true_false(value: Any) -> None:
    assert errors_of("stori_mute_track", {"trackId": "t", "muted": value}) == [("TYPE_MISMATCH", "muted")]


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("True", True), (" false ", False), ("FALSE", False)])
def test_boolean_strings(value: Any, expected: bool) -> None:
    spec = get_spec("stori_mute_track")
    assert spec is not None
    assert validate_call(spec, {"trackId": "t", "muted": value}).params["muted"] is expected


@pytest.mark.parametrize("value", [64.5, "64.5", True, "sixty", "", [64], {"v": 1}, "0x40", "nan"])
def test_integer_rejections(value: Any) -> None:
    assert errors_of("stori_set_midi_program", {"trackId": "t", "program": value}) == [("TYPE_MISMATCH", "program")]


@pytest.mark.parametrize(("value", "expected"), [(64.0, 64), ("64", 64), ("64.0", 64), (" 7 ", 7), ("1e1", 10)])
def test_integer_coercions(value: Any, expected: int) -> None:
    spec = get_spec("stori_set_midi_program")
    assert spec is not None
    out = validate_call(spec, {"trackId": "t", "program": value}).params["program"]
    assert out == expected and type(out) is int


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_numbers_must_be_finite(value: float) -> None:
    assert errors_of("stori_set_tempo", {"tempo": value}) == [("VALUE_OUT_OF_RANGE", "tempo")]


@pytest.mark.parametrize("value", [True, "fast", "Infinity", "inf", "120bpm"])
def test_number_rejections(value: Any) -> None:
    assert errors_of("stori_set_tempo", {"tempo": value}) == [("TYPE_MISMATCH", "tempo")]


def test_strings_are_not_coerced_from_numbers() -> None:
    assert errors_of("stori_set_track_name", {"trackId": "t", "name": 42}) == [("TYPE_MISMATCH", "name")]


def test_all_errors_of_the_stage_at_once_capped_at_20() -> None:
    notes = [{"pitch": 200, "startBeat": -1, "durationBeats": 0} for _ in range(10)]
    errors = errors_of("stori_add_notes", {"regionId": "r", "notes": notes})
    assert len(errors) == 20
    assert errors[:3] == [("VALUE_OUT_OF_RANGE", "notes[0].pitch"), ("VALUE_OUT_OF_RANGE", "notes[0].startBeat"),
                          ("VALUE_OUT_OF_RANGE", "notes[0].durationBeats")]


def test_schema_errors_stop_before_cross_field_rules() -> None:
    # Stage 4 (bad type) is reported alone even though stage 6 (both instruments) would also fail.
    errors = errors_of("stori_add_midi_track", {"name": 5, "drumKitId": "jazz", "gmProgram": 1})
    assert errors == [("TYPE_MISMATCH", "name")]
