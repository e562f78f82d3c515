"""Fused retrieval over the packaged docs: the question set's recall, the async search API, answers without
an LLM, ingest into a Qdrant collection behind an alias, and the fallback when the server is unreachable."""

from __future__ import annotations

import socket
from pathlib import Path

import anyio
import pytest
import yaml
from qdrant_client import QdrantClient

from maestro_mcp.config import Settings
from maestro_mcp.rag import compose_answer
from maestro_mcp.rag.corpus import Page, load_pages
from maestro_mcp.rag.index import COLLECTION, DocIndex, Hit
from maestro_mcp.rag.ingest import ingest, ingest_into
from maestro_mcp.rag.search import DocSearch, is_relevant, search

QUESTIONS = yaml.safe_load(Path(__file__).with_name("questions.yaml").read_text(encoding="utf-8"))


def _found(hits: list[Hit], answers: list[list[str]]) -> bool:
    return any([h.page, h.heading] in answers for h in hits)


def test_question_set_is_large_and_points_at_real_sections(doc_index: DocIndex) -> None:
    assert len(QUESTIONS) >= 40
    from maestro_mcp.rag.index import chunk_corpus

    sections = {(c.page, c.heading) for c in chunk_corpus(load_pages())}
    for item in QUESTIONS:
        for page, heading in item["a"]:
            assert (page, heading) in sections, f"{item['q']!r} names a missing section {page} / {heading}"


def test_fused_recall_at_3(doc_index: DocIndex) -> None:
    misses = [item["q"] for item in QUESTIONS if not _found(doc_index.query(item["q"], 3), item["a"])]
    recall = 1 - len(misses) / len(QUESTIONS)
    assert recall >= 0.9, f"recall@3 {recall:.3f}; missed: {misses}"


def test_hits_are_distinct_sections_with_citations(doc_index: DocIndex) -> None:
    hits = doc_index.query("how do I add a reverb send?", k=3)
    assert len(hits) == 3
    assert len({(h.page, h.anchor) for h in hits}) == 3
    assert hits == sorted(hits, key=lambda h: -h.score)
    for hit in hits:
        assert hit.text and hit.heading and -1.0 <= hit.similarity <= 1.0
        assert hit.link.startswith(f"{hit.page}.md")
    assert doc_index.query("   ", k=3) == [] and doc_index.query("reverb", k=0) == []
    # camelCase out, as everything crossing a boundary.
    assert "pageTitle" in hits[0].model_dump(by_alias=True)


@pytest.mark.anyio
async def test_async_search_runs_off_the_event_loop(doc_index: DocIndex) -> None:
    with anyio.fail_after(30):
        results = await search("What does Position before chorus - 4 mean?", k=2)
        concurrent: list[list[Hit]] = []

        async def one(q: str) -> None:
            concurrent.append(await DocSearch().search(q))

        async with anyio.create_task_group() as tg:
            for q in ("mute a track", "Cursor has too many tools", "what is a variation"):
                tg.start_soon(one, q)
    assert len(results) == 2 and results[0].page == "stori-prompt-guide"
    assert len(concurrent) == 3 and all(len(r) == 3 for r in concurrent)


def test_relevance_separates_doc_questions_from_general_ones(doc_index: DocIndex) -> None:
    assert is_relevant(doc_index.query("How do I mute a track?", 1)[0])
    assert not is_relevant(doc_index.query("What is the capital of France?", 1)[0])


def test_compose_answer_cites_page_and_heading(doc_index: DocIndex) -> None:
    question = "How do I add a reverb send to my drums?"
    hits = doc_index.query(question, 3)
    answer = compose_answer(question, hits)
    assert answer.startswith("Here is")
    best = hits[0]
    assert f"docs/{best.link}" in answer and best.heading in answer
    assert best.text.split()[0] in answer
    assert "could not find" in compose_answer("anything", [])


def test_compose_answer_trims_long_passages_and_drops_weak_ones() -> None:
    def hit(heading: str, similarity: float, text: str) -> Hit:
        return Hit(page="p", page_title="Page", heading=heading, anchor=heading.lower(), text=text, score=0.1,
                   similarity=similarity)

    long_text = "\n".join(f"line {i} " + "word " * 20 for i in range(30))
    answer = compose_answer("q", [hit("Best", 0.7, long_text), hit("Close", 0.65, "close"), hit("Far", 0.3, "far")])
    assert "Page › Best (docs/p.md#best)" in answer and "Close" in answer and "Far" not in answer
    assert "…" in answer and len(answer.split()) < 200


def _pages() -> list[Page]:
    return [
        Page("alpha", "Alpha", "# Alpha\n\n## Reverb sends\n\nSend a track to the Reverb bus.\n"),
        Page("beta", "Beta", "# Beta\n\n## Tempo\n\nSet the tempo in BPM.\n"),
    ]


def test_ingest_fills_a_versioned_collection_behind_the_alias() -> None:
    client = QdrantClient(":memory:")
    first = ingest_into(client, _pages())
    assert first.chunks == 2 and not first.reused and first.collection.startswith(f"{COLLECTION}-")
    index = DocIndex(client, DocSearch().index().embedder, COLLECTION)
    assert index.available()
    hit = index.query("how do I send to the reverb bus", 1)[0]
    assert (hit.page, hit.heading) == ("alpha", "Reverb sends") and hit.similarity > 0.3

    again = ingest_into(client, _pages())
    assert again.reused and again.collection == first.collection
    changed = ingest_into(client, [*_pages(), Page("gamma", "Gamma", "# Gamma\n\n## Keys\n\nSet the key.\n")])
    assert changed.collection != first.collection and changed.dropped == (first.collection,)
    assert {c.name for c in client.get_collections().collections} == {changed.collection}
    assert DocIndex(client, index.embedder, COLLECTION).query("set the key", 1)[0].page == "gamma"


def test_ingest_needs_a_server_url() -> None:
    with pytest.raises(ValueError, match="STORI_QDRANT_URL"):
        ingest(Settings(qdrant_url=None))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.anyio
async def test_unreachable_qdrant_server_falls_back_to_memory(doc_index: DocIndex) -> None:
    searcher = DocSearch(Settings(qdrant_url=f"http://127.0.0.1:{_closed_port()}"))
    with anyio.fail_after(30):
        hits = await searcher.search("How do I mute a track?")
    assert hits and hits[0].heading == "stori_mute_track"
    assert searcher.index() is doc_index
