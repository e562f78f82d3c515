"""The drum generator: GM output, grooves per family, bar-to-bar consistency, fills, fingerprints, and the
kick onsets the bass follows."""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import replace
from typing import cast

import pytest

from maestro_mcp.music import drums
from maestro_mcp.music.compose import compose
from maestro_mcp.music.context import ROLE_RANGES, GenContext, derive_seed
from maestro_mcp.music.drum_patterns import GM_KEYS, GROOVES
from maestro_mcp.music.parts import DRUM_CHANNEL, Constraints, Part
from maestro_mcp.music.plan import build_plan
from maestro_mcp.music.styles import PROFILES, GrooveFamily, match_style
from maestro_mcp.music.theory import parse_key

KICK, SNARE, CLAP, CRASH = 36, 38, 39, 49
SNARES = {SNARE, 40}
Bar = dict[int, set[int]]  # pitch -> 16th steps


def make_ctx(
    style: str,
    bars: int = 8,
    seed: int = 1,
    role: str = "drums",
    ts: tuple[int, int] = (4, 4),
    constraints: Constraints | None = None,
    family: str | None = None,
) -> GenContext:
    """What compose hands a generator (drums density: density, else complexity, else the profile's)."""
    c = constraints or Constraints()
    profile = match_style(style).profile
    if family is not None:
        profile = replace(profile, grooves=(cast(GrooveFamily, family),), fill_every=4)
    key = parse_key("Am")
    plan, _ = build_plan(key, profile, bars, ts[0] * 4 / ts[1], random.Random(derive_seed(seed, "plan")))
    if c.density is not None:
        density = c.density
    elif role == "drums" and c.complexity is not None:
        density = c.complexity
    else:
        density = profile.drum_density if role == "drums" else 0.5
    low, high = ROLE_RANGES[role]
    return GenContext(
        role=role, profile=profile, key=key, scale=key.scale, tempo=float(profile.tempo), bars=bars,
        time_signature=ts, plan=plan, constraints=c, seed=seed, rng=random.Random(derive_seed(seed, role)),
        low=low, high=high, density=density, swing=profile.swing,
    )


def bar_grids(part: Part, bars: int, beats_per_bar: float = 4.0) -> list[Bar]:
    out: list[Bar] = [{} for _ in range(bars)]
    for n in part.notes:
        b = int(n.start // beats_per_bar + 1e-9)
        step = (n.start - b * beats_per_bar) * 4
        if abs(step - round(step)) < 1e-6:  # roll strokes between steps are not part of the groove grid
            out[b].setdefault(n.pitch, set()).add(round(step))
    return out


def similarity(a: Bar, b: Bar, steps: int = 16) -> float:
    """1 - mean Hamming distance over the steps, averaged over the voices either bar plays."""
    voices = a.keys() | b.keys()
    if not voices:
        return 1.0
    return statistics.mean(1 - len(a.get(v, set()) ^ b.get(v, set())) / steps for v in voices)


def combined_similarity(a: Bar, b: Bar, steps: int = 16) -> float:
    x: set[int] = set().union(*a.values()) if a else set()
    y: set[int] = set().union(*b.values()) if b else set()
    return 1 - len(x ^ y) / steps


def fill_bars(bars: int, every: int) -> set[int]:
    return {b for b in range(bars) if (b + 1) % every == 0}


def onsets(part: Part) -> set[tuple[int, int]]:
    return {(n.pitch, round(n.start * 8)) for n in part.notes}


# --- determinism and variety ---------------------------------------------------------------------------


def test_deterministic() -> None:
    a = drums.generate(make_ctx("funk", 8, 7))
    b = drums.generate(make_ctx("funk", 8, 7))
    assert a.notes == b.notes and a.notes
    c1 = compose("lofi hip hop", ["drums"], key="Cm", tempo=75, bars=8, seed=3)
    c2 = compose("lofi hip hop", ["drums"], key="Cm", tempo=75, bars=8, seed=3)
    assert c1.parts[0].part.notes == c2.parts[0].part.notes


@pytest.mark.parametrize("style", ["boom bap", "lofi", "trap", "house", "techno", "jazz", "bossa nova", "funk",
                                   "rock", "ambient", "reggaeton", "drum and bass"])
def test_different_seeds_differ(style: str) -> None:
    parts = [onsets(drums.generate(make_ctx(style, 8, seed))) for seed in range(8)]
    pairs = list(itertools.combinations(parts, 2))
    differ = sum(len(a ^ b) / len(a | b) > 0.10 for a, b in pairs)
    assert differ / len(pairs) >= 0.9


# --- every groove family --------------------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(GROOVES))
def test_family_output_fills_and_crash(family: str) -> None:
    gm = set(GM_KEYS.values())
    for seed in range(3):
        ctx = make_ctx("pop", 8, seed, family=family)
        part = drums.generate(ctx)
        assert part.channel == DRUM_CHANNEL and part.is_drums
        assert part.notes
        assert all(n.pitch in gm and 35 <= n.pitch <= 81 for n in part.notes)
        assert all(0 <= n.start < 32 and n.end <= 32 + 1e-9 and 1 <= n.velocity <= 127 for n in part.notes)
        assert any(n.start >= 28 for n in part.notes)
        by_pitch: dict[int, list[tuple[float, float]]] = {}
        for n in part.notes:
            by_pitch.setdefault(n.pitch, []).append((n.start, n.end))
        for spans in by_pitch.values():
            spans.sort()
            assert all(e <= s2 + 1e-9 for (_, e), (s2, _) in itertools.pairwise(spans))
        grids = bar_grids(part, 8)
        # The fill bars (4 and 8) end differently from the groove; the next block opens with a crash.
        def tail(bar: Bar) -> set[tuple[int, int]]:
            return {(p, s) for p, steps in bar.items() for s in steps if s >= 12}
        assert tail(grids[3]) != tail(grids[2]), (family, seed)
        assert tail(grids[7]) != tail(grids[6]), (family, seed)
        assert 0 in grids[4].get(CRASH, set()), (family, seed)
        assert CRASH not in grids[0] and CRASH not in grids[2]


@pytest.mark.parametrize("family", sorted(GROOVES))
def test_family_consistency_and_dynamics(family: str) -> None:
    for seed in range(4):
        ctx = make_ctx("pop", 16, seed, family=family)
        part = drums.generate(ctx)
        grids = bar_grids(part, 16)
        fills = fill_bars(16, 4)
        sims = [similarity(grids[b], grids[b + 1]) for b in range(15) if b not in fills and b + 1 not in fills]
        assert min(sims) >= 0.75 and statistics.mean(sims) >= 0.85, (family, seed, sims)
        comb = [combined_similarity(grids[b], grids[b + 1]) for b in range(15)
                if b not in fills and b + 1 not in fills]
        assert min(comb) >= 0.75, (family, seed, comb)
        velocities = [n.velocity for n in part.notes]
        assert statistics.pstdev(velocities) >= 8, (family, seed)
        assert len(set(velocities)) >= 4


def test_ghost_notes_in_funk_and_boom_bap() -> None:
    for style in ("funk", "boom bap"):
        part = drums.generate(make_ctx(style, 8, 2))
        ghosts = [n for n in part.notes if n.pitch in SNARES and 20 <= n.velocity <= 45]
        assert len(ghosts) >= 4, style


def test_ambient_is_sparse() -> None:
    for seed in range(6):
        part = drums.generate(make_ctx("ambient", 16, seed))
        grids = bar_grids(part, 16)
        per_bar = [sum(1 for n in part.notes if b * 4 <= n.start < b * 4 + 4) for b in range(16)]
        assert max(per_bar) <= 6 and len(grids) == 16


def test_density_thins_and_fills_out() -> None:
    sparse = drums.generate(make_ctx("rock", 8, 4, constraints=Constraints(density=0.1)))
    busy = drums.generate(make_ctx("rock", 8, 4, constraints=Constraints(density=0.95)))
    assert len(busy.notes) > len(sparse.notes)


# --- style fingerprints ---------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["house", "techno", "minimal house", "disco", "psytrance", "edm"])
def test_four_on_the_floor(style: str) -> None:
    for seed in range(5):
        grids = bar_grids(drums.generate(make_ctx(style, 16, seed)), 16)
        on_all_four = sum({0, 4, 8, 12} <= g.get(KICK, set()) for g in grids)
        assert on_all_four / 16 >= 0.9, (style, seed)


@pytest.mark.parametrize("style", ["boom bap", "lofi", "funk", "rock", "pop", "hip hop"])
def test_backbeat_on_two_and_four(style: str) -> None:
    for seed in range(6):
        ctx = make_ctx(style, 16, seed)
        grids = bar_grids(drums.generate(ctx), 16)
        fills = fill_bars(16, ctx.profile.fill_every)
        for b, g in enumerate(grids):
            snare = set().union(*(g.get(p, set()) for p in SNARES))
            if b not in fills:
                assert {4, 12} <= snare, (style, seed, b)
            else:
                assert 4 in snare, (style, seed, b)


def test_trap_half_time_snare_on_three() -> None:
    for seed in range(8):
        ctx = make_ctx("trap", 16, seed)
        grids = bar_grids(drums.generate(ctx), 16)
        for g in grids:
            backbeat = g.get(SNARE, set()) | g.get(CLAP, set())
            assert 8 in backbeat and 4 not in backbeat
        assert all(12 not in (g.get(SNARE, set()) | g.get(CLAP, set())) for g in grids[:7])


def test_trap_has_hat_rolls() -> None:
    rolls = 0
    for seed in range(6):
        part = drums.generate(make_ctx("trap", 8, seed))
        hats = sorted(n.start for n in part.notes if n.pitch == 42)
        rolls += any(b - a < 0.2 for a, b in itertools.pairwise(hats))
    assert rolls >= 5


def test_bossa_has_no_backbeat() -> None:
    for seed in range(8):
        part = drums.generate(make_ctx("bossa nova", 16, seed))
        for g in bar_grids(part, 16):
            backbeat = set().union(*(g.get(p, set()) for p in (SNARE, 40, CLAP)))
            assert not backbeat & {4, 12}
        rim = [n for n in part.notes if n.pitch == 37]
        assert len(rim) >= 16 * 4  # the cross-stick clave carries the groove


def test_funk_odd_sixteenths() -> None:
    for seed in range(8):
        part = drums.generate(make_ctx("funk", 8, seed))
        steps = [round(n.start * 4) for n in part.notes if abs(n.start * 4 - round(n.start * 4)) < 1e-6]
        assert sum(s % 2 for s in steps) / len(steps) >= 0.25, seed


def test_jazz_ride_and_hat_pedal() -> None:
    part = drums.generate(make_ctx("jazz", 8, 3))
    grids = bar_grids(part, 8)
    for g in grids[:3]:
        assert {4, 12} <= g.get(44, set())  # hi-hat foot on 2 and 4
        assert {4, 12} <= g.get(51, set()) and g.get(51, set()) & {6, 14}  # ride: ding, ding-a
    kicks = [n.velocity for n in part.notes if n.pitch == KICK and n.start < 12]
    assert statistics.median(kicks) <= 45  # feathered


def test_one_drop_leaves_beat_one_empty() -> None:
    for seed in range(4):
        ctx = make_ctx("reggae", 8, seed)
        grids = bar_grids(drums.generate(ctx), 8)
        for b in (0, 1, 2):
            assert 0 not in grids[b].get(KICK, set()) and 8 in grids[b].get(KICK, set())


# --- meters and lengths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ts", [(3, 4), (6, 8), (5, 4), (7, 8), (2, 4), (12, 8)])
def test_other_meters(ts: tuple[int, int]) -> None:
    for style in ("rock", "trap", "jazz", "house", "bossa nova"):
        ctx = make_ctx(style, 8, 2, ts=ts)
        part = drums.generate(ctx)
        total = ctx.total_beats
        assert all(0 <= n.start < total for n in part.notes)
        assert any(n.start >= total - ctx.beats_per_bar for n in part.notes)
        assert kick_starts(part) == drums.kick_onsets(ctx)


def test_waltz_backbeat_on_two_and_three() -> None:
    grids = bar_grids(drums.generate(make_ctx("rock", 4, 1, ts=(3, 4))), 4, 3.0)
    assert {4, 8} <= grids[0].get(SNARE, set()) and 0 in grids[0].get(KICK, set())


def test_compound_six_eight_backbeat_on_the_second_pulse() -> None:
    grids = bar_grids(drums.generate(make_ctx("rock", 4, 1, ts=(6, 8))), 4, 3.0)
    assert 6 in grids[0].get(SNARE, set()) and 0 in grids[0].get(KICK, set())


@pytest.mark.parametrize("bars", [1, 2, 3, 64])
def test_lengths(bars: int) -> None:
    ctx = make_ctx("boom bap", bars, 5)
    part = drums.generate(ctx)
    assert any(n.start >= (bars - 1) * 4 for n in part.notes)
    assert all(n.start < bars * 4 for n in part.notes)


# --- the kick the bass follows --------------------------------------------------------------------------


def kick_starts(part: Part) -> list[float]:
    return sorted(round(n.start * 4) / 4 for n in part.notes if n.pitch in (35, 36))


@pytest.mark.parametrize("style", ["trap", "boom bap", "lofi", "house", "funk", "dnb", "reggaeton", "garage"])
def test_kick_onsets_match_the_drum_part(style: str) -> None:
    for seed in range(4):
        for constraints in (Constraints(), Constraints(complexity=0.9), Constraints(density=0.2)):
            drum_part = drums.generate(make_ctx(style, 16, seed, constraints=constraints))
            from_bass = drums.kick_onsets(make_ctx(style, 16, seed, role="bass", constraints=constraints))
            assert from_bass == kick_starts(drum_part) and from_bass


def test_kick_onsets_match_the_composed_part() -> None:
    comp = compose("trap", ["drums", "bass"], key="Fm", tempo=140, bars=8, seed=11)
    drum_part = comp.parts[0].part
    ctx = make_ctx("trap", 8, 11, role="bass")
    grid_kicks = drums.kick_onsets(ctx)
    # After humanize the composed kicks sit within a few hundredths of a beat of the grid onsets.
    played = sorted(n.start for n in drum_part.notes if n.pitch == KICK)
    assert len(played) == len(grid_kicks)
    assert all(abs(a - b) < 0.06 for a, b in zip(played, grid_kicks, strict=True))


# --- the whole matrix (slow) ----------------------------------------------------------------------------


@pytest.mark.matrix
@pytest.mark.parametrize("profile_id", [p.id for p in PROFILES])
def test_matrix_guarantees(profile_id: str) -> None:
    profile = next(p for p in PROFILES if p.id == profile_id)
    style = profile.keywords[0] if profile.keywords else "something unknown"
    low, high = profile.tempo_range
    for key, tempo, bars, seed in itertools.product(("C", "Am", "F#m", "Eb"), (low, (low + high) / 2, high),
                                                    (4, 8, 16), (1, 2, 3)):
        part = compose(style, ["drums"], key=key, tempo=tempo, bars=bars, seed=seed).parts[0].part
        total = bars * 4
        assert part.channel == DRUM_CHANNEL
        assert all(35 <= n.pitch <= 81 and 0 <= n.start < total and n.end <= total + 1e-6 for n in part.notes)
        assert any(n.start >= total - 4 for n in part.notes)
        assert statistics.pstdev([n.velocity for n in part.notes]) >= 8
