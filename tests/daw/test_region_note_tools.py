"""Region and notes tools on the headless DAW (tools.md §6–7), with the exact quantize/swing rules."""

from __future__ import annotations

import pytest

from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project
from maestro_mcp.daw.ops.notes import quantize_start, swing_start
from maestro_mcp.errors import ToolError

from .conftest import add_notes, add_region, add_track, note


def _starts(project: Project, region_id: str) -> list[float]:
    found = project.region(region_id)
    assert found is not None
    return [n.start_beat for n in found[1].notes]


def test_add_midi_region(project: Project) -> None:
    track = add_track(project, "Keys")
    result = apply(project, "stori_add_midi_region", {"trackId": "keys", "startBeat": 4, "durationBeats": 8})
    assert result == {
        "regionId": result["regionId"],
        "trackId": track,
        "startBeat": 4.0,
        "durationBeats": 8.0,
        "name": "Keys 1",
    }
    assert project.tracks[0].regions[0].id == result["regionId"]


def test_overlapping_region_warns(project: Project) -> None:
    track = add_track(project, "Keys")
    add_region(project, track, 0, 8)
    warnings: list[str] = []
    apply(
        project,
        "stori_add_midi_region",
        {"trackId": track, "startBeat": 4, "durationBeats": 8, "name": "B"},
        warnings=warnings,
    )
    assert len(warnings) == 1 and "overlaps" in warnings[0]
    warnings.clear()
    apply(
        project,
        "stori_add_midi_region",
        {"trackId": track, "startBeat": 12, "durationBeats": 4},
        warnings=warnings,
    )
    assert warnings == []


def test_add_region_alias_with_colour(project: Project) -> None:
    track = add_track(project, "Keys")
    result = apply(
        project,
        "stori_add_region",
        {"trackId": track, "startBeat": 0, "durationBeats": 4, "color": "#aabbcc"},
    )
    assert result["color"] == "#AABBCC" and result["name"] == "Keys 1"


def test_delete_region_removes_it_and_its_events(band: Project) -> None:
    region = band.tracks[0].regions[0]
    result = apply(band, "stori_delete_region", {"regionId": region.id})
    assert result == {"regionId": region.id, "trackId": band.tracks[0].id, "removedNoteCount": 3}
    assert band.tracks[0].regions == [] and band.region(region.id) is None


def test_move_region_keeps_relative_contents(band: Project) -> None:
    region = band.tracks[1].regions[0]
    before = [n.start_beat for n in region.notes]
    result = apply(band, "stori_move_region", {"regionId": "Bass 1", "startBeat": 32})
    assert result == {"regionId": region.id, "startBeat": 32.0, "previousStartBeat": 0.0}
    assert region.start_beat == 32 and [n.start_beat for n in region.notes] == before


def test_duplicate_region_copies_all_events_after_the_original(band: Project) -> None:
    source = band.tracks[1].regions[0]
    apply(band, "stori_add_midi_cc", {"regionId": source.id, "cc": 64, "events": [{"beat": 0, "value": 127}]})
    apply(band, "stori_add_pitch_bend", {"regionId": source.id, "events": [{"beat": 1, "value": 4096}]})
    apply(band, "stori_add_aftertouch", {"regionId": source.id, "events": [{"beat": 1, "value": 30}]})
    result = apply(band, "stori_duplicate_region", {"regionId": source.id, "startBeat": 16})
    track = band.tracks[1]
    assert [r.id for r in track.regions] == [source.id, result["newRegionId"]]
    copy = track.regions[1]
    assert result == {
        "regionId": source.id, "newRegionId": copy.id, "trackId": track.id, "startBeat": 16.0,
        "durationBeats": 16.0, "name": "Bass 1 copy",
    }  # fmt: skip
    assert copy.notes == source.notes and copy.notes is not source.notes
    assert copy.cc_events == source.cc_events and copy.pitch_bends == source.pitch_bends
    assert copy.aftertouch == source.aftertouch
    copy.notes[0].pitch = 99
    assert source.notes[0].pitch == 36  # a deep copy


def test_add_notes_appends_and_defaults(project: Project) -> None:
    region = add_region(project, add_track(project, "Keys"), 0, 4)
    result = apply(
        project,
        "stori_add_notes",
        {"regionId": region, "notes": [{"pitch": 60, "startBeat": 0, "durationBeats": 1}]},
    )
    assert result == {"regionId": region, "addedCount": 1, "noteCount": 1}
    warnings: list[str] = []
    result = apply(
        project,
        "stori_add_notes",
        {"regionId": region, "notes": [note(62, 3.5, 2), note(64, 1)]},
        warnings=warnings,
    )
    assert result["noteCount"] == 3 and result["addedCount"] == 2
    assert len(warnings) == 1 and "1 note" in warnings[0]
    first = project.tracks[0].regions[0].notes[0]
    assert (first.velocity, first.channel) == (100, 0)


def test_clear_notes_keeps_controllers(band: Project) -> None:
    region = band.tracks[0].regions[0]
    apply(band, "stori_add_midi_cc", {"regionId": region.id, "cc": 1, "events": [{"beat": 0, "value": 5}]})
    assert apply(band, "stori_clear_notes", {"regionId": region.id}) == {
        "regionId": region.id,
        "removedCount": 3,
    }
    assert region.notes == [] and len(region.cc_events) == 1


def test_quantize_rule() -> None:
    assert quantize_start(0.1, 0.25, 1.0) == 0.0
    assert quantize_start(0.125, 0.25, 1.0) == 0.25  # a tie goes to the later line
    assert quantize_start(0.2, 0.25, 0.5) == pytest.approx(0.225)
    assert quantize_start(1.7, 1.0, 1.0) == 2.0


def test_quantize_moves_notes_by_strength(project: Project) -> None:
    region = add_region(project, add_track(project, "Keys"))
    add_notes(project, region, [note(60, 0.1), note(62, 0.5), note(64, 1.4)])
    result = apply(project, "stori_quantize_notes", {"regionId": region, "grid": "1/4", "strength": 0.5})
    assert result == {"regionId": region, "grid": "1/4", "strength": 0.5, "movedCount": 3}
    assert _starts(project, region) == pytest.approx([0.05, 0.75, 1.2])
    full = apply(project, "stori_quantize_notes", {"regionId": region})
    assert (full["grid"], full["strength"]) == ("1/16", 1.0)
    assert _starts(project, region) == [0.0, 0.75, 1.25]
    durations = [n.duration_beats for n in project.tracks[0].regions[0].notes]
    assert durations == [0.5, 0.5, 0.5]


def test_quantize_accepts_grid_size_and_rejects_odd_grids(project: Project) -> None:
    region = add_region(project, add_track(project, "Keys"))
    add_notes(project, region, [note(60, 0.3)])
    assert apply(project, "stori_quantize_notes", {"regionId": region, "gridSize": 0.5})["grid"] == "1/8"
    assert _starts(project, region) == [0.5]
    with pytest.raises(ToolError) as exc:
        apply(project, "stori_quantize_notes", {"regionId": region, "gridSize": 0.3})
    assert exc.value.errors[0].code.value == "INVALID_ENUM"


def test_swing_rule() -> None:
    assert swing_start(0.5, 1.0) == pytest.approx(0.5 + 1 / 6)
    assert swing_start(2.46, 0.6) == pytest.approx(2.6)
    assert swing_start(0.25, 1.0) == 0.25
    assert swing_start(1.0, 1.0) == 1.0


def test_swing_delays_off_beats_only(project: Project) -> None:
    region = add_region(project, add_track(project, "Hats"))
    add_notes(project, region, [note(42, 0), note(42, 0.5), note(42, 1), note(42, 1.52), note(42, 1.75)])
    result = apply(project, "stori_apply_swing", {"regionId": region, "amount": 0.6})
    assert result == {"regionId": region, "amount": 0.6, "movedCount": 2}
    assert _starts(project, region) == pytest.approx([0, 0.6, 1, 1.6, 1.75])
    assert apply(project, "stori_apply_swing", {"regionId": region, "amount": 0.0})["movedCount"] == 0
