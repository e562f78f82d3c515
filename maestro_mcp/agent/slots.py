"""Slots of the ordered rules (spec/intents.md §4.4) and the helpers that read track references.

A rule matches the lower-cased normalised text; its string slots are cut from the same span of the
case-preserving normalised text, so ``rename bass to Sub Bass`` names the track ``Sub Bass``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from maestro_mcp.daw.resolve import match_names
from maestro_mcp.music.theory import TheoryError, parse_key

from .intent_rules import EFFECT_CANONICAL, NAMED_CC, PAN_WORDS, PANELS

Slots = dict[str, Any]

PRONOUNS = frozenset({"it", "that", "this"})
# Words that never start or end a track reference found inside a sentence.
_STOPWORDS = frozenset({
    "the", "a", "an", "it", "this", "that", "make", "get", "more", "less", "too", "bit", "little", "and",
    "to", "of", "on", "in", "with", "all", "sound", "sounds", "some", "my", "our", "is", "are", "add", "lot",
    "so", "be", "but", "for", "at", "by", "up", "down", "please", "mix", "whole", "everything", "track",
    "tracks", "can", "you", "i", "me",
})  # fmt: skip
_UPPER_TOKENS = frozenset({"fx", "sfx", "dj", "tr"})
_LEADING_DETERMINER = re.compile(r"^(?:the|my|our|your)\s+")
_TRAILING_KIND = re.compile(r"\s+(?:track|tracks|region|regions|part|channel)$")


@dataclass(frozen=True, slots=True)
class Texts:
    """The normalised text twice: lower-cased (what rules match) and with its letter case kept."""

    norm: str
    cased: str

    def cut(self, m: re.Match[str], group: int | str) -> str | None:
        """The cased words of ``group`` of a match on ``norm`` (the two strings are aligned)."""
        start, end = m.span(group)
        if start < 0:
            return None
        return self.cased[start:end].strip() or None


def title_case(text: str) -> str:
    """Track-name casing of stori-prompt.md §7.1: each word (and hyphen part) capitalised, ``fx``,
    ``sfx``, ``dj`` and ``tr`` upper-cased, the rest of each word kept as written."""

    def word(w: str) -> str:
        if w.lower() in _UPPER_TOKENS:
            return w.upper()
        return "-".join(p[:1].upper() + p[1:] for p in w.split("-"))

    return " ".join(word(w) for w in text.split())


def clean_ref(text: str | None) -> str | None:
    """A track or region reference without its determiner or a trailing ``track``/``region``."""
    if text is None:
        return None
    ref = _LEADING_DETERMINER.sub("", text.strip())
    ref = _TRAILING_KIND.sub("", ref).strip()
    return ref or None


def is_pronoun(ref: str | None) -> bool:
    return ref is not None and ref.strip().lower() in PRONOUNS


def canonical_key(text: str) -> str | None:
    """``f#m`` → ``F#m``, ``a minor`` → ``Am`` (tools.md §3); None when it is no key."""
    try:
        return parse_key(text.strip()).name
    except TheoryError:
        return None


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _singular_plural(ref: str) -> list[str]:
    """The reference and its other grammatical number, so ``drum`` finds ``Drums`` and ``hats`` ``Hat``."""
    variants = [ref]
    low = ref.lower()
    variants.append(ref[:-1] if low.endswith("s") and len(ref) > 3 else ref + "s")
    return variants


def match_reference(ref: str, names: Sequence[str]) -> tuple[list[int], int]:
    """tools.md §2.4 name matching, retried with the other grammatical number when nothing matches."""
    for variant in _singular_plural(ref):
        hits, level = match_names(variant, names)
        if hits:
            return hits, level
    return [], 0


def names_in_text(text: str, names: Sequence[str]) -> list[int]:
    """Indices of the track names a sentence refers to (producer idioms, intents.md §4.6).

    Word runs of the text, longest first, are matched with the name rule at its first two levels (whole
    name, whole words): every name matched at the deciding level is kept, and the words used are not
    reused, so "synth bass" does not also pick the track "Bass".
    """
    words = re.findall(r"[\w&#'-]+", text.lower())
    used = [False] * len(words)
    found: list[int] = []
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            span = words[start : start + size]
            if any(used[start : start + size]) or span[0] in _STOPWORDS or span[-1] in _STOPWORDS:
                continue
            for variant in _singular_plural(" ".join(span)):
                hits, level = match_names(variant, names)
                if hits and level <= 2:
                    found.extend(i for i in hits if i not in found)
                    used[start : start + size] = [True] * size
                    break
    return sorted(found)


def mentions_pronoun(text: str) -> bool:
    return any(w in PRONOUNS for w in re.findall(r"[a-z]+", text.lower()))


_THE_TARGET = re.compile(r"\bthe (.+?)(?= (?:to|at|with|by|over|across|from|for|on|in|using)\b|$)")
_NOISE = re.compile(r"\b(?:to |at |with |by |of )?(?:1/\d+|\d+(?:\.\d+)? ?%)(?: grid| notes| swing)?")
_LEAD_PREPOSITIONS = re.compile(r"^(?:(?:to|on|in|for|of|from|the|all|every|some|notes)\s+)+")
_EVERYTHING = frozenset({"everything", "all", "all tracks", "every track", "the whole song", "the song"})


def target_of(texts: Texts, start: int = 0) -> str | None:
    """The thing a command acts on, from ``start`` in the text: ``the <name>`` first (intents.md §4.4),
    else the remaining words once grids, percentages and prepositions are taken off. ``None`` for
    "everything"/nothing, which the editing intents read as "every region"."""
    norm = texts.norm[start:]
    m = _THE_TARGET.search(norm)
    if m:
        ref = clean_ref(texts.cased[start + m.start(1) : start + m.end(1)])
    else:
        rest = _NOISE.sub(" ", norm)
        rest = " ".join(rest.split())
        rest = _LEAD_PREPOSITIONS.sub("", rest).strip()
        if not rest or len(rest.split()) > 4:
            return None
        begin = texts.norm.find(rest, start)
        ref = clean_ref(texts.cased[begin : begin + len(rest)] if begin >= 0 else rest)
    if ref is None or ref.lower() in _EVERYTHING:
        return None
    return ref


# -- per-rule slot builders (rule id -> builder) ---------------------------------------------------------

Builder = Callable[[re.Match[str], Texts, float], Slots]


def _r2(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    n = _number(m.group(2))
    if m.group(1) == "bar":
        return {"bar": n, "fromBeat": max(0.0, (n - 1) * bpb)}
    return {"fromBeat": n}


def _r4(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    return {m.group(3): _number(m.group(4))}


def _r5(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    return {"panel": PANELS[m.group(3)], "visible": m.group(1) in ("show", "open")}


def _r9(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    return {"key": canonical_key(m.group(5))}


def _r10(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    words = t.cut(m, 5)
    return {"name": title_case(words) if words else None}


def _r15(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    return {"track": clean_ref(t.cut(m, 3)), "deltaDb": 3.0 if m.group(4) in ("louder", "up") else -3.0}


def _r16(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    word = m.group(5)
    # "hard" doubles the side words (left -50 → hard left -100); a number is taken as written.
    pan = PAN_WORDS[word] * (2 if m.group(4) else 1) if word in PAN_WORDS else float(word)
    return {"track": clean_ref(t.cut(m, 2)), "pan": pan}


def _r19(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    effect = m.group(2)
    return {"effect": EFFECT_CANONICAL.get(effect, effect), "track": clean_ref(t.cut(m, 5))}


def _r20(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    words = t.cut(m, 5)
    return {"name": title_case(words) if words else "Bus"}


def _r23(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    grid = re.search(r"\b1/\d+\b", m.group(1))
    return {"grid": grid.group(0) if grid else None, "target": target_of(t, m.start(1))}


def _r24(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    pct = re.search(r"(\d+(?:\.\d+)?) ?%", m.group(2))
    return {"amount": float(pct.group(1)) / 100 if pct else None, "target": target_of(t, m.start(2))}


def _r28(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    word = m.group(2)
    number = re.match(r"cc ?(\d+)", word)
    cc = int(number.group(1)) if number else NAMED_CC[word]
    return {"cc": cc, "target": target_of(t)}


def _targeted(m: re.Match[str], t: Texts, bpb: float) -> Slots:
    return {"target": target_of(t)}


RULE_SLOTS: dict[str, Builder] = {
    "R1": lambda m, t, bpb: {},
    "R2": _r2,
    "R3": lambda m, t, bpb: {},
    "R4": _r4,
    "R5": _r5,
    "R6": lambda m, t, bpb: {"zoomPercent": _number(m.group(4))},
    "R7": lambda m, t, bpb: {"direction": m.group(1)},
    "R8": lambda m, t, bpb: {"tempo": _number(m.group("tempo"))},
    "R9": _r9,
    "R10": _r10,
    "R11": lambda m, t, bpb: {"track": clean_ref(t.cut(m, 2)), "name": t.cut(m, 4)},
    "R12": lambda m, t, bpb: {"track": clean_ref(t.cut(m, 3)), "muted": m.group(1) == "mute"},
    "R13": lambda m, t, bpb: {"track": clean_ref(t.cut(m, 3)), "solo": m.group(1) == "solo"},
    "R14": lambda m, t, bpb: {"track": clean_ref(t.cut(m, 2)), "volumeDb": float(m.group(5))},
    "R15": _r15,
    "R16": _r16,
    "R17": lambda m, t, bpb: {"track": clean_ref(t.cut(m, 2)), "icon": m.group(4)},
    "R18": lambda m, t, bpb: {"track": clean_ref(t.cut(m, 3)), "color": m.group(5)},
    "R19": _r19,
    "R20": _r20,
    "R21": lambda m, t, bpb: {"track": clean_ref(t.cut(m, 2)), "bus": clean_ref(t.cut(m, 4))},
    "R22": lambda m, t, bpb: {"target": clean_ref(t.cut(m, 7))},
    "R23": _r23,
    "R24": _r24,
    "R25": _targeted,
    "R26": _targeted,
    "R27": _targeted,
    "R28": _r28,
}
