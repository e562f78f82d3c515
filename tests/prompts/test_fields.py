"""Every routing field and accepted shape of stori-prompt.md §2–3, defaults and warnings."""

from __future__ import annotations

import pytest

from maestro_mcp.prompts import StoriPrompt, parse_stori_prompt


def parse(body: str, mode: str = "compose") -> StoriPrompt:
    prompt = parse_stori_prompt(f"STORI PROMPT\nMode: {mode}\n{body}")
    assert prompt is not None
    return prompt


def test_mode_any_case_and_keys_fold_case_spaces_hyphens_underscores() -> None:
    prompt = parse_stori_prompt(
        "STORI PROMPT\nMODE: Compose\nmidi_expressiveness: {expression: {range: [1, 2]}}\n"
        "Dimension-Free Block: {a: 1}\nKEY: f#m\n"
    )
    assert prompt is not None
    assert prompt.mode == "compose" and prompt.key == "F#m"
    assert prompt.midi_expressiveness == {"expression": {"range": [1, 2]}}
    assert prompt.extensions == {"Dimension-Free Block": {"a": 1}}
    assert prompt.lines["MidiExpressiveness"] == 3 and prompt.lines["Dimension-Free Block"] == 4
    assert parse("Midi Expressiveness: {}").midi_expressiveness == {}


def test_yaml_12_scalars_yes_no_on_off_stay_strings() -> None:
    prompt = parse("Section: on\nStyle: yes\nRequest: no\nConstraints: [no reverb, off: 1]\nVibe: [on]")
    assert (prompt.section, prompt.style, prompt.request) == ("on", "yes", "no")
    assert prompt.constraints.no_reverb is True and prompt.constraints.extra == {"off": 1}
    assert prompt.vibe[0].word == "on"


def test_string_fields_accept_numbers_and_booleans_as_their_text() -> None:
    prompt = parse("Section: 1.10\nStyle: 2010\nRequest: true")
    assert (prompt.section, prompt.style, prompt.request) == ("1.10", "2010", "true")


def test_octal_looking_numbers_are_decimal() -> None:
    assert parse("Tempo: 090").tempo == 90


def test_compose_request_defaults() -> None:
    assert parse("Style: Lo-fi\nRole: [drums, bass]").request == "Compose Lo-fi drums, bass"
    assert parse("Role: drums").request == "Compose drums"
    assert parse("Style: house").request == "Compose house"
    prompt = parse("Tempo: 90")
    assert prompt.request == "Compose music" and prompt.request_synthesised


def test_block_scalar_request_is_kept_without_trailing_newline() -> None:
    prompt = parse("Request: |\n  line one\n  line two\n", mode="ask")
    assert prompt.request == "line one\nline two" and not prompt.request_synthesised


def test_section_lower_case_and_capped() -> None:
    assert parse("Section: Pre-Chorus  Fill").section == "pre-chorus fill"
    prompt = parse("Section: " + "x" * 60)
    assert prompt.section == "x" * 50 and "Section is longer than 50" in prompt.warnings[0]
    assert len(parse("Style: " + "y" * 120).style or "") == 100


@pytest.mark.parametrize(
    ("text", "tempo"),
    [("92", 92), ("'92'", 92), ("92 bpm", 92), ("92BPM", 92), ("40", 40), ("240", 240), ("97.5", 97.5)],
)
def test_tempo_shapes(text: str, tempo: float) -> None:
    assert parse(f"Tempo: {text}").tempo == tempo


@pytest.mark.parametrize(
    ("text", "key"),
    [("Cm", "Cm"), ("f#m", "F#m"), ("Bb major", "Bb"), ("D dorian", "D dorian"), ("A minor", "Am")],
)
def test_key_canonical_form(text: str, key: str) -> None:
    assert parse(f"Key: {text}").key == key


@pytest.mark.parametrize(
    ("text", "energy"),
    [
        ("very low", "very low"),
        ("Low", "low"),
        ("mid", "medium"),
        ("MEDIUM", "medium"),
        ("very-high", "very high"),
    ],
)
def test_energy(text: str, energy: str) -> None:
    assert parse(f"Energy: {text}").energy == energy


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [("project", "project", None), ("Selection", "selection", None), ("track:Bass", "track", "Bass"),
     ("'track: Synth  Bass'", "track", "Synth Bass"), ("region:Intro Drums", "region", "Intro Drums"),
     ("{track: Keys}", "track", "Keys")],
)  # fmt: skip
def test_target(text: str, kind: str, name: str | None) -> None:
    target = parse(f"Target: {text}", mode="edit\nRequest: x").target
    assert (target.kind, target.name) == (kind, name)


def test_target_defaults_to_project() -> None:
    assert parse("Role: [bass]").target.kind == "project"


@pytest.mark.parametrize(
    "text",
    ["[drums, bass, synth bass]", "drums, bass, synth bass", "\n  - drums\n  - bass\n  - synth bass",
     "|\n  - drums\n  * bass\n  • synth bass", "['- drums', '* bass', '• synth bass']"],
)  # fmt: skip
def test_role_shapes(text: str) -> None:
    assert parse(f"Role: {text}").roles == ["drums", "bass", "synth bass"]


def test_role_numbers_are_text() -> None:
    assert parse("Role: [drums, 808]").roles == ["drums", "808"]


def test_constraints_mapping_and_list_shapes_normalise_keys() -> None:
    mapping = parse(
        "Constraints: {Bars: 8, Density: high, No-Effects: true, note range: [40, 80]}"
    ).constraints
    assert (mapping.bars, mapping.density, mapping.no_effects, mapping.note_range) == (8, 0.8, True, (40, 80))
    listed = parse(
        "Constraints: [bars: 8, no reverb, 'seed: 42', 'mood: dark', 'ratio: 0.5', {drum_kit: 909}]"
    ).constraints
    assert (listed.bars, listed.no_reverb, listed.seed, listed.drum_kit) == (8, True, 42, "TR-909")
    assert listed.extra == {"mood": "dark", "ratio": 0.5}
    block = parse("Constraints:\n  - bars: 16\n  - no effects\n  - 'gm_program: 5'").constraints
    assert (block.bars, block.no_effects, block.gm_program) == (16, True, 5)


@pytest.mark.parametrize(
    ("value", "density"),
    [("0.3", 0.3), ("very sparse", 0.1), ("sparse", 0.25), ("low", 0.25), ("medium-sparse", 0.4), ("medium", 0.5),
     ("medium dense", 0.65), ("dense", 0.8), ("high", 0.8), ("very dense", 0.95), ("very high", 0.95)],
)  # fmt: skip
def test_density_words(value: str, density: float) -> None:
    assert parse(f"Constraints: {{density: {value}}}").constraints.density == density


@pytest.mark.parametrize(
    ("value", "swing"),
    [("0.3", 0.3), ("'56%'", 0.24), ("56", 0.24), ("58%", 0.32), ("66", 0.64), ("50%", 0.0), ("90", 1.0)],
)
def test_swing_constraint(value: str, swing: float) -> None:
    prompt = parse(f"Constraints: {{swing: {value}}}")
    assert prompt.constraints.swing == pytest.approx(swing)
    assert prompt.swing() == pytest.approx(swing)


def test_rhythm_swing_wins_over_constraints() -> None:
    assert parse("Constraints: {swing: 0.5}\nRhythm: {swing: 56%}").swing() == pytest.approx(0.24)


def test_gm_program_mapping_and_bad_values_warn() -> None:
    prompt = parse(
        "Constraints: {gm_program: {Bass: 38, lead: 81}, drum_kit: kazoo, density: lots, syncopation: 2}"
    )
    assert prompt.constraints.gm_program == {"bass": 38, "lead": 81}
    assert prompt.constraints.drum_kit is None and prompt.constraints.density is None
    assert len(prompt.warnings) == 3 and all(w.startswith("line 3: Constraints.") for w in prompt.warnings)


def test_bars_default_from_request_phrase_else_4() -> None:
    assert parse("Request: write 12 bars of funk").bars == 12
    assert parse("Request: a 4-bar intro").bars == 4
    assert parse("Constraints: {bars: 16}\nRequest: 12 bars").bars == 16
    assert parse("Role: [bass]").bars == 4


def test_vibe_shapes_and_weights() -> None:
    prompt = parse("Vibe: [Dusty x3, warm:2, {late-night: 4}, Rain On Glass, tense × 2, loud x12]")
    assert [(v.word, v.weight) for v in prompt.vibe] == [
        ("dusty", 3), ("warm", 2), ("late-night", 4), ("rain on glass", 1), ("tense", 2), ("loud", 10),
    ]  # fmt: skip
    assert prompt.warnings == ["line 3: Vibe 'loud' weight 12 is above 10; using 10"]
    assert [v.text() for v in parse("Vibe: dusty x3, warm").vibe] == ["dusty x3", "warm"]
    assert [(v.word, v.weight) for v in parse("Vibe: {dark: 2, wide: 1}").vibe] == [("dark", 2), ("wide", 1)]


def test_position_and_after() -> None:
    assert parse("Position: at bar 5").position is not None
    after = parse("After: intro").position
    assert after is not None and (after.anchor, after.ref) == ("after", "intro")
    both = parse("Position: last\nAfter: intro")
    assert both.position is not None and both.position.anchor == "last"
    assert "using Position" in both.warnings[0]
    assert parse("Position: 48").position.beat == 48  # type: ignore[union-attr]


def test_null_fields_count_as_absent() -> None:
    prompt = parse("Style:\nKey:\nEffects:\n")
    assert prompt.style is None and prompt.key is None and prompt.effects is None


def test_dimension_blocks_are_kept_as_written() -> None:
    prompt = parse(
        "Harmony: {progression: [Cm7, Fm7]}\nAutomation:\n  - {track: Bass, parameter: volume, points: [{beat: 0, value: 1}]}\n"
        "Expression: soft\nTexture: [grainy]\nHumanization: {timing: {jitter: 0.05}}"
    )
    assert prompt.harmony == {"progression": ["Cm7", "Fm7"]}
    assert prompt.automation == [
        {"track": "Bass", "parameter": "volume", "points": [{"beat": 0, "value": 1}]}
    ]
    assert list(prompt.blocks()) == ["Harmony", "Automation", "Humanization", "Expression", "Texture"]


def test_nested_duplicate_keys_warn() -> None:
    prompt = parse("Effects:\n  drums: {eq: a}\n  drums: {eq: b}")
    assert prompt.effects == {"drums": {"eq": "b"}}
    assert "duplicate key 'drums'" in prompt.warnings[0]


def test_wire_dump_is_camel_case_except_constraints() -> None:
    dumped = parse("Constraints: {no_effects: true, note_range: [40, 70]}").model_dump(by_alias=True)
    assert "requestSynthesised" in dumped and "midiExpressiveness" in dumped
    assert "no_effects" in dumped["constraints"] and "note_range" in dumped["constraints"]
