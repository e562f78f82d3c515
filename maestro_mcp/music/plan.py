"""The chord plan: one progression laid over the requested bars, shared by every role of a composition so
bass, chords, pads, arp and melody agree on the harmony."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from .styles import StyleProfile
from .theory import Chord, Key, TheoryError, resolve_chord


@dataclass(frozen=True, slots=True)
class ChordSpan:
    start: float  # beats from the start of the part
    duration: float
    chord: Chord
    bar: int  # 0-based bar index where the span starts

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class ChordPlan:
    spans: tuple[ChordSpan, ...]
    beats_per_bar: float
    bars: int

    @property
    def total_beats(self) -> float:
        return self.bars * self.beats_per_bar

    def at(self, beat: float) -> ChordSpan:
        """The span sounding at ``beat`` (clamped to the plan)."""
        starts = [s.start for s in self.spans]
        i = max(0, bisect_right(starts, beat + 1e-9) - 1)
        return self.spans[i]

    def index_of(self, span: ChordSpan) -> int:
        return self.spans.index(span)

    def following(self, span: ChordSpan) -> ChordSpan | None:
        i = self.index_of(span)
        return self.spans[i + 1] if i + 1 < len(self.spans) else None

    def symbols_per_bar(self) -> list[str]:
        """One chord symbol per bar: the chord sounding at the bar's downbeat."""
        return [self.at(b * self.beats_per_bar).chord.symbol for b in range(self.bars)]

    def pcs_union(self) -> frozenset[int]:
        out: set[int] = set()
        for s in self.spans:
            out |= s.chord.pcs
        return frozenset(out)


def build_plan(
    key: Key,
    profile: StyleProfile,
    bars: int,
    beats_per_bar: float,
    rng: random.Random,
    progression: Sequence[str] | None = None,
) -> tuple[ChordPlan, list[str]]:
    """Lay a progression over ``bars``. An explicit progression (chord symbols or roman numerals) gives one
    chord per bar, cycling; otherwise one of the style's progressions for the key's quality is chosen with
    ``rng`` and each chord lasts the style's harmonic rhythm. Returns the plan and any warnings."""
    warnings: list[str] = []
    if progression:
        chords = []
        for text in progression:
            chord = resolve_chord(text, key)
            warnings.extend(chord.warnings)
            chords.append(chord)
        per = 1
    else:
        options = profile.progressions(key.is_minor)
        numerals = options[rng.randrange(len(options))]
        chords = [resolve_chord(n, key) for n in numerals]
        per = max(1, profile.harmonic_rhythm)
        # Short parts still hear the progression move: never hold one chord for the whole part.
        while per > 1 and bars // per < min(2, len(chords)):
            per //= 2
    if not chords:
        raise TheoryError("the progression is empty")
    spans: list[ChordSpan] = []
    bar = 0
    i = 0
    while bar < bars:
        length = min(per, bars - bar)
        spans.append(ChordSpan(bar * beats_per_bar, length * beats_per_bar, chords[i % len(chords)], bar))
        bar += length
        i += 1
    return ChordPlan(tuple(spans), beats_per_bar, bars), warnings
