"""The search API the agent uses: ``await DocSearch(settings).search(question)``, or the module-level
``search`` for the process-wide default.

Without ``STORI_QDRANT_URL`` the index lives in this process's memory, built on first use from the packaged
pages and kept for the life of the process (several processes may share a data dir, so nothing goes to
disk). With it, the same queries go to the server's collection that ``maestro-mcp ingest-docs`` filled; if
that server is unreachable or holds no index, the in-memory index answers instead (logged once), so a
question never fails only because an optional service is down.
"""

from __future__ import annotations

import logging
import threading

import anyio.to_thread
from qdrant_client import QdrantClient

from maestro_mcp.config import Settings
from maestro_mcp.rag.corpus import load_pages
from maestro_mcp.rag.embed import shared_embedder
from maestro_mcp.rag.index import COLLECTION, DocIndex, Hit, Mode

log = logging.getLogger(__name__)

# Cosine similarity (all-MiniLM-L6-v2) above which a passage is taken to be about the question; it decides
# whether an ``ask.general`` question without an LLM gets passages. Measured: the best passage of the
# retrieval test set's questions has a median of 0.55; general music questions the docs do not answer
# ("what is a tritone substitution?", "explain polyrhythms") score 0.10-0.39.
RELEVANCE_THRESHOLD = 0.42

_memory_index: DocIndex | None = None
_lock = threading.Lock()


def memory_index() -> DocIndex:
    """The process's in-memory index, built on first call (about a second or two of CPU)."""
    global _memory_index
    with _lock:
        if _memory_index is None:
            _memory_index = DocIndex.in_memory(load_pages(), shared_embedder())
            log.info("documentation index built in memory")
        return _memory_index


class DocSearch:
    """Documentation retrieval for one configuration. Cheap to create; the heavy parts are shared."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._url = settings.qdrant_url if settings is not None else None
        self._remote: DocIndex | None = None
        self._remote_failed = False

    def index(self) -> DocIndex:
        """The index queries go to (blocking: may build the in-memory one)."""
        if self._url is None or self._remote_failed:
            return memory_index()
        if self._remote is None:
            client = QdrantClient(url=self._url, timeout=5, check_compatibility=False)
            remote = DocIndex(client, shared_embedder(), COLLECTION)
            if not remote.available():
                self._remote_failed = True
                log.warning("qdrant at %s has no %r index (run `maestro-mcp ingest-docs`); using the "
                            "in-memory index", self._url, COLLECTION)
                return memory_index()
            self._remote = remote
        return self._remote

    def search_blocking(self, query: str, k: int = 3, mode: Mode = "fused") -> list[Hit]:
        index = self.index()
        if index is self._remote:
            try:
                return index.query(query, k, mode)
            except Exception as exc:  # the server went away after start-up: answer from memory instead
                self._remote_failed = True
                log.warning("qdrant query failed (%s); using the in-memory index from now on", exc)
                return memory_index().query(query, k, mode)
        return index.query(query, k, mode)

    async def search(self, query: str, k: int = 3, mode: Mode = "fused") -> list[Hit]:
        """The ``k`` best documentation sections for ``query``, best first. The embedding and the index
        build run in a worker thread, never on the event loop."""
        return await anyio.to_thread.run_sync(self.search_blocking, query, k, mode)

    async def warm_up(self) -> None:
        """Build the index now (e.g. at server start) rather than on the first question."""
        await anyio.to_thread.run_sync(self.index)


_default = DocSearch()


async def search(query: str, k: int = 3) -> list[Hit]:
    """The ``k`` best documentation sections for ``query`` from the process's in-memory index."""
    return await _default.search(query, k)


def is_relevant(hit: Hit) -> bool:
    return hit.similarity >= RELEVANCE_THRESHOLD
