"""The documentation as MCP resources (mcp.md §5, extension) through the official client over a real stdio
subprocess: one resource per page, the search template, and the generated tool reference."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import anyio
import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import TextResourceContents

from maestro_mcp.rag import load_pages, render_tool_reference
from tests.e2e.test_stdio import stdio_client

pytestmark = pytest.mark.anyio

TIMEOUT = 120


async def test_doc_pages_search_and_tool_reference(tmp_path: Path) -> None:
    pages = load_pages()
    question = "how do I add a reverb send? (../not a path, 1/16)"
    with anyio.fail_after(TIMEOUT):
        async with stdio_client(tmp_path) as client:
            resources = {str(r.uri): r for r in (await client.list_resources()).resources}
            templates = {
                t.uri_template: t for t in (await client.list_resource_templates()).resource_templates
            }
            guide = (await client.read_resource("stori://docs/stori-prompt-guide")).contents
            found = (await client.read_resource("stori://docs/search/" + quote(question, safe=""))).contents
            tools = (await client.read_resource("stori://reference/tools")).contents[0]
            with pytest.raises(MCPError) as missing:
                await client.read_resource("stori://docs/no-such-page")

    # Every page is listed, as Markdown, named by its title.
    for page in pages:
        resource = resources[f"stori://docs/{page.name}"]
        assert (resource.name, resource.mime_type) == (page.title, "text/markdown")
    assert len([uri for uri in resources if uri.startswith("stori://docs/")]) == len(pages) >= 8

    [content] = guide
    assert isinstance(content, TextResourceContents) and content.mime_type == "text/markdown"
    assert content.text == next(p.text for p in pages if p.name == "stori-prompt-guide")

    assert templates["stori://docs/search/{query}"].mime_type == "application/json"
    [result] = found
    assert isinstance(result, TextResourceContents) and result.mime_type == "application/json"
    body = json.loads(result.text)
    assert body["query"] == question
    hits = body["hits"]
    assert 1 <= len(hits) <= 5
    assert (hits[0]["page"], hits[0]["heading"]) == ("concepts", "Buses and sends")
    assert hits[0]["uri"] == "stori://docs/concepts" and hits[0]["link"] == "concepts.md#buses-and-sends"
    assert set(hits[0]) == {
        "page",
        "pageTitle",
        "heading",
        "anchor",
        "text",
        "score",
        "similarity",
        "uri",
        "link",
    }
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    assert isinstance(tools, TextResourceContents) and tools.text == render_tool_reference()
    assert missing.value.code == -32602  # the SDK's resource-not-found error
