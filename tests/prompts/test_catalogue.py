"""Placeholders, inspiration cards, prompt templates and MCP prompts: http-api.md §4 and mcp.md §4."""

from __future__ import annotations

import re

import pytest

from maestro_mcp.prompts import (
    PromptArgumentError,
    PromptNotFound,
    draw_cards,
    get_template,
    inspiration_cards,
    inspiration_response,
    mcp_prompt_names,
    mcp_prompt_text,
    parse_stori_prompt,
    placeholders_response,
    prompt_response,
    prompt_templates,
)
from maestro_mcp.prompts.cards import card_prompt

CARD_IDS = [
    "lofi_boom_bap", "melodic_techno_drop", "cinematic_orchestral_swell", "afrobeats_groove", "ambient_drone",
    "jazz_reharmonization", "dark_trap_night", "bossa_nova_evening", "funk_pocket", "neo_soul_pocket_groove",
    "drum_and_bass_roller", "minimal_house_loop", "synthwave_night_drive", "post_rock_crescendo",
    "reggaeton_dembow", "classical_string_quartet", "psytrance_drive", "indie_folk_campfire", "new_orleans_brass",
    "nordic_ambient", "flamenco_fusion", "uk_garage_2step",
]  # fmt: skip
TEMPLATE_IDS = ["lofi_chill", "dark_trap", "jazz_trio", "synthwave", "cinematic", "funk_groove", "ambient",
                "deep_house", "full_production", "beat_lab", "mood_piece"]  # fmt: skip


def test_placeholders() -> None:
    body = placeholders_response()
    assert list(body) == ["placeholders"] and len(body["placeholders"]) == 12
    assert (
        body["placeholders"][0] == "Describe a groove…"
        and body["placeholders"][-1] == "Ask how sidechain works…"
    )


def test_pool_has_the_22_cards_in_order() -> None:
    assert [c.id for c in inspiration_cards()] == CARD_IDS


@pytest.mark.parametrize("card_id", CARD_IDS)
def test_every_card_is_a_complete_valid_prompt_matching_its_title(card_id: str) -> None:
    card = next(c for c in inspiration_cards() if c.id == card_id)
    prompt = parse_stori_prompt(card.full_prompt)
    assert prompt is not None and prompt.warnings == []
    assert card.full_prompt.startswith("STORI PROMPT\nMode: compose\n")
    assert prompt.section and prompt.style and prompt.energy and prompt.roles and prompt.vibe
    assert prompt.constraints.bars is not None and not prompt.request_synthesised
    assert {"Harmony", "Melody", "Rhythm", "Dynamics", "Effects"} <= set(prompt.blocks())
    assert card.title.endswith(f" · {prompt.key} · {prompt.tempo:g} BPM")
    lines = card.preview.split("\n")
    assert lines == [
        f"Mode: compose · Section: {prompt.section}",
        f"Style: {prompt.style} · Key: {prompt.key} · {prompt.tempo:g} BPM",
        f"Role: {', '.join(prompt.roles)}",
        f"Vibe: {', '.join(v.text() for v in prompt.vibe[:3])}",
    ]


def test_card_table_columns() -> None:
    expected = {"cinematic_orchestral_swell": ("intro", "cinematic orchestral", 16, "medium"),
                "psytrance_drive": ("drop", "psytrance", 32, "very high"),
                "classical_string_quartet": ("verse", "classical string quartet", 16, "low")}  # fmt: skip
    for card_id, (section, style, bars, energy) in expected.items():
        p = card_prompt(card_id)
        assert (p.section, p.style, p.bars, p.energy) == (section, style, bars, energy)
    assert card_prompt("classical_string_quartet").roles == ["violin", "violin", "viola", "cello"]


def test_lofi_card_shape_matches_the_seed_example() -> None:
    card = next(c for c in inspiration_cards() if c.id == "lofi_boom_bap")
    assert card.model_dump(by_alias=True).keys() == {"id", "title", "preview", "fullPrompt"}
    assert card.title == "Lo-fi boom bap · Cm · 75 BPM"
    assert card.preview == ("Mode: compose · Section: verse\nStyle: lofi hip hop · Key: Cm · 75 BPM\n"
                            "Role: drums, bass, piano, melody\nVibe: dusty x3, warm x2, melancholic")  # fmt: skip


def test_draws_are_four_distinct_and_seedable() -> None:
    body = inspiration_response()
    assert len(body["prompts"]) == 4 and len({c["id"] for c in body["prompts"]}) == 4
    assert set(body["prompts"][0]) == {"id", "title", "preview", "fullPrompt"}
    assert [c.id for c in draw_cards(seed=7)] == [c.id for c in draw_cards(seed=7)]
    assert len({tuple(c.id for c in draw_cards(seed=s)) for s in range(20)}) > 1


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_templates_render_parseable_flat_prompts(template_id: str) -> None:
    body = prompt_response(template_id)
    assert set(body) == {"id", "title", "fullPrompt", "sections"}
    headings = [s["heading"] for s in body["sections"]]
    assert headings == ["Mode", "Section", "Style", "Key", "Tempo", "Role", "Constraints", "Vibe", "Request"]
    assert body["fullPrompt"] == "STORI PROMPT\n" + "\n".join(
        f"{s['heading']}: {s['content']}" for s in body["sections"]
    )
    contents = {s["heading"]: s["content"] for s in body["sections"]}
    assert (
        contents["Request"].startswith('"')
        and contents["Role"].startswith("[")
        and contents["Constraints"].startswith("{")
    )
    prompt = parse_stori_prompt(body["fullPrompt"])
    assert prompt is not None and prompt.warnings == [] and prompt.mode == "compose"
    assert (
        prompt.constraints.bars is not None and prompt.key and prompt.tempo and prompt.roles and prompt.vibe
    )


def test_template_table_values() -> None:
    t = get_template("dark_trap")
    assert t.title == "Dark Trap"
    p = parse_stori_prompt(t.full_prompt)
    assert p is not None
    assert (p.style, p.key, p.tempo, p.roles, p.bars, p.section) == (
        "dark trap",
        "Cm",
        140,
        ["drums", "808", "pads", "lead"],
        8,
        "verse",
    )
    assert [t.id for t in prompt_templates()] == TEMPLATE_IDS


def test_card_id_on_template_route_carries_sections_and_preview() -> None:
    body = prompt_response("lofi_boom_bap")
    assert set(body) == {"id", "title", "preview", "fullPrompt", "sections"}
    contents = {s["heading"]: s["content"] for s in body["sections"]}
    assert contents["Constraints"] == "{bars: 24, density: medium-sparse}"
    assert contents["Vibe"] == "[dusty x3, warm x2, melancholic, laid-back]"
    assert "\n" not in contents["Request"]


def test_unknown_prompt_id() -> None:
    with pytest.raises(PromptNotFound) as info:
        prompt_response("nope")
    assert info.value.to_wire() == {"error": "TEMPLATE_NOT_FOUND", "message": "Prompt 'nope' not found."}


def test_mcp_prompts() -> None:
    assert mcp_prompt_names() == [*TEMPLATE_IDS, "compose"]
    text = mcp_prompt_text("lofi_chill", {"key": "f#m", "tempo": "92", "bars": "16"})
    instruction, blank, *rest = text.split("\n")
    assert instruction.startswith("Realise this STORI PROMPT with the stori_* tools") and blank == ""
    p = parse_stori_prompt("\n".join(rest))
    assert p is not None and (p.key, p.tempo, p.bars, p.style) == ("F#m", 92, 16, "lofi hip hop")
    p = parse_stori_prompt(mcp_prompt_text("compose", {"style": "techno"}).split("\n\n", 1)[1])
    assert p is not None and (p.key, p.tempo, p.bars) == ("C", 128, 8)
    assert (
        p.roles == ["drums", "bass", "lead", "pads"] and p.request == "Compose techno drums, bass, lead, pads"
    )
    p = parse_stori_prompt(
        mcp_prompt_text(
            "compose", {"style": "jazz", "roles": "piano, upright bass", "section": "Verse"}
        ).split("\n\n", 1)[1]
    )
    assert p is not None and p.roles == ["piano", "upright bass"] and p.section == "verse"


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("lofi_chill", {"tempo": "300"}, "Invalid argument tempo: must be a number from 40 to 240"),
        ("lofi_chill", {"bars": "2.5"}, "Invalid argument bars: must be an integer from 1 to 128"),
        (
            "lofi_chill",
            {"key": "H"},
            "Invalid argument key: must be a key such as C, Cm, F#m, Bb or D dorian",
        ),
        ("compose", {}, "Invalid argument style: is required"),
    ],
)
def test_mcp_prompt_argument_errors(name: str, args: dict[str, str], message: str) -> None:
    with pytest.raises(PromptArgumentError) as info:
        mcp_prompt_text(name, args)
    assert info.value.message == message


def test_flat_prompts_quote_what_yaml_would_misread() -> None:
    text = mcp_prompt_text("compose", {"style": "drum & bass: rollers", "request": 'say "hi"'})
    p = parse_stori_prompt(text.split("\n\n", 1)[1])
    assert p is not None and p.style == "drum & bass: rollers" and p.request == 'say "hi"'
    assert re.search(r"^Style: \"", text, re.M)
