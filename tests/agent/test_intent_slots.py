"""Slot extraction: the ordered rules' slots (intents.md §4.4) and composition slots (§5)."""

from __future__ import annotations

from typing import Any

import pytest

from maestro_mcp.agent.compose_slots import composition_slots, instrument_phrases
from maestro_mcp.agent.intent import classify_rules
from maestro_mcp.agent.slots import title_case
from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("Play from bar 9", {"bar": 9, "fromBeat": 32.0}),
        ("play from beat 6.5", {"fromBeat": 6.5}),
        ("go to bar 17", {"bar": 17}),
        ("seek to beat 12", {"beat": 12}),
        ("hide piano roll", {"panel": "piano_roll", "visible": False}),
        ("open the step sequencer", {"panel": "step_sequencer", "visible": True}),
        ("set zoom to 150%", {"zoomPercent": 150}),
        ("zoom out", {"direction": "out"}),
        ("change the bpm to 92.5", {"tempo": 92.5}),
        ("92 bpm", {"tempo": 92}),
        ("Change the key to F#m", {"key": "F#m"}),
        ("set the key to a minor", {"key": "Am"}),
        ("set key to bb major", {"key": "Bb"}),
        ("add a drum track", {"name": "Drum"}),
        ("add an fx track", {"name": "FX"}),
        ("add a synth bass track", {"name": "Synth Bass"}),
        ("create a new midi track", {"name": None}),
        ("rename bass to Sub Bass", {"track": "bass", "name": "Sub Bass"}),
        ("unmute the Keys track", {"track": "Keys", "muted": False}),
        ("solo the lead", {"track": "lead", "solo": True}),
        ("set the drums volume to -6 db", {"track": "drums", "volumeDb": -6.0}),
        ("make the bass louder", {"track": "bass", "deltaDb": 3.0}),
        ("turn the pads down", {"track": "pads", "deltaDb": -3.0}),
        ("pan the hats to hard left", {"track": "hats", "pan": -100.0}),
        ("pan the keys right", {"track": "keys", "pan": 50.0}),
        ("pan bass centre", {"track": "bass", "pan": 0.0}),
        ("pan the shaker to -30", {"track": "shaker", "pan": -30.0}),
        ("set the keys icon to pianokeys", {"track": "keys", "icon": "pianokeys"}),
        ("change the bass colour to blue", {"track": "bass", "color": "blue"}),
        ("add reverb to the drums", {"effect": "reverb", "track": "drums"}),
        ("add compression to my Lead Vox", {"effect": "compressor", "track": "Lead Vox"}),
        ("add a compressor", {"effect": "compressor", "track": None}),
        ("create a reverb bus", {"name": "Reverb"}),
        ("make a bus", {"name": "Bus"}),
        ("send the pads to the reverb bus", {"track": "pads", "bus": "reverb"}),
        ("clear the notes in the chorus", {"target": "chorus"}),
        ("remove all notes", {"target": None}),
        ("quantize the drums to 1/16", {"grid": "1/16", "target": "drums"}),
        ("quantize bass to 1/8", {"grid": "1/8", "target": "bass"}),
        ("quantize", {"grid": None, "target": None}),
        ("add swing", {"amount": None, "target": None}),
        ("apply swing 60% to the drums", {"amount": 0.6, "target": "drums"}),
        ("swing it", {"amount": None, "target": "it"}),
        ("add cc 74 to the bass", {"cc": 74, "target": "bass"}),
        ("add sustain pedal to the piano", {"cc": 64, "target": "piano"}),
        ("write expression on the strings", {"cc": 11, "target": "strings"}),
        ("add a pitch bend to the lead", {"target": "lead"}),
    ],
)
def test_rule_slots(text: str, slots: dict[str, Any]) -> None:
    assert classify_rules(text).slots == slots


def test_notes_add_slots() -> None:
    result = classify_rules("add some hi-hats to the chorus")
    assert result.slots == {"instrument": "hi-hats", "role": "drums", "target": "chorus"}
    assert classify_rules("add some notes to the chorus").slots["instrument"] is None


def test_title_case() -> None:
    assert title_case("synth bass") == "Synth Bass"
    assert title_case("hi-hats") == "Hi-Hats"
    assert title_case("dj fx 808") == "DJ FX 808"


def test_instrument_phrases_in_order() -> None:
    found = [(p, i.role) for p, i in instrument_phrases("piano, upright bass, hi-hats and a synth lead")]
    assert found == [
        ("piano", "chords"),
        ("upright bass", "bass"),
        ("hi-hats", "drums"),
        ("synth lead", "lead"),
    ]


def _project_with_tracks(tempo: float = 100.0, key: str = "Eb") -> Project:
    project = Project.new(tempo=tempo, key=key)
    apply(project, "stori_add_midi_track", {"name": "Drums"})
    return project


def test_composition_slots_lofi_example() -> None:
    slots = composition_slots("make a chill lo-fi beat at 75 bpm in A minor")
    assert (slots.style_profile, slots.style_found, slots.key, slots.tempo, slots.bars) == (
        "lofi", True, "Am", 75.0, 4,
    )  # fmt: skip
    assert slots.roles == ["drums"] and slots.tempo_source == "text" and slots.roles_source == "text"
    assert "chill" in slots.style and composition_slots(slots.style).style_profile == "lofi"


def test_composition_tempo_from_the_style_only_on_an_empty_project() -> None:
    empty = composition_slots("compose a cinematic intro in D minor", Project.new())
    assert (empty.tempo, empty.tempo_source, empty.key) == (90.0, "style", "Dm")
    assert empty.roles == ["strings", "chords", "melody"] and empty.roles_source == "style"
    busy = composition_slots("compose a cinematic intro in D minor", _project_with_tracks())
    assert (busy.tempo, busy.tempo_source) == (100.0, "project")


def test_composition_defaults_come_from_the_project() -> None:
    slots = composition_slots("make something groovy", _project_with_tracks(tempo=97, key="Eb"))
    assert (slots.style, slots.style_profile, slots.key, slots.key_source, slots.tempo, slots.bars) == (
        "generic", "generic", "Eb", "project", 97.0, 4,
    )  # fmt: skip
    assert slots.roles == ["drums", "bass", "chords", "melody"]
    assert composition_slots("make something").key == "C"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write 8 bars of jazz with piano, upright bass and drums in Bb", ("jazz", "Bb", 8, ["piano", "upright bass", "drums"])),
        ("make a 16-bar house groove with a synth bass and hi-hats", ("house", "C", 16, ["synth bass", "hi-hats"])),
        ("make a drum and bass tune in F# minor", ("dnb", "F#m", 4, ["drums", "bass", "pads"])),
        ("make a beat in a lofi style", ("lofi", "C", 4, ["drums"])),
        ("a melody in D dorian over 12 bars", ("generic", "D dorian", 12, ["melody"])),
        ("give me a trap beat with an 808", ("trap", "C", 4, ["drums", "808"])),
        ("make a beat with a drum loop and a kick", ("generic", "C", 4, ["drums", "kick"])),
    ],
)  # fmt: skip
def test_composition_slot_cases(text: str, expected: tuple[str, str, int, list[str]]) -> None:
    slots = composition_slots(text)
    assert (slots.style_profile, slots.key, slots.bars, slots.roles) == expected


def test_composition_tempo_limits() -> None:
    assert composition_slots("make a beat at 300 bpm").tempo_source != "text"
    assert composition_slots("make a house beat at 124").tempo == 124.0
    assert composition_slots("write 200 bars of techno").bars == 4


def test_prompt_fields() -> None:
    fields = composition_slots("make a boom bap beat at 90 bpm in C minor with bass").prompt_fields()
    assert fields == {
        "Mode": "compose",
        "Style": "hiphop",
        "Key": "Cm",
        "Tempo": 90.0,
        "Role": ["drums", "bass"],
        "Constraints": {"bars": 4},
        "Request": "make a boom bap beat at 90 bpm in C minor with bass",
    }
    assert "Style" not in composition_slots("make a beat").prompt_fields()


def test_compose_result_carries_the_slots() -> None:
    result = classify_rules("make a chill lo-fi beat at 75 bpm in A minor", project=Project.new())
    assert (
        result.slots["key"] == "Am" and result.slots["tempo"] == 75.0 and result.slots["roles"] == ["drums"]
    )


def test_key_of_and_hi_hat_spelling() -> None:
    assert composition_slots("make a song in the key of E minor").key == "Em"
    assert classify_rules("add a hi hat to the chorus").slots["instrument"] == "hi-hat"
