"""Arpeggios over the chord plan."""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import replace
from typing import Any, get_args

import pytest

from maestro_mcp.music import arp
from maestro_mcp.music.context import ROLE_RANGES, GenContext, derive_seed
from maestro_mcp.music.parts import Constraints, Note
from maestro_mcp.music.plan import build_plan
from maestro_mcp.music.styles import PROFILES, ArpPattern, match_style
from maestro_mcp.music.theory import parse_key


def make_ctx(
    style: str, key: str = "C", bars: int = 4, seed: int = 1, ts: tuple[int, int] = (4, 4),
    note_range: tuple[int, int] | None = None, **overrides: Any,
) -> GenContext:
    profile = match_style(style).profile
    if overrides:
        profile = replace(profile, **overrides)
    k = parse_key(key)
    plan, _ = build_plan(k, profile, bars, ts[0] * 4 / ts[1], random.Random(derive_seed(seed, "plan")), None)
    low, high = note_range or ROLE_RANGES["arp"]
    return GenContext(
        role="arp", profile=profile, key=k, scale=k.scale, tempo=float(profile.tempo), bars=bars,
        time_signature=ts, plan=plan, constraints=Constraints(), seed=seed,
        rng=random.Random(derive_seed(seed, "arp")), low=low, high=high, density=0.5, swing=profile.swing,
    )


def check(ctx: GenContext) -> list[Note]:
    part = arp.generate(ctx)
    notes = part.notes
    total = ctx.total_beats
    assert notes
    assert all(0 <= n.start < total and n.end <= total + 1e-6 for n in notes)
    assert any(n.start >= total - ctx.beats_per_bar for n in notes)
    assert all(ctx.low <= n.pitch <= ctx.high for n in notes)
    for _, group in itertools.groupby(sorted(notes, key=lambda n: (n.pitch, n.start)), key=lambda n: n.pitch):
        assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(list(group)))
    # every note is a tone of the chord sounding at its onset
    assert all(n.pitch % 12 in ctx.plan.at(n.start).chord.pcs for n in notes)
    if len(notes) > 1:
        assert statistics.pstdev(n.velocity for n in notes) >= 3
    assert all(0 <= c.value <= 127 and 0 <= c.beat < total for c in part.cc)
    return notes


@pytest.mark.parametrize("pattern", get_args(ArpPattern))
@pytest.mark.parametrize(("bars", "ts"), [(1, (4, 4)), (4, (4, 4)), (16, (4, 4)), (4, (3, 4)), (3, (6, 8))])
def test_every_pattern_runs(pattern: str, bars: int, ts: tuple[int, int]) -> None:
    for seed, (style, key, rate) in enumerate((("synthwave", "C", 0.25), ("ambient", "F#m", 0.5), ("techno", "Eb", 0.25))):
        check(make_ctx(style, key=key, bars=bars, ts=ts, seed=seed, arp_pattern=pattern, arp_rate=rate))


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
def test_every_style(profile: Any) -> None:
    for seed, key in enumerate(("C", "Am", "F#m", "Eb")):
        check(make_ctx(profile.id if profile.id != "generic" else "zzz", key=key, seed=seed, bars=8))


def test_walk_patterns() -> None:
    def take(pattern: str, n: int, k: int) -> list[int]:
        it = arp.walk(pattern, n, random.Random(0))
        return [next(it) for _ in range(k)]

    assert take("up", 4, 6) == [0, 1, 2, 3, 0, 1]
    assert take("down", 4, 5) == [3, 2, 1, 0, 3]
    assert take("updown", 4, 7) == [0, 1, 2, 3, 2, 1, 0]
    assert take("converge", 5, 6) == [0, 4, 1, 3, 2, 0]
    assert take("pedal", 4, 6) == [0, 1, 0, 2, 0, 3]
    steps = take("random_walk", 5, 200)
    assert all(0 <= i < 5 for i in steps) and len(set(steps)) == 5
    assert all(abs(a - b) <= 2 for a, b in itertools.pairwise(steps))
    assert take("up", 1, 3) == [0, 0, 0]


def test_follows_the_rate_and_accents_the_bar() -> None:
    ctx = make_ctx("synthwave", bars=8, seed=4, arp_rate=0.25)
    notes = check(ctx)
    assert all(abs(n.start / 0.25 - round(n.start / 0.25)) < 1e-6 for n in notes)
    on_bar = [n.velocity for n in notes if n.start % ctx.beats_per_bar == 0]
    off = [n.velocity for n in notes if n.start % 1 != 0]
    assert statistics.mean(on_bar) > statistics.mean(off) + 8


def test_span_is_one_or_two_octaves_and_in_range() -> None:
    for seed in range(6):
        ctx = make_ctx("psytrance", seed=seed, bars=4)
        notes = check(ctx)
        assert max(n.pitch for n in notes) - min(n.pitch for n in notes) <= 24 + 12  # + phrase-end lift
    narrow = make_ctx("synthwave", note_range=(60, 70), bars=4)
    assert all(60 <= n.pitch <= 70 for n in check(narrow))


def test_filter_sweep_when_the_style_wants_one() -> None:
    assert any(c.cc == 74 for c in arp.generate(make_ctx("synthwave", bars=8)).cc)
    assert not arp.generate(make_ctx("cinematic", bars=8)).cc


def test_deterministic_and_seeds_differ() -> None:
    a = arp.generate(make_ctx("synthwave", seed=3, bars=8))
    b = arp.generate(make_ctx("synthwave", seed=3, bars=8))
    assert a.notes == b.notes and a.cc == b.cc
    for style in ("synthwave", "techno", "ambient"):
        parts = [arp.generate(make_ctx(style, seed=s, bars=8)).notes for s in range(8)]
        differ = []
        for x, y in itertools.combinations(parts, 2):
            sx = {(n.start, n.pitch) for n in x}
            sy = {(n.start, n.pitch) for n in y}
            differ.append(len(sx ^ sy) / len(sx | sy) > 0.1)
        assert sum(differ) / len(differ) >= 0.9, style
