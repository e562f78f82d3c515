"""Agent Teams with an LLM (sse.md §5.4, stori-prompt.md §8.1): one LLM session per instrument agent, all
in flight together.

The plan is the deterministic one (derived from the prompt before any LLM call). ``LlmTeamRunner`` is the
plan's runner: when an instrument agent starts its first step, its LLM session runs first (``reasoning``
events carry the agent's ``agentId``, then ``reasoningEnd``); the calls it writes get the plan's
structural values (track, region) and join the agent's still-pending step of their canonical label, or,
when the agent has no such step, run unattributed after its last step. An LLM failure fails that agent
alone (``error`` non-fatal, ``agentComplete(success: false)``); the other agents carry on.
"""

from __future__ import annotations

from typing import Any

from maestro_mcp.daw.model import Project
from maestro_mcp.prompts import StoriPrompt
from maestro_mcp.tools.catalog import get_spec

from .. import events as ev
from ..executor import Runner
from ..llm_types import LlmError, ToolCall
from ..planner import Action, Agent, Names, Plan, Step, tool_label
from ..prompts_llm import agent_system_prompt
from .llm_batch import LlmSession, merge_stats, report_rejected, run_unattributed

AGENT_TOOLS = (
    "stori_add_insert_effect", "stori_add_midi_cc", "stori_add_pitch_bend", "stori_add_aftertouch",
    "stori_add_automation",
)  # fmt: skip
_STEP_OF_TOOL = {
    "stori_add_insert_effect": "Add effects to {}",
    "stori_add_midi_cc": "Add MIDI CC to {}",
    "stori_add_aftertouch": "Add MIDI CC to {}",
    "stori_add_pitch_bend": "Add pitch bend to {}",
    "stori_add_automation": "Write automation for {}",
}
_TRACK_KEYS = ("trackId", "target")


class LlmTeamRunner(Runner):
    """The plan runner of an Agent Teams composition whose instrument agents each have an LLM session."""

    def __init__(
        self, *, session: LlmSession, prompt: StoriPrompt | None, text: str, base: Project, **kwargs: Any
    ) -> None:
        super().__init__(project=base, **kwargs)
        self.session = session
        self.prompt = prompt
        self.text = text
        self.base = base
        self.agent_steps: dict[str, list[Step]] = {}
        for step in self.plan.steps:
            if step.parallel_group and step.agent is not None:
                self.agent_steps.setdefault(step.agent.agent_id, []).append(step)
        self.started: set[str] = set()
        self.leftovers: dict[str, list[ToolCall]] = {}

    async def run_step(self, step: Step) -> bool:
        agent = step.agent
        if agent is None or agent.agent_id not in self.agent_steps:
            return await super().run_step(step)
        if agent.agent_id not in self.started:
            self.started.add(agent.agent_id)
            if not await self._agent_session(agent):
                return False  # its steps stay pending: reported skipped when the plan finishes
        ok = await super().run_step(step)
        if ok and step is self.agent_steps[agent.agent_id][-1]:
            await self._run_leftovers(agent)
        return ok

    # -- the agent's LLM session ------------------------------------------------------------------------

    async def _agent_session(self, agent: Agent) -> bool:
        steps = self.agent_steps[agent.agent_id]
        system = agent_system_prompt(self.base, self.plan, agent, steps, AGENT_TOOLS, self.prompt)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system},
            {"role": "user", "content": self.text},
        ]

        async def execute(calls: list[ToolCall]) -> list[dict[str, Any]]:
            self.stats.tool_errors += await report_rejected(
                self.session.emitter, calls, self.base, agent_id=agent.agent_id
            )
            out: list[dict[str, Any]] = []
            for call in calls:
                if call.rejection is not None:
                    out.append(call.rejection)
                    continue
                out.append(self._adopt(agent, call))
            return out

        try:
            await self.session.loop(
                messages, allowed=AGENT_TOOLS, execute_calls=execute, tool_choice="auto", max_turns=1,
                allowlist_label=f"the {agent.track_name} agent", agent_id=agent.agent_id,
            )  # fmt: skip
        except LlmError as exc:
            message = f"{agent.track_name} agent: {exc.message}"
            self.session.warnings.append(message)
            await self.emit(ev.ErrorEvent(error=exc.sse_code, message=message, fatal=False,
                                          trace_id=self.trace_id))  # fmt: skip
            return False
        return True

    def _adopt(self, agent: Agent, call: ToolCall) -> dict[str, Any]:
        """Give the call the plan's structure and queue it: into the agent's pending step of its label, or
        as a leftover run after the agent's steps. The result tells the model where it went."""
        params = self._structural(agent, call)
        label = _STEP_OF_TOOL.get(call.name, "").format(agent.track_name)
        step = next((s for s in self.agent_steps[agent.agent_id]
                     if s.label == label and self.status[s.step_id] == "pending"), None)  # fmt: skip
        if step is None:
            self.leftovers.setdefault(agent.agent_id, []).append(
                ToolCall(call.id, call.name, params, call.raw_arguments, call.index)
            )
            return {"ok": True, "tool": call.name, "queued": "after the agent's planned steps"}
        names = Names(self.base)
        names.tracks[agent.track_ref] = agent.track_name
        region = _region_ref(self.agent_steps[agent.agent_id])
        if region is not None:
            names.region_track[region] = agent.track_name
        index = len(self.results)
        self.results.append(None)
        step.actions.append(Action(index, call.name, params, tool_label(call.name, params, names)))
        return {"ok": True, "tool": call.name, "queued": f"step {step.label}"}

    def _structural(self, agent: Agent, call: ToolCall) -> dict[str, Any]:
        """sse.md §5.4: the plan's track and region overwrite whatever the model wrote (warning if changed)."""
        spec = get_spec(call.name)
        names = {p.name for p in spec.params} if spec is not None else set()
        params = dict(call.arguments)
        fixed: dict[str, str] = {key: agent.track_ref for key in _TRACK_KEYS if key in names}
        region = _region_ref(self.agent_steps[agent.agent_id])
        if "regionId" in names and region is not None:
            fixed["regionId"] = region
        for key, value in fixed.items():
            if key in params and params[key] != value:
                self.session.warnings.append(
                    f"{agent.track_name} agent: {key} of {call.name} replaced by the plan's value"
                )
            params[key] = value
        return params

    async def _run_leftovers(self, agent: Agent) -> None:
        calls = self.leftovers.pop(agent.agent_id, [])
        if not calls:
            return
        concrete = [
            ToolCall(c.id, c.name, {k: self._resolve(v) for k, v in c.arguments.items()}, c.raw_arguments, c.index)
            for c in calls
        ]  # fmt: skip
        project, _ = await self.ctx.projects.read(self.ctx.principal)
        stats, _results = await run_unattributed(
            self.session, concrete, project=project, store=self.ctx.projects, proposal=True,
            allowed=frozenset(AGENT_TOOLS), agent=agent,
        )  # fmt: skip
        merge_stats(self.stats, stats)

    def _resolve(self, value: Any) -> Any:
        """A plan reference (``$N.field``) as the concrete id the plan's call returned."""
        if isinstance(value, str) and value.startswith("$") and "." in value:
            head, _, name = value[1:].partition(".")
            if head.isdigit() and int(head) < len(self.results):
                result = self.results[int(head)]
                if result and result.get("ok") and result.get(name) is not None:
                    return result[name]
        return value


def _region_ref(steps: list[Step]) -> str | None:
    for step in steps:
        for action in step.actions:
            if action.tool in ("stori_add_midi_region", "stori_add_region"):
                return f"${action.index}.regionId"
    return None


def plan_has_agents(plan: Plan) -> bool:
    return plan.teams and bool(plan.agents)
