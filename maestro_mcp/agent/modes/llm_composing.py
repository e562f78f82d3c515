"""COMPOSING with the LLM planner (sse.md §5.3, stori-prompt.md §8.1): natural-language composition
requests, and single-role STORI PROMPTs with fields missing, when an LLM is configured.

The model writes the composition as tool calls (tracks, regions, generation, effects). Its first response
that calls tools becomes the ``plan`` (followed by ``planSummary``) and runs as proposals on the stream's
scratch copy of the project; later responses' calls run unattributed on the same copy. The variation is
then computed from the scratch copy exactly as on the deterministic path. A response with no tool call
means the request was too vague to plan: its text asks for a style, a tempo or a length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.daw.model import Project
from maestro_mcp.prompts import StoriPrompt

from .. import events as ev
from ..executor import Runner, Stats
from ..intent import IntentResult
from ..llm_types import ToolCall
from ..planner import Plan
from ..prompts_llm import composing_system_prompt
from ..stream_context import ScratchStore
from .llm_batch import (
    LlmSession,
    batch_results,
    merge_stats,
    plan_batch,
    plan_event,
    report_rejected,
    run_steps,
    run_unattributed,
)

VAGUE_ANSWER = "Tell me a style, a tempo or a length, and I will compose it (for example: lo-fi hip hop at 80 BPM, 8 bars)."


@dataclass
class ComposeOutcome:
    plan: Plan | None = None
    runner: Runner | None = None
    stats: Stats = field(default_factory=Stats)
    content: str = ""


def compose_title(prompt: StoriPrompt | None) -> str:
    style = prompt.style if prompt is not None else None
    return f"Composing {style.title()}" if style else "Composing Music"


async def run_llm_planner(
    session: LlmSession,
    intent: IntentResult,
    *,
    text: str,
    prompt: StoriPrompt | None,
    base: Project,
    scratch: ScratchStore,
) -> ComposeOutcome:
    """Run the planner's tool loop on ``scratch``; raises ``LlmError`` when the LLM fails."""
    allowed = list(intent.allowed_tools)
    allowset = frozenset(allowed)
    principal = session.ctx.principal
    outcome = ComposeOutcome()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": composing_system_prompt(base, allowed, prompt)},
        {"role": "user", "content": text},
    ]

    async def execute(calls: list[ToolCall]) -> list[dict[str, Any]]:
        current, _ = await scratch.read(principal)
        if outcome.runner is None:
            plan = plan_batch(calls, current, compose_title(prompt))
            runner = Runner(emitter=session.emitter, principal=principal, projects=scratch,
                            settings=session.ctx.settings, ids=session.ids, plan=plan, proposal=True,
                            trace_id=session.trace_id, allowed_tools=allowset, project=current)  # fmt: skip
            outcome.plan, outcome.runner, session.runner = plan, runner, runner
            outcome.stats = runner.stats
            generations = sum(s.generations > 0 for s in plan.steps)
            await session.emitter.emit_many(
                plan_event(plan, session.ids()),
                ev.PlanSummaryEvent(total_steps=len(plan.steps), generations=generations,
                                    edits=len(plan.steps) - generations),
            )  # fmt: skip
            runner.stats.tool_errors += await report_rejected(session.emitter, calls, current)
            await run_steps(runner, plan.steps)
            return batch_results(calls, runner.results)
        stats, results = await run_unattributed(
            session, calls, project=current, store=scratch, proposal=True, allowed=allowset
        )
        merge_stats(outcome.stats, stats)
        return results

    loop = await session.loop(
        messages, allowed=allowed, execute_calls=execute, tool_choice="auto",
        max_turns=intent.max_llm_turns, allowlist_label="composition planning",
    )  # fmt: skip
    outcome.content = loop.content or (VAGUE_ANSWER if outcome.plan is None else "")
    return outcome
