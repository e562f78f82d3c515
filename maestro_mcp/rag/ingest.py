"""``maestro-mcp ingest-docs``: write the documentation index into the Qdrant server of ``STORI_QDRANT_URL``.

The new index is written to a fresh collection named after the corpus version and the ``stori_docs`` alias
is then switched to it in one operation, so servers reading the alias never see a half-filled index; older
versions are dropped afterwards. Re-running with unchanged docs only re-points the alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qdrant_client import QdrantClient, models

from maestro_mcp.config import Settings
from maestro_mcp.rag.corpus import Page, corpus_digest, load_pages
from maestro_mcp.rag.embed import DenseEmbedder, shared_embedder
from maestro_mcp.rag.index import COLLECTION, create_collection, fill_collection


@dataclass(frozen=True)
class IngestReport:
    collection: str  # the versioned collection the alias now points to
    chunks: int
    pages: int
    reused: bool  # the docs were unchanged: nothing was embedded
    dropped: tuple[str, ...]  # older versions removed

    def describe(self) -> str:
        """One line for the command's output."""
        action = "already held" if self.reused else "indexed"
        return f"{action} {self.pages} pages as {self.chunks} chunks in {self.collection} (alias {COLLECTION})"


def ingest_into(client: QdrantClient, pages: list[Page] | None = None,
                embedder: DenseEmbedder | None = None) -> IngestReport:
    pages = load_pages() if pages is None else pages
    target = f"{COLLECTION}-{corpus_digest(pages)}"
    existing = {c.name for c in client.get_collections().collections}
    if COLLECTION in existing:
        raise RuntimeError(f"a collection named {COLLECTION!r} exists where the alias should be; drop it first")
    reused = target in existing and client.count(target, exact=True).count > 0
    if reused:
        chunks = client.count(target, exact=True).count
    else:
        if target in existing:
            client.delete_collection(target)
        create_collection(client, target)
        chunks = len(fill_collection(client, target, pages, embedder or shared_embedder()))
    client.update_collection_aliases(
        change_aliases_operations=[
            models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=COLLECTION)),
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=target, alias_name=COLLECTION)
            ),
        ]
        if any(a.alias_name == COLLECTION for a in client.get_aliases().aliases)
        else [
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=target, alias_name=COLLECTION)
            )
        ]
    )
    stale = tuple(sorted(n for n in existing if n.startswith(f"{COLLECTION}-") and n != target))
    for name in stale:
        client.delete_collection(name)
    return IngestReport(target, chunks, len(pages), reused, stale)


def ingest(settings: Settings, docs_dir: Path | None = None) -> IngestReport:
    """Fill the server named by ``settings.qdrant_url`` from the packaged docs, or from the Markdown pages
    of ``docs_dir`` (the command's optional PATH). Raises ``ValueError`` when no server is configured or
    the folder holds no page."""
    if not settings.qdrant_url:
        raise ValueError("STORI_QDRANT_URL is not set: ingest-docs writes to a Qdrant server")
    pages = load_pages(docs_dir) if docs_dir is not None else load_pages()
    if not pages:
        raise ValueError(f"no Markdown pages in {docs_dir}")
    client = QdrantClient(url=settings.qdrant_url, timeout=30, check_compatibility=False)
    try:
        return ingest_into(client, pages)
    finally:
        client.close()
