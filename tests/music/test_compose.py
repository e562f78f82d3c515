"""Compositions end to end: determinism (same arguments -> the same notes and the same MIDI bytes),
seeds that choose real alternatives, one track per role. Runs for the roles whose generator exists."""

from __future__ import annotations

import itertools

import pytest

from maestro_mcp.music.compose import compose, resolve_role
from maestro_mcp.music.midi import composition_to_midi
from maestro_mcp.music.parts import Part
from maestro_mcp.music.quality import composition_report
from tests.music.matrix_support import has_generator

SIX = ("drums", "bass", "chords", "pads", "melody", "arp")
ROLES = [r for r in SIX if has_generator(r)]
pytestmark = pytest.mark.skipif(not ROLES, reason="no generator module exists yet")


def snapshot(part: Part) -> tuple[object, ...]:
    return (part.name, part.program, part.channel, tuple(part.notes), tuple(part.cc), tuple(part.pitch_bends))


def onsets(part: Part) -> set[tuple[int, int]]:
    """(16th step, pitch): humanised timing does not make two parts different, other notes do."""
    return {(round(n.start * 4), n.pitch) for n in part.notes}


@pytest.mark.parametrize(("style", "key"), [("lofi hip hop", "Cm"), ("deep house", "F#m"), ("jazz", "Eb"), ("rock", "A")])
def test_same_arguments_same_notes_and_bytes(style: str, key: str) -> None:
    a = compose(style, ROLES, key=key, bars=8, seed=42)
    b = compose(style, ROLES, key=key, bars=8, seed=42)
    assert [snapshot(p.part) for p in a.parts] == [snapshot(p.part) for p in b.parts]
    assert a.progression == b.progression
    assert composition_to_midi(a) == composition_to_midi(b)
    assert composition_report(a) == composition_report(b)


@pytest.mark.parametrize("style", ["lofi hip hop", "house", "jazz", "pop"])
def test_different_seeds_give_different_parts(style: str) -> None:
    seeds = range(10)
    comps = [compose(style, ROLES, key="C", bars=8, seed=s) for s in seeds]
    for i, role in enumerate(ROLES):
        sets = [onsets(c.parts[i].part) for c in comps]
        pairs = list(itertools.combinations(sets, 2))
        differing = sum(1 for x, y in pairs if len(x ^ y) > 0.10 * max(1, len(x | y)))
        assert differing / len(pairs) >= 0.90, f"{style} {role}: only {differing}/{len(pairs)} seed pairs differ"


def test_one_track_per_role_named_after_the_word() -> None:
    words = [w for w in ("drums", "808", "piano", "pads", "melody", "arp") if has_generator(resolve_role(w)[0])]
    comp = compose("trap", words, key="Am", bars=4, seed=3)
    assert [p.part.name for p in comp.parts] == [w.capitalize() if w != "808" else "808" for w in words]
    assert [p.role for p in comp.parts] == [resolve_role(w)[0] for w in words]
    assert len({p.part.channel for p in comp.parts}) == len(words)


def test_two_parts_of_one_role_get_distinct_names() -> None:
    if not has_generator("chords"):
        pytest.skip("no chords generator yet")
    comp = compose("pop", ["chords", "chords"], bars=2, seed=1)
    assert [p.part.name for p in comp.parts] == ["Chords", "Chords 2"]


def test_the_requested_frame_is_kept() -> None:
    comp = compose("bossa nova", ROLES, key="F#m", tempo=123.5, bars=5, seed=9)
    assert (comp.tempo, comp.bars, comp.key, comp.time_signature) == (123.5, 5, "F#m", (4, 4))
    assert len(comp.progression) == 5
    for gp in comp.parts:
        assert all(0 <= n.start < 20 for n in gp.part.notes)
        assert any(n.start >= 16 for n in gp.part.notes), gp.part.name
