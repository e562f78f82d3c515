"""After a server restart on the same data dir, users, tokens, budgets, conversations, variations and headless
projects are all still there (issue 5): a real ``maestro-mcp serve`` process, stopped and started again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.e2e.processes import HttpServer, create_token, run_cli

pytestmark = pytest.mark.anyio

TEMPO = "set the tempo to 92"
BASS = "STORI PROMPT\nMode: compose\nStyle: house\nRole: [bass]\nConstraints: {bars: 2}\n"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def stream(client: httpx.AsyncClient, path: str, token: str, **body: Any) -> list[dict[str, Any]]:
    async with client.stream("POST", path, headers=bearer(token), json=body) as response:
        assert response.status_code == 200, await response.aread()
        raw = (await response.aread()).decode()
    return [json.loads(f[len("data: ") :]) for f in raw.split("\n\n") if f.startswith("data: ")]


async def snapshot(client: httpx.AsyncClient, token: str, cid: str, vid: str) -> dict[str, Any]:
    """Everything the first server made, read back over HTTP."""
    auth = bearer(token)

    async def get(path: str) -> Any:
        answer = await client.get(path, headers=auth)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    tokens = await get("/api/v1/users/me/tokens")
    return {
        "user": await get("/api/v1/users/me"),
        "tokens": sorted((t["id"], t["revoked"], t["expiresAt"]) for t in tokens["tokens"]),
        "budget": await get("/api/v1/maestro/budget/status"),
        "conversation": await get(f"/api/v1/conversations/{cid}"),
        "variation": await get(f"/api/v1/variation/{vid}"),
        "project": await get("/api/v1/projects/current?include_notes=true"),
    }


async def test_restart_keeps_everything(tmp_path: Path, start_server: Callable[..., HttpServer]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data)
    token = create_token(data, "alice")
    done = run_cli(
        "token", "create", "--user", "root", "--role", "admin", "--data-dir", str(data), "--days", "1"
    )
    assert done.returncode == 0, done.stderr
    admin = done.stdout.strip().splitlines()[-1]

    with anyio.fail_after(120):
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
            registered = await client.post("/api/v1/users/register", json={}, headers=bearer(token))
            assert registered.status_code == 200, registered.text
            budget = await client.post(
                "/api/v1/users/alice/budget", json={"budgetCents": 1234}, headers=bearer(admin)
            )
            assert budget.status_code == 200, budget.text
            cid = (await client.post("/api/v1/conversations", json={}, headers=bearer(token))).json()["id"]
            turn = await stream(client, f"/api/v1/conversations/{cid}/messages", token, prompt=TEMPO)
            assert turn[-1]["success"] is True
            composed = await stream(client, "/api/v1/maestro/stream", token, prompt=BASS, seed=5)
            vid = composed[-1]["variationId"]
            added = await client.post("/api/v1/mcp/tools/stori_add_midi_track/call",
                                      json={"arguments": {"name": "Keys"}}, headers=bearer(token))  # fmt: skip
            assert added.status_code == 200, added.text
            before = await snapshot(client, token, cid, vid)

    assert before["budget"]["remaining"] == 12.34 and before["budget"]["sessionsUsed"] == 2
    assert len(before["conversation"]["messages"]) == 2 and before["variation"]["status"] == "ready"
    project = before["project"]["project"]
    assert before["tokens"] and project["tempo"] == 92 and before["project"]["source"] == "headless"
    assert [t["name"] for t in project["tracks"]] == ["Keys"]

    server.stop()
    again = start_server(data)
    with anyio.fail_after(120):
        async with httpx.AsyncClient(base_url=again.base, timeout=60) as client:
            after = await snapshot(client, token, cid, vid)
    assert after == before
