"""Sparse BM25 vectors for keyword retrieval.

The split of BM25 between us and qdrant: a document vector holds each term's saturated, length-normalised
term frequency ``tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))``; a query vector holds 1 per term; the
collection's sparse vector is declared with qdrant's IDF modifier, so qdrant multiplies in the inverse
document frequency from the points it holds. The same code then works in memory and against a server.

Terms are stable 31-bit hashes of normalised words (never Python's salted ``hash``), so an index written by
``ingest-docs`` in one process is queried correctly by another.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

K1 = 1.2
B = 0.75

_WORD = re.compile(r"[a-z0-9]+(?:[_.][a-z0-9]+)*")
_STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your"]
)


def _stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to meet "sends"/"send", "quantizing"/"quantize",
    "tracks"/"track" half-way, without a stemmer dependency. Short words and numbers are left alone."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    """The indexable terms of ``text``, in order. Identifiers such as ``stori_add_send`` or
    ``STORI_QDRANT_URL`` are kept whole and also split into their parts, so a question that names the
    identifier and one that only uses its words both match."""
    out: list[str] = []
    for match in _WORD.finditer(text.lower()):
        word = match.group(0)
        parts = re.split(r"[_.]", word)
        if len(parts) > 1:
            out.append(word)
        out.extend(_stem(p) for p in parts if p not in _STOPWORDS)
    return out


def term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


def _vector(weights: dict[int, float]) -> SparseVector:
    indices = sorted(weights)
    return SparseVector(indices, [weights[i] for i in indices])


def document_vectors(texts: Iterable[str]) -> list[SparseVector]:
    """BM25 document-side vectors for a corpus (the average length is taken over these texts)."""
    bags = [Counter(term_id(t) for t in terms(text)) for text in texts]
    lengths = [sum(bag.values()) for bag in bags]
    avg = max(sum(lengths) / max(len(lengths), 1), 1.0)
    vectors = []
    for bag, length in zip(bags, lengths, strict=True):
        norm = K1 * (1 - B + B * length / avg)
        vectors.append(_vector({i: tf * (K1 + 1) / (tf + norm) for i, tf in bag.items()}))
    return vectors


def query_vector(text: str) -> SparseVector:
    """Query side: each distinct term once, weight 1 (qdrant applies the IDF)."""
    return _vector({term_id(t): 1.0 for t in terms(text)})
