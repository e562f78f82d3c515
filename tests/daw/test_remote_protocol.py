"""The DAW WebSocket protocol (daw-websocket.md §2–§5) with a real client acting as the DAW."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from maestro_mcp.daw.remote import execute_remote
from maestro_mcp.errors import ToolError
from tests.daw.remote_support import TIMEOUT, Bridge, TestDaw, daw, serving_bridge

pytestmark = pytest.mark.anyio

STATE = {"projectId": "P-1", "name": "Night Drive", "tempo": 98.0, "key": "F#m", "timeSignature": "4/4",
         "tracks": [], "buses": []}  # fmt: skip


async def closed_code(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, list[Any]]:
    """Connect, read until the server closes; the close code, reason and any messages received."""
    received: list[Any] = []
    with anyio.fail_after(TIMEOUT):
        async with connect(url, additional_headers=headers or {}) as ws:
            try:
                while True:
                    received.append(await ws.recv())
            except ConnectionClosed as exc:
                assert exc.rcvd is not None
                return exc.rcvd.code, exc.rcvd.reason, received
    raise AssertionError("unreachable")


async def test_bad_or_missing_token_closes_4001_with_nothing_sent(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge:
        for url, headers in [
            (bridge.url, None),
            (f"{bridge.url}?token=not.a.jwt", None),
            (bridge.url, {"Authorization": "Bearer garbage"}),
            (bridge.url, {"Authorization": f"Basic {bridge.token('alice')}"}),
        ]:
            assert await closed_code(url, headers) == (4001, "invalid token", [])
        assert bridge.hub.connection_count() == 0


@pytest.mark.parametrize("via", ["query", "header"])
async def test_connect_ping_and_errors(tmp_path: Path, via: str) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice", via=via) as alice:
        assert bridge.hub.is_connected("alice") and not bridge.hub.is_connected("bob")
        await alice.send({"type": "ping"})
        assert await alice.recv() == {"type": "pong"}
        await alice.send("{not json")
        assert (await alice.recv())["code"] == "INVALID_MESSAGE"
        await alice.send({"type": "hello"})
        assert (await alice.recv())["code"] == "INVALID_MESSAGE"
        await alice.send(b"\x00\x01")
        assert (await alice.recv())["code"] == "INVALID_MESSAGE"
        await alice.send({"type": "tool_response", "request_id": "nope", "result": {"success": True}})
        unknown = await alice.recv()
        assert (unknown["code"], unknown["requestId"]) == ("UNKNOWN_REQUEST", "nope")


async def test_oversized_message_closes_1009(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as alice:
        await alice.send(json.dumps({"type": "ping", "pad": "x" * (8 * 1024 * 1024)}))
        with pytest.raises(ConnectionClosed) as closed, anyio.fail_after(TIMEOUT):
            await alice.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        with anyio.fail_after(TIMEOUT):
            while bridge.hub.is_connected("alice"):
                await anyio.sleep(0.01)


async def test_project_state_validation_clamping_and_mirror(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as alice:
        await alice.push(STATE)
        await alice.send({"type": "ping"})  # answered after the snapshot: the mirror is in place then
        assert await alice.recv() == {"type": "pong"}
        mirror = bridge.hub.mirror_state("alice")
        assert mirror is not None and (mirror[0].id, mirror[0].key, mirror[1]) == ("P-1", "F#m", 0)

        bad = {
            **STATE,
            "tracks": [{"id": "t", "regions": [{"id": "r", "startBeat": 0, "durationBeats": -1}]}],
        }
        await alice.send({"type": "project_state", "project": bad})
        error = await alice.recv()
        assert error["code"] == "INVALID_PROJECT_STATE"
        assert [e["field"] for e in error["errors"]] == ["tracks[0].regions[0].durationBeats"]
        assert bridge.hub.mirror("alice").tracks == []  # type: ignore[union-attr]  # previous mirror kept

        await alice.push({**STATE, "tempo": 300})
        clamped = await alice.recv()
        assert clamped["code"] == "VALUES_CLAMPED" and clamped["errors"][0]["field"] == "tempo"
        state = bridge.hub.mirror_state("alice")
        assert state is not None and (state[0].tempo, state[1]) == (240, 1)  # content changed: version + 1


async def test_forwarded_call_result_and_mirror(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as alice:
        await alice.push(STATE)

        async def run_daw() -> dict[str, Any]:
            call = await alice.recv_type("toolCall")
            await alice.send({"type": "tool_response", "request_id": call["requestId"],
                              "result": {"success": True, "trackIndex": 0}})  # fmt: skip
            return call

        async with anyio.create_task_group() as tg:
            calls: list[dict[str, Any]] = []

            async def collect() -> None:
                calls.append(await run_daw())

            tg.start_soon(collect)
            fields, by = await execute_remote(
                bridge.hub, "alice", bridge.settings, "stori_add_midi_track", {"name": "Bass"}
            )
        call = calls[0]
        assert call["tool"] == "stori_add_midi_track"
        args = call["arguments"]
        # Every effective value goes to the DAW: the minted id and the inferred voice, colour and icon.
        assert (
            args["trackId"] == fields["trackId"]
            and args["gmProgram"] == 33
            and args["color"]
            and args["icon"]
        )
        assert by == "daw" and fields["dawResult"] == {"success": True, "trackIndex": 0}
        assert (fields["name"], fields["gmProgram"], fields["stateVersion"]) == ("Bass", 33, 1)
        mirror = bridge.hub.mirror("alice")
        assert mirror is not None and [t.id for t in mirror.tracks] == [args["trackId"]]

        # Read: answered from the mirror, no round trip.
        read, _ = await execute_remote(bridge.hub, "alice", bridge.settings, "stori_read_project", {})
        assert read["source"] == "dawSnapshot" and read["project"]["tracks"][0]["name"] == "Bass"


async def answer_next(alice: TestDaw, result: Any, *, raw: bool = False) -> None:
    call = await alice.recv_type("toolCall")
    if raw:
        await alice.send({"type": "toolResponse", "requestId": call["requestId"], "result": result})
    else:
        await alice.answer(call, result)


async def call_failing(bridge: Bridge, tool: str, params: dict[str, Any]) -> ToolError:
    with pytest.raises(ToolError) as failed:
        await execute_remote(bridge.hub, "alice", bridge.settings, tool, params)
    return failed.value


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"success": False, "error": "track is frozen"}, "track is frozen"),
        ({"success": False, "message": "no such bus"}, "no such bus"),
        ({"success": False}, "DAW reported failure"),
        ({"success": "yes"}, "DAW sent an invalid toolResponse"),
        ({"ok": True}, "DAW sent an invalid toolResponse"),
        ("fine", "DAW sent an invalid toolResponse"),
    ],
)
async def test_daw_failure_and_garbage_give_daw_error(tmp_path: Path, result: Any, message: str) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as alice:
        await alice.push(STATE)
        async with anyio.create_task_group() as tg:
            tg.start_soon(answer_next, alice, result)
            error = await call_failing(bridge, "stori_set_tempo", {"tempo": 100})
        item = error.errors[0]
        assert (item.code, item.message, error.executed_by) == ("DAW_ERROR", message, "daw")
        assert error.daw_result == (result if isinstance(result, dict) else None)
        assert bridge.hub.active("alice").pending == {}  # type: ignore[union-attr]
        assert bridge.hub.mirror("alice").tempo == 98  # type: ignore[union-attr]  # not applied


async def test_timeout_requests_state_and_drops_the_late_answer(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path, daw_timeout=0.3) as bridge, daw(bridge, "alice") as alice:
        await alice.push(STATE)
        error = await call_failing(bridge, "stori_set_tempo", {"tempo": 100})
        assert error.errors[0].code == "DAW_TIMEOUT" and "within 0.3 s" in error.errors[0].message
        call = await alice.recv_type("toolCall")
        assert (await alice.recv())["type"] == "requestProjectState"
        assert bridge.hub.active("alice").pending == {}  # type: ignore[union-attr]
        await alice.answer(call, {"success": True})
        assert (await alice.recv())["code"] == "UNKNOWN_REQUEST"
        assert bridge.hub.mirror("alice").tempo == 98  # type: ignore[union-attr]


async def test_disconnect_fails_every_pending_call_at_once(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path, daw_timeout=TIMEOUT) as bridge:
        errors: list[ToolError] = []
        async with daw(bridge, "alice") as alice:
            await alice.push(STATE)

            async def call(tempo: int) -> None:
                errors.append(await call_failing(bridge, "stori_set_tempo", {"tempo": tempo}))

            async with anyio.create_task_group() as tg:
                for tempo in (100, 101, 102):
                    tg.start_soon(call, tempo)
                for _ in range(3):
                    await alice.recv_type("toolCall")
                await alice.ws.close()
        assert [(e.errors[0].code, e.executed_by) for e in errors] == [("DAW_UNAVAILABLE", "daw")] * 3
        assert "disconnected before responding" in errors[0].errors[0].message
        assert not bridge.hub.is_connected("alice")
        no_daw = await call_failing(bridge, "stori_set_tempo", {"tempo": 100})
        assert no_daw.errors[0].message == "No DAW connected. Please open Stori and connect."
