"""Agent Teams (spec/sse.md §5.4): the instrument agents of a composition run at the same time.

Phase 1 runs the project-level steps (tempo, key) in order; then one ``preflight`` per instrument step;
phase 2 runs one task per instrument in an anyio task group, each executing its own steps in order; phase 3
runs the shared bus step after every agent finished (the barrier). Failure isolation: an agent whose step
fails, raises, or exceeds its time limit stops, reports ``agentComplete(success: false)`` and leaves its
other steps to be reported skipped at the end; the other agents carry on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anyio

from . import events as ev
from .executor import Runner
from .planner import Agent, Plan, Step

logger = logging.getLogger(__name__)

PREFLIGHT_CONFIDENCE = 0.9


@dataclass(frozen=True)
class TeamLimits:
    agent_seconds: float = 600.0  # per-agent limit (sse.md §5.4, configurable)


def _phases(plan: Plan) -> tuple[list[Step], list[Step], list[Step]]:
    first = next((n for n, s in enumerate(plan.steps) if s.parallel_group), len(plan.steps))
    last = max((n for n, s in enumerate(plan.steps) if s.parallel_group), default=first - 1)
    return plan.steps[:first], plan.steps[first : last + 1], plan.steps[last + 1 :]


async def run_sequential(runner: Runner, steps: list[Step]) -> None:
    for step in steps:
        await runner.run_step(step)


async def _run_agent(runner: Runner, agent: Agent, steps: list[Step], limits: TeamLimits) -> None:
    success = True
    with anyio.move_on_after(limits.agent_seconds) as scope:
        try:
            for step in steps:
                if not await runner.run_step(step):
                    success = False
                    break
        except Exception:  # one agent's fault must not take the others down (failure isolation)
            logger.exception("agent %s failed (trace %s)", agent.agent_id, runner.trace_id)
            success = False
            await runner.fail_started(steps)
    if scope.cancelled_caught:
        success = False
        await runner.fail_started(steps, result="time limit reached")
    await runner.emit(ev.AgentCompleteEvent(agent_id=agent.agent_id, success=success))


async def run_teams(runner: Runner, plan: Plan, limits: TeamLimits = TeamLimits()) -> None:
    phase1, phase2, phase3 = _phases(plan)
    await run_sequential(runner, phase1)
    for step in phase2:
        agent = step.agent
        assert agent is not None
        await runner.emit(ev.PreflightEvent(
            step_id=step.step_id, agent_id=agent.agent_id, agent_role=agent.role_text, label=step.label,
            tool_name=step.tool_name, parallel_group=step.parallel_group, confidence=PREFLIGHT_CONFIDENCE,
            track_color=agent.color))  # fmt: skip
    by_agent: dict[str, list[Step]] = {}
    for step in phase2:
        assert step.agent is not None
        by_agent.setdefault(step.agent.agent_id, []).append(step)
    agents = {a.agent_id: a for a in plan.agents}
    async with anyio.create_task_group() as tg:
        for agent_id, steps in by_agent.items():
            tg.start_soon(_run_agent, runner, agents[agent_id], steps, limits, name=f"agent:{agent_id}")
    await run_sequential(runner, phase3)
