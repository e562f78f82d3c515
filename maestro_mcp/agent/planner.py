"""Plans: ordered steps with canonical labels (spec/sse.md §6) grouping ordered tool calls.

A plan is what the stream announces in its ``plan`` event and then executes. Every call of a plan has its
index in the plan's call list, so a parameter may refer to an earlier call's result as ``$N.field``
(tools.md §2.7). Generation is a call too (``stori_generate_midi``), executed in the server and shown as
``generatorStart`` → ``generatorComplete`` → ``stori_add_notes`` writes, never as a ``toolCall``.

Where plans come from:
- ``plan_from_prompt`` / ``plan_from_slots`` (planner_compose.py): COMPOSING, stori-prompt.md §8;
- ``plan_from_calls`` (here): any list of calls, e.g. the deterministic editing mappings of intents.md §6
  or one LLM response's batch of tool calls, grouped into the canonical steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from maestro_mcp.daw.model import Project
from maestro_mcp.tools.references import REFERENCE

from .events import Phase

GENERATOR_TOOLS = frozenset(
    {"stori_generate_midi", "stori_generate_drums", "stori_generate_bass", "stori_generate_melody",
     "stori_generate_chords"}
)  # fmt: skip
INSTRUMENTS_GROUP = "instruments"

_PHASES: dict[str, str] = {
    **dict.fromkeys(
        ("stori_create_project", "stori_set_tempo", "stori_set_key", "stori_add_midi_track", "stori_add_midi_region",
         "stori_set_midi_program", "stori_set_track_name", "stori_set_track_color", "stori_set_track_icon",
         "stori_play", "stori_stop", "stori_set_playhead", "stori_show_panel", "stori_set_zoom"), "setup"),
    **dict.fromkeys(("stori_move_region", "stori_clear_notes", "stori_quantize_notes", "stori_apply_swing"),
                    "arrangement"),
    **dict.fromkeys(("stori_add_midi_cc", "stori_add_pitch_bend", "stori_add_aftertouch"), "expression"),
    "stori_add_insert_effect": "soundDesign",
    **dict.fromkeys(("stori_set_track_volume", "stori_set_track_pan", "stori_mute_track", "stori_solo_track",
                     "stori_ensure_bus", "stori_add_send", "stori_add_automation"), "mixing"),
}  # fmt: skip


def phase_of(tool: str) -> Phase:
    """sse.md §6.5; ``composition`` is the default (notes, generation, region deletion and duplication)."""
    return cast(Phase, _PHASES.get(tool, "composition"))


def num(value: Any) -> str:
    """A number without trailing zeros (``120``, ``92.5``)."""
    return f"{float(value):g}"


def agent_id_of(track_name: str) -> str:
    """sse.md §4.3: lower case, runs of other characters than letters and digits become ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", track_name.lower()).strip("-") or "track"


@dataclass
class Agent:
    """One instrument of a composition: its track and how the timeline shows it."""

    agent_id: str
    track_name: str
    role_text: str  # the Role item as written
    generator_role: str
    color: str
    instrument: str  # "TR-909", "GM 33": the summary's instrument text
    track_ref: str  # existing track id, or "$N.trackId" of its create call
    reused: bool = False


@dataclass
class Action:
    """One call of a plan. ``index`` is its position in the plan's call list (the N of ``$N.field``)."""

    index: int
    tool: str
    params: dict[str, Any]
    label: str
    section: str | None = None
    # Generation only: where the notes go (region id or "$N.regionId"), the beat offset of this chunk in
    # the region, and the project-absolute start beat reported in generatorStart.
    region: str | None = None
    region_offset: float = 0.0
    start_beat: float = 0.0

    @property
    def is_generator(self) -> bool:
        return self.tool in GENERATOR_TOOLS


@dataclass
class Step:
    step_id: str
    label: str
    phase: Phase
    tool_name: str | None = None
    detail: str | None = None
    parallel_group: str | None = None
    agent: Agent | None = None
    actions: list[Action] = field(default_factory=list)
    skip_result: str | None = None  # known not to run (a reused track's create step): reported skipped

    @property
    def generations(self) -> int:
        return sum(a.is_generator for a in self.actions)


@dataclass
class Plan:
    title: str
    steps: list[Step]
    agents: list[Agent] = field(default_factory=list)
    teams: bool = False  # Agent Teams (sse.md §5.4): instrument steps run concurrently
    warnings: list[str] = field(default_factory=list)
    bars: int = 0
    style: str = ""
    intent_text: str = ""  # the request text (variation ``intent``)

    @property
    def actions(self) -> list[Action]:
        return sorted((a for s in self.steps for a in s.actions), key=lambda a: a.index)

    @property
    def call_count(self) -> int:
        return max((a.index for s in self.steps for a in s.actions), default=-1) + 1

    def tool_calls(self) -> list[dict[str, Any]]:
        """``[{name, params}]`` in call-index order, ``$N.field`` references kept (preview)."""
        return [{"name": a.tool, "params": a.params} for a in self.actions]


# -- labels (sse.md §6.2) --------------------------------------------------------------------------------


class Names:
    """Display names of the entities a plan touches, by id or by ``$N.field`` reference."""

    def __init__(self, project: Project) -> None:
        self.tracks: dict[str, str] = {t.id: t.name for t in project.tracks}
        self.regions: dict[str, str] = {r.id: r.name for t in project.tracks for r in t.regions}
        self.region_track: dict[str, str] = {r.id: t.name for t in project.tracks for r in t.regions}
        self.buses: dict[str, str] = {b.id: b.name for b in project.buses}

    def track(self, ref: Any) -> str:
        return self.tracks.get(str(ref), str(ref))

    def region(self, ref: Any) -> str:
        return self.regions.get(str(ref), str(ref))

    def bus(self, ref: Any) -> str:
        return self.buses.get(str(ref), str(ref))

    def learn(self, index: int, tool: str, params: dict[str, Any]) -> None:
        """Record the names a call creates, under its ``$index.…`` references."""
        if tool in ("stori_add_midi_track", "stori_add_track"):
            self.tracks[f"${index}.trackId"] = str(params.get("name") or "Track")
        elif tool in ("stori_add_midi_region", "stori_add_region"):
            track = self.track(params.get("trackId"))
            self.regions[f"${index}.regionId"] = str(params.get("name") or track)
            self.region_track[f"${index}.regionId"] = track
        elif tool == "stori_ensure_bus":
            self.buses[f"${index}.busId"] = str(params.get("name") or "Bus")


def tool_label(tool: str, p: dict[str, Any], names: Names) -> str:
    """The ``toolStart`` label of a call (sse.md §6.2, extension: exact texts)."""
    track = names.track(p.get("trackId") or p.get("target"))
    region = names.region(p.get("regionId"))
    simple: dict[str, Callable[[], str]] = {
        "stori_create_project": lambda: f"Create project {p.get('name', '')}".strip(),
        "stori_set_tempo": lambda: f"Set tempo to {num(p.get('tempo', 0))} BPM",
        "stori_set_key": lambda: f"Set key signature to {key_text(p.get('key') or p.get('keySignature') or '')}",
        "stori_add_midi_track": lambda: f"Create {p.get('name', 'Track')} track",
        "stori_set_track_volume": lambda: f"Set {track} volume to {num(p.get('volumeDb', 0))} dB",
        "stori_set_track_pan": lambda: f"Pan {track} to {num(p.get('pan', 0))}",
        "stori_set_track_name": lambda: f"Rename {track} to {p.get('name', '')}",
        "stori_set_midi_program": lambda: f"Set {track} instrument to program {p.get('program')}",
        "stori_mute_track": lambda: f"{'Mute' if p.get('muted', True) else 'Unmute'} {track}",
        "stori_solo_track": lambda: f"{'Solo' if p.get('solo', True) else 'Unsolo'} {track}",
        "stori_set_track_color": lambda: f"Set {track} color to {p.get('color')}",
        "stori_set_track_icon": lambda: f"Set {track} icon to {p.get('icon')}",
        "stori_add_midi_region": lambda: f"Create region {p.get('name') or region}",
        "stori_play": lambda: "Start playback",
        "stori_stop": lambda: "Stop playback",
        "stori_set_playhead": lambda: f"Move playhead to beat {num(_playhead_beat(p))}",
        "stori_set_zoom": lambda: f"Set zoom to {num(p.get('zoomPercent', 100))}%",
        "stori_delete_region": lambda: f"Delete region {region}",
        "stori_move_region": lambda: f"Move region {region} to beat {num(p.get('startBeat', 0))}",
        "stori_duplicate_region": lambda: f"Duplicate region {region} to beat {num(p.get('startBeat', 0))}",
        "stori_add_notes": lambda: f"Add {len(p.get('notes') or [])} notes to {names.region_track.get(str(p.get('regionId')), region)}",
        "stori_clear_notes": lambda: f"Clear notes in {region}",
        "stori_quantize_notes": lambda: f"Quantize {region} to {p.get('grid', '1/16')}",
        "stori_apply_swing": lambda: f"Apply swing to {region}",
        "stori_add_insert_effect": lambda: f"Add {str(p.get('type', '')).title()} to {track}",
        "stori_ensure_bus": lambda: f"Set up shared {p.get('name', 'Bus')} bus",
        "stori_add_send": lambda: f"Send {track} to {names.bus(p.get('busId'))} bus",
        "stori_add_automation": lambda: f"Write {p.get('parameter', 'volume')} automation for {track}",
        "stori_add_midi_cc": lambda: f"Add MIDI CC {p.get('cc')} to {names.region_track.get(str(p.get('regionId')), region)}",
        "stori_add_pitch_bend": lambda: f"Add pitch bend to {names.region_track.get(str(p.get('regionId')), region)}",
        "stori_add_aftertouch": lambda: f"Add aftertouch to {names.region_track.get(str(p.get('regionId')), region)}",
        "stori_show_panel": lambda: f"{'Show' if p.get('visible', True) else 'Hide'} {p.get('panel')}",
    }  # fmt: skip
    make = simple.get(tool)
    return make() if make else tool


def _playhead_beat(p: dict[str, Any]) -> float:
    if p.get("bar") is not None:
        return (float(p["bar"]) - 1) * 4
    return float(p.get("beat") or p.get("seconds") or 0)


def key_text(key: str) -> str:
    """``<Key>`` of a label: as given, root letter upper-cased."""
    key = str(key).strip()
    return key[:1].upper() + key[1:]


def generator_label(role: str, track: str, bars: int) -> str:
    return f"Generating {role} for {track} ({bars} bars)"


# -- steps for a flat list of calls (EDITING, LLM batches) -------------------------------------------------

_TRACK_STEPS: dict[str, tuple[str, int]] = {
    "stori_add_midi_track": ("Create {} track", 0),
    "stori_add_midi_region": ("Add content to {}", 1),
    "stori_add_notes": ("Add content to {}", 1),
    "stori_apply_swing": ("Add content to {}", 1),
    "stori_quantize_notes": ("Add content to {}", 1),
    "stori_add_insert_effect": ("Add effects to {}", 2),
    "stori_add_midi_cc": ("Add MIDI CC to {}", 3),
    "stori_add_aftertouch": ("Add MIDI CC to {}", 3),
    "stori_add_pitch_bend": ("Add pitch bend to {}", 4),
    "stori_add_automation": ("Write automation for {}", 5),
    **{tool: ("Add content to {}", 1) for tool in GENERATOR_TOOLS},
}


def _step_key(tool: str, params: dict[str, Any], names: Names) -> tuple[int, str, str | None, int]:
    """(group, label, track, order within the track) of a call: group 0 = project set-up, 1 = track steps,
    2 = other steps, 3 = shared bus steps (sse.md §6.3)."""
    if tool == "stori_set_tempo":
        return 0, tool_label(tool, params, names), None, 0
    if tool == "stori_set_key":
        return 0, tool_label(tool, params, names), None, 1
    if tool == "stori_ensure_bus":
        return 3, f"Set up shared {params.get('name', 'Bus')} bus", None, 0
    if tool == "stori_add_send":
        return 3, f"Set up shared {names.bus(params.get('busId'))} bus", None, 0
    if tool in _TRACK_STEPS:
        pattern, order = _TRACK_STEPS[tool]
        if tool == "stori_add_midi_track":
            track = str(params.get("name") or "Track")
        elif "regionId" in params and tool not in ("stori_add_midi_region",):
            track = names.region_track.get(str(params["regionId"]), names.region(params["regionId"]))
        else:
            track = names.track(params.get("trackId") or params.get("target"))
        return 1, pattern.format(track), track, order
    return 2, tool_label(tool, params, names), None, 0


def plan_from_calls(
    calls: list[dict[str, Any]], project: Project, title: str, *, composing: bool = False
) -> Plan:
    """Group ``calls`` (``{"tool"|"name", "params"|"arguments"}``, ``$N`` indexing this list) into
    canonical steps, track-contiguous (sse.md §6.3). The calls keep their indexes; executing the steps in
    order runs the batch stably re-ordered by step (sse.md §5.2)."""
    names = Names(project)
    groups: dict[str, Step] = {}
    keys: dict[str, tuple[int, int, int, int]] = {}
    track_first: dict[str, int] = {}
    for index, raw in enumerate(calls):
        tool = str(raw.get("tool") or raw.get("name"))
        params = dict(raw.get("params") or raw.get("arguments") or {})
        group, label, track, order = _step_key(tool, params, names)
        action = Action(index, tool, params, tool_label(tool, params, names))
        if tool in GENERATOR_TOOLS:
            action.region = str(params.get("regionId") or "")
            bars = int(params.get("bars") or 4)
            track_name = names.region_track.get(action.region, track or "")
            action.label = generator_label(str(params.get("role") or "melody"), track_name, bars)
        names.learn(index, tool, params)
        step = groups.get(label)
        if step is None:
            step = groups[label] = Step(step_id="", label=label, phase=phase_of(tool), tool_name=tool)
            if track is not None:
                track_first.setdefault(track, index)
            keys[label] = (group, track_first.get(track, index) if track else index, order, index)
        elif step.tool_name != tool and not (
            step.tool_name == "stori_ensure_bus" and tool == "stori_add_send"
        ):
            step.tool_name = _content_tool(step.tool_name, tool)
        step.actions.append(action)
    steps = sorted(groups.values(), key=lambda s: keys[s.label])
    for n, step in enumerate(steps, start=1):
        step.step_id = str(n)
        if step.label.startswith("Add content to"):
            step.tool_name, step.phase = "stori_add_notes", "composition"
    return Plan(title=title, steps=steps)


def _content_tool(current: str | None, new: str) -> str | None:
    return current if current == new else None


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and REFERENCE.match(value) is not None
