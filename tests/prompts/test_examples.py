"""The example prompts of stori-prompt.md §12 (the three cards carry §12.1–12.3 verbatim)."""

from __future__ import annotations

import pytest

from maestro_mcp.daw.model import Project, Region, Track
from maestro_mcp.prompts import parse_stori_prompt, resolve_position, resolve_roles
from maestro_mcp.prompts.cards import card_prompt

EDIT_EXAMPLE = """STORI PROMPT
Mode: edit
Target: track:Bass
Position: after intro
Vibe: [punchier x2, darker]
Request: |
  Tighten the bass so it locks with the kick, take some brightness off it,
  and open its filter slowly across the verse.
Effects:
  bass:
    compression: {ratio: 4, attack_ms: 10}
    filter: {type: lowpass, cutoff_hz: 900}
MidiExpressiveness:
  cc_curves:
    - {cc: 74, from: 30, to: 100, position: bars 1-8}
Automation:
  - track: Bass
    parameter: volume
    points:
      - {beat: 0, value: -3}
      - {beat: 32, value: 0, curve: Smooth}
"""


def test_lofi_boom_bap() -> None:
    p = card_prompt("lofi_boom_bap")
    assert (p.mode, p.section, p.style, p.key, p.tempo, p.energy) == (
        "compose",
        "verse",
        "lofi hip hop",
        "Cm",
        75,
        "low",
    )
    assert p.roles == ["drums", "bass", "piano", "melody"]
    assert (p.constraints.bars, p.constraints.density) == (24, 0.4)
    assert [v.text() for v in p.vibe] == ["dusty x3", "warm x2", "melancholic", "laid-back"]
    assert p.swing() == pytest.approx(0.24)
    assert p.melody["register"] == "Bb4-G5"
    assert p.orchestration["melody"]["instrument"] == "breathy synth"
    assert p.form == {"structure": "intro - verse - chorus"}
    assert set(p.blocks()) == {"Harmony", "Melody", "Rhythm", "Dynamics", "Orchestration", "Effects",
                               "Humanization", "MidiExpressiveness", "Form"}  # fmt: skip
    assert p.request.startswith("A three-part lo-fi boom bap sketch.") and p.warnings == []
    roles = resolve_roles(p.roles)
    assert [(r.track_name, r.gm_program) for r in roles] == [
        ("Drums", None),
        ("Bass", 33),
        ("Piano", 0),
        ("Melody", 73),
    ]


def test_melodic_techno_drop() -> None:
    p = card_prompt("melodic_techno_drop")
    assert (p.section, p.style, p.key, p.tempo, p.energy, p.bars) == (
        "drop",
        "melodic techno",
        "Am",
        128,
        "high",
        32,
    )
    assert [(r.track_name, r.generator_role) for r in resolve_roles(p.roles)] == [
        ("Kick", "drums"), ("Bass", "bass"), ("Lead", "lead"), ("Pads", "pads"), ("Perc", "drums"),
    ]  # fmt: skip
    assert p.swing() == 0
    assert p.automation[0]["parameter"] == "filter_cutoff"
    assert p.effects["lead"]["delay"] == {"time": "3/16", "mode": "ping-pong"}


def test_neo_soul_pocket_groove() -> None:
    p = card_prompt("neo_soul_pocket_groove")
    assert (p.section, p.style, p.key, p.tempo, p.bars, p.energy) == (
        "intro",
        "neo-soul",
        "Fm",
        92,
        8,
        "medium",
    )
    assert [(r.track_name, r.gm_program) for r in resolve_roles(p.roles)] == [
        ("Drums", None),
        ("Bass", 33),
        ("Keys", 4),
    ]
    assert p.swing() == pytest.approx(0.32)
    assert p.effects["keys"]["reverb"] == {"type": "plate", "wet": "18%"}


def test_edit_example() -> None:
    p = parse_stori_prompt(EDIT_EXAMPLE)
    assert p is not None
    assert (p.mode, p.target.kind, p.target.name) == ("edit", "track", "Bass")
    assert [(v.word, v.weight) for v in p.vibe] == [("punchier", 2), ("darker", 1)]
    assert p.request.startswith("Tighten the bass")
    assert p.midi_expressiveness["cc_curves"][0] == {"cc": 74, "from": 30, "to": 100, "position": "bars 1-8"}
    project = Project.new()
    spans = {"Intro Drums": [(0, 16)], "Intro Bass": [(0, 16), (16, 20)], "Verse Pad": [(20, 36)],
             "Chorus Lead": [(36, 52)], "Bass": [(0, 52)]}  # fmt: skip
    for name, regions in spans.items():
        project.tracks.append(Track(id=name, name=name, regions=[
            Region(id=f"{name}{i}", start_beat=s, duration_beats=e - s) for i, (s, e) in enumerate(regions)
        ]))  # fmt: skip
    assert resolve_position(p.position, project).beat == 20


def test_sse_examples() -> None:
    p = parse_stori_prompt(
        "STORI PROMPT\nMode: compose\nStyle: house\nKey: Fm\nTempo: 124\nRole: [bass]\nConstraints: {bars: 4}"
    )
    assert p is not None and p.request == "Compose house bass" and p.bars == 4
    p = parse_stori_prompt(
        "STORI PROMPT\nMode: compose\nStyle: house\nKey: Fm\nTempo: 124\nRole: [drums, bass]\n"
        "Constraints: {bars: 4}\nEffects:\n  drums:\n    reverb: small room\n"
    )
    assert p is not None and p.effects == {"drums": {"reverb": "small room"}}
