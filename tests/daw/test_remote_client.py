"""The headless DAW client (``maestro-mcp daw``) in-process against the bridge: calls, pushes, persistence,
export, reconnecting, and giving up on a refused token."""

from __future__ import annotations

import socket
from pathlib import Path

import anyio
import mido
import pytest

from maestro_mcp.auth import create_token
from maestro_mcp.daw.client import AuthenticationFailed, ClientOptions, HeadlessDawClient
from maestro_mcp.daw.model import Project
from maestro_mcp.daw.remote import execute_remote
from maestro_mcp.transports.daw_ws import DAW_PATH
from tests.daw.remote_support import SECRET, TIMEOUT, Bridge, serving_bridge

pytestmark = pytest.mark.anyio


def options(bridge: Bridge, tmp_path: Path, token: str | None) -> ClientOptions:
    return ClientOptions(
        url=bridge.url, token=token, data_dir=tmp_path / "daw", export_dir=tmp_path / "export",
        push_delay=0.01, initial_backoff=0.05, max_backoff=0.2,
    )  # fmt: skip


async def until(condition: object, timeout: float = TIMEOUT) -> None:
    with anyio.fail_after(timeout):
        while not condition():  # type: ignore[operator]
            await anyio.sleep(0.01)


async def test_client_runs_calls_pushes_state_saves_and_exports(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, anyio.create_task_group() as tg:
        client = HeadlessDawClient(options(bridge, tmp_path, bridge.token("alice")))
        tg.start_soon(client.run)
        await until(lambda: bridge.hub.mirror("alice") is not None)  # pushed its state on connect

        async def call(tool: str, params: dict[str, object]) -> dict[str, object]:
            fields, by = await execute_remote(bridge.hub, "alice", bridge.settings, tool, params)
            assert by == "daw"
            return fields

        await call("stori_set_tempo", {"tempo": 87})
        track = await call("stori_add_midi_track", {"name": "Drums"})
        region = await call("stori_add_midi_region", {"trackId": "Drums", "startBeat": 0, "durationBeats": 4})
        await call("stori_add_notes", {"regionId": region["regionId"], "notes": [
            {"pitch": 36, "startBeat": 0, "durationBeats": 0.5}, {"pitch": 38, "startBeat": 1, "durationBeats": 0.5}]})  # fmt: skip
        assert client.project.tracks[0].id == track["trackId"] and client.project.tempo == 87
        assert client.project.tracks[0].regions[0].id == region["regionId"]

        saved = tmp_path / "daw" / "daw-project.json"
        await until(lambda: saved.exists() and region["regionId"] in saved.read_text())
        mirror = bridge.hub.mirror_state("alice")
        assert mirror is not None and mirror[0].canonical_form() == client.project.canonical_form()
        # The snapshot pushed after the calls matched the mirror built from them: no extra version.
        assert mirror[1] == 4
        midi = tmp_path / "export" / "untitled.mid"
        await until(lambda: midi.exists() and len(mido.MidiFile(midi).tracks) == 2)
        tg.cancel_scope.cancel()

    # A new client on the same data dir starts from the saved project.
    again = HeadlessDawClient(options(bridge, tmp_path, None))
    assert again.project.canonical_form() == Project.model_validate_json(saved.read_text()).canonical_form()


async def test_client_retries_until_a_server_is_there_and_comes_back_after_a_restart(tmp_path: Path) -> None:
    port = free_port()
    url = f"ws://127.0.0.1:{port}{DAW_PATH}"
    client = HeadlessDawClient(ClientOptions(url=url, token=create_token(SECRET, "alice"), push_delay=0.01,
                                             initial_backoff=0.05, max_backoff=0.2))  # fmt: skip
    async with anyio.create_task_group() as tg:
        tg.start_soon(client.run)  # nothing listens yet: refused, backing off
        await anyio.sleep(0.2)
        for _ in range(2):  # the first server, then the same port again after a restart
            async with serving_bridge(tmp_path, port=port) as bridge:
                await until(lambda: bridge.hub.mirror("alice") is not None)
                await execute_remote(bridge.hub, "alice", bridge.settings, "stori_set_tempo", {"tempo": 90})
        tg.cancel_scope.cancel()
    assert client.project.tempo == 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_refused_token_stops_the_client(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge:
        client = HeadlessDawClient(options(bridge, tmp_path, "not-a-token"))
        with anyio.fail_after(TIMEOUT), pytest.raises(AuthenticationFailed):
            await client.run()
