"""Melody and lead: determinism, seed variety, the interval / chord-tone / key figures of MUSIC.md over a
sample of styles, keys and seeds, motif return, cadences on chord tones, and lead pitch bends."""

from __future__ import annotations

import itertools
import random
import statistics
from collections import Counter
from collections.abc import Sequence

import pytest

from maestro_mcp.music import melody
from maestro_mcp.music.compose import generate_part
from maestro_mcp.music.context import ROLE_RANGES, GenContext, derive_seed
from maestro_mcp.music.melody_rhythm import strong_steps
from maestro_mcp.music.parts import Constraints, Note, Part, PartRequest
from maestro_mcp.music.plan import ChordPlan, build_plan
from maestro_mcp.music.styles import PROFILES, PROFILES_BY_ID, StyleProfile
from maestro_mcp.music.theory import Scale, parse_key

KEYS = ("C", "Am", "F#m", "Eb")
SAMPLE_STYLES = (
    "lofi", "neosoul", "hiphop", "trap", "dnb", "garage", "house", "psytrance", "techno", "edm", "synthwave",
    "ambient", "cinematic", "jazz", "bossa", "afrobeats", "reggae", "funk", "rock", "blues", "folk", "pop",
)


def make_ctx(
    profile: StyleProfile, key: str = "C", bars: int = 8, seed: int = 0, role: str = "melody",
    time_signature: tuple[int, int] = (4, 4), constraints: Constraints | None = None,
) -> GenContext:
    """The context compose.generate_part would build (without humanize afterwards)."""
    c = constraints or Constraints()
    k = parse_key(key)
    bpb = time_signature[0] * 4 / time_signature[1]
    plan, _ = build_plan(k, profile, bars, bpb, random.Random(derive_seed(seed, "plan")))
    scale = Scale.of(k.root, profile.scale_bias) if profile.scale_bias and k.is_minor else k.scale
    if profile.scale_bias == "blues" and not k.is_minor:
        scale = Scale.of(k.root, "major_pentatonic")
    low, high = c.note_range or ROLE_RANGES[role]
    return GenContext(
        role=role, profile=profile, key=k, scale=scale, tempo=float(profile.tempo), bars=bars,
        time_signature=time_signature, plan=plan, constraints=c, seed=seed,
        rng=random.Random(derive_seed(seed, role)), low=low, high=high,
        density=c.density if c.density is not None else profile.melody_density, swing=profile.swing,
    )


def request(style: str, key: str, seed: int, role: str = "melody", bars: int = 8) -> PartRequest:
    profile = PROFILES_BY_ID[style]
    word = profile.keywords[0] if profile.keywords else "generic"
    return PartRequest(role=role, style=word, tempo=float(profile.tempo), bars=bars, seed=seed, key=key)


def line_figures(notes: Sequence[Note], plan: ChordPlan, allowed: frozenset[int], strong: Sequence[float]) -> dict[str, float]:
    line = sorted(notes, key=lambda n: (n.start, -n.pitch))
    iv = [abs(b.pitch - a.pitch) for a, b in itertools.pairwise(line)]
    bpb = plan.beats_per_bar
    hits = total = 0
    for n in line:
        pos = n.start % bpb
        if pos > bpb - 0.06:
            pos -= bpb
        for s in strong:
            if abs(pos - s) < 0.06:
                total += 1
                hits += n.pitch % 12 in plan.at(n.start - pos + s).chord.pcs
    return {
        "step": sum(i <= 2 for i in iv) / len(iv),
        "mean": statistics.fmean(iv),
        "leap": sum(i > 12 for i in iv) / len(iv),
        "chord": hits / total if total else 1.0,
        "key": sum(n.pitch % 12 in allowed for n in line) / len(line),
        "vel_sd": statistics.pstdev(n.velocity for n in line),
        "range": max(n.pitch for n in line) - min(n.pitch for n in line),
    }


def figures_for(style: str, key: str, seed: int, role: str) -> dict[str, float]:
    gp = generate_part(request(style, key, seed, role))
    ctx = make_ctx(PROFILES_BY_ID[style], key, 8, seed, role)
    allowed = ctx.key.in_key_pcs() | ctx.plan.pcs_union() | frozenset(ctx.scale.pcs)
    return line_figures(gp.part.notes, ctx.plan, allowed, (0.0, 2.0))


@pytest.mark.parametrize("role", ["melody", "lead"])
def test_sample_meets_the_melody_figures(role: str) -> None:
    rows = []
    for style, key, seed in itertools.product(SAMPLE_STYLES, KEYS, (1, 2)):
        f = figures_for(style, key, seed, role)
        loose = PROFILES_BY_ID[style].loose_key
        # Floors every part must clear (measured worst cases sit well above them).
        assert f["step"] >= 0.35, (style, key, seed, f)
        assert f["mean"] <= 4.0, (style, key, seed, f)
        assert f["leap"] <= 0.02, (style, key, seed, f)
        assert f["chord"] >= 0.85, (style, key, seed, f)
        assert f["key"] >= (0.85 if loose else 0.95), (style, key, seed, f)
        assert f["vel_sd"] >= 3, (style, key, seed, f)
        assert 4 <= f["range"] <= 19, (style, key, seed, f)
        rows.append(f)
    mean = {k: statistics.fmean(r[k] for r in rows) for k in rows[0]}
    assert 0.55 <= mean["step"] <= 0.92
    assert mean["mean"] <= 3.0
    assert mean["leap"] <= 0.005
    assert mean["chord"] >= 0.95
    assert mean["key"] >= 0.98
    assert mean["vel_sd"] >= 6
    assert 9 <= mean["range"] <= 16


def test_deterministic() -> None:
    for role in ("melody", "lead"):
        a = generate_part(request("rock", "Eb", 5, role))
        b = generate_part(request("rock", "Eb", 5, role))
        assert a.part.notes == b.part.notes
        assert a.part.pitch_bends == b.part.pitch_bends


@pytest.mark.parametrize("role", ["melody", "lead"])
@pytest.mark.parametrize("bars", [2, 8])
def test_seeds_pick_different_lines(role: str, bars: int) -> None:
    differ = pairs = 0
    for style in ("lofi", "house", "ambient", "jazz", "pop", "folk", "trap", "reggae"):
        onsets = []
        for seed in range(6):
            part = melody.generate(make_ctx(PROFILES_BY_ID[style], "Am", bars, seed, role))
            onsets.append({round(n.start * 4) for n in part.notes})
        for a, b in itertools.combinations(onsets, 2):
            pairs += 1
            differ += len(a ^ b) / len(a | b) > 0.1
    assert differ / pairs >= 0.9


def _bar_patterns(part: Part, bpb: float, bars: int) -> list[tuple[int, ...]]:
    return [tuple(sorted(round((n.start - b * bpb) * 4) for n in part.notes if b * bpb <= n.start < (b + 1) * bpb))
            for b in range(bars)]


def test_motif_returns() -> None:
    """In 8 bars some one-bar rhythm recurs (the motif), and it is not one rhythm throughout either."""
    for style, seed in itertools.product(SAMPLE_STYLES, range(3)):
        part = melody.generate(make_ctx(PROFILES_BY_ID[style], "C", 8, seed))
        patterns = [p for p in _bar_patterns(part, 4.0, 8) if len(p) >= 2]
        counts = Counter(patterns)
        assert counts and max(counts.values()) >= 2, (style, seed, patterns)
        assert len(counts) >= 2, (style, seed, patterns)


@pytest.mark.parametrize("key", KEYS)
def test_phrase_ends_on_stable_chord_tones(key: str) -> None:
    for style, seed in itertools.product(SAMPLE_STYLES, range(2)):
        ctx = make_ctx(PROFILES_BY_ID[style], key, 8, seed)
        slots, pitches = melody.write_line(ctx)
        cadences = [(s, p) for s, p in zip(slots, pitches, strict=True) if s.cadence]
        assert len(cadences) == 2  # two four-bar phrases
        last_slot, last_pitch = cadences[-1]
        chord = ctx.plan.at(last_slot.step / 4).chord
        tonic = ctx.key.root
        tonic_fits = tonic in (chord.root, chord.third, chord.fifth)
        for s, p in cadences:
            chord = ctx.plan.at(s.step / 4).chord
            stable = {chord.root, chord.third} | ({tonic} if s is last_slot and tonic_fits else set())
            assert p % 12 in stable, (style, seed, s, p)
            assert s.dur >= 4  # a longer note
        if tonic_fits:
            assert last_pitch % 12 == tonic  # the tonic closes the piece when the chord allows it
        assert last_slot.step / 4 >= ctx.total_beats - ctx.beats_per_bar


def test_strong_beats_sit_on_chord_tones_before_humanize() -> None:
    for style, key, seed in itertools.product(SAMPLE_STYLES, KEYS, range(2)):
        ctx = make_ctx(PROFILES_BY_ID[style], key, 8, seed)
        strong = strong_steps(ctx.steps_per_bar, ctx.time_signature)
        part = melody.generate(ctx)
        on_strong = [n for n in part.notes if round(n.start * 4) % ctx.steps_per_bar in strong]
        ok = sum(n.pitch % 12 in ctx.plan.at(n.start).chord.pcs for n in on_strong)
        assert ok / len(on_strong) >= 0.9, (style, key, seed)


@pytest.mark.parametrize("style", ["rock", "synthwave", "blues", "brass"])
def test_lead_bends_scoop_and_return_to_zero(style: str) -> None:
    total_events = 0
    for seed in range(4):
        part = melody.generate(make_ctx(PROFILES_BY_ID[style], "C", 8, seed, "lead"))
        bends = part.pitch_bends
        total_events += len(bends)
        assert all(-8192 <= b.value <= 8191 for b in bends)
        assert not bends or bends[-1].value == 0
        assert len(bends) <= 12 * len(part.notes)
        for n in part.notes:
            inside = [b for b in bends if n.start - 1e-9 <= b.beat < n.end - 1e-9]
            if inside:  # a bent note ends in tune; a bend at its onset is a scoop from below
                assert inside[-1].value == 0
                assert inside[0].beat > n.start + 1e-9 or inside[0].value < 0
            # every note starts from the centre or from its own scoop
            before = [b for b in bends if b.beat < n.start - 1e-9]
            assert not before or before[-1].value == 0
        outside = [b for b in bends if not any(n.start - 1e-9 <= b.beat <= n.end + 1e-9 for n in part.notes)]
        assert outside == []
    assert total_events > 0
    part = melody.generate(make_ctx(PROFILES_BY_ID["pop"], "C", 8, 1, "lead"))
    assert part.pitch_bends == []  # styles without lead bends keep the line straight


@pytest.mark.parametrize("ts", [(4, 4), (3, 4), (6, 8), (7, 8), (2, 4)])
@pytest.mark.parametrize("bars", [1, 2, 3, 5, 16])
@pytest.mark.parametrize("role", ["melody", "lead"])
def test_any_meter_and_length_fills_the_part_in_range(ts: tuple[int, int], bars: int, role: str) -> None:
    for style in ("lofi", "psytrance", "jazz", "cinematic"):
        ctx = make_ctx(PROFILES_BY_ID[style], "F#m", bars, bars, role, ts)
        part = melody.generate(ctx)
        total, bpb = ctx.total_beats, ctx.beats_per_bar
        assert part.notes
        assert all(0 <= n.start < total and n.end <= total + 1e-9 for n in part.notes)
        assert all(ctx.low <= n.pitch <= ctx.high for n in part.notes)
        # Something starts in the last bar after its downbeat, so timing feel cannot push it out.
        assert any(n.start >= total - bpb + 0.2 for n in part.notes), (style, ts, bars)
        starts = [n.start for n in part.notes]
        assert len(starts) == len(set(starts))  # one line: no two notes struck together
        assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(part.notes))


def test_register_follows_octave_and_note_range() -> None:
    profile = PROFILES_BY_ID["pop"]
    for octave in (3, 4, 6):
        part = melody.generate(make_ctx(profile, "C", 8, 3, constraints=Constraints(octave=octave)))
        mean = statistics.fmean(n.pitch for n in part.notes)
        assert abs(mean - 12 * (octave + 1)) <= 7, (octave, mean)
    for rng in ((60, 67), (84, 100), (55, 55)):
        ctx = make_ctx(profile, "Eb", 8, 2, constraints=Constraints(note_range=rng))
        part = melody.generate(ctx)
        assert part.notes and all(rng[0] <= n.pitch <= rng[1] for n in part.notes)


def test_density_changes_note_count() -> None:
    profile = PROFILES_BY_ID["folk"]
    counts = {d: statistics.fmean(len(melody.generate(make_ctx(profile, "C", 8, s, constraints=Constraints(density=d))).notes)
                                  for s in range(4)) for d in (0.1, 0.9)}
    assert counts[0.9] > counts[0.1] * 1.4


@pytest.mark.matrix
@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
def test_matrix_every_style(profile: StyleProfile) -> None:
    for key, seed, role, bars in itertools.product(KEYS, range(3), ("melody", "lead"), (4, 8, 16)):
        ctx = make_ctx(profile, key, bars, seed, role)
        gp = generate_part(PartRequest(role=role, style=profile.keywords[0] if profile.keywords else "generic",
                                       tempo=float(profile.tempo), bars=bars, seed=seed, key=key))
        allowed = ctx.key.in_key_pcs() | ctx.plan.pcs_union() | frozenset(ctx.scale.pcs)
        f = line_figures(gp.part.notes, ctx.plan, allowed, (0.0, 2.0))
        assert f["step"] >= 0.35 and f["mean"] <= 5 and f["leap"] <= 0.02 and f["chord"] >= 0.7
        assert f["key"] >= (0.8 if profile.loose_key else 0.9) and f["vel_sd"] >= 3
