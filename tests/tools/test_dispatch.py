"""End to end through ``dispatch`` and the real headless DAW router on a real in-memory project store."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest

from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.dispatch import ToolContext, ToolResult, dispatch

pytestmark = pytest.mark.anyio


def check_schema(result: ToolResult, name: str) -> None:
    spec = get_spec(name)
    assert spec is not None
    jsonschema.validate(result.payload, spec.output_schema())


async def ok(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await dispatch(ctx, name, arguments)
    assert not result.is_error, result.text
    check_schema(result, name)
    assert json.loads(result.text) == result.payload
    return result.payload


async def test_track_region_notes_flow(ctx: ToolContext) -> None:
    track = await ok(ctx, "stori_add_midi_track", {"name": "Bass", "instrument": "Electric Bass"})
    assert track["tool"] == "stori_add_midi_track" and track["executedBy"] == "headless"
    assert track["dawResult"] is None and track["warnings"] == []
    assert track["gmProgram"] is not None and track["drumKitId"] is None and track["stateVersion"] == 1
    region = await ok(ctx, "stori_add_midi_region", {"trackName": "bass", "startBeat": 0, "durationBeats": 4})
    assert region["trackId"] == track["trackId"] and region["name"]
    added = await ok(ctx, "stori_add_notes", {
        "regionId": region["regionId"],
        "notes": [{"pitch": "36", "start_beat": 0, "durationBeats": 1}, {"pitch": 43, "startBeat": 3.5,
                                                                          "durationBeats": 2}],
    })
    assert added["addedCount"] == 2 and added["noteCount"] == 2 and added["stateVersion"] == 3
    assert any("past" in w or "end" in w for w in added["warnings"])  # the second note runs past the region
    project = await ok(ctx, "stori_read_project", {"includeNotes": True})
    notes = project["project"]["tracks"][0]["regions"][0]["notes"]
    assert notes[0]["velocity"] == 100 and notes[0]["channel"] == 0  # defaults filled by validation


async def test_every_success_carries_every_documented_field(ctx: ToolContext) -> None:
    payload = await ok(ctx, "stori_set_tempo", {"tempo": "90"})
    spec = get_spec("stori_set_tempo")
    assert spec is not None
    assert list(payload) == ["ok", "tool", "executedBy", "warnings", "dawResult", *spec.result_names]
    assert payload["tempo"] == 90 and payload["previousTempo"] == 120


async def test_alias_add_track_is_one_change(ctx: ToolContext) -> None:
    payload = await ok(ctx, "stori_add_track", {"name": "Keys", "volume": -6, "pan": 20})
    assert payload["tool"] == "stori_add_midi_track"
    assert payload["volumeDb"] == -6 and payload["pan"] == 20 and payload["stateVersion"] == 1


async def test_alias_add_region_and_set_key_signature(ctx: ToolContext) -> None:
    await ok(ctx, "stori_add_midi_track", {"name": "Keys"})
    region = await ok(ctx, "stori_add_region", {"trackId": "Keys", "startBeat": 0, "durationBeats": 8,
                                                 "color": "#aabbcc"})
    assert region["tool"] == "stori_add_midi_region" and region["color"] == "#AABBCC"
    key = await ok(ctx, "stori_set_key_signature", {"keySignature": "bb minor"})
    assert key["tool"] == "stori_set_key" and key["key"] == "Bbm" and key["previousKey"] == "C"


async def test_unknown_tool_is_flagged(ctx: ToolContext) -> None:
    result = await dispatch(ctx, "stori_add_effect", {})
    assert result.is_error and result.unknown_tool and result.stage == 1
    assert result.errors == [{"code": "UNKNOWN_TOOL", "field": "", "message": "unknown tool 'stori_add_effect'"}]


async def test_validation_error_result(ctx: ToolContext) -> None:
    result = await dispatch(ctx, "stori_set_tempo", {"tempo": 300})
    assert result.is_error and not result.unknown_tool and result.stage == 4
    assert result.payload == {
        "ok": False, "tool": "stori_set_tempo", "executedBy": None, "dawResult": None,
        "errors": [{"code": "VALUE_OUT_OF_RANGE", "field": "tempo", "message": "must be between 40 and 240 (got 300)"}],
    }
    assert result.text == "tempo: must be between 40 and 240 (got 300) [VALUE_OUT_OF_RANGE]"
    check_schema(result, "stori_set_tempo")


async def test_error_text_joins_items(ctx: ToolContext) -> None:
    result = await dispatch(ctx, "stori_set_playhead", {})
    assert result.text == "exactly one of bar, beat, seconds [INVALID_VALUE]"
    result = await dispatch(ctx, "stori_add_midi_region", {"trackId": "x"})
    assert result.text == "startBeat: is required [MISSING_REQUIRED]; durationBeats: is required [MISSING_REQUIRED]"


async def test_entity_errors_come_from_the_router(ctx: ToolContext) -> None:
    await ok(ctx, "stori_add_midi_track", {"name": "Drums"})
    await ok(ctx, "stori_add_midi_track", {"name": "Drums"})
    result = await dispatch(ctx, "stori_mute_track", {"trackId": "Drums", "muted": True})
    assert result.is_error and result.stage == 5
    assert [e["code"] for e in result.errors] == ["AMBIGUOUS_ENTITY"]
    result = await dispatch(ctx, "stori_mute_track", {"trackId": "Violin", "muted": True})
    assert [(e["code"], e["field"]) for e in result.errors] == [("ENTITY_NOT_FOUND", "trackId")]
    check_schema(result, "stori_mute_track")


async def test_tool_not_allowed(ctx: ToolContext) -> None:
    limited = dataclasses.replace(ctx, allowed_tools=frozenset({"stori_mute_track"}), allowlist_label="intent track.mute")
    result = await dispatch(limited, "stori_set_tempo", {"tempo": 100})
    assert result.stage == 2
    assert result.errors == [{"code": "TOOL_NOT_ALLOWED", "field": "",
                              "message": "stori_set_tempo is not allowed for intent track.mute"}]


async def test_plan_references_through_dispatch(ctx: ToolContext) -> None:
    results: list[dict[str, Any] | None] = []
    plan = [
        ("stori_add_midi_track", {"name": "Lead"}),
        ("stori_add_midi_region", {"trackId": "$0.trackId", "startBeat": 0, "durationBeats": 4}),
        ("stori_add_notes", {"regionId": "$1.regionId", "notes": [{"pitch": 72, "startBeat": 0, "durationBeats": 1}]}),
        ("stori_set_track_name", {"trackId": "$5.trackId", "name": "x"}),
    ]
    for name, arguments in plan:
        result = await dispatch(dataclasses.replace(ctx, plan_results=results), name, arguments)
        results.append(result.payload)
    assert [r["ok"] for r in results if r] == [True, True, True, False]
    assert results[1]["trackId"] == results[0]["trackId"]  # type: ignore[index]
    assert results[3]["errors"][0]["code"] == "INVALID_REFERENCE"  # type: ignore[index]

    failed: list[dict[str, Any] | None] = [{"ok": False, "tool": "stori_add_midi_track", "errors": []}]
    result = await dispatch(dataclasses.replace(ctx, plan_results=failed), "stori_mute_track",
                            {"trackId": "$0.trackId", "muted": True})
    assert result.errors[0]["code"] == "DEPENDENCY_FAILED" and result.stage == 3


async def test_every_daw_tool_runs_headless(ctx: ToolContext) -> None:
    track = await ok(ctx, "stori_add_midi_track", {"name": "Piano"})
    region = await ok(ctx, "stori_add_midi_region", {"trackId": track["trackId"], "startBeat": 0, "durationBeats": 8})
    rid, tid = region["regionId"], track["trackId"]
    bus = await ok(ctx, "stori_ensure_bus", {"name": "Reverb"})
    calls: list[tuple[str, dict[str, Any]]] = [
        ("stori_create_project", {"name": "Song", "tempo": 100}),
        ("stori_add_midi_track", {"name": "Piano"}),
        ("stori_add_midi_region", {"trackId": "Piano", "startBeat": 0, "durationBeats": 8}),
        ("stori_set_key", {"key": "Am"}),
        ("stori_set_track_volume", {"trackId": "Piano", "volumeDb": -3}),
        ("stori_set_track_pan", {"trackId": "Piano", "pan": -10}),
        ("stori_set_midi_program", {"trackId": "Piano", "program": 4}),
        ("stori_solo_track", {"trackId": "Piano", "solo": True}),
        ("stori_set_track_color", {"trackId": "Piano", "color": "blue"}),
        ("stori_set_track_icon", {"trackId": "Piano", "icon": "pianokeys"}),
        ("stori_add_notes", {"regionId": "Piano 1", "notes": [{"pitch": 60, "startBeat": 0.9, "durationBeats": 1}]}),
        ("stori_quantize_notes", {"regionId": "Piano 1", "grid": "1/4"}),
        ("stori_apply_swing", {"regionId": "Piano 1", "amount": 0.5}),
        ("stori_add_midi_cc", {"regionId": "Piano 1", "cc": 64, "events": [{"beat": 0, "value": 127}]}),
        ("stori_add_pitch_bend", {"regionId": "Piano 1", "events": [{"beat": 0, "value": 4096}]}),
        ("stori_add_aftertouch", {"regionId": "Piano 1", "events": [{"beat": 0, "value": 20}]}),
        ("stori_add_insert_effect", {"trackId": "Piano", "type": "chorus"}),
        ("stori_ensure_bus", {"name": "Reverb"}),
        ("stori_add_send", {"trackId": "Piano", "busName": "Reverb"}),
        ("stori_add_automation", {"trackId": "Piano", "points": [{"beat": 0, "value": -6}]}),
        ("stori_duplicate_region", {"regionId": "Piano 1", "startBeat": 8}),
        ("stori_move_region", {"regionId": "Piano 1", "startBeat": 16}),
        ("stori_clear_notes", {"regionId": "Piano 1"}),
        ("stori_delete_region", {"regionId": "Piano 1"}),
        ("stori_set_track_name", {"trackId": "Piano", "name": "Keys"}),
        ("stori_mute_track", {"trackId": "Keys", "muted": True}),
        ("stori_play", {"fromBeat": 4}),
        ("stori_set_playhead", {"bar": 2}),
        ("stori_stop", {}),
        ("stori_show_panel", {"panel": "mixer", "visible": True}),
        ("stori_set_zoom", {"zoomPercent": 150}),
    ]
    assert rid and tid and bus["created"] is True
    for name, arguments in calls:
        await ok(ctx, name, arguments)
    send = await ok(ctx, "stori_add_send", {"trackId": "Keys", "busId": "Reverb"})
    assert send["levelDb"] == -10.5 and send["created"] is False
