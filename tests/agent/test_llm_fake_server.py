"""The fake OpenAI-compatible server itself: its thread mode, its latency option and its guard rails."""

from __future__ import annotations

import httpx
import pytest

from maestro_mcp.agent.llm import LlmClient
from maestro_mcp.agent.llm_types import LlmError
from tests.fakes.fake_openai import FakeOpenAI, Reply, run_in_thread

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_thread_mode_serves_synchronous_callers_with_a_fixed_latency() -> None:
    with (
        run_in_thread(lambda body: Reply(content="late hello"), latency=0.05) as fake,
        httpx.Client(timeout=5) as http,
    ):
        answers = [http.post(f"{fake.base_url}/chat/completions", json=CHAT) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert all('"content":"late hello"' in a.text and a.text.endswith("data: [DONE]\n\n") for a in answers)
    assert len(fake.bodies) == 2 and fake.bodies[0]["model"] == "m"


@pytest.mark.anyio
async def test_guard_rails_wrong_key_unknown_route_exhausted_script() -> None:
    async with (
        FakeOpenAI([Reply(content="once")], api_key="right") as fake,
        httpx.AsyncClient(timeout=5) as http,
    ):
        wrong = await http.post(
            f"{fake.base_url}/chat/completions", json=CHAT, headers={"Authorization": "Bearer no"}
        )
        route = await http.get(f"{fake.base_url}/models", headers={"Authorization": "Bearer right"})
        client = LlmClient(api_key="right", base_url=fake.base_url, default_model="m", idle_timeout=2.0)
        assert await client.complete_text(CHAT["messages"]) == "once"  # type: ignore[arg-type]
        with pytest.raises(LlmError) as info:
            await client.complete_text(CHAT["messages"])  # type: ignore[arg-type]
        await client.aclose()
    assert (wrong.status_code, route.status_code) == (401, 404)
    assert info.value.status == 500 and "fake script exhausted" in info.value.message
