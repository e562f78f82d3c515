"""The chord plan and the post-generation pipeline (swing, humanise, finalize) that every part goes through."""

import random

import pytest

from maestro_mcp.music.context import derive_seed
from maestro_mcp.music.humanize import apply_swing, finalize, fold_into, humanize
from maestro_mcp.music.parts import Note
from maestro_mcp.music.plan import build_plan
from maestro_mcp.music.styles import PROFILES, PROFILES_BY_ID
from maestro_mcp.music.theory import TheoryError, parse_key


def test_explicit_progression_one_chord_per_bar_cycling() -> None:
    plan, warnings = build_plan(
        parse_key("Cm"), PROFILES_BY_ID["lofi"], 6, 4.0, random.Random(1), ["Cm7", "Abmaj7", "Ebmaj7", "Bb7sus4"]
    )
    assert plan.symbols_per_bar() == ["Cm7", "Abmaj7", "Ebmaj7", "Bb7sus4", "Cm7", "Abmaj7"]
    assert warnings == []
    assert plan.at(4.5).chord.symbol == "Abmaj7"
    assert plan.at(23.99).chord.symbol == "Abmaj7"


def test_roman_progression_resolves_in_key() -> None:
    plan, _ = build_plan(parse_key("A minor"), PROFILES_BY_ID["pop"], 4, 4.0, random.Random(0), ["i", "bVI", "bIII", "bVII"])
    assert plan.symbols_per_bar() == ["Am", "F", "C", "G"]


def test_unknown_suffix_warns_and_bad_root_raises() -> None:
    _, warnings = build_plan(parse_key("C"), PROFILES_BY_ID["pop"], 2, 4.0, random.Random(0), ["Cxyz"])
    assert warnings and "xyz" in warnings[0]
    with pytest.raises(TheoryError):
        build_plan(parse_key("C"), PROFILES_BY_ID["pop"], 2, 4.0, random.Random(0), ["H7"])


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
@pytest.mark.parametrize("key", ["C", "Am", "F#m", "Eb"])
def test_style_progressions_cover_every_bar(profile: object, key: str) -> None:
    for bars in (1, 3, 16):
        plan, _ = build_plan(parse_key(key), profile, bars, 3.0, random.Random(bars), None)  # type: ignore[arg-type]
        assert len(plan.symbols_per_bar()) == bars
        assert plan.spans[0].start == 0
        assert plan.spans[-1].end == pytest.approx(bars * 3.0)
        assert all(a.end == pytest.approx(b.start) for a, b in zip(plan.spans, plan.spans[1:], strict=False))


def test_long_harmonic_rhythm_still_moves_in_short_parts() -> None:
    plan, _ = build_plan(parse_key("Cm"), PROFILES_BY_ID["trap"], 2, 4.0, random.Random(3), None)
    assert len(plan.spans) == 2


def test_derive_seed_is_stable_and_distinct() -> None:
    assert derive_seed(1, "bass") == derive_seed(1, "bass")
    assert derive_seed(1, "bass") != derive_seed(1, "drums")
    assert derive_seed(1, "bass") != derive_seed(2, "bass")
    assert 0 <= derive_seed(2**31 - 1, "x") < 2**31


def test_swing_moves_only_offbeats_of_the_unit() -> None:
    notes = [Note(60, 0.0, 0.5, 90), Note(62, 0.5, 0.5, 90), Note(64, 0.25, 0.25, 90)]
    swung = apply_swing(notes, 1.0, 0.5)
    assert swung[0].start == 0.0
    assert swung[1].start == pytest.approx(0.5 + 0.5 / 3)
    assert swung[2].start == 0.25  # a 16th is off the 8th-swing grid


def test_humanize_is_seeded() -> None:
    notes = [Note(60, i * 0.5, 0.4, 90) for i in range(16)]
    a = humanize(notes, random.Random(5), 0.01, 6)
    b = humanize(notes, random.Random(5), 0.01, 6)
    assert a == b
    assert a != notes
    assert all(n.start >= 0 and 1 <= n.velocity <= 127 for n in a)


def test_finalize_enforces_the_output_guarantees() -> None:
    notes = [
        Note(30, 0.0, 2.0, 90),  # below range: folded up
        Note(60, 1.0, 2.0, 200),  # overlaps the next 60: truncated; velocity clamped
        Note(60, 2.0, 1.0, 50),
        Note(60, 2.0, 1.0, 40),  # double strike: dropped
        Note(64, 7.5, 4.0, 80),  # runs past the end: shortened
        Note(65, 8.0, 1.0, 80),  # starts at the end: dropped
    ]
    out = finalize(notes, 8.0, 40, 80, velocity_ceiling=120)
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in out] == [
        (42, 0.0, 2.0, 90), (60, 1.0, 1.0, 120), (60, 2.0, 1.0, 50), (64, 7.5, 0.5, 80)
    ]


def test_finalize_drops_non_percussion_keys_for_drums() -> None:
    out = finalize([Note(36, 0, 0.25, 100), Note(90, 0, 0.25, 100), Note(20, 1, 0.25, 100)], 4.0, 35, 81, drums=True)
    assert [n.pitch for n in out] == [36]


def test_fold_into_narrow_range_clamps() -> None:
    assert fold_into(50, 60, 64) == 62
    assert fold_into(59, 60, 64) == 60  # 71 would overshoot; 59 is below
