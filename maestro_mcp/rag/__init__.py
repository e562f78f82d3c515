"""Documentation retrieval for reasoning mode (``ask.*`` intents): the docs corpus, chunking, dense (MiniLM
ONNX) and sparse (BM25) vectors in qdrant fused by RRF, and answers composed from the passages.

Exports resolve lazily: listing the doc pages must not import qdrant and onnxruntime (about 1.5 s), which
only a search needs. The ``search`` function is imported from ``maestro_mcp.rag.search`` itself: the
package attribute of that name is the submodule once anything has imported it."""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "compose_answer": "answer",
    "Page": "corpus",
    "get_page": "corpus",
    "load_pages": "corpus",
    "render_tool_reference": "gen_tool_docs",
    "Hit": "index",
    "RELEVANCE_THRESHOLD": "search",
    "DocSearch": "search",
    "is_relevant": "search",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
