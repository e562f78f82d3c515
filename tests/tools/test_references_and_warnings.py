"""``$N.field`` references (tools.md §2.7), unknown-parameter warnings and spelling rules (§2.3, §2.4)."""

from __future__ import annotations

from typing import Any

import pytest

from maestro_mcp.errors import ToolError
from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.references import substitute
from maestro_mcp.tools.stages import validate_call

PLAN: list[dict[str, Any] | None] = [
    {"ok": True, "tool": "stori_add_midi_track", "trackId": "t-1", "name": "Bass", "gmProgram": 33},
    {"ok": False, "tool": "stori_add_midi_region", "errors": []},
    None,
    {"ok": True, "tool": "stori_add_midi_region", "regionId": "r-1", "startBeat": 4.0, "name": None},
]


def ref_errors(arguments: dict[str, Any], plan: list[dict[str, Any] | None] | None = PLAN,
               index: int | None = None) -> list[tuple[str, str]]:
    with pytest.raises(ToolError) as info:
        substitute(arguments, plan, index)
    return [(e.code.value, e.field) for e in info.value.errors]


def test_substitution_keeps_type_at_any_depth() -> None:
    out = substitute({"trackId": "$0.trackId", "deep": [{"x": "$3.startBeat"}], "p": "$0.gmProgram"}, PLAN)
    assert out == {"trackId": "t-1", "deep": [{"x": 4.0}], "p": 33}


def test_literal_dollar_strings_are_untouched() -> None:
    args = {"name": "Costs $5", "other": "US$0.50", "x": "$", "y": "$abc"}
    assert substitute(args, PLAN) == args
    assert substitute(args, None) == args


@pytest.mark.parametrize(("value", "code"), [
    ("$4.trackId", "INVALID_REFERENCE"),  # the current call (index 4 by default) itself
    ("$9.trackId", "INVALID_REFERENCE"),  # a later call
    ("$0.missing", "INVALID_REFERENCE"),  # no such result field
    ("$3.name", "INVALID_REFERENCE"),  # a null field is no value
    ("$0.track_id", "INVALID_REFERENCE"),  # malformed
    ("$0", "INVALID_REFERENCE"),  # malformed
    ("$1.regionId", "DEPENDENCY_FAILED"),  # failed
    ("$2.regionId", "DEPENDENCY_FAILED"),  # skipped
])
def test_reference_errors(value: str, code: str) -> None:
    assert ref_errors({"regionId": value}) == [(code, "regionId")]


def test_all_reference_errors_reported_with_paths() -> None:
    errors = ref_errors({"a": "$1.x", "b": [{"c": "$7.y"}]})
    assert errors == [("DEPENDENCY_FAILED", "a"), ("INVALID_REFERENCE", "b[0].c")]


def test_explicit_plan_index() -> None:
    # In an LLM batch run out of order, call 1 may reference call 0 while later calls have results.
    assert substitute({"t": "$0.trackId"}, PLAN, plan_index=1) == {"t": "t-1"}
    assert ref_errors({"t": "$3.regionId"}, index=2) == [("INVALID_REFERENCE", "t")]
    assert ref_errors({"t": "$3.regionId"}, plan=PLAN[:2], index=5) == [("INVALID_REFERENCE", "t")]


def test_reference_outside_a_plan() -> None:
    assert ref_errors({"trackId": "$0.trackId"}, plan=None) == [("INVALID_REFERENCE", "trackId")]


def test_references_run_before_schema() -> None:
    spec = get_spec("stori_add_midi_region")
    assert spec is not None
    call = validate_call(spec, {"trackId": "$0.trackId", "startBeat": "$3.startBeat", "durationBeats": 4}, PLAN)
    assert call.params == {"trackId": "t-1", "startBeat": 4.0, "durationBeats": 4}
    # A reference stage error stops the call before the schema stage sees the missing durationBeats.
    with pytest.raises(ToolError) as info:
        validate_call(spec, {"trackId": "$1.trackId"}, PLAN)
    assert [(e.code.value, e.field) for e in info.value.errors] == [("DEPENDENCY_FAILED", "trackId")]


# -- Warnings and spellings -------------------------------------------------------------------------------

def call(name: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    spec = get_spec(name)
    assert spec is not None
    c = validate_call(spec, arguments)
    return c.params, c.warnings


def test_unknown_parameters_are_warnings() -> None:
    params, warnings = call("stori_set_tempo", {"tempo": 100, "foo": 1, "bpm": 2})
    assert params == {"tempo": 100}
    assert warnings == ["ignored unknown parameter 'foo'", "ignored unknown parameter 'bpm'"]


def test_unknown_nested_keys_are_grouped() -> None:
    notes = [{"pitch": 60, "startBeat": i, "durationBeats": 1, "id": f"n{i}"} for i in range(3)]
    _, warnings = call("stori_add_notes", {"regionId": "r", "notes": notes})
    assert warnings == ["ignored unknown parameter 'notes[*].id' (3 items)"]
    _, warnings = call("stori_generate_midi", {"role": "bass", "style": "x", "tempo": 90, "bars": 1,
                                               "constraints": {"mood": "sad"}})
    assert warnings == ["ignored unknown parameter 'constraints.mood'"]


def test_set_track_volume_ignores_volume() -> None:
    params, warnings = call("stori_set_track_volume", {"trackId": "t", "volumeDb": -3, "volume": 0.5})
    assert params == {"trackId": "t", "volumeDb": -3}
    assert warnings == ["ignored unknown parameter 'volume'"]


def test_caller_ids_for_new_entities_are_ignored_with_a_warning() -> None:
    params, warnings = call("stori_add_midi_track", {"name": "Bass", "trackId": "my-id"})
    assert params == {"name": "Bass"}
    assert warnings == ["ignored 'trackId': the server assigns ids to new entities"]
    params, warnings = call("stori_duplicate_region", {"regionId": "r", "startBeat": 8, "new_region_id": "x"})
    assert "newRegionId" not in params and "server assigns ids" in warnings[0]


def test_canonical_spelling_wins() -> None:
    params, warnings = call("stori_move_region", {"regionId": "r", "start_beat": 1, "startBeat": 2})
    assert params["startBeat"] == 2
    assert warnings == ["ignored 'start_beat': 'startBeat' is also given"]
    # A parameter alias loses to the canonical name too.
    params, _ = call("stori_add_send", {"trackId": "t", "busId": "id-1", "busName": "Reverb"})
    assert params["busId"] == "id-1"
    params, _ = call("stori_add_send", {"trackId": "t", "busId": "b", "levelDb": -3, "sendLevel": 0.5})
    assert params["levelDb"] == -3


def test_null_optional_takes_the_default() -> None:
    params, _ = call("stori_quantize_notes", {"regionId": "r", "grid": None, "strength": None})
    assert params == {"regionId": "r", "grid": "1/16", "strength": 1.0}


def test_generation_constraints_chords_and_progression() -> None:
    params, warnings = call("stori_generate_midi", {
        "role": "chords", "style": "x", "tempo": 90, "bars": 2,
        "constraints": {"chords": "C G", "progression": ["I", "V"]},
    })
    assert params["constraints"] == {"progression": ["I", "V"]}
    assert warnings == ["ignored 'constraints.chords': 'constraints.progression' is also given"]


def test_unknown_chord_suffix_is_a_warning() -> None:
    params, warnings = call("stori_generate_bass", {"style": "x", "tempo": 90, "bars": 2, "chords": ["Cxyz"]})
    assert params["chords"] == ["Cxyz"]
    assert warnings and warnings[0].startswith("chords[0]: unknown chord suffix")


@pytest.mark.parametrize(("kit", "expected"), [("808", "TR-808"), ("tr 909", "TR-909"), ("JAZZ", "jazz")])
def test_drum_kit_spellings(kit: str, expected: str) -> None:
    assert call("stori_add_midi_track", {"name": "Drums", "drumKitId": kit})[0]["drumKitId"] == expected


@pytest.mark.parametrize(("effect", "expected"), [("Echo", "delay"), ("HPF", "filter"), ("Equaliser", "eq")])
def test_effect_synonyms(effect: str, expected: str) -> None:
    assert call("stori_add_insert_effect", {"trackId": "t", "type": effect})[0]["type"] == expected


def test_levels_are_rounded_to_a_tenth_of_a_db() -> None:
    assert call("stori_set_track_volume", {"trackId": "t", "volumeDb": -3.14159})[0]["volumeDb"] == -3.1
    assert call("stori_add_send", {"trackId": "t", "busId": "b", "sendLevel": 0})[0]["levelDb"] == -60.0
    assert call("stori_add_send", {"trackId": "t", "busId": "b", "sendLevel": 1})[0]["levelDb"] == 0.0
