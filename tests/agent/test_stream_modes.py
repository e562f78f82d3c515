"""Whole event sequences of the three modes on the deterministic path (spec/sse.md §5, §9, §10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from maestro_mcp.agent.edit_calls import CLARIFYING_QUESTION, HELP_TEXT

from .stream_support import (
    COMPOSING,
    EDITING,
    REASONING,
    Harness,
    check_grammar,
    check_labels,
    check_teams,
    types,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def snapshot(**extra: Any) -> dict[str, Any]:
    """The Stori app's project: Drums and Bass with one region each (notes left out)."""
    return {
        "id": "proj-1", "name": "Song", "tempo": 124, "key": "Fm",
        "tracks": [
            {"id": "t-drums", "name": "Drums", "isDrums": True, "drumKitId": "TR-909",
             "regions": [{"id": "r-drums", "name": "Intro Drums", "startBeat": 0, "durationBeats": 16}]},
            {"id": "t-bass", "name": "Bass", "gmProgram": 33,
             "regions": [{"id": "r-bass", "name": "Intro Bass", "startBeat": 0, "durationBeats": 16,
                          "notes": [{"pitch": 41, "startBeat": 0, "durationBeats": 1, "velocity": 100}]}]},
        ],
        **extra,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("prompt", "intent", "answer"),
    [
        ("help", "control.needs_clarification", CLARIFYING_QUESTION),
        ("blorp zzz", "control.unknown", HELP_TEXT),
    ],
)
async def test_reasoning(tmp_path: Path, prompt: str, intent: str, answer: str) -> None:
    events = await Harness(tmp_path).run(prompt)
    check_grammar(events, REASONING)
    state = events[0]
    assert (state["state"], state["intent"], state["executionMode"], state["deterministic"]) == (
        "reasoning",
        intent,
        "reasoning",
        True,
    )
    assert "applyTarget" not in state
    assert [e["content"] for e in events if e["type"] == "content"] == [answer]
    assert events[-1]["success"] is True and events[-2] == {**events[-2], "cost": 0.0}


async def test_questions_are_answered_from_the_docs_without_an_llm(tmp_path: Path) -> None:
    """ask.* go to the docs answerer even with no LLM: doc questions get cited passages, a general
    question an honest "this needs a language model" with the settings to change (issue 6)."""
    docs = await Harness(tmp_path).run("how does swing work in stori?")
    check_grammar(docs, REASONING)
    (answer,) = [e["content"] for e in docs if e["type"] == "content"]
    assert "swing" in answer.lower() and "docs/" in answer
    general = await Harness(tmp_path).run("what is the meaning of life?")
    check_grammar(general, REASONING)
    (honest,) = [e["content"] for e in general if e["type"] == "content"]
    assert general[0]["intent"] == "ask.general"
    assert "STORI_LLM_API_KEY" in honest and "STORI_LLM_BASE_URL" in honest


async def test_editing_one_tool_on_the_headless_project(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    events = await h.run("set the tempo to 92")
    check_grammar(events, EDITING)
    assert events[0]["applyTarget"] == "headless" and events[0]["executionMode"] == "apply"
    plan = next(e for e in events if e["type"] == "plan")
    assert [s["label"] for s in plan["steps"]] == ["Set tempo to 92 BPM"]
    call = next(e for e in events if e["type"] == "toolCall")
    assert (call["name"], call["params"], call["stepId"]) == ("stori_set_tempo", {"tempo": 92.0}, "1")
    assert "proposal" not in call
    complete = events[-1]
    assert complete["success"] is True
    assert complete["toolCalls"] == [{"name": "stori_set_tempo", "params": {"tempo": 92.0}}]
    project, version = await h.services.projects.read("p")
    assert (project.tempo, version, complete["stateVersion"]) == (92.0, 1, 1)


async def test_editing_multi_step_plan_from_a_structured_edit(tmp_path: Path) -> None:
    """stori-prompt.md §12.4 on the §4.3 project plus a Bass track: effects, CC 74 ramp, automation."""
    prompt = """STORI PROMPT
Mode: edit
Target: track:Bass
Position: after intro
Vibe: [punchier x2, darker]
Request: |
  Tighten the bass so it locks with the kick.
Effects:
  bass:
    compression: {ratio: 4, attack_ms: 10}
    filter: {type: lowpass, cutoff_hz: 900}
MidiExpressiveness:
  cc_curves:
    - {cc: 74, from: 30, to: 100, position: bars 1-8}
Automation:
  - track: Bass
    parameter: volume
    points:
      - {beat: 0, value: -3}
      - {beat: 32, value: 0, curve: Smooth}
"""
    project = {"id": "p43", "tracks": [
        {"id": "a", "name": "Intro Drums", "regions": [{"id": "ra", "name": "", "startBeat": 0, "durationBeats": 16}]},
        {"id": "b", "name": "Intro Bass", "regions": [{"id": "rb1", "startBeat": 0, "durationBeats": 16},
                                                      {"id": "rb2", "startBeat": 16, "durationBeats": 4}]},
        {"id": "c", "name": "Verse Pad", "regions": [{"id": "rc", "startBeat": 20, "durationBeats": 16}]},
        {"id": "d", "name": "Chorus Lead", "regions": [{"id": "rd", "startBeat": 36, "durationBeats": 16}]},
        {"id": "e", "name": "Bass", "regions": [{"id": "re", "name": "Bass Line", "startBeat": 20, "durationBeats": 32}]},
    ]}  # fmt: skip
    events = await Harness(tmp_path).run(prompt, project=project)
    check_grammar(events, EDITING)
    assert (events[0]["intent"], events[0]["applyTarget"]) == ("mix.dynamics", "client")
    plan = next(e for e in events if e["type"] == "plan")
    check_labels(plan)
    assert [s["label"] for s in plan["steps"]] == [
        "Add effects to Bass",
        "Add MIDI CC to Bass",
        "Write automation for Bass",
    ]
    calls = [e for e in events if e["type"] == "toolCall"]
    assert [(c["name"], c["params"].get("type")) for c in calls[:2]] == [
        ("stori_add_insert_effect", "compressor"),
        ("stori_add_insert_effect", "filter"),
    ]
    assert calls[0]["params"]["settings"] == {"ratio": 4, "attack_ms": 10}
    cc = calls[2]["params"]
    assert (cc["regionId"], cc["cc"], cc["events"][0], cc["events"][-1]) == (
        "re",
        74,
        {"beat": 0.0, "value": 30},
        {"beat": 31.0, "value": 100},
    )
    assert calls[3]["params"]["points"][0]["beat"] == 20 and calls[3]["params"]["points"][1]["beat"] == 52
    assert len(calls) == 4  # the idiom actions (compressor, filter) are already covered
    assert (
        events[-1]["success"] is True
        and next(t["name"] for t in events[-1]["toolCalls"]) == "stori_add_insert_effect"
    )
    summary = next(e for e in events if e["type"] == "summary")
    assert summary["tracks"] == ["Bass"] and summary["effects"] == 2


async def test_editing_reverb_goes_to_the_shared_bus_and_applies_to_the_mirror(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    events = await h.run("add reverb to the drums", project=snapshot())
    check_grammar(events, EDITING)
    plan = next(e for e in events if e["type"] == "plan")
    assert [s["label"] for s in plan["steps"]] == ["Set up shared Reverb bus"]
    calls = [e for e in events if e["type"] == "toolCall"]
    bus_id = calls[0]["params"]["busId"]
    assert calls[1]["params"] == {"trackId": "t-drums", "busId": bus_id, "levelDb": -10.5}
    mirror = await h.mirrors.get("p", "proj-1")
    assert mirror is not None
    project, version = mirror
    assert project.track("t-drums").sends[0].bus_id == bus_id and version == 2  # type: ignore[union-attr]
    assert events[-1]["stateVersion"] == 2
    assert project.track("t-bass").regions[0].notes[0].pitch == 41  # type: ignore[union-attr]


async def test_editing_without_a_change_and_without_an_llm(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    ask = await h.run("mute the guitar", project=snapshot())
    check_grammar(ask, EDITING)
    assert "plan" not in types(ask) and "content" in types(ask)
    assert (ask[-1]["success"], ask[-1]["error"], ask[-1]["toolCalls"]) == (False, "No change was made", [])

    needs = await h.run("add a pitch bend to the lead", project=snapshot())
    assert [e["type"] for e in needs] == ["state", "status", "error", "budgetUpdate", "complete"]
    assert (needs[2]["error"], needs[2]["fatal"], needs[-1]["success"]) == ("LLM_UNAVAILABLE", True, False)


async def test_editing_tool_error_fails_its_step_not_the_stream(tmp_path: Path) -> None:
    """One refused call (an unknown automation parameter) next to a good one: toolError, that step failed,
    the request still succeeds with a warning (sse.md §9)."""
    prompt = """STORI PROMPT
Mode: edit
Target: track:Bass
Request: tidy the bass
Effects:
  bass: [compressor]
Automation:
  - {track: Bass, parameter: wobble, points: [{beat: 0, value: 0.5}]}
"""
    events = await Harness(tmp_path).run(prompt, project=snapshot())
    check_grammar(events, EDITING)
    error = next(e for e in events if e["type"] == "toolError")
    assert (error["name"], error["code"], error["stepId"]) == ("stori_add_automation", "INVALID_ENUM", "2")
    assert error["errors"][0].startswith("parameter: ")
    final = {e["stepId"]: e["status"] for e in events if e["type"] == "planStepUpdate"}
    assert final == {"1": "completed", "2": "failed"}
    assert events[-1]["success"] is True and events[-1]["warnings"] == ["1 tool error(s) occurred"]


async def test_composing_sequential_matches_the_example(tmp_path: Path) -> None:
    """sse.md §10.3: project already at 124 BPM in Fm: no tempo or key step."""
    prompt = "STORI PROMPT\nMode: compose\nStyle: house\nKey: Fm\nTempo: 124\nRole: [bass]\nConstraints: {bars: 4}\n"
    events = await Harness(tmp_path).run(prompt, project=snapshot(tracks=[]))
    check_grammar(events, COMPOSING)
    state = events[0]
    assert (
        state["state"],
        state["intent"],
        state["confidence"],
        state["executionMode"],
        state["applyTarget"],
    ) == ("composing", "compose.generate_music", 0.99, "variation", "client")
    plan = next(e for e in events if e["type"] == "plan")
    assert plan["title"] == "Composing House"
    assert [(s["label"], s.get("toolName"), s.get("detail")) for s in plan["steps"]] == [
        ("Create Bass track", "stori_add_midi_track", None),
        ("Add content to Bass", "stori_add_notes", "4 bars of house bass"),
        ("Add effects to Bass", "stori_add_insert_effect", "Compressor, Filter"),
    ]
    assert all("parallelGroup" not in s for s in plan["steps"])
    assert next(e for e in events if e["type"] == "planSummary") == {
        **next(e for e in events if e["type"] == "planSummary"),
        "totalSteps": 3,
        "generations": 1,
        "edits": 2,
    }
    track = next(e for e in events if e["type"] == "toolCall")
    assert {k: track["params"][k] for k in ("name", "gmProgram", "color", "icon")} == {
        "name": "Bass",
        "gmProgram": 33,
        "color": "#E85D75",
        "icon": "guitars",
    }
    assert all(e["proposal"] is True for e in events if e["type"] == "toolCall")
    gen = next(e for e in events if e["type"] == "generatorStart")
    assert (gen["label"], gen["bars"], gen["startBeat"], gen["agentId"]) == (
        "Generating bass for Bass (4 bars)",
        4,
        0,
        "bass",
    )
    progress = [e["currentStep"] for e in events if e["type"] == "progress"]
    assert progress == [1, 2, 3]
    meta = next(e for e in events if e["type"] == "meta")
    assert (meta["projectId"], meta["baseStateId"], meta["intent"]) == ("proj-1", "0", "Compose house bass")
    complete = events[-1]
    assert complete["success"] is True and complete["variationId"] == meta["variationId"]
    assert complete["phraseCount"] == types(events).count("phrase") >= 1
    assert complete["totalChanges"] == meta["noteCounts"]["added"] > 0


async def test_composing_agent_teams(tmp_path: Path) -> None:
    """sse.md §10.4: two instruments, the project at 120 BPM in Fm; reverb on drums → the shared bus."""
    prompt = """STORI PROMPT
Mode: compose
Style: house
Key: Fm
Tempo: 124
Role: [drums, bass]
Constraints: {bars: 4}
Effects:
  drums:
    reverb: small room
"""
    events = await Harness(tmp_path).run(prompt, project=snapshot(tracks=[], tempo=120))
    check_teams(events)
    plan = next(e for e in events if e["type"] == "plan")
    check_labels(plan)
    assert [(s["label"], s.get("parallelGroup")) for s in plan["steps"]] == [
        ("Set tempo to 124 BPM", None),
        ("Create Drums track", "instruments"), ("Add content to Drums", "instruments"),
        ("Add effects to Drums", "instruments"),
        ("Create Bass track", "instruments"), ("Add content to Bass", "instruments"),
        ("Add effects to Bass", "instruments"),
        ("Set up shared Reverb bus", None),
    ]  # fmt: skip
    pre = [e for e in events if e["type"] == "preflight"]
    assert [(p["agentId"], p["trackColor"]) for p in pre] == [("drums", "#E85D75")] * 3 + [
        ("bass", "#5B8DEF")
    ] * 3
    sends = [e["params"] for e in events if e["type"] == "toolCall" and e["name"] == "stori_add_send"]
    assert len(sends) == 1 and sends[0]["levelDb"] == -10.5
    final = next(e for e in events if e["type"] == "summary.final")
    assert [t["instrument"] for t in final["tracksCreated"]] == ["TR-909", "GM 33"]
    assert (final["sendsCreated"], final["effectCount"], final["regionsCreated"]) == (1, 3, 2)
    assert [e["success"] for e in events if e["type"] == "agentComplete"] == [True, True]
    assert events[-1]["success"] is True


async def test_invalid_stori_prompt(tmp_path: Path) -> None:
    events = await Harness(tmp_path).run("STORI PROMPT\nMode: remix\n")
    assert types(events) == ["state", "error", "budgetUpdate", "complete"]
    assert (events[0]["intent"], events[0]["executionMode"]) == ("control.invalid_prompt", "reasoning")
    assert (events[1]["error"], events[1]["line"], events[1]["fatal"]) == ("PROMPT_PARSE_ERROR", 2, True)
    assert events[1]["message"].startswith("STORI PROMPT line 2: ")
    assert (events[-2]["cost"], events[-1]["success"]) == (0.0, False)


async def test_seeded_requests_reproduce_the_stream_ids(tmp_path: Path) -> None:
    prompt = "STORI PROMPT\nMode: compose\nStyle: house\nRole: [bass]\nConstraints: {bars: 2}\n"
    a = await Harness(tmp_path).run(prompt, seed=42)
    b = await Harness(tmp_path).run(prompt, seed=42)
    assert a[0]["traceId"] == b[0]["traceId"]
    notes = [
        [e["params"]["notes"] for e in s if e["type"] == "toolCall" and e["name"] == "stori_add_notes"]
        for s in (a, b)
    ]
    assert notes[0] == notes[1] and notes[0]
