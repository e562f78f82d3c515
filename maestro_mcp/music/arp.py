"""Arpeggios over the chord plan: the chord's tones spread over one or two octaves in a fixed register and
walked in the style's pattern (up, down, up-down, converging, against a pedal, or a seeded random walk)
at the style's rate, accented on the bar and every four steps.

The seed picks the octave span, triad or seventh tones, the register, a rhythmic gate (which steps
sound), the note length and the accent grouping; the last bar of a 4-bar phrase may lift an octave or
turn the pattern around, as a player riding an arpeggiator's knobs would.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from .context import GenContext
from .pads import filter_sweep
from .parts import Note, Part

# One cycle of eight steps: x sounds, . rests. Denser gates first.
GATES: tuple[tuple[str, float], ...] = (
    ("xxxxxxxx", 0.8),
    ("xxxxxxx.", 0.7),
    ("xxx.xxx.", 0.6),
    ("xx.xx.x.", 0.5),
    ("x.xxx.xx", 0.55),
    ("x.x.xxx.", 0.45),
    ("x..x..x.", 0.3),
)
ACCENTS: dict[str, tuple[int, ...]] = {
    "four": (0, 4),  # every four steps
    "tresillo": (0, 3, 6),  # 3+3+2 over eight steps
    "two": (0, 2, 4, 6),
}


def generate(ctx: GenContext) -> Part:
    part = ctx.new_part()
    rng = ctx.rng
    prof = ctx.profile
    rate = prof.arp_rate if prof.arp_rate > 0 else 0.25
    octaves = 2 if rng.random() < 0.35 + 0.4 * ctx.density else 1
    sevenths = rng.random() < 0.5
    span = 12 * octaves
    centre = rng.choice((55, 57, 60, 62, 64))
    bottom = max(ctx.low, min(centre, ctx.high - span))
    gate = rng.choices([g for g, _ in GATES], [1.0 / (0.15 + abs(b - ctx.density)) for _, b in GATES])[0]
    legato = rng.choice((0.5, 0.7, 0.9))
    accents = ACCENTS[rng.choice(tuple(ACCENTS))]
    lift_bars = {b for b in range(3, ctx.bars, 4) if rng.random() < 0.5}
    base = prof.velocity - 8
    bpb = ctx.beats_per_bar
    for chord_span in ctx.plan.spans:
        chord = chord_span.chord
        pcs = set(chord.core_pcs if sevenths else chord.core_pcs[:3]) & chord.pcs or set(chord.pcs)
        pool = [p for p in range(bottom, min(ctx.high, bottom + span) + 1) if p % 12 in pcs]
        if len(pool) < 2:
            pool = [p for p in range(ctx.low, ctx.high + 1) if p % 12 in chord.pcs][:6] or [bottom]
        order = walk(prof.arp_pattern, len(pool), rng)
        k0 = int(chord_span.start / rate + 1e-6)
        k_end = int(chord_span.end / rate - 1e-6) + 1
        for k in range(k0, k_end):
            t = k * rate
            if t < chord_span.start - 1e-6 or t >= chord_span.end - 1e-6:
                continue
            if gate[k % len(gate)] == "." and k != k0:
                continue
            idx = next(order)  # the pattern advances on sounding steps only, so rests never freeze it
            bar = int(t // bpb)
            pitch = pool[idx]
            if bar in lift_bars and pitch + 12 <= ctx.high and (k // 2) % 2:
                pitch += 12  # phrase-end lift on every other pair of steps
            on_bar = abs(t - bar * bpb) < 1e-6
            vel = base + (14 if on_bar else 6 if k % 8 in accents else 0) - 3 * (k % 2) + (pitch - bottom) // 6
            dur = min(rate * legato, chord_span.end - t)
            part.notes.append(Note(pitch, round(t, 4), round(dur, 4), max(25, min(127, vel))))
    if prof.filter_sweeps:
        part.cc = filter_sweep(ctx, ctx.rng_for("arp", "sweep"))
    part.sort()
    return part


def walk(pattern: str, n: int, rng: random.Random) -> Iterator[int]:
    """Endless indices into a pool of ``n`` ascending pitches, in the named pattern."""
    if n == 1:
        while True:
            yield 0
    if pattern == "up":
        cycle = list(range(n))
    elif pattern == "down":
        cycle = list(range(n - 1, -1, -1))
    elif pattern == "converge":
        cycle = []
        lo, hi = 0, n - 1
        while lo <= hi:
            cycle.append(lo)
            if hi != lo:
                cycle.append(hi)
            lo, hi = lo + 1, hi - 1
    elif pattern == "pedal":
        cycle = [i for j in range(1, n) for i in (0, j)]
    elif pattern == "random_walk":
        i = rng.randrange(n)
        while True:
            yield i
            move = rng.choice((-1, 1, 1, -1, 2, -2)) if n > 2 else rng.choice((-1, 1))
            i += move
            if i < 0 or i >= n:
                i -= 2 * move
                i = max(0, min(n - 1, i))
    else:  # updown
        cycle = list(range(n)) + list(range(n - 2, 0, -1))
    while True:
        yield from cycle
