"""Reading projectState snapshots (daw-websocket.md §6): lenient input, clamping, errors with paths, and the
absent-notes rule."""

from __future__ import annotations

from typing import Any

import pytest

from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project
from maestro_mcp.daw.project_state import SnapshotError, parse_snapshot
from tests.daw.conftest import add_notes, add_region, add_track, note


def fields_of(state: Any) -> list[tuple[str, str]]:
    with pytest.raises(SnapshotError) as failed:
        parse_snapshot(state)
    return [(e.field, e.code.value) for e in failed.value.errors]


def test_the_output_form_reads_back_to_the_same_project(band: Project) -> None:
    drums = band.tracks[0].id
    apply(band, "stori_ensure_bus", {"name": "Verb"})
    apply(band, "stori_add_send", {"trackId": drums, "busId": "Verb", "levelDb": -12})
    apply(band, "stori_add_insert_effect", {"trackId": drums, "type": "compressor"})
    apply(band, "stori_add_automation", {"target": drums, "points": [{"beat": 0, "value": 0.5}]})
    apply(
        band,
        "stori_add_midi_cc",
        {"regionId": band.tracks[0].regions[0].id, "cc": 1, "events": [{"beat": 0, "value": 64}]},
    )
    snapshot = band.to_snapshot(include_notes=True, include_automation=True)
    assert parse_snapshot(snapshot).project.canonical_form() == band.canonical_form()


def test_lenient_input_is_normalised() -> None:
    state = {
        "projectId": "P-1", "tempo": 98, "key": "f# minor", "timeSignature": "6/8", "schemaVersion": 7,
        "unknownField": {"ignored": True},
        "tracks": [{"id": "t1", "type": "drums", "volume": 0.5, "effects": ["Reverb"], "regions": [
            {"id": "r1", "startBeat": 0, "durationBeats": 4, "noteCount": 99,
             "notes": [{"pitch": 36, "startBeat": 0, "durationBeats": 0.5, "id": "n1"}]}]}],
        "selection": {"trackIds": ["t1"], "regionIds": []},
    }  # fmt: skip
    parsed = parse_snapshot(state)
    project = parsed.project
    assert (project.id, project.key, project.time_signature.wire()) == (
        "P-1",
        "F#m",
        {"numerator": 6, "denominator": 8},
    )
    track = project.tracks[0]
    assert track.is_drums and track.volume_db == -6.0 and track.effects[0].type == "reverb"
    assert track.regions[0].notes[0].velocity == 100 and parsed.clamped == []
    assert project.to_snapshot()["selection"] == {"trackIds": ["t1"], "regionIds": []}
    # Effects given as strings get the same derived id every time: re-pushing changes nothing.
    assert parse_snapshot(state).project.canonical_form() == project.canonical_form()


def test_values_input_accepts_are_clamped_and_reported() -> None:
    parsed = parse_snapshot({"id": "P", "tempo": 260, "tracks": [{"id": "t", "regions": [
        {"id": "r", "startBeat": 0, "durationBeats": 4, "notes": [{"pitch": 60, "startBeat": 0, "durationBeats": 1, "velocity": 0}]}]}]})  # fmt: skip
    assert parsed.project.tempo == 240 and parsed.project.tracks[0].regions[0].notes[0].velocity == 1
    assert [e.field for e in parsed.clamped] == ["tempo", "tracks[0].regions[0].notes[0].velocity"]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("nope", [("", "TYPE_MISMATCH")]),
        ({}, [("id", "MISSING_REQUIRED")]),
        ({"id": "A", "projectId": "B"}, [("projectId", "INVALID_VALUE")]),
        ({"id": "P", "tempo": 301}, [("tempo", "VALUE_OUT_OF_RANGE")]),
        ({"id": "P", "tempo": "fast"}, [("tempo", "TYPE_MISMATCH")]),
        ({"id": "P", "key": "H"}, [("key", "INVALID_VALUE")]),
        ({"id": "P", "timeSignature": "4/5"}, [("timeSignature", "INVALID_VALUE")]),
        ({"id": "P", "tracks": [{"id": "t", "muted": "yes"}]}, [("tracks[0].muted", "TYPE_MISMATCH")]),
        ({"id": "P", "tracks": [{"id": "t", "regions": [{"id": "r", "startBeat": 0}]}]},
         [("tracks[0].regions[0].durationBeats", "MISSING_REQUIRED")]),
        ({"id": "P", "tracks": [{"id": "t", "regions": [{"id": "r", "startBeat": 0, "durationBeats": 1,
                                                          "notes": [{"pitch": 200, "startBeat": 0, "durationBeats": 1}]}]}]},
         [("tracks[0].regions[0].notes[0].pitch", "VALUE_OUT_OF_RANGE")]),
        ({"id": "P", "tracks": [{"id": f"t{i}"} for i in range(257)]}, [("tracks", "VALUE_OUT_OF_RANGE")]),
    ],
)  # fmt: skip
def test_invalid_snapshots_name_their_fields(state: Any, expected: list[tuple[str, str]]) -> None:
    assert fields_of(state) == expected


def test_absent_notes_keep_what_the_mirror_knows(project: Project) -> None:
    track = add_track(project, "Keys")
    region = add_region(project, track)
    add_notes(project, region, [note(60, 0), note(64, 1)])
    without = project.to_snapshot()  # notes: null, as in a read without include_notes
    assert parse_snapshot(without, previous=project).project.canonical_form() == project.canonical_form()
    emptied = project.to_snapshot(include_notes=True)
    emptied["tracks"][0]["regions"][0]["notes"] = []
    assert parse_snapshot(emptied, previous=project).project.tracks[0].regions[0].notes == []
