"""The LLM path's faults end the stream as sse.md §5.6 says -- ``error(fatal)`` → (COMPOSING: ``done(failed)``)
→ ``budgetUpdate`` → ``complete(success: false)`` -- within the limits, never a hang, nothing left running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest

from maestro_mcp.agent.llm import LlmClient
from tests.fakes.fake_openai import FakeToolCall, Reply

from .llm_stream_support import MODEL, llm_harness, of_type, snapshot
from .stream_support import Harness, check_grammar, token_string

pytestmark = pytest.mark.anyio

EDIT_FATAL = r"SR*(?:P.*)?EBZ"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def check_fatal(events: list[dict[str, Any]], code: str) -> None:
    errors = of_type(events, "error")
    assert [(e["error"], e["fatal"]) for e in errors] == [(code, True)], errors
    assert (events[-1]["success"], events[-1]["error"]) == (False, code)


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(fault="http_error", status=500), "LLM_ERROR"),
        (Reply(fault="hang"), "TIMEOUT"),
        (Reply(content="half an ans", fault="hang_mid_stream", fault_after=1), "TIMEOUT"),
        (Reply(content="half an ans", fault="drop", fault_after=1), "LLM_ERROR"),
        (Reply(raw_chunks=["{not json"]), "LLM_ERROR"),
    ],
    ids=["http500", "no-answer", "stalled-stream", "dropped-stream", "garbage-chunk"],
)
async def test_editing_faults(tmp_path: Path, reply: Reply, code: str) -> None:
    async with llm_harness(tmp_path, [reply], idle_timeout=0.3) as (h, _fake):
        with anyio.fail_after(10):
            events = await h.run("make the drums punchier", project=snapshot())
    check_grammar(events, EDIT_FATAL)
    check_fatal(events, code)
    assert of_type(events, "plan") == []


async def test_a_dead_llm_is_unavailable(tmp_path: Path) -> None:
    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener:
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
    client = LlmClient(
        api_key="k", base_url=f"http://127.0.0.1:{port}/v1", default_model=MODEL, idle_timeout=2
    )
    try:
        with anyio.fail_after(10):
            events = await Harness(tmp_path, llm=client).run("make the drums punchier", project=snapshot())
    finally:
        await client.aclose()
    check_fatal(events, "LLM_UNAVAILABLE")
    assert events[-2]["cost"] == 0.0 and events[-1]["inputTokens"] == 0


async def test_whole_loop_limit(tmp_path: Path) -> None:
    """The LLM planner limit (AgentDeps.llm_seconds) bounds a model that keeps answering slowly."""
    slow = Reply(content="thinking", chunk_delay=0.2, reasoning=["a ", "b ", "c ", "d ", "e ", "f "])
    async with llm_harness(tmp_path, [slow], llm_seconds=0.5) as (h, _fake):
        with anyio.fail_after(10):
            events = await h.run("make the drums punchier", project=snapshot())
    check_fatal(events, "TIMEOUT")


async def test_failure_after_a_plan_ran(tmp_path: Path) -> None:
    """Turn 2 fails: the applied calls stay applied, every step is terminal, the stream fails."""
    script = [
        Reply(tool_calls=[FakeToolCall("stori_add_insert_effect", {"trackId": "t-drums", "type": "reverb"})]),
        Reply(fault="http_error", status=503),
    ]
    async with llm_harness(tmp_path, script) as (h, _fake):
        events = await h.run("add reverb to the drums", project=snapshot())
        project, _ = await h.mirrors.target("proj-1").read("p")
    check_grammar(events, EDIT_FATAL)
    check_fatal(events, "LLM_ERROR")
    assert "503" in of_type(events, "error")[0]["message"]
    assert [e.type for e in project.tracks[0].effects] == ["reverb"]
    assert events[-2]["cost"] == 0.01 and events[-1]["inputTokens"] == 120  # the first call is charged


async def test_composing_fault_fails_the_variation(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, [Reply(fault="http_error", status=500)]) as (h, _fake):
        events = await h.run("make a chill lo-fi beat")
    assert token_string(events) == "SEdBZ"
    check_fatal(events, "LLM_ERROR")
    (done,) = of_type(events, "done")
    assert (done["status"], done["phraseCount"]) == ("failed", 0)


async def test_reasoning_fault(tmp_path: Path) -> None:
    async with llm_harness(tmp_path, [Reply(fault="hang")], idle_timeout=0.3) as (h, _fake):
        events = await h.run("what is the meaning of life?")
    assert token_string(events) == "SEBZ"
    check_fatal(events, "TIMEOUT")
