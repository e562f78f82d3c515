"""The router on the in-memory project store: one transaction per call, versions only on change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from maestro_mcp.config import Settings
from maestro_mcp.daw.model import Project
from maestro_mcp.daw.router import execute
from maestro_mcp.errors import ToolError
from maestro_mcp.store.projects import MemoryProjectStore

pytestmark = pytest.mark.anyio

ME = "user-1"


@pytest.fixture
def store() -> MemoryProjectStore[Project]:
    return MemoryProjectStore(Project, Project.new, content=Project.canonical_form)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


class Caller:
    def __init__(self, store: MemoryProjectStore[Project], settings: Settings) -> None:
        self.store, self.settings = store, settings

    async def __call__(self, tool: str, principal: str = ME, **params: Any) -> dict[str, Any]:
        result, executor = await execute(principal, self.store, self.settings, tool, params)
        assert executor == "headless"
        return result


@pytest.fixture
def call(store: MemoryProjectStore[Project], settings: Settings) -> Caller:
    return Caller(store, settings)


async def test_read_gives_the_default_project_at_version_0(call: Caller) -> None:
    result = await call("stori_read_project")
    assert result["source"] == "headless" and result["stateVersion"] == 0
    assert (result["project"]["name"], result["project"]["tempo"], result["project"]["key"]) == (
        "Untitled",
        120.0,
        "C",
    )
    again = await call("stori_read_project", include_notes=True)
    assert again["project"]["id"] == result["project"]["id"] and again["stateVersion"] == 0


async def test_each_change_adds_one(call: Caller) -> None:
    track = await call("stori_add_midi_track", name="Bass")
    assert track["stateVersion"] == 1
    region = await call("stori_add_midi_region", trackId="Bass", startBeat=0, durationBeats=8)
    assert region["stateVersion"] == 2 and region["trackId"] == track["trackId"]
    notes = await call(
        "stori_add_notes", regionId="Bass 1", notes=[{"pitch": 40, "startBeat": 0.1, "durationBeats": 1}]
    )
    assert notes["stateVersion"] == 3
    read = await call("stori_read_project", include_notes=True)
    assert read["stateVersion"] == 3
    assert read["project"]["tracks"][0]["regions"][0]["notes"][0]["startBeat"] == 0.1


async def test_no_op_calls_keep_the_version(call: Caller) -> None:
    await call("stori_set_tempo", tempo=100)
    assert (await call("stori_set_tempo", tempo=100))["stateVersion"] == 1
    bus = await call("stori_ensure_bus", name="Reverb")
    assert bus["stateVersion"] == 2
    again = await call("stori_ensure_bus", name="Reverb")
    assert (again["stateVersion"], again["created"], again["busId"]) == (2, False, bus["busId"])
    await call("stori_add_midi_track", name="Keys")
    first = await call("stori_add_send", trackId="Keys", busId="Reverb", levelDb=-12)
    same = await call("stori_add_send", trackId="Keys", busId="Reverb", levelDb=-12)
    assert first["stateVersion"] == 4 and same["stateVersion"] == 4
    region = await call("stori_add_midi_region", trackId="Keys", startBeat=0, durationBeats=4)
    on_grid = await call(
        "stori_add_notes",
        regionId=region["regionId"],
        notes=[{"pitch": 60, "startBeat": 1, "durationBeats": 1}],
    )
    quantized = await call("stori_quantize_notes", regionId=region["regionId"])
    assert quantized["movedCount"] == 0 and quantized["stateVersion"] == on_grid["stateVersion"]


async def test_transport_and_ui_never_change_the_version_but_persist(
    call: Caller, store: MemoryProjectStore[Project]
) -> None:
    await call("stori_set_tempo", tempo=90)
    for tool, params in (
        ("stori_play", {"fromBeat": 4}),
        ("stori_set_playhead", {"bar": 3}),
        ("stori_show_panel", {"panel": "mixer", "visible": True}),
        ("stori_set_zoom", {"zoomPercent": 200}),
        ("stori_stop", {}),
    ):
        assert (await call(tool, **params))["stateVersion"] == 1
    project, version = await store.read(ME)
    assert version == 1
    assert (project.transport.playing, project.transport.position_beats) == (False, 8.0)
    assert project.ui.panels == {"mixer": True} and project.ui.zoom_percent == 200
    assert (await call("stori_play"))["positionBeats"] == 8.0


async def test_alias_add_track_counts_once(call: Caller) -> None:
    result = await call("stori_add_track", name="Strings", volume=-6, pan=20)
    assert (result["stateVersion"], result["volumeDb"], result["pan"]) == (1, -6.0, 20.0)


async def test_entity_errors_change_nothing_and_are_not_executed(
    call: Caller, store: MemoryProjectStore[Project]
) -> None:
    await call("stori_add_midi_track", name="Bass")
    with pytest.raises(ToolError) as exc:
        await call("stori_mute_track", trackId="Drums", muted=True)
    assert exc.value.errors[0].code.value == "ENTITY_NOT_FOUND" and exc.value.executed_by is None
    with pytest.raises(ToolError) as exc:
        await call("stori_set_playhead", bar=1, beat=1)
    assert exc.value.executed_by == "headless"
    assert (await store.read(ME))[1] == 1


async def test_warnings_reach_the_caller(store: MemoryProjectStore[Project], settings: Settings) -> None:
    await execute(ME, store, settings, "stori_add_midi_track", {"name": "Bass"})
    warnings: list[str] = []
    await execute(ME, store, settings, "stori_add_midi_track", {"name": "Bass"}, warnings=warnings)
    assert len(warnings) == 1


async def test_principals_have_their_own_projects(call: Caller) -> None:
    await call("stori_add_midi_track", name="Bass")
    other = await call("stori_read_project", principal="user-2")
    assert other["project"]["tracks"] == [] and other["stateVersion"] == 0


async def test_create_project_replaces_the_project(call: Caller) -> None:
    await call("stori_add_midi_track", name="Bass")
    before = await call("stori_read_project")
    created = await call("stori_create_project", name="Night Drive", tempo=98, keySignature="F#m")
    read = await call("stori_read_project")
    assert read["project"]["id"] == created["projectId"] != before["project"]["id"]
    assert read["project"]["tracks"] == [] and read["project"]["name"] == "Night Drive"


async def test_create_project_starts_at_version_0(call: Caller) -> None:
    await call("stori_add_midi_track", name="Bass")
    assert (await call("stori_create_project", name="New", tempo=120))["stateVersion"] == 0


async def test_unknown_tool_is_refused(call: Caller) -> None:
    with pytest.raises(ToolError) as exc:
        await call("stori_generate_midi", role="bass")
    assert exc.value.errors[0].code.value == "UNKNOWN_TOOL"


async def test_daw_mode_without_a_daw_refuses_all_but_reads(
    store: MemoryProjectStore[Project], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, daw_mode="daw")
    with pytest.raises(ToolError) as exc:
        await execute(ME, store, settings, "stori_set_tempo", {"tempo": 100})
    assert exc.value.errors[0].code.value == "DAW_UNAVAILABLE"
    assert exc.value.errors[0].message == "No DAW connected. Please open Stori and connect."
    result, executor = await execute(ME, store, settings, "stori_read_project", {})
    assert executor == "headless" and result["stateVersion"] == 0
