"""Answers without an LLM: the best retrieved passages, each under a citation of its page and heading."""

from __future__ import annotations

from collections.abc import Sequence

from maestro_mcp.rag.index import Hit

# A passage longer than this is cut at the line that crosses it: the answer should be read, not scrolled.
MAX_PASSAGE_WORDS = 140
# Passages after the first are kept only while they are about as close to the question as the best one;
# a far weaker second hit is usually about something else and would only dilute the answer.
KEEP_WITHIN = 0.12


def _trim(text: str, limit: int = MAX_PASSAGE_WORDS) -> str:
    lines = text.strip().splitlines()
    kept: list[str] = []
    words = 0
    for line in lines:
        n = len(line.split())
        if kept and words + n > limit:
            # A table cut mid-way is still a valid table; prose gets an ellipsis to show it goes on.
            kept.append("…" if not line.lstrip().startswith("|") else "| … |")
            break
        kept.append(line)
        words += n
    return "\n".join(kept)


def citation(hit: Hit) -> str:
    where = hit.page_title if hit.heading == hit.page_title else f"{hit.page_title} › {hit.heading}"
    return f"{where} (docs/{hit.link})"


def select_passages(hits: Sequence[Hit]) -> list[Hit]:
    if not hits:
        return []
    best = hits[0].similarity
    return [hits[0], *(h for h in hits[1:] if h.similarity >= best - KEEP_WITHIN)]


def compose_answer(question: str, hits: Sequence[Hit]) -> str:
    """A readable answer to ``question`` made of the retrieved passages (best first), each cited by page
    and heading. With no hits, says so and points at the documentation pages."""
    chosen = select_passages(hits)
    if not chosen:
        return (
            "I could not find anything about that in the Stori documentation. The guides cover the "
            "STORI PROMPT format, the tools, the DAW bridge, the streaming protocol and troubleshooting; "
            "try asking with the name of a feature or a tool."
        )
    intro = (
        "Here is what the Stori documentation says:"
        if len(chosen) > 1
        else "Here is the relevant part of the Stori documentation:"
    )
    parts = [intro]
    for hit in chosen:
        parts.append(f"**{citation(hit)}**\n{_trim(hit.text)}")
    return "\n\n".join(parts)
