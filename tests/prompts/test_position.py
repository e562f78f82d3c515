"""Position grammar (stori-prompt.md §4.1) and resolution, with the worked examples of §4.3."""

from __future__ import annotations

import pytest

from maestro_mcp.daw.model import Project, Region, TimeSignature, Track
from maestro_mcp.prompts.position import (
    PositionError,
    parse_position,
    resolve_position,
    resolve_position_text,
)


def _track(name: str, *spans: tuple[float, float], region_names: bool) -> Track:
    regions = [
        Region(id=f"{name}-{i}", name=name if region_names else "", start_beat=s, duration_beats=e - s)
        for i, (s, e) in enumerate(spans)
    ]
    return Track(id=name, name=name, regions=regions)


def worked_project(region_names: bool = False) -> Project:
    project = Project.new()
    project.tracks = [
        _track("Intro Drums", (0, 16), region_names=region_names),
        _track("Intro Bass", (0, 16), (16, 20), region_names=region_names),
        _track("Verse Pad", (20, 36), region_names=region_names),
        _track("Chorus Lead", (36, 52), region_names=region_names),
    ]
    return project


WORKED = [
    ("48", 48), ("at 0 + 4", 4), ("at bar 5", 16), ("last", 52), ("after intro", 20), ("after intro + 2", 22),
    ("after intro + 1 bar", 24), ("before chorus", 36), ("before chorus - 4", 32), ("alongside verse", 20),
    ("alongside verse + 8", 28), ("between intro verse", 20), ("within verse bar 3", 28), ("after bridge", 52),
]  # fmt: skip


@pytest.mark.parametrize("region_names", [False, True])
@pytest.mark.parametrize(("text", "beat"), WORKED)
def test_worked_examples(text: str, beat: float, region_names: bool) -> None:
    assert resolve_position_text(text, worked_project(region_names)).beat == beat


def test_last_on_empty_project_is_zero_and_relative_forms_too() -> None:
    empty = Project.new()
    assert resolve_position_text("last", empty).beat == 0
    assert resolve_position_text("after intro + 2", empty).beat == 2
    assert resolve_position_text("at bar 3", empty).beat == 8  # absolute forms stay absolute


def test_no_position_is_beat_zero() -> None:
    assert resolve_position(None, worked_project()).beat == 0


def test_edit_example_with_extra_bass_track_resolves_to_20() -> None:
    project = worked_project()
    project.tracks.append(
        Track(id="b", name="Bass", regions=[Region(id="r", start_beat=0, duration_beats=52)])
    )
    assert resolve_position_text("after intro", project).beat == 20


def test_bars_use_the_time_signature() -> None:
    project = worked_project()
    project.time_signature = TimeSignature(numerator=3, denominator=4)
    assert resolve_position_text("bar 5", project).beat == 12
    assert resolve_position_text("after intro + 1 bar", project).beat == 23
    assert resolve_position_text("within verse bar 2", project).beat == 23


def test_between_splits_on_and_for_multi_word_refs() -> None:
    pos = parse_position("Between Intro Bass and Chorus Lead")
    assert (pos.anchor, pos.ref, pos.ref2) == ("between", "Intro Bass", "Chorus Lead")
    assert resolve_position(pos, worked_project()).beat == 20 + (36 - 20) / 2
    assert parse_position("between intro verse").ref2 == "verse"


def test_negative_result_clamps_to_zero_with_warning() -> None:
    resolved = resolve_position_text("at bar 1 - 8", worked_project())
    assert resolved.beat == 0
    assert resolved.warnings and "beat 0" in resolved.warnings[0]


@pytest.mark.parametrize(
    ("text", "anchor", "offset", "unit"),
    [
        ("LAST", "last", 0, "beats"), ("after pre-chorus", "after", 0, "beats"), ("beat 2.5", "beat", 0, "beats"),
        ("at 7", "beat", 0, "beats"), ("bar 5-1", "bar", -1, "beats"), ("after verse-2", "after", 0, "beats"),
        ("after intro +2 beats", "after", 2, "beats"), ("before drop - 2 bars", "before", -2, "bars"),
    ],
)  # fmt: skip
def test_grammar(text: str, anchor: str, offset: float, unit: str) -> None:
    pos = parse_position(text)
    assert (pos.anchor, pos.offset, pos.offset_unit) == (anchor, offset, unit)


def test_hyphenated_reference_is_not_an_offset() -> None:
    assert parse_position("after verse-2").ref == "verse-2"


@pytest.mark.parametrize(
    "text", ["", "somewhere", "after", "between intro", "bar 0", "bar x", "+ 4", "at bar", "within verse"]
)
def test_text_outside_the_grammar_is_an_error(text: str) -> None:
    with pytest.raises(PositionError):
        parse_position(text)
