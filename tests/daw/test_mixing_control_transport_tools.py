"""Effects, routing, automation, MIDI control, playback and UI tools (tools.md §8–9, §11–12)."""

from __future__ import annotations

import pytest

from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project
from maestro_mcp.errors import ToolError

from .conftest import add_region, add_track


def test_insert_effects_append_to_the_chain(project: Project) -> None:
    track = add_track(project, "Bass")
    first = apply(
        project,
        "stori_add_insert_effect",
        {"trackId": "Bass", "type": "compressor", "settings": {"ratio": 4}},
    )
    second = apply(project, "stori_add_insert_effect", {"trackId": track, "type": "eq"})
    assert first == {"trackId": track, "effectId": first["effectId"], "type": "compressor", "position": 0}
    assert second["position"] == 1
    chain = project.tracks[0].effects
    assert [(e.type, e.settings) for e in chain] == [("compressor", {"ratio": 4}), ("eq", None)]
    assert project.to_snapshot()["tracks"][0]["effects"][0] == {
        "effectId": first["effectId"],
        "type": "compressor",
        "settings": {"ratio": 4},
    }


def test_ensure_bus_is_idempotent_by_name(project: Project) -> None:
    created = apply(project, "stori_ensure_bus", {"name": "Reverb"})
    assert created["created"] is True and created["name"] == "Reverb"
    again = apply(project, "stori_ensure_bus", {"name": "reverb"})
    assert again == {"busId": created["busId"], "name": "Reverb", "created": False}
    assert len(project.buses) == 1


def test_send_once_per_bus_then_updates(project: Project) -> None:
    track = add_track(project, "Keys")
    bus = apply(project, "stori_ensure_bus", {"name": "Reverb"})["busId"]
    assert apply(project, "stori_add_send", {"trackId": "Keys", "busId": "Reverb"}) == {
        "trackId": track, "busId": bus, "levelDb": -10.5, "created": True,
    }  # fmt: skip
    updated = apply(project, "stori_add_send", {"trackId": track, "busName": "Reverb", "sendLevel": 0.18})
    assert updated == {"trackId": track, "busId": bus, "levelDb": -14.9, "created": False}
    assert [(s.bus_id, s.level_db) for s in project.tracks[0].sends] == [(bus, -14.9)]
    assert (
        apply(project, "stori_add_send", {"trackId": track, "busId": bus, "sendLevel": 0})["levelDb"] == -60.0
    )


def test_automation_points_replace_and_stay_sorted(project: Project) -> None:
    track = add_track(project, "Pad")
    result = apply(
        project,
        "stori_add_automation",
        {
            "target": "pad",
            "parameter": "Filter Cutoff (CC74)",
            "points": [{"beat": 8, "value": 0.9}, {"beat": 0, "value": 0.1, "curve": "Smooth"}],
        },
    )
    assert result == {"target": track, "parameter": "filter_cutoff", "addedCount": 2, "pointCount": 2}
    again = apply(
        project,
        "stori_add_automation",
        {
            "trackId": track,
            "parameter": "filter_cutoff",
            "points": [{"beat": 8.0005, "value": 0.5}, {"beat": 4, "value": 0.4}],
        },
    )
    assert again["pointCount"] == 3
    lane = project.tracks[0].automation[0]
    assert [(p.beat, p.value, p.curve) for p in lane.points] == [
        (0, 0.1, "Smooth"),
        (4, 0.4, "Linear"),
        (8.0005, 0.5, "Linear"),
    ]
    volume = apply(project, "stori_add_automation", {"target": track, "points": [{"beat": 0, "value": -6}]})
    assert volume["parameter"] == "volume" and len(project.tracks[0].automation) == 2


def test_midi_cc_replaces_same_controller_same_beat(project: Project) -> None:
    region = add_region(project, add_track(project, "Keys"))
    result = apply(
        project,
        "stori_add_midi_cc",
        {"regionId": region, "cc": 64, "events": [{"beat": 0, "value": 127}, {"beat": 3.5, "value": 0}]},
    )
    assert result == {"regionId": region, "cc": 64, "addedCount": 2, "eventCount": 2}
    apply(project, "stori_add_midi_cc", {"regionId": region, "cc": 1, "events": [{"beat": 0, "value": 10}]})
    again = apply(
        project, "stori_add_midi_cc", {"regionId": region, "cc": 64, "events": [{"beat": 0, "value": 100}]}
    )
    assert again["eventCount"] == 2
    events = project.tracks[0].regions[0].cc_events
    assert sorted((e.cc, e.beat, e.value) for e in events) == [(1, 0, 10), (64, 0, 100), (64, 3.5, 0)]


def test_pitch_bend(project: Project) -> None:
    region = add_region(project, add_track(project, "Lead"))
    events = [{"beat": 0, "value": 0}, {"beat": 1, "value": 4096}]
    assert apply(project, "stori_add_pitch_bend", {"regionId": region, "events": events}) == {
        "regionId": region,
        "addedCount": 2,
        "eventCount": 2,
    }
    assert (
        apply(project, "stori_add_pitch_bend", {"regionId": region, "events": [{"beat": 1, "value": -8192}]})[
            "eventCount"
        ]
        == 2
    )
    assert [b.value for b in project.tracks[0].regions[0].pitch_bends] == [0, -8192]


def test_aftertouch_channel_and_poly_kept_apart(project: Project) -> None:
    region = add_region(project, add_track(project, "Keys"))
    events = [
        {"beat": 0, "value": 40},
        {"beat": 0, "value": 50, "pitch": 60},
        {"beat": 0, "value": 60, "pitch": 64},
    ]
    assert apply(project, "stori_add_aftertouch", {"regionId": region, "events": events})["eventCount"] == 3
    assert (
        apply(
            project,
            "stori_add_aftertouch",
            {"regionId": region, "events": [{"beat": 0, "value": 99, "pitch": 60}]},
        )["eventCount"]
        == 3
    )
    assert {(a.pitch, a.value) for a in project.tracks[0].regions[0].aftertouch} == {
        (None, 40),
        (60, 99),
        (64, 60),
    }


def test_play_stop_playhead(project: Project) -> None:
    project.time_signature.numerator = 3
    assert apply(project, "stori_play", {}) == {"playing": True, "positionBeats": 0.0}
    assert apply(project, "stori_set_playhead", {"bar": 3}) == {"positionBeats": 6.0, "positionSeconds": 3.0}
    assert apply(project, "stori_set_playhead", {"seconds": 1.5}) == {
        "positionBeats": 3.0,
        "positionSeconds": 1.5,
    }
    assert apply(project, "stori_set_playhead", {"beat": 2.5})["positionBeats"] == 2.5
    assert apply(project, "stori_stop", {}) == {"playing": False, "positionBeats": 2.5}
    assert apply(project, "stori_play", {"fromBeat": 8}) == {"playing": True, "positionBeats": 8.0}
    with pytest.raises(ToolError) as exc:
        apply(project, "stori_set_playhead", {"bar": 1, "beat": 2})
    assert exc.value.errors[0].code.value == "INVALID_VALUE"


def test_panels_and_zoom(project: Project) -> None:
    assert apply(project, "stori_show_panel", {"panel": "mixer", "visible": True}) == {
        "panel": "mixer",
        "visible": True,
    }
    assert apply(project, "stori_set_zoom", {"zoomPercent": 250}) == {"zoomPercent": 250.0}
    assert project.ui.panels == {"mixer": True} and project.ui.zoom_percent == 250


def test_unknown_tool(project: Project) -> None:
    with pytest.raises(ToolError) as exc:
        apply(project, "stori_generate_drums", {})
    assert exc.value.errors[0].code.value == "UNKNOWN_TOOL"
