"""The drum generator: a style's groove on the 16th grid, held bar to bar with small seeded variations every
second bar, ghost notes and accents, a fill in the last bar of every ``profile.fill_every`` block and a crash
on the downbeat after it. GM percussion on channel 10.

Everything that decides *which* hits sound is drawn from ``ctx.rng_for("drums", ...)`` (composition seed
only) and the drum density, so ``kick_onsets`` called from the bass's context sees exactly the kicks the drum
part has: an 808 or boom-bap bass can lock to them.
"""

from __future__ import annotations

import random

from .context import GenContext
from .drum_fills import add_crash, add_fill, cap_hits
from .drum_patterns import GM_KEYS, GROOVES, REST, ROLLS, TIME_VOICES, VELOCITY, Cell, Grid, Groove, Layer
from .parts import Note, Part

STEP = 0.25  # beats per grid step
_GHOST_MAX = VELOCITY["h"]  # ghost notes keep their level through phrase dynamics
_DURATIONS = {"crash": 2.0, "ohat": 0.5, "ride": 0.5, "bell": 0.5, "tri_open": 1.0}


def generate(ctx: GenContext) -> Part:
    part = ctx.new_part()
    bars = _bar_grids(ctx)
    bar_len = ctx.beats_per_bar
    notes: list[Note] = []
    for b, grid in enumerate(bars):
        offset = _phrase_offset(b, max(1, ctx.profile.fill_every))
        for voice, cells in grid.items():
            pitch = GM_KEYS[voice]
            duration = _DURATIONS.get(voice, STEP)
            for step, (level, hits) in enumerate(cells):
                if not level:
                    continue
                start = b * bar_len + step * STEP
                if hits == 1:
                    vel = level if level <= _GHOST_MAX else level + offset
                    notes.append(Note(pitch, start, duration, max(1, min(127, vel))))
                else:
                    notes.extend(_roll(pitch, start, level + offset, hits))
    part.notes = _trim_overlaps(notes)
    part.sort()
    return part


def kick_onsets(ctx: GenContext) -> list[float]:
    """Kick onsets (beats, on the grid, before swing/humanize) of the drum part this composition's seed,
    style, bars and meter give — from any role's context."""
    bar_len = ctx.beats_per_bar
    out: list[float] = []
    for b, grid in enumerate(_bar_grids(ctx)):
        out.extend(b * bar_len + s * STEP for s, (level, _) in enumerate(grid.get("kick", [])) if level)
    return out


# --- the plan: one grid per bar ------------------------------------------------------------------------


def _clamp01(x: float) -> float:
    return max(0.0, min(1.0, x))


def drum_density(ctx: GenContext) -> float:
    """The drum part's density whichever role asks (compose gives drums constraints.density, else
    constraints.complexity, else the profile's drum density)."""
    if ctx.role == "drums":
        return _clamp01(ctx.density)
    c = ctx.constraints
    raw = c.density if c.density is not None else c.complexity
    return _clamp01(ctx.profile.drum_density if raw is None else raw)


def _bar_grids(ctx: GenContext) -> list[Grid]:
    profile = ctx.profile
    density = drum_density(ctx)
    complexity = _clamp01(ctx.constraints.complexity) if ctx.constraints.complexity is not None else density
    groove = GROOVES[_pick_family(ctx)]
    base = _base_grid(ctx, groove, density, complexity)

    num, den = ctx.time_signature
    steps = max(1, ctx.steps_per_bar)
    compound = den == 8 and num % 3 == 0 and num > 3
    fill_every = max(1, profile.fill_every)
    variations: dict[int, list[tuple[str, str, int, int]]] = {}
    out: list[Grid] = []
    for b in range(ctx.bars):
        grid = {v: list(cells) for v, cells in base.items()}
        if b % 2 == 1:
            # Two B bars per 8-bar section (bars 2 and 4 of each 4), so the answer is not always the same.
            key = b // 8 * 2 + (b // 2) % 2
            if key not in variations:
                variations[key] = _variation(groove, base, ctx.rng_for("drums", "variation", str(key)), complexity)
            _apply_variation(grid, variations[key])
        grid = _adapt(grid, steps, compound, groove.half_time)
        if (b + 1) % fill_every == 0:
            add_fill(grid, groove, ctx.rng_for("drums", "fill", str(b)), complexity, steps, compound)
        if b > 0 and b % fill_every == 0:
            add_crash(grid, groove)
        if groove.max_hits is not None:
            cap_hits(grid, groove.max_hits)
        out.append(grid)
    return out


def _pick_family(ctx: GenContext) -> str:
    families = [f for f in ctx.profile.grooves if f in GROOVES] or ["pop"]
    rng = ctx.rng_for("drums", "family")
    # The profile's first groove is its main one; the others are seasoning a seed sometimes picks.
    if len(families) == 1 or rng.random() < 0.7:
        return families[0]
    return families[1 + rng.randrange(len(families) - 1)]


def _parse(text: str, scale: float) -> list[Cell]:
    cells: list[Cell] = []
    for ch in text[:16].ljust(16, "."):
        level = VELOCITY.get(ch, 0)
        # Ghost notes keep their level: scaling would push them under 20, where they stop speaking.
        scaled = level if level <= VELOCITY["h"] else round(level * scale)
        cells.append((scaled, ROLLS.get(ch, 1)) if level else REST)
    return cells


def _merge(grid: Grid, layer: Layer, scale: float) -> None:
    for voice, text in layer.items():
        cells = _parse(text, scale)
        mine = grid.setdefault(voice, [REST] * 16)
        for i, cell in enumerate(cells):
            if cell[0] > mine[i][0]:
                mine[i] = cell


def _base_grid(ctx: GenContext, groove: Groove, density: float, complexity: float) -> Grid:
    grid: Grid = {}
    for name, layers in (("core", groove.cores), ("top", groove.tops), ("perc", groove.percs)):
        _merge(grid, layers[ctx.rng_for("drums", name).randrange(len(layers))], groove.vel_scale)
    if density < 0.3 and groove.thin_ok:
        for voice in TIME_VOICES & grid.keys():
            grid[voice] = [c if i % 2 == 0 else REST for i, c in enumerate(grid[voice])]
    elif density > 0.75 and groove.thin_ok and "hat" in grid:
        # A busy part fills an 8th-note hat out to 16ths with soft in-between strokes.
        grid["hat"] = [(VELOCITY["h"], 1) if i % 2 and not c[0] else c for i, c in enumerate(grid["hat"])]
    amount = _clamp01(ctx.profile.ghost_notes * (0.4 + 1.2 * complexity))
    # A handful of ghosts per bar is a groove; more is a drum solo.
    count = round(amount * min(len(groove.ghost_steps), 5) * 0.8)
    if count:
        rng = ctx.rng_for("drums", "ghosts")
        ranked = sorted(range(len(groove.ghost_steps)), key=lambda i: i + 3 * rng.random())
        track = grid.setdefault(groove.ghost_voice, [REST] * 16)
        for i in ranked[:count]:
            step = groove.ghost_steps[i]
            if not track[step][0]:
                track[step] = (VELOCITY["g"] if rng.random() < 0.6 else VELOCITY["h"], 1)
    _choke(grid)
    return grid


def _choke(grid: Grid) -> None:
    """A closed and an open hat cannot sound on one step: the open one wins."""
    if "ohat" in grid and "hat" in grid:
        grid["hat"] = [REST if grid["ohat"][i][0] else c for i, c in enumerate(grid["hat"])]


# --- variations: the B bar of an A/B pair --------------------------------------------------------------


def _variation(groove: Groove, base: Grid, rng: random.Random, complexity: float) -> list[tuple[str, str, int, int]]:
    """One or two small changes (voice op, voice, step, level) a drummer would make every other bar."""
    options: list[tuple[str, str, int, int]] = []
    kick = base.get("kick", [REST] * 16)
    options += [("add", "kick", s, VELOCITY["m"]) for s in groove.kick_var if not kick[s][0]]
    if "hat" in base:
        options += [("open", "ohat", s, VELOCITY["x"]) for s in groove.open_var if base["hat"][s][0]]
    ghost = base.get(groove.ghost_voice, [REST] * 16)
    options += [("add", groove.ghost_voice, s, VELOCITY["g"]) for s in groove.ghost_steps if not ghost[s][0]]
    if not options:  # nothing idiomatic to add: shift an accent instead
        options = [("accent", v, s, 0) for v, cells in base.items() for s, c in enumerate(cells)
                   if c[0] and v != "kick"]
    if not options:
        return []
    count = min(len(options), 1 + (complexity > 0.4) + (complexity > 0.8))
    return rng.sample(options, count)


def _apply_variation(grid: Grid, ops: list[tuple[str, str, int, int]]) -> None:
    for op, voice, step, level in ops:
        track = grid.setdefault(voice, [REST] * 16)
        if op == "add":
            track[step] = (level, 1)
        elif op == "open":
            track[step] = (level, 1)
            if "hat" in grid:
                grid["hat"][step] = REST
        elif op == "accent" and track[step][0]:
            lvl, hits = track[step]
            track[step] = (min(120, lvl + 14) if lvl < 90 else lvl - 16, hits)


# --- meters --------------------------------------------------------------------------------------------


def _beat_map(beats: int, half_time: bool) -> list[int]:
    """Which beats of the 4/4 pattern fill a bar of ``beats`` beats: a 3/4 bar keeps the backbeat (or,
    half-time, the beat-3 hit); longer bars are built from groups of 4, 3 and 2."""
    if beats <= 0:
        return []
    if beats == 1:
        return [0]
    if beats == 2:
        return [0, 2] if half_time else [0, 1]
    if beats == 3:
        return [0, 1, 2] if half_time else [0, 1, 3]
    if beats == 4:
        return [0, 1, 2, 3]
    if beats == 5:
        return _beat_map(3, half_time) + _beat_map(2, half_time)
    if beats == 6:
        return _beat_map(3, half_time) * 2
    if beats == 7:
        return _beat_map(4, half_time) + _beat_map(3, half_time)
    return _beat_map(4, half_time) + _beat_map(beats - 4, half_time)


def _adapt(grid: Grid, steps: int, compound: bool, half_time: bool) -> Grid:
    if steps == 16 and not compound:
        return grid
    out: Grid = {}
    for voice, cells in grid.items():
        new = [REST] * steps
        if compound:
            # A dotted-quarter pulse (6 steps) takes one 4/4 beat: its 8ths land on the 1st and 3rd 8th of
            # the pulse (the shuffle of 12/8), the 16ths in between on the 2nd 8th and the last 16th.
            for p, src in enumerate(_beat_map(steps // 6, half_time)):
                for k, pos in enumerate((0, 2, 4, 5)):
                    new[p * 6 + pos] = cells[src * 4 + k]
                eighths = cells[src * 4][0] and cells[src * 4 + 2][0] and not cells[src * 4 + 1][0]
                if voice in TIME_VOICES and eighths:
                    # 8th-note time keeping plays all three 8ths of the pulse, the middle one lightest.
                    new[p * 6 + 2] = (max(VELOCITY["g"], cells[src * 4 + 2][0] - 12), 1)
        else:
            for i, src in enumerate(_beat_map(-(-steps // 4), half_time)):
                for k in range(4):
                    if i * 4 + k < steps:
                        new[i * 4 + k] = cells[src * 4 + k]
        out[voice] = new
    return out


# --- notes ---------------------------------------------------------------------------------------------


def _phrase_offset(bar: int, fill_every: int) -> int:
    """A slight lift through each block toward its fill: players push into the turnaround."""
    pos = bar % fill_every
    return round(4 * pos / max(1, fill_every - 1)) - 2


def _roll(pitch: int, start: float, vel: int, hits: int) -> list[Note]:
    # Rolls crescendo into their last stroke; triplets span two steps (an 8th), 32nds one step.
    span = STEP * 2 if hits == 3 else STEP
    gap = span / hits
    return [Note(pitch, round(start + i * gap, 6), gap, _vel(vel - 8 * (hits - 1 - i))) for i in range(hits)]


def _vel(v: int) -> int:
    return max(1, min(127, v))


def _trim_overlaps(notes: list[Note]) -> list[Note]:
    by_pitch: dict[int, list[Note]] = {}
    for n in notes:
        by_pitch.setdefault(n.pitch, []).append(n)
    out: list[Note] = []
    for same in by_pitch.values():
        same.sort(key=lambda n: n.start)
        for i, n in enumerate(same):
            nxt = same[i + 1].start if i + 1 < len(same) else None
            if nxt is not None and n.start + n.duration > nxt:
                n = Note(n.pitch, n.start, round(max(0.01, nxt - n.start), 6), n.velocity)
            out.append(n)
    return out

