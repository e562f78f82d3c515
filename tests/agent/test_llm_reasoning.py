"""Reasoning deltas → the text of ``reasoning`` events: word boundaries, no tool names, UUIDs, fences, JSON."""

from __future__ import annotations

from maestro_mcp.agent.llm_reasoning import ReasoningBuffer


def feed(deltas: list[str]) -> list[str]:
    buffer = ReasoningBuffer()
    out = [buffer.push(d) for d in deltas]
    out.append(buffer.flush())
    return [o for o in out if o]


def test_chunks_end_on_word_boundaries() -> None:
    chunks = feed(["The bass", "line sho", "uld lock ", "to the kick", "."])
    assert chunks == ["The ", "bassline ", "should lock ", "to the ", "kick."]
    assert all(c.endswith(" ") for c in chunks[:-1])


def test_tool_names_become_words_and_uuids_disappear() -> None:
    text = "".join(
        feed(["I will call stori_add_midi_track ", "for region 3d4e5f6a-7b8c-4d9e-9f0a-1b2c3d4e5f6a now."])
    )
    assert "stori_" not in text and "3d4e5f6a" not in text
    assert "add midi track" in text


def test_code_fences_are_dropped_even_across_chunks() -> None:
    text = "".join(feed(["Plan: ```json\n", '{"tempo": 92}\n', "``` then ", "set the tempo."]))
    assert "```" not in text and 'tempo": 92' not in text
    assert text.startswith("Plan:") and text.endswith("set the tempo.")


def test_inline_json_is_removed() -> None:
    text = "".join(
        feed(['Use {"name": "Drums", "opts": {"kit": "808"}} as the ', 'track and ["a", "b"] too.'])
    )
    assert "{" not in text and '"' not in text
    assert "as the track and too." in " ".join(text.split())


def test_a_giant_token_is_released_without_whitespace() -> None:
    buffer = ReasoningBuffer()
    assert buffer.push("x" * 100) == ""
    assert len(buffer.push("x" * 400)) == 500
