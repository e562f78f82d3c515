"""Running a plan: every call through ``tools.dispatch`` on the stream's project context, emitting the
events of spec/sse.md §5 in the order its grammars give.

One ``Runner`` per stream. ``run_step`` executes one step (``planStepUpdate(active)`` → calls →
``planStepUpdate(completed|failed)``, plus ``progress`` in COMPOSING); a generation call shows as
``generatorStart`` → ``generatorComplete`` and its notes are written by ``stori_add_notes`` calls of at most
128 notes (then CC and pitch bend), each a ``toolStart`` → ``toolCall|toolError`` pair. Calls keep their
plan index, so ``$N.field`` references resolve against the plan's earlier results, whatever order the
steps ran in. The same runner executes an LLM batch (``plan_from_calls`` + ``allowed_tools``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.config import Settings
from maestro_mcp.daw.model import Project
from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.dispatch import ToolContext, ToolResult, dispatch
from maestro_mcp.tools.generation import EVENTS_PER_CALL, NOTES_PER_CALL

from . import events as ev
from .planner import Action, Agent, Plan, Step, num, phase_of, tool_label
from .stream_context import Ids, ProjectLike

EFFECT_TOOLS = frozenset({"stori_add_insert_effect"})


@dataclass
class Stats:
    """What the calls did, for ``summary``, ``summary.final`` and ``complete``."""

    applied: list[dict[str, Any]] = field(default_factory=list)  # [{name, params}] of successful calls
    tool_errors: int = 0
    regions: int = 0
    notes: int = 0
    effects: list[ev.EffectInfo] = field(default_factory=list)
    sends: int = 0
    cc: list[ev.CcEnvelopeInfo] = field(default_factory=list)
    automation_lanes: int = 0
    tracks_touched: list[str] = field(default_factory=list)
    tracks_created: list[ev.TrackInfo] = field(default_factory=list)
    state_version: int | None = None
    generator_failures: int = 0

    def touch(self, name: str | None) -> None:
        if name and name not in self.tracks_touched:
            self.tracks_touched.append(name)


@dataclass
class StepOutcome:
    ok: int = 0
    failed: int = 0
    notes: int = 0
    effects: list[str] = field(default_factory=list)
    sends: int = 0
    events: int = 0
    generation_failed: bool = False

    @property
    def success(self) -> bool:
        # sse.md §5.2: a step fails when none of its calls succeeded; §5.4: a failed generation fails
        # its content step (and with it the instrument agent).
        return not self.generation_failed and (self.ok > 0 or self.failed == 0)


class Runner:
    def __init__(
        self,
        *,
        emitter: ev.Emitter,
        principal: str,
        projects: ProjectLike,
        settings: Settings,
        ids: Ids,
        plan: Plan,
        proposal: bool,
        trace_id: str,
        allowed_tools: frozenset[str] | None = None,
        project: Project | None = None,
    ) -> None:
        self.emit = emitter.emit
        self.emit_many = emitter.emit_many
        self.ids = ids
        self.plan = plan
        self.proposal = proposal
        self.trace_id = trace_id
        self.results: list[dict[str, Any] | None] = [None] * plan.call_count
        self.ctx = ToolContext(principal, projects, settings, plan_results=self.results, allowed_tools=allowed_tools,
                               trace_id=trace_id)  # fmt: skip
        self.status: dict[str, str] = {s.step_id: "pending" for s in plan.steps}
        # The last status each step's planStepUpdate actually went out with. It can lag ``status`` when a
        # cancellation (request time limit, agent time limit) lands inside the emit of a terminal update;
        # ``finish_steps`` goes by this, so every step still ends terminal on the wire (sse.md §6.4).
        self.reported: dict[str, str] = {s.step_id: "pending" for s in plan.steps}
        self.stats = Stats()
        self.finished = 0  # steps completed or failed (progress.currentStep)
        # Track names by track id and by region id: the project's, then those the calls create.
        self.track_names: dict[str, str] = {t.id: t.name for t in project.tracks} if project else {}
        self.region_tracks: dict[str, str] = (
            {r.id: t.name for t in project.tracks for r in t.regions} if project else {}
        )

    # -- steps --------------------------------------------------------------------------------------

    async def report(self, step: Step, status: str, *, result: str | None = None, extra: ev.Event | None = None) -> None:
        """Set ``step``'s status and send its planStepUpdate (then ``extra``, e.g. its progress event)."""
        self.status[step.step_id] = status
        update = ev.PlanStepUpdateEvent(step_id=step.step_id, status=status, phase=step.phase,  # type: ignore[arg-type]
                                        result=result, agent_id=_agent(step))  # fmt: skip
        if extra is None:
            await self.emit(update)
        else:
            await self.emit_many(update, extra)
        self.reported[step.step_id] = status

    async def fail_started(self, steps: list[Step], result: str | None = None) -> None:
        """Report failed every step of ``steps`` that started but has no terminal update on the wire yet
        (a cancellation can land inside any emit, including the step's own "active" one)."""
        for step in steps:
            if self.status[step.step_id] != "pending" and self.reported[step.step_id] in ("pending", "active"):
                await self.report(step, "failed", result=result)

    async def skip(self, step: Step) -> None:
        await self.report(step, "skipped", result=step.skip_result)

    async def run_step(self, step: Step) -> bool:
        """Run one step; True when it completed."""
        if step.skip_result is not None:
            if step.agent is not None and step.agent.reused:
                self.stats.touch(step.agent.track_name)
            await self.skip(step)
            return True
        await self.report(step, "active")
        outcome = StepOutcome()
        for action in step.actions:
            if action.is_generator:
                await self._generate(step, action, outcome)
            else:
                await self._call(step, action, outcome)
        status = "completed" if outcome.success else "failed"
        self.finished += 1
        progress = None
        if self.proposal:
            # sse.md §4.6: progress comes immediately after the step's terminal update.
            progress = ev.ProgressEvent(
                current_step=self.finished, total_steps=len(self.plan.steps), message=step.label
            )
        await self.report(step, status, result=self._result_text(step, outcome), extra=progress)
        return outcome.success

    async def finish_steps(self) -> None:
        """sse.md §6.4: steps still active become failed, steps never activated skipped."""
        for step in self.plan.steps:
            if self.reported[step.step_id] in ("pending", "active"):
                # A step that started and was not reported terminal failed; one never started is skipped.
                await self.report(step, "skipped" if self.status[step.step_id] == "pending" else "failed")

    # -- calls --------------------------------------------------------------------------------------

    def _tool_ctx(self, index: int | None) -> ToolContext:
        if index is None:
            return dataclasses.replace(self.ctx, plan_results=None, plan_index=None, allowed_tools=None)
        return dataclasses.replace(self.ctx, plan_index=index)

    async def _call(self, step: Step, action: Action, outcome: StepOutcome) -> ToolResult:
        result = await self._dispatch(
            step, action.tool, action.params, action.label, action.index, action.section
        )
        self.results[action.index] = result.payload
        self._count(step, action.tool, result, outcome)
        return result

    async def _dispatch(
        self, step: Step | None, tool: str, params: dict[str, Any], label: str, index: int | None,
        section: str | None,
    ) -> ToolResult:  # fmt: skip
        agent_id = _agent(step)
        phase = phase_of(tool)
        await self.emit(ev.ToolStartEvent(name=tool, label=label, phase=phase, agent_id=agent_id,
                                          section_name=section))  # fmt: skip
        result = await dispatch(self._tool_ctx(index), tool, params)
        canonical = str(result.payload.get("tool") or tool)
        step_id = step.step_id if step is not None else None
        if result.is_error:
            self.stats.tool_errors += 1
            details = [
                ev.ErrorDetail(code=e["code"], field=e["field"], message=e["message"]) for e in result.errors
            ]
            rendered = [f"{d.field}: {d.message}" if d.field else d.message for d in details]
            await self.emit(ev.ToolErrorEvent(name=canonical, error=details[0].message if details else "failed",
                                              errors=rendered, code=details[0].code if details else None,
                                              details=details, agent_id=agent_id, section_name=section,
                                              step_id=step_id))  # fmt: skip
            return result
        effective = effective_params(canonical, result)
        self.stats.applied.append({"name": canonical, "params": effective})
        if isinstance(result.payload.get("stateVersion"), int) and not self.proposal:
            self.stats.state_version = result.payload["stateVersion"]
        await self.emit(ev.ToolCallEvent(id=self.ids(), name=canonical, params=effective,
                                         proposal=True if self.proposal else None, label=label, phase=phase,
                                         step_id=step_id, agent_id=agent_id, section_name=section))  # fmt: skip
        return result

    async def _generate(self, step: Step, action: Action, outcome: StepOutcome) -> None:
        agent = step.agent
        agent_id = agent.agent_id if agent else _track_agent(action)
        params = {k: v for k, v in action.params.items() if k != "regionId"}
        role = str(params.get("role") or "melody")
        bars = int(params.get("bars") or 4)
        await self.emit(ev.GeneratorStartEvent(role=role, agent_id=agent_id, style=str(params.get("style", "")),
                                               bars=bars, start_beat=action.start_beat, label=action.label,
                                               section_name=action.section))  # fmt: skip
        result = await dispatch(self._tool_ctx(action.index), action.tool, params)
        self.results[action.index] = result.payload
        if result.is_error:
            outcome.failed += 1
            outcome.generation_failed = True
            self.stats.tool_errors += 1
            self.stats.generator_failures += 1
            errors = result.errors
            first = (
                errors[0]
                if errors
                else {"code": "GENERATION_FAILED", "field": "", "message": "generation failed"}
            )
            await self.emit(ev.ToolErrorEvent(
                name=action.tool, error=first["message"], errors=[f"{e['field']}: {e['message']}" if e["field"] else
                                                                  e["message"] for e in errors],
                code=first["code"], details=[ev.ErrorDetail(**e) for e in errors], agent_id=agent_id,
                section_name=action.section, step_id=step.step_id))  # fmt: skip
            return
        p = result.payload
        await self.emit(ev.GeneratorCompleteEvent(role=role, agent_id=agent_id, note_count=int(p.get("noteCount") or 0),
                                                  duration_ms=int(p.get("durationMs") or 0), section_name=action.section,
                                                  backend=p.get("backend"), fallback=p.get("fallback")))  # fmt: skip
        await self._write_generated(step, action, p, outcome)

    async def _write_generated(
        self, step: Step, action: Action, p: dict[str, Any], outcome: StepOutcome
    ) -> None:
        offset = action.region_offset
        notes = [{**n, "startBeat": round(n["startBeat"] + offset, 6)} for n in p.get("notes") or []]
        cc = [{**e, "beat": round(e["beat"] + offset, 6)} for e in p.get("ccEvents") or []]
        bends = [{**e, "beat": round(e["beat"] + offset, 6)} for e in p.get("pitchBends") or []]
        writes: list[tuple[str, dict[str, Any]]] = [
            ("stori_add_notes", {"notes": notes[i : i + NOTES_PER_CALL]})
            for i in range(0, len(notes), NOTES_PER_CALL)
        ]
        for number in sorted({e["cc"] for e in cc}):
            events = [{"beat": e["beat"], "value": e["value"]} for e in cc if e["cc"] == number]
            writes += [("stori_add_midi_cc", {"cc": number, "events": events[i:i + EVENTS_PER_CALL]})
                       for i in range(0, len(events), EVENTS_PER_CALL)]  # fmt: skip
        writes += [("stori_add_pitch_bend", {"events": bends[i:i + EVENTS_PER_CALL]})
                   for i in range(0, len(bends), EVENTS_PER_CALL)]  # fmt: skip
        region = action.region or ""
        for tool, args in writes:
            params = {"regionId": region, **args}
            track = self.plan_track_name(step)
            label = (
                f"Add {len(args['notes'])} notes to {track}"
                if tool == "stori_add_notes"
                else (
                    f"Add MIDI CC {args['cc']} to {track}"
                    if tool == "stori_add_midi_cc"
                    else f"Add pitch bend to {track}"
                )
            )
            # The region may still be "$N.regionId": resolve it as the generation call would.
            result = await self._dispatch(step, tool, params, label, action.index, action.section)
            self._count(step, tool, result, outcome)
            if not result.is_error:
                region = str(result.payload.get("regionId") or region)

    def plan_track_name(self, step: Step) -> str:
        return step.agent.track_name if step.agent else step.label.removeprefix("Add content to ")

    # -- bookkeeping --------------------------------------------------------------------------------

    def _count(self, step: Step, tool: str, result: ToolResult, outcome: StepOutcome) -> None:
        if result.is_error:
            outcome.failed += 1
            return
        outcome.ok += 1
        p = result.payload
        track_id = p.get("trackId") or p.get("target")
        if tool in ("stori_add_midi_track", "stori_add_track"):
            self.track_names[str(p["trackId"])] = str(p.get("name"))
            agent = step.agent
            self.stats.tracks_created.append(
                ev.TrackInfo(
                    name=str(p.get("name")),
                    instrument=str(p.get("drumKitId") or f"GM {p.get('gmProgram')}"),
                    track_id=str(p["trackId"]),
                    color=str(p.get("color") or (agent.color if agent else "#E85D75")),
                )
            )
        name = (
            self.track_names.get(str(track_id))
            if track_id
            else self.region_tracks.get(str(p.get("regionId")))
        )
        self.stats.touch(name or (step.agent.track_name if step.agent else None))
        if tool in ("stori_add_midi_region", "stori_add_region"):
            self.stats.regions += 1
            if name:
                self.region_tracks[str(p.get("regionId"))] = name
        elif tool == "stori_add_notes":
            added = int(p.get("addedCount") or 0)
            outcome.notes += added
            self.stats.notes += added
        elif tool in EFFECT_TOOLS:
            outcome.effects.append(str(p.get("type")))
            self.stats.effects.append(ev.EffectInfo(track_id=str(track_id), type=str(p.get("type"))))
        elif tool == "stori_add_send":
            outcome.sends += 1
            self.stats.sends += 1
        elif tool == "stori_add_midi_cc":
            outcome.events += int(p.get("addedCount") or 0)
            self.stats.cc.append(ev.CcEnvelopeInfo(cc=int(p.get("cc") or 0), name=_cc_name(int(p.get("cc") or 0)),
                                                   track_id=str(p.get("trackId") or "") or None,
                                                   point_count=int(p.get("addedCount") or 0) or None))  # fmt: skip
        elif tool == "stori_add_automation":
            self.stats.automation_lanes += 1

    def _result_text(self, step: Step, o: StepOutcome) -> str | None:
        if not o.success:
            return f"{o.failed} call(s) failed"
        label = step.label
        if label.startswith("Create ") and label.endswith(" track"):
            return f"{label.removeprefix('Create ')} created"
        if label.startswith("Add content to "):
            bars = sum(int(a.params.get("bars") or 0) for a in step.actions if a.is_generator)
            return f"{o.notes} notes generated · {bars} bars" if bars else f"{o.ok} change(s)"
        if label.startswith("Add effects to "):
            return ", ".join(e.title() for e in o.effects) + ("" if self.proposal else " added")
        if label.startswith("Set up shared "):
            bus = label.removeprefix("Set up shared ").removesuffix(" bus")
            return f"{bus} bus, {o.sends} send{'s' if o.sends != 1 else ''}"
        if label.startswith("Set tempo to "):
            return "Tempo " + label.removeprefix("Set tempo to ")
        if label.startswith("Set key signature to "):
            return "Key " + label.removeprefix("Set key signature to ")
        if label.startswith("Set ") and " volume to " in label:
            track, _, value = label.removeprefix("Set ").partition(" volume to ")
            return f"{track} at {num_signed(value)}"
        return label


def num_signed(text: str) -> str:
    value, _, unit = text.partition(" ")
    try:
        return f"{float(value):+g} {unit}".strip()
    except ValueError:
        return text


def _agent(step: Step | None) -> str | None:
    return step.agent.agent_id if step is not None and step.agent is not None else None


def _track_agent(action: Action) -> str:
    label = action.label
    name = label.split(" for ", 1)[1].rsplit(" (", 1)[0] if " for " in label else "track"
    from .planner import agent_id_of

    return agent_id_of(name)


def _cc_name(cc: int) -> str:
    from .planner_expression import CC_NAMES

    return CC_NAMES.get(cc, f"CC {cc}")


def effective_params(tool: str, result: ToolResult) -> dict[str, Any]:
    """A ``toolCall``'s params: the validated arguments with every entity id concrete and the values the
    server minted or inferred (ids, ``gmProgram``/``drumKitId``, ``color``, ``icon``, region ``name``,
    ``levelDb``…), taken from the result fields that are also parameters of the tool (tools.md §2.5)."""
    params = dict(result.params or {})
    spec = get_spec(tool)
    if spec is None:
        return params
    names = {p.name for p in spec.params} | set(spec.new_ids)
    for key, value in result.payload.items():
        if key in names and value is not None and key not in ("notes", "events", "points"):
            params[key] = value
    if tool in ("stori_add_midi_track", "stori_add_track"):
        params.pop("drumKitId" if result.payload.get("gmProgram") is not None else "gmProgram", None)
    return {k: v for k, v in params.items() if v is not None}


def agents_of(plan: Plan) -> list[Agent]:
    return list(plan.agents)


__all__ = ["Runner", "Stats", "effective_params", "num", "tool_label"]
