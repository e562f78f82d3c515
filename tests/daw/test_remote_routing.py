"""Routing over the bridge: the active DAW and its standby, principals apart, aliases, reads, entity names."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest

from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project
from maestro_mcp.daw.remote import execute_remote
from maestro_mcp.errors import ToolError
from tests.daw.remote_support import Bridge, TestDaw, daw, serving_bridge

pytestmark = pytest.mark.anyio


class ScriptedDaw:
    """Answers every toolCall by running it on its own headless project, like a real DAW would."""

    def __init__(self, client: TestDaw) -> None:
        self.client = client
        self.project = Project.new(name="Live")
        self.calls: list[dict[str, Any]] = []

    async def serve(self, count: int) -> None:
        for _ in range(count):
            call = await self.client.recv_type("toolCall")
            self.calls.append(call)
            fields = apply(self.project, call["tool"], call["arguments"])
            await self.client.answer(call, {"success": True, **fields})

    async def push(self) -> None:
        await self.client.push(self.project.to_snapshot(include_notes=True, include_automation=True))
        await self.client.send({"type": "ping"})
        await self.client.recv_type("pong")  # the snapshot is in the mirror once this arrives


async def run(
    bridge: Bridge, user: str, dawside: ScriptedDaw, count: int, tool: str, params: dict[str, Any]
) -> dict[str, Any]:
    async with anyio.create_task_group() as tg:
        tg.start_soon(dawside.serve, count)
        fields, _ = await execute_remote(bridge.hub, user, bridge.settings, tool, params)
    return fields


async def test_second_daw_replaces_the_first_which_becomes_standby(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as first:
        async with daw(bridge, "alice") as second:
            assert await first.recv() == {"type": "status", "active": False}
            assert bridge.hub.active("alice").id == second.connection_id  # type: ignore[union-attr]
            live = ScriptedDaw(second)
            fields = await run(bridge, "alice", live, 1, "stori_set_tempo", {"tempo": 101})
            assert fields["dawResult"]["tempo"] == 101 and live.project.tempo == 101
        # The active one left: the standby is promoted and asked for its state.
        assert await first.recv() == {"type": "status", "active": True}
        assert await first.recv() == {"type": "requestProjectState"}
        assert bridge.hub.active("alice").id == first.connection_id  # type: ignore[union-attr]
        fields = await run(bridge, "alice", ScriptedDaw(first), 1, "stori_set_tempo", {"tempo": 99})
        assert fields["tempo"] == 99


async def test_principals_never_reach_each_others_daw(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as a, daw(bridge, "bob") as b:
        alice, bob = ScriptedDaw(a), ScriptedDaw(b)
        await alice.push()
        await bob.push()
        async with anyio.create_task_group() as tg:

            async def call(user: str, name: str) -> None:
                await execute_remote(
                    bridge.hub, user, bridge.settings, "stori_add_midi_track", {"name": name}
                )

            tg.start_soon(alice.serve, 2)
            tg.start_soon(bob.serve, 1)
            tg.start_soon(call, "alice", "Alice Keys")
            tg.start_soon(call, "bob", "Bob Drums")
            tg.start_soon(call, "alice", "Alice Bass")
        assert sorted(t.name for t in alice.project.tracks) == ["Alice Bass", "Alice Keys"]
        assert [t.name for t in bob.project.tracks] == ["Bob Drums"]
        assert sorted(t.name for t in bridge.hub.mirror("alice").tracks) == ["Alice Bass", "Alice Keys"]  # type: ignore[union-attr]
        assert [t.name for t in bridge.hub.mirror("bob").tracks] == ["Bob Drums"]  # type: ignore[union-attr]

        # Bob's DAW answering one of Alice's request ids completes nothing of hers.
        async with anyio.create_task_group() as tg:
            errors: list[ToolError] = []

            async def alice_calls() -> None:
                with pytest.raises(ToolError) as failed:
                    await execute_remote(
                        bridge.hub, "alice", bridge.settings, "stori_set_tempo", {"tempo": 77}
                    )
                errors.append(failed.value)

            tg.start_soon(alice_calls)
            stolen = await a.recv_type("toolCall")
            await b.answer(stolen, {"success": True})
            assert (await b.recv_type("error"))["code"] == "UNKNOWN_REQUEST"
        assert errors[0].errors[0].code == "DAW_TIMEOUT"
        assert bridge.hub.mirror("alice").tempo == 120  # type: ignore[union-attr]


async def test_alias_add_track_forwards_canonical_calls_and_counts_once(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as client:
        live = ScriptedDaw(client)
        await live.push()
        fields = await run(
            bridge, "alice", live, 3, "stori_add_track", {"name": "Pad", "volume": -6, "pan": 20}
        )
        assert [c["tool"] for c in live.calls] == [
            "stori_add_midi_track",
            "stori_set_track_volume",
            "stori_set_track_pan",
        ]
        assert "volume" not in live.calls[0]["arguments"] and live.calls[1]["arguments"]["volumeDb"] == -6
        assert (fields["volumeDb"], fields["pan"], fields["stateVersion"]) == (-6, 20, 1)
        assert live.project.tracks[0].volume_db == -6 and live.project.tracks[0].pan == 20

        region = await run(bridge, "alice", live, 1, "stori_add_region",
                           {"trackId": "Pad", "startBeat": 0, "durationBeats": 8, "color": "blue"})  # fmt: skip
        assert (
            live.calls[-1]["tool"] == "stori_add_midi_region"
            and live.calls[-1]["arguments"]["color"] == "blue"
        )
        assert live.calls[-1]["arguments"]["name"] == "Pad 1"  # the region name the server inferred
        assert region["regionId"] == live.project.tracks[0].regions[0].id

        await run(bridge, "alice", live, 1, "stori_set_key_signature", {"key": "Dm"})
        assert live.calls[-1]["tool"] == "stori_set_key" and live.calls[-1]["arguments"] == {"key": "Dm"}
        assert bridge.hub.mirror("alice").canonical_form() == live.project.canonical_form()  # type: ignore[union-attr]


async def test_names_resolve_in_the_mirror_and_unknown_uuids_pass(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as client:
        live = ScriptedDaw(client)
        drums = apply(live.project, "stori_add_midi_track", {"name": "Drums"})["trackId"]
        await live.push()
        await run(bridge, "alice", live, 1, "stori_mute_track", {"trackName": "drums", "muted": True})
        assert live.calls[-1]["arguments"] == {"trackId": drums, "muted": True}

        with pytest.raises(ToolError) as missing:
            await execute_remote(
                bridge.hub, "alice", bridge.settings, "stori_mute_track", {"trackId": "Drumz", "muted": True}
            )
        assert (
            missing.value.errors[0].code == "ENTITY_NOT_FOUND"
            and "did you mean 'Drums'" in missing.value.errors[0].message
        )
        assert missing.value.executed_by is None

        # A track the DAW made after its last snapshot: its UUID goes through, and the DAW has the last word.
        newer = str(uuid.uuid4())
        live.project.tracks.append(live.project.tracks[0].model_copy(update={"id": newer, "name": "Newer"}))
        fields = await run(
            bridge, "alice", live, 1, "stori_set_track_pan", {"trackId": newer.upper(), "pan": 10}
        )
        assert live.calls[-1]["arguments"]["trackId"] == newer
        assert fields["dawResult"]["pan"] == 10 and fields["pan"] == 10  # from the DAW: the mirror lacks it
        assert (await client.recv_type("requestProjectState"))["type"] == "requestProjectState"


async def test_read_without_snapshot_is_forwarded(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path) as bridge, daw(bridge, "alice") as client:
        live = ScriptedDaw(client)
        apply(live.project, "stori_add_midi_track", {"name": "Keys"})
        fields = await run(bridge, "alice", live, 1, "stori_read_project", {"include_notes": True})
        assert (fields["source"], fields["project"]["tracks"][0]["name"]) == ("daw", "Keys")
        assert fields["project"]["tracks"][0]["regions"] == [] and fields["dawResult"]["success"] is True

        async def garbage() -> None:
            call = await client.recv_type("toolCall")
            await client.answer(call, {"success": True, "project": "nope"})

        async with anyio.create_task_group() as tg:
            tg.start_soon(garbage)
            with pytest.raises(ToolError) as failed:
                await execute_remote(bridge.hub, "alice", bridge.settings, "stori_read_project", {})
        assert failed.value.errors[0].code == "DAW_ERROR" and failed.value.daw_result is not None


async def test_cancelled_call_leaves_nothing_pending(tmp_path: Path) -> None:
    async with serving_bridge(tmp_path, daw_timeout=10) as bridge, daw(bridge, "alice") as client:
        await client.push({"projectId": "P"})
        with anyio.move_on_after(0.2):
            await execute_remote(bridge.hub, "alice", bridge.settings, "stori_set_tempo", {"tempo": 90})
        await client.recv_type("toolCall")
        assert (await client.recv())["type"] == "requestProjectState"
        assert bridge.hub.active("alice").pending == {}  # type: ignore[union-attr]
