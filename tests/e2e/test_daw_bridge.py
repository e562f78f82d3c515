"""The DAW bridge end to end, with real processes: ``maestro-mcp serve``, ``maestro-mcp daw`` clients, and
MCP clients over streamable HTTP and over the stdio relay (``stdio --connect``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.e2e.processes import REPO, HttpServer, child_env, create_token, stop_process
from tests.e2e.test_http import mcp_client

pytestmark = pytest.mark.anyio

TIMEOUT = 120
PROJECT_FILE = "daw-project.json"


@contextmanager
def daw_client(
    server: HttpServer, token: str, data_dir: Path, log_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``maestro-mcp daw`` against ``server``; stopped (terminate, then kill) on the way out."""
    url = f"ws://127.0.0.1:{server.port}/api/v1/mcp/daw"
    log = log_dir / f"daw-{data_dir.name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "maestro_mcp", "daw", "--url", url, "--token", token,
             "--data-dir", str(data_dir), "--export-dir", str(data_dir / "export")],
            cwd=REPO, env=child_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)  # a stopped process cannot act on SIGTERM
        stop_process(process)


def rest_call(server: HttpServer, token: str, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base}/api/v1/mcp/tools/{tool}/call",
        json={"arguments": arguments},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["structuredContent"]
    return body


async def wait_for_daw(server: HttpServer, token: str) -> None:
    """Until the token's principal has a DAW that pushed its state (reads come from the mirror)."""
    with anyio.fail_after(TIMEOUT):
        while rest_call(server, token, "stori_read_project", {}).get("source") != "dawSnapshot":
            await anyio.sleep(0.2)


async def wait_for_file(
    path: Path, contains: str, ready: Callable[[dict[str, Any]], bool] = lambda _: True
) -> dict[str, Any]:
    """The DAW client's saved project, once it contains ``contains`` and ``ready`` holds (the client saves
    after each burst of calls, so an early save may hold only the first calls)."""
    with anyio.fail_after(TIMEOUT):
        while True:
            if path.exists():
                text = path.read_text(encoding="utf-8")
                if contains in text:
                    loaded: dict[str, Any] = json.loads(text)
                    if ready(loaded):
                        return loaded
            await anyio.sleep(0.1)


async def test_forwarded_calls_land_in_the_daw_client_and_come_back_whole(
    tmp_path: Path, start_server: Callable[..., HttpServer]
) -> None:
    server = start_server(tmp_path / "server")
    alice = create_token(server.data_dir, "alice")
    with daw_client(server, alice, tmp_path / "alice-daw", tmp_path):
        await wait_for_daw(server, alice)
        with anyio.fail_after(TIMEOUT):
            async with mcp_client(f"{server.base}/mcp", alice) as client:
                track = (await client.call_tool("stori_add_midi_track", {"name": "Bass"})).structured_content
                assert track is not None and track["ok"] is True and track["executedBy"] == "daw"
                daw_result = track["dawResult"]
                # The DAW's own result, whole: it ran the call with the ids and inferences the server sent.
                assert daw_result["success"] is True and daw_result["trackId"] == track["trackId"]
                assert (daw_result["gmProgram"], track["gmProgram"]) == (33, 33)
                region = (await client.call_tool(
                    "stori_add_midi_region", {"trackId": "Bass", "startBeat": 0, "durationBeats": 8}
                )).structured_content  # fmt: skip
                assert region is not None and region["dawResult"]["regionId"] == region["regionId"]
                notes = [{"pitch": 36, "startBeat": b, "durationBeats": 0.5} for b in range(4)]
                added = (await client.call_tool(
                    "stori_add_notes", {"regionId": region["regionId"], "notes": notes}
                )).structured_content  # fmt: skip
                assert added is not None and added["ok"] is True and added["stateVersion"] == 3
                read = (
                    await client.call_tool("stori_read_project", {"include_notes": True})
                ).structured_content
                assert read is not None and read["source"] == "dawSnapshot"
                assert [len(r["notes"]) for r in read["project"]["tracks"][0]["regions"]] == [4]

        saved = await wait_for_file(
            tmp_path / "alice-daw" / PROJECT_FILE, region["regionId"],
            ready=lambda p: bool(p["tracks"] and p["tracks"][0]["regions"][0]["notes"]),
        )
        assert [t["name"] for t in saved["tracks"]] == ["Bass"]
        assert len(saved["tracks"][0]["regions"][0]["notes"]) == 4
        assert list((tmp_path / "alice-daw" / "export").glob("*.mid"))


async def test_killing_the_daw_mid_call_gives_daw_unavailable(
    tmp_path: Path, start_server: Callable[..., HttpServer]
) -> None:
    server = start_server(tmp_path / "server")
    alice = create_token(server.data_dir, "alice")
    with daw_client(server, alice, tmp_path / "alice-daw", tmp_path) as process:
        await wait_for_daw(server, alice)
        os.kill(process.pid, signal.SIGSTOP)  # the DAW stops answering; the socket stays open
        with anyio.fail_after(TIMEOUT):
            async with mcp_client(f"{server.base}/mcp", alice) as client, anyio.create_task_group() as tg:
                outcome: dict[str, Any] = {}

                async def call() -> None:
                    result = await client.call_tool("stori_set_tempo", {"tempo": 133})
                    outcome.update(result.structured_content or {})

                tg.start_soon(call)
                await anyio.sleep(1.0)  # let the call reach the stopped DAW's socket
                process.kill()
        # Well before the 30 s DAW timeout: the disconnect itself ends the call.
        assert outcome["ok"] is False and outcome["executedBy"] == "daw"
        assert outcome["errors"][0]["code"] == "DAW_UNAVAILABLE"
        assert "disconnected before responding" in outcome["errors"][0]["message"]
    # With no DAW left the call runs headless again (STORI_DAW_MODE=auto).
    assert rest_call(server, alice, "stori_set_tempo", {"tempo": 90})["executedBy"] == "headless"


async def test_two_principals_with_two_daws_never_cross(
    tmp_path: Path, start_server: Callable[..., HttpServer]
) -> None:
    server = start_server(tmp_path / "server")
    alice, bob = create_token(server.data_dir, "alice"), create_token(server.data_dir, "bob")
    with (
        daw_client(server, alice, tmp_path / "alice-daw", tmp_path),
        daw_client(server, bob, tmp_path / "bob-daw", tmp_path),
    ):
        await wait_for_daw(server, alice)
        await wait_for_daw(server, bob)
        with anyio.fail_after(TIMEOUT):
            async with (
                mcp_client(f"{server.base}/mcp", alice) as a,
                mcp_client(f"{server.base}/mcp", bob) as b,
            ):
                async with anyio.create_task_group() as tg:
                    for client, name in ((a, "Alice Keys"), (b, "Bob Drums"), (a, "Alice Pad")):
                        tg.start_soon(client.call_tool, "stori_add_midi_track", {"name": name})
                # A name of the other principal's project does not resolve here.
                crossed = (
                    await b.call_tool("stori_mute_track", {"trackId": "Alice Keys", "muted": True})
                ).structured_content
                assert crossed is not None and crossed["errors"][0]["code"] == "ENTITY_NOT_FOUND"

        saved_alice = await wait_for_file(tmp_path / "alice-daw" / PROJECT_FILE, "Alice Pad")
        saved_bob = await wait_for_file(tmp_path / "bob-daw" / PROJECT_FILE, "Bob Drums")
        assert sorted(t["name"] for t in saved_alice["tracks"]) == ["Alice Keys", "Alice Pad"]
        assert [t["name"] for t in saved_bob["tracks"]] == ["Bob Drums"]
        read_bob = rest_call(server, bob, "stori_read_project", {})
        assert [t["name"] for t in read_bob["project"]["tracks"]] == ["Bob Drums"]


async def test_stdio_relay_reaches_the_connected_daw(
    tmp_path: Path, start_server: Callable[..., HttpServer]
) -> None:
    server = start_server(tmp_path / "server")
    alice = create_token(server.data_dir, "alice")
    relay = StdioServerParameters(
        command=sys.executable,
        args=["-m", "maestro_mcp", "stdio", "--connect", server.base, "--token", alice],
        env=child_env(),
        cwd=REPO,
    )
    with daw_client(server, alice, tmp_path / "alice-daw", tmp_path):
        await wait_for_daw(server, alice)
        with anyio.fail_after(TIMEOUT):
            async with Client(relay) as client:
                added = (
                    await client.call_tool("stori_add_midi_track", {"name": "Relay Lead"})
                ).structured_content
                assert (
                    added is not None
                    and added["executedBy"] == "daw"
                    and added["dawResult"]["success"] is True
                )
                bad = (await client.call_tool("stori_set_tempo", {"tempo": 999})).structured_content
                assert bad is not None and bad["errors"][0]["code"] == "VALUE_OUT_OF_RANGE"
                resource = (await client.read_resource("stori://project/current")).contents[0]
                assert "Relay Lead" in resource.text  # type: ignore[union-attr]
        await wait_for_file(tmp_path / "alice-daw" / PROJECT_FILE, "Relay Lead")

    # The server gone: DAW_UNAVAILABLE with the reason, not a crash.
    server.stop()
    with anyio.fail_after(TIMEOUT):
        async with Client(relay) as client:
            gone = (await client.call_tool("stori_set_tempo", {"tempo": 100})).structured_content
            assert gone is not None and gone["errors"][0]["code"] == "DAW_UNAVAILABLE"
