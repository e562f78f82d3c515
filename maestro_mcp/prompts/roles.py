"""Role resolution (stori-prompt.md §7.1): a Role item → generator role, instrument, icon and track name.

The instrument table of §7.2 lives in ``daw.instruments`` (track creation infers voices from it too); this
module adds what only prompts need: track names and their de-duplication within one request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from maestro_mcp.daw.instruments import DEFAULT_ICON, DRUM_ICON, match_instrument

_UPPER_TOKENS = frozenset({"fx", "sfx", "dj", "tr"})
_TOKEN = re.compile(r"[^\s\-]+")


class ResolvedRole(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    text: str  # the Role item as written (whitespace collapsed)
    track_name: str
    generator_role: str  # drums, bass, chords, pads, lead, arp, melody or fx
    gm_program: int | None  # None for drum roles: the kit comes from the style profile (§7.4)
    is_drums: bool
    icon: str
    matched: bool  # False when no table phrase matched (melody, program 0, music.note)


def track_name(text: str) -> str:
    """The role text with each word capitalised; ``fx``/``sfx``/``dj``/``tr`` upper-cased; digits kept.
    Hyphen-joined parts count as words (``tr-808`` → ``TR-808``)."""

    def word(m: re.Match[str]) -> str:
        token = m.group(0)
        return token.upper() if token.lower() in _UPPER_TOKENS else token[:1].upper() + token[1:]

    return _TOKEN.sub(word, " ".join(text.split()))


def resolve_role(text: str) -> ResolvedRole:
    clean = " ".join(text.split())
    instrument = match_instrument(clean)
    if instrument is None:
        return ResolvedRole(text=clean, track_name=track_name(clean), generator_role="melody", gm_program=0,
                            is_drums=False, icon=DEFAULT_ICON, matched=False)  # fmt: skip
    is_drums = instrument.program is None
    return ResolvedRole(
        text=clean,
        track_name=track_name(clean),
        generator_role=instrument.role,
        gm_program=instrument.program,
        is_drums=is_drums,
        icon=DRUM_ICON if is_drums else instrument.icon,
        matched=True,
    )


def resolve_roles(texts: Sequence[str]) -> list[ResolvedRole]:
    """Resolve every Role item in order; a name already used in this request gets `` 2``, `` 3``…
    (compared case-insensitively, as track reuse is)."""
    used: set[str] = set()
    out: list[ResolvedRole] = []
    for text in texts:
        role = resolve_role(text)
        name, n = role.track_name, 1
        while name.casefold() in used:
            n += 1
            name = f"{role.track_name} {n}"
        used.add(name.casefold())
        out.append(role if name == role.track_name else role.model_copy(update={"track_name": name}))
    return out
