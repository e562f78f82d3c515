"""Deterministic tool calls of editing intents (intents.md §6), validated by the tool layer and run
through the headless DAW."""

from __future__ import annotations

from typing import Any

import pytest

from maestro_mcp.agent.edit_calls import EditPlan, edit_calls, mix_calls, reverb_bus_calls
from maestro_mcp.agent.intent import classify_rules, classify_structured
from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project
from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.stages import validate_call


def _band() -> tuple[Project, dict[str, str]]:
    """Drums (two regions), Bass (one), Keys and Pads (none)."""
    project = Project.new(tempo=90, key="Cm")
    ids = {name: str(apply(project, "stori_add_midi_track", {"name": name})["trackId"])
           for name in ("Drums", "Bass", "Keys", "Pads")}  # fmt: skip
    for name, start in (("Drums", 0), ("Drums", 16), ("Bass", 0)):
        region = {"trackId": ids[name], "startBeat": start, "durationBeats": 16, "name": f"{name} {start}"}
        apply(project, "stori_add_midi_region", region)
    return project, ids


def _plan(text: str, project: Project, last: str | None = None) -> EditPlan:
    return edit_calls(classify_rules(text, project=project), project, last_track_id=last)


def run(project: Project, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate every call (stage 3–6, ``$N`` references included) and run the DAW ones headless."""
    results: list[dict[str, Any] | None] = []
    for index, c in enumerate(calls):
        spec = get_spec(c["tool"])
        assert spec is not None, c["tool"]
        valid = validate_call(spec, c["params"], plan_results=results, plan_index=index)
        if spec.runs == "server":
            results.append({"ok": True, "tool": valid.tool})
            continue
        results.append({"ok": True, "tool": valid.tool, **apply(project, valid.tool, valid.params)})
    return [r for r in results if r is not None]


def _simple(plan: EditPlan, ids: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    names = {v: k for k, v in ids.items()}
    return [(c["tool"], {k: names.get(v, v) if isinstance(v, str) else v for k, v in c["params"].items()})
            for c in plan.calls]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("set the tempo to 92", [("stori_set_tempo", {"tempo": 92})]),
        ("Change the key to F#m", [("stori_set_key", {"key": "F#m"})]),
        ("mute the bass", [("stori_mute_track", {"trackId": "Bass", "muted": True})]),
        ("unmute drums", [("stori_mute_track", {"trackId": "Drums", "muted": False})]),
        ("solo the keys", [("stori_solo_track", {"trackId": "Keys", "solo": True})]),
        ("set the drums volume to -6 db", [("stori_set_track_volume", {"trackId": "Drums", "volumeDb": -6.0})]),
        ("make the bass louder", [("stori_set_track_volume", {"trackId": "Bass", "volumeDb": 3.0})]),
        ("pan the keys to hard left", [("stori_set_track_pan", {"trackId": "Keys", "pan": -100.0})]),
        ("set the pads color to teal", [("stori_set_track_color", {"trackId": "Pads", "color": "teal"})]),
        ("set the keys icon to pianokeys", [("stori_set_track_icon", {"trackId": "Keys", "icon": "pianokeys"})]),
        ("rename bass to Sub Bass", [("stori_set_track_name", {"trackId": "Bass", "name": "Sub Bass"})]),
        ("add a drum track", [("stori_add_midi_track", {"name": "Drum"})]),
        ("create a new midi track", [("stori_add_midi_track", {"name": "Track 5"})]),
        ("play", [("stori_play", {})]),
        ("Play from bar 9", [("stori_play", {"fromBeat": 32.0})]),
        ("stop", [("stori_stop", {})]),
        ("go to bar 17", [("stori_set_playhead", {"bar": 17})]),
        ("jump to beat 6.5", [("stori_set_playhead", {"beat": 6.5})]),
        ("show the mixer", [("stori_show_panel", {"panel": "mixer", "visible": True})]),
        ("set zoom to 150%", [("stori_set_zoom", {"zoomPercent": 150})]),
        ("zoom in", [("stori_set_zoom", {"zoomPercent": 125.0})]),
        ("zoom out", [("stori_set_zoom", {"zoomPercent": 80.0})]),
        ("add reverb to the drums", [("stori_ensure_bus", {"name": "Reverb"}),
                                     ("stori_add_send", {"trackId": "Drums", "busId": "$0.busId", "levelDb": -10.5})]),
        ("add a delay to the keys", [("stori_add_insert_effect", {"trackId": "Keys", "type": "delay"})]),
        ("add compression to the bass", [("stori_add_insert_effect", {"trackId": "Bass", "type": "compressor"})]),
        ("create a reverb bus", [("stori_ensure_bus", {"name": "Reverb"})]),
        ("send the pads to the delay bus", [("stori_ensure_bus", {"name": "Delay"}),
                                            ("stori_add_send", {"trackId": "Pads", "busId": "$0.busId", "levelDb": -10.5})]),
        ("make the drums punchier", [("stori_add_insert_effect", {"trackId": "Drums", "type": "compressor"})]),
        ("make the keys and pads brighter", [("stori_add_insert_effect", {"trackId": "Keys", "type": "eq"}),
                                             ("stori_add_insert_effect", {"trackId": "Pads", "type": "eq"})]),
        ("make the pads wider", [("stori_add_insert_effect", {"trackId": "Pads", "type": "chorus"})]),
        ("add more energy", [("stori_set_track_volume", {"trackId": "Drums", "volumeDb": 2.0}),
                             ("stori_set_track_volume", {"trackId": "Bass", "volumeDb": 2.0})]),
    ],
)  # fmt: skip
def test_editing_calls(text: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
    project, ids = _band()
    plan = _plan(text, project)
    assert plan.message is None and not plan.needs_llm
    assert _simple(plan, ids) == calls
    run(project, plan.calls)


def test_mute_changes_the_headless_project() -> None:
    project, ids = _band()
    run(project, _plan("mute the bass", project).calls)
    bass = project.track(ids["Bass"])
    assert bass is not None and bass.muted


def test_make_it_darker_acts_on_the_whole_mix() -> None:
    project, ids = _band()
    plan = _plan("make it darker", project)
    assert [(c["params"]["trackId"], c["params"]["type"]) for c in plan.calls] == [
        (ids[n], "filter") for n in ("Drums", "Bass", "Keys", "Pads")
    ]
    run(project, plan.calls)
    assert all(t.effects[-1].type == "filter" for t in project.tracks)


def test_pronoun_means_the_last_track_touched() -> None:
    project, ids = _band()
    darker = _plan("make it darker", project, last=ids["Keys"])
    assert _simple(darker, ids) == [("stori_add_insert_effect", {"trackId": "Keys", "type": "filter"})]
    assert _simple(_plan("solo it", project, last=ids["Bass"]), ids) == [
        ("stori_solo_track", {"trackId": "Bass", "solo": True})
    ]
    question = _plan("solo it", project)
    assert question.calls == [] and question.message


def test_ambiguous_track_asks_which_one() -> None:
    project = Project.new()
    for name in ("Intro Bass", "Synth Bass"):
        apply(project, "stori_add_midi_track", {"name": name})
    plan = _plan("mute the bass", project)
    assert plan.calls == [] and plan.message is not None and "Intro Bass" in plan.message
    punch = _plan("make the bass punchier", project)  # mix.*: every track matched at the deciding level
    assert [c["params"]["type"] for c in punch.calls] == ["compressor", "compressor"]


def test_exact_name_wins_over_partial_matches() -> None:
    project = Project.new()
    ids = {
        n: str(apply(project, "stori_add_midi_track", {"name": n})["trackId"]) for n in ("Bass", "Synth Bass")
    }
    assert _plan("mute the bass", project).calls[0]["params"]["trackId"] == ids["Bass"]


def test_unknown_track_and_missing_track_ask() -> None:
    project, _ = _band()
    unknown = _plan("mute the tuba", project)
    assert unknown.calls == [] and "tuba" in (unknown.message or "")
    no_track = _plan("add a compressor", project)
    assert no_track.calls == [] and no_track.message == "Which track should get the compressor?"


def test_notes_edits_pick_regions() -> None:
    project, ids = _band()
    drums = project.track(ids["Drums"])
    assert drums is not None
    quantize = _plan("quantize the drums to 1/8", project)
    assert [c["params"] for c in quantize.calls] == [{"regionId": r.id, "grid": "1/8"} for r in drums.regions]
    swing = _plan("add swing", project)
    assert len(swing.calls) == 3 and all(c["params"]["amount"] == 0.3 for c in swing.calls)
    clear = _plan("clear the notes in drums 16", project)
    assert [c["params"]["regionId"] for c in clear.calls] == [drums.regions[1].id]
    default_grid = _plan("quantize the bass", project)
    assert default_grid.calls[0]["params"]["grid"] == "1/16"
    run(project, quantize.calls + swing.calls + clear.calls)
    none = _plan("quantize the keys", project)
    assert none.calls == [] and none.message == "There are no regions to quantize yet."


def test_new_material_on_an_existing_track() -> None:
    project, ids = _band()
    plan = _plan("add some hi-hats to the chorus", project)
    assert _simple(plan, ids) == [
        ("stori_add_midi_region", {"trackId": "Drums", "startBeat": 32.0, "durationBeats": 16.0}),
        ("stori_generate_midi", {"role": "drums", "style": "generic", "tempo": 90.0, "key": "Cm", "bars": 4,
                                 "regionId": "$0.regionId"}),
    ]  # fmt: skip
    run(project, plan.calls)


def test_new_material_creates_the_track() -> None:
    project, _ = _band()
    plan = _plan("put a jazz flute melody on top to finish", project)
    assert [c["tool"] for c in plan.calls] == [
        "stori_add_midi_track",
        "stori_add_midi_region",
        "stori_generate_midi",
    ]
    assert plan.calls[0]["params"] == {"name": "Flute"}
    assert plan.calls[1]["params"]["trackId"] == "$0.trackId"
    assert plan.calls[2]["params"]["style"] == "jazz" and plan.calls[2]["params"]["regionId"] == "$1.regionId"
    run(project, plan.calls)
    assert project.tracks[-1].name == "Flute" and project.tracks[-1].regions[0].start_beat == 32.0


def test_reverb_bus_rule_raises_and_lowers_existing_sends() -> None:
    project, ids = _band()
    run(project, _plan("add reverb to the keys", project).calls)
    bigger = _plan("make the keys bigger", project)
    assert bigger.calls[1]["params"]["levelDb"] == -7.5
    run(project, bigger.calls)
    drier = _plan("make the keys drier", project)
    keys = project.track(ids["Keys"])
    assert keys is not None
    assert drier.calls == [
        {
            "tool": "stori_add_send",
            "params": {"trackId": ids["Keys"], "busId": keys.sends[0].bus_id, "levelDb": -13.5},
        }
    ]
    run(project, drier.calls)
    assert project.buses[0].name == "Reverb" and len(project.buses) == 1


def test_relative_levels_are_clamped() -> None:
    project, ids = _band()
    apply(project, "stori_set_track_volume", {"trackId": ids["Drums"], "volumeDb": 5.0})
    assert _plan("make the drums louder", project).calls[0]["params"]["volumeDb"] == 6.0
    assert _plan("add more energy", project).calls[0]["params"]["volumeDb"] == 6.0
    apply(project, "stori_set_zoom", {"zoomPercent": 450})
    assert _plan("zoom in", project).calls[0]["params"]["zoomPercent"] == 500.0


def test_intents_that_need_an_llm() -> None:
    project, _ = _band()
    for text in ("automate the pad filter over 8 bars", "add mod wheel to the keys",
                 "add a pitch bend to the lead", "add aftertouch to the pads", "add some notes to the chorus"):  # fmt: skip
        plan = _plan(text, project)
        assert plan.needs_llm and plan.calls == [], text


def test_reasoning_intents_have_no_edit_plan() -> None:
    project, _ = _band()
    with pytest.raises(ValueError):
        edit_calls(classify_rules("what is EQ?"), project)


def test_mix_on_an_empty_project_asks() -> None:
    plan = _plan("make it punchier", Project.new())
    assert plan.calls == [] and plan.message


def test_structured_edit_without_an_idiom_acts_on_nothing() -> None:
    project, _ = _band()
    plan = edit_calls(classify_structured("edit", request="do your thing"), project)
    assert plan.calls == [] and plan.message


def test_building_blocks_for_the_planner() -> None:
    project, _ = _band()
    calls = reverb_bus_calls(project, project.tracks[2:], offset=3)
    assert [c["params"].get("busId") for c in calls] == [None, "$3.busId", "$3.busId"]
    tonality, message = mix_calls("mix.tonality", "increase", project, project.tracks[:1])
    assert message is None and tonality[0]["params"]["type"] == "eq"


def test_touched_tracks_are_reported() -> None:
    project, ids = _band()
    assert _plan("make the keys and pads brighter", project).track_ids == [ids["Keys"], ids["Pads"]]
