"""Pads and strings: held, voice-led harmony with expression swells and filter sweeps."""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import replace
from typing import Any

import pytest

from maestro_mcp.music import pads
from maestro_mcp.music.context import ROLE_RANGES, GenContext, derive_seed
from maestro_mcp.music.parts import Constraints, Note
from maestro_mcp.music.plan import build_plan
from maestro_mcp.music.styles import PROFILES, match_style
from maestro_mcp.music.theory import parse_key
from maestro_mcp.music.voicings import movement


def make_ctx(
    style: str, role: str = "pads", key: str = "C", bars: int = 8, seed: int = 1,
    ts: tuple[int, int] = (4, 4), progression: list[str] | None = None, **overrides: Any,
) -> GenContext:
    profile = match_style(style).profile
    if overrides:
        profile = replace(profile, **overrides)
    k = parse_key(key)
    plan, _ = build_plan(k, profile, bars, ts[0] * 4 / ts[1], random.Random(derive_seed(seed, "plan")), progression)
    low, high = ROLE_RANGES[role]
    return GenContext(
        role=role, profile=profile, key=k, scale=k.scale, tempo=float(profile.tempo), bars=bars,
        time_signature=ts, plan=plan, constraints=Constraints(), seed=seed,
        rng=random.Random(derive_seed(seed, role)), low=low, high=high, density=0.5, swing=profile.swing,
    )


def sounding(notes: list[Note], t: float) -> list[int]:
    return sorted(n.pitch for n in notes if n.start <= t + 1e-6 and n.end > t + 1e-6)


def check(ctx: GenContext) -> list[Note]:
    part = pads.generate(ctx)
    notes = part.notes
    total = ctx.total_beats
    assert notes
    assert all(0 <= n.start < total and n.end <= total + 1e-6 for n in notes)
    assert any(n.start >= total - ctx.beats_per_bar for n in notes)
    assert all(36 <= ctx.low <= n.pitch <= ctx.high <= 92 for n in notes)
    for _, group in itertools.groupby(sorted(notes, key=lambda n: (n.pitch, n.start)), key=lambda n: n.pitch):
        g = list(group)
        assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(g))
    for span in ctx.plan.spans:
        voices = sounding(notes, span.start + span.duration * 0.75)
        assert 3 <= len(set(voices)) <= 5, (span.chord.symbol, voices)
    # held: at least two beats each (or the whole chord when the chord itself is shorter)
    shortest_span = min(s.duration for s in ctx.plan.spans)
    assert all(n.duration >= min(2.0, shortest_span) - 1e-6 for n in notes)
    assert all(0 <= c.value <= 127 and 0 <= c.beat < total for c in part.cc)
    ok = ctx.key.in_key_pcs() | ctx.plan.pcs_union() | frozenset(ctx.scale.pcs)
    assert sum(n.pitch % 12 in ok for n in notes) / len(notes) >= 0.95
    return notes


@pytest.mark.parametrize("role", ["pads", "strings"])
@pytest.mark.parametrize(("bars", "ts"), [(1, (4, 4)), (4, (4, 4)), (16, (4, 4)), (4, (3, 4)), (5, (6, 8))])
def test_pads_hold_the_harmony(role: str, bars: int, ts: tuple[int, int]) -> None:
    for seed, (style, key) in enumerate((("ambient", "C"), ("synthwave", "F#m"), ("cinematic", "Eb"), ("lofi", "Am"))):
        check(make_ctx(style, role=role, bars=bars, ts=ts, seed=seed, key=key))


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
def test_every_style(profile: Any) -> None:
    for seed, key in enumerate(("C", "Am", "F#m", "Eb")):
        check(make_ctx(profile.id if profile.id != "generic" else "zzz", key=key, seed=seed))


@pytest.mark.parametrize("articulation", pads.ARTICULATIONS)
def test_every_articulation(articulation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pads, "ARTICULATIONS", (articulation,))
    for role, ts in itertools.product(("pads", "strings"), ((4, 4), (3, 4))):
        for style in ("ambient", "house", "cinematic"):
            check(make_ctx(style, role=role, ts=ts, bars=8))


def test_voice_leading_is_smooth() -> None:
    moves = []
    for style, key, seed in (("ambient", "C", 1), ("house", "Am", 2), ("cinematic", "Eb", 3), ("synthwave", "F#m", 4)):
        ctx = make_ctx(style, key=key, seed=seed, bars=16)
        notes = pads.generate(ctx).notes
        chords = [sounding(notes, s.start + min(1.0, s.duration / 2)) for s in ctx.plan.spans]
        moves += [movement(a, b) for a, b in itertools.pairwise(chords)]
    assert statistics.mean(moves) <= 4.0


def test_common_tones_are_tied_when_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pads, "ARTICULATIONS", ("held",))
    ctx = make_ctx("house", bars=3, progression=["Am7", "Cmaj7", "Am7"])
    notes = pads.generate(ctx).notes
    tied = [n for n in notes if n.start < 4 and n.end > 4 + 1e-6]
    assert tied  # Am7 and Cmaj7 share C, E, G: at least one is held through the change


def test_expression_swells_and_filter_sweeps() -> None:
    ctx = make_ctx("synthwave", bars=8)
    assert ctx.profile.filter_sweeps
    part = pads.generate(ctx)
    expr = [c for c in part.cc if c.cc == 11]
    for span in ctx.plan.spans:
        inside = [c.value for c in expr if span.start - 0.5 - 1e-6 <= c.beat < span.end - 0.5]
        assert 3 <= len(inside) <= 9
        assert max(inside) - min(inside) >= 20  # a real swell, not a flat line
    cutoff = [c for c in part.cc if c.cc == 74]
    assert 2 <= len(cutoff) <= 4 * ctx.bars
    no_sweep = pads.generate(make_ctx("cinematic", bars=8))
    assert not any(c.cc == 74 for c in no_sweep.cc)


def test_deterministic_and_seeds_differ() -> None:
    for role in ("pads", "strings"):
        a = pads.generate(make_ctx("ambient", role=role, seed=9))
        b = pads.generate(make_ctx("ambient", role=role, seed=9))
        assert a.notes == b.notes and a.cc == b.cc
        parts = [pads.generate(make_ctx("house", role=role, seed=s)).notes for s in range(8)]
        differ = []
        for x, y in itertools.combinations(parts, 2):
            sx = {(n.start, n.pitch) for n in x}
            sy = {(n.start, n.pitch) for n in y}
            differ.append(len(sx ^ sy) / len(sx | sy) > 0.1)
        assert sum(differ) / len(differ) >= 0.9


def test_strings_voice_a_section() -> None:
    ctx = make_ctx("string quartet", role="strings", bars=8, seed=2)
    notes = pads.generate(ctx).notes
    for span in ctx.plan.spans:
        voices = sounding(notes, span.start + 0.25 if span.duration < 2 else span.start + 1.5)
        assert voices[0] % 12 == span.chord.bass  # the cello has the root
        assert voices[1] - voices[0] >= 7  # and room above it
