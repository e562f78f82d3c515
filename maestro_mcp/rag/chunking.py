"""Markdown pages -> retrieval chunks, one per section (## / ### heading), long sections in overlapping windows.

A chunk keeps its page, the heading it sits under, that heading's anchor (GitHub's slug rules, so
``page.md#anchor`` links work) and its Markdown text. What is embedded is the text prefixed with the page
title and the heading path: a short section such as "Seeds" means little without them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A window of about this many words fits the model's 256 word pieces with room for the heading prefix.
WINDOW_WORDS = 150
OVERLAP_WORDS = 40
# A section a little over one window stays whole rather than leaving a tiny second window.
SLACK_WORDS = 30

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Chunk:
    page: str  # page name: the file name without ".md"
    page_title: str  # the page's "# " heading
    heading: str  # the section's own heading; the page title for text before the first section
    anchor: str  # slug of that heading, "" for the page's lead text
    path: tuple[str, ...]  # enclosing headings below the title, outermost first, ending with ``heading``
    text: str  # Markdown of this window, heading line excluded
    part: int  # 0-based window number within the section

    @property
    def key(self) -> str:
        """Stable identity of the chunk, also used to derive its point id."""
        return f"{self.page}#{self.anchor}/{self.part}"

    def embedding_text(self) -> str:
        return f"{self.page_title} > {' > '.join(self.path)}\n{plain(self.text)}"

    def keyword_text(self) -> str:
        """Headings weigh in twice for keyword matching: they are the best summary a section has."""
        heads = " ".join(self.path)
        return f"{self.page_title} {heads} {heads}\n{self.text}"


def slugify(heading: str, seen: dict[str, int]) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, …"""
    text = re.sub(r"`|\*\*|__", "", heading).strip().lower()
    slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return slug if count == 0 else f"{slug}-{count}"


def plain(markdown: str) -> str:
    """Markdown with its table and code punctuation removed: the model spends word pieces on pipes."""
    text = re.sub(r"^\s*\|?\s*:?-{3,}.*$", " ", markdown, flags=re.MULTILINE)
    text = re.sub(r"[|`*#>]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _windows(words: list[str]) -> list[tuple[int, int]]:
    if len(words) <= WINDOW_WORDS + SLACK_WORDS:
        return [(0, len(words))]
    spans = []
    step = WINDOW_WORDS - OVERLAP_WORDS
    start = 0
    while True:
        end = min(start + WINDOW_WORDS, len(words))
        if len(words) - end <= SLACK_WORDS:
            end = len(words)
        spans.append((start, end))
        if end == len(words):
            return spans
        start += step


def _split_text(body: str) -> list[str]:
    """Windows of ``body`` by words, keeping line breaks (tables and lists stay readable)."""
    tokens = re.findall(r"\S+\s*", body)
    return ["".join(tokens[a:b]).strip() for a, b in _windows(tokens)]


def chunk_page(page: str, markdown: str) -> list[Chunk]:
    title = page
    sections: list[tuple[int, str, str, list[str]]] = []  # (level, heading, anchor, lines)
    seen: dict[str, int] = {}
    current: tuple[int, str, str, list[str]] = (1, "", "", [])
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            current[3].append(line)
            continue
        level, text = len(match.group(1)), match.group(2).strip()
        if level == 1 and title == page and not sections and not "".join(current[3]).strip():
            title = text
            continue
        sections.append(current)
        current = (level, text, slugify(text, seen), [])
    sections.append(current)

    chunks: list[Chunk] = []
    stack: list[tuple[int, str]] = []
    for level, heading, anchor, lines in sections:
        if heading:
            stack = [(lvl, h) for lvl, h in stack if lvl < level] + [(level, heading)]
        body = "\n".join(lines).strip()
        if not body:
            continue
        path = tuple(h for _, h in stack) or (title,)
        for part, text in enumerate(_split_text(body)):
            chunks.append(Chunk(page, title, heading or title, anchor, path, text, part))
    return chunks
