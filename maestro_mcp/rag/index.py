"""The documentation index in qdrant: one point per chunk with a dense (MiniLM) and a sparse (BM25) vector,
queried with both and fused by reciprocal rank (qdrant's query API: two prefetches, an RRF fusion query).

The same class works on ``QdrantClient(":memory:")`` (the default: each process builds its own index) and
on a client of a Qdrant server (filled by ``ingest-docs``). Everything here is synchronous CPU or network
work; ``search.py`` moves it off the event loop.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from qdrant_client import QdrantClient, models

from maestro_mcp.rag import sparse, vector_cache
from maestro_mcp.rag.chunking import Chunk, chunk_page
from maestro_mcp.rag.corpus import Page, corpus_digest
from maestro_mcp.rag.embed import DIMENSION, MODEL_ID, DenseEmbedder, Vectors

COLLECTION = "stori_docs"
DENSE = "dense"
SPARSE = "bm25"
# Candidates each retriever hands to the fusion; more than k because windows of one section are merged.
PREFETCH = 20
_POINT_NAMESPACE = uuid.UUID("0b6c8a52-3f5e-4f8e-9a43-5d1f0c7e2a61")

Mode = Literal["fused", "dense", "sparse"]


class Hit(BaseModel):
    """One retrieved passage. ``score`` ranks hits of one query (fused: the RRF score, which says nothing
    across queries); ``similarity`` is the cosine between the query and the passage, comparable across
    queries, which is what a relevance threshold should look at."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    page: str
    page_title: str
    heading: str
    anchor: str
    text: str
    score: float
    similarity: float

    @property
    def link(self) -> str:
        """``docs/<page>.md#<anchor>``, the citation target."""
        return f"{self.page}.md" + (f"#{self.anchor}" if self.anchor else "")


def point_id(chunk: Chunk) -> str:
    return str(uuid.uuid5(_POINT_NAMESPACE, chunk.key))


def chunk_corpus(pages: Sequence[Page]) -> list[Chunk]:
    return [chunk for page in pages for chunk in chunk_page(page.name, page.text)]


def create_collection(client: QdrantClient, name: str) -> None:
    client.create_collection(
        name,
        vectors_config={DENSE: models.VectorParams(size=DIMENSION, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )


def fill_collection(client: QdrantClient, name: str, pages: Sequence[Page], embedder: DenseEmbedder,
                    cache: dict[str, Vectors] | None = None) -> dict[str, Vectors]:
    """Chunk, embed and upsert every page into an existing collection; returns the dense vector of every
    point by point id. Vectors come from ``cache`` (default: the packaged one) where it has them."""
    chunks = chunk_corpus(pages)
    cache = vector_cache.load() if cache is None else cache
    dense = vector_cache.embed_cached(embedder, [c.embedding_text() for c in chunks], cache)
    bm25 = sparse.document_vectors(c.keyword_text() for c in chunks)
    digest = corpus_digest(list(pages))
    points = [
        models.PointStruct(
            id=point_id(chunk),
            vector={
                DENSE: dense[i].tolist(),
                SPARSE: models.SparseVector(indices=bm25[i].indices, values=bm25[i].values),
            },
            payload={
                "page": chunk.page,
                "pageTitle": chunk.page_title,
                "heading": chunk.heading,
                "anchor": chunk.anchor,
                "text": chunk.text,
                "part": chunk.part,
                "corpus": digest,
                "model": MODEL_ID,
            },
        )
        for i, chunk in enumerate(chunks)
    ]
    for start in range(0, len(points), 128):
        client.upsert(name, points=points[start : start + 128], wait=True)
    return {str(p.id): dense[i] for i, p in enumerate(points)}


class DocIndex:
    """Queries one collection (or alias) of documentation chunks."""

    def __init__(self, client: QdrantClient, embedder: DenseEmbedder, collection: str = COLLECTION,
                 vectors: dict[str, Vectors] | None = None) -> None:
        self.client = client
        self.embedder = embedder
        self.collection = collection
        # Dense vectors by point id when this process built the index: the similarity of a hit is then a
        # local dot product instead of shipping vectors back with every query.
        self._vectors = vectors

    @classmethod
    def in_memory(cls, pages: Sequence[Page], embedder: DenseEmbedder) -> DocIndex:
        client = QdrantClient(":memory:")
        create_collection(client, COLLECTION)
        vectors = fill_collection(client, COLLECTION, pages, embedder)
        return cls(client, embedder, COLLECTION, vectors)

    def available(self) -> bool:
        """True when the collection (or alias) exists and holds points."""
        try:
            return self.client.count(self.collection, exact=False).count > 0
        except Exception:  # unreachable server, missing collection: both mean "not usable"
            return False

    def query(self, text: str, k: int = 3, mode: Mode = "fused") -> list[Hit]:
        """The ``k`` best sections for ``text``, best first, at most one hit per section."""
        if not text.strip() or k <= 0:
            return []
        dense = self.embedder.embed_one(text)
        keywords = sparse.query_vector(text)
        sparse_query = models.SparseVector(indices=keywords.indices, values=keywords.values)
        query: list[float] | models.SparseVector | models.FusionQuery
        using: str | None = None
        prefetch: list[models.Prefetch] | None = None
        if mode == "dense":
            query, using = dense.tolist(), DENSE
        elif mode == "sparse":
            if not keywords.indices:
                return []
            query, using = sparse_query, SPARSE
        else:
            prefetch = [models.Prefetch(query=dense.tolist(), using=DENSE, limit=PREFETCH)]
            if keywords.indices:
                prefetch.append(models.Prefetch(query=sparse_query, using=SPARSE, limit=PREFETCH))
            query = models.FusionQuery(fusion=models.Fusion.RRF)
        response = self.client.query_points(
            self.collection, query=query, using=using, prefetch=prefetch, limit=k * 3, with_payload=True,
            with_vectors=[DENSE] if self._vectors is None else False,
        )
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for point in response.points:
            payload = point.payload or {}
            section = (str(payload["page"]), str(payload["anchor"]))
            if section in seen:
                continue
            seen.add(section)
            similarity = self._similarity(dense, point)
            hits.append(
                Hit(
                    page=section[0],
                    page_title=str(payload["pageTitle"]),
                    heading=str(payload["heading"]),
                    anchor=section[1],
                    text=str(payload["text"]),
                    score=float(point.score),
                    similarity=round(similarity, 4),
                )
            )
            if len(hits) == k:
                break
        return hits

    def _similarity(self, query: Vectors, point: models.ScoredPoint) -> float:
        vector: object = None
        if self._vectors is not None:
            vector = self._vectors.get(str(point.id))
        elif isinstance(point.vector, dict):
            vector = point.vector.get(DENSE)
        if vector is None:
            return 0.0
        return float(query @ np.asarray(vector, dtype=np.float32))
