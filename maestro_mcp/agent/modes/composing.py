"""COMPOSING (sse.md §5.3, §5.4): a plan from the prompt (or from the LLM planner), executed as proposals on
a scratch copy of the project, then the variation (variations.md §3) and its events.

Which plan: a STORI PROMPT or the slots of a natural-language request give the deterministic plan of
stori-prompt.md §8; Agent Teams runs its instrument steps concurrently, each instrument with its own LLM
session when an LLM is configured (``llm_teams``); with an LLM, natural language and single-role prompts
with fields missing are planned by the model (``llm_composing``).
"""

from __future__ import annotations

from typing import Any

from maestro_mcp.daw.model import Project
from maestro_mcp.prompts import StoriPrompt
from maestro_mcp.prompts.fields import Constraints

from .. import events as ev
from ..compose_slots import composition_slots
from ..executor import Runner
from ..intent import IntentResult
from ..planner import Plan
from ..planner_compose import plan_from_prompt
from ..stream_context import ScratchStore
from ..stream_run import StreamRun, emit_state
from ..teams import run_sequential, run_teams
from ..variation import ToolCallRecord, compute_variation, variation_events
from .llm_batch import LlmSession, plan_event
from .llm_composing import run_llm_planner
from .llm_teams import LlmTeamRunner

STRUCTURAL_TOOLS = frozenset({
    "stori_set_tempo", "stori_set_key", "stori_add_midi_track", "stori_set_midi_program", "stori_set_track_color",
    "stori_set_track_icon", "stori_set_track_volume", "stori_set_track_pan", "stori_add_midi_region",
    "stori_add_insert_effect", "stori_ensure_bus", "stori_add_send", "stori_add_automation",
})  # fmt: skip


def prompt_from_slots(text: str, project: Project) -> StoriPrompt:
    slots = composition_slots(text, project)
    return StoriPrompt(
        mode="compose", request=slots.request or text, style=slots.style if slots.style_found else None,
        key=slots.key, tempo=slots.tempo, roles=list(slots.roles), constraints=Constraints(bars=slots.bars),
    )  # fmt: skip


async def run_composing(
    run: StreamRun, intent: IntentResult, prompt: StoriPrompt | None, project: Project
) -> None:
    run.variation_id = run.ids()
    base, version = await run.ctx.read()
    structured = prompt is not None
    compose = prompt if prompt is not None else prompt_from_slots(run.request.prompt, project)
    plan = plan_from_prompt(compose, base, seed=run.request.seed, allow_teams=structured)
    session = run.session
    # stori-prompt.md §8.1: the LLM plans natural language and single-role prompts with fields missing;
    # Agent Teams keeps the deterministic plan and gives each instrument agent an LLM session.
    complete = prompt is not None and bool(prompt.style and prompt.tempo and prompt.roles
                                           and prompt.constraints.bars is not None)  # fmt: skip
    if session is not None and not plan.teams and not complete:
        run.deterministic = False
        await emit_state(run, intent)
        await _llm_composing(run, session, intent, prompt, base, version)
        return
    run.deterministic = run.deterministic and not (session is not None and plan.teams)
    run.warnings += [w for w in plan.warnings if w not in run.warnings]
    await emit_state(run, intent)
    if plan.teams:
        await run.emit(ev.StatusEvent(message="Preparing composition..."))
    scratch = ScratchStore(base, version)
    options: dict[str, Any] = dict(emitter=run.emitter, principal=run.ctx.principal, projects=scratch,
                                   settings=run.ctx.settings, ids=run.ids, plan=plan, proposal=True,
                                   trace_id=run.trace_id)  # fmt: skip
    runner = run.runner = (
        LlmTeamRunner(session=session, prompt=prompt, text=run.request.prompt, base=base, **options)
        if session is not None and plan.teams
        else Runner(project=base, **options)
    )
    await run.emit(plan_event(plan, run.ids()))
    generations = sum(s.generations > 0 for s in plan.steps)
    await run.emit(ev.PlanSummaryEvent(total_steps=len(plan.steps), generations=generations,
                                       edits=len(plan.steps) - generations))  # fmt: skip
    if plan.teams:
        await run_teams(runner, plan, run.deps.team_limits)
    else:
        await run_sequential(runner, plan.steps)
    await runner.finish_steps()
    if plan.teams:
        await run.emit(_summary_final(run, runner, plan))
    await _variation(run, runner, plan, base, scratch.project, version, intent_text=compose.request)


async def _llm_composing(
    run: StreamRun,
    session: LlmSession,
    intent: IntentResult,
    prompt: StoriPrompt | None,
    base: Project,
    version: int,
) -> None:
    """sse.md §5.3 with the LLM planner; a response without tool calls is the "too vague" answer."""
    await run.emit(ev.StatusEvent(message="Thinking..."))
    scratch = ScratchStore(base, version)
    outcome = await run_llm_planner(session, intent, text=run.request.prompt, prompt=prompt, base=base,
                                    scratch=scratch)  # fmt: skip
    if outcome.plan is None or outcome.runner is None:
        run.variation_id = None  # no variation is created
        await run.emit(ev.ContentEvent(content=outcome.content))
        await run.finish(True)
        return
    await outcome.runner.finish_steps()
    request = prompt.request if prompt is not None else run.request.prompt
    tracks = len(outcome.stats.tracks_created)
    explanation = outcome.content.strip() or f"Composed {tracks} track{'s' if tracks != 1 else ''}"
    await _variation(run, outcome.runner, outcome.plan, base, scratch.project, version, intent_text=request,
                     explanation=explanation[:2000])  # fmt: skip


def _summary_final(run: StreamRun, runner: Runner, plan: Plan) -> ev.SummaryFinalEvent:
    s = runner.stats
    reused = [ev.TrackInfo(name=a.track_name, instrument=a.instrument, track_id=a.track_ref, color=a.color)
              for a in plan.agents if a.reused]  # fmt: skip
    text = (f"{len(s.tracks_created) + len(reused)} tracks, {s.notes} notes, {len(s.effects)} effects, "
            f"{s.sends} send{'s' if s.sends != 1 else ''}")  # fmt: skip
    return ev.SummaryFinalEvent(
        trace_id=run.trace_id, track_count=len(s.tracks_created) + len(reused), tracks_created=s.tracks_created,
        tracks_reused=reused, regions_created=s.regions, notes_generated=s.notes, effects_added=s.effects,
        effect_count=len(s.effects), sends_created=s.sends, cc_envelopes=s.cc, automation_lanes=s.automation_lanes,
        text=text,
    )  # fmt: skip


async def _variation(
    run: StreamRun, runner: Runner, plan: Plan, base: Project, proposed: Project, version: int, *, intent_text: str,
    explanation: str | None = None,
) -> None:  # fmt: skip
    assert run.variation_id is not None
    stats = runner.stats
    track_order = [_track_id(runner, a.track_ref) for a in plan.agents]
    n = len(plan.agents)
    explanation = explanation or (
        f"Agent Teams composition: {n} instruments over {plan.bars} bars" if plan.teams
        else f"Composed {n} instrument{'s' if n != 1 else ''} over {plan.bars} bars"
    )  # fmt: skip
    structural = [ToolCallRecord(id=run.ids(), name=c["name"], params=c["params"])
                  for c in stats.applied if c["name"] in STRUCTURAL_TOOLS]  # fmt: skip
    variation = compute_variation(
        base, proposed, variation_id=run.variation_id, intent=intent_text, base_state_id=version,
        project_id=run.ctx.project_id, ai_explanation=explanation, tool_calls=structural,
        track_order=[t for t in track_order if t], ids=run.ids,
    )  # fmt: skip
    if run.deps.variations is not None:
        variation = await run.deps.variations.record(run.ctx.principal, variation)
    for payload in variation_events(variation):
        await run.emit(ev.parse_event({**payload, "protocolVersion": ev.PROTOCOL_VERSION}))
    run.variation_id = None  # done was sent: a later failure no longer fails the variation
    if stats.tool_errors:
        run.warnings.append(f"{stats.tool_errors} tool error(s) occurred")
    counts = variation.note_counts
    total = counts.added + counts.removed + counts.modified
    failed = (stats.regions > 0 and stats.notes == 0) or (stats.tool_errors > 0 and stats.notes == 0)
    error = "No notes were generated" if failed else None
    agent_steps = [s for s in plan.steps if s.parallel_group]
    if agent_steps and not any(runner.status[s.step_id] == "completed" for s in agent_steps):
        failed, error = True, "Every instrument agent failed"
    await run.finish(not failed, error=error,
                     variation_id=variation.variation_id, phrase_count=len(variation.phrases),
                     total_changes=total)  # fmt: skip


def _track_id(runner: Runner, ref: str) -> str | None:
    if ref.startswith("$"):
        index = int(ref[1:].split(".", 1)[0])
        result = runner.results[index] if index < len(runner.results) else None
        return str(result["trackId"]) if result and result.get("ok") else None
    return ref
