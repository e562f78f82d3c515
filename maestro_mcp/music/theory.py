"""Pitch, key, scale and chord theory: names <-> MIDI, keys with modes, chord symbols, roman numerals,
voice leading. Pure functions; errors are ``TheoryError`` with a message fit for a user.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

C4 = 60


class TheoryError(ValueError):
    """A key, note, chord or numeral text that cannot be read."""


SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"#": 1, "♯": 1, "b": -1, "♭": -1, "": 0, "##": 2, "bb": -2}

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "natural_minor": (0, 2, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "major_pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
}
SCALE_ALIASES = {
    "ionian": "major",
    "aeolian": "natural_minor",
    "minor": "natural_minor",
    "pentatonic": "major_pentatonic",
}

# Mode name -> scale name. "major"/"minor" are the two plain qualities; the rest are church modes.
MODES = ("major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian")
_MODE_WORDS = {
    "m": "minor", "min": "minor", "minor": "minor", "aeolian": "minor",
    "maj": "major", "major": "major", "ionian": "major", "": "major",
    "dorian": "dorian", "phrygian": "phrygian", "lydian": "lydian",
    "mixolydian": "mixolydian", "locrian": "locrian",
}
_MODE_SCALE = {"major": "major", "minor": "natural_minor"}
# Semitones from a mode's tonic up to its relative major's tonic (for key-signature spelling).
_MODE_TO_IONIAN = {"major": 0, "minor": 3, "dorian": 10, "phrygian": 8, "lydian": 7, "mixolydian": 5, "locrian": 1}
_FLAT_IONIANS = {5, 10, 3, 8, 1, 6}  # F Bb Eb Ab Db Gb


def parse_pitch_class(text: str) -> int:
    """``"Eb"`` -> 3. Accepts ``#``, ``b``, ``♯``, ``♭`` (and doubles)."""
    m = re.fullmatch(r"\s*([A-Ga-g])(##|bb|#|b|♯|♭)?\s*", text)
    if not m:
        raise TheoryError(f"'{text}' is not a note name (A-G with optional # or b)")
    return (_LETTER_PC[m.group(1).upper()] + _ACCIDENTAL[m.group(2) or ""]) % 12


def note_to_midi(text: str) -> int:
    """``"C4"`` -> 60, ``"F#2"`` -> 42. Octave numbers follow C4 = 60."""
    m = re.fullmatch(r"\s*([A-Ga-g](?:##|bb|#|b|♯|♭)?)(-?\d+)\s*", text)
    if not m:
        raise TheoryError(f"'{text}' is not a note with an octave (e.g. C4, F#2, Bb3)")
    midi = (int(m.group(2)) + 1) * 12 + _LETTER_PC[m.group(1)[0].upper()] + _ACCIDENTAL[m.group(1)[1:]]
    if not 0 <= midi <= 127:
        raise TheoryError(f"'{text}' is outside the MIDI range 0-127")
    return midi


def midi_to_note(pitch: int, flats: bool = False) -> str:
    names = FLAT_NAMES if flats else SHARP_NAMES
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def pc_name(pc: int, flats: bool) -> str:
    return (FLAT_NAMES if flats else SHARP_NAMES)[pc % 12]


@dataclass(frozen=True, slots=True)
class Key:
    root: int  # pitch class
    mode: str  # one of MODES
    root_name: str  # as spelled by the user (normalised: "F#", "Bb")

    @property
    def scale_name(self) -> str:
        return _MODE_SCALE.get(self.mode, self.mode)

    @property
    def scale(self) -> Scale:
        return Scale.of(self.root, self.scale_name)

    @property
    def is_minor(self) -> bool:
        return self.mode in ("minor", "dorian", "phrygian", "locrian")

    @property
    def flats(self) -> bool:
        """Spell with flats when the key signature has flats (F major and the flat keys, their relatives)."""
        if "b" in self.root_name[1:]:
            return True
        if "#" in self.root_name[1:]:
            return False
        return (self.root + _MODE_TO_IONIAN[self.mode]) % 12 in _FLAT_IONIANS

    @property
    def name(self) -> str:
        """Output form of tools.md §3: ``C``, ``Cm``, ``F#m``, ``Bb``, ``D dorian``."""
        if self.mode == "major":
            return self.root_name
        if self.mode == "minor":
            return f"{self.root_name}m"
        return f"{self.root_name} {self.mode}"

    def in_key_pcs(self) -> frozenset[int]:
        """Pitch classes counted as in key; a minor key also admits its raised 6th and 7th."""
        pcs = set(self.scale.pcs)
        if self.mode == "minor":
            pcs |= {(self.root + 9) % 12, (self.root + 11) % 12}
        return frozenset(pcs)

    def spell(self, pc: int) -> str:
        return pc_name(pc, self.flats)


def parse_key(text: str) -> Key:
    """Read a key as tools.md §3 allows: ``C``, ``Cm``, ``F#m``, ``Bb major``, ``D dorian``, ``A minor``."""
    raw = text.strip()
    m = re.fullmatch(r"([A-Ga-g])(#|b|♯|♭)?\s*([A-Za-z]*)", raw)
    if not m:
        raise TheoryError(f"'{text}' is not a key (e.g. C, Cm, F#m, Bb, D dorian)")
    quality = m.group(3)
    mode = _MODE_WORDS.get(quality) if quality in ("m", "") else _MODE_WORDS.get(quality.lower())
    if mode is None:
        raise TheoryError(f"'{text}' is not a key: unknown quality '{quality}' (use m, maj, minor, major or a mode name)")
    accidental = {"♯": "#", "♭": "b"}.get(m.group(2) or "", m.group(2) or "")
    root_name = m.group(1).upper() + accidental
    return Key(root=parse_pitch_class(root_name), mode=mode, root_name=root_name)


@dataclass(frozen=True, slots=True)
class Scale:
    root: int
    name: str
    pcs: tuple[int, ...]  # pitch classes in scale order, starting at the root

    @staticmethod
    def of(root: int, name: str) -> Scale:
        canonical = SCALE_ALIASES.get(name, name)
        if canonical not in SCALES:
            raise TheoryError(f"unknown scale '{name}'; use one of {', '.join(SCALES)}")
        return Scale(root % 12, canonical, tuple((root + i) % 12 for i in SCALES[canonical]))

    def contains(self, pitch: int) -> bool:
        return pitch % 12 in self.pcs

    def pitches(self, low: int, high: int) -> list[int]:
        """Every scale pitch in [low, high], ascending."""
        pcs = set(self.pcs)
        return [p for p in range(max(0, low), min(127, high) + 1) if p % 12 in pcs]

    def degree_pc(self, degree: int) -> int:
        """0-based scale degree (wrapping) -> pitch class."""
        return self.pcs[degree % len(self.pcs)]


# ---------------------------------------------------------------------------------------------------
# Chords

# Suffix -> intervals above the root. Order matters only for readability; lookup is exact.
_CHORD_SUFFIXES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7), "maj": (0, 4, 7), "M": (0, 4, 7),
    "m": (0, 3, 7), "min": (0, 3, 7), "-": (0, 3, 7),
    "dim": (0, 3, 6), "°": (0, 3, 6), "o": (0, 3, 6),
    "aug": (0, 4, 8), "+": (0, 4, 8),
    "5": (0, 7),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "sus": (0, 5, 7),
    "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9), "69": (0, 4, 7, 9, 14), "6/9": (0, 4, 7, 9, 14),
    "m69": (0, 3, 7, 9, 14),
    "7": (0, 4, 7, 10), "dom7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11), "M7": (0, 4, 7, 11), "Δ": (0, 4, 7, 11), "Δ7": (0, 4, 7, 11), "ma7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10), "min7": (0, 3, 7, 10), "-7": (0, 3, 7, 10),
    "mmaj7": (0, 3, 7, 11), "m(maj7)": (0, 3, 7, 11), "mM7": (0, 3, 7, 11),
    "m7b5": (0, 3, 6, 10), "ø": (0, 3, 6, 10), "ø7": (0, 3, 6, 10), "min7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9), "°7": (0, 3, 6, 9), "o7": (0, 3, 6, 9),
    "aug7": (0, 4, 8, 10), "+7": (0, 4, 8, 10), "7#5": (0, 4, 8, 10), "7+5": (0, 4, 8, 10),
    "7b5": (0, 4, 6, 10),
    "7sus4": (0, 5, 7, 10), "7sus": (0, 5, 7, 10), "7sus2": (0, 2, 7, 10), "9sus4": (0, 5, 7, 10, 14),
    "add9": (0, 4, 7, 14), "add2": (0, 2, 4, 7), "madd9": (0, 3, 7, 14), "m(add9)": (0, 3, 7, 14),
    "add11": (0, 4, 7, 17), "add4": (0, 4, 5, 7),
    "9": (0, 4, 7, 10, 14), "m9": (0, 3, 7, 10, 14), "maj9": (0, 4, 7, 11, 14), "M9": (0, 4, 7, 11, 14),
    "11": (0, 4, 7, 10, 14, 17), "m11": (0, 3, 7, 10, 14, 17), "maj11": (0, 4, 7, 11, 14, 17),
    "13": (0, 4, 7, 10, 14, 21), "m13": (0, 3, 7, 10, 14, 21), "maj13": (0, 4, 7, 11, 14, 21),
    "7b9": (0, 4, 7, 10, 13), "7#9": (0, 4, 7, 10, 15), "7#11": (0, 4, 7, 10, 18), "7b13": (0, 4, 7, 10, 20),
    "7alt": (0, 4, 10, 13, 15, 20), "alt": (0, 4, 10, 13, 15, 20),
    "maj7#11": (0, 4, 7, 11, 18), "9#11": (0, 4, 7, 10, 14, 18), "13b9": (0, 4, 7, 10, 13, 21),
    "7b9b13": (0, 4, 7, 10, 13, 20), "7#9b13": (0, 4, 7, 10, 15, 20),
}
_CHORD_RE = re.compile(r"^([A-G])(#|b|♯|♭)?([^/]*?)(?:/([A-G](?:#|b|♯|♭)?))?$")


@dataclass(frozen=True, slots=True)
class Chord:
    root: int  # pitch class
    intervals: tuple[int, ...]  # semitones above the root, ascending, root (0) first
    bass: int  # pitch class of the bass note (root unless a slash chord)
    symbol: str  # canonical spelling
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def pcs(self) -> frozenset[int]:
        return frozenset((self.root + i) % 12 for i in self.intervals) | {self.bass}

    @property
    def is_minor(self) -> bool:
        return 3 in self.intervals and 4 not in self.intervals

    @property
    def third(self) -> int | None:
        for i in (4, 3, 5, 2):  # sus chords lend their 4th/2nd
            if i in self.intervals:
                return (self.root + i) % 12
        return None

    @property
    def fifth(self) -> int:
        for i in (7, 6, 8):
            if i in self.intervals:
                return (self.root + i) % 12
        return (self.root + 7) % 12

    @property
    def seventh(self) -> int | None:
        for i in (10, 11, 9):
            if i in self.intervals and len(self.intervals) >= 4:
                return (self.root + i) % 12
        return None

    @property
    def core_pcs(self) -> tuple[int, ...]:
        """Root, third, fifth (and seventh): the tones a bass or melody leans on."""
        out = [self.root]
        if self.third is not None:
            out.append(self.third)
        out.append(self.fifth)
        if self.seventh is not None:
            out.append(self.seventh)
        return tuple(dict.fromkeys(out))

    @property
    def tension_pcs(self) -> tuple[int, ...]:
        core = set(self.core_pcs)
        return tuple(dict.fromkeys((self.root + i) % 12 for i in self.intervals if (self.root + i) % 12 not in core))


def _read_suffix(suffix: str) -> tuple[tuple[int, ...], list[str]]:
    s = suffix.strip().replace("(", "").replace(")", "") if suffix not in _CHORD_SUFFIXES else suffix
    if s in _CHORD_SUFFIXES:
        return _CHORD_SUFFIXES[s], []
    # Peel alterations (b9, #11, add13 ...) off the end and add them to what remains.
    extra: list[int] = []
    alter = re.compile(r"(add)?([b#]?)(2|4|5|6|9|11|13)$")
    rest = s
    while rest and rest not in _CHORD_SUFFIXES:
        m = alter.search(rest)
        if not m:
            break
        degree = {"2": 2, "4": 5, "5": 7, "6": 9, "9": 14, "11": 17, "13": 21}[m.group(3)]
        degree += {"b": -1, "#": 1, "": 0}[m.group(2)]
        extra.append(-degree if m.group(3) == "5" else degree)  # negative marks an altered fifth
        rest = rest[: m.start()]
    if rest in _CHORD_SUFFIXES and extra:
        base = set(_CHORD_SUFFIXES[rest])
        for e in extra:
            if e < 0:  # b5 / #5 replace the fifth
                base.discard(7)
            base.add(abs(e))
        return tuple(sorted(base)), []
    # Unknown: fall back to the leading triad, and say so.
    lead = "m" if re.match(r"(m(?!aj)|min|-)", s) else "dim" if s.startswith(("dim", "°", "o")) else (
        "aug" if s.startswith(("aug", "+")) else ""
    )
    return _CHORD_SUFFIXES[lead], [f"unknown chord suffix '{suffix}': read as its triad"]


def parse_chord(text: str, flats: bool | None = None) -> Chord:
    """``"Cm7"``, ``"Bb7sus4"``, ``"F#m7b5"``, ``"C/E"``, ``"G7alt"`` -> Chord. Invalid root -> TheoryError."""
    raw = text.strip()
    m = _CHORD_RE.match(raw)
    if not m:
        raise TheoryError(f"'{text}' is not a chord symbol (root A-G, optional #/b, quality, optional /bass)")
    accidental = {"♯": "#", "♭": "b"}.get(m.group(2) or "", m.group(2) or "")
    root = parse_pitch_class(m.group(1) + accidental)
    intervals, warnings = _read_suffix(m.group(3))
    bass = parse_pitch_class(m.group(4)) if m.group(4) else root
    use_flats = flats if flats is not None else accidental == "b"
    root_name = m.group(1) + accidental if flats is None else pc_name(root, use_flats)
    symbol = root_name + m.group(3).strip() + (f"/{pc_name(bass, use_flats) if flats is not None else m.group(4)}" if m.group(4) else "")
    return Chord(root, tuple(sorted(set(intervals))), bass, symbol, tuple(warnings))


_ROMAN = {"I": 0, "II": 1, "III": 2, "IV": 3, "V": 4, "VI": 5, "VII": 6}
_ROMAN_RE = re.compile(r"^(b|#|♭|♯)?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(.*)$")


def is_roman(text: str) -> bool:
    return bool(_ROMAN_RE.match(text.strip()))


def parse_roman(text: str, key: Key) -> Chord:
    """A roman numeral in ``key``: case gives the quality, a suffix extends it (``V7``, ``ii7``, ``IVmaj7``,
    ``viio``, ``iiø7``, ``bVII``). Without an accidental the degree is the key's own scale degree; with one,
    the accidental alters the parallel major's degree."""
    raw = text.strip()
    m = _ROMAN_RE.match(raw)
    if not m:
        raise TheoryError(f"'{text}' is not a roman numeral (I-VII / i-vii with optional b/# and suffix)")
    acc, numeral, suffix = m.group(1) or "", m.group(2), m.group(3).strip()
    degree = _ROMAN[numeral.upper()]
    if acc:
        pc = (key.root + SCALES["major"][degree] + (1 if acc in "#♯" else -1)) % 12
    else:
        pc = key.scale.degree_pc(degree) if len(key.scale.pcs) == 7 else (key.root + SCALES["major"][degree]) % 12
    lower = numeral.islower()
    if key.mode == "minor" and degree == 6 and lower and not acc:
        pc = (key.root + 11) % 12  # vii° in minor is built on the leading tone (harmonic minor)
    if suffix in ("o", "°", "dim"):
        quality = "dim"
    elif suffix in ("o7", "°7", "dim7"):
        quality = "dim7"
    elif suffix in ("ø", "ø7", "m7b5"):
        quality = "m7b5"
    elif suffix in ("+", "aug"):
        quality = "aug"
    elif lower and (suffix.startswith("maj") or not suffix.startswith(("m", "dim", "sus", "5"))):
        quality = "m" + suffix  # ii -> m, ii7 -> m7, vimaj7 -> mmaj7
    else:
        quality = suffix
    name = key.spell(pc)
    chord = parse_chord(name + quality, flats=key.flats)
    return chord


def resolve_chord(text: str, key: Key) -> Chord:
    """A chord symbol or a roman numeral, spelled for ``key``."""
    raw = text.strip()
    if _CHORD_RE.match(raw) and not _ROMAN_RE.match(raw):
        return parse_chord(raw, flats=key.flats if raw[1:2] not in ("#", "b", "♯", "♭") else None)
    if _ROMAN_RE.match(raw):
        return parse_roman(raw, key)
    return parse_chord(raw)


def diatonic_triad(key: Key, degree: int, sevenths: bool = False) -> Chord:
    """Stack thirds from scale degree ``degree`` (0-based) of the key's scale."""
    sc = key.scale
    n = len(sc.pcs)
    pcs = [sc.pcs[(degree + 2 * k) % n] for k in range(4 if sevenths else 3)]
    root = pcs[0]
    intervals = tuple(sorted({(p - root) % 12 for p in pcs}))
    name = _name_for_intervals(intervals)
    return parse_chord(key.spell(root) + name, flats=key.flats)


def _name_for_intervals(intervals: tuple[int, ...]) -> str:
    for suffix in ("", "m", "dim", "aug", "maj7", "m7", "7", "m7b5", "dim7", "mmaj7", "aug7"):
        if _CHORD_SUFFIXES[suffix] == intervals:
            return suffix
    return ""


# ---------------------------------------------------------------------------------------------------
# Voice leading


def voice_chord(
    chord: Chord,
    low: int,
    high: int,
    previous: list[int] | None = None,
    voices: int = 4,
    omit_root: bool = False,
    max_span: int = 16,
) -> list[int]:
    """Choose a voicing of ``chord`` inside [low, high] that moves least from ``previous``.

    Picks ``voices`` chord tones (guide tones first: third and seventh, then root, fifth, tensions),
    tries every octave placement in range within ``max_span`` semitones, and scores total movement
    against the previous voicing plus a penalty for close intervals low down (mud) and for distance
    from the range's centre when there is nothing to lead from.
    """
    tones = _voicing_tones(chord, voices, omit_root)
    placements = [[p for p in range(low, high + 1) if p % 12 == pc] for pc in tones]
    if any(not p for p in placements):
        # The range is too narrow for some tone: keep the ones that fit.
        kept = [(pc, p) for pc, p in zip(tones, placements, strict=True) if p]
        if not kept:
            mid = (low + high) // 2
            return [mid - (mid - chord.root) % 12 if mid - (mid - chord.root) % 12 >= low else low]
        tones, placements = [k[0] for k in kept], [k[1] for k in kept]
    centre = (low + high) / 2
    best: list[int] | None = None
    best_cost = float("inf")
    prev = sorted(previous) if previous else None
    for combo in itertools.product(*placements):
        v = sorted(combo)
        if len(set(v)) < len(v) or v[-1] - v[0] > max_span:
            continue
        cost = 0.0
        for a, b in itertools.pairwise(v):
            if b - a < 3 and a < 52:  # seconds below E3 are mud
                cost += 6
            if b - a <= 1:
                cost += 1.5
        if prev:
            cost += _movement(prev, v)
        else:
            cost += abs(sum(v) / len(v) - centre) * 0.6
        if cost < best_cost:
            best_cost, best = cost, v
    if best is None:  # max_span too tight for the range: relax it once
        return voice_chord(chord, low, high, previous, voices, omit_root, max_span + 12) if max_span < 40 else [
            placements[0][0]
        ]
    return best


def _voicing_tones(chord: Chord, voices: int, omit_root: bool) -> list[int]:
    order: list[int] = []
    third, seventh = chord.third, chord.seventh
    for pc in (third, seventh):
        if pc is not None:
            order.append(pc)
    order += list(chord.tension_pcs)
    if not omit_root:
        order.insert(0 if seventh is None else len(order), chord.root)
    order.append(chord.fifth)
    if omit_root and chord.root not in order:
        order.append(chord.root)  # last resort when few tones exist
    tones = list(dict.fromkeys(order))[: max(voices, 1)]
    if len(tones) < min(voices, 3):
        tones = list(dict.fromkeys([*tones, chord.root, chord.fifth]))
    return tones


def _movement(prev: list[int], new: list[int]) -> float:
    """Total semitone motion between two voicings, matched voice by voice after sorting
    (with the outer voices weighed more, since the ear follows them)."""
    n = min(len(prev), len(new))
    a = prev if len(prev) == n else _pick(prev, n)
    b = new if len(new) == n else _pick(new, n)
    cost = float(sum(abs(x - y) for x, y in zip(a, b, strict=True)))
    cost += 0.5 * abs(a[-1] - b[-1])
    return cost + abs(len(prev) - len(new)) * 2


def _pick(v: list[int], n: int) -> list[int]:
    if n <= 1:
        return [v[-1]]
    step = (len(v) - 1) / (n - 1)
    return [v[round(i * step)] for i in range(n)]


def nearest_pitch(pc: int, target: int, low: int = 0, high: int = 127) -> int:
    """The pitch of class ``pc`` nearest to ``target`` inside [low, high] (clamped into range)."""
    base = target - ((target - pc) % 12)
    cands = [base, base + 12]
    cands = [c for c in cands if low <= c <= high] or [c for c in range(low, high + 1) if c % 12 == pc] or [target]
    return min(cands, key=lambda c: (abs(c - target), c))
