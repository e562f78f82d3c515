"""REASONING answered by an LLM from the retrieved documentation, against the fake OpenAI-compatible server
on loopback (sse.md §5.1, §11): the real agent loop with the LLM configured, which answers ask.* intents
through ``DocAnswerer``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from maestro_mcp.agent.llm import LlmClient
from maestro_mcp.agent.llm_types import LlmError
from maestro_mcp.agent.modes.reasoning import SYSTEM_PROMPT, DocAnswerer
from maestro_mcp.config import Settings
from tests.fakes.fake_openai import FakeOpenAI, Reply

from .stream_support import REASONING, Harness, check_grammar

os.environ.setdefault("OMP_NUM_THREADS", "1")

pytestmark = pytest.mark.anyio

LIMIT = 30.0
QUESTION = "how do I add a reverb send?"
REASONING_DELTAS = ["The question is ", "about sends; the bus comes first, then the ", "send."]
ANSWER_DELTAS = ["Create the Reverb bus, then send ", "the track to it at −10.5 dB [Concepts › Buses and sends]."]  # fmt: skip
ANSWER = "".join(ANSWER_DELTAS)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(lambda body: Reply(reasoning=REASONING_DELTAS, content=ANSWER_DELTAS)) as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[LlmClient]:
    llm = LlmClient(api_key="sk-test", base_url=fake.base_url, default_model="fake/model", idle_timeout=10)
    try:
        yield llm
    finally:
        await llm.aclose()


@pytest.fixture
def answerer(client: LlmClient, tmp_path: Path) -> DocAnswerer:
    return DocAnswerer(Settings(data_dir=tmp_path), llm=client)


def last_user_message(body: dict[str, Any]) -> str:
    message = body["messages"][-1]
    assert message["role"] == "user"
    return str(message["content"])


async def test_the_llm_writes_the_answer_from_the_retrieved_sections(
    tmp_path: Path, fake: FakeOpenAI, client: LlmClient
) -> None:
    """state → reasoning* → content → budgetUpdate → complete: the model's reasoning as word-bounded
    reasoning events, its answer as the one content event, its usage in complete."""
    events = await Harness(tmp_path, llm=client).run(QUESTION)
    check_grammar(events, REASONING)
    state = events[0]
    assert (state["intent"], state["deterministic"]) == ("ask.stori_docs", False)
    reasoning = [e["content"] for e in events if e["type"] == "reasoning"]
    assert len(reasoning) >= 2 and "".join(reasoning) == "".join(REASONING_DELTAS)
    assert all(chunk.endswith((" ", "\n")) for chunk in reasoning[:-1])  # chunks end on word boundaries
    [content] = [e["content"] for e in events if e["type"] == "content"]
    # The model's answer, then the sections it was given as links.
    assert content.startswith(ANSWER + "\n\nSources: ")
    assert "Concepts › Buses and sends (docs/concepts.md#buses-and-sends)" in content
    assert (events[-1]["success"], events[-1]["inputTokens"]) == (True, 120)

    [body] = fake.bodies  # one call: no tools, streamed
    assert body["model"] == "fake/model" and body["stream"] is True and "tools" not in body
    assert body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    sent = last_user_message(body)
    assert sent.startswith(f"Question: {QUESTION}\n\nDocumentation excerpts:\n\n[1] ")
    # The retrieved chunk itself rode along, under its citation.
    chunk = "Concepts › Buses and sends (docs/concepts.md#buses-and-sends)\nA bus is a named, shared mix"
    assert chunk in sent


async def test_a_general_question_goes_to_the_llm_without_unrelated_sections(
    tmp_path: Path, fake: FakeOpenAI, client: LlmClient, answerer: DocAnswerer
) -> None:
    events = await Harness(tmp_path, llm=client, answer_question=answerer).run("who wrote Clair de Lune?")
    check_grammar(events, REASONING)
    assert events[0]["intent"] == "ask.general"
    [content] = [e["content"] for e in events if e["type"] == "content"]
    assert content == ANSWER  # no docs were given, so no sources are claimed
    assert last_user_message(fake.bodies[0]) == (
        "Question: who wrote Clair de Lune?\n\nNo documentation excerpt matched this question."
    )


async def test_history_and_model_reach_the_request(fake: FakeOpenAI, answerer: DocAnswerer) -> None:
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]
    with anyio.fail_after(LIMIT):
        await answerer(QUESTION, intent="ask.stori_docs", model="other/model", history=history)
    body = fake.bodies[0]
    assert body["model"] == "other/model"
    assert body["messages"][1:3] == history and len(body["messages"]) == 4


async def test_a_model_that_only_reasons_still_gets_the_passages_out(tmp_path: Path) -> None:
    async with FakeOpenAI([Reply(reasoning=["Thinking it over."], content=())]) as server:
        client = LlmClient(api_key="sk-test", base_url=server.base_url, default_model="fake/model")
        try:
            with anyio.fail_after(LIMIT):
                answer = await DocAnswerer(llm=client)(QUESTION, intent="ask.stori_docs")
        finally:
            await client.aclose()
    assert "**Concepts › Buses and sends (docs/concepts.md#buses-and-sends)**" in answer


async def test_a_failed_llm_call_raises_for_the_stream_to_report() -> None:
    async with FakeOpenAI([Reply(fault="http_error", status=503)]) as server:
        client = LlmClient(api_key="sk-test", base_url=server.base_url, default_model="fake/model")
        try:
            with anyio.fail_after(LIMIT), pytest.raises(LlmError) as info:
                await DocAnswerer(llm=client)(QUESTION, intent="ask.stori_docs")
        finally:
            await client.aclose()
    assert (info.value.kind, info.value.sse_code) == ("http", "LLM_ERROR")


async def test_a_failed_llm_call_ends_the_reasoning_stream_with_a_fatal_error(tmp_path: Path) -> None:
    async with FakeOpenAI([Reply(fault="http_error", status=503)]) as server:
        client = LlmClient(api_key="sk-test", base_url=server.base_url, default_model="fake/model")
        try:
            events = await Harness(tmp_path, llm=client).run(QUESTION)
        finally:
            await client.aclose()
    check_grammar(events, REASONING)  # state → error(fatal) → budgetUpdate → complete
    [error] = [e for e in events if e["type"] == "error"]
    assert (error["error"], error["fatal"]) == ("LLM_ERROR", True)
    assert events[-1]["success"] is False
