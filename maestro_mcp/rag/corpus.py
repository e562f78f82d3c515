"""The documentation corpus: the pages of ``docs/``, shipped inside the package as ``rag/corpus/*.md``.

Why a copy: an installed wheel has no ``docs/`` folder, and the server must answer from the same pages a
reader of the repository sees. The copy is plain package data (one code path at run time, in a checkout and
installed alike); ``python -m maestro_mcp.rag.build_docs`` refreshes it, and a test fails whenever it
differs from ``docs/``, so it cannot go stale unnoticed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).parent / "corpus"
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Page:
    name: str  # file name without ".md": "stori-prompt-guide"
    title: str  # its "# " heading
    text: str  # the Markdown

    @property
    def file_name(self) -> str:
        return f"{self.name}.md"


def _read(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    match = _TITLE.search(text)
    return Page(path.stem, match.group(1) if match else path.stem, text)


def load_pages(directory: Path = CORPUS_DIR) -> list[Page]:
    """Every page, sorted by name."""
    return [_read(p) for p in sorted(directory.glob("*.md"))]


def get_page(name: str, directory: Path = CORPUS_DIR) -> Page | None:
    """One page by name (with or without ".md"), or None. Names are file names, never paths."""
    stem = name.removesuffix(".md")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", stem):
        return None
    path = directory / f"{stem}.md"
    return _read(path) if path.is_file() else None


def corpus_digest(pages: list[Page]) -> str:
    """Identifies a corpus version: the in-memory index is rebuilt, and ``ingest-docs`` re-fills a server,
    only when this changes."""
    h = hashlib.sha256()
    for page in pages:
        h.update(page.name.encode())
        h.update(b"\0")
        h.update(page.text.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def drift(docs_dir: Path, corpus_dir: Path = CORPUS_DIR) -> list[str]:
    """File names that differ between ``docs_dir`` and the packaged copy (missing on either side included)."""
    docs = {p.name: p.read_bytes() for p in docs_dir.glob("*.md")}
    packaged = {p.name: p.read_bytes() for p in corpus_dir.glob("*.md")}
    return sorted(n for n in docs.keys() | packaged.keys() if docs.get(n) != packaged.get(n))


def sync(docs_dir: Path, corpus_dir: Path = CORPUS_DIR) -> list[str]:
    """Make the packaged copy equal to ``docs_dir``; returns the file names changed."""
    changed = drift(docs_dir, corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for name in changed:
        source = docs_dir / name
        target = corpus_dir / name
        if source.exists():
            target.write_bytes(source.read_bytes())
        else:
            target.unlink()
    return changed
