"""Bass rhythm vocabulary: one-bar patterns per bass style, written on the 16th grid of a 4/4 bar, plus each
style's idiom (register, articulation, how it approaches chord changes).

A pattern event is ``(step, length, tone, level)``:

- ``step``/``length`` in 16ths (a 3/4 bar keeps the first 12 steps; longer bars repeat the pattern's head);
- ``tone`` is resolved against the chord sounding at the event:
  ``R`` root, ``O`` root an octave up, ``F`` fifth above, ``f`` fifth below, ``3`` third, ``7`` seventh
  (octave when the chord has none), ``6`` sixth, ``X`` a chord tone chosen for melody, ``P`` a scale step
  (passing tone), ``A`` approach into the next chord (a passing tone when no change is near), ``N`` the next
  chord's root played early (anticipation), ``G`` ghost note (short, soft, dead-sounding);
- ``level`` is how busy the line must be for the event to sound: 0 always, 1 at normal density, 2 only when
  dense. Every pattern keeps at least one level-0 event so a bar is never silent.

Patterns are facts of the idioms (where a house bass sits, what a bossa bar does), written here from scratch.
"""

from __future__ import annotations

from typing import NamedTuple

Event = tuple[int, int, str, int]
Pattern = tuple[Event, ...]


class Idiom(NamedTuple):
    register: tuple[int, int]  # where roots live (MIDI); the line moves around them within the part's range
    gate: float  # sounding fraction of the written length (articulation)
    approach: tuple[float, float, float]  # weights of chromatic / scale-step / fifth-of-target approaches
    auto_approach: float  # chance the last off-beat note before a chord change becomes an approach
    octave_pops: float  # chance an off-beat root jumps up an octave
    downbeat_rest: bool  # the kick owns the downbeat: the chord is stated within its first beat instead
    accents: dict[int, int]  # step -> velocity offset overriding the default beat weights


def _eighths(tones: str, levels: str = "01010101") -> Pattern:
    """Eight 8th notes from a tone string like ``"RORORORA"``."""
    return tuple((i * 2, 2, t, int(lv)) for i, (t, lv) in enumerate(zip(tones, levels, strict=True)))


def _rolling(tones: str) -> Pattern:
    """Psytrance: three 16ths after every kick (e/and/a of each beat, grouped by spaces); ``-`` rests."""
    steps = [s for s in range(16) if s % 4]
    tones = tones.replace(" ", "")
    return tuple((s, 1, t, 0 if s % 4 == 2 else 1) for s, t in zip(steps, tones, strict=True) if t != "-")


PATTERNS: dict[str, tuple[Pattern, ...]] = {
    "root_fifth": (
        ((0, 8, "R", 0), (8, 8, "F", 0)),
        ((0, 4, "R", 0), (8, 4, "f", 0), (12, 4, "A", 1)),  # boom-chick: the guitar fills 2 and 4
        ((0, 6, "R", 0), (6, 2, "P", 2), (8, 6, "F", 0), (14, 2, "A", 1)),
        ((0, 4, "R", 0), (4, 4, "3", 1), (8, 4, "F", 0), (12, 4, "A", 1)),
    ),
    "eighths": (
        _eighths("RRRRRRRA"),
        _eighths("RRRRRROR"),
        ((0, 3, "R", 0), (3, 3, "R", 1), (6, 2, "R", 1), (8, 3, "R", 0), (11, 3, "R", 1), (14, 2, "A", 1)),
        _eighths("RRROFFRA", "01020101"),
        _eighths("RORORORO"),
    ),
    "boom_bap": (
        ((0, 6, "R", 0), (7, 3, "R", 1), (10, 4, "F", 1), (15, 1, "A", 2)),
        ((0, 10, "R", 0), (10, 2, "X", 1), (12, 2, "O", 2), (14, 2, "A", 1)),
        ((0, 3, "R", 0), (3, 4, "R", 1), (10, 4, "R", 0), (14, 2, "A", 2)),
        ((0, 6, "R", 0), (6, 4, "R", 1), (11, 3, "F", 1), (14, 2, "A", 2)),
    ),
    "offbeat": (
        ((2, 2, "R", 0), (6, 2, "R", 0), (10, 2, "R", 0), (14, 2, "R", 0)),
        ((2, 2, "R", 0), (6, 2, "R", 0), (10, 2, "R", 0), (13, 1, "R", 1), (14, 2, "O", 1)),
        ((2, 1, "R", 0), (3, 1, "O", 1), (6, 2, "R", 0), (10, 1, "R", 0), (11, 1, "F", 1), (14, 2, "R", 0)),
        ((2, 2, "R", 0), (6, 2, "O", 1), (10, 2, "R", 0), (14, 2, "F", 1)),
        ((2, 2, "R", 0), (5, 1, "R", 1), (6, 2, "R", 0), (10, 2, "R", 0), (13, 1, "O", 2), (14, 2, "R", 0)),
        ((2, 2, "R", 0), (6, 1, "R", 0), (7, 1, "R", 1), (10, 2, "R", 0), (14, 1, "O", 0), (15, 1, "R", 2)),
    ),
    "octave": (
        _eighths("RORORORO"),
        (*_eighths("RORORORO")[:6], (12, 1, "R", 0), (13, 1, "R", 2), (14, 2, "O", 1)),
        ((0, 1, "R", 0), (1, 1, "R", 2), (2, 2, "O", 1), (4, 2, "R", 0), (6, 2, "O", 1),
         (8, 1, "R", 0), (9, 1, "R", 2), (10, 2, "O", 1), (12, 2, "R", 0), (14, 2, "O", 1)),
        _eighths("ROROROFA"),
    ),
    "funk": (
        ((0, 3, "R", 0), (3, 1, "G", 2), (6, 1, "O", 1), (7, 1, "R", 1), (10, 2, "F", 1), (12, 1, "G", 2),
         (13, 1, "7", 1), (14, 1, "O", 1), (15, 1, "A", 2)),
        ((0, 2, "R", 0), (2, 1, "G", 2), (3, 1, "R", 1), (6, 2, "O", 1), (8, 1, "G", 2), (9, 2, "F", 1),
         (11, 1, "R", 1), (14, 1, "7", 1), (15, 1, "A", 1)),
        ((0, 4, "R", 0), (4, 1, "G", 2), (7, 1, "R", 1), (8, 1, "O", 1), (10, 1, "G", 2), (11, 2, "R", 1),
         (13, 1, "F", 1), (14, 2, "7", 2)),
        ((0, 1, "R", 0), (1, 1, "R", 2), (3, 2, "O", 1), (6, 1, "G", 2), (7, 2, "R", 1), (10, 1, "F", 1),
         (11, 1, "G", 2), (12, 2, "3", 1), (14, 1, "P", 1), (15, 1, "A", 1)),
    ),
    "rolling": (
        _rolling("RRR RRR RRR RRR"),
        _rolling("RRR RRO RRR R-O"),
        _rolling("RRR RRR -RR ROF"),
        _rolling("RRR R-R RRR RRO"),
        _rolling("RRO RRO RRO RRO"),
        _rolling("-RR RRR -RR RRO"),
    ),
    "sustained": (  # reese-style movement inside the bar (dnb)
        ((0, 10, "R", 0), (10, 6, "X", 1)),
        ((0, 6, "R", 0), (6, 4, "R", 1), (10, 6, "F", 1)),
        ((0, 12, "R", 0), (12, 4, "7", 1)),
        ((0, 6, "R", 0), (6, 6, "3", 1), (12, 4, "F", 1)),
    ),
    "sustained_bounce": (  # amapiano: held notes with a log-drum bounce
        ((0, 6, "R", 0), (6, 6, "O", 1), (12, 4, "R", 1)),
        ((0, 3, "R", 0), (3, 5, "R", 1), (10, 4, "F", 1), (14, 2, "A", 2)),
        ((0, 8, "R", 0), (10, 2, "O", 1), (12, 4, "F", 1)),
    ),
    "bossa": (
        ((0, 6, "R", 0), (6, 2, "F", 0), (8, 6, "F", 0), (14, 2, "N", 1)),
        ((0, 6, "R", 0), (6, 8, "F", 0), (14, 2, "N", 1)),
        ((0, 6, "R", 0), (6, 2, "F", 0), (8, 6, "F", 0), (14, 2, "A", 1)),
        ((0, 6, "R", 0), (6, 10, "F", 0)),
    ),
    "one_drop": (
        ((2, 2, "R", 0), (4, 2, "3", 1), (6, 2, "F", 1), (8, 4, "O", 0), (13, 1, "X", 2), (14, 2, "A", 1)),
        ((0, 1, "R", 0), (8, 3, "R", 0), (11, 1, "F", 1), (12, 2, "3", 1), (14, 2, "A", 1)),
        ((2, 4, "R", 0), (8, 3, "F", 0), (11, 1, "X", 2), (12, 4, "7", 1)),
        ((2, 1, "R", 0), (3, 1, "R", 2), (6, 2, "3", 1), (8, 4, "F", 0), (12, 2, "X", 1), (14, 2, "P", 1)),
    ),
    "dembow": (
        ((0, 3, "R", 0), (3, 3, "R", 1), (6, 2, "R", 1), (8, 3, "R", 0), (11, 3, "R", 1), (14, 2, "A", 1)),
        ((0, 3, "R", 0), (3, 3, "F", 1), (6, 2, "O", 1), (8, 3, "R", 0), (11, 3, "F", 1), (14, 2, "N", 1)),
        ((0, 6, "R", 0), (6, 2, "R", 1), (8, 3, "R", 0), (11, 3, "F", 1), (14, 2, "O", 2)),
        ((0, 3, "R", 0), (3, 5, "R", 1), (8, 3, "R", 0), (11, 3, "O", 1), (14, 2, "A", 2)),
    ),
    "afro": (
        ((0, 3, "R", 0), (3, 3, "R", 1), (10, 2, "X", 1), (12, 2, "F", 1)),
        ((0, 2, "R", 0), (3, 3, "F", 1), (8, 2, "R", 1), (11, 1, "X", 2), (14, 2, "N", 1)),
        ((0, 4, "R", 0), (6, 2, "X", 1), (10, 4, "F", 0), (14, 2, "A", 2)),
        ((0, 3, "R", 0), (6, 1, "R", 2), (7, 3, "X", 1), (12, 2, "O", 1), (14, 1, "P", 2), (15, 1, "A", 2)),
    ),
    "two_step": (
        ((0, 2, "R", 0), (3, 1, "R", 2), (6, 2, "O", 1), (10, 2, "R", 0), (13, 2, "F", 1)),
        ((0, 3, "R", 0), (7, 1, "R", 2), (10, 3, "R", 0), (14, 1, "O", 1), (15, 1, "A", 2)),
        ((0, 2, "R", 0), (2, 1, "G", 2), (6, 3, "R", 1), (11, 2, "F", 1), (14, 2, "O", 1)),
        ((0, 3, "R", 0), (5, 1, "O", 1), (10, 2, "R", 0), (11, 1, "G", 2), (14, 2, "F", 1)),
    ),
    "tuba": (
        ((0, 4, "R", 0), (8, 4, "f", 0), (14, 2, "A", 1)),
        ((0, 4, "R", 0), (4, 4, "3", 1), (8, 4, "F", 0), (12, 2, "P", 1), (14, 2, "A", 1)),
        ((0, 6, "R", 0), (6, 2, "P", 2), (8, 4, "f", 0), (12, 4, "A", 1)),
        ((0, 4, "R", 0), (6, 2, "R", 2), (8, 4, "F", 0), (12, 2, "3", 1), (14, 2, "A", 1)),
    ),
}

# Phrase-end bars: busier figures that lead into the next phrase.
FILLS: dict[str, tuple[Pattern, ...]] = {
    "root_fifth": (
        ((0, 4, "R", 0), (4, 4, "F", 0), (8, 4, "O", 1), (12, 2, "P", 1), (14, 2, "A", 1)),
        ((0, 8, "R", 0), (8, 4, "F", 0), (12, 4, "A", 0)),
    ),
    "eighths": (
        (*_eighths("RRRROOFP")[:-1], (14, 1, "P", 1), (15, 1, "A", 1)),
        _eighths("RRRRFF3A"),
    ),
    "boom_bap": (((0, 6, "R", 0), (6, 2, "O", 1), (8, 2, "F", 1), (10, 4, "R", 0), (14, 1, "P", 1), (15, 1, "A", 1)),),
    "offbeat": (((2, 2, "R", 0), (6, 2, "R", 0), (10, 2, "O", 0), (13, 1, "R", 1), (14, 1, "F", 1), (15, 1, "A", 1)),),
    "octave": (_eighths("ROROOF3A"),),
    "funk": (
        ((0, 2, "R", 0), (3, 1, "O", 1), (4, 1, "G", 2), (6, 1, "R", 1), (8, 1, "O", 1), (9, 1, "7", 1),
         (10, 1, "F", 1), (12, 1, "R", 1), (13, 1, "P", 1), (14, 1, "P", 1), (15, 1, "A", 1)),
    ),
    "rolling": (_rolling("RRR RRO RRR FOA"),),
    "one_drop": (((2, 2, "R", 0), (4, 2, "F", 1), (6, 2, "X", 1), (8, 2, "O", 0), (10, 2, "3", 1), (12, 2, "P", 1),
                  (14, 2, "A", 1)),),
    "dembow": (((0, 3, "R", 0), (3, 3, "R", 1), (6, 2, "O", 1), (8, 2, "R", 0), (10, 1, "F", 1), (11, 1, "F", 1),
                (12, 2, "O", 1), (14, 1, "P", 1), (15, 1, "A", 1)),),
    "afro": (((0, 3, "R", 0), (3, 3, "X", 1), (6, 2, "F", 1), (8, 2, "O", 1), (10, 2, "X", 1), (12, 2, "F", 1),
              (14, 2, "A", 1)),),
    "two_step": (((0, 2, "R", 0), (3, 1, "R", 1), (6, 2, "O", 1), (8, 1, "R", 1), (10, 2, "F", 1), (13, 1, "O", 1),
                  (14, 1, "P", 1), (15, 1, "A", 1)),),
    "bossa": (((0, 6, "R", 0), (6, 2, "F", 0), (8, 4, "O", 0), (12, 2, "F", 1), (14, 2, "A", 1)),),
    "tuba": (((0, 2, "R", 0), (2, 2, "P", 1), (4, 2, "3", 1), (6, 2, "P", 1), (8, 2, "F", 0), (10, 2, "6", 1),
              (12, 2, "7", 1), (14, 2, "A", 1)),),
}

IDIOMS: dict[str, Idiom] = {
    "root_fifth": Idiom((31, 47), 0.9, (0.15, 0.7, 0.15), 0.5, 0.0, False, {}),
    "eighths": Idiom((28, 43), 0.8, (0.2, 0.6, 0.2), 0.35, 0.08, False, {}),
    "boom_bap": Idiom((28, 43), 0.95, (0.3, 0.5, 0.2), 0.4, 0.0, False, {}),
    "808": Idiom((28, 40), 0.98, (0.0, 0.8, 0.2), 0.0, 0.0, False, {}),
    "walking": Idiom((29, 45), 0.92, (0.45, 0.4, 0.15), 1.0, 0.0, False, {0: 6, 4: 1, 8: 3, 12: 0}),
    "offbeat": Idiom((31, 45), 0.6, (0.1, 0.6, 0.3), 0.2, 0.05, True, {2: 9, 6: -2, 10: 5, 14: -4}),
    "octave": Idiom((31, 43), 0.6, (0.2, 0.5, 0.3), 0.3, 0.0, False, {}),
    "funk": Idiom((28, 43), 0.7, (0.6, 0.3, 0.1), 0.5, 0.0, False, {0: 18}),
    "rolling": Idiom((31, 45), 0.7, (0.0, 0.7, 0.3), 0.25, 0.0, True,
                     {1: -3, 2: 8, 3: -7, 5: -4, 6: 4, 7: -8, 9: -3, 10: 7, 11: -7, 13: -5, 14: 3, 15: -9}),
    "sustained": Idiom((28, 41), 0.97, (0.1, 0.6, 0.3), 0.2, 0.0, False, {}),
    "bossa": Idiom((31, 45), 0.95, (0.4, 0.4, 0.2), 0.4, 0.0, False, {}),
    "one_drop": Idiom((28, 43), 0.85, (0.2, 0.6, 0.2), 0.5, 0.0, True, {0: -10, 8: 12}),
    "dembow": Idiom((28, 41), 0.85, (0.1, 0.6, 0.3), 0.3, 0.0, False, {3: 6, 6: -4, 8: 6, 11: 4, 14: -6}),
    "afro": Idiom((31, 45), 0.8, (0.2, 0.6, 0.2), 0.4, 0.0, False, {}),
    "two_step": Idiom((31, 45), 0.7, (0.2, 0.5, 0.3), 0.3, 0.0, False, {}),
    "tuba": Idiom((28, 43), 0.75, (0.4, 0.4, 0.2), 0.5, 0.0, False, {8: 6}),
}

# Four-bar phrase forms over rhythm variants A/B/C (indices into the chosen variants).
FORMS: tuple[tuple[int, int, int, int], ...] = ((0, 0, 0, 1), (0, 1, 0, 1), (0, 0, 1, 1), (0, 1, 0, 2), (0, 0, 0, 0))
