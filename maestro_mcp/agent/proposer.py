"""The proposer of ``POST /variation/propose`` (variations.md §6.1): the deterministic plan of the request's
intent, run as proposals on the scratch project the variation service hands over.

The same planning as a COMPOSING stream (``modes.composing``: a STORI PROMPT, or the slots of natural
language, through ``plan_from_prompt``) and as EDITING (``structured_edit`` / ``edit_calls``), but with no
stream to feed: the executor's events go nowhere, and what counts is the scratch project afterwards, the
structural calls and the track order. A REASONING intent cannot be proposed (``INTENT_NOT_SUPPORTED``).
"""

from __future__ import annotations

from typing import Any

from maestro_mcp.config import Settings
from maestro_mcp.prompts import PromptParseError, StoriPrompt, parse_stori_prompt

from . import events as ev
from .edit_calls import edit_calls
from .executor import Runner
from .intent import IntentResult, Mode, classify_rules, classify_structured
from .modes.composing import STRUCTURAL_TOOLS, prompt_from_slots
from .planner import Plan, plan_from_calls
from .planner_compose import plan_from_prompt
from .planner_edit import structured_edit
from .stream_context import Ids, ScratchStore
from .teams import TeamLimits, run_sequential, run_teams
from .variation_model import ToolCallRecord
from .variation_proposal import Proposal, ProposalFailed, ProposalRequest, Proposer


async def _discard(_event: dict[str, Any]) -> None:
    """The executor's events have no listener here: the variation stream publishes the diff instead."""


def deterministic_proposer(settings: Settings, *, team_limits: TeamLimits | None = None) -> Proposer:
    """A ``Proposer`` (``async (ProposalRequest) -> Proposal``) on the deterministic path (no LLM)."""
    limits = team_limits or TeamLimits()

    async def propose(request: ProposalRequest) -> Proposal:
        return await _propose(request, settings, limits)

    return propose


def _classify(text: str, prompt: StoriPrompt | None, request: ProposalRequest) -> IntentResult:
    if prompt is None:
        return classify_rules(text, project=request.project)
    return classify_structured(
        prompt.mode, vibe=[(v.word, v.weight) for v in prompt.vibe], constraint_keys=list(prompt.constraints.extra),
        request=prompt.request, blocks=list(prompt.blocks()), project=request.project,
    )  # fmt: skip


async def _propose(request: ProposalRequest, settings: Settings, limits: TeamLimits) -> Proposal:
    try:
        prompt = parse_stori_prompt(request.intent)
    except (
        PromptParseError
    ) as exc:  # the service checks this before accepting; a late one still fails cleanly
        raise ProposalFailed("PROMPT_PARSE_ERROR", exc.message) from None
    intent = _classify(request.intent, prompt, request)
    base = request.project
    if intent.mode is Mode.COMPOSING:
        compose = prompt if prompt is not None else prompt_from_slots(request.intent, base)
        plan = plan_from_prompt(compose, base, seed=request.seed, allow_teams=prompt is not None)
        n = len(plan.agents)
        explanation = (
            f"Agent Teams composition: {n} instruments over {plan.bars} bars" if plan.teams
            else f"Composed {n} instrument{'s' if n != 1 else ''} over {plan.bars} bars"
        )  # fmt: skip
    elif intent.mode is Mode.EDITING:
        warnings: list[str] = []
        edit = (
            structured_edit(prompt, intent, base, warnings)
            if prompt is not None
            else edit_calls(intent, base)
        )
        if edit.needs_llm or not edit.calls:
            raise ProposalFailed("INTENT_NOT_SUPPORTED",
                                 edit.message or "This request needs a language model, and none is configured.")  # fmt: skip
        plan = plan_from_calls(edit.calls, base, "Editing the Project")
        explanation = "Proposed edit: " + "; ".join(
            dict.fromkeys(a.label for s in plan.steps for a in s.actions)
        )
    else:
        raise ProposalFailed("INTENT_NOT_SUPPORTED", f"A {intent.intent} request cannot be proposed.")
    scratch = ScratchStore(base, request.base_state_id)
    ids = Ids(request.seed, request.intent)
    runner = Runner(emitter=ev.Emitter(_discard), principal=request.principal, projects=scratch, settings=settings,
                    ids=ids, plan=plan, proposal=True, trace_id=request.variation_id, project=base)  # fmt: skip
    if plan.teams:
        await run_teams(runner, plan, limits)
    else:
        await run_sequential(runner, plan.steps)
    await runner.finish_steps()
    if runner.stats.regions > 0 and runner.stats.notes == 0:
        raise ProposalFailed("GENERATION_FAILED", "No notes were generated")
    return Proposal(project=scratch.project, tool_calls=_structural(runner, ids), ai_explanation=explanation[:2000],
                    track_order=_track_order(runner, plan))  # fmt: skip


def _structural(runner: Runner, ids: Ids) -> list[ToolCallRecord]:
    return [ToolCallRecord(id=ids(), name=c["name"], params=c["params"])
            for c in runner.stats.applied if c["name"] in STRUCTURAL_TOOLS]  # fmt: skip


def _track_order(runner: Runner, plan: Plan) -> list[str] | None:
    order: list[str] = []
    for agent in plan.agents:
        ref = agent.track_ref
        if ref.startswith("$"):
            index = int(ref[1:].split(".", 1)[0])
            result = runner.results[index] if index < len(runner.results) else None
            ref = str(result["trackId"]) if result and result.get("ok") else ""
        if ref:
            order.append(ref)
    return order or None
