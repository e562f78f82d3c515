"""Style matching: every style the issue names reaches the right profile (and flavour), aliases included;
unknown text reaches the nearest profile with a warning and never an error; profiles are coherent."""

from __future__ import annotations

import random
import string
from typing import get_args

import pytest

from maestro_mcp.music.compose import resolve_role
from maestro_mcp.music.styles import (
    PROFILES,
    ArpPattern,
    BassStyle,
    CompingStyle,
    GrooveFamily,
    MelodyRhythm,
    Voicing,
    match_style,
)
from maestro_mcp.music.theory import parse_key, resolve_chord
from tests.music.matrix_support import ISSUE_STYLES

ALIASES = {
    "lofi": "lofi", "lo-fi hip hop": "lofi", "lofi hip hop": "lofi", "LoFi_Hip_Hop": "lofi", "dnb": "dnb",
    "drum and bass": "dnb", "Drum-and-Bass": "dnb", "neo soul": "neosoul", "boombap": "hiphop",
    "bossanova": "bossa", "uk garage 2 step": "garage",
}


@pytest.mark.parametrize(("text", "expected"), list(ISSUE_STYLES.items()))
def test_issue_styles_reach_their_profile(text: str, expected: tuple[str, str | None]) -> None:
    m = match_style(text)
    assert (m.profile.id, m.profile.variant) == expected
    assert m.warning is None


@pytest.mark.parametrize(("text", "pid"), list(ALIASES.items()))
def test_aliases(text: str, pid: str) -> None:
    assert match_style(text).profile.id == pid


@pytest.mark.parametrize(("text", "pid"), [("jaz", "jazz"), ("technoo", "techno"), ("hous", "house"), ("reggea", "reggae")])
def test_misspelt_style_reaches_the_nearest_profile_with_a_warning(text: str, pid: str) -> None:
    m = match_style(text)
    assert m.profile.id == pid
    assert m.warning and text in m.warning and pid in m.warning


def test_unknown_style_never_crashes() -> None:
    rng = random.Random(4)
    texts = ["", "   ", "polka", "????", "🎷🎷", "x" * 500, "-_-", *(
        "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 30))) for _ in range(200)
    )]
    for text in texts:
        m = match_style(text)
        assert m.profile in PROFILES or m.profile.id in {p.id for p in PROFILES}
        if m.profile.id == "generic":
            assert m.warning


def test_profiles_are_coherent() -> None:
    vocab = {
        "grooves": set(get_args(GrooveFamily)), "bass_style": set(get_args(BassStyle)),
        "comping": set(get_args(CompingStyle)), "voicing": set(get_args(Voicing)),
        "melody_rhythm": set(get_args(MelodyRhythm)), "arp_pattern": set(get_args(ArpPattern)),
    }
    ids = [p.id for p in PROFILES]
    assert len(ids) == len(set(ids))
    for p in PROFILES:
        lo, hi = p.tempo_range
        assert 40 <= lo <= p.tempo <= hi <= 240, p.id
        assert set(p.grooves) <= vocab["grooves"], p.id
        for field in ("bass_style", "comping", "voicing", "melody_rhythm", "arp_pattern"):
            assert getattr(p, field) in vocab[field], (p.id, field)
        assert 0 <= p.swing <= 1 and p.swing_unit in (0.25, 0.5) and p.fill_every >= 1, p.id
        assert all(0 <= prog <= 127 for prog in p.programs.values()), p.id
        for word in p.default_roles:
            _, warning = resolve_role(word)
            assert warning is None, (p.id, word)
        for minor, progressions in ((False, p.progressions_major), (True, p.progressions_minor)):
            key = parse_key("Am" if minor else "C")
            assert progressions, p.id
            for prog in progressions:
                for numeral in prog:
                    assert not resolve_chord(numeral, key).warnings, (p.id, numeral)


def test_variants_only_override_known_fields() -> None:
    for p in PROFILES:
        for name, overrides in p.variants.items():
            assert set(overrides) <= set(p.__dataclass_fields__), (p.id, name)
            v = match_style(f"{name} {p.keywords[0] if p.keywords else ''}").profile
            assert v.id == p.id
