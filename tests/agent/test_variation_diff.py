"""The pure diff of variations.md §3: matching, buckets and labels, tags, explanations, controllers."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from maestro_mcp.agent.variation import Scope, compute_variation, variation_events
from maestro_mcp.agent.variation_diff import bar_label, phrase_explanation
from maestro_mcp.agent.variation_model import NoteCounts, Variation
from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project, TimeSignature


def counter_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"id-{next(counter)}"


def n(pitch: int, start: float, duration: float = 1.0, velocity: int = 100) -> dict[str, Any]:
    return {"pitch": pitch, "startBeat": start, "durationBeats": duration, "velocity": velocity}


def song(time_signature: str = "4/4") -> tuple[Project, str, str]:
    project = Project.new(time_signature=TimeSignature.parse(time_signature))
    track = apply(project, "stori_add_midi_track", {"name": "Keys"})["trackId"]
    region = apply(project, "stori_add_midi_region", {"trackId": track, "startBeat": 8, "durationBeats": 40})["regionId"]
    return project, str(track), str(region)


def diff(base: Project, proposed: Project, **kwargs: Any) -> Variation:
    return compute_variation(base, proposed, variation_id="v-1", intent="test", ids=counter_ids(), **kwargs)


def test_identical_projects_have_no_phrases() -> None:
    base, _, region = song()
    apply(base, "stori_add_notes", {"regionId": region, "notes": [n(60, 0)]})
    variation = diff(base, base.model_copy(deep=True))
    assert variation.phrases == [] and variation.note_counts == NoteCounts()
    assert [e["type"] for e in variation_events(variation)] == ["meta", "done"]
    assert variation.last_sequence == 2


def test_bucket_boundaries_are_region_relative_and_labels_project_absolute() -> None:
    base, _, region = song()  # region at beat 8 (bar 3), 40 beats long
    proposed = base.model_copy(deep=True)
    notes = [n(60, 0), n(62, 15.99), n(64, 16), n(65, 31.5), n(67, 32), n(69, 39)]
    apply(proposed, "stori_add_notes", {"regionId": region, "notes": notes})
    variation = diff(base, proposed)
    assert [(p.start_beat, p.end_beat, p.label) for p in variation.phrases] == [
        (8, 24, "Bars 3-6"),
        (24, 40, "Bars 7-10"),
        (40, 48, "Bars 11-12"),  # the last bucket ends with the region
    ]
    assert [[c.after.pitch for c in p.note_changes if c.after] for p in variation.phrases] == [
        [60, 62], [64, 65], [67, 69],
    ]  # fmt: skip
    assert [p.sequence for p in variation.phrases] == [2, 3, 4] and variation.last_sequence == 5


def test_bar_size_and_time_signature_set_the_bucket() -> None:
    base, _, region = song("3/4")  # beatsPerBar 3
    proposed = base.model_copy(deep=True)
    apply(proposed, "stori_add_notes", {"regionId": region, "notes": [n(60, 0), n(60, 3), n(60, 6)]})
    one_bar = diff(base, proposed, bucket_bars=1)
    # The region starts inside bar 3 (beat 8 of 3/4), so every one-bar bucket straddles two bars.
    assert [p.label for p in one_bar.phrases] == ["Bars 3-4", "Bars 4-5", "Bars 5-6"]
    assert [(p.start_beat, p.end_beat) for p in one_bar.phrases] == [(8, 11), (11, 14), (14, 17)]
    assert bar_label(16, 20, 4) == "Bar 5" and bar_label(0, 16, 4) == "Bars 1-4"


def test_matching_tolerance_modifications_and_removals() -> None:
    base, _, region = song()
    apply(base, "stori_add_notes", {"regionId": region, "notes": [n(60, 0), n(62, 1), n(64, 2), n(65, 3, 1.0, 90)]})
    proposed = base.model_copy(deep=True)
    proposed.tracks[0].regions[0].notes = []
    apply(
        proposed, "stori_add_notes",
        {"regionId": region, "notes": [n(60, 0.04), n(62, 1, 1.04, 100), n(64, 2, 2.0), n(65, 3, 1.0, 70)]},
    )  # fmt: skip
    variation = diff(base, proposed)
    changes = variation.phrases[0].note_changes
    kinds = sorted((c.change_type, c.note.pitch) for c in changes)
    # 60 moved by 0.04 and 62 lengthened by 0.04: both within tolerance, so unchanged.
    assert kinds == [("modified", 64), ("modified", 65)]
    assert variation.phrases[0].tags == ["articulationChange", "velocityChange"]
    assert variation.phrases[0].explanation == "Changes 2 notes"
    assert variation.note_counts == NoteCounts(modified=2)


def test_tags_pair_removed_with_added_notes() -> None:
    base, _, region = song()
    apply(base, "stori_add_notes", {"regionId": region, "notes": [n(60, 0), n(60, 1), n(60, 2), n(60, 3), n(60, 5)]})
    proposed = base.model_copy(deep=True)
    proposed.tracks[0].regions[0].notes = []
    # 0: +2 (scale), 1: +4 (harmony), 2: +12 (register), 3: removed with no partner, 4: added with no partner
    apply(proposed, "stori_add_notes", {"regionId": region, "notes": [n(62, 0), n(64, 1), n(72, 2), n(67, 4), n(60, 5)]})
    phrase = diff(base, proposed).phrases[0]
    assert phrase.tags == ["harmonyChange", "pitchChange", "registerChange", "rhythmChange", "scaleChange"]
    assert phrase.explanation == "Adds 4 notes, removes 4"  # the note at 5 is unchanged
    # Same numbers of added and removed notes: no densityChange; one pair only: no rhythmChange.
    proposed2 = base.model_copy(deep=True)
    proposed2.tracks[0].regions[0].notes[0].pitch = 63
    assert diff(base, proposed2).phrases[0].tags == ["harmonyChange", "pitchChange"]


def test_controller_changes_match_exactly() -> None:
    base, _, region = song()
    apply(base, "stori_add_midi_cc", {"regionId": region, "cc": 1, "events": [{"beat": 0, "value": 10}, {"beat": 1, "value": 20}]})
    proposed = base.model_copy(deep=True)
    r = proposed.tracks[0].regions[0]
    r.cc_events[1].value = 30  # a changed value: one removal plus one addition
    apply(proposed, "stori_add_pitch_bend", {"regionId": region, "events": [{"beat": 17, "value": -4096}]})
    apply(proposed, "stori_add_aftertouch", {"regionId": region, "events": [{"beat": 2, "value": 50, "pitch": 60}]})
    variation = diff(base, proposed)
    first, second = variation.phrases
    assert sorted((c.kind, c.change_type, c.beat, c.value, c.cc, c.pitch) for c in first.controller_changes) == [
        ("aftertouch", "added", 2, 50, None, 60),
        ("cc", "added", 1, 30, 1, None),
        ("cc", "removed", 1, 20, 1, None),
    ]
    assert first.explanation == "3 controller changes" and first.note_changes == [] and first.tags == []
    assert [(c.kind, c.value) for c in second.controller_changes] == [("pitchBend", -4096)]
    assert second.explanation == "1 controller change"
    event = variation_events(variation)[1]
    assert "cc" not in event["controllerChanges"][0] or event["controllerChanges"][0]["kind"] == "cc"
    assert all("pitch" not in c for c in event["controllerChanges"] if c["kind"] == "cc")


def test_created_and_deleted_regions_and_track_order() -> None:
    base, keys, region = song()
    apply(base, "stori_add_notes", {"regionId": region, "notes": [n(60, 0)]})
    proposed = base.model_copy(deep=True)
    apply(proposed, "stori_delete_region", {"regionId": region})
    drums = apply(proposed, "stori_add_midi_track", {"name": "Drums", "drumKitId": "TR-808"})["trackId"]
    new_region = apply(proposed, "stori_add_midi_region", {"trackId": drums, "startBeat": 0, "durationBeats": 16})["regionId"]
    apply(proposed, "stori_add_notes", {"regionId": new_region, "notes": [n(36, 0), n(38, 1)]})
    variation = diff(base, proposed, track_order=[drums, keys])
    assert [(p.track_id, p.explanation) for p in variation.phrases] == [(drums, "Adds 2 notes"), (keys, "Removes 1 note")]
    assert variation.affected_tracks == [drums, keys] and variation.affected_regions == [new_region, region]
    assert [r.region_id for r in variation.created_regions] == [new_region]
    assert [t.id for t in variation.created_tracks] == [drums] and variation.created_tracks[0].regions == []


def test_scope_drops_changes_outside_it() -> None:
    base, _, region = song()
    proposed = base.model_copy(deep=True)
    apply(proposed, "stori_add_notes", {"regionId": region, "notes": [n(60, 0), n(62, 20)]})
    inside = diff(base, proposed, scope=Scope(beat_range=(24.0, 64.0)))  # project-absolute: region starts at 8
    assert [c.note.pitch for p in inside.phrases for c in p.note_changes] == [62]
    assert diff(base, proposed, scope=Scope(track_ids=("other",))).phrases == []


def test_ids_and_sse_shape() -> None:
    base, _, region = song()
    proposed = base.model_copy(deep=True)
    apply(proposed, "stori_add_notes", {"regionId": region, "notes": [n(60, 0)]})
    variation = diff(base, proposed, base_state_id=7, ai_explanation="Composed 1 instrument over 4 bars")
    assert variation.phrases[0].phrase_id == "id-1" and variation.phrases[0].note_changes[0].note_id == "id-2"
    meta, phrase, done = variation_events(variation)
    assert meta == {
        "type": "meta", "variationId": "v-1", "projectId": base.id, "baseStateId": "7", "intent": "test",
        "aiExplanation": "Composed 1 instrument over 4 bars", "affectedTracks": variation.affected_tracks,
        "affectedRegions": [region], "noteCounts": {"added": 1, "removed": 0, "modified": 0},
    }  # fmt: skip
    assert "sequence" not in phrase and "before" not in phrase["noteChanges"][0]
    assert done == {"type": "done", "variationId": "v-1", "phraseCount": 1, "status": "ready"}
    rest = variation.rest()
    assert rest["phrases"][0]["noteChanges"][0]["before"] is None and rest["phrases"][0]["sequence"] == 2
    assert "toolCalls" not in rest and "createdRegions" not in rest


@pytest.mark.parametrize(
    ("counts", "controllers", "text"),
    [
        (NoteCounts(added=4), 0, "Adds 4 notes"),
        (NoteCounts(added=3, removed=1, modified=2), 0, "Adds 3 notes, removes 1, changes 2"),
        (NoteCounts(removed=1), 0, "Removes 1 note"),
        (NoteCounts(added=8), 4, "Adds 8 notes; 4 controller changes"),
        (NoteCounts(), 2, "2 controller changes"),
        (NoteCounts(modified=1, removed=2), 1, "Removes 2 notes, changes 1; 1 controller change"),
    ],
)
def test_explanation_pattern(counts: NoteCounts, controllers: int, text: str) -> None:
    assert phrase_explanation(counts, controllers) == text
