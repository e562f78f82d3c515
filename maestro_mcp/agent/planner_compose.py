"""The deterministic composition plan (spec/stori-prompt.md §8): a ``Mode: compose`` STORI PROMPT (or the
slots of a plain-English request, intents.md §5) and the project context → a ``Plan``.

No LLM takes part: missing fields come from the style profile (§7.4) and the project. The plan fixes the
structure — steps, tracks, regions, positions, lengths, key and tempo — and the tool-call order of §8.3.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from maestro_mcp.daw.model import Project
from maestro_mcp.daw.resolve import match_names
from maestro_mcp.music.styles import PROFILES_BY_ID, StyleProfile, match_style
from maestro_mcp.prompts import StoriPrompt, resolve_position, track_name

from .planner import (
    INSTRUMENTS_GROUP,
    Action,
    Names,
    Plan,
    Step,
    generator_label,
    phase_of,
    tool_label,
)
from .planner_effects import REVERB_BUS, TrackEffects, block_entries, track_effects
from .planner_expression import DEFAULT_TARGETS, RegionSpan, controller_calls, expressive_keys
from .planner_instruments import (
    Instrument,
    block_get,
    common_constraints,
    generator_constraints,
    instruments_of,
    progression_of,
)
from .planner_sections import Section, plan_sections

MAX_SEED = 2147483647
MAX_GENERATOR_BARS = 64
SWING_ROLES = frozenset({"drums", "bass", "chords", "melody", "lead", "arp"})
MELODIC_RANGE_ROLES = frozenset({"melody", "lead"})


def style_profile(style: str | None) -> StyleProfile:
    """§7.4: the first row whose keyword the style contains as whole words; no match → ``generic``."""
    if not style:
        return PROFILES_BY_ID["generic"]
    matched = match_style(style)
    return matched.profile if matched.warning is None else PROFILES_BY_ID["generic"]


def derive_seed(base: int, track: str, section: str | None, chunk: int = 0) -> int:
    """A region's seed from the base seed, the track name and the section name (§3.1)."""
    text = f"{base}|{track.casefold()}|{(section or '').casefold()}|{chunk}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % (MAX_SEED + 1)


class _Builder:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.names = Names(project)
        self.index = 0

    def call(self, tool: str, params: dict[str, Any], section: str | None = None) -> Action:
        action = Action(self.index, tool, params, tool_label(tool, params, self.names), section)
        self.names.learn(self.index, tool, params)
        self.index += 1
        return action


def plan_from_prompt(
    prompt: StoriPrompt,
    project: Project,
    *,
    seed: int | None = None,
    allow_teams: bool = True,
) -> Plan:
    """The §8.3 plan of a ``Mode: compose`` prompt against ``project``; ``seed`` is the request's seed
    (it wins over ``Constraints.seed``). Agent Teams when two or more effective roles and ``allow_teams``."""
    warnings = list(prompt.warnings)
    profile = style_profile(prompt.style)
    if prompt.style and profile.id == "generic" and match_style(prompt.style).warning:
        warnings.append(f"style '{prompt.style}' matches no style profile; using the generic profile")
    texts = prompt.roles or list(profile.default_roles)
    teams = allow_teams and len(texts) >= 2
    if prompt.tempo is not None:
        tempo = prompt.tempo
    elif prompt.style and not project.tracks:
        tempo = float(profile.tempo)
    else:
        tempo = project.tempo
    key = prompt.key or project.key or "C"
    bars = prompt.bars
    resolved = resolve_position(prompt.position, project)
    warnings += resolved.warnings
    base_beat = resolved.beat
    bpb = project.beats_per_bar
    sections = plan_sections(prompt.request, prompt.form, bars, prompt.section, warnings)
    style = prompt.style or profile.id
    base_seed = seed if seed is not None else prompt.constraints.seed
    if base_seed is None:
        base_seed = random.SystemRandom().randint(0, MAX_SEED)

    b = _Builder(project)
    steps: list[Step] = []
    if tempo != project.tempo:
        steps.append(_single_step(b, "stori_set_tempo", {"tempo": tempo}))
    if key != project.key:
        steps.append(_single_step(b, "stori_set_key", {"key": key}))

    instruments = instruments_of(prompt, project, texts, profile, key, warnings)
    agents = [i.agent for i in instruments]

    def match_track(text: str) -> list[int]:
        lowered = text.strip().casefold()
        hits = [n for n, i in enumerate(instruments) if i.role.text.casefold() == lowered]
        return hits or match_names(text, [a.track_name for a in agents])[0]

    effects = _effects(prompt, instruments, profile, match_track, warnings)
    expressive = expressive_keys(prompt.midi_expressiveness, match_track, warnings)
    automation = _automation(prompt.automation, match_track, warnings)
    group = INSTRUMENTS_GROUP if teams else None
    progression = progression_of(prompt.harmony)
    common = common_constraints(prompt)
    swing = prompt.swing()

    for n, inst in enumerate(instruments):
        agent = inst.agent
        name = agent.track_name
        own: list[Step] = []
        create = Step(
            "", f"Create {name} track", "setup", "stori_add_midi_track", parallel_group=group, agent=agent
        )
        if inst.existing_id is not None:
            create.skip_result = f"Reusing existing {name} track"
        else:
            params: dict[str, Any] = {"name": name}
            params.update({"drumKitId": inst.kit} if inst.kit else {"gmProgram": inst.program})
            params.update(color=agent.color, icon=inst.icon)
            action = b.call("stori_add_midi_track", params)
            agent.track_ref = f"${action.index}.trackId"
            create.actions.append(action)
        own.append(create)

        content = Step("", f"Add content to {name}", "composition", "stori_add_notes", parallel_group=group,
                       agent=agent, detail=f"{bars} bars of {style} {inst.role.generator_role}")  # fmt: skip
        spans: list[tuple[str, RegionSpan]] = []
        for section in sections:
            region_ref, span = _section_content(b, content, inst, section, base_beat, bpb, style, tempo, base_seed,
                                                generator_constraints(inst, common, swing, progression))  # fmt: skip
            spans.append((region_ref, span))
        own.append(content)

        fx: TrackEffects = effects[n]
        if fx.inserts:
            step = Step("", f"Add effects to {name}", "soundDesign", "stori_add_insert_effect", parallel_group=group,
                        agent=agent, detail=", ".join(e.type.title() for e in fx.inserts))  # fmt: skip
            for e in fx.inserts:
                params = {"trackId": agent.track_ref, "type": e.type}
                if e.settings:
                    params["settings"] = e.settings
                step.actions.append(b.call("stori_add_insert_effect", params))
            own.append(step)

        cc_step = Step(
            "", f"Add MIDI CC to {name}", "expression", "stori_add_midi_cc", parallel_group=group, agent=agent
        )
        bend_step = Step(
            "",
            f"Add pitch bend to {name}",
            "expression",
            "stori_add_pitch_bend",
            parallel_group=group,
            agent=agent,
        )
        for key_name, value, targets in expressive:
            wanted = (
                n in targets if targets is not None else inst.role.generator_role in DEFAULT_TARGETS[key_name]
            )
            if not wanted:
                continue
            for region_ref, span in spans:
                for tool, params in controller_calls(key_name, value, span):
                    step = bend_step if tool == "stori_add_pitch_bend" else cc_step
                    step.actions.append(b.call(tool, {"regionId": region_ref, **params}))
        if cc_step.actions:
            if any(a.tool == "stori_add_aftertouch" for a in cc_step.actions):
                cc_step.tool_name = None
            own.append(cc_step)
        if bend_step.actions:
            own.append(bend_step)

        entries = [e for e in automation if n in e[0]]
        if entries:
            step = Step("", f"Write automation for {name}", "mixing", "stori_add_automation", parallel_group=group,
                        agent=agent)  # fmt: skip
            for _targets, parameter, points in entries:
                shifted = [{**p, "beat": round(base_beat + float(p["beat"]), 6)} for p in points]
                step.actions.append(b.call("stori_add_automation", {"target": agent.track_ref, "parameter": parameter,
                                                                    "points": shifted}))  # fmt: skip
            own.append(step)
        steps += own

    reverb = [(inst.agent, effects[n]) for n, inst in enumerate(instruments) if effects[n].reverb]
    if reverb:
        bus = Step(
            "",
            f"Set up shared {REVERB_BUS} bus",
            "mixing",
            "stori_ensure_bus",
            detail=", ".join(a.track_name for a, _ in reverb),
        )
        ensure = b.call("stori_ensure_bus", {"name": REVERB_BUS})
        bus.actions.append(ensure)
        for agent, fx in reverb:
            bus.actions.append(b.call("stori_add_send", {"trackId": agent.track_ref, "busId": f"${ensure.index}.busId",
                                                         "levelDb": fx.send_db}))  # fmt: skip
        steps.append(bus)

    for n, step in enumerate(steps, start=1):
        step.step_id = str(n)
    title = f"Composing {_title(prompt.style) if prompt.style else 'Music'}"
    return Plan(title=title, steps=steps, agents=agents, teams=teams, warnings=warnings, bars=bars, style=style,
                intent_text=prompt.request)  # fmt: skip


def _title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def _single_step(b: _Builder, tool: str, params: dict[str, Any]) -> Step:
    action = b.call(tool, params)
    return Step("", action.label, phase_of(tool), tool, actions=[action])


def _effects(
    prompt: StoriPrompt,
    instruments: list[Instrument],
    profile: StyleProfile,
    match_track: Any,
    warnings: list[str],
) -> list[TrackEffects]:
    entries: list[list[tuple[str, Any]]] = [[] for _ in instruments]
    if isinstance(prompt.effects, dict):
        for k, v in prompt.effects.items():
            targets = match_track(str(k))
            if not targets:
                warnings.append(f"Effects: '{k}' is not a track of this composition; skipped")
                continue
            for t in targets:
                entries[t] += block_entries(v, warnings, str(k))
    c = prompt.constraints
    return [
        track_effects(
            entries[n], inst.role.generator_role, profile.id, no_effects=c.no_effects, no_reverb=c.no_reverb
        )
        for n, inst in enumerate(instruments)
    ]


def _automation(
    block: Any, match_track: Any, warnings: list[str]
) -> list[tuple[set[int], str, list[dict[str, Any]]]]:
    out: list[tuple[set[int], str, list[dict[str, Any]]]] = []
    for entry in block if isinstance(block, list) else []:
        if not isinstance(entry, dict):
            continue
        track = block_get(entry, "track")
        parameter = block_get(entry, "parameter") or block_get(entry, "param") or "volume"
        points = block_get(entry, "points") or block_get(entry, "events") or []
        targets = set(match_track(str(track))) if track else set()
        if not targets:
            warnings.append(f"Automation: unknown track '{track}'; skipped")
            continue
        clean = [
            {"beat": float(p.get("beat", 0)), "value": p["value"], **({"curve": p["curve"]} if p.get("curve") else {})}
            for p in points if isinstance(p, dict) and "value" in p
        ]  # fmt: skip
        if clean:
            out.append((targets, str(parameter), clean))
    return out


def _section_content(
    b: _Builder, step: Step, inst: Instrument, section: Section, base_beat: float, bpb: float, style: str,
    tempo: float, base_seed: int, constraints: dict[str, Any],
) -> tuple[str, RegionSpan]:  # fmt: skip
    agent = inst.agent
    start = base_beat + section.start_bar * bpb
    region_name = f"{track_name(section.name)} {agent.track_name}" if section.name else agent.track_name
    region = b.call("stori_add_midi_region", {"trackId": agent.track_ref, "startBeat": start,
                                              "durationBeats": section.bars * bpb, "name": region_name},
                    section.name)  # fmt: skip
    step.actions.append(region)
    region_ref = f"${region.index}.regionId"
    done = 0
    chunk = 0
    while done < section.bars:
        bars = min(MAX_GENERATOR_BARS, section.bars - done)
        params = {
            "role": inst.role.generator_role,
            "style": style,
            "tempo": tempo,
            "bars": bars,
            "key": inst.key,
            "seed": derive_seed(base_seed, agent.track_name, section.name, chunk),
            "regionId": region_ref,
        }
        if constraints:
            params["constraints"] = constraints
        gen = b.call("stori_generate_midi", params, section.name)
        gen.label = generator_label(inst.role.generator_role, agent.track_name, bars)
        gen.region, gen.region_offset, gen.start_beat = region_ref, done * bpb, start + done * bpb
        step.actions.append(gen)
        done += bars
        chunk += 1
    return region_ref, RegionSpan(start, section.bars * bpb, base_beat, bpb)
