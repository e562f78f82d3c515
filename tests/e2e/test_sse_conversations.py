"""Streams and accounts over real HTTP (uvicorn on 127.0.0.1, a real SQLite data dir): a conversation's turn
through ``POST /conversations/{id}/messages`` (http-api.md §6), the ledger budget of a stream (402 before
it, a session charged after it), and ``POST /variation/propose`` with the deterministic proposer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from maestro_mcp.auth import create_token
from maestro_mcp.config import Settings
from maestro_mcp.services import Services, open_services
from maestro_mcp.transports.http import build_app
from tests.e2e.test_sse_http import read_events
from tests.fakes.fake_openai import FakeOpenAI, Reply

pytestmark = pytest.mark.anyio

TEMPO = "set the tempo to 92"
BASS = "STORI PROMPT\nMode: compose\nStyle: house\nRole: [bass]\nConstraints: {bars: 2}\n"


@asynccontextmanager
async def serving(tmp_path: Path, **extra: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    settings = Settings(data_dir=tmp_path, _env_file=None, **extra)  # type: ignore[call-arg]
    async with open_services(settings) as services:
        app = build_app(services, host="127.0.0.1", port=0, auth=True)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve)
            with anyio.fail_after(10):
                while not server.started:
                    await anyio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            try:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                    yield client, services
            finally:
                server.should_exit = True


def auth(services: Services, user: str = "alice", **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(services.token_secret, user, **claims)}"}


async def stream(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **body: Any
) -> list[dict[str, Any]]:
    with anyio.fail_after(60):
        async with client.stream("POST", path, headers=headers, json=body) as response:
            assert response.status_code == 200, await response.aread()
            return (await read_events(response))[0]


async def test_messages_stores_the_turn(tmp_path: Path) -> None:
    async with serving(tmp_path) as (client, services):
        me, other = auth(services), auth(services, "bob")
        created = await client.post("/api/v1/conversations", json={}, headers=me)
        cid = created.json()["id"]
        path = f"/api/v1/conversations/{cid}/messages"
        # 404 before the stream: unknown, not a UUID, or another principal's.
        for url, who in ((f"/api/v1/conversations/{uuid.uuid4()}/messages", me),
                         ("/api/v1/conversations/nope/messages", me), (path, other)):  # fmt: skip
            refused = await client.post(url, json={"prompt": TEMPO}, headers=who)
            assert (refused.status_code, refused.json()["detail"]["code"]) == (404, "CONVERSATION_NOT_FOUND")

        events = await stream(client, path, me, prompt=TEMPO)
        assert events[-1]["type"] == "complete" and events[-1]["success"] is True
        # /maestro/stream with a conversationId reads the history and stores nothing (http-api.md §6).
        await stream(client, "/api/v1/maestro/stream", me, prompt="set the tempo to 100", conversationId=cid)
        await stream(client, path, me, prompt="mute the bass", storePrompt=False)

        conversation = (await client.get(f"/api/v1/conversations/{cid}", headers=me)).json()
        assert conversation["title"] == TEMPO
        messages = conversation["messages"]
        assert [(m["role"], m["content"]) for m in messages[::2]] == [
            ("user", TEMPO),
            ("user", "[content not stored]"),
        ]
        turn = messages[1]
        assert turn["role"] == "assistant" and turn["content"]
        assert [(c["name"], c["arguments"]) for c in turn["toolCalls"]] == [
            ("stori_set_tempo", {"tempo": 92})
        ]
        assert [(a["actionType"], a["success"]) for a in turn["actions"]] == [("stori_set_tempo", True)]
        assert turn["sseEvents"] == events
        assert turn["offersComposition"] is False and messages[0]["offersComposition"] is None


async def test_the_history_reaches_the_llm(tmp_path: Path) -> None:
    """A question in a conversation: the LLM answerer gets the earlier turns before the new question."""
    first, second = "how do I add a reverb send?", "and how do I mute a track?"
    async with FakeOpenAI(lambda body: Reply(content=["Use the Reverb bus."])) as fake:
        llm = {"llm_api_key": "sk-fake", "llm_base_url": fake.base_url, "llm_model": "fake/model"}
        async with serving(tmp_path, **llm) as (client, services):
            me = auth(services)
            cid = (await client.post("/api/v1/conversations", json={}, headers=me)).json()["id"]
            path = f"/api/v1/conversations/{cid}/messages"
            await stream(client, path, me, prompt=first)
            events = await stream(client, path, me, prompt=second)
            assert events[0]["state"] == "reasoning" and events[0]["deterministic"] is False
            messages = fake.bodies[-1]["messages"]
            assert [m["role"] for m in messages[1:3]] == ["user", "assistant"]
            assert messages[1]["content"] == first and messages[2]["content"].startswith(
                "Use the Reverb bus."
            )
            assert second in messages[-1]["content"]
            stored = (await client.get(f"/api/v1/conversations/{cid}", headers=me)).json()["messages"]
            assert [m["modelUsed"] for m in stored] == [None, "fake/model", None, "fake/model"]


async def test_ledger_budget_before_and_after_the_stream(tmp_path: Path) -> None:
    async with serving(tmp_path) as (client, services):
        me, admin = auth(services), auth(services, "root", role="admin")
        before = (await client.get("/api/v1/maestro/budget/status", headers=me)).json()
        events = await stream(client, "/api/v1/maestro/stream", me, prompt=TEMPO)
        budget = next(e for e in events if e["type"] == "budgetUpdate")
        assert budget["budgetRemaining"] == before["remaining"] and budget["cost"] == 0
        after = (await client.get("/api/v1/maestro/budget/status", headers=me)).json()
        assert after["sessionsUsed"] == before["sessionsUsed"] + 1  # the ledger, not a static figure

        emptied = await client.post("/api/v1/users/alice/budget", json={"budgetCents": 0}, headers=admin)
        assert emptied.status_code == 200, emptied.text
        refused = await client.post("/api/v1/maestro/stream", json={"prompt": TEMPO}, headers=me)
        detail = refused.json()["detail"]
        assert (refused.status_code, detail["code"], detail["budgetRemaining"]) == (
            402,
            "BUDGET_EXHAUSTED",
            0,
        )


async def test_propose_stream_commit_yields_the_proposed_notes(tmp_path: Path) -> None:
    async with serving(tmp_path) as (client, services):
        me = auth(services)
        project, version = await services.projects.read("alice")
        body = {"projectId": project.id, "baseStateId": str(version), "intent": BASS, "seed": 7}
        answer = await client.post("/api/v1/variation/propose", json=body, headers=me)
        assert answer.status_code == 200, answer.text
        with anyio.fail_after(60):
            async with client.stream("GET", answer.json()["streamUrl"], headers=me) as response:
                events = (await read_events(response))[0]
        types = [e["type"] for e in events]
        assert types[0] == "meta" and types[-1] == "done" and events[-1]["status"] == "ready"
        phrases = [e for e in events if e["type"] == "phrase"]
        assert phrases and all(e["seq"] == i for i, e in enumerate(events, start=1))
        proposed = sorted(
            (c["after"]["pitch"], c["after"]["startBeat"])
            for p in phrases
            for c in p["noteChanges"]
            if c["after"]
        )
        assert proposed
        commit = {"projectId": project.id, "baseStateId": str(version), "variationId": answer.json()["variationId"],
                  "acceptedPhraseIds": [p["phraseId"] for p in phrases]}  # fmt: skip
        committed = await client.post("/api/v1/variation/commit", json=commit, headers=me)
        assert committed.status_code == 200, committed.text
        regions = committed.json()["updatedRegions"]
        assert sorted((n["pitch"], n["startBeat"]) for r in regions for n in r["notes"]) == proposed
        stored, _ = await services.projects.read("alice")
        assert [t.name for t in stored.tracks] and sum(
            len(r.notes) for t in stored.tracks for r in t.regions
        ) == len(proposed)


async def test_propose_refuses_a_question(tmp_path: Path) -> None:
    async with serving(tmp_path) as (client, services):
        me = auth(services)
        project, version = await services.projects.read("alice")
        body = {"projectId": project.id, "baseStateId": version, "intent": "what is a compressor?"}
        answer = (await client.post("/api/v1/variation/propose", json=body, headers=me)).json()
        with anyio.fail_after(60):
            async with client.stream("GET", answer["streamUrl"], headers=me) as response:
                events = (await read_events(response))[0]
        assert [(e["type"], e.get("error")) for e in events] == [
            ("error", "INTENT_NOT_SUPPORTED"),
            ("done", None),
        ]
        assert events[-1]["status"] == "failed"
