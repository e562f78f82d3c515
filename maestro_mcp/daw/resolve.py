"""Entity references (spec/tools.md §2.4): a track, region or bus parameter may carry an id or a name.

``match_names`` is the one name-matching rule (also used for intent slots and STORI PROMPT targets);
``resolve_entities`` applies it to a DAW tool's parameters and replaces every reference with an id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from maestro_mcp.errors import ErrorCode, ToolError

from .model import Project

Kind = Literal["track", "region", "bus"]

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class Ref:
    """One entity reference parameter of a tool: where the id goes and which name alias feeds it."""

    param: str
    kind: Kind
    alias: str | None


_TRACK = Ref("trackId", "track", "trackName")
_REGION = Ref("regionId", "region", "regionName")
_BUS = Ref("busId", "bus", "busName")
_TARGET = Ref("target", "track", "trackName")

# Reference parameters per tool. Creation tools carry their new entity's id under the same names
# (trackId of stori_add_midi_track, busId of stori_ensure_bus…); those are not references and are
# left out here on purpose.
_TRACK_TOOLS = (
    "stori_set_track_volume", "stori_set_track_pan", "stori_set_track_name", "stori_set_midi_program",
    "stori_mute_track", "stori_solo_track", "stori_set_track_color", "stori_set_track_icon",
    "stori_add_midi_region", "stori_add_region", "stori_add_insert_effect",
)  # fmt: skip
_REGION_TOOLS = (
    "stori_delete_region", "stori_move_region", "stori_duplicate_region", "stori_add_notes",
    "stori_clear_notes", "stori_quantize_notes", "stori_apply_swing", "stori_add_midi_cc",
    "stori_add_pitch_bend", "stori_add_aftertouch",
)  # fmt: skip
REFERENCES: dict[str, tuple[Ref, ...]] = {
    **{tool: (_TRACK,) for tool in _TRACK_TOOLS},
    **{tool: (_REGION,) for tool in _REGION_TOOLS},
    "stori_add_send": (_TRACK, _BUS),
    "stori_add_automation": (_TARGET,),
}

_PLURAL = {"track": "tracks", "region": "regions", "bus": "buses"}


def match_names(text: str, names: Sequence[str]) -> tuple[list[int], int]:
    """Indices of the names that ``text`` matches, and the deciding level (0 when none).

    Trimmed, case-insensitive, three levels, stopping at the first with any match: (1) the whole name
    equals the text, (2) the text occurs in the name as whole words, (3) the text is a substring.
    """
    needle = " ".join(text.split()).casefold()
    if not needle:
        return [], 0
    folded = [" ".join(n.split()).casefold() for n in names]
    words = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)")
    tests: tuple[Callable[[str], bool], ...] = (
        lambda n: n == needle,
        lambda n: words.search(n) is not None,
        lambda n: needle in n,
    )
    for level, test in enumerate(tests, start=1):
        hits = [i for i, n in enumerate(folded) if test(n)]
        if hits:
            return hits, level
    return [], 0


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggest(text: str, names: Iterable[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to ``limit`` names closest to ``text`` by edit distance, dropping ones too far to be a typo."""
    needle = text.strip().casefold()
    scored = []
    for name in dict.fromkeys(names):  # distinct, first-seen order breaks ties
        dist = edit_distance(needle, name.casefold())
        if dist <= max(2, len(max(needle, name, key=len)) // 2):
            scored.append((dist, name))
    scored.sort(key=lambda s: s[0])
    return [name for _, name in scored[:limit]]


def _entities(project: Project, kind: Kind) -> list[tuple[str, str]]:
    if kind == "track":
        return [(t.id, t.name) for t in project.tracks]
    if kind == "bus":
        return [(b.id, b.name) for b in project.buses]
    return [(r.id, r.name) for t in project.tracks for r in t.regions]


def _kind_of_id(project: Project, value: str) -> Kind | None:
    for kind in ("track", "region", "bus"):
        if any(eid == value for eid, _ in _entities(project, kind)):
            return kind
    return None


def _quote_list(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def resolve_one(project: Project, kind: Kind, value: str, field: str, id_param: str) -> str:
    """The id that ``value`` (an id or a name) refers to, or a ToolError on ``field``."""
    entities = _entities(project, kind)
    text = value.strip()
    if any(eid == text for eid, _ in entities):
        return text
    other = _kind_of_id(project, text)
    if other is not None:
        raise ToolError.one(
            ErrorCode.ENTITY_NOT_FOUND, field, f"'{text}' is a {other} id; this parameter needs a {kind} id"
        )
    hits, level = match_names(text, [name for _, name in entities])
    if len(hits) == 1:
        return entities[hits[0]][0]
    if hits:
        names = [entities[i][1] for i in hits]
        if level == 1:
            message = f"{len(hits)} {_PLURAL[kind]} are named '{text}'; pass the {id_param}"
        else:
            message = (
                f"{len(hits)} {_PLURAL[kind]} match '{text}' ({_quote_list(names)}); pass the {id_param}"
            )
        raise ToolError.one(ErrorCode.AMBIGUOUS_ENTITY, field, message)
    message = f"no {kind} with id or name '{text}'"
    suggestions = suggest(text, (name for _, name in entities if name))
    if suggestions:
        message += f"; did you mean {_quote_list(suggestions)}?"
    if kind == "bus":
        message += "; create the bus with stori_ensure_bus first"
    raise ToolError.one(ErrorCode.ENTITY_NOT_FOUND, field, message)


def resolve_entities(
    project: Project, tool: str, params: dict[str, Any], *, pass_unknown_ids: bool = False
) -> dict[str, Any]:
    """A copy of ``params`` with every entity reference replaced by its id.

    ``trackName``/``regionName``/``busName`` feed the id parameter when it is absent and are dropped.
    ``pass_unknown_ids`` serves the DAW route (tools.md §2.4): a UUID the mirror does not know is passed
    on unchanged, since the DAW is the authority; names must still resolve.
    """
    out = dict(params)
    for ref in REFERENCES.get(tool, ()):
        field = ref.param
        if out.get(ref.param) is None and ref.alias is not None and out.get(ref.alias) is not None:
            field = ref.alias
            out[ref.param] = out[ref.alias]
        if ref.alias is not None:
            out.pop(ref.alias, None)
        value = out.get(ref.param)
        if not isinstance(value, str):
            continue  # absent or mistyped: the schema stage reports it, not this one
        stripped = value.strip()
        if pass_unknown_ids and UUID_RE.match(stripped) and _kind_of_id(project, stripped) is None:
            out[ref.param] = stripped.lower()
            continue
        out[ref.param] = resolve_one(project, ref.kind, value, field, ref.param)
    return out
