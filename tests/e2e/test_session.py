"""A whole working session through the official MCP client, over a real stdio subprocess and over
streamable HTTP to a real server: build a song with the DAW tools, generate parts, edit, then read the
project back with notes and automation and check that everything landed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from maestro_mcp.music.theory import parse_key
from tests.e2e.processes import HttpServer, create_token, start_http_server
from tests.e2e.test_stdio import stdio_client

pytestmark = pytest.mark.anyio

TIMEOUT = 180


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    root = tmp_path_factory.mktemp("session")
    started = start_http_server(root / "data", root)
    yield started
    started.stop()


@asynccontextmanager
async def open_client(transport: str, tmp_path: Path, server: HttpServer | None) -> AsyncIterator[Client]:
    if transport == "stdio":
        async with stdio_client(tmp_path) as client:
            yield client
        return
    assert server is not None
    token = create_token(server.data_dir, f"session-{tmp_path.name}")
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=60)) as http,
        Client(streamable_http_client(f"{server.base}/mcp", http_client=http)) as client,
    ):
        yield client


class Session:
    def __init__(self, client: Client) -> None:
        self.client = client

    async def ok(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        payload = result.structured_content
        assert payload is not None, tool
        assert not result.is_error, f"{tool}: {result.content}"
        assert payload["ok"] is True and payload["warnings"] == [], payload
        assert json.loads(result.content[0].text) == payload  # type: ignore[union-attr]
        return dict(payload)

    async def error(self, tool: str, **arguments: Any) -> list[dict[str, Any]]:
        result = await self.client.call_tool(tool, arguments)
        assert result.is_error and result.structured_content is not None
        assert result.structured_content["ok"] is False
        return list(result.structured_content["errors"])


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_a_whole_session_lands_in_the_project(
    transport: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue("http_server") if transport == "http" else None
    with anyio.fail_after(TIMEOUT):
        async with open_client(transport, tmp_path, server) as client:
            s = Session(client)
            created = await s.ok("stori_create_project", name="Night Drive", tempo=92, keySignature="Am")
            assert created["stateVersion"] == 0
            drums = (await s.ok("stori_add_midi_track", name="Drums", drumKitId="TR-808"))["trackId"]
            keys = (await s.ok("stori_add_midi_track", name="Keys", gmProgram=4))["trackId"]
            await s.ok("stori_set_track_volume", trackId=keys, volumeDb=-3.5)
            await s.ok("stori_set_track_pan", trackId="Keys", pan=-20)
            drum_region = (await s.ok("stori_add_midi_region", trackId=drums, startBeat=0, durationBeats=16))["regionId"]
            keys_region = (
                await s.ok("stori_add_midi_region", trackId=keys, startBeat=0, durationBeats=16, name="Verse Keys")
            )["regionId"]

            # Hand-written notes, slightly off the grid, then quantized and swung.
            notes = [
                {"pitch": 57, "startBeat": 0.03, "durationBeats": 1.5, "velocity": 90},
                {"pitch": 60, "startBeat": 0.52, "durationBeats": 0.5, "velocity": 70},
                {"pitch": 64, "startBeat": 1.47, "durationBeats": 0.5},
            ]
            added = await s.ok("stori_add_notes", regionId=keys_region, notes=notes)
            assert added["stateVersion"] > created["stateVersion"]
            quantized = await s.ok("stori_quantize_notes", regionId="Verse Keys", grid="1/8")
            assert quantized["movedCount"] == 3
            swung = await s.ok("stori_apply_swing", regionId=keys_region, amount=0.6)
            assert swung["movedCount"] == 2  # the notes now on 0.5 and 1.5

            await s.ok("stori_add_insert_effect", trackId=keys, type="compressor")
            bus = (await s.ok("stori_ensure_bus", name="Reverb"))["busId"]
            await s.ok("stori_add_send", trackId=keys, busId=bus, levelDb=-12)
            await s.ok(
                "stori_add_automation", target=keys, parameter="volume",
                points=[{"beat": 0, "value": -12}, {"beat": 8, "value": 0, "curve": "smooth"}],
            )
            await s.ok("stori_add_midi_cc", regionId=keys_region, cc=64, events=[{"beat": 0, "value": 127}, {"beat": 3.9, "value": 0}])
            await s.ok("stori_add_pitch_bend", regionId=keys_region, events=[{"beat": 1, "value": 2048}, {"beat": 1.5, "value": 0}])

            # A generated drum part written straight into its region, and a bass line returned in key.
            generated = await s.ok(
                "stori_generate_drums", style="boom bap", tempo=92, bars=4, seed=7, regionId=drum_region
            )
            assert generated["written"] is True and generated["writtenBy"] == "headless"
            assert generated["noteCount"] > 20 and generated["report"]["notesPerBar"] > 5
            bass = await s.ok("stori_generate_bass", style="lofi", tempo=92, bars=4, seed=3)
            assert bass["key"] == "Am" and bass["progression"] and len(bass["progression"]) == 4
            in_key = parse_key("Am").in_key_pcs()
            share = sum(n["pitch"] % 12 in in_key for n in bass["notes"]) / len(bass["notes"])
            assert share >= 0.97 and bass["report"]["inKeyRatio"] >= 0.97
            assert all(28 <= n["pitch"] <= 60 for n in bass["notes"])

            errors = await s.error("stori_set_tempo", tempo=300)
            assert errors == [{"code": "VALUE_OUT_OF_RANGE", "field": "tempo", "message": errors[0]["message"]}]

            read = await s.ok("stori_read_project", include_notes=True, include_automation=True)
    project = read["project"]
    assert project["name"] == "Night Drive" and project["tempo"] == 92 and project["key"] == "Am"
    by_name = {t["name"]: t for t in project["tracks"]}
    assert set(by_name) == {"Drums", "Keys"}
    keys_track = by_name["Keys"]
    assert keys_track["volumeDb"] == -3.5 and keys_track["pan"] == -20
    assert [e["type"] for e in keys_track["effects"]] == ["compressor"]
    assert keys_track["sends"][0]["busId"] == bus and keys_track["sends"][0]["levelDb"] == -12
    assert [b["name"] for b in project["buses"]] == ["Reverb"]
    lane = keys_track["automation"][0]
    assert lane["parameter"] == "volume" and [p["value"] for p in lane["points"]] == [-12, 0]
    region = keys_track["regions"][0]
    assert [(n["pitch"], n["startBeat"]) for n in region["notes"]] == [(57, 0.0), (60, 0.6), (64, 1.6)]
    assert [(e["cc"], e["value"]) for e in region["ccEvents"]] == [(64, 127), (64, 0)]
    assert [e["value"] for e in region["pitchBends"]] == [2048, 0]
    drum_notes = by_name["Drums"]["regions"][0]["notes"]
    assert len(drum_notes) == generated["noteCount"]
    assert {n["pitch"] for n in drum_notes} <= set(range(35, 82))
