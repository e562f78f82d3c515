"""Generation tools (tools.md §10) through dispatch: request building, the §10.1 result, writing into a
region through stori_add_notes in chunks of at most 128."""

from __future__ import annotations

import importlib.util
from typing import Any

import jsonschema
import pytest

from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.dispatch import ToolContext, dispatch
from maestro_mcp.tools.generation import build_request

pytestmark = pytest.mark.anyio

# The lead is adding the role generators one by one; tests of a role run once its module exists.
needs_melody = pytest.mark.skipif(importlib.util.find_spec("maestro_mcp.music.melody") is None,
                                  reason="melody generator not there yet")


def test_build_request_maps_every_parameter() -> None:
    req = build_request("stori_generate_midi", {
        "role": "pads", "style": "lofi", "tempo": 80, "bars": 4, "seed": 3,
        "constraints": {"density": 0.95, "noteRange": [48, 72], "swing": 0.2, "syncopation": 0.1,
                        "velocityFloor": 40, "velocityCeiling": 90, "progression": ["i", "bVI"]},
    }, "Cm", (3, 4))
    assert (req.role, req.style, req.tempo, req.bars, req.seed, req.key) == ("pads", "lofi", 80.0, 4, 3, "Cm")
    assert req.time_signature == (3, 4) and req.progression == ("i", "bVI")
    c = req.constraints
    assert (c.density, c.note_range, c.swing, c.syncopation, c.velocity_floor, c.velocity_ceiling) == (
        0.95, (48, 72), 0.2, 0.1, 40, 90)

    drums = build_request("stori_generate_drums", {"style": "trap", "tempo": 140, "bars": 4, "complexity": 0.7,
                                                   "seed": 1}, "C", (4, 4))
    assert drums.role == "drums" and drums.constraints.complexity == 0.7
    melody = build_request("stori_generate_melody", {"style": "pop", "tempo": 100, "bars": 2, "key": "D dorian",
                                                     "scale": "dorian", "octave": 4, "seed": 1}, "C", (4, 4))
    assert melody.key == "D dorian" and melody.constraints.scale == "dorian" and melody.constraints.octave == 4
    bass = build_request("stori_generate_bass", {"style": "x", "tempo": 90, "bars": 2, "chords": ["Am", "F"],
                                                 "seed": 1}, "C", (4, 4))
    assert bass.role == "bass" and bass.progression == ("Am", "F")


async def generate(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await dispatch(ctx, name, arguments)
    assert not result.is_error, result.text
    spec = get_spec(name)
    assert spec is not None
    jsonschema.validate(result.payload, spec.output_schema())
    return result.payload


@needs_melody
async def test_generate_melody_result(ctx: ToolContext) -> None:
    await dispatch(ctx, "stori_set_key", {"key": "Em"})
    out = await generate(ctx, "stori_generate_melody", {"style": "lofi", "tempo": 80, "bars": 2, "seed": 11})
    assert out["tool"] == "stori_generate_melody" and out["executedBy"] == "server"
    assert out["key"] == "Em"  # the project's key is the default
    assert out["timeSignature"] == {"numerator": 4, "denominator": 4}
    assert (out["backend"], out["fallback"], out["fallbackReason"]) == ("embedded", False, None)
    assert out["written"] is False and out["regionId"] is None and out["writtenBy"] is None
    assert out["stateVersion"] is None and out["seed"] == 11 and out["role"] == "melody"
    assert out["noteCount"] == len(out["notes"]) > 0
    assert out["notes"] == sorted(out["notes"], key=lambda n: (n["startBeat"], n["pitch"]))
    assert set(out["report"]) == {"inKeyRatio", "pitchMin", "pitchMax", "notesPerBar"}
    assert out["report"]["pitchMin"] == min(n["pitch"] for n in out["notes"])
    assert isinstance(out["durationMs"], int) and out["progression"] and out["scale"]

    again = await generate(ctx, "stori_generate_melody", {"style": "lofi", "tempo": 80, "bars": 2, "seed": 11})
    assert again["notes"] == out["notes"]  # same effective inputs and seed, same notes


@needs_melody
async def test_random_seed_is_returned(ctx: ToolContext) -> None:
    out = await generate(ctx, "stori_generate_midi", {"role": "melody", "style": "pop", "tempo": 100, "bars": 1})
    assert 0 <= out["seed"] <= 2147483647


@needs_melody
async def test_write_into_region_in_chunks(ctx: ToolContext) -> None:
    await dispatch(ctx, "stori_add_midi_track", {"name": "Lead"})
    await dispatch(ctx, "stori_add_midi_region", {"trackId": "Lead", "startBeat": 0, "durationBeats": 256})
    out = await generate(ctx, "stori_generate_midi", {
        "role": "melody", "style": "pop", "tempo": 100, "bars": 64, "seed": 5, "regionId": "Lead 1",
        "constraints": {"density": "very dense"},
    })
    assert out["written"] is True and out["writtenBy"] == "headless"
    assert out["noteCount"] > 128  # so the write took several stori_add_notes calls
    project = (await dispatch(ctx, "stori_read_project", {"include_notes": True})).payload["project"]
    region = project["tracks"][0]["regions"][0]
    assert out["regionId"] == region["id"]
    assert len(region["notes"]) == out["noteCount"]
    # One state-version step per stori_add_notes call of at most 128 notes (plus track and region).
    calls = -(-out["noteCount"] // 128) + (1 if out["pitchBends"] else 0) + len({e["cc"] for e in out["ccEvents"]})
    assert out["stateVersion"] == 2 + calls


@needs_melody
async def test_write_into_unknown_region_fails_with_entity_error(ctx: ToolContext) -> None:
    result = await dispatch(ctx, "stori_generate_melody", {"style": "pop", "tempo": 100, "bars": 1,
                                                           "regionId": "Nowhere"})
    assert result.is_error and result.stage == 5
    assert [(e["code"], e["field"]) for e in result.errors] == [("ENTITY_NOT_FOUND", "regionId")]
    assert result.payload["tool"] == "stori_generate_melody"


async def test_generation_validation_error(ctx: ToolContext) -> None:
    result = await dispatch(ctx, "stori_generate_drums", {"style": "trap", "tempo": 20})
    assert result.is_error and result.errors == [
        {"code": "VALUE_OUT_OF_RANGE", "field": "tempo", "message": "must be between 40 and 240 (got 20)"}]


def _has(module: str) -> bool:
    return importlib.util.find_spec(f"maestro_mcp.music.{module}") is not None


ALL_TOOLS = [
    ("stori_generate_drums", {"style": "boom bap", "tempo": 90}, "drums"),
    ("stori_generate_bass", {"style": "funk", "tempo": 105, "bars": 2, "key": "Em", "chords": "Em7 A7"}, "bass"),
    ("stori_generate_melody", {"style": "pop", "tempo": 110, "bars": 2, "key": "D dorian"}, "melody"),
    ("stori_generate_chords", {"style": "jazz", "tempo": 120, "bars": 2, "key": "F", "progression": "ii7 V7"}, "chords"),
    ("stori_generate_midi", {"role": "chord", "style": "house", "tempo": 124, "bars": 2}, "chords"),
]


@pytest.mark.parametrize(("name", "arguments", "module"), ALL_TOOLS)
async def test_each_generation_tool(ctx: ToolContext, name: str, arguments: dict[str, Any], module: str) -> None:
    if not _has(module):
        pytest.skip(f"{module} generator not there yet")
    out = await generate(ctx, name, {**arguments, "seed": 4})
    assert out["noteCount"] > 0 and out["seed"] == 4
    if module == "drums":
        assert out["role"] == "drums" and out["bars"] == 4  # the drums default length
        assert out["scale"] is None and out["progression"] is None and out["report"]["inKeyRatio"] is None
        assert {n["channel"] for n in out["notes"]} == {9}
        assert all(35 <= n["pitch"] <= 81 for n in out["notes"])
    else:
        assert out["role"] == module and out["scale"] and out["progression"]
        assert 0 <= out["report"]["inKeyRatio"] <= 1
    if "key" in arguments:
        assert out["key"] == arguments["key"]
