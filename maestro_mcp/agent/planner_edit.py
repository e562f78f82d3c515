"""``Mode: edit`` STORI PROMPTs without an LLM (spec/stori-prompt.md §11) → the calls of an ``EditPlan``.

1. The dimension blocks that map onto tools (``Effects``, ``MidiExpressiveness``, ``Automation``) for the
   ``Target`` tracks, time spans relative to the resolved Position, on the tracks' existing regions.
2. Each ``Vibe`` word that is a producer idiom, in weight order, acts once per intent; an effect type an
   earlier step already added to a track is not added again.
3. Nothing yet: ``Request`` classified with the natural-language rules and that intent's mapping.
4. Still nothing: no change, a question instead.
"""

from __future__ import annotations

from typing import Any

from maestro_mcp.daw.model import Project, Track
from maestro_mcp.daw.resolve import match_names
from maestro_mcp.prompts import StoriPrompt, resolve_position

from .edit_calls import MAX_MIX_TRACKS, REVERB_BUS, EditPlan, call, edit_calls, mix_calls, reverb_bus_calls
from .intent import IntentResult, Mode, classify_rules, match_idiom
from .planner_effects import block_entries, track_effects
from .planner_expression import RegionSpan, controller_calls, expressive_keys

Call = dict[str, Any]


def target_tracks(prompt: StoriPrompt, project: Project, warnings: list[str]) -> list[Track]:
    tracks = project.tracks
    target = prompt.target
    if target.kind in ("track", "region") and target.name:
        if target.kind == "track":
            hits, _ = match_names(target.name, [t.name for t in tracks])
            chosen = [tracks[i] for i in hits]
        else:
            regions = [(t, r) for t in tracks for r in t.regions]
            hits, _ = match_names(target.name, [r.name for _, r in regions])
            chosen = list({regions[i][0].id: regions[i][0] for i in hits}.values())
        if not chosen:
            warnings.append(f"Target {target.kind}:{target.name} matches nothing; using the whole project")
        return chosen or list(tracks)
    if target.kind == "selection":
        selected = set(project.selection.track_ids) if project.selection else set()
        chosen = [t for t in tracks if t.id in selected]
        if not chosen:
            warnings.append("Target selection: no selection in the snapshot; using the whole project")
        return chosen or list(tracks)
    return list(tracks)


def _matcher(tracks: list[Track]) -> Any:
    def match(text: str) -> list[int]:
        return match_names(text, [t.name for t in tracks])[0]

    return match


def _block_calls(
    prompt: StoriPrompt, project: Project, tracks: list[Track], warnings: list[str]
) -> list[Call]:
    calls: list[Call] = []
    match = _matcher(tracks)
    reverb: list[tuple[Track, float]] = []
    if isinstance(prompt.effects, dict):
        for key, value in prompt.effects.items():
            hits = match(str(key))
            if not hits:
                warnings.append(f"Effects: '{key}' is not a target track; skipped")
                continue
            entries = block_entries(value, warnings, str(key))
            for i in hits:
                fx = track_effects(entries, "", "", no_effects=True, no_reverb=prompt.constraints.no_reverb)
                for e in fx.inserts:
                    params: dict[str, Any] = {"trackId": tracks[i].id, "type": e.type}
                    if e.settings:
                        params["settings"] = e.settings
                    calls.append(call("stori_add_insert_effect", **params))
                if fx.reverb:
                    reverb.append((tracks[i], fx.send_db))
    position = resolve_position(prompt.position, project)
    warnings += position.warnings
    bpb = project.beats_per_bar
    for key, value, targets in expressive_keys(prompt.midi_expressiveness, match, warnings):
        for i, track in enumerate(tracks):
            if targets is not None and i not in targets:
                continue
            for region in track.regions:
                span = RegionSpan(region.start_beat, region.duration_beats, position.beat, bpb)
                for tool, params in controller_calls(key, value, span):
                    calls.append(call(tool, regionId=region.id, **params))
    for entry in prompt.automation if isinstance(prompt.automation, list) else []:
        if not isinstance(entry, dict):
            continue
        lowered = {str(k).lower(): v for k, v in entry.items()}
        hits = match(str(lowered.get("track", ""))) if lowered.get("track") else list(range(len(tracks)))
        points = [
            {"beat": round(position.beat + float(p.get("beat", 0)), 6), "value": p["value"],
             **({"curve": p["curve"]} if p.get("curve") else {})}
            for p in lowered.get("points") or lowered.get("events") or [] if isinstance(p, dict) and "value" in p
        ]  # fmt: skip
        parameter = str(lowered.get("parameter") or lowered.get("param") or "volume")
        for i in hits if points else []:
            calls.append(
                call("stori_add_automation", target=tracks[i].id, parameter=parameter, points=points)
            )
    if reverb:
        offset = len(calls)
        bus_calls = reverb_bus_calls(project, [t for t, _ in reverb], offset=offset)
        for c, (_, level) in zip(bus_calls[1:], reverb, strict=True):
            c["params"]["levelDb"] = level
        calls += bus_calls
    return calls


def _idiom_calls(prompt: StoriPrompt, project: Project, tracks: list[Track], calls: list[Call]) -> list[Call]:
    added = {(c["params"].get("trackId"), c["params"].get("type")) for c in calls
             if c["tool"] == "stori_add_insert_effect"}  # fmt: skip
    done: set[str] = set()
    order = sorted(enumerate(prompt.vibe), key=lambda iv: (-iv[1].weight, iv[0]))
    out: list[Call] = []
    for _, item in order:
        idiom = match_idiom(item.word)
        if idiom is None or idiom[0] in done:
            continue
        done.add(idiom[0])
        if idiom == ("mix.space", "increase"):
            new = reverb_bus_calls(
                project, tracks[:MAX_MIX_TRACKS], raise_existing=True, offset=len(calls) + len(out)
            )
        else:
            new, _message = mix_calls(idiom[0], idiom[1], project, tracks[:MAX_MIX_TRACKS])
        for c in new:
            key = (c["params"].get("trackId"), c["params"].get("type"))
            if c["tool"] == "stori_add_insert_effect":
                if key in added:
                    continue
                added.add(key)
            out.append(c)
    return out


def structured_edit(
    prompt: StoriPrompt | None, intent: IntentResult, project: Project, warnings: list[str]
) -> EditPlan:
    if prompt is None:
        return edit_calls(intent, project)
    tracks = target_tracks(prompt, project, warnings)
    calls = _block_calls(prompt, project, tracks, warnings)
    calls += _idiom_calls(prompt, project, tracks, calls)
    if calls:
        ids = list(dict.fromkeys(str(c["params"]["trackId"]) for c in calls if "trackId" in c["params"]))
        return EditPlan(
            intent=intent.intent, calls=calls, track_ids=[i for i in ids if not i.startswith("$")]
        )
    ruled = classify_rules(prompt.request, project=project)
    if ruled.mode is Mode.EDITING:
        return edit_calls(ruled, project)
    return EditPlan(intent=intent.intent, message="What would you like to change?")


__all__ = ["REVERB_BUS", "structured_edit", "target_tracks"]
