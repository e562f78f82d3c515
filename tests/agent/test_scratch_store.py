"""The scratch store a COMPOSING proposal runs on: calls apply in place, readers get their own copy, and a
call that raises leaves the project as it was (the ProjectStore contract). And the ids a seeded stream mints."""

from __future__ import annotations

import uuid

import pytest

from maestro_mcp.agent.stream_context import SEED_NAMESPACE, Ids, ScratchStore, clone_model
from maestro_mcp.daw import headless
from maestro_mcp.daw.model import Note, Project


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _project() -> Project:
    project = Project.new(name="Base", tempo=110)
    track = headless.apply(project, "stori_add_midi_track", {"name": "Bass", "instrument": "bass"})
    region = headless.apply(
        project, "stori_add_midi_region", {"trackId": track["trackId"], "startBeat": 0, "durationBeats": 16}
    )
    headless.apply(
        project, "stori_add_notes",
        {"regionId": region["regionId"], "notes": [{"pitch": 40, "startBeat": 0, "durationBeats": 1}]},
    )  # fmt: skip
    return project


def test_clone_model_is_an_equal_tree_sharing_nothing_mutable() -> None:
    project = _project()
    project.ui.panels["mixer"] = True
    copy = clone_model(project)
    assert copy == project and copy.model_dump_json() == project.model_dump_json()
    assert copy.model_fields_set == project.model_fields_set
    copy.tracks[0].regions[0].notes[0].pitch = 41
    copy.tracks[0].regions[0].notes.append(Note(pitch=50, start_beat=1, duration_beats=1))
    copy.ui.panels["mixer"] = False
    copy.time_signature.numerator = 3
    assert project.tracks[0].regions[0].notes == [Note(pitch=40, start_beat=0, duration_beats=1)]
    assert project.ui.panels == {"mixer": True} and project.time_signature.numerator == 4


@pytest.mark.anyio
async def test_mutate_applies_and_neither_base_nor_readers_share_the_scratch_project() -> None:
    base = _project()
    scratch = ScratchStore(base, 7)

    def set_tempo(project: Project) -> str:
        project.tempo = 128
        return "done"

    result, version = await scratch.mutate("p", set_tempo)
    assert (result, version) == ("done", 7)
    assert scratch.project.tempo == 128 and base.tempo == 110
    read, version = await scratch.read("p")
    assert version == 7 and read == scratch.project
    read.tracks[0].regions[0].notes.clear()
    read.tempo = 90
    assert scratch.project.tempo == 128 and len(scratch.project.tracks[0].regions[0].notes) == 1


@pytest.mark.anyio
async def test_a_call_that_raises_after_changing_the_project_leaves_it_as_it_was() -> None:
    scratch = ScratchStore(_project(), 0)
    before = scratch.project.model_dump_json()

    def half_applied(project: Project) -> None:
        project.tempo = 60
        project.tracks[0].regions[0].notes.append(Note(pitch=60, start_beat=2, duration_beats=1))
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await scratch.mutate("p", half_applied)
    assert scratch.project.model_dump_json() == before
    # Later calls work on the restored project.
    await scratch.mutate("p", lambda p: setattr(p, "key", "Am"))
    assert scratch.project.key == "Am" and scratch.project.tempo == 110


@pytest.mark.anyio
async def test_a_call_that_raises_before_changing_anything_keeps_the_same_project() -> None:
    scratch = ScratchStore(_project(), 0)
    project = scratch.project

    def refuse(_: Project) -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError):
        await scratch.mutate("p", refuse)
    assert scratch.project is project


def test_seeded_ids_are_uuid5_of_seed_prompt_and_mint_order() -> None:
    ids = Ids(7, "Make a beat é ✓")
    expected = [str(uuid.uuid5(SEED_NAMESPACE, f"7\x00Make a beat é ✓\x00{n}")) for n in (1, 2, 3)]
    assert [ids(), ids(), ids()] == expected
    assert all(uuid.UUID(i).version == 5 for i in expected)
