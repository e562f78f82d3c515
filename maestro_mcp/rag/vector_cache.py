"""Packaged chunk embeddings, so that building the in-memory index costs milliseconds, not the ~20 s of CPU
that embedding the whole corpus takes on one core.

``corpus/embeddings.json`` maps a hash of each chunk's embedding text to its vector (float16, base64). A
chunk whose text is not in the file (docs edited without ``build_docs``, or a different model) is simply
embedded at run time: a stale file costs time, never correctness. ``build_docs`` rewrites the file, reusing
the vectors of unchanged chunks, and a test fails when it misses any chunk of the packaged corpus.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from maestro_mcp.rag.corpus import CORPUS_DIR
from maestro_mcp.rag.embed import DIMENSION, MODEL_ID, DenseEmbedder, Vectors

CACHE_PATH = CORPUS_DIR / "embeddings.json"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def load(path: Path = CACHE_PATH) -> dict[str, Vectors]:
    """Cached vectors by text key; empty when the file is missing or was made with another model."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("model") != MODEL_ID or data.get("dimension") != DIMENSION:
        return {}
    out: dict[str, Vectors] = {}
    for key, blob in data.get("vectors", {}).items():
        vector = np.frombuffer(base64.b64decode(blob), dtype="<f2").astype(np.float32)
        if vector.shape == (DIMENSION,):
            # float16 storage moves the norm by ~1e-3; renormalise so dot products stay cosines.
            out[key] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return out


def embed_cached(embedder: DenseEmbedder, texts: Sequence[str], cache: dict[str, Vectors]) -> Vectors:
    """Vectors for ``texts``: from ``cache`` where present, embedded otherwise."""
    out = np.empty((len(texts), DIMENSION), dtype=np.float32)
    missing = []
    for i, text in enumerate(texts):
        vector = cache.get(text_key(text))
        if vector is None:
            missing.append(i)
        else:
            out[i] = vector
    if missing:
        out[missing] = embedder.embed([texts[i] for i in missing])
    return out


def write(texts: Sequence[str], vectors: Vectors, path: Path = CACHE_PATH) -> None:
    entries = {
        text_key(t): base64.b64encode(v.astype("<f2").tobytes()).decode("ascii")
        for t, v in zip(texts, vectors, strict=True)
    }
    data = {"model": MODEL_ID, "dimension": DIMENSION, "vectors": dict(sorted(entries.items()))}
    path.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")
