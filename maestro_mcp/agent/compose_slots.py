"""Slots of a natural-language composition request on the deterministic path (spec/intents.md §5):
tempo, key, bars, style and roles, turned into the fields of a STORI PROMPT for the planner.

Instruments come from the §7.2 table in ``maestro_mcp.daw.instruments`` and styles from the §7.4 table
in ``maestro_mcp.music.styles``; neither table is repeated here.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from maestro_mcp.daw.instruments import Instrument, match_instrument
from maestro_mcp.daw.model import Project
from maestro_mcp.music.styles import PROFILES_BY_ID, StyleProfile, match_style

from .slots import canonical_key

DEFAULT_BARS = 4
DEFAULT_TEMPO = 120.0
TEMPO_RANGE = (40, 240)
BARS_RANGE = (1, 128)
# The words a request uses for a whole drum part (§5: beat, drum loop, drum pattern → drums).
_DRUM_WORDS = frozenset({"beat", "beats", "drum", "kit"})
_MAX_PHRASE_WORDS = 3

_TEMPO_BPM = re.compile(r"\b(\d{2,3}) ?bpm\b")
_TEMPO_AT = re.compile(r"\bat (\d{2,3})\b")
_BARS = re.compile(r"\b(\d{1,3})[ -]?bars?\b")
# Key after "in" (§5); also after "key of" and with a mode name (extension: "in the key of D dorian").
_KEY = re.compile(
    r"\b(?:in|key of) ([a-g])([#b]?)(?: ?(m|min|minor|maj|major|dorian|phrygian|lydian|mixolydian|locrian|aeolian|ionian))?"
    r"(?![\w#])"
)


class CompositionSlots(BaseModel):
    """What the deterministic planner needs from a plain-English composition request."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    style: str  # style text for the generators ("lofi", "melodic techno"); "generic" when none found
    style_profile: str  # matched profile id of stori-prompt.md §7.4
    style_found: bool
    key: str
    key_source: Literal["text", "project", "default"]
    tempo: float
    tempo_source: Literal["text", "style", "project"]
    bars: int
    bars_source: Literal["text", "default"]
    roles: list[str] = Field(default_factory=list)  # role texts as STORI PROMPT Role items
    roles_source: Literal["text", "style"] = "style"
    request: str

    def prompt_fields(self) -> dict[str, Any]:
        """The slots as the routing fields of a ``Mode: compose`` STORI PROMPT (stori-prompt.md §3)."""
        fields: dict[str, Any] = {
            "Mode": "compose",
            "Key": self.key,
            "Tempo": self.tempo,
            "Role": list(self.roles),
            "Constraints": {"bars": self.bars},
            "Request": self.request,
        }
        if self.style_found:
            fields["Style"] = self.style
        return fields


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[\w&#-]+", text)]


def _exact_phrase(words: list[str]) -> Instrument | None:
    """The table row when these words are themselves one phrase of the table.

    ``match_instrument`` answers for the longest phrase the text *contains*. The shorter runs (without
    the first word, without the last) hold every other phrase the words contain; asked together, kept
    apart by a comma, they give the same answer unless the whole run is a phrase of its own. (A phrase
    whose shorter runs give its very row, "electric bass", is then read as "bass": same instrument.)
    """
    inst = match_instrument(" ".join(words))
    if inst is None or len(words) == 1:
        return inst
    rest = match_instrument(" , ".join((" ".join(words[1:]), " ".join(words[:-1]))))
    return inst if rest != inst else None


def _phrase_at(words: list[str]) -> tuple[int, Instrument, str] | None:
    """Longest phrase starting at ``words[0]`` (also in the plural: ``hi-hats``): (size, row, text)."""
    for size in range(min(_MAX_PHRASE_WORDS, len(words)), 0, -1):
        span = words[:size]
        inst = _exact_phrase(span)
        if inst is None and span[-1].endswith("s") and len(span[-1]) > 3:
            inst = _exact_phrase([*span[:-1], span[-1][:-1]])
        if inst is not None:
            return size, inst, " ".join(span)
    return None


def instrument_phrases(text: str) -> list[tuple[str, Instrument]]:
    """Instrument phrases of the §7.2 table found in ``text``, in order, each with its row."""
    # "hi hat" is as common as the table's "hi-hat"/"hihat".
    lowered = re.sub(r"\bhi hat", "hi-hat", text.lower())
    words = [w for _, _, w in _words(lowered)]
    found: list[tuple[str, Instrument]] = []
    i, last_end = 0, -1
    while i < len(words):
        hit = _phrase_at(words[i:])
        if hit is None:
            i += 1
            continue
        size, inst, phrase = hit
        if found and last_end == i and found[-1][1] == inst:
            # Adjacent words of one row name one instrument ("synth pad", "drum kit").
            found[-1] = (f"{found[-1][0]} {phrase}", inst)
        else:
            found.append((phrase, inst))
        i += size
        last_end = i
    return found


def role_text(phrase: str, inst: Instrument) -> str:
    """The STORI PROMPT Role item for a found phrase: whole-kit words become ``drums``."""
    if inst.program is None and (phrase in _DRUM_WORDS or phrase.split()[0] in {"drum", "beat"}):
        return "drums"
    return phrase


def _style(norm: str) -> tuple[StyleProfile, str, tuple[int, int] | None]:
    """The profile of the first §7.4 keyword found, the style text, and where the keyword stands."""
    matched = match_style(norm)
    if matched.warning is not None:  # no keyword: aliases and near misses do not count here
        return PROFILES_BY_ID["generic"], "generic", None
    profile = matched.profile
    span = None
    for kw in profile.keywords:
        pattern = r"[\s_-]+".join(re.escape(w) for w in kw.split())
        m = re.search(rf"(?<![\w&]){pattern}(?![\w&])", norm)
        if m:
            span = m.span()
            break
    style = profile.id
    if profile.variant:
        # The variant name alone may not select its profile again ("chill"), so keep the id with it.
        alone = match_style(profile.variant)
        same = alone.warning is None and alone.profile.id == profile.id
        style = profile.variant if same else f"{profile.variant} {profile.id}"
    return profile, style, span


def _key(norm: str, original: str) -> str | None:
    for m in _KEY.finditer(norm):
        root, accidental, quality = m.group(1), m.group(2), m.group(3)
        # "in a" is usually the article ("in a lofi style"): a lower-case bare "a" counts only when the
        # text ends there; written "A", or with an accidental or a quality, it is a key.
        written = original[m.start(1) : m.end(1)] if len(original) == len(norm) else root
        if root == "a" and not accidental and not quality and written == "a" and norm[m.end() :].strip():
            continue
        key = canonical_key(f"{root}{accidental} {quality}" if quality else f"{root}{accidental}")
        if key is not None:
            return key
    return None


def composition_slots(text: str, project: Project | None = None) -> CompositionSlots:
    """§5 slots of ``text`` (the request as typed) against ``project`` (defaults when None)."""
    original = " ".join(text.split())
    norm = original.lower()
    profile, style, style_span = _style(norm)

    tempo: float | None = None
    for pattern in (_TEMPO_BPM, _TEMPO_AT):
        for m in pattern.finditer(norm):
            value = int(m.group(1))
            if TEMPO_RANGE[0] <= value <= TEMPO_RANGE[1]:
                tempo = float(value)
                break
        if tempo is not None:
            break
    tempo_source: Literal["text", "style", "project"] = "text"
    if tempo is None:
        if style_span is not None and (project is None or not project.tracks):
            tempo, tempo_source = float(profile.tempo), "style"
        else:
            tempo, tempo_source = (project.tempo if project else DEFAULT_TEMPO), "project"

    key = _key(norm, original)
    key_source: Literal["text", "project", "default"] = "text"
    if key is None:
        key, key_source = (project.key, "project") if project and project.key else ("C", "default")

    bars, bars_source = DEFAULT_BARS, "default"
    for m in _BARS.finditer(norm):
        if BARS_RANGE[0] <= int(m.group(1)) <= BARS_RANGE[1]:
            bars, bars_source = int(m.group(1)), "text"
            break

    # The style keyword's own words are not instruments ("drum and bass", "brass band").
    scan = norm if style_span is None else norm[: style_span[0]] + " , " + norm[style_span[1] :]
    roles: list[str] = []
    for phrase, inst in instrument_phrases(scan):
        role = role_text(phrase, inst)
        if role not in roles:
            roles.append(role)
    roles_source: Literal["text", "style"] = "text" if roles else "style"
    if not roles:
        roles = list(profile.default_roles)

    return CompositionSlots(
        style=style,
        style_profile=profile.id,
        style_found=style_span is not None,
        key=key,
        key_source=key_source,
        tempo=tempo,
        tempo_source=tempo_source,
        bars=bars,
        bars_source="text" if bars_source == "text" else "default",
        roles=roles,
        roles_source=roles_source,
        request=text.strip(),
    )
