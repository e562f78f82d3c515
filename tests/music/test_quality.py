"""The quality report measures what it claims, on hand-built material whose figures are known."""

from __future__ import annotations

import random

import pytest

from maestro_mcp.music.compose import Composition, GeneratedPart
from maestro_mcp.music.parts import DRUM_CHANNEL, Note, Part
from maestro_mcp.music.plan import ChordPlan, ChordSpan
from maestro_mcp.music.quality import (
    Frame,
    composition_report,
    fill_bars,
    format_report,
    grid_step,
    measure,
    plan_from_symbols,
    same_pitch_overlaps,
    target,
)
from maestro_mcp.music.theory import parse_chord, parse_key

C_MAJOR = parse_key("C")


def plan_of(*symbols: str, bars_each: int = 1, bpb: float = 4.0) -> ChordPlan:
    spans = tuple(
        ChordSpan(i * bars_each * bpb, bars_each * bpb, parse_chord(s), i * bars_each) for i, s in enumerate(symbols)
    )
    return ChordPlan(spans, bpb, len(symbols) * bars_each)


def frame(role: str, bars: int = 4, plan: ChordPlan | None = None, **kw: object) -> Frame:
    allowed = C_MAJOR.in_key_pcs() | (plan.pcs_union() if plan else frozenset())
    args: dict[str, object] = dict(
        role=role, bars=bars, beats_per_bar=4.0, numerator=4, allowed_pcs=allowed, plan=plan, low=28, high=100,
        fill_every=4, swing=0.0, swing_unit=0.5,
    )
    args.update(kw)
    return Frame(**args)  # type: ignore[arg-type]


def drum_bar(bar: int, kicks: list[int], snares: list[int], hats: list[int], vel: int = 100) -> list[Note]:
    out = []
    for pitch, steps in ((36, kicks), (38, snares), (42, hats)):
        for s in steps:
            out.append(Note(pitch, bar * 4 + s / 4, 0.2, vel - (s % 4) * 10))
    return out


# -- reading onsets ----------------------------------------------------------------------------------


def test_grid_step_tolerates_humanised_timing_and_undoes_swing() -> None:
    f = frame("drums")
    assert grid_step(1.0 + 0.05, f) == 4
    assert grid_step(1.0 - 0.07, f) == 4
    assert grid_step(1.0 + 1 / 6, f) is None  # a triplet is off the 16th grid
    swung = frame("drums", swing=0.9, swing_unit=0.5)
    shift = 0.9 * 0.5 / 3
    assert grid_step(2.5 + shift + 0.02, swung) == 10  # the swung "and" of 3 reads as the "and"
    assert grid_step(2.75, swung) == 11  # a straight 16th stays put


def test_fill_bars_are_block_ends_and_the_last_bar() -> None:
    assert fill_bars(frame("drums", bars=8, fill_every=4)) == {3, 7}
    assert fill_bars(frame("drums", bars=6, fill_every=4)) == {3, 5}
    assert fill_bars(frame("drums", bars=1)) == {0}


# -- common figures ----------------------------------------------------------------------------------


def test_in_key_counts_key_plan_tones_and_minor_leading_tone() -> None:
    a_minor = parse_key("Am")
    plan = plan_of("Am", "E7")
    allowed = a_minor.in_key_pcs() | plan.pcs_union()
    notes = [Note(p, i, 1, 80) for i, p in enumerate([57, 59, 60, 68, 66, 63])]  # A B C G# F# D#
    r = measure(notes, frame("melody", bars=2, plan=plan, allowed_pcs=allowed))
    assert r["in_key_ratio"] == pytest.approx(5 / 6)  # only D# is foreign; G# and F# are the raised 7th/6th


def test_range_overlaps_bars_and_velocity() -> None:
    notes = [Note(20, 0, 1, 60), Note(60, 0, 2, 80), Note(60, 1, 1, 100), Note(64, 12.5, 1, 90)]
    r = measure(notes, frame("chords", bars=4, low=40, high=88))
    assert r["out_of_range"] == 1
    assert r["overlaps"] == 1
    assert r["bars_filled"] == 2 and r["bars_requested"] == 4 and r["last_bar_filled"] is True
    assert r["velocity_sd"] == pytest.approx(14.79019945774904)  # population sd of 60, 80, 100, 90
    r2 = measure(notes[:3], frame("chords", bars=4))
    assert r2["last_bar_filled"] is False
    assert r2["notes_per_bar"] == 0.75


def test_touching_notes_of_one_pitch_do_not_overlap() -> None:
    assert same_pitch_overlaps([Note(60, 0, 1, 80), Note(60, 1, 1, 80), Note(62, 0.5, 2, 80)]) == 0


def test_swing_measured_as_share_of_a_triplet_delay() -> None:
    rng = random.Random(3)
    for amount, unit in ((0.0, 0.5), (0.6, 0.5), (0.5, 0.25), (1.0, 0.5)):
        notes = []
        for k in range(64):
            t = k * unit
            if k % 2:
                t += amount * unit / 3
            notes.append(Note(42, t + rng.gauss(0, 0.008), 0.1, 80))
        r = measure(notes, frame("drums", bars=8, swing=amount, swing_unit=unit))
        assert r["swing_amount"] == pytest.approx(amount, abs=0.08)


# -- drums -------------------------------------------------------------------------------------------


def test_drum_similarity_ignores_fills_and_the_bar_after() -> None:
    groove = {"kicks": [0, 8, 10], "snares": [4, 12], "hats": list(range(0, 16, 2))}
    fill = {"kicks": [0], "snares": [8, 9, 10, 11, 12, 13, 14, 15], "hats": []}
    after = {"kicks": [0, 6], "snares": [4, 12], "hats": list(range(0, 16, 2))}
    notes: list[Note] = []
    for bar in range(8):
        spec = fill if bar == 3 else after if bar == 4 else groove
        notes += drum_bar(bar, spec["kicks"], spec["snares"], spec["hats"])
    rng = random.Random(1)
    notes = [Note(n.pitch, max(0.0, n.start + rng.gauss(0, 0.01)), n.duration, n.velocity) for n in notes]
    r = measure(notes, frame("drums", bars=8))
    assert r["drum_similarity"] == 1.0  # pairs (0,1) (1,2) (5,6) only
    notes_changed = [n for n in notes if not (5 * 4 <= n.start < 6 * 4 and n.pitch == 42 and round(n.start * 4) % 4)]
    # bar 5 loses its hats on steps 2, 6, 10 and 14; step 10 keeps its kick -> pair (5,6) scores 1 - 3/16
    r2 = measure(notes_changed, frame("drums", bars=8))
    assert r2["drum_similarity"] == pytest.approx((1 + 1 + 13 / 16) / 3)


def test_fingerprints_four_on_floor_backbeat_half_time_and_odd_sixteenths() -> None:
    house = [n for b in range(4) for n in drum_bar(b, [0, 4, 8, 12], [4, 12], [2, 6, 10, 14])]
    r = measure(house, frame("drums"))
    assert r["four_on_floor"] == 1.0 and r["backbeat"] == 1.0 and r["snare_on_3"] == 0.0
    assert r["odd_16th"] == 0.0
    trap = [n for b in range(4) for n in drum_bar(b, [0, 7, 10], [8], list(range(16)))]
    r = measure(trap, frame("drums"))
    assert r["four_on_floor"] == 0.0 and r["backbeat"] == 0.0 and r["snare_on_3"] == 1.0
    assert r["odd_16th"] == pytest.approx(9 / 20)  # kick on 7 + 8 odd hats, of 3 + 1 + 16 hits
    # velocities vary (accented down-beats), as drum parts must
    assert r["velocity_sd"] is not None and r["velocity_sd"] > 8


# -- melody, bass, chords ----------------------------------------------------------------------------


def test_interval_figures_use_the_top_voice() -> None:
    pitches = [60, 62, 64, 65, 67, 72, 71, 69, 86, 60]
    notes = [Note(p, i * 0.5, 0.5, 80) for i, p in enumerate(pitches)]
    notes.append(Note(55, 0.0, 0.5, 70))  # a lower double stop under the first note: ignored
    r = measure(notes, frame("melody", bars=2))
    iv = [2, 2, 1, 2, 5, 1, 2, 17, 26]
    assert r["step_rate"] == pytest.approx(sum(i <= 2 for i in iv) / 9)
    assert r["mean_interval"] == pytest.approx(sum(iv) / 9)
    assert r["leap_share"] == pytest.approx(2 / 9)


def test_chord_tones_on_strong_beats() -> None:
    plan = plan_of("C", "G7")
    notes = [
        Note(64, 0.02, 1, 80),  # E on 1 over C: chord tone
        Note(62, 1.0, 1, 80),  # weak beat: not counted
        Note(62, 2.0, 1, 80),  # D on 3 over C: not a chord tone
        Note(65, 3.97, 1, 80),  # F on 1 over G7 (humanised early): chord tone (7th)
        Note(71, 6.0, 1, 80),  # B on 3 over G7
    ]
    r = measure(notes, frame("melody", bars=2, plan=plan))
    assert r["chord_tone_strong"] == pytest.approx(3 / 4)


def test_bass_root_or_fifth_on_each_chords_first_sounding_strong_beat() -> None:
    plan = plan_of("C", "Am", "F/A", "G", "C")
    notes = [
        Note(36, 0.0, 1, 90),  # C on C
        Note(45, 4.5, 1, 90),  # rests on 1 of Am; judged on beat 3 ...
        Note(40, 6.0, 1, 90),  # ... E: the fifth of Am
        Note(45, 8.0, 2, 90),  # A under F/A: the written bass
        Note(47, 11.5, 1.5, 90),  # B pushed over the bar line into G: held over 1, not root or fifth
        Note(43, 16.0, 1, 90),  # G on C: the fifth
    ]
    r = measure(notes, frame("bass", bars=5, plan=plan))
    assert r["bass_root_fifth"] == pytest.approx(4 / 5)


def test_an_off_beat_bass_is_judged_on_its_first_note() -> None:
    plan = plan_of("Am", "F")
    notes = [Note(45 if b == 0 else 41, b * 4 + k + 0.5, 0.25, 90) for b in range(2) for k in range(4)]
    assert measure(notes, frame("bass", bars=2, plan=plan))["bass_root_fifth"] == 1.0
    wrong = [Note(47, n.start, n.duration, n.velocity) if n.start < 1 else n for n in notes]
    assert measure(wrong, frame("bass", bars=2, plan=plan))["bass_root_fifth"] == 0.5


def test_chord_spans_need_three_voices_at_an_onset() -> None:
    plan = plan_of("C", "F", "G")
    notes = [
        Note(60, 0.0, 2, 80), Note(64, 0.03, 2, 80), Note(67, 0.05, 2, 80),  # a humanised triad
        Note(65, 4.0, 1, 80), Note(69, 4.0, 1, 80),  # only a dyad on F
        Note(67, 8.0, 4, 80), Note(71, 9.0, 3, 80), Note(74, 10.0, 2, 80),  # arpeggiated, ringing: 3 at beat 10
    ]
    r = measure(notes, frame("chords", bars=3, plan=plan))
    assert r["chord_voices_ok"] == pytest.approx(2 / 3)


def test_plan_from_symbols_merges_held_chords() -> None:
    plan = plan_from_symbols(["Cm7", "Cm7", "Abmaj7", "Bb7sus4"], parse_key("Cm"), 4.0)
    assert [(s.start, s.duration, s.chord.symbol) for s in plan.spans] == [
        (0.0, 8.0, "Cm7"), (8.0, 4.0, "Abmaj7"), (12.0, 4.0, "Bb7sus4"),
    ]


# -- whole compositions and the table -----------------------------------------------------------------


def _gp(part: Part, role: str, progression: list[str] | None) -> GeneratedPart:
    return GeneratedPart(
        part=part, role=role, style="house", style_profile="house", key="C", tempo=124.0, bars=2, seed=1,
        time_signature=(4, 4), scale=None if role == "drums" else "major", progression=progression,
    )


def test_composition_report_and_table() -> None:
    prog = ["C", "G"]
    drums = Part("drums", "Drums", 0, DRUM_CHANNEL, [n for b in range(2) for n in drum_bar(b, [0, 4, 8, 12], [4, 12], [2])])
    bass = Part("bass", "Bass", 33, 1, [Note(36, 0, 1, 90), Note(43, 4, 1, 70), Note(38, 6, 1, 80)])
    comp = Composition(
        parts=[_gp(drums, "drums", None), _gp(bass, "bass", prog)], style="house", style_profile="house", key="C",
        tempo=124.0, bars=2, seed=1, time_signature=(4, 4), progression=prog,
    )
    rep = composition_report(comp)
    assert [p["name"] for p in rep["parts"]] == ["Drums", "Bass"]
    assert rep["parts"][0]["four_on_floor"] == 1.0 and rep["parts"][0]["in_key_ratio"] is None
    assert rep["parts"][1]["bass_root_fifth"] == 1.0 and rep["parts"][1]["in_key_ratio"] == 1.0
    table = format_report(rep)
    lines = table.splitlines()
    assert "Drums" in lines[0] and "Bass" in lines[0]
    assert any(line.startswith("kick on every beat") for line in lines)
    velocity = next(line for line in lines if line.startswith("velocity sd")).split()
    assert velocity[-3:] == ["7.00", "!", "8.16"]  # drums need >= 8, pitched parts >= 3


def test_failing_values_are_marked() -> None:
    notes = [Note(p, i, 1, 80) for i, p in enumerate([60, 80, 61, 90])]
    rep = {"role": "melody", **measure(notes, frame("melody", bars=1))}
    table = format_report(rep)
    assert "!" in next(line for line in table.splitlines() if line.startswith("melody steps"))
    assert "!" in next(line for line in table.splitlines() if line.startswith("velocity sd"))  # flat velocities
    assert target("in_key_ratio", "bass") == (">=", 0.97)
    assert target("in_key_ratio", "melody", loose_key=True) == (">=", 0.80)
    assert target("velocity_sd", "drums") == (">=", 8.0)
    assert target("step_rate", "bass") is None
