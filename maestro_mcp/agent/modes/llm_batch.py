"""Running what an LLM answered: one response's tool calls as a plan (sse.md §5.2), the calls that must not
run, later batches as unattributed calls, and the ``LlmSession`` that carries one request's LLM state.

Every call an LLM writes goes the deterministic path's way: ``plan_from_calls`` groups the batch into the
canonical steps, keeping each call's index in the LLM's original order (the N of ``$N.field``), and a
``Runner`` executes the steps through ``tools.dispatch``. Calls the tool loop rejected (unknown tool, tool
outside the allowlist, arguments that are not a JSON object) never reach ``dispatch``: they are reported
as ``toolStart`` → ``toolError`` with the rejection's errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.daw.model import Project
from maestro_mcp.errors import ErrorCode, ErrorItem
from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.results import error_payload

from .. import events as ev
from ..executor import Runner, Stats
from ..llm import LlmClient, ToolChoice
from ..llm_loop import ExecuteCalls, LoopOutcome, run_llm_loop
from ..llm_models import UsageLedger
from ..llm_types import ToolCall
from ..planner import Agent, Names, Plan, Step, phase_of, plan_from_calls, tool_label
from ..stream_context import Ids, ProjectLike, StreamContext


@dataclass
class LlmSession:
    """One request's LLM: the client and model, the usage ledger (``complete.inputTokens``, the budget
    charge), where events go, and the plan runner once a plan exists (a fatal error finishes its steps)."""

    client: LlmClient
    model: str
    ledger: UsageLedger
    emitter: ev.Emitter
    ctx: StreamContext
    ids: Ids
    trace_id: str
    timeout: float = 300.0  # sse.md §8: LLM planner limit
    warnings: list[str] = field(default_factory=list)
    runner: Runner | None = None

    async def loop(
        self,
        messages: list[dict[str, Any]],
        *,
        allowed: Sequence[str],
        execute_calls: ExecuteCalls,
        tool_choice: ToolChoice | None,
        max_turns: int,
        allowlist_label: str,
        agent_id: str | None = None,
    ) -> LoopOutcome:
        """``run_llm_loop`` with reasoning chunks streamed as ``reasoning`` events (``agentId`` under Agent
        Teams, closed by ``reasoningEnd``). Content is not streamed: each mode emits it once, at the end."""

        async def on_reasoning(text: str) -> None:
            await self.emitter.emit(ev.ReasoningEvent(content=text, agent_id=agent_id))

        on_end: Callable[[], Awaitable[None]] | None = None
        if agent_id is not None:
            agent = agent_id

            async def on_end_agent() -> None:
                await self.emitter.emit(ev.ReasoningEndEvent(agent_id=agent))

            on_end = on_end_agent
        return await run_llm_loop(
            self.client, messages, allowed_tools=allowed, execute_calls=execute_calls, tool_choice=tool_choice,
            model=self.model, max_turns=max_turns, timeout=self.timeout, ledger=self.ledger,
            allowlist_label=allowlist_label, on_reasoning=on_reasoning, on_reasoning_end=on_end,
        )  # fmt: skip


def plan_event(plan: Plan, plan_id: str) -> ev.PlanEvent:
    steps = [ev.PlanStepModel(step_id=s.step_id, label=s.label, tool_name=s.tool_name, parallel_group=s.parallel_group,
                              detail=s.detail, phase=s.phase) for s in plan.steps]  # fmt: skip
    return ev.PlanEvent(plan_id=plan_id, title=plan.title, steps=steps)


def plan_batch(calls: Sequence[ToolCall], project: Project, title: str) -> Plan:
    """The plan of one LLM response: its dispatchable calls grouped into steps, indexes as the LLM wrote
    them. Rejected calls are left out (they are reported, not run); steps left empty are dropped."""
    raw = [{"tool": c.name or "(no name)", "params": c.arguments} for c in calls]
    plan = plan_from_calls(raw, project, title)
    rejected = {n for n, c in enumerate(calls) if c.rejection is not None}
    for step in plan.steps:
        step.actions = [a for a in step.actions if a.index not in rejected]
    plan.steps = [s for s in plan.steps if s.actions]
    for number, step in enumerate(plan.steps, start=1):
        step.step_id = str(number)
    return plan


def _rendered(errors: list[dict[str, Any]]) -> list[str]:
    return [f"{e['field']}: {e['message']}" if e.get("field") else str(e["message"]) for e in errors]


async def report_rejected(
    emitter: ev.Emitter, calls: Sequence[ToolCall], project: Project, *, agent_id: str | None = None
) -> int:
    """``toolStart`` → ``toolError`` for every rejected call of a batch, in the LLM's order; their count."""
    names = Names(project)
    count = 0
    for call in calls:
        if call.rejection is None:
            continue
        count += 1
        spec = get_spec(call.name)
        name = spec.canonical if spec is not None else (call.name or "(no name)")
        label = tool_label(name, call.arguments, names) if spec is not None and call.ok else name
        errors = list(call.rejection.get("errors") or [])
        first = errors[0] if errors else {"code": "INVALID_VALUE", "field": "", "message": "rejected"}
        details = [ev.ErrorDetail(code=str(e["code"]), field=str(e.get("field") or ""), message=str(e["message"]))
                   for e in errors]  # fmt: skip
        await emitter.emit_many(
            ev.ToolStartEvent(name=name, label=label, phase=phase_of(name), agent_id=agent_id),
            ev.ToolErrorEvent(name=name, error=str(first["message"]), errors=_rendered(errors),
                              code=str(first["code"]), details=details, agent_id=agent_id),
        )  # fmt: skip
    return count


def batch_results(
    calls: Sequence[ToolCall], results: Sequence[dict[str, Any] | None]
) -> list[dict[str, Any]]:
    """One result per call for the next LLM turn: the rejection, the call's payload, or 'did not run'."""
    out: list[dict[str, Any]] = []
    for n, call in enumerate(calls):
        payload = results[n] if n < len(results) else None
        if call.rejection is not None:
            out.append(call.rejection)
        elif payload is not None:
            out.append(payload)
        else:
            item = ErrorItem(ErrorCode.DEPENDENCY_FAILED, "", "the call did not run")
            out.append(error_payload(call.name, [item]))
    return out


class UnattributedEmitter(ev.Emitter):
    """The emitter of calls that belong to no plan step (sse.md §5.2 "emitted unattributed"): a runner
    writing through it shows its calls as bare ``toolStart`` → ``toolCall | toolError`` (and generator
    events), with no ``planStepUpdate``, ``progress`` or ``stepId``."""

    def __init__(self, inner: ev.Emitter) -> None:
        super().__init__(inner.emit_many)  # type: ignore[arg-type]  # never used: emit_many is overridden
        self._inner = inner

    async def emit_many(self, *events: ev.Event) -> None:
        kept: list[ev.Event] = []
        for event in events:
            if isinstance(event, ev.PlanStepUpdateEvent | ev.ProgressEvent):
                continue
            if isinstance(event, ev.ToolCallEvent | ev.ToolErrorEvent):
                event = event.model_copy(update={"step_id": None})
            kept.append(event)
        if kept:
            await self._inner.emit_many(*kept)


def merge_stats(into: Stats, other: Stats) -> None:
    into.applied += other.applied
    into.tool_errors += other.tool_errors
    into.regions += other.regions
    into.notes += other.notes
    into.effects += other.effects
    into.sends += other.sends
    into.cc += other.cc
    into.automation_lanes += other.automation_lanes
    into.tracks_created += other.tracks_created
    into.generator_failures += other.generator_failures
    for name in other.tracks_touched:
        into.touch(name)
    if other.state_version is not None:
        into.state_version = other.state_version


async def run_unattributed(
    session: LlmSession,
    calls: Sequence[ToolCall],
    *,
    project: Project,
    store: ProjectLike,
    proposal: bool,
    allowed: frozenset[str] | None,
    agent: Agent | None = None,
) -> tuple[Stats, list[dict[str, Any]]]:
    """Run a batch whose calls join no plan step: rejected ones reported, the others executed in step order
    (``$N`` indexing this batch), every event bare. Returns the batch's stats and one result per call."""
    rejected = await report_rejected(
        session.emitter, calls, project, agent_id=agent.agent_id if agent else None
    )
    plan = plan_batch(calls, project, "")
    for step in plan.steps:
        step.agent = agent
    runner = Runner(emitter=UnattributedEmitter(session.emitter), principal=session.ctx.principal, projects=store,
                    settings=session.ctx.settings, ids=session.ids, plan=plan, proposal=proposal,
                    trace_id=session.trace_id, allowed_tools=allowed, project=project)  # fmt: skip
    await run_steps(runner, plan.steps)
    runner.stats.tool_errors += rejected
    return runner.stats, batch_results(calls, runner.results)


async def run_steps(runner: Runner, steps: Sequence[Step]) -> None:
    for step in steps:
        await runner.run_step(step)
