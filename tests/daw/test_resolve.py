"""Entity references and name matching (tools.md §2.4)."""

from __future__ import annotations

import pytest

from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.instruments import match_instrument
from maestro_mcp.daw.model import Project, new_id
from maestro_mcp.daw.resolve import match_names, resolve_entities, suggest
from maestro_mcp.errors import ErrorCode, ToolError

from .conftest import add_region, add_track


def _error(exc: pytest.ExceptionInfo[ToolError]) -> tuple[str, str, str]:
    item = exc.value.errors[0]
    return item.code.value, item.field, item.message


def test_level_one_exact_name_wins_over_word_match() -> None:
    assert match_names("Bass", ["Bass", "Synth Bass"]) == ([0], 1)
    assert match_names("  bass ", ["Synth Bass", "BASS"]) == ([1], 1)


def test_level_two_whole_words() -> None:
    assert match_names("Bass", ["Intro Bass", "Synth Bass", "Bassoon"]) == ([0, 1], 2)
    assert match_names("synth bass", ["Big Synth Bass", "Synth Basses"]) == ([0], 2)


def test_level_three_substring() -> None:
    assert match_names("bas", ["Intro Bass", "Drums"]) == ([0], 3)
    assert match_names("xyz", ["Intro Bass"]) == ([], 0)
    assert match_names("   ", ["Intro Bass"]) == ([], 0)


def test_names_resolve_to_ids(project: Project) -> None:
    bass = add_track(project, "Synth Bass")
    add_track(project, "Drums")
    assert (
        resolve_entities(project, "stori_set_track_volume", {"trackId": "bass", "volumeDb": -3})["trackId"]
        == bass
    )
    assert resolve_entities(project, "stori_mute_track", {"trackId": bass, "muted": True})["trackId"] == bass


def test_alias_name_parameters_feed_the_id(project: Project) -> None:
    bass = add_track(project, "Bass")
    region = add_region(project, bass, name="Verse")
    apply(project, "stori_ensure_bus", {"name": "Reverb"})
    out = resolve_entities(project, "stori_add_send", {"trackName": "Bass", "busName": "reverb"})
    assert out["trackId"] == bass and out["busId"] == project.buses[0].id
    assert "trackName" not in out and "busName" not in out
    assert resolve_entities(project, "stori_clear_notes", {"regionName": "verse"}) == {"regionId": region}
    assert (
        resolve_entities(project, "stori_add_automation", {"trackName": "bass", "points": []})["target"]
        == bass
    )


def test_ambiguous_exact_names(project: Project) -> None:
    add_track(project, "Drums")
    add_track(project, "Drums")
    with pytest.raises(ToolError) as exc:
        resolve_entities(project, "stori_mute_track", {"trackId": "drums", "muted": True})
    assert _error(exc) == ("AMBIGUOUS_ENTITY", "trackId", "2 tracks are named 'drums'; pass the trackId")


def test_ambiguous_word_match_lists_the_candidates(project: Project) -> None:
    add_track(project, "Intro Bass")
    add_track(project, "Synth Bass")
    with pytest.raises(ToolError) as exc:
        resolve_entities(project, "stori_set_track_pan", {"trackName": "Bass", "pan": 10})
    code, field, message = _error(exc)
    assert (code, field) == ("AMBIGUOUS_ENTITY", "trackName")
    assert "'Intro Bass'" in message and "'Synth Bass'" in message and "pass the trackId" in message


def test_not_found_suggests_up_to_three_by_edit_distance(project: Project) -> None:
    for name in ("Chorus Lead", "Chords", "Choir", "Cello", "Drums"):
        add_region(project, add_track(project, name), name=name)
    with pytest.raises(ToolError) as exc:
        resolve_entities(project, "stori_clear_notes", {"regionId": "Chorsd"})
    code, field, message = _error(exc)
    assert (code, field) == ("ENTITY_NOT_FOUND", "regionId")
    assert message.startswith("no region with id or name 'Chorsd'; did you mean 'Chords'")
    assert message.count("'") // 2 <= 4  # the text plus at most three suggestions
    assert "Drums" not in message


def test_suggestions_are_bounded() -> None:
    assert suggest("Chorsd", ["Chords", "Choir", "Chorus Lead", "Cello", "Drums"]) == [
        "Chords",
        "Choir",
        "Chorus Lead",
    ]
    assert len(suggest("a", ["b", "c", "d", "e", "f"])) == 3
    assert suggest("zzzzzzzz", ["Drums"]) == []


def test_an_id_of_another_kind_is_named(project: Project) -> None:
    track = add_track(project, "Bass")
    with pytest.raises(ToolError) as exc:
        resolve_entities(project, "stori_add_notes", {"regionId": track, "notes": []})
    assert _error(exc) == (
        "ENTITY_NOT_FOUND",
        "regionId",
        f"'{track}' is a track id; this parameter needs a region id",
    )


def test_missing_bus_hints_at_ensure_bus(project: Project) -> None:
    add_track(project, "Bass")
    with pytest.raises(ToolError) as exc:
        resolve_entities(project, "stori_add_send", {"trackId": "Bass", "busId": "Reverb"})
    code, field, message = _error(exc)
    assert (code, field) == ("ENTITY_NOT_FOUND", "busId")
    assert "stori_ensure_bus" in message


def test_unknown_uuid_passes_only_on_the_daw_route(project: Project) -> None:
    foreign = new_id()
    assert (
        resolve_entities(project, "stori_mute_track", {"trackId": foreign}, pass_unknown_ids=True)["trackId"]
        == foreign
    )
    with pytest.raises(ToolError) as exc:
        resolve_entities(project, "stori_mute_track", {"trackId": foreign})
    assert exc.value.errors[0].code is ErrorCode.ENTITY_NOT_FOUND
    with pytest.raises(ToolError):
        resolve_entities(project, "stori_mute_track", {"trackId": "Bass"}, pass_unknown_ids=True)


def test_creation_ids_are_not_references(project: Project) -> None:
    minted = new_id()
    params = {"trackId": minted, "name": "Bass"}
    assert resolve_entities(project, "stori_add_midi_track", params) == params


def test_instrument_table_longest_phrase_wins() -> None:
    def program(text: str) -> int | None:
        found = match_instrument(text)
        assert found is not None
        return found.program

    assert program("Synth Bass") == 38
    assert program("Lead Guitar") == 27
    assert program("reese bass") == 38
    assert program("Rhodes") == 4
    assert program("Marimba") == 12
    assert program("Big Drums") is None  # a kit
    assert match_instrument("Theremin") is None
