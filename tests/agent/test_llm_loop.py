"""The multi-turn tool loop against the fake LLM over loopback, with calls run through ``tools.dispatch``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from maestro_mcp.agent.llm import LlmClient
from maestro_mcp.agent.llm_loop import run_llm_loop
from maestro_mcp.agent.llm_models import UsageLedger
from maestro_mcp.agent.llm_types import LlmError, ToolCall
from maestro_mcp.config import Settings
from maestro_mcp.daw.model import Project
from maestro_mcp.store.projects import MemoryProjectStore
from maestro_mcp.tools.dispatch import ToolContext, dispatch
from tests.fakes.fake_openai import FakeOpenAI, FakeToolCall, Reply

LIMIT = 10.0
MESSAGES = [{"role": "system", "content": "You edit a DAW project."},
            {"role": "user", "content": "slow it down to 92 and start playback"}]  # fmt: skip


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recorder:
    """The agent loop's side: runs calls through the real dispatch on a headless project, records events."""

    def __init__(self, tmp_path: Path, allowed: list[str]) -> None:
        settings = Settings(data_dir=tmp_path, daw_mode="headless", _env_file=None)  # type: ignore[call-arg]
        self.store: MemoryProjectStore[Project] = MemoryProjectStore(
            Project, Project.new, content=Project.canonical_form
        )
        self.ctx = ToolContext(principal="p", projects=self.store, settings=settings,
                               allowed_tools=frozenset(allowed), allowlist_label="intent project.set_tempo")  # fmt: skip
        self.events: list[tuple[str, Any]] = []
        self.batches: list[list[ToolCall]] = []

    async def reasoning(self, text: str) -> None:
        self.events.append(("reasoning", text))

    async def reasoning_end(self) -> None:
        self.events.append(("reasoningEnd", None))

    async def content(self, text: str) -> None:
        self.events.append(("content", text))

    async def execute(self, calls: list[ToolCall]) -> list[dict[str, Any]]:
        self.batches.append(calls)
        results = []
        for call in calls:
            if call.rejection is not None:
                self.events.append(("toolError", call.name))
                results.append(call.rejection)
                continue
            result = await dispatch(self.ctx, call.name, call.arguments)
            self.events.append(("toolError" if result.is_error else "toolCall", call.name))
            results.append(result.payload)
        return results

    async def project(self) -> Project:
        project, _version = await self.store.read("p")
        return project


async def run(fake: FakeOpenAI, recorder: Recorder, allowed: list[str], **kwargs: Any) -> Any:
    client = LlmClient(api_key="k", base_url=fake.base_url, default_model="fake/model", idle_timeout=2.0)
    try:
        with anyio.fail_after(LIMIT):
            return await run_llm_loop(
                client, MESSAGES, allowed_tools=allowed, execute_calls=recorder.execute,
                on_reasoning=recorder.reasoning, on_reasoning_end=recorder.reasoning_end,
                on_content=recorder.content, **kwargs,
            )  # fmt: skip
    finally:
        await client.aclose()


@pytest.mark.anyio
async def test_two_turns_run_the_calls_then_stop_on_the_answer(tmp_path: Path) -> None:
    allowed = ["stori_set_tempo", "stori_play"]
    script = [
        Reply(reasoning=["Slower tempo", " first, then play."],
              tool_calls=[FakeToolCall("stori_set_tempo", {"tempo": 92}), FakeToolCall("stori_play", {})],
              usage=(900, 40)),
        Reply(content=["Tempo is 92 ", "BPM and playing."], usage=(1200, 12)),
    ]  # fmt: skip
    recorder = Recorder(tmp_path, allowed)
    ledger = UsageLedger()
    async with FakeOpenAI(script) as fake:
        outcome = await run(fake, recorder, allowed, tool_choice="auto", ledger=ledger)
    assert (outcome.turns, outcome.stop_reason) == (2, "answered")
    assert [e for e in recorder.events if e[0] != "reasoning"] == [
        ("reasoningEnd", None), ("toolCall", "stori_set_tempo"), ("toolCall", "stori_play"),
        ("content", "Tempo is 92 "), ("content", "BPM and playing."),
    ]  # fmt: skip
    assert (
        "".join(t for kind, t in recorder.events if kind == "reasoning") == "Slower tempo first, then play."
    )
    assert (await recorder.project()).tempo == 92
    assert outcome.content == "Tempo is 92 BPM and playing."
    assert [c.ok for c in outcome.calls] == [True, True]
    # The second request carried the first turn and one tool message per call, matched by id.
    second = fake.bodies[1]["messages"]
    assistant, *tools = second[2:]
    assert (
        [c["id"] for c in assistant["tool_calls"]]
        == [m["tool_call_id"] for m in tools]
        == ["call_0", "call_1"]
    )
    assert json.loads(tools[0]["content"])["ok"] is True
    assert (ledger.calls, ledger.last_prompt_tokens, ledger.prompt_tokens) == (2, 1200, 2100)


@pytest.mark.anyio
async def test_a_required_choice_ends_after_its_one_turn(tmp_path: Path) -> None:
    allowed = ["stori_set_tempo"]
    recorder = Recorder(tmp_path, allowed)
    async with FakeOpenAI([Reply(tool_calls=[FakeToolCall("stori_set_tempo", {"tempo": 100})])]) as fake:
        outcome = await run(fake, recorder, allowed, tool_choice="required", max_turns=1)
    assert (outcome.turns, outcome.stop_reason, len(fake.bodies)) == (1, "required_turn", 1)
    assert fake.bodies[0]["tool_choice"] == "required"
    assert (await recorder.project()).tempo == 100


@pytest.mark.anyio
async def test_max_turns_bounds_a_model_that_never_stops_calling(tmp_path: Path) -> None:
    allowed = ["stori_play"]
    recorder = Recorder(tmp_path, allowed)
    forever = Reply(tool_calls=[FakeToolCall("stori_play", {})])
    async with FakeOpenAI(lambda body: forever) as fake:
        outcome = await run(fake, recorder, allowed, tool_choice="auto", max_turns=3)
    assert (outcome.turns, outcome.stop_reason, len(fake.bodies)) == (3, "max_turns", 3)
    assert len(outcome.calls) == 3 and all(c.ok for c in outcome.calls)


@pytest.mark.anyio
async def test_unknown_not_allowed_and_malformed_calls_become_tool_errors(tmp_path: Path) -> None:
    allowed = ["stori_set_tempo"]
    calls = [
        FakeToolCall("stori_nope", {"x": 1}, id="u"),
        FakeToolCall("stori_play", {}, id="n"),
        FakeToolCall("stori_set_tempo", '{"tempo": 9', id="m"),
        FakeToolCall("stori_set_tempo", {"tempo": 140}, id="ok"),
    ]
    recorder = Recorder(tmp_path, allowed)
    async with FakeOpenAI([Reply(tool_calls=calls), Reply(content="Done, one change made.")]) as fake:
        outcome = await run(
            fake, recorder, allowed, tool_choice="auto", allowlist_label="intent project.set_tempo"
        )
    codes = [c.result.get("errors", [{}])[0].get("code") if not c.ok else "ok" for c in outcome.calls]
    assert codes == ["UNKNOWN_TOOL", "TOOL_NOT_ALLOWED", "INVALID_VALUE", "ok"]
    assert [e for e in recorder.events if e[0].startswith("tool")] == [
        ("toolError", "stori_nope"), ("toolError", "stori_play"), ("toolError", "stori_set_tempo"),
        ("toolCall", "stori_set_tempo"),
    ]  # fmt: skip
    assert (await recorder.project()).tempo == 140
    tool_messages = [m for m in fake.bodies[1]["messages"] if m["role"] == "tool"]
    assert [json.loads(m["content"])["ok"] for m in tool_messages] == [False, False, False, True]
    assert "not allowed for intent project.set_tempo" in tool_messages[1]["content"]


@pytest.mark.anyio
async def test_an_llm_failure_mid_loop_raises_with_the_usage_charged(tmp_path: Path) -> None:
    allowed = ["stori_play"]
    recorder = Recorder(tmp_path, allowed)
    ledger = UsageLedger()
    script = [Reply(tool_calls=[FakeToolCall("stori_play", {})]), Reply(fault="http_error", status=502)]
    async with FakeOpenAI(script) as fake:
        with pytest.raises(LlmError) as info:
            await run(fake, recorder, allowed, tool_choice="auto", ledger=ledger)
    assert (info.value.kind, info.value.status) == ("http", 502)
    # One call had streamed (the refused one used nothing); the fake model has no price: 0, with a warning.
    assert ledger.calls == 1 and ledger.cost_cents == 0 and ledger.warnings


@pytest.mark.anyio
async def test_the_whole_loop_has_a_time_limit(tmp_path: Path) -> None:
    allowed = ["stori_play"]
    recorder = Recorder(tmp_path, allowed)
    slow = Reply(tool_calls=[FakeToolCall("stori_play", {})], delay=0.2)
    async with FakeOpenAI(lambda body: slow) as fake:
        with pytest.raises(LlmError) as info:
            await run(fake, recorder, allowed, tool_choice="auto", max_turns=50, timeout=0.5)
    assert info.value.kind == "timeout" and "tool loop" in info.value.message


@pytest.mark.anyio
async def test_a_short_executor_answer_is_filled_not_crashed(tmp_path: Path) -> None:
    allowed = ["stori_play", "stori_stop"]

    async def forgetful(calls: list[ToolCall]) -> list[dict[str, Any]]:
        return [{"ok": True, "tool": calls[0].name}]

    script = [
        Reply(tool_calls=[FakeToolCall("stori_play", {}), FakeToolCall("stori_stop", {})]),
        Reply(content="ok"),
    ]
    async with FakeOpenAI(script) as fake:
        client = LlmClient(api_key="k", base_url=fake.base_url, default_model="m", idle_timeout=2.0)
        with anyio.fail_after(LIMIT):
            outcome = await run_llm_loop(client, MESSAGES, allowed_tools=allowed, execute_calls=forgetful)
        await client.aclose()
    assert [c.ok for c in outcome.calls] == [True, False]
    assert outcome.calls[1].result["errors"][0]["code"] == "INTERNAL_ERROR"
