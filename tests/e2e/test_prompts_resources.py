"""MCP prompts (mcp.md §4) and static resources (§5) through the official client over a real stdio process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import TextContent, TextResourceContents

from maestro_mcp.prompts import get_template, parse_stori_prompt
from tests.e2e.test_stdio import stdio_client

pytestmark = pytest.mark.anyio

TIMEOUT = 120
INSTRUCTION = (
    "Realise this STORI PROMPT with the stori_* tools: create the tracks and regions, generate or write "
    "the notes, add the effects, then list the track and region ids you created."
)
TEMPLATE_IDS = ["lofi_chill", "dark_trap", "jazz_trio", "synthwave", "cinematic", "funk_groove", "ambient",
                "deep_house", "full_production", "beat_lab", "mood_piece"]  # fmt: skip
STATIC_RESOURCES = {
    "stori://project/current": "application/json",
    "stori://project/current/midi": "audio/midi",
    "stori://reference/tools": "text/markdown",
    "stori://reference/stori-prompt": "text/markdown",
    "stori://inspiration/cards": "application/json",
}
RESOURCE_TEMPLATES = {
    "stori://inspiration/cards/{cardId}": "application/json",
    "stori://templates/{templateId}": "application/json",
    "stori://docs/search/{query}": "application/json",
}


async def prompt_text(client: Client, name: str, arguments: dict[str, str] | None = None) -> str:
    result = await client.get_prompt(name, arguments)
    assert len(result.messages) == 1
    message = result.messages[0]
    assert message.role == "user" and isinstance(message.content, TextContent)
    instruction, blank, _ = message.content.text.partition("\n\n")
    assert (instruction, blank) == (INSTRUCTION, "\n\n")
    return message.content.text.removeprefix(INSTRUCTION + "\n\n")


async def read_text(client: Client, uri: str, mime_type: str) -> str:
    contents = (await client.read_resource(uri)).contents
    assert len(contents) == 1
    content = contents[0]
    assert isinstance(content, TextResourceContents) and content.mime_type == mime_type
    return content.text


async def read_json(client: Client, uri: str) -> Any:
    return json.loads(await read_text(client, uri, "application/json"))


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # 2026-07-28 and 2025-11-25
async def test_prompts_list(tmp_path: Path, mode: str) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path, mode=mode) as client:
            assert client.server_capabilities is not None and client.server_capabilities.prompts is not None
            prompts = (await client.list_prompts()).prompts
    assert [p.name for p in prompts] == [*TEMPLATE_IDS, "compose"]
    by_name = {p.name: p for p in prompts}
    assert by_name["lofi_chill"].title == "Lo-fi Chill"
    assert by_name["compose"].title == "Compose"
    for name in TEMPLATE_IDS:
        arguments = by_name[name].arguments or []
        assert [(a.name, bool(a.required)) for a in arguments] == [
            ("key", False),
            ("tempo", False),
            ("bars", False),
        ]
        assert by_name[name].description
    compose_args = {a.name: bool(a.required) for a in by_name["compose"].arguments or []}
    assert compose_args == {
        "style": True, "key": False, "tempo": False, "bars": False, "roles": False, "section": False, "request": False
    }  # fmt: skip


async def test_prompts_get_render_with_and_without_arguments(tmp_path: Path) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path) as client:
            plain = {name: await prompt_text(client, name) for name in TEMPLATE_IDS}
            overridden = await prompt_text(client, "dark_trap", {"key": "F#m", "tempo": "150", "bars": "16"})
            composed = await prompt_text(client, "compose", {"style": "deep house"})
            full = await prompt_text(
                client,
                "compose",
                {"style": "bossa nova", "key": "Dm", "tempo": "128", "bars": "12", "roles": "drums, bass, guitar",
                 "section": "Verse", "request": "A gentle bossa for a rainy evening"},
            )  # fmt: skip

    for name, text in plain.items():
        assert text == get_template(name).full_prompt  # no arguments: the template as published

    prompt = parse_stori_prompt(overridden)
    template = parse_stori_prompt(get_template("dark_trap").full_prompt)
    assert prompt is not None and template is not None
    assert (prompt.key, prompt.tempo, prompt.bars) == ("F#m", 150, 16)
    assert (prompt.style, prompt.roles, prompt.request) == (template.style, template.roles, template.request)

    prompt = parse_stori_prompt(composed)
    assert prompt is not None
    assert (prompt.mode, prompt.style, prompt.key, prompt.bars) == ("compose", "deep house", "C", 8)
    assert prompt.roles and prompt.tempo is not None
    assert prompt.request == f"Compose deep house {', '.join(prompt.roles)}"

    prompt = parse_stori_prompt(full)
    assert prompt is not None
    assert (prompt.style, prompt.key, prompt.tempo, prompt.bars) == ("bossa nova", "Dm", 128, 12)
    assert (prompt.roles, prompt.section) == (["drums", "bass", "guitar"], "verse")
    assert prompt.request == "A gentle bossa for a rainy evening"


BAD_ARGUMENTS = [
    ("lofi_chill", {"tempo": "300"}, "Invalid argument tempo: must be a number from 40 to 240"),
    ("lofi_chill", {"tempo": "fast"}, "Invalid argument tempo: must be a number from 40 to 240"),
    ("jazz_trio", {"bars": "0"}, "Invalid argument bars: must be an integer from 1 to 128"),
    ("jazz_trio", {"bars": "2.5"}, "Invalid argument bars: must be an integer from 1 to 128"),
    ("ambient", {"key": "H minor"}, "Invalid argument key: "),
    ("compose", {}, "Invalid argument style: is required"),
    ("compose", {"style": "funk", "tempo": "20"}, "Invalid argument tempo: must be a number from 40 to 240"),
    ("compose", {"style": "funk", "roles": ","}, "Invalid argument roles: "),
    ("beat_lab", {"style": "jazz"}, "Invalid argument style: not an argument of beat_lab"),
    ("polka", {}, "Unknown prompt: polka"),
]


async def test_prompts_get_bad_argument_is_invalid_params(tmp_path: Path) -> None:
    errors: list[tuple[int, str]] = []
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path) as client:
            for name, arguments, _ in BAD_ARGUMENTS:
                with pytest.raises(MCPError) as error:
                    await client.get_prompt(name, arguments)
                errors.append((error.value.code, error.value.message))
            # The session survives its errors.
            assert await prompt_text(client, "beat_lab")
    for (code, message), (name, _, expected) in zip(errors, BAD_ARGUMENTS, strict=True):
        assert code == -32602, name
        assert message.startswith(expected), (name, message)


async def test_resources_list_and_read(tmp_path: Path) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path) as client:
            resources = (await client.list_resources()).resources
            templates = (await client.list_resource_templates()).resource_templates
            guide = await read_text(client, "stori://reference/stori-prompt", "text/markdown")
            tools = await read_text(client, "stori://reference/tools", "text/markdown")
            cards = await read_json(client, "stori://inspiration/cards")
            one_card = await read_json(client, "stori://inspiration/cards/lofi_boom_bap")
            template_bodies = {t: await read_json(client, f"stori://templates/{t}") for t in TEMPLATE_IDS}
            missing = []
            for uri in (
                "stori://inspiration/cards/polka",
                "stori://templates/lofi_boom_bap",
                "stori://templates/x",
            ):
                with pytest.raises(MCPError) as error:
                    await client.read_resource(uri)
                missing.append(error.value.code)

    listed = {str(r.uri): r.mime_type for r in resources if not str(r.uri).startswith("stori://docs/")}
    assert listed == STATIC_RESOURCES  # the doc pages are listed too: tests/e2e/test_doc_resources.py
    assert all(r.name for r in resources)
    assert {t.uri_template: t.mime_type for t in templates} == RESOURCE_TEMPLATES

    assert guide.startswith("# The STORI PROMPT format")
    for topic in (
        "## Header",
        "## Routing fields",
        "## Position",
        "## Constraints",
        "## Vibe",
        "## Dimension blocks",
    ):
        assert topic in guide
    # One example per mode, each a valid STORI PROMPT (the guide promises they can be pasted as they are).
    examples = [parse_stori_prompt(block.split("```", 1)[0]) for block in guide.split("```yaml\n")[1:]]
    assert [(e.mode, e.warnings) for e in examples if e is not None] == [
        ("compose", []),
        ("edit", []),
        ("ask", []),
    ]
    assert "### stori_add_notes" in tools

    assert list(cards) == ["prompts"] and len(cards["prompts"]) == 22
    assert len({card["id"] for card in cards["prompts"]}) == 22
    assert one_card == next(card for card in cards["prompts"] if card["id"] == "lofi_boom_bap")
    assert one_card["title"] == "Lo-fi boom bap · Cm · 75 BPM"

    for template_id, body in template_bodies.items():
        assert body == get_template(template_id).model_dump(by_alias=True)
        assert list(body) == ["id", "title", "fullPrompt", "sections"]

    assert missing == [-32602, -32602, -32602]  # the SDK's resource-not-found error


async def test_project_resources_read(tmp_path: Path) -> None:
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path) as client:
            project = await read_json(client, "stori://project/current")
            midi = (await client.read_resource("stori://project/current/midi")).contents[0]
    assert project["source"] == "headless" and project["stateVersion"] == 0
    assert project["project"]["name"] == "Untitled"
    assert midi.mime_type == "audio/midi"
