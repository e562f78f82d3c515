"""Chords and keys: voice-led voicings in every comping idiom."""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import replace
from typing import Any, get_args

import pytest

from maestro_mcp.music import chords
from maestro_mcp.music.comping_patterns import ATTACKS, COMPING
from maestro_mcp.music.compose import compose
from maestro_mcp.music.context import ROLE_RANGES, GenContext, derive_seed
from maestro_mcp.music.parts import Constraints, Note
from maestro_mcp.music.plan import build_plan
from maestro_mcp.music.styles import PROFILES, CompingStyle, Voicing, match_style
from maestro_mcp.music.theory import parse_chord, parse_key
from maestro_mcp.music.voicings import Voicer, movement


def make_ctx(
    style: str, role: str = "chords", key: str = "C", bars: int = 4, seed: int = 1,
    ts: tuple[int, int] = (4, 4), note_range: tuple[int, int] | None = None,
    progression: list[str] | None = None, **overrides: Any,
) -> GenContext:
    profile = match_style(style).profile
    if overrides:
        profile = replace(profile, **overrides)
    k = parse_key(key)
    plan, _ = build_plan(k, profile, bars, ts[0] * 4 / ts[1], random.Random(derive_seed(seed, "plan")), progression)
    low, high = note_range or ROLE_RANGES[role]
    return GenContext(
        role=role, profile=profile, key=k, scale=k.scale, tempo=float(profile.tempo), bars=bars,
        time_signature=ts, plan=plan, constraints=Constraints(), seed=seed,
        rng=random.Random(derive_seed(seed, role)), low=low, high=high,
        density=profile.chord_density, swing=profile.swing,
    )


def onset_groups(notes: list[Note]) -> dict[float, set[int]]:
    """Distinct pitches sounding at each onset (struck there or still ringing)."""
    out: dict[float, set[int]] = {}
    for t in sorted({n.start for n in notes}):
        out[t] = {n.pitch for n in notes if n.start <= t + 1e-6 and n.end > t + 1e-6}
    return out


def in_key_share(notes: list[Note], ctx: GenContext) -> float:
    ok = ctx.key.in_key_pcs() | ctx.plan.pcs_union() | frozenset(ctx.scale.pcs)
    return sum(n.pitch % 12 in ok for n in notes) / len(notes)


def overlaps(notes: list[Note]) -> int:
    bad = 0
    for _, group in itertools.groupby(sorted(notes, key=lambda n: (n.pitch, n.start)), key=lambda n: n.pitch):
        g = list(group)
        bad += sum(1 for a, b in itertools.pairwise(g) if a.end > b.start + 1e-6)
    return bad


def onset_difference(a: list[Note], b: list[Note]) -> float:
    sa = {(round(n.start, 3), n.pitch) for n in a}
    sb = {(round(n.start, 3), n.pitch) for n in b}
    return len(sa ^ sb) / max(1, len(sa | sb))


def check_part(ctx: GenContext, notes: list[Note]) -> None:
    assert notes, "no notes"
    total = ctx.total_beats
    assert all(0 <= n.start < total and n.end <= total + 1e-6 for n in notes)
    assert any(n.start >= total - ctx.beats_per_bar for n in notes), "last bar is empty"
    assert all(ctx.low <= n.pitch <= ctx.high for n in notes)
    assert all(1 <= n.velocity <= 127 for n in notes)
    assert overlaps(notes) == 0
    assert statistics.pstdev(n.velocity for n in notes) >= 3


def test_every_comping_style_has_patterns() -> None:
    assert set(get_args(CompingStyle)) <= set(COMPING)
    for name, style in COMPING.items():
        for pattern in style.variants:
            assert all(len(bar) == 16 for bar in pattern.bars), name
        assert all(len(bar) == 12 for p in style.waltz for bar in p.bars), name
        assert all(len(bar) == 16 for bar in style.fills), name
        for bar in [b for p in style.variants + style.waltz for b in p.bars] + list(style.fills):
            assert set(bar) <= ATTACKS | {".", "-"}, (name, bar)
            assert any(c in ATTACKS for c in bar[:12]), (name, bar)


@pytest.mark.parametrize("comping", get_args(CompingStyle))
@pytest.mark.parametrize(("bars", "ts"), [(1, (4, 4)), (4, (4, 4)), (16, (4, 4)), (4, (3, 4)), (3, (6, 8))])
def test_comping_style_runs_and_holds_its_guarantees(comping: str, bars: int, ts: tuple[int, int]) -> None:
    for seed, key in ((1, "C"), (2, "F#m")):
        ctx = make_ctx("pop", bars=bars, ts=ts, seed=seed, key=key, comping=comping)
        part = chords.generate(ctx)
        check_part(ctx, part.notes)
        for t, pitches in onset_groups(part.notes).items():
            assert len(pitches) >= 3, (comping, t, pitches)
        assert in_key_share(part.notes, ctx) >= 0.95


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
def test_every_style_in_key_with_full_chords(profile: Any) -> None:
    for key, seed in (("C", 1), ("Am", 2), ("F#m", 3), ("Eb", 4)):
        ctx = make_ctx(profile.id if profile.id != "generic" else "zzz", key=key, bars=8, seed=seed)
        notes = chords.generate(ctx).notes
        check_part(ctx, notes)
        assert in_key_share(notes, ctx) >= (0.80 if profile.loose_key else 0.95)
        # every chord of the plan is heard with at least three pitches at once
        groups = onset_groups(notes)
        for span in ctx.plan.spans:
            heard = [len(p) for t, p in groups.items() if span.start - 0.5 - 1e-6 <= t < span.end]
            assert heard and max(heard) >= 3


def test_deterministic_and_seeds_differ() -> None:
    for style in ("lofi", "house", "jazz", "folk", "pop", "trap"):
        a = chords.generate(make_ctx(style, bars=8, seed=5))
        b = chords.generate(make_ctx(style, bars=8, seed=5))
        assert a.notes == b.notes and a.cc == b.cc
        parts = [chords.generate(make_ctx(style, bars=8, seed=s)).notes for s in range(8)]
        pairs = list(itertools.combinations(parts, 2))
        differ = sum(onset_difference(x, y) > 0.10 for x, y in pairs) / len(pairs)
        assert differ >= 0.9, style


@pytest.mark.parametrize("kind", get_args(Voicing))
def test_voicings_are_full_in_range_and_smooth(kind: str) -> None:
    progressions = [
        ["Dm7", "G7", "Cmaj7", "A7"], ["Am", "F", "C", "G"], ["Cm9", "Fm9", "Bb7sus4", "Ebmaj7"],
        ["F#m7b5", "B7b9", "Em7", "E7alt"], ["C", "G/B", "Am", "F"],
    ]
    key_pcs = parse_key("C").in_key_pcs() | parse_key("Cm").in_key_pcs()
    moves = []
    for prog in progressions:
        voicer = Voicer(kind=kind, low=40, high=88, key_pcs=key_pcs)  # type: ignore[arg-type]
        prev: list[int] | None = None
        for symbol in prog * 3:
            chord = parse_chord(symbol)
            v = voicer.voice(chord)
            assert len(set(v)) >= 3, (kind, symbol, v)
            assert all(40 <= p <= 88 for p in v)
            assert all(p % 12 in chord.pcs | key_pcs for p in v)
            if kind == "power":
                assert {p % 12 for p in v} <= {chord.root, chord.fifth}
            if prev is not None:
                moves.append(movement(prev, v))
            prev = v
    limit = 6.0 if kind in ("power", "quartal") else 4.0
    assert statistics.mean(moves) <= limit, (kind, statistics.mean(moves))


def test_rootless_leaves_the_root_to_the_bass() -> None:
    voicer = Voicer(kind="rootless", low=40, high=88, key_pcs=parse_key("C").in_key_pcs(), rich=True)
    for symbol in ("Dm7", "G7", "Cmaj7"):
        chord = parse_chord(symbol)
        v = voicer.voice(chord)
        assert chord.root not in {p % 12 for p in v}
        assert chord.third in {p % 12 for p in v} and chord.seventh in {p % 12 for p in v}


def test_narrow_caller_range_is_respected() -> None:
    for comping in ("funk", "strum", "arpeggiated", "power"):
        ctx = make_ctx("pop", note_range=(60, 76), comping=comping, bars=4)
        notes = chords.generate(ctx).notes
        assert all(60 <= n.pitch <= 76 for n in notes)
        assert all(len(p) >= 3 for p in onset_groups(notes).values())


def test_keys_role_catches_the_sustain_pedal_at_each_chord() -> None:
    ctx = make_ctx("pop", role="keys", bars=4, seed=2)
    part = chords.generate(ctx)
    pedal = [c for c in part.cc if c.cc == 64]
    assert pedal and all(c.value in (0, 127) for c in pedal)
    downs = [c.beat for c in pedal if c.value == 127]
    ups = [c.beat for c in pedal if c.value == 0]
    assert len(downs) == len(ctx.plan.spans) == len(ups)
    for up, nxt in zip(ups, downs[1:], strict=False):
        assert 0 < nxt - up <= 0.1  # released just before the next chord is struck
    assert all(0 <= c.beat < ctx.total_beats for c in part.cc)
    plain = chords.generate(make_ctx("pop", role="chords", bars=4, seed=2))
    assert not plain.cc  # pop chords: no pedal unless the style asks
    assert any(c.cc == 64 for c in chords.generate(make_ctx("lofi", bars=4)).cc)


def test_push_anticipates_the_next_chord() -> None:
    plan = make_ctx("pop", bars=2, progression=["C", "F"]).plan
    hits = chords.place_hits(chords.parse_timeline("X-----------..>-X-------"), plan)
    push = next(h for h in hits if h.char == ">")
    assert push.start == 3.5 and push.span == 1 and push.end >= 6.0
    assert not any(abs(h.start - 4.0) < 1e-6 for h in hits)  # the downbeat is tied over, not struck


def test_held_chord_is_restruck_at_a_mid_bar_change() -> None:
    ctx = make_ctx("pop", bars=2, progression=["C", "F"])
    hits = chords.place_hits(chords.parse_timeline("X" + "-" * 31), ctx.plan)
    assert [(h.start, h.span) for h in hits] == [(0.0, 0), (4.0, 1)]


def test_velocity_shape_accents_downbeats() -> None:
    ctx = make_ctx("pop", bars=8, seed=3, comping="pulse")
    notes = chords.generate(ctx).notes
    down = [n.velocity for n in notes if n.start % 4 == 0]
    inner = [n.velocity for n in notes if n.start % 1 != 0]
    assert statistics.mean(down) > statistics.mean(inner) + 5


def test_end_to_end_through_compose() -> None:
    for style in ("lofi hip hop", "bossa nova", "flamenco", "indie folk"):
        comp = compose(style, ["chords", "keys"], key="Eb", bars=8, seed=4)
        for gp in comp.parts:
            assert gp.report["in_key_ratio"] >= 0.95
            assert gp.report.get("chord_voices_ok", 1.0) in (None, 1.0)


def test_density_thins_and_fills() -> None:
    def onsets(density: float) -> int:
        counts = []
        for seed in range(6):
            ctx = replace(make_ctx("funk", bars=8, seed=seed), density=density)
            counts.append(len({n.start for n in chords.generate(ctx).notes}))
        return sum(counts)

    assert onsets(0.05) < onsets(0.5) < onsets(0.95)
