"""Whole streams on the LLM path: the real agent loop, a real ``LlmClient`` over HTTP to the fake
OpenAI-compatible server on loopback (tests/fakes/fake_openai.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from maestro_mcp.agent.llm import LlmClient
from tests.fakes.fake_openai import FakeOpenAI, Script

from .stream_support import Harness

MODEL = "anthropic/claude-sonnet-4.6"  # a priced model: the charge and the context window are known


def snapshot() -> dict[str, Any]:
    """The Stori app's project: Drums and Bass with one region each."""
    return {
        "id": "proj-1", "name": "Song", "tempo": 124, "key": "Fm",
        "tracks": [
            {"id": "t-drums", "name": "Drums", "isDrums": True, "drumKitId": "TR-909",
             "regions": [{"id": "r-drums", "name": "Intro Drums", "startBeat": 0, "durationBeats": 16}]},
            {"id": "t-bass", "name": "Bass", "gmProgram": 33,
             "regions": [{"id": "r-bass", "name": "Intro Bass", "startBeat": 0, "durationBeats": 16,
                          "notes": [{"pitch": 41, "startBeat": 0, "durationBeats": 1, "velocity": 100}]}]},
        ],
    }  # fmt: skip


@asynccontextmanager
async def llm_harness(
    tmp: Path, script: Script, *, latency: float = 0.0, idle_timeout: float = 5.0, **deps: Any
) -> AsyncIterator[tuple[Harness, FakeOpenAI]]:
    async with FakeOpenAI(script, latency=latency) as fake:
        client = LlmClient(api_key="sk-test", base_url=fake.base_url, default_model=MODEL,
                           idle_timeout=idle_timeout, turn_timeout=10.0, classify_timeout=5.0)  # fmt: skip
        try:
            yield Harness(tmp, llm=client, **deps), fake
        finally:
            await client.aclose()


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def system_prompt(body: dict[str, Any]) -> str:
    return str(body["messages"][0]["content"])


def tool_names(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools") or []]
