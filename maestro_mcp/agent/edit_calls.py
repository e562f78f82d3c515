"""Deterministic execution of editing intents (spec/intents.md §6): an intent and a project → the tool
calls to run, or the question to ask instead.

Calls are ``{"tool": <canonical name>, "params": {...}}`` in plan order; a parameter may be a ``$N.field``
reference to an earlier call of the same list (tools.md §2.7). Track references are resolved with the one
name-matching rule (tools.md §2.4) and passed as ids. These mappings are trusted: they are not checked
against the intent's LLM allowlist (intents.md §2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from maestro_mcp.daw.instruments import match_instrument
from maestro_mcp.daw.model import Project, Region, Track

from .compose_slots import composition_slots
from .intent import IntentResult, Mode
from .slots import clean_ref, is_pronoun, match_reference, mentions_pronoun, names_in_text, title_case

Call = dict[str, Any]

MAX_MIX_TRACKS = 16
REVERB_BUS = "Reverb"
SEND_DB = -10.5  # stori-prompt.md §7.6
SEND_RAISE_DB, SEND_MAX_DB = 3.0, 0.0
SEND_LOWER_DB, SEND_MIN_DB = 6.0, -60.0
VOLUME_MIN_DB, VOLUME_MAX_DB = -60.0, 6.0
ENERGY_DB = 2.0
ZOOM_STEP, ZOOM_MIN, ZOOM_MAX, ZOOM_DEFAULT = 1.25, 10.0, 500.0, 100.0
DEFAULT_GRID = "1/16"
DEFAULT_SWING = 0.3
NEW_MATERIAL_BARS = 4

# Fixed answers of §6 for the intents that never call a tool without an LLM.
CLARIFYING_QUESTION = (
    'What would you like to change? For example: "make the drums punchier", "add reverb to the '
    'keys", "set the tempo to 92" or "make a lo-fi beat in A minor".'
)
HELP_TEXT = (
    'I can edit your project and write music. Try: "play", "set the tempo to 120", "mute the bass", '
    '"add reverb to the drums", "make the drums punchier", "quantize the drums to 1/16" or '
    '"make a chill lo-fi beat at 75 bpm in A minor".'
)
GENERAL_NEEDS_LLM = (
    "General questions need a language model, and none is configured on this server. I can answer "
    "questions about Stori and edit or compose music in your project."
)

# (intent, direction) of a producer idiom → the insert effect it adds (§6).
IDIOM_EFFECTS: dict[tuple[str, str], str] = {
    ("mix.tonality", "decrease"): "filter",
    ("mix.tonality", "increase"): "eq",
    ("mix.dynamics", "increase"): "compressor",
    ("mix.space", "widen"): "chorus",
}


class EditPlan(BaseModel):
    """What an editing intent does: ``calls`` to run in order, or a ``message`` (a question or an
    explanation, sent as ``content``) when it cannot act; ``needs_llm`` marks intents that end with
    ``error{LLM_UNAVAILABLE}`` on the deterministic path."""

    model_config = ConfigDict(frozen=True)

    intent: str
    calls: list[Call] = Field(default_factory=list)
    message: str | None = None
    needs_llm: bool = False
    track_ids: list[str] = Field(default_factory=list)  # tracks the calls act on (last touched: the last)


class _Ask(Exception):
    """A question replaces the calls (ambiguous or unknown reference)."""


def call(tool: str, **params: Any) -> Call:
    return {"tool": tool, "params": params}


@dataclass
class _Ctx:
    result: IntentResult
    project: Project
    last_track_id: str | None

    @property
    def slots(self) -> dict[str, Any]:
        return self.result.slots

    @property
    def last_track(self) -> Track | None:
        return self.project.track(self.last_track_id) if self.last_track_id else None

    def one_track(self, ref: str | None, what: str = "Which track do you mean?") -> Track:
        """The one track ``ref`` names; a question when it names none, several, or nothing."""
        tracks = self.project.tracks
        if ref is None:
            raise _Ask(what)
        if is_pronoun(ref):
            if self.last_track is None:
                raise _Ask(what)
            return self.last_track
        hits, _ = match_reference(ref, [t.name for t in tracks])
        if not hits:
            names = ", ".join(t.name for t in tracks) or "none yet"
            raise _Ask(f"I couldn't find a track called '{ref}' (tracks: {names}). {what}")
        if len(hits) > 1:
            names = " or ".join(tracks[i].name for i in hits)
            raise _Ask(f"'{ref}' could be {names}. {what}")
        return tracks[hits[0]]


# -- shared building blocks ------------------------------------------------------------------------------


def reverb_bus_calls(
    project: Project, tracks: Sequence[Track], *, raise_existing: bool = False, offset: int = 0
) -> list[Call]:
    """The Reverb-bus rule (stori-prompt.md §7.6) for ``tracks``: ensure the ``Reverb`` bus, then one send
    per track at −10.5 dB; with ``raise_existing``, a track that already sends to it is raised by 3 dB
    (max 0 dB) instead (mix.space increase, intents.md §6). ``offset`` is the index the ensure-bus call
    will have in the whole plan (the sends refer to it as ``$offset.busId``)."""
    bus = next((b for b in project.buses if b.name.casefold() == REVERB_BUS.casefold()), None)
    calls = [call("stori_ensure_bus", name=bus.name if bus else REVERB_BUS)]
    for track in tracks:
        level = SEND_DB
        existing = next((s for s in track.sends if bus and s.bus_id == bus.id), None)
        if raise_existing and existing is not None:
            level = min(existing.level_db + SEND_RAISE_DB, SEND_MAX_DB)
        calls.append(call("stori_add_send", trackId=track.id, busId=f"${offset}.busId", levelDb=level))
    return calls


def _is_drums_or_bass(track: Track) -> bool:
    if track.is_drums:
        return True
    inst = match_instrument(track.instrument or "") or match_instrument(track.name)
    return (inst is not None and inst.role in ("drums", "bass")) or (
        inst is None and track.gm_program is not None and 32 <= track.gm_program <= 39
    )


def mix_calls(
    intent: str, direction: str, project: Project, tracks: Sequence[Track]
) -> tuple[list[Call], str | None]:
    """The action of a producer idiom (intents.md §6) on ``tracks``: (calls, message when none)."""
    effect = IDIOM_EFFECTS.get((intent, direction))
    if effect is not None:
        return [call("stori_add_insert_effect", trackId=t.id, type=effect) for t in tracks], None
    if intent == "mix.space" and direction == "increase":
        return reverb_bus_calls(project, tracks, raise_existing=True), None
    if intent == "mix.space" and direction == "decrease":
        calls = [
            call(
                "stori_add_send",
                trackId=t.id,
                busId=s.bus_id,
                levelDb=max(s.level_db - SEND_LOWER_DB, SEND_MIN_DB),
            )
            for t in tracks
            for s in t.sends
        ]
        return calls, None if calls else "There are no sends to turn down on those tracks."
    if intent == "mix.energy":
        return [
            call("stori_set_track_volume", trackId=t.id, volumeDb=min(t.volume_db + ENERGY_DB, VOLUME_MAX_DB))
            for t in tracks
        ], None
    raise ValueError(f"no producer-idiom action for {intent} {direction}")


# -- per-intent mappings ---------------------------------------------------------------------------------


def _mix(ctx: _Ctx) -> list[Call]:
    tracks = ctx.project.tracks
    if not tracks:
        raise _Ask("There are no tracks to change yet. Want me to make something first?")
    named = [tracks[i] for i in names_in_text(ctx.result.text, [t.name for t in tracks])]
    if named:
        targets = named
    elif mentions_pronoun(ctx.result.text) and ctx.last_track is not None:
        targets = [ctx.last_track]
    elif ctx.result.intent == "mix.energy":
        targets = [t for t in tracks if _is_drums_or_bass(t)] or list(tracks)
    else:
        targets = list(tracks)
    calls, message = mix_calls(
        ctx.result.intent, str(ctx.slots.get("direction")), ctx.project, targets[:MAX_MIX_TRACKS]
    )
    if message:
        raise _Ask(message)
    return calls


def _regions(ctx: _Ctx, target: str | None, verb: str) -> list[Region]:
    """The regions a notes edit acts on (§6): the named region, else every region of the named track,
    else every region when nothing is named."""
    project = ctx.project
    if target is None:
        regions = [r for t in project.tracks for r in t.regions]
    elif is_pronoun(target):
        regions = list(ctx.one_track(target, f"Which track should I {verb}?").regions)
    else:
        all_regions = [r for t in project.tracks for r in t.regions]
        r_hits, r_level = match_reference(target, [r.name for r in all_regions])
        t_hits, t_level = match_reference(target, [t.name for t in project.tracks])
        if t_hits and (not r_hits or t_level <= r_level):
            regions = list(ctx.one_track(target, f"Which track should I {verb}?").regions)
        elif len(r_hits) == 1:
            regions = [all_regions[r_hits[0]]]
        elif r_hits:
            names = " or ".join(all_regions[i].name for i in r_hits)
            raise _Ask(f"'{target}' could be {names}. Which region should I {verb}?")
        else:
            raise _Ask(f"I couldn't find a track or region called '{target}'. What should I {verb}?")
    if not regions:
        raise _Ask(f"There are no regions to {verb} yet.")
    return regions


def _notes_edit(ctx: _Ctx) -> list[Call]:
    intent, target = ctx.result.intent, ctx.slots.get("target")
    if intent == "notes.clear":
        return [call("stori_clear_notes", regionId=r.id) for r in _regions(ctx, target, "clear")]
    if intent == "notes.quantize":
        grid = ctx.slots.get("grid") or DEFAULT_GRID
        return [
            call("stori_quantize_notes", regionId=r.id, grid=grid) for r in _regions(ctx, target, "quantize")
        ]
    amount = ctx.slots.get("amount")
    amount = DEFAULT_SWING if amount is None else amount
    return [call("stori_apply_swing", regionId=r.id, amount=amount) for r in _regions(ctx, target, "swing")]


def _new_material(ctx: _Ctx) -> list[Call]:
    """notes.add / region.add with an instrument phrase: the role's generator, 4 bars at the project
    tempo and key, into a new region at ``last`` on the matching track (created if missing)."""
    project, phrase, role = ctx.project, str(ctx.slots["instrument"]), str(ctx.slots.get("role") or "melody")
    tracks = project.tracks
    calls: list[Call] = []
    hits, _ = match_reference(phrase, [t.name for t in tracks])
    if len(hits) > 1:
        ctx.one_track(phrase)  # raises the "which track" question
    track = tracks[hits[0]] if hits else next((t for t in tracks if _role_of(t) == role), None)
    if track is not None:
        track_id: str = track.id
    else:
        calls.append(call("stori_add_midi_track", name=title_case(phrase)))
        track_id = "$0.trackId"
    start = max((r.end_beat for t in tracks for r in t.regions), default=0.0)
    calls.append(call("stori_add_midi_region", trackId=track_id, startBeat=start,
                      durationBeats=NEW_MATERIAL_BARS * project.beats_per_bar))  # fmt: skip
    style = composition_slots(ctx.result.text, project).style
    calls.append(call("stori_generate_midi", role=role, style=style, tempo=project.tempo, key=project.key,
                      bars=NEW_MATERIAL_BARS, regionId=f"${len(calls) - 1}.regionId"))  # fmt: skip
    return calls


def _role_of(track: Track) -> str | None:
    if track.is_drums:
        return "drums"
    inst = match_instrument(track.instrument or "") or match_instrument(track.name)
    return inst.role if inst else None


def _fx(ctx: _Ctx) -> list[Call]:
    effect = str(ctx.slots["effect"])
    track = ctx.one_track(ctx.slots.get("track"), f"Which track should get the {effect}?")
    if effect == "reverb":
        return reverb_bus_calls(ctx.project, [track])
    return [call("stori_add_insert_effect", trackId=track.id, type=effect)]


def _bus_name(ctx: _Ctx, text: str) -> str:
    buses = ctx.project.buses
    hits, _ = match_reference(text, [b.name for b in buses])
    return buses[hits[0]].name if len(hits) == 1 else title_case(text)


def _route(ctx: _Ctx) -> list[Call]:
    if ctx.result.intent == "route.create_bus":
        return [call("stori_ensure_bus", name=_bus_name(ctx, str(ctx.slots.get("name") or "Bus")))]
    track = ctx.one_track(ctx.slots.get("track"))
    bus = _bus_name(ctx, clean_ref(ctx.slots.get("bus")) or REVERB_BUS)
    return [
        call("stori_ensure_bus", name=bus),
        call("stori_add_send", trackId=track.id, busId="$0.busId", levelDb=SEND_DB),
    ]


def _track_edit(ctx: _Ctx) -> list[Call]:
    s, intent = ctx.slots, ctx.result.intent
    if intent == "track.add":
        return [call("stori_add_midi_track", name=s.get("name") or f"Track {len(ctx.project.tracks) + 1}")]
    track = ctx.one_track(s.get("track"))
    if intent == "track.rename":
        return [call("stori_set_track_name", trackId=track.id, name=s["name"])]
    if intent == "track.mute":
        return [call("stori_mute_track", trackId=track.id, muted=bool(s["muted"]))]
    if intent == "track.solo":
        return [call("stori_solo_track", trackId=track.id, solo=bool(s["solo"]))]
    if intent == "track.set_volume":
        if "volumeDb" in s:
            return [call("stori_set_track_volume", trackId=track.id, volumeDb=s["volumeDb"])]
        level = min(max(track.volume_db + float(s["deltaDb"]), VOLUME_MIN_DB), VOLUME_MAX_DB)
        return [call("stori_set_track_volume", trackId=track.id, volumeDb=level)]
    if intent == "track.set_pan":
        return [call("stori_set_track_pan", trackId=track.id, pan=s["pan"])]
    if intent == "track.set_color":
        return [call("stori_set_track_color", trackId=track.id, color=s["color"])]
    return [call("stori_set_track_icon", trackId=track.id, icon=s["icon"])]


def _transport_ui_project(ctx: _Ctx) -> list[Call]:
    s, intent, project = ctx.slots, ctx.result.intent, ctx.project
    bpb = project.beats_per_bar
    if intent == "transport.play":
        if "bar" in s:
            return [call("stori_play", fromBeat=max(0.0, (float(s["bar"]) - 1) * bpb))]
        return [call("stori_play", fromBeat=s["fromBeat"])] if "fromBeat" in s else [call("stori_play")]
    if intent == "transport.stop":
        return [call("stori_stop")]
    if intent == "transport.seek":
        if "bar" in s and float(s["bar"]).is_integer():
            return [call("stori_set_playhead", bar=int(s["bar"]))]
        beat = (float(s["bar"]) - 1) * bpb if "bar" in s else s["beat"]
        return [call("stori_set_playhead", beat=beat)]
    if intent == "ui.show_panel":
        return [call("stori_show_panel", panel=s["panel"], visible=s["visible"])]
    if intent == "ui.set_zoom":
        if "zoomPercent" in s:
            return [call("stori_set_zoom", zoomPercent=s["zoomPercent"])]
        current = project.ui.zoom_percent or ZOOM_DEFAULT
        zoom = current * ZOOM_STEP if s.get("direction") == "in" else current / ZOOM_STEP
        return [call("stori_set_zoom", zoomPercent=round(min(max(zoom, ZOOM_MIN), ZOOM_MAX), 2))]
    if intent == "project.set_tempo":
        return [call("stori_set_tempo", tempo=s["tempo"])]
    if not s.get("key"):
        raise _Ask("Which key? For example C, Am, F#m or D dorian.")
    return [call("stori_set_key", key=s["key"])]


_HANDLERS: dict[str, Callable[[_Ctx], list[Call]]] = {
    **{i: _transport_ui_project for i in ("transport.play", "transport.stop", "transport.seek", "ui.show_panel",
                                          "ui.set_zoom", "project.set_tempo", "project.set_key")},
    **{i: _track_edit for i in ("track.add", "track.rename", "track.mute", "track.solo", "track.set_volume",
                                "track.set_pan", "track.set_color", "track.set_icon")},
    **{i: _notes_edit for i in ("notes.clear", "notes.quantize", "notes.swing")},
    **{i: _mix for i in ("mix.tonality", "mix.dynamics", "mix.space", "mix.energy")},
    "fx.add_insert": _fx,
    "route.create_bus": _route,
    "route.add_send": _route,
    "notes.add": _new_material,
    "region.add": _new_material,
}  # fmt: skip


def _touched(calls: list[Call]) -> list[str]:
    ids = [str(c["params"]["trackId"]) for c in calls if "trackId" in c["params"]]
    return [i for i in dict.fromkeys(ids) if not i.startswith("$")]


def edit_calls(result: IntentResult, project: Project, *, last_track_id: str | None = None) -> EditPlan:
    """The deterministic calls of an editing intent against ``project`` (intents.md §6).

    ``last_track_id`` is the track of the conversation's most recent successful tool call: what the
    pronouns "it", "that" and "this" refer to. A ``mix.*`` intent reported only (a ``Mode: edit`` prompt
    that named no idiom) acts on nothing.
    """
    if result.mode is not Mode.EDITING:
        raise ValueError(f"{result.intent} is not an editing intent")
    if result.needs_llm:
        return EditPlan(intent=result.intent, needs_llm=True)
    if result.slots.get("reportOnly"):
        return EditPlan(intent=result.intent, message="What would you like to change?")
    ctx = _Ctx(result, project, last_track_id)
    try:
        calls = _HANDLERS[result.intent](ctx)
    except _Ask as ask:
        return EditPlan(intent=result.intent, message=str(ask))
    return EditPlan(intent=result.intent, calls=calls, track_ids=_touched(calls))
