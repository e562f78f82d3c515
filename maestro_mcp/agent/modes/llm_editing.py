"""EDITING with an LLM (sse.md §5.2, intents.md §2): the model plans and writes the tool calls itself.

The first response that calls tools becomes the ``plan`` (built before its first call) and runs step by
step on the stream's project context, applied at once as the apply target says (sse.md §2.3). Later
responses' calls run unattributed. The model only sees the intent's allowlist; a call outside it, an
unknown tool or arguments that are not a JSON object become a ``toolError`` and are not dispatched. The
text the model writes is returned once, for the closing ``content`` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.daw.model import Project
from maestro_mcp.prompts import StoriPrompt

from ..executor import Runner, Stats
from ..intent import IntentResult
from ..llm_types import ToolCall
from ..planner import Plan
from ..prompts_llm import editing_system_prompt
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


@dataclass
class EditOutcome:
    plan: Plan | None = None
    runner: Runner | None = None
    stats: Stats = field(default_factory=Stats)
    content: str = ""
    turns: int = 0


async def run_llm_editing(
    session: LlmSession,
    intent: IntentResult,
    *,
    text: str,
    prompt: StoriPrompt | None,
    project: Project,
    title: str,
) -> EditOutcome:
    """Run the LLM tool loop for an editing request; raises ``LlmError`` when the LLM fails."""
    allowed = list(intent.allowed_tools)
    allowset = frozenset(allowed)
    ctx = session.ctx
    outcome = EditOutcome()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": editing_system_prompt(project, intent.intent, allowed, prompt)},
        {"role": "user", "content": text},
    ]

    async def execute(calls: list[ToolCall]) -> list[dict[str, Any]]:
        current, _ = await ctx.read()
        if outcome.runner is None:
            plan = plan_batch(calls, current, title)
            runner = Runner(emitter=session.emitter, principal=ctx.principal, projects=ctx.store,
                            settings=ctx.settings, ids=session.ids, plan=plan, proposal=False,
                            trace_id=session.trace_id, allowed_tools=allowset, project=current)  # fmt: skip
            outcome.plan, outcome.runner, session.runner = plan, runner, runner
            outcome.stats = runner.stats
            await session.emitter.emit(plan_event(plan, session.ids()))
            runner.stats.tool_errors += await report_rejected(session.emitter, calls, current)
            await run_steps(runner, plan.steps)
            return batch_results(calls, runner.results)
        stats, results = await run_unattributed(
            session, calls, project=current, store=ctx.store, proposal=False, allowed=allowset
        )
        merge_stats(outcome.stats, stats)
        return results

    loop = await session.loop(
        messages, allowed=allowed, execute_calls=execute, tool_choice=_choice(intent),
        max_turns=intent.max_llm_turns, allowlist_label=f"intent {intent.intent}",
    )  # fmt: skip
    outcome.content = loop.content
    outcome.turns = loop.turns
    return outcome


def _choice(intent: IntentResult) -> Any:
    return intent.tool_choice if intent.tool_choice in ("auto", "required") else None
