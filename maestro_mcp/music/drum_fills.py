"""Drum fills (the last bar of every block), the crash that opens the next block, and the hit cap of sparse
styles. They work on a bar's grid (voice -> per-step cells) after it has been fitted to the meter."""

from __future__ import annotations

import random

from .drum_patterns import HAND_VOICES, REST, ROLLS, VELOCITY, Cell, Grid, Groove

_BACKBONE = ("snare", "clap", "rim")


def add_fill(grid: Grid, groove: Groove, rng: random.Random, complexity: float, steps: int, compound: bool) -> None:
    length = groove.fill_lengths[rng.randrange(len(groove.fill_lengths))]
    if groove.fill in ("trap", "light"):
        length = 4
    if compound:
        length = length * 3 // 2
    length = max(2, min(length, steps // 2 if steps >= 8 else steps))
    start = steps - length
    grid.setdefault("kick", [REST] * steps)
    if groove.fill == "build":
        _build_fill(grid, rng, complexity, start, steps)
    elif groove.fill == "trap":
        _trap_fill(grid, rng, start, steps)
    elif groove.fill == "light":
        _light_fill(grid, groove, rng, start, steps)
    else:
        _tom_fill(grid, groove, rng, complexity, start, steps, compound)


def _fill_rhythm(rng: random.Random, complexity: float, start: int, steps: int, grid_unit: int) -> list[int]:
    eighths = [s for s in range(start, steps) if (s - start) % 2 == 0]
    if grid_unit == 2:
        if complexity < 0.4 and len(eighths) > 3:
            eighths.pop(1 + rng.randrange(len(eighths) - 2))
        return eighths
    if steps - start <= 4:
        # A one-beat fill is a figure of three or four 16ths, not two lonely strokes.
        figure = rng.choice(((0, 1, 2, 3), (0, 2, 3), (0, 1, 3), (0, 1, 2, 3) if complexity > 0.5 else (0, 2, 3)))
        return [start + i for i in figure if start + i < steps]
    mode = rng.choices(("16ths", "mixed", "eighths", "sparse"),
                       weights=(0.2 + complexity, 1.0, 1.2 - complexity, 0.8 - 0.6 * complexity))[0]
    if mode == "16ths":
        return list(range(start, steps))
    if mode == "mixed":
        last_beat = max(start, steps - 4)
        return sorted(set(eighths) | set(range(last_beat, steps)))
    if mode == "sparse" and len(eighths) > 2:
        eighths.pop(1 + rng.randrange(len(eighths) - 1))
    return eighths


def _crescendo(i: int, n: int, low: int, high: int) -> int:
    return low + round((high - low) * i / max(1, n - 1))


def _tom_fill(grid: Grid, groove: Groove, rng: random.Random, complexity: float, start: int, steps: int,
              compound: bool) -> None:
    # Backbone hits on the beat inside the fill stay: a fill that starts on 3 still lands the 4.
    keep = {s: (v, grid[v][s]) for v in _BACKBONE if v in grid and v not in groove.fill_keeps
            for s in range(start, steps) if s % 4 == 0 and grid[v][s][0] >= 85 and not compound}
    kick_before = grid["kick"][start]
    for voice in (HAND_VOICES - groove.fill_keeps) & grid.keys():
        for s in range(start, steps):
            grid[voice][s] = REST
    for s in range(start, steps):
        grid["kick"][s] = REST
    hits = _fill_rhythm(rng, complexity, start, steps, 2 if compound else groove.fill_grid)
    voices = groove.fill_voices
    contour = rng.choice(("down", "down", "snare_then_toms", "single"))
    low, high = (55, 95) if groove.fill == "jazz" else (70, 112)
    n = len(hits)
    for i, s in enumerate(hits):
        if s in keep:
            voice, cell = keep[s]
            _set(grid, voice, s, (max(cell[0], 100), 1), steps)
            continue
        pos = i / max(1, n - 1)
        if contour == "single" or (contour == "snare_then_toms" and pos < 0.5):
            voice = voices[0]
        else:
            voice = voices[min(len(voices) - 1, int(pos * len(voices)))]
        level = _crescendo(i, n, low, high) + (6 if s % 4 == 0 else 0)
        _set(grid, voice, s, (min(120, level), 1), steps)
    # The kick anchors the fill's start and often doubles its last stroke into the next downbeat.
    if kick_before[0] or rng.random() < 0.5:
        grid["kick"][start] = (kick_before[0] or VELOCITY["x"], 1)
    if hits and rng.random() < (0.6 if groove.fill == "jazz" else 0.4):
        grid["kick"][hits[-1]] = (VELOCITY["x"], 1)


def _build_fill(grid: Grid, rng: random.Random, complexity: float, start: int, steps: int) -> None:
    """The electronic build: a snare run tightening from 8ths to 16ths over the kept kick."""
    for voice in ("hat", "ohat", "ride", "bell"):
        if voice in grid:
            for s in range(start, steps):
                grid[voice][s] = REST
    mid = start + (steps - start) // 2
    hits = [s for s in range(start, steps) if s >= mid or (s - start) % 2 == 0]
    for i, s in enumerate(hits):
        roll = 2 if s == steps - 1 and complexity > 0.55 else 1
        _set(grid, "snare", s, (_crescendo(i, len(hits), 50, 112), roll), steps)
    if rng.random() < 0.5 and steps - 2 >= start:
        _set(grid, "clap", steps - 2, (VELOCITY["X"], 1), steps)


def _trap_fill(grid: Grid, rng: random.Random, start: int, steps: int) -> None:
    """Hat rolls in 32nds or triplets and a snare drag into the next bar; the kick and the beat-3 snare stay."""
    figure = rng.choice(("2222", "3.3.", "x222", "3.22", "22x2"))
    for i, s in enumerate(range(start, steps)):
        ch = figure[i % len(figure)]
        level = _crescendo(i, steps - start, 62, 100)
        _set(grid, "hat", s, (level, ROLLS.get(ch, 1)) if ch != "." else REST, steps)
    if "ohat" in grid:
        for s in range(start, steps):
            grid["ohat"][s] = REST
    if rng.random() < 0.5:
        _set(grid, "snare", steps - 1, (VELOCITY["x"], 2), steps)
    else:
        _set(grid, "snare", steps - 2, (VELOCITY["m"], 1), steps)
        _set(grid, "snare", steps - 1, (VELOCITY["X"], 1), steps)


def _light_fill(grid: Grid, groove: Groove, rng: random.Random, start: int, steps: int) -> None:
    first = start + (2 if rng.random() < 0.5 and start + 2 < steps else 0)
    _set(grid, groove.fill_voices[0], first, (52, 1), steps)
    _set(grid, groove.fill_voices[-1], max(first + 1, steps - 2), (62, 1), steps)


def add_crash(grid: Grid, groove: Groove) -> None:
    steps = len(next(iter(grid.values()), [REST]))
    for voice in ("hat", "ride", "ohat", "bell"):
        if voice in grid:
            grid[voice][0] = REST
    _set(grid, "crash", 0, (round(VELOCITY[groove.crash] * max(groove.vel_scale, 0.9)), 1), steps)
    kick = grid.setdefault("kick", [REST] * steps)
    if not kick[0][0]:
        kick[0] = (VELOCITY["x"], 1)


def cap_hits(grid: Grid, limit: int) -> None:
    """Sparse styles: keep the kick and crash, then the loudest hits, up to ``limit`` per bar."""
    hits = [(v, s, c[0]) for v, cells in grid.items() for s, c in enumerate(cells) if c[0]]
    if len(hits) <= limit:
        return
    hits.sort(key=lambda h: (h[0] in ("kick", "crash") and h[1] == 0, h[2]), reverse=True)
    for voice, step, _ in hits[limit:]:
        grid[voice][step] = REST


def _set(grid: Grid, voice: str, step: int, cell: Cell, steps: int) -> None:
    if 0 <= step < steps:
        grid.setdefault(voice, [REST] * steps)[step] = cell
