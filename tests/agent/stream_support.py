"""Running whole streams in-process and checking them against the grammars of spec/sse.md §5.

``run_stream_events`` drives the real agent loop (real dispatch, headless DAW, generators) on memory
services; the checks read only the emitted events.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import anyio

from maestro_mcp.agent.events import Emitter, parse_event
from maestro_mcp.agent.stream import AgentDeps, StaticBudget, run_stream
from maestro_mcp.agent.stream_context import open_context, parse_request
from maestro_mcp.config import Settings
from maestro_mcp.services import Services, memory_services
from maestro_mcp.store.mirrors import MirrorStore

Event = dict[str, Any]

LABELS = [
    r"Create .+ track", r"Add content to .+", r"Add effects to .+", r"Add MIDI CC to .+", r"Add pitch bend to .+",
    r"Write automation for .+", r"Set tempo to \d+(\.\d+)? BPM", r"Set key signature to [A-G].*",
    r"Set up shared .+ bus",
]  # fmt: skip


class Harness:
    def __init__(self, tmp: Path, **deps: Any) -> None:
        self.settings = Settings(data_dir=tmp)
        self.services: Services = memory_services(self.settings)
        self.mirrors = MirrorStore(None)
        self.deps = AgentDeps(settings=self.settings, budget=StaticBudget(self.settings), **deps)

    async def run(self, prompt: str, *, project: dict[str, Any] | None = None, seed: int | None = 1,
                  principal: str = "p") -> list[Event]:  # fmt: skip
        body: dict[str, Any] = {"prompt": prompt}
        if project is not None:
            body["project"] = project
        if seed is not None:
            body["seed"] = seed
        request = parse_request(body, self.settings)
        ctx = await open_context(principal, request, self.settings, self.services.projects, self.mirrors)
        events: list[Event] = []

        async def send(event: Event) -> None:
            events.append(event)

        with anyio.fail_after(60):
            await run_stream(self.deps, ctx, request, Emitter(send))
        check_envelope(events)
        return events


def types(events: list[Event]) -> list[str]:
    return [e["type"] for e in events]


def check_envelope(events: list[Event]) -> None:
    """§3 and the global rules of §5 that hold for every stream."""
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    for e in events:
        assert e["protocolVersion"] == "1.0.0"
        assert None not in e.values(), e
        parse_event(e)  # schema: known type, no unknown fields
    assert events[0]["type"] == "state" and events[-1]["type"] == "complete"
    assert events[-2]["type"] == "budgetUpdate"
    assert types(events).count("complete") == 1 and types(events).count("budgetUpdate") == 1
    plans = [e for e in events if e["type"] == "plan"]
    assert len(plans) <= 1
    if plans:
        final: dict[str, str] = {}
        first_tool = next((i for i, e in enumerate(events) if e["type"] == "toolStart"), len(events))
        assert events.index(plans[0]) < first_tool
        ids = [s["stepId"] for s in plans[0]["steps"]]
        assert ids == [str(n) for n in range(1, len(ids) + 1)]
        assert all(s["status"] == "pending" for s in plans[0]["steps"])
        for e in events:
            if e["type"] == "planStepUpdate":
                final[e["stepId"]] = e["status"]
        assert set(final) == set(ids), "every step is reported"
        assert all(final[i] in ("completed", "failed", "skipped") for i in ids)
    for e in events:
        if e["type"] == "toolCall":
            assert "$" not in str(e["params"]), "params are resolved"


def check_labels(plan: Event) -> None:
    for step in plan["steps"]:
        if step.get("parallelGroup") or step["label"].split()[0] in ("Create", "Add", "Write", "Set"):
            assert any(re.fullmatch(p, step["label"]) for p in LABELS) or step.get("toolName") not in (
                "stori_add_midi_track", "stori_add_notes", "stori_add_insert_effect", "stori_ensure_bus"
            ), step["label"]  # fmt: skip


def token_string(events: list[Event]) -> str:
    """One letter per event, for regex grammars: statuses and heartbeat-free non-fatal errors dropped."""
    letters = {
        "state": "S", "reasoning": "R", "content": "C", "error": "E", "budgetUpdate": "B", "complete": "Z",
        "plan": "P", "planSummary": "Y", "toolStart": "t", "toolCall": "c", "toolError": "x", "summary": "M",
        "generatorStart": "g", "generatorComplete": "h", "progress": "p", "meta": "m", "phrase": "f", "done": "d",
        "preflight": "F", "agentComplete": "A", "summary.final": "Q",
    }  # fmt: skip
    out = []
    for e in events:
        t = e["type"]
        if t == "status" or (t == "error" and not e["fatal"]):
            continue
        if t == "planStepUpdate":
            out.append({"active": "a", "completed": "k", "failed": "k", "skipped": "s"}[e["status"]])
        else:
            out.append(letters[t])
    return "".join(out)


CALL = r"t[cx]"
STEP = rf"a(?:{CALL}|g|h)+k"
REASONING = r"SR*(?:C|E)BZ"
EDITING = rf"SR*(?:P(?:{STEP}|s|{CALL}|g|h|R)*)?s*M?C?BZ"
COMPOSING = rf"SR*PY(?:{STEP}p|s)*s*mf*dBZ"


def check_grammar(events: list[Event], grammar: str) -> None:
    tokens = token_string(events)
    assert re.fullmatch(grammar, tokens), tokens


def check_teams(events: list[Event]) -> None:
    """§5.4: phase 1, preflights, interleaved agents, barrier, phase 3, summary.final, variation."""
    tokens = types(events)
    plan = next(e for e in events if e["type"] == "plan")
    instrument = {s["stepId"] for s in plan["steps"] if s.get("parallelGroup") == "instruments"}
    assert tokens[:3] == ["state", "status", "plan"] and tokens[3] == "planSummary"
    pre = [i for i, e in enumerate(events) if e["type"] == "preflight"]
    assert {events[i]["stepId"] for i in pre} == instrument
    assert pre == list(range(pre[0], pre[-1] + 1)), "preflights are contiguous"
    first_instrument = min(
        i for i, e in enumerate(events) if e["type"] == "planStepUpdate" and e["stepId"] in instrument
    )
    assert pre[-1] < first_instrument
    agents = defaultdict(list)
    for i, e in enumerate(events):
        # Steps never started are reported skipped when the plan finishes, after their agent (§6.4).
        skipped_late = e["type"] == "planStepUpdate" and e["status"] == "skipped"
        if e.get("agentId") and e["type"] != "preflight" and not skipped_late:
            agents[e["agentId"]].append(i)
    completes = {e["agentId"]: i for i, e in enumerate(events) if e["type"] == "agentComplete"}
    assert set(completes) == {events[i]["agentId"] for i in pre}
    for agent, positions in agents.items():
        assert max(positions) == completes[agent], f"{agent}: agentComplete ends its sequence"
    barrier = max(completes.values())
    for i, e in enumerate(events):
        if e["type"] == "planStepUpdate" and e["stepId"] not in instrument and i > pre[0]:
            assert i > barrier or e["status"] == "skipped", "phase 3 after the barrier"
    q = tokens.index("summary.final")
    assert q > barrier and tokens[q + 1] == "meta" and tokens[-3] == "done"
