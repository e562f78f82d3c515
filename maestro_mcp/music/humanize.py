"""Feel and clean-up applied after a generator has written its notes on the grid: swing, deterministic
humanisation of timing and velocity, and the output guarantees every part must meet (range, length,
no same-pitch overlaps, velocity bounds)."""

from __future__ import annotations

import random
from collections.abc import Iterable

from .parts import Note

EPS = 1e-6
GM_PERCUSSION = (35, 81)


def swing_offset(start: float, amount: float, unit: float) -> float:
    """How far swing moves an onset: the second ``unit`` of every pair moves late by up to a third of a
    unit (amount 1 = triplet feel); onsets off that grid do not move."""
    if amount <= 0:
        return 0.0
    pos = start % (2 * unit)
    if abs(pos - unit) < 0.02 * unit:
        return amount * unit / 3
    return 0.0


def apply_swing(notes: Iterable[Note], amount: float, unit: float) -> list[Note]:
    out = []
    for n in notes:
        shift = swing_offset(n.start, amount, unit)
        out.append(Note(n.pitch, n.start + shift, max(0.01, n.duration - shift * 0.5), n.velocity) if shift else n)
    return out


def humanize(notes: Iterable[Note], rng: random.Random, timing_sd: float, velocity_sd: float) -> list[Note]:
    """Gaussian nudges, seeded. Notes on the beat stay tighter than off-beats, as players anchor on them,
    and only ever land late: an early downbeat would slip into the previous bar (and the previous chord)."""
    out = []
    for n in notes:
        on_beat = abs(n.start - round(n.start)) < EPS
        dt = rng.gauss(0.0, timing_sd * (0.5 if on_beat else 1.0)) if timing_sd > 0 else 0.0
        if on_beat:
            dt = abs(dt)
        dv = rng.gauss(0.0, velocity_sd) if velocity_sd > 0 else 0.0
        start = max(0.0, n.start + dt)
        out.append(Note(n.pitch, start, n.duration, max(1, min(127, round(n.velocity + dv)))))
    return out


def finalize(
    notes: Iterable[Note],
    total_beats: float,
    low: int,
    high: int,
    drums: bool = False,
    velocity_floor: int | None = None,
    velocity_ceiling: int | None = None,
) -> list[Note]:
    """Enforce the output guarantees: notes inside [0, total_beats), pitches in [low, high] (octave-folded;
    drums must be GM percussion keys), velocities within bounds, no overlapping notes of one pitch, times
    rounded so the same input always writes the same bytes. Sorted by start, then pitch."""
    vmin = max(1, velocity_floor or 1)
    vmax = min(127, velocity_ceiling or 127)
    if vmin > vmax:
        vmin, vmax = vmax, vmin
    kept: list[Note] = []
    for n in notes:
        start = round(max(0.0, n.start), 4)
        if start >= total_beats - EPS:
            continue
        end = min(total_beats, start + max(0.01, n.duration))
        pitch = n.pitch
        if drums:
            if not GM_PERCUSSION[0] <= pitch <= GM_PERCUSSION[1]:
                continue
        else:
            pitch = fold_into(pitch, low, high)
        vel = max(vmin, min(vmax, n.velocity))
        kept.append(Note(pitch, start, round(max(0.01, end - start), 4), vel))
    kept.sort(key=lambda n: (n.pitch, n.start, -n.velocity))
    clean: list[Note] = []
    for n in kept:
        if clean and clean[-1].pitch == n.pitch:
            prev = clean[-1]
            if n.start - prev.start < 0.01:  # a double strike: keep the louder one
                continue
            if prev.end > n.start + EPS:
                clean[-1] = Note(prev.pitch, prev.start, round(n.start - prev.start, 4), prev.velocity)
        clean.append(n)
    clean.sort(key=lambda n: (n.start, n.pitch))
    return clean


def fold_into(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by octaves into [low, high]; a range narrower than an octave clamps."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    if pitch < low:
        return low
    return pitch
