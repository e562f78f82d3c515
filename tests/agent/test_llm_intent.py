"""The LLM fallback of intent classification (intents.md §4.8) against the fake LLM over loopback."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from maestro_mcp.agent.intent import IntentLLM, classify
from maestro_mcp.agent.intent_rules import LLM_CATEGORIES
from maestro_mcp.agent.llm import IntentClassifier, LlmClient
from maestro_mcp.agent.llm_models import UsageLedger
from tests.fakes.fake_openai import FakeOpenAI, Reply

LIMIT = 10.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def classify_with(
    replies: list[Reply], text: str, **client_options: Any
) -> tuple[Any, FakeOpenAI, UsageLedger]:
    ledger = UsageLedger()
    async with FakeOpenAI(replies) as fake:
        client = LlmClient(api_key="k", base_url=fake.base_url, default_model="anthropic/claude-sonnet-4.6",
                           **client_options)  # fmt: skip
        llm: IntentLLM = IntentClassifier(client, ledger=ledger)
        try:
            with anyio.fail_after(LIMIT):
                result = await classify(text, llm=llm)
        finally:
            await client.aclose()
    return result, fake, ledger


@pytest.mark.anyio
async def test_unknown_text_is_classified_by_one_llm_call() -> None:
    result, fake, ledger = await classify_with([Reply(content="generation", usage=(210, 2))], "xyzzy foobar")
    assert (result.intent, result.confidence, result.reason) == (
        "compose.generate_music",
        0.75,
        "llm:generation",
    )
    (body,) = fake.bodies
    assert body["messages"][-1] == {"role": "user", "content": "xyzzy foobar"}
    assert all(c in body["messages"][0]["content"] for c in LLM_CATEGORIES)
    assert "tools" not in body and body["stream"] is True
    assert (ledger.calls, ledger.last_prompt_tokens, ledger.cost_cents) == (1, 210, 1)


@pytest.mark.anyio
async def test_an_answer_wrapped_in_words_still_names_its_category() -> None:
    result, _, _ = await classify_with([Reply(content=["Category: ", "**effects**."])], "xyzzy foobar")
    assert result.intent == "fx.add_insert"


@pytest.mark.anyio
async def test_other_is_unknown_with_its_own_confidence() -> None:
    result, _, _ = await classify_with([Reply(content="other")], "xyzzy foobar")
    assert (result.intent, result.confidence) == ("control.unknown", 0.4)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "reply", [Reply(fault="http_error", status=500), Reply(fault="hang"), Reply(content="banana")],
    ids=["http-500", "hang", "not-a-category"],
)  # fmt: skip
async def test_a_failed_call_leaves_unknown_at_0_3(reply: Reply) -> None:
    result, _, _ = await classify_with([reply], "xyzzy foobar", idle_timeout=0.3)
    assert (result.intent, result.confidence, result.reason) == ("control.unknown", 0.3, "llm_failed")


@pytest.mark.anyio
async def test_text_the_rules_place_makes_no_llm_call() -> None:
    result, fake, ledger = await classify_with([], "set the tempo to 92")
    assert result.intent == "project.set_tempo"
    assert fake.bodies == [] and ledger.calls == 0
