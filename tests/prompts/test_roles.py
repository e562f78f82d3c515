"""Role resolution (stori-prompt.md §7.1) over the instrument table of §7.2."""

from __future__ import annotations

import pytest

from maestro_mcp.prompts.roles import resolve_role, resolve_roles, track_name


@pytest.mark.parametrize(
    ("text", "name", "role", "program", "icon"),
    [
        ("drums", "Drums", "drums", None, "instrument.drum"),
        ("synth bass", "Synth Bass", "bass", 38, "waveform"),
        ("pads", "Pads", "pads", 89, "sparkles"),
        ("fx", "FX", "fx", 99, "sparkles"),
        ("perc", "Perc", "drums", None, "instrument.drum"),
        ("lead guitar", "Lead Guitar", "lead", 27, "guitars"),
        ("reese bass", "Reese Bass", "bass", 38, "waveform"),
        ("808", "808", "bass", 38, "waveform"),
        ("upright bass", "Upright Bass", "bass", 32, "guitars"),
        ("keys", "Keys", "chords", 4, "pianokeys"),
        ("marimba", "Marimba", "melody", 12, "instrument.xylophone"),
        ("sfx riser", "SFX Riser", "fx", 99, "sparkles"),
    ],
)
def test_table_rows(text: str, name: str, role: str, program: int | None, icon: str) -> None:
    resolved = resolve_role(text)
    assert (resolved.track_name, resolved.generator_role, resolved.gm_program, resolved.icon) == (
        name, role, program, icon,
    )  # fmt: skip
    assert resolved.is_drums is (program is None)


def test_no_match_is_melody_program_0_with_the_word_as_name() -> None:
    resolved = resolve_role("theremin")
    assert (resolved.track_name, resolved.generator_role, resolved.gm_program, resolved.icon, resolved.matched) == (
        "Theremin", "melody", 0, "music.note", False,
    )  # fmt: skip


def test_track_names() -> None:
    assert track_name("dj  scratch") == "DJ Scratch"
    assert track_name("tr-808 kit") == "TR-808 Kit"
    assert track_name("hi-hat") == "Hi-Hat"


def test_repeated_names_get_numbers() -> None:
    names = [r.track_name for r in resolve_roles(["violin", "violin", "Violin", "viola"])]
    assert names == ["Violin", "Violin 2", "Violin 3", "Viola"]
