"""Music theory: note names, keys and modes, every chord family the issue names, roman numerals, voice
leading. Expected values are music theory facts, written out by hand."""

from __future__ import annotations

import pytest

from maestro_mcp.music.theory import (
    SCALES,
    Scale,
    TheoryError,
    midi_to_note,
    nearest_pitch,
    note_to_midi,
    parse_chord,
    parse_key,
    parse_pitch_class,
    resolve_chord,
    voice_chord,
)

PC = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6, "G": 7, "G#": 8,
      "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}


def pcs(*names: str) -> frozenset[int]:
    return frozenset(PC[n] for n in names)


# -- notes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "midi"),
    [("C4", 60), ("A4", 69), ("C-1", 0), ("G9", 127), ("F#2", 42), ("Gb2", 42), ("Bb3", 58), ("E♭5", 75),
     ("B#3", 60), ("Cb4", 59), ("c4", 60)],
)
def test_note_names_to_midi(name: str, midi: int) -> None:
    assert note_to_midi(name) == midi


def test_midi_to_note_names() -> None:
    assert midi_to_note(60) == "C4"
    assert midi_to_note(61) == "C#4" and midi_to_note(61, flats=True) == "Db4"
    assert midi_to_note(21) == "A0"
    for m in range(0, 128):
        assert note_to_midi(midi_to_note(m)) == m


@pytest.mark.parametrize("bad", ["H4", "C", "C#x", "", "G10"])
def test_bad_note_names_raise(bad: str) -> None:
    with pytest.raises(TheoryError):
        note_to_midi(bad)


def test_pitch_classes() -> None:
    assert [parse_pitch_class(n) for n in ("C", "C#", "Db", "Fb", "E#", "B", "Cb", "Bbb")] == [0, 1, 1, 4, 5, 11, 11, 9]


# -- keys and modes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "root", "mode", "scale"),
    [
        ("C", 0, "major", ("C", "D", "E", "F", "G", "A", "B")),
        ("Am", 9, "minor", ("A", "B", "C", "D", "E", "F", "G")),
        ("F#m", 6, "minor", ("F#", "G#", "A", "B", "C#", "D", "E")),
        ("Eb", 3, "major", ("Eb", "F", "G", "Ab", "Bb", "C", "D")),
        ("Bb major", 10, "major", ("Bb", "C", "D", "Eb", "F", "G", "A")),
        ("A minor", 9, "minor", ("A", "B", "C", "D", "E", "F", "G")),
        ("D dorian", 2, "dorian", ("D", "E", "F", "G", "A", "B", "C")),
        ("E phrygian", 4, "phrygian", ("E", "F", "G", "A", "B", "C", "D")),
        ("F lydian", 5, "lydian", ("F", "G", "A", "B", "C", "D", "E")),
        ("G mixolydian", 7, "mixolydian", ("G", "A", "B", "C", "D", "E", "F")),
        ("B locrian", 11, "locrian", ("B", "C", "D", "E", "F", "G", "A")),
    ],
)
def test_keys_and_modes(text: str, root: int, mode: str, scale: tuple[str, ...]) -> None:
    key = parse_key(text)
    assert (key.root, key.mode) == (root, mode)
    assert key.scale.pcs == tuple(PC[n] for n in scale)


def test_minor_key_admits_raised_sixth_and_seventh() -> None:
    assert parse_key("Am").in_key_pcs() == pcs("A", "B", "C", "D", "E", "F", "G", "F#", "G#")
    assert parse_key("C").in_key_pcs() == pcs("C", "D", "E", "F", "G", "A", "B")


@pytest.mark.parametrize(
    ("scale", "notes"),
    [
        ("harmonic_minor", ("A", "B", "C", "D", "E", "F", "G#")),
        ("melodic_minor", ("A", "B", "C", "D", "E", "F#", "G#")),
        ("natural_minor", ("A", "B", "C", "D", "E", "F", "G")),
        ("major_pentatonic", ("A", "B", "C#", "E", "F#")),
        ("minor_pentatonic", ("A", "C", "D", "E", "G")),
        ("blues", ("A", "C", "D", "Eb", "E", "G")),
    ],
)
def test_scales_beyond_the_church_modes(scale: str, notes: tuple[str, ...]) -> None:
    assert Scale.of(9, scale).pcs == tuple(PC[n] for n in notes)


def test_every_scale_is_rooted_and_ascending() -> None:
    for name, steps in SCALES.items():
        assert steps[0] == 0 and list(steps) == sorted(set(steps)), name


def test_key_spelling_follows_the_signature() -> None:
    assert parse_key("Eb").spell(8) == "Ab" and parse_key("E").spell(8) == "G#"
    assert parse_key("Dm").spell(10) == "Bb" and parse_key("F#m").spell(1) == "C#"


@pytest.mark.parametrize("bad", ["H", "Cx", "C superlocrian", "", "7"])
def test_bad_keys_raise(bad: str) -> None:
    with pytest.raises(TheoryError):
        parse_key(bad)


# -- chords ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "notes"),
    [
        ("C", ("C", "E", "G")),
        ("Cm", ("C", "Eb", "G")),
        ("Cdim", ("C", "Eb", "Gb")),
        ("Caug", ("C", "E", "G#")),
        ("C6", ("C", "E", "G", "A")),
        ("Cm6", ("C", "Eb", "G", "A")),
        ("C7", ("C", "E", "G", "Bb")),
        ("Cmaj7", ("C", "E", "G", "B")),
        ("Cm7", ("C", "Eb", "G", "Bb")),
        ("Cm7b5", ("C", "Eb", "Gb", "Bb")),
        ("Cdim7", ("C", "Eb", "Gb", "A")),
        ("Csus2", ("C", "D", "G")),
        ("Csus4", ("C", "F", "G")),
        ("C7sus4", ("C", "F", "G", "Bb")),
        ("Cadd9", ("C", "E", "G", "D")),
        ("C9", ("C", "E", "G", "Bb", "D")),
        ("Cm9", ("C", "Eb", "G", "Bb", "D")),
        ("Cmaj9", ("C", "E", "G", "B", "D")),
        ("C11", ("C", "E", "G", "Bb", "D", "F")),
        ("C13", ("C", "E", "G", "Bb", "D", "A")),
        ("C7#9", ("C", "E", "G", "Bb", "D#")),
        ("C7b9", ("C", "E", "G", "Bb", "Db")),
        ("F#m7", ("F#", "A", "C#", "E")),
        ("Bb7sus4", ("Bb", "Eb", "F", "Ab")),
        ("Ebmaj7", ("Eb", "G", "Bb", "D")),
        ("Abmaj7", ("Ab", "C", "Eb", "G")),
        ("G7b9", ("G", "B", "D", "F", "Ab")),
    ],
)
def test_chord_families(symbol: str, notes: tuple[str, ...]) -> None:
    chord = parse_chord(symbol)
    assert chord.pcs == pcs(*notes)
    assert chord.root == PC[notes[0]] and chord.bass == chord.root
    assert not chord.warnings


def test_altered_dominant_has_root_third_seventh_and_altered_tensions() -> None:
    chord = parse_chord("G7alt")
    assert {PC["G"], PC["B"], PC["F"]} <= chord.pcs  # root, 3rd, b7
    assert chord.pcs - {PC["G"], PC["B"], PC["F"]} <= pcs("Ab", "A#", "C#", "D#")  # b9 #9 #11/b5 b13/#5
    assert PC["D"] not in chord.pcs and PC["A"] not in chord.pcs  # no natural 5th or 9th


def test_slash_chords_keep_the_written_bass() -> None:
    c_e = parse_chord("C/E")
    assert c_e.pcs == pcs("C", "E", "G") and c_e.bass == PC["E"] and c_e.root == PC["C"]
    d_fs = parse_chord("Dm7/G")
    assert d_fs.pcs == pcs("D", "F", "A", "C", "G") and d_fs.bass == PC["G"]


def test_chord_tones_roles() -> None:
    chord = parse_chord("Cm7b5")
    assert (chord.third, chord.fifth, chord.seventh) == (PC["Eb"], PC["Gb"], PC["Bb"])
    assert chord.is_minor
    assert set(parse_chord("C13").tension_pcs) == pcs("D", "A")


def test_unknown_suffix_warns_and_bad_root_raises() -> None:
    chord = parse_chord("Cm(whatever)")
    assert chord.pcs == pcs("C", "Eb", "G") and chord.warnings
    with pytest.raises(TheoryError):
        parse_chord("H7")


# -- roman numerals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "numeral", "symbol_pcs"),
    [
        ("C", "I", ("C", "E", "G")), ("C", "ii", ("D", "F", "A")), ("C", "iii", ("E", "G", "B")),
        ("C", "IV", ("F", "A", "C")), ("C", "V", ("G", "B", "D")), ("C", "vi", ("A", "C", "E")),
        ("C", "viio", ("B", "D", "F")), ("C", "V7", ("G", "B", "D", "F")), ("C", "ii7", ("D", "F", "A", "C")),
        ("C", "IVmaj7", ("F", "A", "C", "E")), ("C", "bVII", ("Bb", "D", "F")), ("C", "iim7b5", ("D", "F", "Ab", "C")),
        ("Am", "i", ("A", "C", "E")), ("Am", "iv", ("D", "F", "A")), ("Am", "V", ("E", "G#", "B")),
        ("Am", "bVI", ("F", "A", "C")), ("Am", "bIII", ("C", "E", "G")), ("Am", "bVII", ("G", "B", "D")),
        ("Am", "V7b9", ("E", "G#", "B", "D", "F")), ("Cm", "i7", ("C", "Eb", "G", "Bb")),
        ("Cm", "bVImaj7", ("Ab", "C", "Eb", "G")), ("Eb", "vi7", ("C", "Eb", "G", "Bb")),
        ("F#m", "iv", ("B", "D", "F#")),
    ],
)
def test_roman_numerals_in_major_and_minor(key: str, numeral: str, symbol_pcs: tuple[str, ...]) -> None:
    chord = resolve_chord(numeral, parse_key(key))
    assert chord.pcs == pcs(*symbol_pcs)
    assert chord.root == PC[symbol_pcs[0]]


def test_roman_numerals_are_spelled_in_the_key() -> None:
    assert resolve_chord("bVI", parse_key("Cm")).symbol == "Ab"
    assert resolve_chord("V", parse_key("F#m")).symbol == "C#"
    assert resolve_chord("IV", parse_key("Eb")).symbol == "Ab"


# -- voice leading -----------------------------------------------------------------------------------


def movement(a: list[int], b: list[int]) -> int:
    return sum(abs(x - y) for x, y in zip(sorted(a), sorted(b), strict=False))


def test_voice_chord_stays_in_range_and_sounds_the_chord() -> None:
    for symbol in ("Cmaj7", "F#m7b5", "Bb7sus4", "G13", "Ebadd9", "C/E"):
        chord = parse_chord(symbol)
        v = voice_chord(chord, 48, 76, voices=4)
        assert all(48 <= p <= 76 for p in v)
        assert {p % 12 for p in v} <= chord.pcs
        assert len(set(v)) == len(v) >= 3


def test_voice_leading_moves_little() -> None:
    progression = [parse_chord(s) for s in ("Cm7", "Fm7", "Bb7", "Ebmaj7", "Abmaj7", "Dm7b5", "G7", "Cm7")]
    prev: list[int] | None = None
    for chord in progression:
        v = voice_chord(chord, 48, 76, previous=prev, voices=4)
        if prev is not None:
            # Four voices between neighbouring chords of a ii-V cycle: each moves a step or so.
            assert movement(prev, v) <= 8, (chord.symbol, prev, v)
            assert abs(sum(v) / 4 - sum(prev) / 4) <= 3
        prev = v


def test_nearest_pitch() -> None:
    assert nearest_pitch(0, 65) == 60
    assert nearest_pitch(7, 65) == 67
    assert nearest_pitch(0, 50, low=55, high=70) == 60
