"""The ONNX MiniLM embeddings: sane on sentence pairs, and equal to the full-precision model's.

reference_embeddings.json holds float32 all-MiniLM-L6-v2 embeddings computed by make_reference_embeddings.py
(a plain numpy forward pass over the original weights); the int8 model must agree with them closely.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from maestro_mcp.rag.embed import DIMENSION, MAX_TOKENS, DenseEmbedder, shared_embedder

REFERENCE = Path(__file__).with_name("reference_embeddings.json")


@pytest.fixture(scope="module")
def embedder() -> DenseEmbedder:
    return shared_embedder()


def test_vectors_are_unit_length_and_batch_independent(embedder: DenseEmbedder) -> None:
    texts = ["short", "a somewhat longer sentence about adding a compressor to the bass track", ""]
    batch = embedder.embed(texts)
    assert batch.shape == (3, DIMENSION) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    # Padding inside a batch must not change a text's vector (mean pooling honours the attention mask).
    for i, text in enumerate(texts):
        np.testing.assert_allclose(batch[i], embedder.embed_one(text), atol=1e-4)
    assert embedder.embed([]).shape == (0, DIMENSION)


@pytest.mark.parametrize(
    ("anchor", "similar", "unrelated"),
    [
        ("How do I add a reverb send to the drums?", "Route the drum track to a reverb bus with a send.",
         "The weather in Lisbon was sunny all week."),
        ("Set the tempo to 90 BPM", "Change the song's speed to ninety beats per minute",
         "Rename the bass track to Sub Bass"),
        ("The DAW did not respond in time", "The connection to the Stori app timed out",
         "Quantize the hi-hats to sixteenth notes"),
    ],
)
def test_similar_sentences_score_higher_than_unrelated(
    embedder: DenseEmbedder, anchor: str, similar: str, unrelated: str
) -> None:
    a, s, u = embedder.embed([anchor, similar, unrelated])
    assert float(a @ s) > float(a @ u) + 0.15


def test_matches_the_full_precision_reference(embedder: DenseEmbedder) -> None:
    rows = json.loads(REFERENCE.read_text())["embeddings"]
    reference = np.array([r["vector"] for r in rows], dtype=np.float32)
    ours = embedder.embed([r["text"] for r in rows])
    assert np.min(np.sum(ours * reference, axis=1)) > 0.995  # int8 quantisation costs almost nothing
    # And the similarity structure between the sentences is the reference's.
    np.testing.assert_allclose(ours @ ours.T, reference @ reference.T, atol=0.02)


def test_tokenizer_is_uncased_wordpiece_truncated_to_the_model_limit(embedder: DenseEmbedder) -> None:
    assert embedder.tokens("Reverb SEND") == ["[CLS]", "rev", "##er", "##b", "send", "[SEP]"]
    assert len(embedder.tokens("word " * 1000)) == MAX_TOKENS
