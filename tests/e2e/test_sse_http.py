"""The Stori SSE stream over real HTTP: uvicorn on 127.0.0.1, httpx streaming, a real SQLite data dir.

The app is ``transports.http.build_app`` with the SSE routes added in front (until the lead mounts them).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from maestro_mcp.agent.events import Emitter, StatusEvent
from maestro_mcp.agent.variation import VariationService
from maestro_mcp.auth import create_token
from maestro_mcp.config import Settings
from maestro_mcp.services import Services, open_services
from maestro_mcp.transports import sse
from maestro_mcp.transports.http import build_app
from tests.agent.stream_support import check_envelope, check_teams

pytestmark = pytest.mark.anyio

TEAMS = "STORI PROMPT\nMode: compose\nStyle: house\nRole: [drums, bass]\nConstraints: {bars: 2}\n"
LONG = (
    "STORI PROMPT\nMode: compose\nStyle: techno\nRole: [drums, bass, lead, pads]\nConstraints: {bars: 128}\n"
)


@asynccontextmanager
async def serving(tmp_path: Path, **settings: Any) -> AsyncIterator[tuple[str, Services]]:
    async with open_services(Settings(data_dir=tmp_path, **settings)) as services:
        app = build_app(services, host="127.0.0.1", port=0, auth=True)
        app.router.routes[0:0] = sse.routes(app.state.api)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve)
            with anyio.fail_after(10):
                while not server.started:
                    await anyio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            try:
                yield f"http://127.0.0.1:{port}", services
            finally:
                server.should_exit = True


def auth(services: Services, user: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(services.token_secret, user)}"}


async def read_events(response: httpx.Response) -> tuple[list[dict[str, Any]], str]:
    raw = ""
    async for chunk in response.aiter_text():
        raw += chunk
    frames = [f for f in raw.split("\n\n") if f]
    events = [json.loads(f.removeprefix("data: ")) for f in frames if f.startswith("data: ")]
    assert all(f.startswith(("data: ", ": heartbeat")) and "\n" not in f for f in frames)
    return events, raw


async def test_compose_stream_over_http(tmp_path: Path) -> None:
    async with serving(tmp_path) as (url, services), httpx.AsyncClient(base_url=url, timeout=30) as client:
        with anyio.fail_after(60):
            async with client.stream("POST", "/api/v1/maestro/stream", headers=auth(services),
                                     json={"prompt": TEAMS, "seed": 3}) as response:  # fmt: skip
                assert response.status_code == 200
                assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
                assert (response.headers["cache-control"], response.headers["x-accel-buffering"]) == (
                    "no-cache",
                    "no",
                )
                events, _ = await read_events(response)
        check_envelope(events)
        check_teams(events)
        # The stream's own trace id comes first (the request-log middleware currently appends its own too).
        assert response.headers.get_list("x-trace-id")[0] == events[0]["traceId"] == events[-1]["traceId"]
        complete = events[-1]
        assert complete["success"] is True
        assert services.db is not None
        stored = await VariationService(services.db, services.projects).get("alice", complete["variationId"])
        assert (stored.status, len(stored.phrases)) == ("ready", complete["phraseCount"])
        project, version = await services.projects.read("alice")
        assert (project.tracks, version) == ([], 0), "a proposal never touches the project"

        # Accepting every phrase yields exactly the proposed notes, region by region.
        meta = next(e for e in events if e["type"] == "meta")
        service = VariationService(services.db, services.projects)
        await service.commit(
            "alice", project_id=meta["projectId"], variation_id=meta["variationId"],
            base_state_id=int(meta["baseStateId"]), accepted_phrase_ids=[p.phrase_id for p in stored.phrases],
        )  # fmt: skip
        project, _ = await services.projects.read("alice")
        proposed: dict[str, list[tuple[int, float, float, int]]] = {}
        for e in events:
            if e["type"] == "toolCall" and e["name"] == "stori_add_notes":
                proposed.setdefault(e["params"]["regionId"], []).extend(
                    (n["pitch"], n["startBeat"], n["durationBeats"], n["velocity"])
                    for n in e["params"]["notes"]
                )
        committed = {
            r.id: sorted((n.pitch, n.start_beat, n.duration_beats, n.velocity) for n in r.notes)
            for t in project.tracks
            for r in t.regions
        }
        assert committed == {k: sorted(v) for k, v in proposed.items()}
        assert [t.name for t in project.tracks] == ["Drums", "Bass"] and project.tempo == 124

        # The alias serves the same stream; EDITING applies to the headless project.
        async with client.stream("POST", "/api/v1/compose/stream", headers=auth(services),
                                 json={"prompt": "set the tempo to 92"}) as response:  # fmt: skip
            edit, _ = await read_events(response)
        check_envelope(edit)
        assert edit[-1]["success"] is True and (await services.projects.read("alice"))[0].tempo == 92


async def test_pre_stream_errors(tmp_path: Path) -> None:
    async with serving(tmp_path) as (url, services), httpx.AsyncClient(base_url=url, timeout=30) as client:
        path = "/api/v1/maestro/stream"
        r = await client.post(path, json={"prompt": "play"})
        assert (r.status_code, r.json()["detail"]["code"], r.headers["www-authenticate"]) == (
            401,
            "UNAUTHORIZED",
            "Bearer",
        )
        r = await client.post(path, content=b"{not json", headers=auth(services))
        assert (r.status_code, r.json()["detail"]["code"]) == (400, "INVALID_JSON")
        r = await client.post(path, json=["prompt"], headers=auth(services))
        assert (r.status_code, r.json()["detail"]["code"]) == (400, "INVALID_JSON")
        bad = {"prompt": "  ", "model": "gpt-x", "project": {"id": "p", "tracks": [
            {"id": "t", "regions": [{"id": "r", "startBeat": 0, "durationBeats": -1}]}]}}  # fmt: skip
        r = await client.post(path, json=bad, headers=auth(services))
        detail = r.json()["detail"]
        assert (r.status_code, detail["code"]) == (422, "VALIDATION_ERROR")
        assert {e["field"] for e in detail["errors"]} == {
            "prompt",
            "model",
            "project.tracks[0].regions[0].durationBeats",
        }
        r = await client.post("/api/v1/maestro/preview", json={"prompt": TEAMS}, headers=auth(services))
        body = r.json()
        assert (body["previewAvailable"], body["preview"]["totalSteps"]) == (True, 7)
        assert body["preview"]["toolCalls"][2]["params"]["trackId"] == "$1.trackId"
        r = await client.post(
            "/api/v1/maestro/preview", json={"prompt": "mute the bass"}, headers=auth(services)
        )
        assert (r.json()["previewAvailable"], r.json()["sseState"]) == (False, "editing")
        r = await client.post(
            "/api/v1/maestro/preview", json={"prompt": "STORI PROMPT\nMode: x\n"}, headers=auth(services)
        )
        assert (r.status_code, r.json()["detail"]["code"], r.json()["detail"]["line"]) == (
            400,
            "PROMPT_PARSE_ERROR",
            2,
        )

        codes = []
        for _ in range(20):
            r = await client.post(path, json={"prompt": "help"}, headers=auth(services, "bob"))
            codes.append(r.status_code)
        assert codes == [200] * 19 + [200]
        r = await client.post(path, json={"prompt": "help"}, headers=auth(services, "bob"))
        assert (r.status_code, r.json()["detail"]["code"]) == (429, "RATE_LIMITED")
        assert int(r.headers["retry-after"]) == r.json()["detail"]["retryAfterSeconds"] > 0


async def test_daw_mode_without_a_daw_is_409(tmp_path: Path) -> None:
    async with (
        serving(tmp_path, daw_mode="daw") as (url, services),
        httpx.AsyncClient(base_url=url) as client,
    ):
        r = await client.post("/api/v1/maestro/stream", json={"prompt": "play"}, headers=auth(services))
        assert (r.status_code, r.json()["detail"]["code"]) == (409, "DAW_UNAVAILABLE")
        # With a snapshot the client mirror is the context, whatever the DAW mode.
        async with client.stream("POST", "/api/v1/maestro/stream", headers=auth(services),
                                 json={"prompt": "set the tempo to 100", "project": {"id": "app-1"}}) as response:  # fmt: skip
            events, _ = await read_events(response)
        assert events[0]["applyTarget"] == "client" and events[-1]["success"] is True


async def test_concurrency_limit_and_disconnect_cancels_the_work(tmp_path: Path) -> None:
    async with serving(tmp_path) as (url, services), httpx.AsyncClient(base_url=url, timeout=30) as client:
        path = "/api/v1/maestro/stream"
        with anyio.fail_after(30):
            async with client.stream("POST", path, headers=auth(services), json={"prompt": LONG}) as first:
                lines = first.aiter_lines()
                assert (await anext(lines)).startswith('data: {"type":"state"')
                async with client.stream(
                    "POST", path, headers=auth(services), json={"prompt": LONG}
                ) as second:
                    assert second.status_code == 200
                    r = await client.post(path, headers=auth(services), json={"prompt": "help"})
                    assert (r.status_code, r.json()["detail"]["code"], r.json()["detail"]["limit"]) == (
                        429,
                        "TOO_MANY_CONCURRENT",
                        2,
                    )
            # Both clients hung up mid-stream: their agents are cancelled and the slots come back.
            while True:
                r = await client.post(path, headers=auth(services), json={"prompt": "help"})
                if r.status_code == 200:
                    break
                await anyio.sleep(0.05)


async def test_heartbeat_frames_and_the_end_of_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """The framing alone, at the ASGI level: a comment frame after each quiet spell, then the end."""
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.01)
    sent: list[MutableMapping[str, Any]] = []
    closed: list[bool] = []

    async def produce(emitter: Emitter) -> None:
        await emitter.emit(StatusEvent(message="one"))
        await anyio.sleep(0.1)  # quiet for ten heartbeat periods
        await emitter.emit(StatusEvent(message="two"))

    async def receive() -> MutableMapping[str, Any]:
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    with anyio.fail_after(10):
        await sse.EventStreamResponse(produce, "trace", lambda: closed.append(True))({}, receive, send)
    bodies = [m.get("body", b"") for m in sent if m["type"] == "http.response.body"]
    assert bodies[0].startswith(b'data: {"type":"status","seq":1,') and bodies[-1] == b""
    assert b": heartbeat\n\n" in bodies and bodies[-2].startswith(b'data: {"type":"status","seq":2,')
    assert closed == [True] and sent[-1]["more_body"] is False
