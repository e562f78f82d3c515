"""Default UI content routes (http-api.md §4.1–4.3) over a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from maestro_mcp.config import Settings
from maestro_mcp.prompts import parse_stori_prompt
from maestro_mcp.server import build_server
from maestro_mcp.services import memory_services
from maestro_mcp.transports.rest import ApiContext, ApiError, api_error_handler
from maestro_mcp.transports.ui_routes import routes

pytestmark = pytest.mark.anyio

TIMEOUT = 20
PLACEHOLDERS = [
    "Describe a groove…", "Build a cinematic swell…", "Lay down a lo-fi beat at 75 BPM…",
    "Add a warm pad under the chorus…", "Make the drums hit harder…", "Write a walking bass in F…",
    "Sketch an 8-bar techno drop…", "Give the verse a dreamy melody…", "Open the filter over the build…",
    "Try a bossa nova with nylon guitar…", "Paste a STORI PROMPT…", "Ask how sidechain works…",
]  # fmt: skip
SECTION_ORDER = ["Mode", "Section", "Style", "Key", "Tempo", "Role", "Constraints", "Vibe", "Request"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # uvicorn runs on asyncio


@asynccontextmanager
async def serving(tmp_path: Path, *, auth: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """The routes in a Starlette app served by uvicorn on a loopback socket; an httpx client for it."""
    services = memory_services(Settings(data_dir=tmp_path))
    api = ApiContext(services=services, server=build_server(services), auth=auth)
    app = Starlette(routes=routes(api), exception_handlers={ApiError: api_error_handler})
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, anyio.fail_after(TIMEOUT):
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                while not server.started:
                    await anyio.sleep(0.01)
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                    yield client
            finally:
                server.should_exit = True


async def test_placeholders_are_public_and_cacheable(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        response = await client.get("/api/v1/maestro/ui/placeholders")
    assert response.status_code == 200
    assert response.json() == {"placeholders": PLACEHOLDERS}
    assert response.headers["cache-control"] == "public, max-age=3600"


async def test_inspiration_cards_draw_four_distinct_parseable_cards(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        response = await client.get("/api/v1/maestro/prompts")  # no Authorization header: public
        seeded = [(await client.get("/api/v1/maestro/prompts", params={"seed": 7})).json() for _ in range(2)]
        other = (await client.get("/api/v1/maestro/prompts", params={"seed": 8})).json()
        bad = await client.get("/api/v1/maestro/prompts", params={"seed": "soon"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    cards = response.json()["prompts"]
    assert len(cards) == 4 and len({card["id"] for card in cards}) == 4
    for card in cards:
        assert set(card) == {"id", "title", "preview", "fullPrompt"}
        prompt = parse_stori_prompt(card["fullPrompt"])
        assert prompt is not None and prompt.mode == "compose"
        assert card["title"].endswith(f" · {prompt.key} · {prompt.tempo:g} BPM")
        assert len(card["preview"].split("\n")) == 4
    assert seeded[0] == seeded[1] and seeded[0] != other
    assert bad.status_code == 422
    assert bad.json()["detail"]["code"] == "VALIDATION_ERROR"
    assert bad.json()["detail"]["errors"][0]["field"] == "seed"


async def test_prompt_template_by_id(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        response = await client.get("/api/v1/maestro/prompts/lofi_chill")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["id", "title", "fullPrompt", "sections"]
    assert (body["id"], body["title"]) == ("lofi_chill", "Lo-fi Chill")
    assert [s["heading"] for s in body["sections"]] == SECTION_ORDER
    assert body["fullPrompt"] == "\n".join(
        ["STORI PROMPT", *(f"{s['heading']}: {s['content']}" for s in body["sections"])]
    )
    prompt = parse_stori_prompt(body["fullPrompt"])
    assert prompt is not None
    assert (prompt.style, prompt.key, prompt.tempo, prompt.bars) == ("lofi hip hop", "Am", 80, 8)


async def test_card_id_on_the_template_route_returns_the_card_with_sections(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        response = await client.get("/api/v1/maestro/prompts/neo_soul_pocket_groove")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "title", "preview", "fullPrompt", "sections"} <= set(body)
    assert body["title"] == "Neo-soul pocket groove · Fm · 92 BPM"
    assert body["sections"][0] == {"heading": "Mode", "content": "compose"}


async def test_unknown_prompt_is_a_404_in_the_detail_envelope(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        response = await client.get("/api/v1/maestro/prompts/polka_party")
    assert response.status_code == 404
    assert response.json() == {
        "detail": {
            "code": "TEMPLATE_NOT_FOUND",
            "error": "Template not found",
            "message": "Prompt 'polka_party' not found.",
        }
    }


async def test_routes_are_public_even_when_the_server_requires_tokens(tmp_path: Path) -> None:
    # http-api.md §1.1: the default-UI content is public; a bad token is not even looked at.
    async with serving(tmp_path, auth=True) as client:
        headers = {"Authorization": "Bearer not-a-token"}
        for path in (
            "/api/v1/maestro/ui/placeholders",
            "/api/v1/maestro/prompts",
            "/api/v1/maestro/prompts/ambient",
        ):
            assert (await client.get(path, headers=headers)).status_code == 200
