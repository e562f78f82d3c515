"""COMPOSING with an LLM (spec/sse.md §5.3, §5.4; stori-prompt.md §8.1): the LLM planner writes the calls of
a natural-language composition; under Agent Teams every instrument agent has its own LLM session whose calls
get the plan's structure; one agent's LLM failure fails that agent alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fake_openai import FakeToolCall, Reply

from .llm_stream_support import llm_harness, of_type, system_prompt
from .stream_support import COMPOSING, check_grammar, check_teams

pytestmark = pytest.mark.anyio

TEAMS = (
    "STORI PROMPT\nMode: compose\nStyle: house\nKey: Am\nTempo: 124\nRole: [drums, bass]\nConstraints: {bars: 2}\n"
    "MidiExpressiveness:\n  bass: {filter: {cutoff: {sweep: [20, 110]}}}\n"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def beat_calls() -> list[FakeToolCall]:
    return [
        FakeToolCall("stori_add_midi_track", {"name": "Drums", "drumKitId": "TR-808"}),
        FakeToolCall(
            "stori_add_midi_region",
            {"trackId": "$0.trackId", "startBeat": 0, "durationBeats": 8, "name": "Drums"},
        ),
        FakeToolCall(
            "stori_generate_midi",
            {
                "role": "drums",
                "style": "lofi hip hop",
                "tempo": 80,
                "bars": 2,
                "regionId": "$1.regionId",
                "seed": 7,
            },
            pieces=5,
        ),
        FakeToolCall("stori_add_insert_effect", {"trackId": "$0.trackId", "type": "compressor"}),
    ]


async def test_llm_planner_composes_a_variation(tmp_path: Path) -> None:
    script = [
        Reply(reasoning=["A dusty kit ", "at 80 BPM."], tool_calls=beat_calls()),
        Reply(content="A lo-fi drum groove, two bars."),
    ]
    async with llm_harness(tmp_path, script) as (h, fake):
        events = await h.run("make a chill lo-fi beat")
        project, _ = await h.services.projects.read("p")
    check_grammar(events, COMPOSING)
    state = events[0]
    assert (state["state"], state["executionMode"], state["deterministic"]) == (
        "composing",
        "variation",
        False,
    )
    plan = of_type(events, "plan")[0]
    assert [s["label"] for s in plan["steps"]] == [
        "Create Drums track",
        "Add content to Drums",
        "Add effects to Drums",
    ]
    calls = of_type(events, "toolCall")
    assert all(c["proposal"] is True for c in calls)
    assert {c["name"] for c in calls} == {"stori_add_midi_track", "stori_add_midi_region", "stori_add_notes",
                                          "stori_add_insert_effect"}  # fmt: skip
    assert not any(c["name"].startswith("stori_generate") for c in calls)
    assert len(of_type(events, "generatorStart")) == len(of_type(events, "generatorComplete")) == 1
    meta = of_type(events, "meta")[0]
    assert meta["noteCounts"]["added"] > 0 and meta["aiExplanation"] == "A lo-fi drum groove, two bars."
    complete = events[-1]
    assert complete["success"] is True and complete["variationId"] == meta["variationId"]
    assert complete["inputTokens"] == 120 and events[-2]["cost"] == 0.01  # two calls, rounded up once
    assert project.tracks == [], "proposals never touch the project"
    assert fake.bodies[0]["tool_choice"] == "auto" and "stori_generate_midi" in str(fake.bodies[0]["tools"])


async def test_too_vague_to_plan(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, [Reply(content="Which style and tempo would you like?")]) as (h, _fake):
        events = await h.run("compose something")
    assert [e["type"] for e in events if e["type"] != "status"] == [
        "state",
        "content",
        "budgetUpdate",
        "complete",
    ]
    assert of_type(events, "content")[0]["content"] == "Which style and tempo would you like?"
    assert events[-1]["success"] is True and "variationId" not in events[-1]


def agent_script(body: dict[str, Any]) -> Reply:
    system = system_prompt(body)
    if '"Bass"' in system:
        sweep = [{"beat": 0, "value": 20}, {"beat": 4, "value": 110}]
        return Reply(reasoning=["Open the filter ", "over the phrase."],
                     tool_calls=[FakeToolCall("stori_add_midi_cc", {"regionId": "anything", "cc": 74, "events": sweep}),
                                 FakeToolCall("stori_add_insert_effect", {"trackId": "t-x", "type": "eq"})])  # fmt: skip
    return Reply(reasoning=["Tight drums."],
                 tool_calls=[FakeToolCall("stori_add_insert_effect", {"trackId": "wrong", "type": "eq"}),
                             FakeToolCall("stori_set_tempo", {"tempo": 90})])  # fmt: skip


async def test_agent_teams_with_one_llm_session_per_instrument(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, agent_script) as (h, fake):
        events = await h.run(TEAMS)
    check_teams(events)
    assert events[0]["deterministic"] is False
    assert len(fake.bodies) == 2 and all(b["tool_choice"] == "auto" for b in fake.bodies)
    for agent in ("drums", "bass"):
        mine = [e["type"] for e in events if e.get("agentId") == agent]
        assert "reasoning" in mine and mine.index("reasoningEnd") > mine.index("reasoning")
        assert mine[-1] == "agentComplete"
    completes = {e["agentId"]: e["success"] for e in of_type(events, "agentComplete")}
    assert completes == {"drums": True, "bass": True}
    plan = of_type(events, "plan")[0]
    steps = {s["stepId"]: s["label"] for s in plan["steps"]}
    drum_eq = next(e for e in of_type(events, "toolCall") if e["name"] == "stori_add_insert_effect"
                   and e["params"]["type"] == "eq" and e.get("agentId") == "drums")  # fmt: skip
    assert steps[drum_eq["stepId"]] == "Add effects to Drums", "joined the agent's pending step"
    created = {e["params"]["name"]: e["params"]["trackId"] for e in of_type(events, "toolCall")
               if e["name"] == "stori_add_midi_track"}  # fmt: skip
    assert drum_eq["params"]["trackId"] == created["Drums"], "the plan's track, not the model's"
    bass_cc = [e for e in of_type(events, "toolCall") if e["name"] == "stori_add_midi_cc" and e["params"]["cc"] == 74
               and e.get("agentId") == "bass"]  # fmt: skip
    assert bass_cc and all("$" not in str(e["params"]) for e in bass_cc)
    errors = of_type(events, "toolError")
    assert [(e["name"], e["code"], e["agentId"]) for e in errors] == [
        ("stori_set_tempo", "TOOL_NOT_ALLOWED", "drums")
    ]
    warnings = events[-1]["warnings"]
    assert any("Drums agent: trackId" in w for w in warnings)
    assert events[-1]["success"] is True and of_type(events, "done")[0]["status"] == "ready"


async def test_one_agents_llm_failure_is_isolated(tmp_path: Path) -> None:
    def script(body: dict[str, Any]) -> Reply:
        if '"Bass"' in system_prompt(body):
            return Reply(fault="http_error", status=500)
        return Reply(tool_calls=[FakeToolCall("stori_add_insert_effect", {"trackId": "x", "type": "eq"})])

    async with llm_harness(tmp_path, script) as (h, _fake):
        events = await h.run(TEAMS)
    check_teams(events)
    completes = {e["agentId"]: e["success"] for e in of_type(events, "agentComplete")}
    assert completes == {"drums": True, "bass": False}
    (error,) = of_type(events, "error")
    assert (error["error"], error["fatal"]) == ("LLM_ERROR", False)
    plan = of_type(events, "plan")[0]
    bass_steps = {
        s["stepId"] for s in plan["steps"] if s["label"].endswith("Bass") or s["label"].endswith("Bass track")
    }
    final = {e["stepId"]: e["status"] for e in of_type(events, "planStepUpdate")}
    assert bass_steps and all(final[s] == "skipped" for s in bass_steps)
    assert events[-1]["success"] is True and of_type(events, "meta")[0]["noteCounts"]["added"] > 0


async def test_every_agent_failing_fails_the_composition(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, lambda body: Reply(fault="hang"), idle_timeout=0.3) as (h, _fake):
        events = await h.run(TEAMS)
    check_teams(events)
    assert {e["success"] for e in of_type(events, "agentComplete")} == {False}
    assert [e["error"] for e in of_type(events, "error")] == ["TIMEOUT", "TIMEOUT"]
    assert (events[-1]["success"], events[-1]["error"]) == (False, "Every instrument agent failed")
