"""Motifs: a rhythm cell plus a contour (scale-degree moves), and the variations a writer applies when a
motif returns (displacement, ornament, inverted step, truncation, split and merge).

The contour is relative (each value moves from the previous note), so a motif keeps its shape wherever the
phrase places its first note; the melody then bends strong-beat notes onto the chord that sounds there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .melody_rhythm import Onset, build_cell, clip_cell

CONTOURS = ("arch", "rise", "fall", "wave", "valley", "hover")
VARIATIONS = ("displace", "ornament", "invert", "truncate", "split", "merge")
MAX_SPAN = 5  # scale degrees a motif may cover: a sixth, singable and easy to place in a register


@dataclass(frozen=True, slots=True)
class Motif:
    cell: tuple[Onset, ...]  # (step, duration) from the motif's start
    contour: tuple[int, ...]  # scale-degree move from the previous note; contour[0] == 0
    steps: int  # length in 16ths (one or two bars)

    def __post_init__(self) -> None:
        assert len(self.cell) == len(self.contour)


def _direction(shape: str, frac: float, level: int) -> int:
    if shape == "rise":
        return 1 if frac < 0.8 else -1
    if shape == "fall":
        return -1 if frac > 0.15 else 1
    if shape == "arch":
        return 1 if frac < 0.55 else -1
    if shape == "valley":
        return -1 if frac < 0.55 else 1
    if shape == "wave":
        return 1 if int(frac * 3) % 2 == 0 else -1
    return -1 if level > 0 else 1  # hover around the first note


def make_contour(n: int, shape: str, rng: random.Random, per_bar: float = 4.0) -> tuple[int, ...]:
    """Mostly steps and repeated notes, some thirds, a rare fourth or fifth that the next note recovers
    from by step in the other direction, all inside MAX_SPAN degrees. Mid-paced lines skip a little more
    (a busy line is scalar; a two-note figure that skips every time is all thirds)."""
    skip = 0.72 if per_bar > 3.5 or per_bar <= 2.5 else 0.62
    deltas = [0]
    level, lo, hi = 0, 0, 0
    for i in range(1, n):
        frac = i / max(1, n - 1)
        d = _direction(shape, frac, level)
        if rng.random() < 0.2:
            d = -d
        r = rng.random()
        size = 0 if r < 0.12 else 1 if r < skip else 2 if r < 0.92 else 3 + (r > 0.97)
        if i == n - 1:
            size = min(size, 2)
        prev = deltas[-1]
        if abs(prev) >= 3:  # leap recovery
            d, size = (-1 if prev > 0 else 1), 1
        if max(hi, level + d * size) - min(lo, level + d * size) > MAX_SPAN:
            d = -d
            if max(hi, level + d * size) - min(lo, level + d * size) > MAX_SPAN:
                size = 1
        deltas.append(d * size)
        level += d * size
        lo, hi = min(lo, level), max(hi, level)
    return tuple(deltas)


def tame(cell: list[Onset] | tuple[Onset, ...], contour: list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """Cap each move by the note values around it: sixteenths move by step, eighths by at most a third;
    only notes a quarter or longer on both sides may leap. Fast leaps are what make a line sound random."""
    out = [0]
    for i in range(1, len(contour)):
        short = min(cell[i - 1][1], cell[i][1])
        cap = 1 if short <= 1 else 2 if short <= 2 else 4
        out.append(max(-cap, min(cap, contour[i])))
    return tuple(out)


def make_motif(rhythm: str, steps: int, steps_per_bar: int, density: float, rng: random.Random) -> Motif:
    cell: list[Onset] = []
    for b in range(0, steps, steps_per_bar):
        cell.extend((b + on, dur) for on, dur in build_cell(rhythm, min(steps_per_bar, steps - b), density, rng))
    per_bar = len(cell) * steps_per_bar / steps
    for _ in range(6):
        shape = CONTOURS[rng.randrange(len(CONTOURS))]
        contour = tame(cell, make_contour(len(cell), shape, rng, per_bar))
        if _span(contour) >= min(3, len(cell) - 1):  # a motif has a shape: no near-monotone drones
            break
    return Motif(tuple(cell), contour, steps)


def _span(contour: tuple[int, ...]) -> int:
    level, lo, hi = 0, 0, 0
    for d in contour:
        level += d
        lo, hi = min(lo, level), max(hi, level)
    return hi - lo


def contrast(m: Motif, rhythm: str, steps_per_bar: int, density: float, rng: random.Random) -> Motif:
    """The answering idea (B): a fresh rhythm whose contour mirrors the motif's, so it answers rather than
    wanders; sometimes the motif's own rhythm with the mirrored contour."""
    if rng.random() < 0.35:
        cell = list(m.cell)
    else:
        cell = list(make_motif(rhythm, m.steps, steps_per_bar, density, rng).cell)
    mirrored = [-d for d in m.contour]
    contour = (mirrored + list(make_contour(len(cell), "hover", rng)))[: len(cell)]
    contour[0] = 0
    return Motif(tuple(cell), tame(cell, contour), m.steps)


def vary(m: Motif, rng: random.Random, op: str | None = None) -> Motif:
    """One variation of ``m`` (random unless ``op`` names it); returns ``m`` itself when the op does not
    apply to this motif."""
    op = op or VARIATIONS[rng.randrange(len(VARIATIONS))]
    cell, contour = list(m.cell), list(m.contour)
    n = len(cell)
    if op == "displace" and n >= 2:
        shift = 2 if cell[-1][0] + 2 < m.steps else 1
        moved = [(on + shift if i > 0 else on, dur) for i, (on, dur) in enumerate(cell)]
        kept = [(o, c) for o, c in zip(moved, contour, strict=True) if o[0] < m.steps]
        cell, contour = [o for o, _ in kept], [c for _, c in kept]
    elif op in ("ornament", "split"):
        longs = [i for i, (_, dur) in enumerate(cell) if dur >= 4]
        if longs:
            i = longs[rng.randrange(len(longs))]
            on, dur = cell[i]
            half = dur // 2 if op == "split" else max(2, dur - 2)
            step = 0 if op == "split" and rng.random() < 0.5 else (1 if rng.random() < 0.6 else -1)
            cell[i:i + 1] = [(on, half), (on + half, dur - half)]
            contour.insert(i + 1, step)
            if i + 2 < len(contour):
                contour[i + 2] -= step  # the following note keeps its pitch
    elif op == "invert" and n >= 3:
        idx = [i for i in range(1, n) if 1 <= abs(contour[i]) <= 2]
        if idx:
            i = idx[rng.randrange(len(idx))]
            d = contour[i]
            contour[i] = -d
            if i + 1 < n and abs(contour[i + 1] + 2 * d) <= 2:
                contour[i + 1] += 2 * d
    elif op == "truncate" and n >= 3:
        cut = 1 if n < 5 or rng.random() < 0.6 else 2
        cell, contour = cell[:-cut], contour[:-cut]
    elif op == "merge" and n >= 3:
        idx = [i for i in range(1, n) if cell[i][0] % 4 != 0]
        if idx:
            i = idx[rng.randrange(len(idx))]
            if i + 1 < n:
                contour[i + 1] += contour[i]
            del cell[i], contour[i]
            on, _ = cell[i - 1]
            cell[i - 1] = (on, (cell[i][0] if i < len(cell) else m.steps) - on)
    if len(cell) < 2:
        return m
    clipped = clip_cell(cell, m.steps)
    if len(clipped) != len(contour):
        return m
    return Motif(tuple(clipped), tame(clipped, contour), m.steps)
