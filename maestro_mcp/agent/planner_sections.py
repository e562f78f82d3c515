"""Auto-sections of a composition (spec/stori-prompt.md §8.2): section words in ``Request`` and
``Form.structure`` → named sections of whole bars laid end to end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# (type, words, weight) in table order.
SECTION_TYPES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("intro", ("intro", "opening"), 0.15),
    ("verse", ("verse", "head", "theme", "riff", "recap", "exposition", "a-section"), 0.35),
    ("pre-chorus", ("pre-chorus", "prechorus"), 0.10),
    ("chorus", ("chorus", "drop", "hook", "refrain", "climax"), 0.30),
    ("bridge", ("bridge", "middle eight", "development", "b-section"), 0.10),
    ("breakdown", ("breakdown", "break", "stripped back", "stripped down"), 0.10),
    ("build", ("build", "buildup", "build-up", "builds up", "riser", "fill"), 0.15),
    ("solo", ("solo", "improv", "cadenza"), 0.25),
    ("interlude", ("interlude",), 0.10),
    ("groove", ("groove", "vamp"), 0.25),
    ("outro", ("outro", "coda", "fade-out", "tag", "ending", "closing"), 0.10),
)
_NUMBER_WORDS = {
    w: i for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"]
    )
}  # fmt: skip
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")[\s-]+bars?(?:\s+of)?\s+$"


@dataclass(frozen=True)
class Section:
    name: str | None  # the word that matched (or the prompt's Section); None = unnamed
    start_bar: int  # 0-based, from the resolved Position
    bars: int


def _word_pattern(word: str) -> re.Pattern[str]:
    body = r"[\s]+".join(re.escape(w) for w in word.split())
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)


def _scan_text(request: str, form: Any) -> str:
    structure: Any = None
    if isinstance(form, dict):
        structure = next((v for k, v in form.items() if str(k).strip().lower() == "structure"), None)
    elif isinstance(form, (str, list)):
        structure = form
    if isinstance(structure, list):
        structure = " - ".join(str(s) for s in structure)
    return request + ("\n" + str(structure) if structure else "")


def find_sections(request: str, form: Any) -> list[tuple[str, float, int | None]]:
    """(name, weight, explicit bar count) per section type found, in order of first occurrence."""
    text = _scan_text(request, form)
    found: list[tuple[int, str, float, int | None]] = []
    for _type, words, weight in SECTION_TYPES:
        first: tuple[int, str] | None = None
        count: int | None = None
        hits = sorted((m.start(), word) for word in words for m in _word_pattern(word).finditer(text))
        for start, word in hits:
            if first is None:
                first = (start, word)
            m = re.search(_COUNT, text[max(0, start - 24) : start], re.IGNORECASE)
            if m and count is None:
                value = m.group(1).lower()
                count = int(value) if value.isdigit() else _NUMBER_WORDS[value]
        if first is not None:
            found.append((first[0], first[1].lower(), weight, count if count else None))
    found.sort(key=lambda f: f[0])
    return [(name, weight, count) for _, name, weight, count in found]


def _share(total: int, weights: list[float]) -> list[int]:
    """Whole bars in proportion to the weights: rounded down, at least 1 each, remainders to the largest
    fractions (earlier on ties)."""
    if not weights:
        return []
    w_sum = sum(weights)
    exact = [total * w / w_sum for w in weights]
    counts = [max(1, int(x)) for x in exact]
    left = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for i in order:
        if left <= 0:
            break
        counts[i] += 1
        left -= 1
    return counts


def plan_sections(
    request: str, form: Any, bars: int, section: str | None, warnings: list[str]
) -> list[Section]:
    found = find_sections(request, form)
    if len(found) < 2:
        return [Section(section, 0, bars)]
    fixed = sum(c for _, _, c in found if c is not None)
    free = [i for i, (_, _, c) in enumerate(found) if c is None]
    shares = _share(max(bars - fixed, 0), [found[i][1] for i in free]) if free else []
    lengths = [c if c is not None else 0 for _, _, c in found]
    for i, n in zip(free, shares, strict=True):
        lengths[i] = n
    # The last section absorbs any difference; explicit counts beyond `bars` are cut from the end.
    diff = bars - sum(lengths)
    lengths[-1] += diff
    out: list[Section] = []
    start = 0
    for (name, _, _), n in zip(found, lengths, strict=True):
        n = min(n, bars - start)
        if n <= 0:
            warnings.append(f"section '{name}' does not fit in {bars} bars; dropped")
            continue
        out.append(Section(name, start, n))
        start += n
    if start < bars and out:  # a dropped tail left bars over: the last kept section takes them
        last = out[-1]
        out[-1] = Section(last.name, last.start_bar, last.bars + bars - start)
    return out
