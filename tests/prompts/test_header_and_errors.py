"""Header detection (stori-prompt.md §1) and the errors of §9, with the line each one names."""

from __future__ import annotations

import pytest

from maestro_mcp.prompts import PromptParseError, is_stori_prompt, parse_stori_prompt


@pytest.mark.parametrize(
    "text",
    ["STORI PROMPT\nMode: ask\nRequest: hi", "stori prompt\nMode: ask\nRequest: hi", "  Stori \t Prompt  \nMode: ask\nRequest: hi",
     "\n\n   \nMAESTRO PROMPT\nMode: ask\nRequest: hi", "\ufeffSTORI PROMPT\r\nMode: ask\r\nRequest: hi"],
)  # fmt: skip
def test_headers_that_qualify(text: str) -> None:
    assert is_stori_prompt(text)
    prompt = parse_stori_prompt(text)
    assert prompt is not None and prompt.mode == "ask" and prompt.request == "hi"


@pytest.mark.parametrize(
    "text",
    ["STORI_PROMPT\nMode: ask", "STORI PROMPT v2\nMode: ask", "STORI PROMPT:\nMode: ask", "please read this STORI PROMPT",
     "make a beat\nSTORI PROMPT\nMode: ask", "", "   \n  "],
)  # fmt: skip
def test_natural_language(text: str) -> None:
    assert not is_stori_prompt(text)
    assert parse_stori_prompt(text) is None


def _error(text: str) -> PromptParseError:
    with pytest.raises(PromptParseError) as info:
        parse_stori_prompt(text)
    return info.value


def test_yaml_syntax_error_names_the_parser_line_counting_leading_blank_lines_and_header() -> None:
    text = "\n\nSTORI PROMPT\nMode: compose\nStyle: house\nRequest: a: b\n"
    err = _error(text)
    assert err.line == 6
    assert err.message == "STORI PROMPT line 6: could not parse YAML (mapping values are not allowed here)"
    assert err.to_wire() == {"error": "PROMPT_PARSE_ERROR", "message": err.message, "line": 6}


def test_yaml_error_at_end_of_stream_names_the_last_written_line() -> None:
    err = _error("STORI PROMPT\nMode: compose\nRole: [drums, bass\n\n")
    assert err.line == 3
    assert err.message.startswith("STORI PROMPT line 3: could not parse YAML (")


def test_tab_indentation_is_a_yaml_error_on_its_line() -> None:
    assert _error("STORI PROMPT\nMode: compose\nConstraints:\n\tbars: 4\n").line == 4


def test_empty_body_names_the_header_line() -> None:
    err = _error("\nSTORI PROMPT\n\n# nothing\n")
    assert (err.line, err.message) == (2, "STORI PROMPT line 2: missing required field Mode")


def test_body_not_a_mapping_names_the_first_body_line() -> None:
    assert _error("STORI PROMPT\n- compose\n- drums").line == 2
    assert _error("STORI PROMPT\njust some words").line == 2


@pytest.mark.parametrize(
    "tag", ["!!python/object/apply:os.system ['ls']", "!custom x", "!!binary aGVsbG8=", "!!set {a}"]
)
def test_unsafe_tags_are_refused_on_their_line(tag: str) -> None:
    err = _error(f"STORI PROMPT\nMode: compose\nStyle: house\nRequest: {tag}\n")
    assert (err.line, err.message) == (4, "STORI PROMPT line 4: YAML tags are not allowed")


def test_core_tags_are_harmless() -> None:
    prompt = parse_stori_prompt("STORI PROMPT\nMode: compose\nRole: [!!str 808]\nTempo: !!int 90")
    assert prompt is not None and prompt.roles == ["808"] and prompt.tempo == 90


def test_duplicate_field_after_folding_names_the_second_line() -> None:
    text = "STORI PROMPT\nMode: compose\nStyle: x\nKey: C\nTempo: 90\nRole: [drums]\nVibe: [a]\nsection: b\ntempo: 92\n"
    err = _error(text)
    assert err.message == "STORI PROMPT line 9: duplicate field Tempo (first on line 5)"
    err = _error("STORI PROMPT\nMode: edit\nRequest: x\nMidiExpressiveness: {}\nmidi_expressiveness: {}\n")
    assert err.message == "STORI PROMPT line 5: duplicate field MidiExpressiveness (first on line 4)"


def test_mode_missing_names_the_header_and_bad_mode_its_line() -> None:
    assert _error("STORI PROMPT\nStyle: house").message == "STORI PROMPT line 1: missing required field Mode"
    err = _error("STORI PROMPT\nMode: remix\n")
    assert err.message == "STORI PROMPT line 2: Mode must be compose, edit or ask (got 'remix')"


@pytest.mark.parametrize("mode", ["edit", "ask"])
def test_request_required_for_edit_and_ask_on_the_mode_line(mode: str) -> None:
    err = _error(f"STORI PROMPT\nTarget: project\nMode: {mode}\n")
    assert err.message == f"STORI PROMPT line 3: Request is required when Mode is {mode}"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("Tempo: fast", "Tempo must be a number from 40 to 240 (got 'fast')"),
        ("Tempo: 300", "Tempo must be a number from 40 to 240 (got '300')"),
        ("Tempo: 39.9", "Tempo must be a number from 40 to 240 (got '39.9')"),
        ("Key: H minor", "Key 'H minor' is not a key"),
        ("Energy: loud", "Energy 'loud' is not an energy level (very low, low, medium, high or very high)"),
        (
            "Target: track",
            "Target 'track' is not a target (project, selection, track:<name> or region:<name>)",
        ),
        ("Role: []", "Role must list 1 to 12 instruments"),
        ("Role: [a, b, c, d, e, f, g, h, i, j, k, l, m]", "Role must list 1 to 12 instruments"),
        ("Constraints: {bars: 0}", "Constraints.bars must be an integer from 1 to 128"),
        ("Constraints: [bars: 4.5]", "Constraints.bars must be an integer from 1 to 128"),
        ('Constraints: ["bars: many"]', "Constraints.bars must be an integer from 1 to 128"),
    ],
)
def test_field_errors_name_the_field_line(field: str, message: str) -> None:
    err = _error(f"STORI PROMPT\nMode: compose\nStyle: house\n{field}\nRequest: x\n")
    assert err.message == f"STORI PROMPT line 4: {message}"


def test_position_error_names_the_position_line() -> None:
    err = _error("STORI PROMPT\nMode: edit\nRequest: x\n\nPosition: sometime soon\n")
    assert err.line == 5 and err.message.startswith(
        "STORI PROMPT line 5: Position 'sometime soon' is not a position"
    )


def test_alias_bomb_is_refused() -> None:
    lines = ["STORI PROMPT", "Mode: compose", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)
    ]
    assert "too large" in _error("\n".join(lines)).message
