"""The documentation as MCP resources (mcp.md §5, extension): ``stori://docs/{page}`` for every page of the
docs (Markdown) and the ``stori://docs/search/{query}`` template (JSON hits); plus ``stori://reference/tools``,
which is the docs' generated tool reference page.

``rag/`` is imported on first use only: it pulls in qdrant and onnxruntime, which would add seconds to a
stdio start that most sessions never need them for. The page resources are therefore registered (in the
SDK's own registry) when resources are first listed or a ``stori://docs/`` URI is first read, and the
search index is built by the first search.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resources import FunctionResource, ResourceSecurity

from maestro_mcp.config import Settings

if TYPE_CHECKING:
    from maestro_mcp.rag.corpus import Page
    from maestro_mcp.rag.search import DocSearch

DOCS_URI = "stori://docs/"
DOC_SEARCH_URI = DOCS_URI + "search/{query}"
DOC_SEARCH_HITS = 5


def tool_reference() -> str:
    """``stori://reference/tools``: the documentation's tool reference page, generated from the catalog."""
    from maestro_mcp.rag.gen_tool_docs import render_tool_reference

    return render_tool_reference()


def _load_pages() -> list[Page]:
    from maestro_mcp.rag.corpus import load_pages

    return load_pages()


def page_resource(page: Page) -> FunctionResource:
    text = page.text
    return FunctionResource(
        uri=DOCS_URI + page.name,
        name=page.title,
        description=f"Stori documentation: {page.title} (docs/{page.file_name}).",
        mime_type="text/markdown",
        fn=lambda: text,
    )


class DocResources:
    """The documentation resources of one server."""

    def __init__(self, server: MCPServer[Any], settings: Settings) -> None:
        self._server = server
        self._settings = settings
        self._registered = False
        self._search: DocSearch | None = None

    async def register_pages(self) -> None:
        """One resource per documentation page, registered once, on first need."""
        if self._registered:
            return
        pages = await anyio.to_thread.run_sync(_load_pages)  # the first import of rag takes a while
        if self._registered:  # another request registered them while this one waited
            return
        self._registered = True
        for page in pages:
            self._server.add_resource(page_resource(page))

    async def search(self, query: str) -> list[dict[str, Any]]:
        """The best sections for ``query``, best first, as JSON objects with their resource URI."""
        if self._search is None:
            from maestro_mcp.rag.search import DocSearch

            self._search = DocSearch(self._settings)
        hits = await self._search.search(query, DOC_SEARCH_HITS)
        return [{**h.model_dump(by_alias=True), "uri": DOCS_URI + h.page, "link": h.link} for h in hits]

    def register_search(self) -> None:
        # A query is free text: ".." or a leading "/" in it are words, not a path to guard against.
        @self._server.resource(
            DOC_SEARCH_URI,
            name="Documentation search",
            description=(
                "The documentation sections best matching a (URL-encoded) query: {query, hits: [{page, "
                "pageTitle, heading, anchor, text, score, similarity, uri, link}]}, best first."
            ),
            mime_type="application/json",
            security=ResourceSecurity(exempt_params=frozenset({"query"})),
        )
        async def search_docs(query: str) -> str:
            query = query.strip()
            hits = await self.search(query) if query else []
            return json.dumps({"query": query, "hits": hits}, ensure_ascii=False, separators=(",", ":"))
