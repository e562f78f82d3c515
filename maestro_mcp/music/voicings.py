"""Chord voicings for the harmony parts (chords, keys, pads, strings): which chord tones a voicing uses
(close, open/drop-2, rootless, spread, power, quartal) and where they sit, led from the previous voicing
with ``theory.voice_chord`` so common tones stay and the other voices move by step.

Colour tones (9ths, 13ths) are added only when the key or the chord itself contains them, so a voicing
never brings a pitch class the harmony does not already own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .styles import Voicing
from .theory import Chord, nearest_pitch, voice_chord

# Preferred register (low, high) of each voicing inside a 40-88 chord range; shifted into the caller's
# range when that differs. Rootless voicings sit low (left-hand jazz register, above the mud line);
# open voicings are computed as a close "shadow" an octave up and then dropped.
_WINDOWS: dict[str, tuple[int, int]] = {
    "close": (53, 77),
    "rootless": (50, 74),
    "open": (57, 81),
    "spread": (58, 81),
    "quartal": (50, 64),
    "power": (40, 52),
}
_SPREAD_BASS = (40, 55)


def colour_ok(key_pcs: frozenset[int], chord: Chord) -> frozenset[int]:
    """Pitch classes a voicing may add to ``chord``: the key's (and scale's) tones and the chord's own."""
    return key_pcs | chord.pcs


def ninth(chord: Chord, ok: frozenset[int]) -> int | None:
    """The chord's own 9th (b9, 9, #9) if written, else the natural 9th when the key has it, else the b9
    on a dominant (the minor key's V)."""
    for iv in (14, 13, 15):
        if iv in chord.intervals:
            return (chord.root + iv) % 12
    natural = (chord.root + 2) % 12
    if natural in ok:
        return natural
    flat = (chord.root + 1) % 12
    if _dominant(chord) and flat in ok:
        return flat
    return None


def thirteenth(chord: Chord, ok: frozenset[int]) -> int | None:
    for iv in (21, 20):
        if iv in chord.intervals:
            return (chord.root + iv) % 12
    pc = (chord.root + 9) % 12
    return pc if _dominant(chord) and pc in ok else None


def _dominant(chord: Chord) -> bool:
    return 4 in chord.intervals and 10 in chord.intervals


def chord_tones(chord: Chord, kind: str, ok: frozenset[int], rich: bool = False) -> list[int]:
    """Pitch classes of a voicing of ``chord`` (no octave placement yet)."""
    core = [pc for pc in chord.core_pcs if pc in chord.pcs or pc in ok]
    third, seventh = chord.third, chord.seventh
    tensions = [pc for pc in chord.tension_pcs if pc not in core]
    if kind == "rootless":
        top = [pc for pc in (third, seventh) if pc is not None]
        nine = ninth(chord, ok)
        if seventh is None:  # triads, sus and 6 chords: 3-5-9 (root when the 9th would clash)
            return _uniq([*top, chord.fifth, nine if nine is not None else chord.root])
        thirteen = thirteenth(chord, ok)
        fourth = thirteen if thirteen is not None and rich else chord.fifth
        return _uniq([*top, nine if nine is not None else chord.root, fourth])
    if kind == "power":
        return [chord.root, chord.fifth]
    tones = core[:4]
    if tensions:
        if len(tones) == 4:
            tones = [*tones[1:], tensions[0]]  # a 9th chord drops its root: the bass has it
        else:
            tones.append(tensions[0])
    elif rich and len(tones) == 3:
        nine = ninth(chord, ok)
        if nine is not None and nine not in tones:
            tones.append(nine)
    return _uniq(tones)


def _uniq(pcs: Sequence[int | None]) -> list[int]:
    return list(dict.fromkeys(pc for pc in pcs if pc is not None))


def _as_chord(pcs: list[int]) -> Chord:
    """A chord object whose tones are exactly ``pcs``, so ``voice_chord`` places just these."""
    root = pcs[0]
    return Chord(root, tuple(sorted({(p - root) % 12 for p in pcs})), root, "")


def fit_window(low: int, high: int, want: tuple[int, int], offset: int = 0) -> tuple[int, int]:
    """``want`` shifted by ``offset`` and slid into [low, high]; the whole range when narrower."""
    a, b = want[0] + offset, want[1] + offset
    if a < low:
        a, b = low, b + (low - a)
    if b > high:
        a, b = a - (b - high), high
    return max(a, low), min(b, high)


@dataclass(slots=True)
class Voicer:
    """Voices a chord sequence in one style, each chord led from the one before."""

    kind: Voicing
    low: int
    high: int
    key_pcs: frozenset[int]
    offset: int = 0  # seeded register shift, so seeds start from different inversions
    rich: bool = False  # add 9ths/13ths where the key allows (jazz, neo-soul, ambient)
    prev: list[int] | None = None
    shadow: list[int] | None = None  # the close voicing an open (drop-2) voicing is derived from
    _cache: dict[tuple[object, ...], tuple[list[int], list[int]]] = field(default_factory=dict)

    def voice(self, chord: Chord) -> list[int]:
        # Progressions cycle, so the same chord from the same voicing recurs: remember the answer.
        memo = (chord, tuple(self.prev or ()), tuple(self.shadow or ()))
        cached = self._cache.get(memo)
        if cached is not None:
            out, self.shadow = list(cached[0]), list(cached[1]) or None
            self.prev = out
            return out
        ok = colour_ok(self.key_pcs, chord)
        kind = self.kind
        pcs = chord_tones(chord, "close" if kind in ("open", "spread", "quartal") else kind, ok, self.rich)
        if kind == "power":
            out = self._power(chord)
        elif kind == "open":
            out = self._open(pcs, chord.bass)
        elif kind == "spread":
            out = self._spread(chord, pcs)
        elif kind == "quartal":
            out = self._quartal(chord, ok) or self._led(pcs, "close")
        else:
            out = self._led(pcs, kind)
        out = ensure_three(out, chord, self.low, self.high)
        self._cache[memo] = (list(out), list(self.shadow or ()))
        self.prev = out
        return out

    def _window(self, name: str) -> tuple[int, int]:
        return fit_window(self.low, self.high, _WINDOWS[name], self.offset)

    def _led(self, pcs: list[int], name: str, previous: list[int] | None = None) -> list[int]:
        lo, hi = self._window(name)
        prev = previous if previous is not None else self.prev
        return voice_chord(_as_chord(pcs), lo, hi, prev, voices=len(pcs), max_span=12)

    def _open(self, pcs: list[int], root_pc: int) -> list[int]:
        # Lead the close shadow, then drop its second voice from the top an octave (drop-2); dropping
        # the same position every time keeps the open voices as smooth as the close ones.
        shadow = self._led(pcs, "open", self.shadow)
        self.shadow = shadow
        idx = len(shadow) - 2 if len(shadow) >= 4 else 1
        dropped = shadow[idx] - 12
        if len(shadow) < 3 or dropped < self.low:
            return shadow
        out = sorted([*shadow[:idx], dropped, *shadow[idx + 1 :]])
        if len(out) == 3:
            # An open triad gets its root doubled underneath, as a guitar or a pianist's left hand would.
            root = out[0] - 1 - (out[0] - 1 - root_pc) % 12
            if root >= self.low:
                out.insert(0, root)
        return out

    def _spread(self, chord: Chord, pcs: list[int]) -> list[int]:
        blo, bhi = fit_window(self.low, self.high, _SPREAD_BASS, self.offset)
        target = self.prev[0] if self.prev else (blo + bhi) // 2
        bass = nearest_pitch(chord.bass, target, blo, bhi)
        upper_pcs = [pc for pc in pcs if pc != chord.bass] or pcs
        if len(upper_pcs) < 3:
            upper_pcs.append(chord.bass)  # a triad doubles its root above the bass
        prev_upper = self.prev[1:] if self.prev and len(self.prev) > 1 else None
        lo, hi = self._window("spread")
        upper = voice_chord(_as_chord(upper_pcs), max(lo, bass + 7), hi, prev_upper, voices=len(upper_pcs), max_span=14)
        return sorted({bass, *upper})

    def _power(self, chord: Chord) -> list[int]:
        lo, hi = self._window("power")
        target = self.prev[0] if self.prev else (lo + hi) // 2
        root = nearest_pitch(chord.root, target, lo, hi)
        fifth = root + (chord.fifth - chord.root) % 12
        return [p for p in (root, fifth, root + 12) if self.low <= p <= self.high]

    def _quartal(self, chord: Chord, ok: frozenset[int]) -> list[int] | None:
        """Stacked perfect 4ths from the chord tone that keeps every stacked tone in the harmony and
        holds the most guide tones; moved in parallel, as quartal comping is."""
        guide = {pc for pc in (chord.third, chord.seventh) if pc is not None}
        best: tuple[int, int, int] | None = None  # (score, start pc, size)
        for size in (4, 3):
            for start in (chord.third, chord.fifth, chord.root, chord.seventh, ninth(chord, ok)):
                if start is None:
                    continue
                stack = [(start + 5 * k) % 12 for k in range(size)]
                if not all(pc in ok for pc in stack):
                    continue
                score = sum(2 if pc in guide else pc in chord.pcs for pc in stack) + size
                if best is None or score > best[0]:
                    best = (score, start, size)
            if best is not None:
                break
        if best is None:
            return None
        _, start, size = best
        lo, hi = self._window("quartal")
        target = self.prev[0] if self.prev else (lo + hi) // 2
        bottom = nearest_pitch(start, target, lo, hi)
        return [p for p in (bottom + 5 * k for k in range(size)) if self.low <= p <= self.high]


def ensure_three(pitches: list[int], chord: Chord, low: int, high: int) -> list[int]:
    """At least three distinct pitches (octave doublings of chord tones) when the range allows."""
    out = sorted(set(pitches))
    if len(out) >= 3:
        return out
    for pc in [chord.root, chord.fifth, *(chord.third,), *chord.pcs]:
        if pc is None:
            continue
        for p in range(low, high + 1):
            if p % 12 == pc and p not in out and (not out or min(abs(p - q) for q in out) >= 3):
                out.append(p)
                break
        if len(out) >= 3:
            break
    return sorted(out)


def movement(a: list[int], b: list[int]) -> float:
    """Mean semitone motion per voice between two voicings (sorted voices matched pairwise)."""
    n = min(len(a), len(b))
    if n == 0:
        return 0.0
    x, y = sorted(a)[-n:], sorted(b)[-n:]
    return sum(abs(p - q) for p, q in zip(x, y, strict=True)) / n
