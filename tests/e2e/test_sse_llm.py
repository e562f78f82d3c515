"""The Stori SSE stream with an LLM, over real HTTP: ``python -m maestro_mcp serve`` in a subprocess whose
``STORI_LLM_BASE_URL`` points at the fake OpenAI-compatible server on loopback (nothing reaches the internet).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.agent.stream_support import EDITING, check_envelope, check_grammar, token_string
from tests.e2e.processes import HttpServer, create_token, start_http_server
from tests.fakes.fake_openai import FakeOpenAI, FakeToolCall, Reply, run_in_thread

pytestmark = pytest.mark.anyio

MODEL = "fake/maestro-model"
SNAPSHOT = {
    "id": "proj-e2e", "name": "Song", "tempo": 120, "key": "Am",
    "tracks": [{"id": "t-drums", "name": "Drums", "isDrums": True, "drumKitId": "TR-909",
                "regions": [{"id": "r-drums", "name": "Drums", "startBeat": 0, "durationBeats": 16}]}],
}  # fmt: skip
SCRIPT = [
    Reply(
        reasoning=["More snap ", "on the kit."],
        content="Added a compressor to Drums.",
        tool_calls=[
            FakeToolCall("stori_add_insert_effect", {"trackId": "t-drums", "type": "compressor"}, pieces=5)
        ],
        usage=(2048, 40),
    ),
    Reply(fault="http_error", status=500),
]


def start_llm_server(data_dir: Path, log_dir: Path, base_url: str) -> HttpServer:
    """A real server whose LLM is the fake OpenAI-compatible one."""
    env = {"STORI_LLM_API_KEY": "sk-fake", "STORI_LLM_BASE_URL": base_url, "STORI_LLM_MODEL": MODEL}
    return start_http_server(data_dir, log_dir, env=env)


@pytest.fixture
def llm_server(tmp_path: Path) -> Iterator[tuple[HttpServer, FakeOpenAI]]:
    with run_in_thread(SCRIPT) as fake:
        server = start_llm_server(tmp_path / "data", tmp_path, fake.base_url)
        try:
            yield server, fake
        finally:
            server.stop()


async def stream(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    with anyio.fail_after(60):
        async with client.stream("POST", "/api/v1/maestro/stream", json=body,
                                 headers={"Authorization": f"Bearer {token}"}) as response:  # fmt: skip
            assert response.status_code == 200
            raw = "".join([chunk async for chunk in response.aiter_text()])
    frames = [f for f in raw.split("\n\n") if f.startswith("data: ")]
    events = [json.loads(f.removeprefix("data: ")) for f in frames]
    check_envelope(events)
    return events


async def test_llm_editing_and_a_failing_llm_over_http(llm_server: tuple[HttpServer, FakeOpenAI]) -> None:
    server, fake = llm_server
    token = create_token(server.data_dir, "alice")
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        health = (await client.get("/api/v1/health")).json()
        assert (health["llmConfigured"], health["mode"]) == (True, "llm")

        events = await stream(client, token, {"prompt": "make the drums punchier", "project": SNAPSHOT})
        check_grammar(events, EDITING)
        assert events[0]["deterministic"] is False and events[0]["applyTarget"] == "client"
        reasoning = [e["content"] for e in events if e["type"] == "reasoning"]
        assert "".join(reasoning) == "More snap on the kit." and all(r.endswith(" ") for r in reasoning[:-1])
        (call,) = [e for e in events if e["type"] == "toolCall"]
        assert (call["name"], call["params"]["trackId"], call["params"]["type"]) == (
            "stori_add_insert_effect", "t-drums", "compressor",
        )  # fmt: skip
        complete = events[-1]
        assert complete["success"] is True and complete["inputTokens"] == 2048
        assert complete["contextWindowTokens"] == 0 and any(MODEL in w for w in complete["warnings"])

        failed = await stream(client, token, {"prompt": "make the drums punchier", "project": SNAPSHOT})
        assert token_string(failed) == "SEBZ"
        error = next(e for e in failed if e["type"] == "error")
        assert (error["error"], error["fatal"]) == ("LLM_ERROR", True) and "500" in error["message"]
        assert (failed[-1]["success"], failed[-1]["error"]) == (False, "LLM_ERROR")

    bodies = fake.bodies
    assert [b["model"] for b in bodies] == [MODEL, MODEL]
    assert bodies[0]["tool_choice"] == "required" and bodies[0]["stream"] is True
