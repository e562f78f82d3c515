"""Walking bass (jazz, blues): quarter notes that state the chord on its first beat, walk mostly by step
through the bar and approach the next chord's root from a half or whole step (or its fifth) on the last
beat. Blues mixes in the boogie shuffle walk (1-3-5-6 / b7-6-5-3). Skip notes (ghosted 8ths) and the
two-feel at low density are the player's rhythmic choices; the walk's contour is the seed's.
"""

from __future__ import annotations

import math
import random

from .bass_pitch import EPS, STEP, Line, Slot
from .context import GenContext
from .theory import Chord

_SHAPES = ("direct", "up", "down", "arp")
_SHAPE_WEIGHTS = (0.4, 0.25, 0.2, 0.15)


def walking_slots(ctx: GenContext, line: Line, rng: random.Random) -> list[Slot]:
    bpb = ctx.beats_per_bar
    blues = "shuffle" in ctx.profile.grooves
    boogie = rng.choice((0.2, 0.45)) if blues else 0.0
    two_feel = ctx.density < 0.25
    skip_rate = max(0.0, min(0.8, rng.choice((0.12, 0.25, 0.4)) + 0.5 * (ctx.density - 0.5) + (0.15 if blues else 0.0)))
    # Which beats may get a ghosted 8th after them: the last (a kick into the next bar), or also beat 2.
    skip_beats = {bpb - 1} | ({1.0} if blues or rng.random() < 0.4 else set())
    lo, hi = max(ctx.low, min(28, line.lo)), min(ctx.high, max(52, line.hi))
    slots: list[Slot] = []
    r = line.roots[0]
    for i, span in enumerate(line.spans):
        beats = [span.start + k for k in range(max(1, math.ceil(span.duration - EPS)))]
        if two_feel:
            beats = beats[::2]
        nxt = line.spans[i + 1].chord if i + 1 < len(line.spans) else line.spans[0].chord
        last = i + 1 == len(line.spans)  # the loop lands back on the first root, where the line began
        target = line.roots[0] if last else _place_in(nxt.bass, r, line.lo, line.hi)
        n = len(beats)
        changes = nxt.bass != span.chord.bass or last
        if blues and n == 4 and rng.random() < boogie:
            # Down from the octave only while the chord holds: a new chord is entered on its root from below.
            held = i > 0 and line.spans[i - 1].chord.bass == span.chord.bass
            pitches = _boogie(line, span.chord, r, descending=held and span.bar % 2 == 1)
            if changes:
                pitches[-1] = line.approach(target, pitches[-2], nxt)
        else:
            pitches = [r]
            if n >= 2:
                a = line.approach(target, r, nxt)
                pitches += [*_walk(line, span.chord, r, a, n - 2, lo, hi, rng), a]
        for t, p in zip(beats, pitches, strict=True):
            bar = int(t // bpb + EPS)
            slots.append(Slot(t, 2.0 if two_feel else 1.0, "=", round((t - bar * bpb) / STEP), bar, line.fit(p)))
        r = target
    return _skips(ctx, slots, rng, skip_rate, skip_beats)


def _place_in(pc: int, near: int, lo: int, hi: int) -> int:
    cands = [p for p in range(lo, hi + 1) if p % 12 == pc] or [near - ((near - pc) % 12)]
    return min(cands, key=lambda p: (abs(p - near), p))


def _walk(line: Line, chord: Chord, r: int, a: int, m: int, lo: int, hi: int, rng: random.Random) -> list[int]:
    """``m`` notes from ``r`` toward ``a``: a straight scale walk bent by the seed's contour (up, down, an
    arpeggio), chord tones preferred on the bar's strong beats, never repeating a note in place."""
    if m <= 0:
        return []
    pool = [p for p in line.pool(chord) if lo <= p <= hi] or line.pool(chord)
    tones = [p for p in pool if p % 12 in chord.pcs]
    shape = rng.choices(_SHAPES, weights=_SHAPE_WEIGHTS)[0]
    bump = {"direct": 0.0, "up": 4.0, "down": -4.0, "arp": 0.0}[shape]
    if abs(a - r) <= 2:
        # Same root again: rise (or fall) to the side the approach comes from, turn, and step back in.
        bump = 2.5 * (1 if a > r else -1 if a < r else rng.choice((1, -1)))
    elif abs(a - r) >= 5 and shape != "arp":
        bump = 0.0  # far enough to walk straight there
    if r + bump > hi or r + bump < lo:
        bump = -bump
    out: list[int] = []
    prev = r
    for k in range(1, m + 1):
        t = k / (m + 1)
        ideal = r + (a - r) * t + bump * math.sin(math.pi * t)
        near_tones = [p for p in tones if abs(p - ideal) <= 2.5]
        cands = near_tones if (shape == "arp" or k % 2 == 0) and near_tones else pool
        pick = min(cands, key=lambda p: (abs(p - ideal), p))
        if pick in (prev, a):
            direction = 1 if ideal > prev or (ideal == prev and bump >= 0) else -1
            pick = line.step_from(prev, direction, chord)
            if pick == a:
                pick = line.step_from(prev, -direction, chord)
        out.append(pick)
        prev = pick
    return out


def _boogie(line: Line, chord: Chord, r: int, descending: bool) -> list[int]:
    """The shuffle walk: root, third, fifth, sixth up; octave, sixth, fifth, third down."""
    third = r + ((chord.third if chord.third is not None else chord.fifth) - chord.bass) % 12
    fifth = r + (chord.fifth - chord.bass) % 12
    six = next((r + d for d in (9, 8) if (r + d) % 12 in line.in_key), fifth)
    # The way down starts on the octave so the bar still opens on the chord's root.
    return [r + 12 if r + 12 <= line.ctx.high else r, six, fifth, third] if descending else [r, third, fifth, six]


def _skips(ctx: GenContext, slots: list[Slot], rng: random.Random, rate: float, beats: set[float]) -> list[Slot]:
    """Ghosted 8th skips on the 'and' of the chosen beats that kick the line into the next note."""
    bpb = ctx.beats_per_bar
    extra: list[Slot] = []
    for j, s in enumerate(slots):
        pos = s.start - s.bar * bpb
        on_skip_beat = any(abs(pos - b) < EPS for b in beats)
        nxt = slots[j + 1].start if j + 1 < len(slots) else ctx.total_beats
        if on_skip_beat and nxt - s.start >= 1 - EPS and rng.random() < (rate if pos > 1 else rate / 2):
            extra.append(Slot(s.start + 0.5, 0.5, "=", s.step + 2, s.bar, s.pitch, "ghost"))
    return sorted(slots + extra, key=lambda x: x.start)
