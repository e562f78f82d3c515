"""The documentation corpus: the generated tool page matches the catalog, the packaged copy matches docs/,
the packaged vectors cover every chunk, and the package data declared in pyproject ships all of it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from maestro_mcp.rag import build_docs, vector_cache
from maestro_mcp.rag.corpus import CORPUS_DIR, corpus_digest, drift, get_page, load_pages
from maestro_mcp.rag.gen_tool_docs import render_tool_reference
from maestro_mcp.rag.index import chunk_corpus
from maestro_mcp.tools.catalog import CATALOG

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FIX = "run `python -m maestro_mcp.rag.build_docs`"


def test_tool_page_is_generated_from_the_catalog() -> None:
    assert (DOCS / "tools.md").read_text(encoding="utf-8") == render_tool_reference(), FIX


def test_tool_page_covers_every_tool_and_visible_parameter() -> None:
    page = render_tool_reference()
    for spec in CATALOG:
        assert f"\n### {spec.name}\n" in page
        section = page.split(f"\n### {spec.name}\n", 1)[1].split("\n### ", 1)[0]
        for param in spec.params:
            assert (f"`{param.name}`" in section) != param.hidden, (spec.name, param.name)
        if spec.alias_of:
            assert f"Alias of `{spec.alias_of}`" in section


def test_packaged_corpus_equals_docs() -> None:
    assert drift(DOCS) == [], FIX
    assert not build_docs.stale(), FIX


def test_packaged_vectors_cover_the_corpus() -> None:
    cache = vector_cache.load()
    texts = [c.embedding_text() for c in chunk_corpus(load_pages())]
    missing = [t.splitlines()[0] for t in texts if vector_cache.text_key(t) not in cache]
    assert not missing, f"{FIX}; chunks without vectors: {missing[:5]}"


def test_pages_have_titles_and_are_found_by_name() -> None:
    pages = load_pages()
    names = {p.name for p in pages}
    assert {"concepts", "stori-prompt-guide", "tools", "sse-protocol", "daw-bridge", "troubleshooting"} <= names
    for page in pages:
        assert page.text.startswith(f"# {page.title}\n"), page.name
    found = get_page("concepts.md")
    assert found is not None and found.title == "Concepts"
    assert get_page("../pyproject") is None and get_page("missing") is None
    assert len(corpus_digest(pages)) == 16


def test_package_data_ships_the_corpus_and_the_tokenizer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["maestro_mcp"]
    package = ROOT / "maestro_mcp"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    needed = [p for d in (CORPUS_DIR, package / "rag" / "model") for p in d.iterdir() if p.is_file()]
    assert needed and not [str(p.relative_to(package)) for p in needed if p not in shipped]
