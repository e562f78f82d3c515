"""The project model: defaults, the snapshot shape of daw-websocket.md §6, the canonical form."""

from __future__ import annotations

import re

from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project, TimeSignature

from .conftest import add_region, add_track, note

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_new_project_is_the_default_headless_project() -> None:
    p = Project.new()
    assert (p.name, p.tempo, p.key, p.time_signature.numerator, p.time_signature.denominator) == (
        "Untitled", 120.0, "C", 4, 4,
    )  # fmt: skip
    assert UUID4.match(p.id)
    assert p.tracks == [] and p.buses == []
    assert Project.new().id != p.id


def test_snapshot_leaves_out_notes_and_automation_as_null(band: Project) -> None:
    snap = band.to_snapshot()
    assert set(snap) == {
        "id",
        "name",
        "tempo",
        "key",
        "timeSignature",
        "schemaVersion",
        "tracks",
        "buses",
        "selection",
    }
    assert snap["selection"] is None and snap["schemaVersion"] == 1
    track = snap["tracks"][0]
    assert set(track) == {
        "id", "name", "isDrums", "drumKitId", "gmProgram", "instrument", "channel", "volumeDb", "pan",
        "muted", "solo", "color", "icon", "effects", "sends", "regions", "automation",
    }  # fmt: skip
    assert track["automation"] is None
    region = track["regions"][0]
    assert region["noteCount"] == 3
    assert region["notes"] is None and region["ccEvents"] is None
    assert region["pitchBends"] is None and region["aftertouch"] is None


def test_snapshot_with_notes_and_automation(band: Project) -> None:
    snap = band.to_snapshot(include_notes=True, include_automation=True)
    region = snap["tracks"][1]["regions"][0]
    assert region["notes"][0] == {
        "pitch": 36,
        "startBeat": 0.0,
        "durationBeats": 1.0,
        "velocity": 100,
        "channel": 0,
    }
    assert region["ccEvents"] == [] and region["pitchBends"] == [] and region["aftertouch"] == []
    assert snap["tracks"][0]["automation"] == []


def test_channels_drums_ten_melodic_in_order_skipping_ten(project: Project) -> None:
    ids = [add_track(project, "Drums")] + [add_track(project, f"Piano {i}") for i in range(11)]
    channels = project.track_channels()
    assert channels[ids[0]] == 10
    assert [channels[i] for i in ids[1:]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    apply(project, "stori_set_midi_program", {"trackId": ids[1], "program": 5, "channel": 3})
    assert project.track_channels()[ids[1]] == 3


def test_canonical_form_ignores_transport_ui_and_note_order(project: Project) -> None:
    track = add_track(project, "Keys")
    region = add_region(project, track)
    apply(project, "stori_add_notes", {"regionId": region, "notes": [note(64, 1), note(60, 0)]})
    before = project.canonical_form()
    project.transport.playing = True
    project.ui.zoom_percent = 250
    project.tracks[0].regions[0].notes.reverse()
    assert project.canonical_form() == before
    project.tempo = 121
    assert project.canonical_form() != before


def test_canonical_form_rounds_to_micro_beats(project: Project) -> None:
    project.tempo = 120.0000001
    assert project.canonical_form() == Project.new(project_id=project.id).canonical_form()


def test_json_round_trip_keeps_everything(band: Project) -> None:
    band.transport.playing = True
    band.ui.panels["mixer"] = True
    again = Project.model_validate_json(band.model_dump_json())
    assert again == band
    assert Project.model_validate(band.model_dump(by_alias=True)) == band


def test_time_signature_accepts_text_and_objects() -> None:
    assert TimeSignature.parse("6/8").beats_per_bar == 3
    assert TimeSignature.parse({"numerator": 3, "denominator": 4}).beats_per_bar == 3
    assert Project.model_validate({"id": "P-1", "timeSignature": "7/8"}).time_signature.numerator == 7
