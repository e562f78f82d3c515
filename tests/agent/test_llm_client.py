"""The LLM client against the fake OpenAI-compatible server over real loopback HTTP (sse.md §11)."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

import anyio
import pytest

from maestro_mcp.agent.llm import LlmClient, tool_definitions
from maestro_mcp.agent.llm_models import OPENROUTER_BASE_URL, UsageLedger
from maestro_mcp.agent.llm_types import (
    ContentDelta,
    LlmChunk,
    LlmError,
    ReasoningDelta,
    ToolCalls,
    TurnEnd,
    Usage,
)
from maestro_mcp.config import Settings
from maestro_mcp.tools.catalog import TOOL_NAMES, list_specs
from tests.fakes.fake_openai import FakeOpenAI, FakeToolCall, Reply
from tests.fakes.fake_openai_script import ReasoningField

LIMIT = 10.0  # every test's outer bound: a hang fails the test instead of stalling the suite
USER = [{"role": "user", "content": "set the tempo to 92 and play"}]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    return request.param


def client_for(fake: FakeOpenAI, **options: Any) -> LlmClient:
    return LlmClient(api_key="sk-test", base_url=fake.base_url, default_model="fake/model", **options)


async def collect(client: LlmClient, **kwargs: Any) -> list[LlmChunk]:
    with anyio.fail_after(LIMIT):
        async with aclosing(client.stream(USER, **kwargs)) as chunks:
            return [c async for c in chunks]


async def failure(client: LlmClient, **kwargs: Any) -> LlmError:
    with pytest.raises(LlmError) as info:
        await collect(client, **kwargs)
    return info.value


@pytest.mark.anyio
async def test_reasoning_content_tool_calls_and_usage_in_order() -> None:
    reply = Reply(
        reasoning=["The user wants ", "a slower groove."],
        content=["Setting ", "it up."],
        tool_calls=[FakeToolCall("stori_set_tempo", {"tempo": 92}, pieces=4),
                    FakeToolCall("stori_play", {}, pieces=1)],
        interleave=True,
        usage=(1834, 57),
    )  # fmt: skip
    async with FakeOpenAI([reply]) as fake:
        client = client_for(fake)
        ledger = UsageLedger()
        chunks = await collect(client, allowed_tools=["stori_set_tempo", "stori_play"], tool_choice="required",
                               ledger=ledger)  # fmt: skip
        await client.aclose()
    kinds = [type(c).__name__ for c in chunks]
    assert kinds == [
        "ReasoningDelta",
        "ReasoningDelta",
        "ContentDelta",
        "ContentDelta",
        "ToolCalls",
        "Usage",
        "TurnEnd",
    ]
    assert (
        "".join(c.text for c in chunks if isinstance(c, ReasoningDelta)) == "The user wants a slower groove."
    )
    tool_calls = next(c for c in chunks if isinstance(c, ToolCalls))
    assert [(c.id, c.name, c.arguments) for c in tool_calls.calls] == [
        ("call_0", "stori_set_tempo", {"tempo": 92}),
        ("call_1", "stori_play", {}),
    ]
    end = chunks[-1]
    assert isinstance(end, TurnEnd) and end.finish_reason == "tool_calls" and end.content == "Setting it up."
    assert end.usage == Usage(1834, 57)
    assert (ledger.calls, ledger.last_prompt_tokens, ledger.completion_tokens) == (1, 1834, 57)
    assert client.status == "ok"


@pytest.mark.anyio
async def test_request_shape_follows_the_wire_contract() -> None:
    async with FakeOpenAI([Reply(content="ok"), Reply(content="ok")], api_key="sk-test") as fake:
        client = client_for(fake)
        await collect(client, allowed_tools=["stori_set_tempo", "stori_set_key"], tool_choice="required",
                      model="some/other-model")  # fmt: skip
        await collect(client)
        await client.aclose()
    first, second = fake.bodies
    assert fake.requests[0].path == "/v1/chat/completions" and fake.requests[0].method == "POST"
    assert fake.requests[0].headers["authorization"] == "Bearer sk-test"
    assert first["model"] == "some/other-model" and first["stream"] is True
    assert first["stream_options"] == {"include_usage": True}
    assert first["tool_choice"] == "required"
    assert [t["function"]["name"] for t in first["tools"]] == ["stori_set_tempo", "stori_set_key"]
    assert (
        first["tools"][0]["type"] == "function"
        and first["tools"][0]["function"]["parameters"]["type"] == "object"
    )
    assert "reasoning" not in first  # not OpenRouter: no OpenRouter-only parameter
    assert second["model"] == "fake/model" and "tools" not in second and "tool_choice" not in second


def test_tool_definitions_show_only_canonical_tools() -> None:
    everything = [t["function"]["name"] for t in tool_definitions()]
    aliases = [s.name for s in list_specs() if s.is_alias]
    assert len(everything) == len(TOOL_NAMES) - len(aliases) and not set(aliases) & set(everything)
    if aliases:  # an alias in an allowlist shows its canonical tool instead
        alias = next(s for s in list_specs() if s.is_alias)
        assert [t["function"]["name"] for t in tool_definitions([alias.name])] == [alias.canonical]
    assert tool_definitions(["stori_nope"]) == []


def test_openrouter_gets_the_reasoning_parameter_except_with_a_forced_tool_choice() -> None:
    client = LlmClient(api_key="k", base_url=OPENROUTER_BASE_URL, default_model="anthropic/claude-sonnet-4.6")
    auto = client.build_request(USER, allowed_tools=["stori_add_insert_effect"], tool_choice="auto")
    assert auto["extra_body"] == {"reasoning": {"max_tokens": 2048}}
    forced = client.build_request(USER, allowed_tools=["stori_play"], tool_choice="required")
    assert "extra_body" not in forced


def test_no_client_without_a_key(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert LlmClient.from_settings(settings) is None
    # The key field has environment aliases only, so it is set here by its variable name.
    keyed = Settings(data_dir=tmp_path, STORI_LLM_API_KEY="k", _env_file=None)  # type: ignore[call-arg]
    client = LlmClient.from_settings(keyed)
    assert client is not None and client.default_model == "anthropic/claude-sonnet-4.6"


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["reasoning", "reasoning_content", "reasoning_details", "openrouter"])
async def test_reasoning_is_read_from_every_server_family_once(field: ReasoningField) -> None:
    async with FakeOpenAI(
        [Reply(reasoning=["Think ", "twice."], reasoning_field=field, content="ok")]
    ) as fake:
        client = client_for(fake)
        chunks = await collect(client)
        await client.aclose()
    assert [c.text for c in chunks if isinstance(c, ReasoningDelta)] == ["Think ", "twice."]
    assert [c.text for c in chunks if isinstance(c, ContentDelta)] == ["ok"]


@pytest.mark.anyio
async def test_malformed_tool_json_and_unknown_tool_are_per_call_errors_not_failures() -> None:
    reply = Reply(
        tool_calls=[FakeToolCall("stori_set_tempo", '{"tempo": 9'), FakeToolCall("stori_nope", {"x": 1})]
    )
    async with FakeOpenAI([reply]) as fake:
        client = client_for(fake)
        chunks = await collect(client, allowed_tools=["stori_set_tempo"])
        await client.aclose()
    calls = next(c for c in chunks if isinstance(c, ToolCalls))
    assert [c.name for c in calls.errors] == ["stori_set_tempo"]
    assert calls.calls[1].name == "stori_nope" and calls.calls[1].arguments == {"x": 1}  # the loop rejects it


@pytest.mark.anyio
async def test_http_500_is_an_http_error() -> None:
    async with FakeOpenAI([Reply(fault="http_error", status=500, error_message="boom")]) as fake:
        client = client_for(fake)
        error = await failure(client)
        await client.aclose()
    assert (error.kind, error.status, error.sse_code) == ("http", 500, "LLM_ERROR")
    assert "boom" in error.message
    assert client.status == "unavailable"


@pytest.mark.anyio
async def test_a_hung_llm_times_out_within_the_idle_limit() -> None:
    async with FakeOpenAI([Reply(fault="hang")]) as fake:
        client = client_for(fake, idle_timeout=0.3)
        error = await failure(client)
        await client.aclose()
    assert (error.kind, error.sse_code) == ("timeout", "TIMEOUT")


@pytest.mark.anyio
async def test_a_stream_that_stalls_after_its_first_chunk_times_out_and_is_still_charged() -> None:
    async with FakeOpenAI([Reply(content=["a", "b", "c"], fault="hang_mid_stream", fault_after=2)]) as fake:
        client = client_for(fake, idle_timeout=0.3)
        ledger = UsageLedger()
        error = await failure(client, ledger=ledger)
        await client.aclose()
    assert error.kind == "timeout"
    assert ledger.calls == 1  # the stream had started: the call counts for the charge


@pytest.mark.anyio
async def test_the_turn_limit_bounds_a_slow_trickle() -> None:
    slow = Reply(content=["x"] * 50, chunk_delay=0.1)
    async with FakeOpenAI([slow]) as fake:
        client = client_for(fake, idle_timeout=5.0, turn_timeout=0.4)
        error = await failure(client)
        await client.aclose()
    assert error.kind == "timeout" and "whole turn" in error.message


@pytest.mark.anyio
async def test_a_dropped_connection_is_an_incomplete_stream() -> None:
    async with FakeOpenAI([Reply(content=["a", "b"], fault="drop", fault_after=1)]) as fake:
        client = client_for(fake)
        error = await failure(client)
        await client.aclose()
    assert error.kind in ("incomplete", "connection")


@pytest.mark.anyio
async def test_a_chunk_that_is_not_json_is_malformed() -> None:
    async with FakeOpenAI([Reply(raw_chunks=["{not json"])]) as fake:
        client = client_for(fake)
        error = await failure(client)
        await client.aclose()
    assert error.kind == "malformed"


@pytest.mark.anyio
async def test_an_error_object_inside_the_stream_is_a_provider_error() -> None:
    raw = [{"error": {"message": "overloaded", "code": 529}}]
    async with FakeOpenAI([Reply(raw_chunks=raw)]) as fake:
        client = client_for(fake)
        error = await failure(client)
        await client.aclose()
    assert error.kind == "provider" and "overloaded" in error.message


@pytest.mark.anyio
async def test_an_unreachable_endpoint_is_a_connection_error() -> None:
    async with FakeOpenAI([]) as fake:
        base = fake.base_url
    client = LlmClient(api_key="k", base_url=base, default_model="m", idle_timeout=5.0)
    with anyio.fail_after(LIMIT), pytest.raises(LlmError) as info:
        await client.complete_text(USER)
    await client.aclose()
    assert (info.value.kind, info.value.sse_code) == ("connection", "LLM_UNAVAILABLE"), info.value.message


@pytest.mark.anyio
async def test_stopping_early_releases_the_stream() -> None:
    async with FakeOpenAI([Reply(content=["a"] * 20), Reply(content="second")]) as fake:
        client = client_for(fake)
        with anyio.fail_after(LIMIT):
            async with aclosing(client.stream(USER)) as chunks:
                async for _chunk in chunks:
                    break
            assert await client.complete_text(USER) == "second"
        await client.aclose()
