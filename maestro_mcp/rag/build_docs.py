"""Refresh the generated documentation: ``docs/tools.md`` from the tool catalog, the packaged corpus copy
(``maestro_mcp/rag/corpus/``) from ``docs/``, and the packaged chunk vectors (``corpus/embeddings.json``).

    python -m maestro_mcp.rag.build_docs           # write
    python -m maestro_mcp.rag.build_docs --check   # exit 1 and list what is stale (CI, pre-commit)

Only meaningful in a checkout: an installed package has no ``docs/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from maestro_mcp.rag import corpus, vector_cache
from maestro_mcp.rag.embed import shared_embedder
from maestro_mcp.rag.gen_tool_docs import render_tool_reference
from maestro_mcp.rag.index import chunk_corpus

REPO_DOCS = Path(__file__).resolve().parents[2] / "docs"
TOOLS_PAGE = "tools.md"


def stale(docs_dir: Path = REPO_DOCS) -> list[str]:
    """What is out of date: ``docs/tools.md`` against the catalog, and corpus files against ``docs/``."""
    problems = []
    page = docs_dir / TOOLS_PAGE
    if not page.exists() or page.read_text(encoding="utf-8") != render_tool_reference():
        problems.append(f"docs/{TOOLS_PAGE} (differs from the tool catalog)")
    problems += [f"maestro_mcp/rag/corpus/{name} (differs from docs/)" for name in corpus.drift(docs_dir)]
    if missing_vectors():
        problems.append("maestro_mcp/rag/corpus/embeddings.json (misses chunks of the corpus)")
    return problems


def _chunk_texts() -> list[str]:
    return [c.embedding_text() for c in chunk_corpus(corpus.load_pages())]


def missing_vectors() -> list[str]:
    """Embedding texts of the packaged corpus that the packaged vector cache lacks."""
    cache = vector_cache.load()
    return [t for t in _chunk_texts() if vector_cache.text_key(t) not in cache]


def refresh_vectors() -> bool:
    """Rewrite the vector cache for the packaged corpus (unchanged chunks keep their vectors)."""
    texts = _chunk_texts()
    cache = vector_cache.load()
    keys = {vector_cache.text_key(t) for t in texts}
    if keys == set(cache) and vector_cache.CACHE_PATH.exists():
        return False
    vector_cache.write(texts, vector_cache.embed_cached(shared_embedder(), texts, cache))
    return True


def build(docs_dir: Path = REPO_DOCS) -> list[str]:
    """Write the tool page and sync the corpus; returns what changed."""
    changed = []
    page = docs_dir / TOOLS_PAGE
    text = render_tool_reference()
    if not page.exists() or page.read_text(encoding="utf-8") != text:
        page.write_text(text, encoding="utf-8")
        changed.append(f"docs/{TOOLS_PAGE}")
    changed += [f"maestro_mcp/rag/corpus/{name}" for name in corpus.sync(docs_dir)]
    if refresh_vectors():
        changed.append("maestro_mcp/rag/corpus/embeddings.json")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maestro_mcp.rag.build_docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="report stale files, change nothing")
    args = parser.parse_args(argv)
    if not REPO_DOCS.is_dir():
        print(f"no docs/ folder at {REPO_DOCS}: run this from a checkout", file=sys.stderr)
        return 2
    if args.check:
        problems = stale()
        for p in problems:
            print(f"stale: {p}", file=sys.stderr)
        return 1 if problems else 0
    for item in build():
        print(f"updated {item}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
