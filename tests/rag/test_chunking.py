from __future__ import annotations

import itertools

from maestro_mcp.rag.chunking import OVERLAP_WORDS, WINDOW_WORDS, chunk_page, plain, slugify
from maestro_mcp.rag.corpus import load_pages
from maestro_mcp.rag.sparse import terms

PAGE = """# Mixing guide

Lead text before any section.

## Buses and sends

Create the bus first.

### Send levels

Default level is -10.5 dB.

## Code

```
# not a heading inside a fence
```

## Buses and sends

A second section with the same heading.
"""


def test_sections_become_chunks_with_page_heading_anchor_and_path() -> None:
    chunks = chunk_page("mixing", PAGE)
    assert [(c.heading, c.anchor) for c in chunks] == [
        ("Mixing guide", ""),
        ("Buses and sends", "buses-and-sends"),
        ("Send levels", "send-levels"),
        ("Code", "code"),
        ("Buses and sends", "buses-and-sends-1"),
    ]
    assert all(c.page == "mixing" and c.page_title == "Mixing guide" for c in chunks)
    assert chunks[2].path == ("Buses and sends", "Send levels")
    assert chunks[2].text == "Default level is -10.5 dB."
    # A "#" line inside a code fence is code, not a heading.
    assert "# not a heading inside a fence" in chunks[3].text
    assert chunks[2].embedding_text().startswith("Mixing guide > Buses and sends > Send levels\n")


def test_long_sections_split_into_overlapping_windows() -> None:
    words = [f"w{i}" for i in range(400)]
    chunks = chunk_page("long", "# Long\n\n## Part\n\n" + " ".join(words))
    assert len(chunks) > 1
    assert {c.heading for c in chunks} == {"Part"} and [c.part for c in chunks] == list(range(len(chunks)))
    spans = [c.text.split() for c in chunks]
    assert spans[0][0] == "w0" and spans[-1][-1] == "w399"
    for before, after in itertools.pairwise(spans):
        assert len(before) <= WINDOW_WORDS + 30
        assert before[-OVERLAP_WORDS:] == after[:OVERLAP_WORDS]  # consecutive windows overlap
    covered = {w for span in spans for w in span}
    assert covered == set(words)


def test_slugs_follow_github_rules() -> None:
    seen: dict[str, int] = {}
    assert slugify("Role: choosing instruments", seen) == "role-choosing-instruments"
    assert slugify("`stori_add_send`", seen) == "stori_add_send"
    assert slugify("Beats, bars and time signatures", seen) == "beats-bars-and-time-signatures"
    assert slugify("Role: choosing instruments", seen) == "role-choosing-instruments-1"


def test_plain_drops_table_punctuation() -> None:
    assert plain("| a | b |\n| --- | --- |\n| `x` | **y** |") == "a b x y"


def test_keyword_terms_keep_identifiers_whole_and_split() -> None:
    found = terms("Call stori_add_send; set STORI_QDRANT_URL. Tracks and sends!")
    assert "stori_add_send" in found and "add" in found and "send" in found
    assert "stori_qdrant_url" in found and "qdrant" in found
    assert "track" in found and "and" not in found


def test_packaged_corpus_chunks_fit_the_model() -> None:
    for page in load_pages():
        chunks = chunk_page(page.name, page.text)
        assert chunks, page.name
        assert all(c.text.strip() for c in chunks)
        assert all(len(c.text.split()) <= WINDOW_WORDS + 30 for c in chunks)
