"""The example STORI PROMPTs (stori-prompt.md §12) and all 22 inspiration cards compose end to end with no LLM:
one track per role with the mapped names, regions covering the requested bars at the resolved Position,
notes that pass the engine's output guarantees (tools.md §10.1), the effects and the Reverb bus; plus
failure isolation and the request time limit (sse.md §5.4, §5.6)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path
from statistics import pstdev
from typing import Any

import pytest

from maestro_mcp.agent.planner_compose import plan_from_prompt
from maestro_mcp.agent.teams import TeamLimits
from maestro_mcp.daw.model import Project
from maestro_mcp.music.context import ROLE_RANGES
from maestro_mcp.prompts import get_card, inspiration_cards, parse_stori_prompt, resolve_roles

from .stream_support import COMPOSING, Harness, check_grammar, check_labels, check_teams, types

pytestmark = pytest.mark.anyio

CARDS = [c.id for c in inspiration_cards()]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def calls(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e["params"] for e in events if e["type"] == "toolCall" and e["name"] == name]


def check_composition(events: list[dict[str, Any]], prompt_text: str, start: float = 0.0) -> None:
    prompt = parse_stori_prompt(prompt_text)
    assert prompt is not None
    roles = resolve_roles(prompt.roles)
    tracks = calls(events, "stori_add_midi_track")
    assert [t["name"] for t in tracks] == [r.track_name for r in roles], "one track per role, mapped names"
    by_track: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for region in calls(events, "stori_add_midi_region"):
        by_track[region["trackId"]].append(region)
    notes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for written in calls(events, "stori_add_notes"):
        notes[written["regionId"]] += written["notes"]
    bpb = 4.0
    # Generator calls never reach the stream (sse.md §5): their note ranges are read from the plan.
    plan = plan_from_prompt(prompt, Project.new())
    ranges = {a.params["regionId"]: a.params.get("constraints", {}).get("noteRange") for a in plan.actions
              if a.is_generator}  # fmt: skip
    track_range = {}
    for a in plan.actions:
        if a.tool == "stori_add_midi_region":
            track_range[a.params["name"]] = ranges.get(f"${a.index}.regionId")
    for track, role in zip(tracks, roles, strict=True):
        regions = sorted(by_track[track["trackId"]], key=lambda r: r["startBeat"])
        assert regions[0]["startBeat"] == start
        assert sum(r["durationBeats"] for r in regions) == prompt.bars * bpb, "regions cover the bars"
        for left, right in itertools.pairwise(regions):
            assert left["startBeat"] + left["durationBeats"] == right["startBeat"], "sections laid end to end"
        low, high = ROLE_RANGES[role.generator_role]
        for region in regions:
            ns = notes[region["regionId"]]
            assert ns, f"{track['name']}: notes in {region['name']}"
            assert all(0 <= n["startBeat"] < region["durationBeats"] for n in ns)
            assert all(n["startBeat"] + n["durationBeats"] <= region["durationBeats"] + 1e-6 for n in ns)
            if role.is_drums:
                assert all(35 <= n["pitch"] <= 81 and n["channel"] == 9 for n in ns)
            else:
                lo, hi = track_range.get(region["name"]) or (low, high)
                assert all(lo <= n["pitch"] <= hi for n in ns), track["name"]
            if len(ns) >= 2:
                assert pstdev(n["velocity"] for n in ns) >= 3, "velocities vary"
            by_pitch: dict[int, list[tuple[float, float]]] = defaultdict(list)
            for n in ns:
                by_pitch[n["pitch"]].append((n["startBeat"], n["startBeat"] + n["durationBeats"]))
            for spans in by_pitch.values():
                spans.sort()
                assert all(a[1] <= b[0] + 1e-6 for a, b in itertools.pairwise(spans)), "no overlaps"
    bus = calls(events, "stori_ensure_bus")
    sends = calls(events, "stori_add_send")
    assert len(bus) == (1 if sends else 0) and all(s["busId"] == bus[0]["busId"] for s in sends)
    assert all(e["params"]["type"] != "reverb" for e in events if e["type"] == "toolCall"
               and e["name"] == "stori_add_insert_effect")  # fmt: skip
    assert events[-1]["success"] is True and events[-1]["totalChanges"] > 0
    assert "toolError" not in types(events)


@pytest.mark.parametrize("card_id", CARDS)
async def test_every_card_composes(tmp_path: Path, card_id: str) -> None:
    text = get_card(card_id).full_prompt
    events = await Harness(tmp_path).run(text, seed=11)
    prompt = parse_stori_prompt(text)
    assert prompt is not None
    if len(prompt.roles) >= 2:
        check_teams(events)
    else:
        check_grammar(events, COMPOSING)
    check_labels(next(e for e in events if e["type"] == "plan"))
    check_composition(events, text)


async def test_lofi_example_routing(tmp_path: Path) -> None:
    """§12.1's expected routing: instruments, sections, swing, register, effects, CC, the bus."""
    text = get_card("lofi_boom_bap").full_prompt
    events = await Harness(tmp_path).run(text, seed=5)
    tracks = {
        t["name"]: t.get("gmProgram", t.get("drumKitId")) for t in calls(events, "stori_add_midi_track")
    }
    assert tracks == {"Drums": "acoustic", "Bass": 33, "Piano": 0, "Melody": 89}
    regions = [
        (r["name"], r["startBeat"], r["durationBeats"]) for r in calls(events, "stori_add_midi_region")
    ]
    assert [r for r in regions if r[0].endswith("Drums")] == [("Intro Drums", 0, 16), ("Verse Drums", 16, 48),
                                                              ("Chorus Drums", 64, 32)]  # fmt: skip
    effects = defaultdict(list)
    names = {t["trackId"]: t["name"] for t in calls(events, "stori_add_midi_track")}
    for fx in calls(events, "stori_add_insert_effect"):
        effects[names[fx["trackId"]]].append(fx["type"])
    assert dict(effects) == {"Drums": ["overdrive", "compressor", "filter"], "Bass": ["overdrive", "eq", "compressor"],
                             "Piano": ["chorus"]}  # fmt: skip
    assert [(names[s["trackId"]], s["levelDb"]) for s in calls(events, "stori_add_send")] == [
        ("Piano", -10.5)
    ]
    cc = {(e["label"].split(" to ")[1], e["params"]["cc"]) for e in events if e["type"] == "toolCall"
          and e["name"] == "stori_add_midi_cc" and e.get("stepId") and "MIDI CC" in e["label"]}  # fmt: skip
    assert {("Piano", 64), ("Piano", 11), ("Bass", 11), ("Melody", 11)} <= cc
    assert "apply_swing" not in str(types(events))
    assert any(w.startswith("Effects: 'master'") for w in events[-1]["warnings"])


async def test_neo_soul_reverb_levels_and_techno_mapping(tmp_path: Path) -> None:
    soul = await Harness(tmp_path).run(get_card("neo_soul_pocket_groove").full_prompt, seed=5)
    names = {t["trackId"]: t["name"] for t in calls(soul, "stori_add_midi_track")}
    assert [(names[s["trackId"]], s["levelDb"]) for s in calls(soul, "stori_add_send")] == [("Drums", -10.5),
                                                                                             ("Keys", -14.9)]  # fmt: skip
    techno = await Harness(tmp_path).run(get_card("melodic_techno_drop").full_prompt, seed=5)
    tracks = {
        t["name"]: t.get("gmProgram", t.get("drumKitId")) for t in calls(techno, "stori_add_midi_track")
    }
    assert tracks == {"Kick": "TR-909", "Bass": 38, "Lead": 81, "Pads": 89, "Perc": "TR-909"}
    sections = [(r["name"], r["startBeat"], r["durationBeats"]) for r in calls(techno, "stori_add_midi_region")
                if r["name"].endswith("Kick")]  # fmt: skip
    assert sections == [("Build Kick", 0, 32), ("Drop Kick", 32, 64), ("Breakdown Kick", 96, 32)]
    automation = calls(techno, "stori_add_automation")
    assert [(a["parameter"], len(a["points"])) for a in automation] == [("filter_cutoff", 2)]


async def test_position_and_track_reuse(tmp_path: Path) -> None:
    """Position `after intro` on a snapshot; an existing Bass track is reused (create step skipped)."""
    project = {"id": "pp", "tracks": [
        {"id": "t1", "name": "Intro Drums", "isDrums": True, "regions": [{"id": "r1", "startBeat": 0, "durationBeats": 16}]},
        {"id": "t2", "name": "Bass", "gmProgram": 33, "regions": [{"id": "r2", "name": "Intro Bass", "startBeat": 0,
                                                                   "durationBeats": 20}]},
    ]}  # fmt: skip
    text = "STORI PROMPT\nMode: compose\nStyle: house\nRole: [drums, bass]\nPosition: after intro\nConstraints: {bars: 2}\n"
    events = await Harness(tmp_path).run(text, project=project)
    check_teams(events)
    skipped = [e for e in events if e["type"] == "planStepUpdate" and e["status"] == "skipped"]
    assert [(s["stepId"], s["result"]) for s in skipped] == [("4", "Reusing existing Bass track")]
    regions = calls(events, "stori_add_midi_region")
    assert {r["startBeat"] for r in regions} == {20.0}
    assert [r["trackId"] for r in regions if r["name"] == "Bass"] == ["t2"]
    final = next(e for e in events if e["type"] == "summary.final")
    assert [t["name"] for t in final["tracksReused"]] == ["Bass"] and final["trackCount"] == 2


async def test_failed_agent_is_isolated(tmp_path: Path) -> None:
    """A chord text the generator refuses fails the Keys agent only; its later steps end skipped."""
    text = ("STORI PROMPT\nMode: compose\nStyle: house\nRole: [drums, keys]\nConstraints: {bars: 2}\n"
            "Harmony:\n  progression: [Hm7, Xb9]\n")  # fmt: skip
    events = await Harness(tmp_path).run(text)
    check_teams(events)
    assert {e["agentId"]: e["success"] for e in events if e["type"] == "agentComplete"} == {
        "drums": True,
        "keys": False,
    }
    final = {e["stepId"]: e["status"] for e in events if e["type"] == "planStepUpdate"}
    plan = next(e for e in events if e["type"] == "plan")
    labels = {s["label"]: final[s["stepId"]] for s in plan["steps"]}
    assert labels["Add content to Keys"] == "failed" and labels["Add effects to Drums"] == "completed"
    assert labels.get("Set up shared Reverb bus", "completed") == "completed"
    assert events[-1]["success"] is True and events[-1]["warnings"]


async def test_request_time_limit_is_a_fatal_timeout(tmp_path: Path) -> None:
    text = "STORI PROMPT\nMode: compose\nStyle: techno\nRole: [drums, bass, lead, pads]\nConstraints: {bars: 32}\n"
    events = await Harness(tmp_path, request_seconds=0.05).run(text)
    error = next(e for e in events if e["type"] == "error")
    assert (error["error"], error["fatal"]) == ("TIMEOUT", True)
    done = next(e for e in events if e["type"] == "done")
    assert (done["status"], done["phraseCount"]) == ("failed", 0) and "meta" not in types(events)
    assert types(events)[-3:] == ["done", "budgetUpdate", "complete"]
    assert events[-1]["success"] is False and events[-1]["error"] == "TIMEOUT"


async def test_agent_time_limit_fails_that_agent(tmp_path: Path) -> None:
    text = "STORI PROMPT\nMode: compose\nStyle: house\nRole: [drums, bass]\nConstraints: {bars: 8}\n"
    events = await Harness(tmp_path, team_limits=TeamLimits(agent_seconds=0.0)).run(text)
    check_teams(events)
    assert [e["success"] for e in events if e["type"] == "agentComplete"] == [False, False]
    assert events[-1]["success"] is True or events[-1]["error"]
