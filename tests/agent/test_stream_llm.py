"""Whole streams with an LLM configured (spec/sse.md §5.1, §5.2, §11; intents.md §2, §4.8): the model's
reasoning, content and tool calls -- split argument deltas, id and name repeated in every delta -- against
the grammars, through the same plan / Runner / dispatch path as the deterministic streams."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from maestro_mcp.agent.edit_calls import CLARIFYING_QUESTION, HELP_TEXT
from tests.fakes.fake_openai import FakeToolCall, Reply

from .llm_stream_support import llm_harness, of_type, snapshot, system_prompt, tool_names
from .stream_support import EDITING, REASONING, check_grammar

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


PUNCH = Reply(
    reasoning=["The drums need ", "more snap: a compre", "ssor plus a small ", "level lift."],
    content=["Added a compressor to Drums ", "and raised it by 1.5 dB."],
    tool_calls=[
        FakeToolCall("stori_add_insert_effect", {"trackId": "t-drums", "type": "compressor"}, pieces=4),
        FakeToolCall("stori_set_track_volume", {"trackId": "t-drums", "volumeDb": 1.5}, pieces=3),
    ],
    interleave=True,
    usage=(9120, 80),
)


async def test_editing_plan_from_the_llm_response(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, [PUNCH]) as (h, fake):
        events = await h.run("make the drums punchier", project=snapshot())
    check_grammar(events, EDITING)
    state = events[0]
    assert (state["state"], state["intent"], state["deterministic"], state["applyTarget"]) == (
        "editing", "mix.dynamics", False, "client",
    )  # fmt: skip
    reasoning = "".join(e["content"] for e in of_type(events, "reasoning"))
    assert reasoning.split() == [
        "The",
        "drums",
        "need",
        "more",
        "snap:",
        "a",
        "compressor",
        "plus",
        "a",
        "small",
        "level",
        "lift.",
    ]
    assert all(e["content"].endswith((" ", "\n")) or e is of_type(events, "reasoning")[-1]
               for e in of_type(events, "reasoning"))  # fmt: skip
    plan = of_type(events, "plan")[0]
    assert [(s["label"], s.get("toolName")) for s in plan["steps"]] == [
        ("Add effects to Drums", "stori_add_insert_effect"),
        ("Set Drums volume to 1.5 dB", "stori_set_track_volume"),
    ]
    calls = of_type(events, "toolCall")
    assert [c["name"] for c in calls] == ["stori_add_insert_effect", "stori_set_track_volume"]
    assert calls[0]["params"]["type"] == "compressor" and calls[0]["params"]["effectId"]
    assert calls[1]["params"] == {"trackId": "t-drums", "volumeDb": 1.5}
    assert [c["stepId"] for c in calls] == ["1", "2"] and all("proposal" not in c for c in calls)
    assert [c["content"] for c in of_type(events, "content")] == [
        "Added a compressor to Drums and raised it by 1.5 dB."
    ]
    budget, complete = events[-2], events[-1]
    assert budget["cost"] == 0.03 and complete["success"] is True
    assert (complete["inputTokens"], complete["contextWindowTokens"]) == (9120, 200000)
    assert [c["name"] for c in complete["toolCalls"]] == ["stori_add_insert_effect", "stori_set_track_volume"]
    # sse.md §11: one request, the intent's allowlist as tools, a required tool choice, usage asked for.
    (body,) = fake.bodies
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["tool_choice"] == "required" and "stori_add_insert_effect" in tool_names(body)
    assert "stori_delete_region" not in tool_names(body) and "reasoning" not in body
    assert "t-drums" in system_prompt(body) and body["messages"][-1] == {
        "role": "user", "content": "make the drums punchier",
    }  # fmt: skip


async def test_editing_multi_turn_references_and_unattributed_calls(tmp_path: Path) -> None:
    """fx.add_insert is an ``auto`` intent: the first batch is the plan ($N in the LLM's order), the tool
    results go back to the model, a later batch runs unattributed."""
    script = [
        Reply(tool_calls=[
            FakeToolCall("stori_ensure_bus", {"name": "Reverb"}),
            FakeToolCall("stori_add_send", {"trackId": "t-drums", "busId": "$0.busId", "levelDb": -10.5}),
        ], interleave=True),
        Reply(reasoning=["Also a touch of EQ."], tool_calls=[
            FakeToolCall("stori_add_insert_effect", {"trackId": "t-drums", "type": "eq"}),
        ]),
        Reply(content="Reverb send and EQ on the drums."),
    ]  # fmt: skip
    async with llm_harness(tmp_path, script) as (h, fake):
        events = await h.run("add reverb to the drums", project=snapshot())
    check_grammar(events, EDITING)
    plan = of_type(events, "plan")[0]
    assert [s["label"] for s in plan["steps"]] == ["Set up shared Reverb bus"]
    calls = of_type(events, "toolCall")
    bus_id = calls[0]["params"]["busId"]
    assert calls[1]["params"]["busId"] == bus_id and "$" not in bus_id
    assert calls[2]["name"] == "stori_add_insert_effect" and "stepId" not in calls[2]
    assert len(of_type(events, "planStepUpdate")) == 2  # the later call is a bare call
    assert events[-1]["success"] is True and len(events[-1]["toolCalls"]) == 3
    second = fake.bodies[1]["messages"]
    tool_messages = [m for m in second if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_0", "call_1"]
    assert bus_id in tool_messages[0]["content"]
    assert len(fake.bodies) == 3 and fake.bodies[0]["tool_choice"] == "auto"


async def test_rejected_calls_are_tool_errors_and_never_dispatched(tmp_path: Path) -> None:
    script = [
        Reply(tool_calls=[
            FakeToolCall("stori_make_magic", {"trackId": "t-drums"}),
            FakeToolCall("stori_delete_region", {"regionId": "r-drums"}),
            FakeToolCall("stori_add_insert_effect", '{"trackId": "t-drums", "type": '),
            FakeToolCall("stori_add_insert_effect", {"trackId": "t-drums", "type": "compressor"}),
        ]),
    ]  # fmt: skip
    async with llm_harness(tmp_path, script) as (h, _fake):
        events = await h.run("make the drums punchier", project=snapshot())
        project, _ = await h.mirrors.target("proj-1").read("p")
    check_grammar(events, EDITING)
    errors = of_type(events, "toolError")
    assert [(e["name"], e["code"]) for e in errors] == [
        ("stori_make_magic", "UNKNOWN_TOOL"),
        ("stori_delete_region", "TOOL_NOT_ALLOWED"),
        ("stori_add_insert_effect", "INVALID_VALUE"),
    ]
    assert "not valid JSON" in errors[2]["error"]
    starts = [i for i, e in enumerate(events) if e["type"] == "toolStart"]
    assert all(events[i + 1]["type"] in ("toolError", "toolCall") for i in starts)
    assert [c["name"] for c in of_type(events, "toolCall")] == ["stori_add_insert_effect"]
    drums = next(t for t in project.tracks if t.id == "t-drums")
    assert [r.id for r in drums.regions] == ["r-drums"], "the disallowed delete never ran"
    assert [e.type for e in drums.effects] == ["compressor"]
    assert events[-1]["success"] is True and "3 tool error(s) occurred" in events[-1]["warnings"]


async def test_a_batch_of_only_rejected_calls_changes_nothing(tmp_path: Path) -> None:
    script = [Reply(content="Trying.", tool_calls=[FakeToolCall("stori_make_magic", {})])]
    async with llm_harness(tmp_path, script) as (h, _fake):
        events = await h.run("make the drums punchier", project=snapshot())
    check_grammar(events, EDITING)
    assert of_type(events, "plan")[0]["steps"] == []
    assert [e["code"] for e in of_type(events, "toolError")] == ["UNKNOWN_TOOL"]
    assert (events[-1]["success"], events[-1]["error"], events[-1]["toolCalls"]) == (
        False, "No change was made", [],
    )  # fmt: skip


async def test_single_tool_intent_with_complete_slots_skips_the_llm(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, []) as (h, fake):
        events = await h.run("set the tempo to 92")
    check_grammar(events, EDITING)
    assert events[0]["deterministic"] is True and fake.bodies == []
    assert (events[-1]["inputTokens"], events[-1]["contextWindowTokens"], events[-2]["cost"]) == (0, 0, 0.0)


async def test_an_llm_only_intent_is_planned_by_the_llm(tmp_path: Path) -> None:
    """Without an LLM automation ends in LLM_UNAVAILABLE (intents.md §6); with one the model writes it."""
    points = [{"beat": 0, "value": 0.2}, {"beat": 16, "value": 0.9}]
    script = [Reply(tool_calls=[FakeToolCall("stori_add_automation",
                                             {"target": "t-bass", "parameter": "volume", "points": points})])]  # fmt: skip
    async with llm_harness(tmp_path, script) as (h, _fake):
        events = await h.run("automate the bass volume over 4 bars", project=snapshot())
    check_grammar(events, EDITING)
    assert [s["label"] for s in of_type(events, "plan")[0]["steps"]] == ["Write automation for Bass"]
    assert of_type(events, "toolCall")[0]["name"] == "stori_add_automation"
    assert events[-1]["success"] is True


async def test_intent_fallback_through_the_llm(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, [Reply(content="clarify", usage=(300, 1))]) as (h, fake):
        events = await h.run("xyzzy foobar")
    check_grammar(events, REASONING)
    state = events[0]
    assert (state["intent"], state["confidence"], state["deterministic"]) == (
        "control.needs_clarification", 0.75, False,
    )  # fmt: skip
    assert of_type(events, "content")[0]["content"] == CLARIFYING_QUESTION
    assert events[-1]["inputTokens"] == 300 and events[-2]["cost"] == 0.01
    assert "tools" not in fake.bodies[0] and "xyzzy foobar" in str(fake.bodies[0]["messages"])


async def test_a_failed_fallback_call_leaves_the_rules_answer(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, [Reply(fault="http_error", status=500)]) as (h, _fake):
        events = await h.run("xyzzy foobar")
    check_grammar(events, REASONING)
    assert (events[0]["intent"], events[0]["confidence"]) == ("control.unknown", 0.3)
    assert of_type(events, "content")[0]["content"] == HELP_TEXT
    assert events[-1]["success"] is True and events[-2]["cost"] == 0.0  # a refused call costs nothing


async def test_reasoning_answer_with_the_llm(tmp_path: Path) -> None:
    reply = Reply(
        reasoning=["Swing delays ", "the off-beats. "], content=["Swing pushes off-beat ", "notes later."]
    )
    async with llm_harness(tmp_path, [reply]) as (h, fake):
        events = await h.run("how does swing work in stori?")
    check_grammar(events, REASONING)
    assert events[0]["deterministic"] is False and events[0]["intent"] == "ask.stori_docs"
    assert "".join(e["content"] for e in of_type(events, "reasoning")).split() == [
        "Swing",
        "delays",
        "the",
        "off-beats.",
    ]
    (content,) = of_type(events, "content")
    assert content["content"].startswith("Swing pushes off-beat notes later.")
    assert re.search(r"inputTokens", str(events[-1])) and events[-1]["inputTokens"] == 120
    assert "tools" not in fake.bodies[0]
