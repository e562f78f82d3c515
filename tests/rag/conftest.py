from __future__ import annotations

import os

import pytest

# The team standard: numeric libraries get one thread in tests (onnxruntime reads its own option, which
# DenseEmbedder already sets to 1; this covers numpy's BLAS).
os.environ.setdefault("OMP_NUM_THREADS", "1")

from maestro_mcp.rag.index import DocIndex
from maestro_mcp.rag.search import memory_index


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def doc_index() -> DocIndex:
    """The process's in-memory index over the packaged corpus (built once, from the packaged vectors)."""
    return memory_index()
