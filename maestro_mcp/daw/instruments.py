"""Instrument inference for new tracks: the instrument table of spec/stori-prompt.md §7.2 and the
colour palette of §7.3.

``stori_add_midi_track`` without ``gmProgram``/``drumKitId`` infers them from ``instrument``, else from
``name`` (tools.md §5.1); the DAW cannot repeat that inference, so the server fills the values in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

PALETTE = (
    "#E85D75", "#5B8DEF", "#50C878", "#F5A623", "#9B59B6", "#1ABC9C",
    "#E74C3C", "#3498DB", "#2ECC71", "#F39C12", "#8E44AD", "#16A085",
)  # fmt: skip

# Colour names of tools.md §3, drawn as these hex values (piano roll; the model keeps the name).
COLOR_NAMES = {
    "red": "#E74C3C",
    "orange": "#F39C12",
    "yellow": "#F1C40F",
    "green": "#2ECC71",
    "blue": "#3498DB",
    "purple": "#9B59B6",
    "pink": "#E85D75",
    "teal": "#1ABC9C",
    "indigo": "#5C6BC0",
}

DEFAULT_KIT = "acoustic"
DEFAULT_ICON = "music.note"
DRUM_ICON = "instrument.drum"


@dataclass(frozen=True, slots=True)
class Instrument:
    role: str  # generator role
    program: int | None  # None = a drum kit
    icon: str


# (phrases, role, program or per-phrase programs, icon), in table order: the order breaks ties.
_TABLE: tuple[tuple[str, str, int | tuple[int, ...] | None, str], ...] = (
    ("drums, drum, kit, beat, kick, snare, hihat, hi-hat, hats, perc, percussion, clap, toms, shaker, "
     "congas, bongos, tabla, cajon", "drums", None, "instrument.drum"),
    ("bass, electric bass, bassline, bass line", "bass", 33, "guitars"),
    ("upright bass, acoustic bass, double bass", "bass", 32, "guitars"),
    ("fretless bass", "bass", 35, "guitars"),
    ("synth bass, sub bass, sub, reese, 808", "bass", 38, "waveform"),
    ("tuba", "bass", 58, "instrument.trumpet"),
    ("cello", "bass", 42, "instrument.violin"),
    ("chords, chord, piano", "chords", 0, "pianokeys"),
    ("keys, rhodes, electric piano", "chords", 4, "pianokeys"),
    ("wurlitzer", "chords", 5, "pianokeys"),
    ("harpsichord", "chords", 6, "pianokeys"),
    ("clavinet", "chords", 7, "pianokeys"),
    ("organ", "chords", 16, "pianokeys"),
    ("guitar, acoustic guitar", "chords", 25, "guitars"),
    ("ukulele", "chords", 24, "guitars"),
    ("harp", "chords", 46, "instrument.harp"),
    ("pads, pad, synth, synth pad", "pads", 89, "sparkles"),
    ("strings", "pads", 48, "instrument.violin"),
    ("choir, vocals, voices", "pads", 52, "music.mic"),
    ("lead, synth lead", "lead", 81, "waveform"),
    ("electric guitar, lead guitar, guitar lead", "lead", 27, "guitars"),
    ("arp, arpeggio", "arp", 80, "waveform.path"),
    ("melody", "melody", 73, "music.note"),
    ("violin, fiddle", "melody", 40, "instrument.violin"),
    ("viola", "melody", 41, "instrument.violin"),
    ("flute", "melody", 73, "instrument.flute"),
    ("oboe", "melody", 68, "music.note"),
    ("clarinet", "melody", 71, "music.note"),
    ("trumpet", "melody", 56, "instrument.trumpet"),
    ("trombone", "melody", 57, "instrument.trumpet"),
    ("horn, french horn, horns, brass", "melody", 60, "instrument.trumpet"),
    ("sax, saxophone", "melody", 65, "instrument.saxophone"),
    ("harmonica", "melody", 22, "music.note"),
    ("mandolin", "melody", 25, "guitars"),
    ("banjo", "melody", 105, "guitars"),
    ("bells, glockenspiel, vibraphone, marimba, xylophone", "melody", (9, 9, 11, 12, 13), "instrument.xylophone"),
    ("fx, sfx, riser, effects", "fx", 99, "sparkles"),
)  # fmt: skip


@cache
def _phrases() -> tuple[tuple[str, re.Pattern[str], int, Instrument], ...]:
    rows = []
    for index, (phrases, role, program, icon) in enumerate(_TABLE):
        for i, phrase in enumerate(p.strip() for p in phrases.split(",")):
            prog = program[i] if isinstance(program, tuple) else program
            pattern = re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])")
            rows.append((phrase, pattern, index, Instrument(role, prog, icon)))
    return tuple(rows)


def match_instrument(text: str) -> Instrument | None:
    """The table row for ``text`` (stori-prompt.md §7.1): the longest phrase contained in it as whole
    words wins; equal lengths go to the earlier row. ``None`` when nothing matches."""
    lowered = " ".join(text.lower().split())
    best: tuple[int, int, Instrument] | None = None  # (-length, row, instrument): smallest wins
    for phrase, pattern, row, inst in _phrases():
        if pattern.search(lowered):
            candidate = (-len(phrase), row, inst)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    return best[2] if best else None


@dataclass(frozen=True, slots=True)
class TrackVoice:
    is_drums: bool
    drum_kit_id: str | None
    gm_program: int | None
    icon: str


def infer_voice(
    name: str,
    instrument: str | None,
    drum_kit_id: str | None,
    gm_program: int | None,
    icon: str | None,
) -> TrackVoice:
    """Fill in what the caller left out: kit or program from ``instrument`` else ``name`` (no match →
    program 0), and the icon of the matched row (drum tracks always ``instrument.drum``)."""
    matched = (match_instrument(instrument) if instrument else None) or match_instrument(name)
    if drum_kit_id is None and gm_program is None:
        if matched is not None and matched.program is None:
            drum_kit_id = DEFAULT_KIT
        else:
            gm_program = matched.program if matched is not None else 0
    is_drums = drum_kit_id is not None
    if icon is None:
        if is_drums:
            icon = DRUM_ICON
        elif matched is not None and matched.program is not None:
            icon = matched.icon
        else:
            icon = DEFAULT_ICON
    return TrackVoice(is_drums, drum_kit_id, None if is_drums else gm_program, icon)


def palette_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def display_color(color: str | None, index: int) -> str:
    """A hex colour to draw a track with: its own colour (a name mapped through COLOR_NAMES), else the
    palette colour of its position."""
    if color:
        if color.startswith("#"):
            return color
        named = COLOR_NAMES.get(color.lower())
        if named:
            return named
    return palette_color(index)
