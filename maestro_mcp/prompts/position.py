"""Position: where new material starts (stori-prompt.md §4). ``parse_position`` reads the grammar of §4.1
into a ``Position``; ``resolve_position`` turns it into a beat against a project (§4.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from maestro_mcp.daw.model import Project, Region
from maestro_mcp.daw.resolve import match_names

Anchor = Literal["last", "after", "before", "alongside", "between", "within", "bar", "beat"]

_NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
# The sign must follow a space or a digit so that a hyphenated name ("pre-chorus", "verse-2") is never
# read as an offset.
_OFFSET = re.compile(rf"(?:(?<=\s)|(?<=\d))([+-])\s*({_NUM})\s*(beats?|bars?)?$", re.IGNORECASE)
_LAST = re.compile(r"last", re.IGNORECASE)
_REF = re.compile(r"(after|before|alongside)\s+(\S.*)", re.IGNORECASE)
_BETWEEN = re.compile(r"between\s+(\S.*)", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_WITHIN = re.compile(r"within\s+(\S.*?)\s+bar\s+(\d+)", re.IGNORECASE)
_BAR = re.compile(r"(?:at\s+)?bar\s+(\d+)", re.IGNORECASE)
_BEAT = re.compile(rf"(?:at\s+)?(?:beat\s+)?({_NUM})", re.IGNORECASE)

GRAMMAR_HINT = (
    "use last, after/before/alongside <name>, between <name> and <name>, within <name> bar <n>, "
    "bar <n> or a beat number, optionally followed by + or - <n> beats/bars"
)


class PositionError(ValueError):
    """Text that does not fit the Position grammar."""


class Position(BaseModel):
    """A parsed Position. ``ref``/``ref2`` keep the text as written (matching is case-insensitive)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    text: str
    anchor: Anchor
    ref: str | None = None
    ref2: str | None = None  # the second reference of ``between``
    bar: int | None = None  # ``bar N`` and ``within X bar N``
    beat: float | None = None  # absolute ``beat n`` / ``at n`` / ``n``
    offset: float = 0.0  # signed
    offset_unit: Literal["beats", "bars"] = "beats"

    def offset_beats(self, beats_per_bar: float) -> float:
        return self.offset * beats_per_bar if self.offset_unit == "bars" else self.offset


def parse_position(text: str) -> Position:
    """Read ``text`` with the grammar of §4.1; raises PositionError when it does not fit."""
    clean = " ".join(str(text).split())
    if not clean:
        raise PositionError("Position is empty")
    offset, unit = 0.0, "beats"
    anchor_text = clean
    m = _OFFSET.search(clean)
    if m:
        amount = float(m.group(2))
        offset = -amount if m.group(1) == "-" else amount
        unit = "bars" if (m.group(3) or "").lower().startswith("bar") else "beats"
        anchor_text = clean[: m.start()].strip()
    extra = {"text": clean, "offset": offset, "offset_unit": unit}

    if _LAST.fullmatch(anchor_text):
        return Position(anchor="last", **extra)  # type: ignore[arg-type]
    if m := _WITHIN.fullmatch(anchor_text):
        return Position(anchor="within", ref=m.group(1), bar=_bar_number(m.group(2), clean), **extra)  # type: ignore[arg-type]
    if m := _REF.fullmatch(anchor_text):
        return Position(anchor=m.group(1).lower(), ref=m.group(2), **extra)  # type: ignore[arg-type]
    if m := _BETWEEN.fullmatch(anchor_text):
        first, second = _split_between(m.group(1), clean)
        return Position(anchor="between", ref=first, ref2=second, **extra)  # type: ignore[arg-type]
    if m := _BAR.fullmatch(anchor_text):
        return Position(anchor="bar", bar=_bar_number(m.group(1), clean), **extra)  # type: ignore[arg-type]
    if m := _BEAT.fullmatch(anchor_text):
        return Position(anchor="beat", beat=float(m.group(1)), **extra)  # type: ignore[arg-type]
    raise PositionError(f"Position '{clean}' is not a position ({GRAMMAR_HINT})")


def _bar_number(digits: str, clean: str) -> int:
    number = int(digits)
    if number < 1:
        raise PositionError(f"Position '{clean}' is not a position (bars are numbered from 1)")
    return number


def _split_between(rest: str, clean: str) -> tuple[str, str]:
    # "and" separates multi-word references; without it the split is at the first space (§4.1).
    parts = _AND.split(rest, maxsplit=1)
    if len(parts) == 1:
        parts = rest.split(" ", 1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise PositionError(f"Position '{clean}' is not a position (between needs two names)")
    return parts[0].strip(), parts[1].strip()


@dataclass(slots=True)
class ResolvedPosition:
    beat: float
    warnings: list[str] = field(default_factory=list)


def regions_matching(project: Project, ref: str) -> list[Region]:
    """The regions a reference names (§4.2): the name-matching rule over region and track names together;
    at the deciding level every matched region plus every region of a matched track; no match → all."""
    regions = [r for t in project.tracks for r in t.regions]
    names = [r.name for r in regions] + [t.name for t in project.tracks]
    hits, _level = match_names(ref, names)
    if not hits:
        return regions
    chosen: dict[str, Region] = {}
    for index in sorted(hits):
        if index < len(regions):
            chosen.setdefault(regions[index].id, regions[index])
        else:
            for r in project.tracks[index - len(regions)].regions:
                chosen.setdefault(r.id, r)
    return list(chosen.values())


def _start(regions: list[Region]) -> float:
    return min((r.start_beat for r in regions), default=0.0)


def _end(regions: list[Region]) -> float:
    return max((r.end_beat for r in regions), default=0.0)


def resolve_position(position: Position | None, project: Project) -> ResolvedPosition:
    """The beat where new material starts. Without a Position that is beat 0."""
    if position is None:
        return ResolvedPosition(0.0)
    bpb = project.beats_per_bar
    if position.anchor == "beat":
        base = position.beat or 0.0
    elif position.anchor == "bar":
        base = ((position.bar or 1) - 1) * bpb
    elif not any(t.regions for t in project.tracks):
        base = 0.0  # every relative form resolves to 0 on an empty project
    elif position.anchor == "last":
        base = _end([r for t in project.tracks for r in t.regions])
    else:
        found = regions_matching(project, position.ref or "")
        if position.anchor == "after":
            base = _end(found)
        elif position.anchor in ("before", "alongside"):
            base = _start(found)
        elif position.anchor == "within":
            base = _start(found) + ((position.bar or 1) - 1) * bpb
        else:  # between: halfway from the end of the first to the start of the second
            first_end = _end(found)
            base = first_end + (_start(regions_matching(project, position.ref2 or "")) - first_end) / 2
    beat = base + position.offset_beats(bpb)
    if beat < 0:
        return ResolvedPosition(0.0, [f"Position '{position.text}' resolves to beat {beat:g}; using beat 0"])
    return ResolvedPosition(beat)


def resolve_position_text(text: str | None, project: Project) -> ResolvedPosition:
    """Parse and resolve in one go (raises PositionError for text outside the grammar)."""
    return resolve_position(parse_position(text) if text is not None else None, project)
