"""Effects layer: risers into each section boundary, impacts on section downbeats, downlifter sweeps after
them, and sparse bell-like textures between, all on tones of the key or the chord sounding.

A section is 4 bars (8 in long parts of styles that phrase in eights). Before each boundary a riser builds
over the last bar or two (a swelling note, a climbing line or a chord stacking up, with expression and
cutoff ramps); on the boundary an impact hits (a low root plus a high cluster) and the ramps reset.
"""

from __future__ import annotations

import random

from .context import GenContext
from .parts import ControlChange, Note, Part
from .theory import Chord

EXPRESSION, CUTOFF = 11, 74
RAMP_STEP = 0.5  # beats between ramp events: two a beat is smooth enough and keeps the event lists short
RISERS = ("swell", "climb", "stack")
AMBIENT_STYLES = {"ambient", "cinematic", "postrock"}


def _section_bars(ctx: GenContext) -> int:
    return 8 if ctx.bars >= 16 and ctx.profile.fill_every >= 8 else 4


def _span(ctx: GenContext, lo: int, hi: int) -> tuple[int, int]:
    """[lo, hi] clipped to the part's range, slid and widened inside it to at least an octave so every
    pitch class has a place (a caller's narrow range must not force a note out of key)."""
    a, b = max(ctx.low, lo), min(ctx.high, hi)
    if b - a < 11:
        if a > b:
            a, b = (ctx.high, ctx.high) if lo > ctx.high else (ctx.low, ctx.low)
        a = max(ctx.low, b - 11)
        b = min(ctx.high, a + 11)
    return a, b


def _pool(ctx: GenContext, pcs: frozenset[int], lo: int, hi: int) -> list[int]:
    """Pitches of ``pcs`` in [lo, hi]; else anywhere in the part's range; else the scale's; else any."""
    for cands, a, b in ((pcs, lo, hi), (pcs, ctx.low, ctx.high), (frozenset(ctx.scale.pcs), ctx.low, ctx.high)):
        got = [p for p in range(a, b + 1) if p % 12 in cands]
        if got:
            return got
    return list(range(ctx.low, ctx.high + 1))


def _tones(ctx: GenContext, chord: Chord, lo: int, hi: int) -> list[int]:
    return _pool(ctx, frozenset(chord.core_pcs), lo, hi)


def _ramp(part: Part, cc: int, start: float, end: float, v0: int, v1: int) -> None:
    end = max(start, end)
    n = max(1, round((end - start) / RAMP_STEP))
    for i in range(n + 1):
        t = start + (end - start) * i / n
        part.cc.append(ControlChange(cc, round(t, 4), max(0, min(127, round(v0 + (v1 - v0) * i / n)))))


def _riser(ctx: GenContext, part: Part, start: float, end: float, target: Chord, kind: str,
           rng: random.Random) -> None:
    length = end - start
    if kind == "swell":
        lo, hi = _span(ctx, 72, 86)
        top = _tones(ctx, target, lo, hi)
        p = top[rng.randrange(len(top))]
        part.notes.append(Note(p, start, length, 64 + rng.randrange(8)))
        # A fifth or octave above joins half way, so the swell thickens as it rises.
        above = [q for q in top if p + 5 <= q <= p + 12]
        if above and length >= 1:
            mid = start + round(length / 2 * 2) / 2
            part.notes.append(Note(above[-1], mid, end - mid, 80 + rng.randrange(10)))
    elif kind == "climb":
        lo, hi = _span(ctx, 60, 88)
        line = _pool(ctx, frozenset(ctx.scale.pcs) | target.pcs, lo, hi)
        # Quarters, then eighths, then sixteenths in the last beat: the line accelerates into the boundary.
        times: list[float] = []
        t = start
        while t < end - 1e-9:
            times.append(t)
            left = end - t
            t += 1.0 if left > length / 2 and left > 2 else 0.5 if left > 1 else 0.25
        first = max(0, len(line) - len(times) - rng.randrange(3))
        for i, t in enumerate(times):
            p = line[min(len(line) - 1, first + i)]
            nxt = times[i + 1] if i + 1 < len(times) else end
            vel = round(50 + 60 * i / max(1, len(times) - 1)) + rng.randrange(-3, 4)
            part.notes.append(Note(p, round(t, 4), round(nxt - t, 4), vel))
    else:  # stack: the boundary's chord builds up a note a beat, each held to the boundary
        lo, hi = _span(ctx, 60, 84)
        tones = _tones(ctx, target, lo, hi)
        count = max(2, min(len(tones), int(length)))
        pick = tones[:: max(1, len(tones) // count)][:count]
        gap = length / len(pick)
        for i, p in enumerate(pick):
            t = round((start + i * gap) * 2) / 2
            vel = 58 + round(40 * i / max(1, len(pick) - 1)) + rng.randrange(4)
            part.notes.append(Note(p, t, max(0.25, end - t), vel))
    _ramp(part, EXPRESSION, start, end - RAMP_STEP, 40 + rng.randrange(15), 118)
    if ctx.profile.filter_sweeps or kind != "stack":
        _ramp(part, CUTOFF, start, end - RAMP_STEP, 20 + rng.randrange(15), 124)


def _impact(ctx: GenContext, part: Part, beat: float, chord: Chord, rng: random.Random) -> None:
    lo, hi = _span(ctx, ctx.low, ctx.low + 11)
    roots = _pool(ctx, frozenset({chord.root}), lo, hi)
    part.notes.append(Note(roots[0], beat, 2.0, 112 + rng.randrange(8)))
    lo, hi = _span(ctx, 79, 93)
    high = _tones(ctx, chord, lo, hi)[:3]
    for i, p in enumerate(high):
        part.notes.append(Note(p, beat, 1.0 + 0.5 * i, 96 - 6 * i + rng.randrange(4)))


def _sweep(ctx: GenContext, part: Part, start: float, end: float, chord: Chord, rng: random.Random) -> None:
    """A downlifter: a held chord tone whose filter closes and level falls after the impact."""
    lo, hi = _span(ctx, 67, 79)
    tones = _tones(ctx, chord, lo, hi)
    part.notes.append(Note(tones[rng.randrange(len(tones))], start + 0.5, end - start - 0.5, 70 + rng.randrange(8)))
    _ramp(part, CUTOFF, start + 0.5, end - RAMP_STEP, 110, 35)
    _ramp(part, EXPRESSION, start + 0.5, end - RAMP_STEP, 100, 55)


def _texture(ctx: GenContext, part: Part, bar: int, rng: random.Random, count: int) -> None:
    """Bell-like notes high up: chord tones, now and then the 9th, at unhurried off-beat places."""
    bpb = ctx.beats_per_bar
    places = [x for x in (0.5, 1.0, 1.5, 2.5, 3.0, 4.5) if x < bpb - 0.25] or [0.0]
    lo, hi = _span(ctx, 72, 93)
    for _ in range(count):
        at = bar * bpb + places[rng.randrange(len(places))]
        chord = ctx.plan.at(at).chord
        pcs = frozenset(chord.core_pcs) | ({(chord.root + 2) % 12} & frozenset(ctx.scale.pcs))
        pool = _pool(ctx, pcs if rng.random() < 0.3 else frozenset(chord.core_pcs), lo, hi)
        dur = min(ctx.total_beats - at, 1.5 + rng.randrange(4) * 0.5)
        part.notes.append(Note(pool[rng.randrange(len(pool))], at, dur, 48 + rng.randrange(30)))


def generate(ctx: GenContext) -> Part:
    rng = ctx.rng
    part = ctx.new_part()
    bpb, bars = ctx.beats_per_bar, ctx.bars
    sec = _section_bars(ctx)
    ambient = ctx.profile.id in AMBIENT_STYLES or "ambient" in ctx.profile.grooves
    kinds = list(RISERS)
    rng.shuffle(kinds)
    busy: set[int] = set()  # bars a riser or a sweep already fills
    boundaries = [*range(sec, bars, sec), bars]
    for n, b in enumerate(boundaries):
        rise_bars = min(2 if sec == 8 or rng.random() < 0.3 else 1, b - (boundaries[n - 1] if n else 0))
        start, end = (b - rise_bars) * bpb, b * bpb
        target = ctx.plan.at(min(end, ctx.total_beats - 1e-3)).chord
        _riser(ctx, part, start, end, target, kinds[n % len(kinds)], rng)
        busy.update(range(b - rise_bars, b))
        if b < bars:
            chord = ctx.plan.at(end).chord
            _impact(ctx, part, end, chord, rng)
            part.cc += [ControlChange(EXPRESSION, end, 100), ControlChange(CUTOFF, end, 64)]
            if b not in busy and b + 1 < bars and rng.random() < 0.5:
                _sweep(ctx, part, end, end + bpb, chord, rng)
                busy.add(b)
    if bars > 1 and rng.random() < 0.5:
        _impact(ctx, part, 0.0, ctx.plan.at(0.0).chord, rng)  # an opening hit
    for bar in range(bars):
        if bar in busy:
            continue
        chance = 0.9 if ambient else 0.25 + 0.4 * ctx.density
        if rng.random() < chance:
            _texture(ctx, part, bar, rng, 2 if ambient and rng.random() < 0.4 else 1)
    last = (bars - 1) * bpb
    if not any(nt.start > last + 0.2 for nt in part.notes):
        _texture(ctx, part, bars - 1, rng, 1)
    part.notes = _no_overlaps(part.notes)
    part.sort()
    return part


def _no_overlaps(notes: list[Note]) -> list[Note]:
    """One sounding note per pitch: an earlier note ends where a later one of its pitch begins."""
    notes = sorted(notes, key=lambda n: (n.pitch, n.start))
    out: list[Note] = []
    for n in notes:
        if out and out[-1].pitch == n.pitch:
            prev = out[-1]
            if n.start - prev.start < 0.01:
                if n.velocity > prev.velocity:
                    out[-1] = n
                continue
            if prev.end > n.start:
                out[-1] = Note(prev.pitch, prev.start, round(n.start - prev.start, 4), prev.velocity)
        out.append(n)
    return out
