"""Deterministic plans (stori-prompt.md §7–§8, sse.md §6) and the client-snapshot mirror store."""

from __future__ import annotations

from pathlib import Path

import pytest

from maestro_mcp.agent.edit_calls import call
from maestro_mcp.agent.planner import plan_from_calls
from maestro_mcp.agent.planner_compose import derive_seed, plan_from_prompt
from maestro_mcp.agent.planner_effects import block_entries, track_effects
from maestro_mcp.agent.planner_expression import RegionSpan, controller_calls, ramp
from maestro_mcp.agent.planner_sections import plan_sections
from maestro_mcp.agent.stream_snapshot import SnapshotError, parse_snapshot
from maestro_mcp.daw.model import Note, Project, Region, Track
from maestro_mcp.prompts import get_card, parse_stori_prompt
from maestro_mcp.store.db import Database
from maestro_mcp.store.mirrors import MirrorStore


def sections(request: str, bars: int, form: object = None) -> list[tuple[str | None, int, int]]:
    warnings: list[str] = []
    return [(s.name, s.start_bar, s.bars) for s in plan_sections(request, form, bars, None, warnings)]


def test_sections() -> None:
    assert sections("A 4-bar intro, a 12 bar verse and an 8 bars of chorus", 24) == [
        ("intro", 0, 4),
        ("verse", 4, 12),
        ("chorus", 16, 8),
    ]
    # Shares by weight: intro .15, verse .35, chorus .30 of 16 bars → 3, 7, 6 (remainder to the largest fraction).
    assert sections("intro then verse then drop", 16) == [("intro", 0, 3), ("verse", 3, 7), ("drop", 10, 6)]
    assert sections("just a groove", 8) == [(None, 0, 8)]
    assert sections("x", 8, {"structure": ["build", "drop", "breakdown"]})[0][0] == "build"
    # Explicit counts beyond `bars` are cut from the end.
    assert sections("an 8-bar intro and a 8-bar verse", 10) == [("intro", 0, 8), ("verse", 8, 2)]
    assert sections("pre-chorus into the chorus", 8)[0][0] == "pre-chorus"


def test_effect_inference_and_reverb_send_levels() -> None:
    warnings: list[str] = []
    entries = block_entries(
        {"compression": {"ratio": 3}, "reverb": {"type": "plate", "wet": "18%"}}, warnings, "keys"
    )
    fx = track_effects(entries, "chords", "neosoul", no_effects=False, no_reverb=False)
    assert [(e.type, e.settings) for e in fx.inserts] == [("compressor", {"ratio": 3}), ("chorus", None)]
    assert (fx.reverb, fx.send_db) == (True, -14.9)
    none = track_effects([], "pads", "house", no_effects=True, no_reverb=False)
    assert (none.inserts, none.reverb) == ([], False)
    dry = track_effects([("reverb", None)], "lead", "edm", no_effects=False, no_reverb=True)
    assert (dry.reverb, [e.type for e in dry.inserts]) == (False, ["delay"])
    assert block_entries("warm tape saturation and some echo", warnings, "x") == [
        ("overdrive", None),
        ("delay", None),
    ]


def test_expressiveness_shapes() -> None:
    assert ramp(30, 100, 0, 4) == [{"beat": 0.0, "value": 30}, {"beat": 1.0, "value": 53},
                                   {"beat": 2.0, "value": 77}, {"beat": 3.0, "value": 100}]  # fmt: skip
    span = RegionSpan(start=0, duration=8, position=0, bpb=4)
    pedal = controller_calls("sustain_pedal", {"changes_per_bar": 2}, span)[0][1]
    assert pedal["cc"] == 64 and pedal["events"][:2] == [
        {"beat": 0.0, "value": 127},
        {"beat": 1.875, "value": 0},
    ]
    bend = controller_calls("pitch_bend", {"style": "fall", "depth": 1}, span)[0]
    assert bend == ("stori_add_pitch_bend", {"events": [
        {"beat": 3.5, "value": 0}, {"beat": 3.75, "value": -4096}, {"beat": 3.99, "value": 0},
        {"beat": 7.5, "value": 0}, {"beat": 7.75, "value": -4096}, {"beat": 7.99, "value": 0}]})  # fmt: skip


def test_plan_of_the_lofi_example() -> None:
    prompt = parse_stori_prompt(get_card("lofi_boom_bap").full_prompt)
    assert prompt is not None
    plan = plan_from_prompt(prompt, Project.new(tempo=75, key="Cm"), seed=1)
    assert plan.teams and plan.title == "Composing Lofi Hip Hop"
    assert [s.label for s in plan.steps] == [
        "Create Drums track", "Add content to Drums", "Add effects to Drums",
        "Create Bass track", "Add content to Bass", "Add effects to Bass", "Add MIDI CC to Bass",
        "Create Piano track", "Add content to Piano", "Add effects to Piano", "Add MIDI CC to Piano",
        "Create Melody track", "Add content to Melody", "Add MIDI CC to Melody",
        "Set up shared Reverb bus",
    ]  # fmt: skip
    generators = [a for a in plan.actions if a.is_generator]
    assert {a.params["constraints"].get("swing") for a in generators} == {0.24}
    melody = [a for a in generators if a.params["role"] == "melody"]
    assert melody[0].params["constraints"]["noteRange"] == [70, 79]
    assert {a.params["constraints"]["velocityCeiling"] for a in generators} == {88}
    bass = next(a for a in generators if a.params["role"] == "bass")
    assert bass.params["constraints"]["chords"] == ["Cm7", "Abmaj7", "Ebmaj7", "Bb7sus4"]
    assert bass.params["seed"] == derive_seed(1, "Bass", "intro")
    # References only point backwards, and never at a skipped step.
    for a in plan.actions:
        for ref in [v for v in a.params.values() if isinstance(v, str) and v.startswith("$")]:
            assert int(ref[1:].split(".")[0]) < a.index


def test_natural_language_style_tempo_and_key_steps() -> None:
    prompt = parse_stori_prompt("STORI PROMPT\nMode: compose\nStyle: trap\nRole: [808]\n")
    assert prompt is not None
    plan = plan_from_prompt(prompt, Project.new(), seed=1)
    assert [s.label for s in plan.steps][:2] == ["Set tempo to 140 BPM", "Create 808 track"]
    assert not plan.teams and plan.steps[1].actions[0].params["gmProgram"] == 38


def test_edit_calls_become_canonical_steps() -> None:
    project = Project.new()
    project.tracks.append(Track(id="d", name="Drums", is_drums=True))
    calls = [
        call("stori_set_track_volume", trackId="d", volumeDb=1.5),
        call("stori_add_insert_effect", trackId="d", type="compressor"),
        call("stori_ensure_bus", name="Reverb"),
        call("stori_add_send", trackId="d", busId="$2.busId", levelDb=-10.5),
        call("stori_set_tempo", tempo=92.5),
    ]
    plan = plan_from_calls(calls, project, "Edit")
    assert [(s.label, s.phase, [a.index for a in s.actions]) for s in plan.steps] == [
        ("Set tempo to 92.5 BPM", "setup", [4]),
        ("Add effects to Drums", "soundDesign", [1]),
        ("Set Drums volume to 1.5 dB", "mixing", [0]),
        ("Set up shared Reverb bus", "mixing", [2, 3]),
    ]
    assert plan.steps[3].actions[1].label == "Send Drums to Reverb bus"


def test_snapshot_validation() -> None:
    project, absent, clamped = parse_snapshot({
        "projectId": "app", "tempo": 300, "key": "f#m", "timeSignature": "3/4",
        "tracks": [{"id": "t", "type": "drums", "volume": 1.0, "effects": ["compressor"],
                    "regions": [{"id": "r", "startBeat": 0, "durationBeats": 4,
                                 "notes": [{"pitch": 36, "startBeat": 0, "durationBeats": 1, "velocity": 0}]}]}],
    })  # fmt: skip
    assert (project.id, project.tempo, project.key, project.beats_per_bar) == ("app", 240, "F#m", 3)
    assert project.tracks[0].is_drums and project.tracks[0].volume_db == 0.0
    assert clamped == ["project.tempo", "project.tracks[0].regions[0].notes[0].velocity"]
    assert absent.lists["r"] == frozenset({"cc_events", "pitch_bends", "aftertouch"})
    with pytest.raises(SnapshotError) as bad:
        parse_snapshot({"tracks": [{"id": "t", "regions": [{"id": "r", "startBeat": 0}]}]})
    assert {e["field"] for e in bad.value.errors} == {
        "project.id",
        "project.tracks[0].regions[0].durationBeats",
    }


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_mirror_store_versions_and_absent_notes(tmp_path: Path, anyio_backend: str) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        store = MirrorStore(db)
        region = Region(
            id="r", start_beat=0, duration_beats=4, notes=[Note(pitch=60, start_beat=0, duration_beats=1)]
        )
        first = Project.new(project_id="app")
        first.tracks.append(Track(id="t", name="Keys", regions=[region]))
        _, version = await store.replace("alice", first)
        assert version == 0
        again = first.model_copy(deep=True)
        again.tracks[0].regions[0].notes = []
        merged, version = await store.replace("alice", again, parse_snapshot(
            {"id": "app", "tracks": [{"id": "t", "name": "Keys", "regions": [{"id": "r", "startBeat": 0, "durationBeats": 4}]}]}
        )[1])  # fmt: skip
        assert version == 0 and merged.tracks[0].regions[0].notes[0].pitch == 60, "absent notes are kept"
        _, version = await store.mutate("alice", "app", lambda p: setattr(p, "tempo", 90.0))
        assert version == 1
        _, version = await store.mutate("alice", "app", lambda p: setattr(p, "tempo", 90.0))
        assert version == 1, "no change, no new version"
        assert await store.resolve("bob", "app") is None
        reopened = MirrorStore(db)
        found = await reopened.get("alice", "app")
        assert found is not None and (found[0].tempo, found[1]) == (90.0, 1)
    finally:
        db.dispose()
