from __future__ import annotations

from typing import Any

import pytest

from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def project() -> Project:
    return Project.new()


def add_track(project: Project, name: str, **params: Any) -> str:
    return str(apply(project, "stori_add_midi_track", {"name": name, **params})["trackId"])


def add_region(project: Project, track: str, start: float = 0.0, length: float = 16.0, **params: Any) -> str:
    params = {"trackId": track, "startBeat": start, "durationBeats": length, **params}
    return str(apply(project, "stori_add_midi_region", params)["regionId"])


def note(pitch: int, start: float, duration: float = 0.5, velocity: int = 100) -> dict[str, Any]:
    return {"pitch": pitch, "startBeat": start, "durationBeats": duration, "velocity": velocity}


def add_notes(project: Project, region: str, notes: list[dict[str, Any]]) -> None:
    apply(project, "stori_add_notes", {"regionId": region, "notes": notes})


@pytest.fixture
def band(project: Project) -> Project:
    """Drums and Bass, one 16-beat region each, a few notes."""
    drums = add_track(project, "Drums")
    bass = add_track(project, "Bass")
    add_notes(project, add_region(project, drums), [note(36, 0), note(38, 1), note(42, 0.5)])
    add_notes(project, add_region(project, bass), [note(36, 0, 1), note(43, 2, 1)])
    return project
