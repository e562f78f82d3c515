"""Pitch choice for melodic lines: the scale a line walks over each chord, moves by scale degree, and
snapping onto chord tones where the ear expects harmony (strong beats, long notes, cadences)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from .plan import ChordPlan, ChordSpan
from .theory import Chord


def chord_scale(scale_pcs: tuple[int, ...] | frozenset[int], chord: Chord) -> frozenset[int]:
    """The scale a line uses over ``chord``: the key's scale, with any chord tone outside it (the raised
    7th of V in minor, the #4 of a II7) replacing the scale tones a semitone away, which would clash."""
    pcs = set(scale_pcs)
    core = set(chord.core_pcs)
    for t in core - set(scale_pcs):
        for nb in ((t + 1) % 12, (t - 1) % 12):
            if nb not in chord.pcs:
                pcs.discard(nb)
        pcs.add(t)
    return frozenset(pcs)


def fill_gaps(pcs: frozenset[int], key_pcs: frozenset[int]) -> frozenset[int]:
    """A gapped scale (pentatonic, blues) walked with the key's tones as passing notes wherever a gap is
    a third or wider: blues players pass through the 2nd and 4th, and a line of thirds is not a tune."""
    out = set(pcs)
    ordered = sorted(pcs)
    for a, b in zip(ordered, [*ordered[1:], ordered[0] + 12], strict=True):
        if b - a >= 3:
            out.update(x % 12 for x in range(a + 1, b) if x % 12 in key_pcs)
    return frozenset(out)


def pitches_of(pcs: frozenset[int], low: int, high: int) -> list[int]:
    """Pitches of ``pcs`` in [low, high]; every pitch of the range when none fits (a very narrow range)."""
    out = [p for p in range(low, high + 1) if p % 12 in pcs]
    return out or list(range(low, high + 1))


Lists = tuple[list[int], list[int], list[int], list[int]]


@dataclass(slots=True)
class Palettes:
    """Pitch lists inside the melody's window for the chord at a beat: the walk (chord scale), chord
    tones, stable tones (root, third) and colours (tensions); built once per chord span."""

    plan: ChordPlan
    scale_pcs: tuple[int, ...]
    low: int
    high: int
    key_pcs: frozenset[int] = frozenset()  # passing tones for gapped scales
    _spans: dict[int, Lists] = field(default_factory=dict)
    _beats: dict[int, Lists] = field(default_factory=dict)

    def _build(self, span: ChordSpan) -> Lists:
        chord = span.chord
        tensions = frozenset(chord.tension_pcs)
        return (
            pitches_of(self._walk_pcs(chord), self.low, self.high),
            pitches_of(frozenset(chord.core_pcs), self.low, self.high),
            pitches_of(frozenset(p for p in (chord.root, chord.third) if p is not None), self.low, self.high),
            [p for p in range(self.low, self.high + 1) if p % 12 in tensions],
        )

    def _walk_pcs(self, chord: Chord) -> frozenset[int]:
        pcs = chord_scale(self.scale_pcs, chord)
        if len(self.scale_pcs) < 7 and self.key_pcs:
            outside = [t for t in chord.core_pcs if t not in self.scale_pcs]
            clashes = {(t + d) % 12 for t in outside for d in (-1, 1)}
            pcs = fill_gaps(pcs, self.key_pcs - clashes)
        return pcs

    def _lists(self, beat: float) -> Lists:
        bkey = round(beat * 48)
        got = self._beats.get(bkey)
        if got is None:
            span = self.plan.at(beat)
            skey = round(span.start * 48)
            got = self._spans.get(skey)
            if got is None:
                got = self._spans[skey] = self._build(span)
            self._beats[bkey] = got
        return got

    def walk(self, beat: float) -> list[int]:
        return self._lists(beat)[0]

    def tones(self, beat: float) -> list[int]:
        return self._lists(beat)[1]

    def stable(self, beat: float) -> list[int]:
        return self._lists(beat)[2]

    def colours(self, beat: float) -> list[int]:
        """The chord's written tensions (the 9th of a m9, the 13th of a 13)."""
        return self._lists(beat)[3]


def snap(intended: int, prev: int | None, tones: list[int], colours: list[int], direction: int = 0) -> int:
    """The chord tone to sound instead of ``intended``: the closest one that still moves from ``prev`` the
    way the contour goes (so the motif keeps its shape); a written tension only when clearly closer."""
    best, best_cost = nearest(intended, tones, direction), 99.0
    for group, penalty in ((tones, 0.0), (colours, 1.1)):
        for c in group:
            dist = abs(c - intended)
            if dist > 4:
                continue
            cost = dist + penalty
            if prev is not None and direction and (c - prev) * direction <= 0:
                cost += 1.6  # against the contour (or a repeat where it moves)
            if cost < best_cost:
                best, best_cost = c, cost
    return best


def move(prev: int, degrees: int, walk: list[int]) -> int:
    """``degrees`` scale steps from ``prev`` along ``walk`` (prev need not be on it: the first step lands
    on the nearest walk pitch in that direction). At the window's edge the move turns back, so a contour
    that would leave the register mirrors instead; a window too small for either stays at its edge."""
    if degrees == 0 or not walk:
        return nearest(prev, walk)
    up = bisect_right(walk, prev) - 1 + degrees if degrees > 0 else bisect_left(walk, prev) + degrees
    if 0 <= up < len(walk):
        return walk[up]
    down = bisect_right(walk, prev) - 1 - degrees if degrees < 0 else bisect_left(walk, prev) - degrees
    if 0 <= down < len(walk):
        return walk[down]
    return walk[max(0, min(len(walk) - 1, up))]


def nearest(target: int, pitches: list[int], direction: int = 0) -> int:
    """The pitch of ``pitches`` closest to ``target``; a tie goes ``direction``'s way (up when 0)."""
    i = bisect_left(pitches, target)
    cands = pitches[max(0, i - 1): i + 1]
    if not cands:
        return pitches[-1] if pitches else target
    return min(cands, key=lambda p: (abs(p - target), -(p - target) * (direction or 1)))
