"""The /api/v1/variation/* routes (http-api.md §8, variations.md §6) over a real Starlette app: in-process
through httpx's ASGI transport for the many status codes, then once over a real uvicorn socket on
127.0.0.1 for the live stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from maestro_mcp.agent.variation import Proposal, ProposalRequest, VariationService
from maestro_mcp.auth import create_token
from maestro_mcp.config import Settings
from maestro_mcp.daw.headless import apply
from maestro_mcp.server import build_server
from maestro_mcp.services import Services, memory_services
from maestro_mcp.store.db import Database
from maestro_mcp.transports import variations
from maestro_mcp.transports.rest import ApiContext, ApiError, api_error_handler

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # uvicorn serves on asyncio


async def add_bass(request: ProposalRequest) -> Proposal:
    p = request.project
    track = apply(p, "stori_add_midi_track", {"name": "Bass"})["trackId"]
    region = apply(p, "stori_add_midi_region", {"trackId": track, "startBeat": 0, "durationBeats": 16})["regionId"]
    apply(p, "stori_add_notes", {"regionId": region, "notes": [{"pitch": 40, "startBeat": 0, "durationBeats": 2}]})
    return Proposal(project=p)


class World:
    def __init__(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path, access_token_secret="k" * 64, _env_file=None)  # type: ignore[call-arg]
        self.services: Services = memory_services(settings)
        self.db = Database(f"sqlite:///{tmp_path / 'maestro.db'}")
        self.db.create_all()
        self.gate = anyio.Event()
        self.gated = False

        async def proposer(request: ProposalRequest) -> Proposal:
            if self.gated:
                await self.gate.wait()
            return await add_bass(request)

        self.variations = VariationService(self.db, self.services.projects, proposer=proposer)
        api = ApiContext(services=self.services, server=build_server(self.services), auth=True)
        self.app = Starlette(routes=variations.routes(api, self.variations), exception_handlers={ApiError: api_error_handler})

    def auth(self, who: str = "alice") -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(self.services.token_secret, who)}"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.db.dispose()


@asynccontextmanager
async def asgi(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        world.variations.running(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://test") as client,
    ):
        yield client


def events_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[len("data: "):]) for line in text.split("\n\n") if line.startswith("data: ")]


async def ready_variation(world: World, client: httpx.AsyncClient) -> dict[str, Any]:
    project, version = await world.services.projects.read("alice")
    body = {"projectId": project.id, "baseStateId": str(version), "intent": "add a bass line"}
    answer = (await client.post("/api/v1/variation/propose", json=body, headers=world.auth())).json()
    with anyio.fail_after(10):
        stream = await client.get(answer["streamUrl"], headers=world.auth())
    assert stream.headers["content-type"].startswith("text/event-stream") and stream.headers["cache-control"] == "no-cache"
    assert [e["type"] for e in events_of(stream.text)] == ["meta", "phrase", "done"]
    return dict((await client.get(f"/api/v1/variation/{answer['variationId']}", headers=world.auth())).json())


def detail(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"detail"}
    return dict(body["detail"])


async def test_propose_get_commit_over_http(world: World) -> None:
    async with asgi(world) as client:
        variation = await ready_variation(world, client)
        assert variation["status"] == "ready" and variation["phrases"][0]["sequence"] == 2
        assert variation["phrases"][0]["noteChanges"][0]["before"] is None
        commit = {
            "project_id": variation["projectId"], "baseStateId": 0, "variationId": variation["variationId"],
            "acceptedPhraseIds": [variation["phrases"][0]["phraseId"]],
        }  # fmt: skip
        answer = await client.post("/api/v1/variation/commit", json=commit, headers=world.auth())
        assert answer.status_code == 200, answer.text
        assert answer.json()["newStateId"] == "1"
        assert answer.json()["updatedRegions"][0]["notes"] == [
            {"pitch": 40, "startBeat": 0.0, "durationBeats": 2.0, "velocity": 100, "channel": 0}
        ]
        project, _ = await world.services.projects.read("alice")
        assert [t.name for t in project.tracks] == ["Bass"]
        again = await client.post("/api/v1/variation/commit", json=commit, headers=world.auth())
        assert (again.status_code, detail(again)["code"], detail(again)["error"]) == (409, "ALREADY_COMMITTED", "Already committed")
        discard = {"projectId": variation["projectId"], "variationId": variation["variationId"]}
        refused = await client.post("/api/v1/variation/discard", json=discard, headers=world.auth())
        assert (refused.status_code, detail(refused)["currentStatus"]) == (409, "committed")


async def test_http_refusals(world: World) -> None:
    async with asgi(world) as client:
        variation = await ready_variation(world, client)
        vid, pid = variation["variationId"], variation["projectId"]
        post = client.post
        unauthenticated = await post("/api/v1/variation/propose", json={})
        assert unauthenticated.status_code == 401 and unauthenticated.headers["www-authenticate"] == "Bearer"
        not_json = await post("/api/v1/variation/commit", content=b"[1]", headers=world.auth())
        assert (not_json.status_code, detail(not_json)["code"]) == (400, "INVALID_JSON")

        fields = await post("/api/v1/variation/propose", headers=world.auth(),
                            json={"baseStateId": "x", "intent": "", "options": {"barSize": 40, "phraseGrouping": "beats"},
                                  "scope": {"beatRange": [8, 4]}})  # fmt: skip
        assert fields.status_code == 422 and detail(fields)["code"] == "VALIDATION_ERROR"
        assert sorted((e["field"], e["code"]) for e in detail(fields)["errors"]) == [
            ("baseStateId", "INVALID_VALUE"), ("intent", "INVALID_VALUE"), ("options.barSize", "VALUE_OUT_OF_RANGE"),
            ("options.phraseGrouping", "INVALID_ENUM"), ("projectId", "MISSING_REQUIRED"), ("scope.beatRange", "INVALID_VALUE"),
        ]  # fmt: skip
        unknown_project = await post("/api/v1/variation/propose", headers=world.auth(),
                                     json={"projectId": "nope", "baseStateId": 0, "intent": "x"})  # fmt: skip
        assert (unknown_project.status_code, detail(unknown_project)["projectId"]) == (404, "nope")
        stale = await post("/api/v1/variation/propose", headers=world.auth(),
                           json={"projectId": pid, "baseStateId": "7", "intent": "x"})  # fmt: skip
        assert (stale.status_code, detail(stale)["code"], detail(stale)["currentStateId"]) == (409, "STATE_CONFLICT", "0")
        parse = await post("/api/v1/variation/propose", headers=world.auth(),
                           json={"projectId": pid, "baseStateId": 0, "intent": "STORI PROMPT\nMode: [x"})  # fmt: skip
        assert (parse.status_code, detail(parse)["code"]) == (400, "PROMPT_PARSE_ERROR") and "line" in detail(parse)

        base = {"projectId": pid, "baseStateId": "0", "variationId": vid}
        cases = [
            ({**base, "acceptedPhraseIds": []}, 422, "VALIDATION_ERROR"),
            ({**base, "acceptedPhraseIds": ["zz"]}, 400, "INVALID_PHRASE_IDS"),
            ({**base, "baseStateId": 3, "force": True, "acceptedPhraseIds": ["zz"]}, 409, "BASELINE_MISMATCH"),
            ({**base, "variationId": "other", "acceptedPhraseIds": ["zz"]}, 404, "VARIATION_NOT_FOUND"),
            ({**base, "acceptedPhraseIds": "zz"}, 422, "VALIDATION_ERROR"),
        ]
        for body, status, code in cases:
            response = await post("/api/v1/variation/commit", json=body, headers=world.auth())
            assert (response.status_code, detail(response)["code"]) == (status, code), body
        bob = await post("/api/v1/variation/commit", json={**base, "acceptedPhraseIds": ["zz"]}, headers=world.auth("bob"))
        assert bob.status_code == 404
        assert (await client.get(f"/api/v1/variation/{vid}", headers=world.auth("bob"))).status_code == 404
        missing = await client.get("/api/v1/variation/stream?variation_id=nope", headers=world.auth())
        assert (missing.status_code, detail(missing)["variationId"]) == (404, "nope")
        no_id = await client.get("/api/v1/variation/stream?from_sequence=-1", headers=world.auth())
        assert no_id.status_code == 422 and len(detail(no_id)["errors"]) == 2

        # Discard: unknown ids are fine, ready becomes discarded, a second discard is fine too.
        for body in ({"projectId": pid, "variationId": "unknown"}, {"projectId": pid, "variationId": vid}, {"projectId": pid, "variationId": vid}):
            assert (await post("/api/v1/variation/discard", json=body, headers=world.auth())).json() == {"ok": True}
        assert (await client.get(f"/api/v1/variation/{vid}", headers=world.auth())).json()["status"] == "discarded"
        gone = await post("/api/v1/variation/commit", json={**base, "acceptedPhraseIds": ["zz"]}, headers=world.auth())
        assert (gone.status_code, detail(gone)["code"], detail(gone)["currentStatus"]) == (409, "INVALID_STATE", "discarded")


async def test_live_stream_over_uvicorn(world: World) -> None:
    world.gated = True
    config = uvicorn.Config(world.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    async with world.variations.running(), anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        with anyio.fail_after(20):
            while not server.started:
                await anyio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, headers=world.auth()) as client:
                project, _ = await world.services.projects.read("alice")
                answer = (await client.post("/api/v1/variation/propose",
                                            json={"projectId": project.id, "baseStateId": 0, "intent": "bass"})).json()  # fmt: skip
                token = world.auth()["Authorization"].split()[1]
                url = f"{answer['streamUrl']}&token={token}"
                received: list[dict[str, Any]] = []
                async with httpx.AsyncClient(base_url=base) as anonymous, anonymous.stream("GET", url) as stream:
                    assert stream.status_code == 200
                    world.gate.set()  # the proposal finishes only now: its events arrive live
                    async for line in stream.aiter_lines():
                        if line.startswith("data: "):
                            received.append(json.loads(line[6:]))
                assert [(e["type"], e["seq"]) for e in received] == [("meta", 1), ("phrase", 2), ("done", 3)]
                commit = {"projectId": project.id, "baseStateId": "0", "variationId": answer["variationId"],
                          "acceptedPhraseIds": [received[1]["phraseId"]]}  # fmt: skip
                committed = await client.post("/api/v1/variation/commit", json=commit)
                assert committed.status_code == 200 and committed.json()["newStateId"] == "1"
        server.should_exit = True
