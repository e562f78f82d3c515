"""FX layer: risers into section boundaries, impacts on them, textures; in key, in range, fills the part,
varied velocities, controller ramps that stay sparse, deterministic, seeds differ."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter

import pytest

from maestro_mcp.music import fx
from maestro_mcp.music.compose import generate_part
from maestro_mcp.music.fx import CUTOFF, EXPRESSION
from maestro_mcp.music.parts import Constraints, PartRequest
from maestro_mcp.music.styles import PROFILES_BY_ID
from tests.music.test_melody import make_ctx

STYLES = ("house", "ambient", "techno", "cinematic", "trap", "lofi", "pop", "dnb")


@pytest.mark.parametrize("ts", [(4, 4), (3, 4)])
@pytest.mark.parametrize("bars", [1, 4, 16])
@pytest.mark.parametrize("key", ["C", "Am", "F#m", "Eb"])
def test_fx_part_guarantees(ts: tuple[int, int], bars: int, key: str) -> None:
    for style, seed in itertools.product(STYLES, range(2)):
        ctx = make_ctx(PROFILES_BY_ID[style], key, bars, seed, "fx", ts)
        part = fx.generate(ctx)
        total, bpb = ctx.total_beats, ctx.beats_per_bar
        notes = part.notes
        assert len(notes) >= 2
        assert all(0 <= n.start < total and n.end <= total + 1e-9 for n in notes)
        assert all(ctx.low <= n.pitch <= ctx.high for n in notes)
        assert any(n.start >= total - bpb + 0.2 for n in notes), (style, bars)
        allowed = frozenset(ctx.scale.pcs) | ctx.plan.pcs_union()
        assert all(n.pitch % 12 in allowed for n in notes)
        assert statistics.pstdev(n.velocity for n in notes) >= 3
        by_pitch: dict[int, list[tuple[float, float]]] = {}
        for n in notes:
            by_pitch.setdefault(n.pitch, []).append((n.start, n.end))
        for spans in by_pitch.values():
            spans.sort()
            assert all(a[1] <= b[0] + 1e-9 for a, b in itertools.pairwise(spans))
        assert {c.cc for c in part.cc} <= {EXPRESSION, CUTOFF}
        assert all(0 <= c.value <= 127 and 0 <= c.beat < total for c in part.cc)
        per_beat = Counter((c.cc, int(c.beat)) for c in part.cc)
        assert max(per_beat.values(), default=0) <= 3  # a few events a beat, not a stream


def test_risers_build_into_boundaries_and_impacts_hit_them() -> None:
    for style, seed in itertools.product(STYLES, range(3)):
        ctx = make_ctx(PROFILES_BY_ID[style], "Am", 8, seed, "fx")
        part = fx.generate(ctx)
        boundary = 4 * ctx.beats_per_bar
        ramp = [c for c in part.cc if c.cc == EXPRESSION and boundary - 2 * ctx.beats_per_bar <= c.beat < boundary]
        assert len(ramp) >= 3 and ramp[-1].value > min(c.value for c in ramp) + 30  # the swell rises
        hit = [n for n in part.notes if abs(n.start - boundary) < 1e-9]
        assert any(n.pitch <= ctx.low + 11 for n in hit) and any(n.pitch >= 79 for n in hit)
        assert any(c.beat == boundary and c.cc == EXPRESSION for c in part.cc)  # the ramp resets


def test_fx_deterministic_and_seeds_differ() -> None:
    req = PartRequest(role="fx", style="house", tempo=124, bars=8, seed=4, key="Am")
    assert generate_part(req).part.notes == generate_part(req).part.notes
    differ = pairs = 0
    for style in STYLES:
        onsets = [{(round(n.start * 4), n.pitch) for n in fx.generate(make_ctx(PROFILES_BY_ID[style], "C", 8, s, "fx")).notes}
                  for s in range(6)]
        for a, b in itertools.combinations(onsets, 2):
            pairs += 1
            differ += len(a ^ b) / len(a | b) > 0.1
    assert differ / pairs >= 0.9


def test_fx_respects_a_narrow_range_in_key() -> None:
    for rng in ((60, 72), (84, 96), (40, 45)):
        ctx = make_ctx(PROFILES_BY_ID["techno"], "F#m", 8, 1, "fx", constraints=Constraints(note_range=rng))
        part = fx.generate(ctx)
        allowed = frozenset(ctx.scale.pcs) | ctx.plan.pcs_union()
        assert part.notes and all(rng[0] <= n.pitch <= rng[1] for n in part.notes)
        assert sum(n.pitch % 12 in allowed for n in part.notes) / len(part.notes) >= 0.9
