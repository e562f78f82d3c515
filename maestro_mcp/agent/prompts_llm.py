"""System prompts of the LLM path (sse.md §11, intents.md §2, stori-prompt.md §5): what the model is told
about the project, the request and the tools before it plans.

The project is summarised as compact text with every id the model may need (tracks, regions, buses), so it
can address entities without guessing. A STORI PROMPT is handed over verbatim as the user message; its
routing fields are repeated here as fixed facts the model must use rather than re-infer (stori-prompt.md
§5). The tools themselves travel as function definitions, not as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from maestro_mcp.daw.model import Project
from maestro_mcp.prompts import StoriPrompt

from .planner import Agent, Plan, Step

MAX_SUMMARY_TRACKS = 32
MAX_SUMMARY_REGIONS = 8  # per track

_COMMON = (
    "You are Maestro, the assistant inside the Stori DAW. You act only through the tools you are given; "
    "every call is validated and applied by the server.\n"
    "Rules for tool calls:\n"
    "- Use the ids listed in the project summary for existing tracks, regions and buses.\n"
    '- To use something created earlier in the same response, write a reference "$N.field", where N is '
    'the 0-based position of that call in your response (e.g. "$0.trackId", "$1.regionId").\n'
    "- Times are in beats; note startBeat is relative to its region.\n"
    "- Generation tools write notes into a region you name; do not add those notes yourself.\n"
    "- Keep any text for the musician short and in plain words; do not repeat ids or tool names."
)


def project_summary(project: Project) -> str:
    ts = project.time_signature
    lines = [
        f'Project "{project.name}" (id {project.id}): tempo {project.tempo:g} BPM, key {project.key}, '
        f"time signature {ts.numerator}/{ts.denominator}."
    ]
    if not project.tracks:
        lines.append("The project has no tracks yet.")
    for track in project.tracks[:MAX_SUMMARY_TRACKS]:
        sound = track.drum_kit_id or (
            f"GM program {track.gm_program}" if track.gm_program is not None else ""
        )
        flags = [f for f, on in (("muted", track.muted), ("solo", track.solo)) if on]
        effects = ", ".join(e.type for e in track.effects)
        head = (
            f'- Track "{track.name}" id {track.id}'
            + (f", {'drums ' if track.is_drums else ''}{sound}" if sound else "")
            + f", volume {track.volume_db:g} dB, pan {track.pan:g}"
            + (f", {' '.join(flags)}" if flags else "")
            + (f", effects: {effects}" if effects else "")
        )
        lines.append(head)
        for region in track.regions[:MAX_SUMMARY_REGIONS]:
            lines.append(
                f'  - Region "{region.name}" id {region.id}: beats {region.start_beat:g}-'
                f"{region.start_beat + region.duration_beats:g}, {len(region.notes)} notes"
            )
        if len(track.regions) > MAX_SUMMARY_REGIONS:
            lines.append(f"  - … {len(track.regions) - MAX_SUMMARY_REGIONS} more regions")
    if len(project.tracks) > MAX_SUMMARY_TRACKS:
        lines.append(f"- … {len(project.tracks) - MAX_SUMMARY_TRACKS} more tracks")
    for bus in project.buses:
        lines.append(f'- Bus "{bus.name}" id {bus.id}')
    return "\n".join(lines)


def stori_facts(prompt: StoriPrompt) -> str:
    """The routing fields of a STORI PROMPT, as facts (stori-prompt.md §5)."""
    facts = [f"Mode: {prompt.mode}"]
    for label, value in (
        ("Style", prompt.style), ("Key", prompt.key), ("Tempo", f"{prompt.tempo:g} BPM" if prompt.tempo else None),
        ("Energy", prompt.energy), ("Section", prompt.section),
        ("Roles", ", ".join(prompt.roles) if prompt.roles else None),
        ("Bars", str(prompt.bars)),
    ):  # fmt: skip
        if value:
            facts.append(f"{label}: {value}")
    return (
        "The request is a STORI PROMPT (the user message, verbatim). These routing fields are fixed facts: "
        "use them as given, never re-infer them from the Request text:\n"
        + "\n".join(f"- {f}" for f in facts)
        + "\nTranslate every dimension block (Effects, MidiExpressiveness, Automation, Harmony, Melody, "
        "Rhythm, Dynamics, Orchestration and any other block) into tool calls or generator parameters."
    )


def _tools_line(allowed: Sequence[str]) -> str:
    return "Tools you may call for this request: " + ", ".join(allowed) + "." if allowed else ""


def editing_system_prompt(
    project: Project, intent: str, allowed: Sequence[str], prompt: StoriPrompt | None
) -> str:
    parts = [
        _COMMON,
        f"The request was classified as {intent}: change the project directly with the tools; make only "
        "the changes asked for. When the request is ambiguous, ask one short question instead of guessing.",
        _tools_line(allowed),
        "Current project:\n" + project_summary(project),
    ]
    if prompt is not None:
        parts.append(stori_facts(prompt))
    return "\n\n".join(p for p in parts if p)


def composing_system_prompt(project: Project, allowed: Sequence[str], prompt: StoriPrompt | None) -> str:
    parts = [
        _COMMON,
        "Plan and write new music as tool calls. For each instrument: create its track "
        "(stori_add_midi_track), add a region (stori_add_midi_region), then fill it with a generation tool "
        "(regionId of that region); add effects after the notes. Everything you do is proposed to the "
        "musician as a variation to accept or discard. If the request is too vague to plan, call no tool and "
        "ask for a style, a tempo or a length.",
        _tools_line(allowed),
        "Current project:\n" + project_summary(project),
    ]
    if prompt is not None:
        parts.append(stori_facts(prompt))
    return "\n\n".join(p for p in parts if p)


def agent_system_prompt(
    project: Project, plan: Plan, agent: Agent, steps: Sequence[Step], allowed: Sequence[str],
    prompt: StoriPrompt | None,
) -> str:  # fmt: skip
    # The plan's tempo and key steps win over the project's current values.
    key = str(_planned(plan, "stori_set_key", "key") or project.key)
    tempo = float(_planned(plan, "stori_set_tempo", "tempo") or project.tempo)
    planned = "\n".join(f"- {s.label}" + (f" ({s.detail})" if s.detail else "") for s in steps)
    parts = [
        _COMMON,
        f"You are the {agent.role_text} agent of an Agent Teams composition: you own the track "
        f'"{agent.track_name}" ({agent.instrument}). Style {plan.style or "generic"}, key {key}, '
        f"tempo {tempo:g} BPM, {plan.bars} bars. Other agents write the other instruments at the "
        "same time.",
        "The server already plans these steps for your track (structure, notes, default effects):\n"
        + planned,
        "Add only what makes this instrument expressive: effect settings, MIDI CC curves, pitch bend, "
        "aftertouch, automation, translating the prompt's dimension blocks that concern this instrument. "
        "Your track and region are fixed: any trackId, regionId or timing you give is replaced by the "
        "plan's. Call no tool when nothing needs adding.",
        _tools_line(allowed),
    ]
    if prompt is not None:
        parts.append(stori_facts(prompt))
    return "\n\n".join(p for p in parts if p)


def _planned(plan: Plan, tool: str, param: str) -> Any:
    return next((a.params.get(param) for a in plan.actions if a.tool == tool), None)
