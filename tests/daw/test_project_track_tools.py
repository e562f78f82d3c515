"""Project and track tools on the headless DAW (tools.md §4–5)."""

from __future__ import annotations

import pytest

from maestro_mcp.daw.headless import DAW_TOOLS, apply
from maestro_mcp.daw.model import Project
from maestro_mcp.errors import ToolError

from .conftest import add_region, add_track


def test_there_are_36_daw_tools() -> None:
    assert len(DAW_TOOLS) == 36


def test_read_project(band: Project) -> None:
    result = apply(band, "stori_read_project", {"include_notes": True})
    assert result["source"] == "headless"
    assert result["project"]["tracks"][0]["regions"][0]["notes"][0]["pitch"] == 36
    assert result["project"]["tracks"][0]["automation"] is None


def test_create_project_replaces_everything(band: Project) -> None:
    old_id = band.id
    band.transport.playing = True
    result = apply(
        band,
        "stori_create_project",
        {"name": "Night Drive", "tempo": 98, "keySignature": "f#m", "timeSignature": "6/8"},
    )
    assert result["projectId"] != old_id and band.id == result["projectId"]
    assert result == {
        "projectId": band.id, "name": "Night Drive", "tempo": 98.0, "keySignature": "F#m",
        "timeSignature": {"numerator": 6, "denominator": 8},
    }  # fmt: skip
    assert band.tracks == [] and band.buses == [] and not band.transport.playing


def test_create_project_defaults(project: Project) -> None:
    result = apply(project, "stori_create_project", {"name": "Sketch", "tempo": 120})
    assert result["keySignature"] == "C"
    assert result["timeSignature"] == {"numerator": 4, "denominator": 4}


def test_set_tempo_and_key(project: Project) -> None:
    assert apply(project, "stori_set_tempo", {"tempo": 87.5}) == {"tempo": 87.5, "previousTempo": 120.0}
    assert apply(project, "stori_set_key", {"key": "bb"}) == {"key": "Bb", "previousKey": "C"}
    assert apply(project, "stori_set_key_signature", {"keySignature": "D dorian"}) == {
        "key": "D dorian",
        "previousKey": "Bb",
    }
    with pytest.raises(ToolError) as exc:
        apply(project, "stori_set_key", {"key": "H"})
    assert exc.value.errors[0].code.value == "INVALID_VALUE"


def test_add_midi_track_infers_instrument_colour_icon(project: Project) -> None:
    drums = apply(project, "stori_add_midi_track", {"name": "Drums"})
    assert drums["isDrums"] is True and drums["drumKitId"] == "acoustic" and drums["gmProgram"] is None
    assert (drums["color"], drums["icon"], drums["instrument"]) == ("#E85D75", "instrument.drum", None)
    keys = apply(project, "stori_add_midi_track", {"name": "Keys 1", "instrument": "Rhodes"})
    assert keys["gmProgram"] == 4 and keys["isDrums"] is False and keys["drumKitId"] is None
    assert (keys["color"], keys["icon"], keys["instrument"]) == ("#5B8DEF", "pianokeys", "Rhodes")
    other = apply(project, "stori_add_midi_track", {"name": "Theremin"})
    assert (other["gmProgram"], other["icon"]) == (0, "music.note")
    assert [t.name for t in project.tracks] == ["Drums", "Keys 1", "Theremin"]
    assert project.tracks[0].volume_db == 0 and project.tracks[0].pan == 0 and project.tracks[0].regions == []


def test_add_midi_track_keeps_explicit_values_and_minted_id(project: Project) -> None:
    result = apply(
        project,
        "stori_add_midi_track",
        {
            "trackId": "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
            "name": "Beat",
            "drumKitId": "TR-909",
            "color": "#e85d75",
            "icon": "bolt",
        },
    )
    assert result["trackId"] == "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
    assert (result["drumKitId"], result["color"], result["icon"]) == ("TR-909", "#E85D75", "bolt")
    melodic = apply(project, "stori_add_midi_track", {"name": "Drums 2", "gmProgram": 33})
    assert melodic["isDrums"] is False and melodic["gmProgram"] == 33


def test_duplicate_track_name_warns(project: Project) -> None:
    add_track(project, "Bass")
    warnings: list[str] = []
    apply(project, "stori_add_midi_track", {"name": "bass"}, warnings=warnings)
    assert len(project.tracks) == 2 and len(warnings) == 1


def test_add_track_alias_sets_volume_and_pan(project: Project) -> None:
    result = apply(project, "stori_add_track", {"name": "Strings", "volume": -6.04, "pan": -30})
    assert (result["gmProgram"], result["volumeDb"], result["pan"]) == (48, -6.0, -30.0)
    plain = apply(project, "stori_add_track", {"name": "Pad"})
    assert (plain["volumeDb"], plain["pan"]) == (0.0, 0.0)


def test_track_setters(project: Project) -> None:
    track = add_track(project, "Bass")
    assert apply(project, "stori_set_track_volume", {"trackId": "bass", "volumeDb": -3.26}) == {
        "trackId": track,
        "volumeDb": -3.3,
    }
    assert apply(project, "stori_set_track_pan", {"trackId": track, "pan": -25}) == {
        "trackId": track,
        "pan": -25.0,
    }
    assert apply(project, "stori_set_track_name", {"trackId": track, "name": "Sub"}) == {
        "trackId": track,
        "name": "Sub",
        "previousName": "Bass",
    }
    assert apply(project, "stori_mute_track", {"trackId": "Sub", "muted": True}) == {
        "trackId": track,
        "muted": True,
    }
    assert apply(project, "stori_solo_track", {"trackId": "Sub", "solo": True}) == {
        "trackId": track,
        "solo": True,
    }
    assert apply(project, "stori_set_track_color", {"trackId": "Sub", "color": "Teal"}) == {
        "trackId": track,
        "color": "teal",
    }
    assert apply(project, "stori_set_track_icon", {"trackId": "Sub", "icon": "waveform"}) == {
        "trackId": track,
        "icon": "waveform",
    }
    t = project.tracks[0]
    assert (t.volume_db, t.pan, t.name, t.muted, t.solo, t.color, t.icon) == (
        -3.3,
        -25,
        "Sub",
        True,
        True,
        "teal",
        "waveform",
    )


def test_set_midi_program(project: Project) -> None:
    track = add_track(project, "Drums")
    result = apply(project, "stori_set_midi_program", {"trackId": track, "program": 33})
    assert result == {"trackId": track, "program": 33, "channel": 1}
    t = project.tracks[0]
    assert (t.gm_program, t.channel, t.is_drums, t.drum_kit_id) == (33, 1, False, None)
    apply(project, "stori_set_midi_program", {"trackId": track, "program": 0, "channel": 10})
    assert t.is_drums and t.drum_kit_id == "acoustic" and project.track_channels()[track] == 10


def test_region_default_name_counts_the_tracks_regions(project: Project) -> None:
    track = add_track(project, "Bass")
    add_region(project, track)
    add_region(project, track, start=16)
    assert [r.name for r in project.tracks[0].regions] == ["Bass 1", "Bass 2"]
