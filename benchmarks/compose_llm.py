"""Agent Teams with an LLM: does a 4-instrument composition cost about what a 1-instrument one does?

The fake OpenAI-compatible server (tests/fakes/fake_openai.py) answers every call after a fixed latency
(300 ms by default) on loopback; the real agent loop (``run_stream``: real LlmClient over HTTP, real
dispatch, headless DAW, the embedded generators) runs in this process. Cases, 8 bars each:

- ``1 instrument (LLM planner)``: a single-role STORI PROMPT without Tempo, which the LLM planner completes
  (sse.md §5.3): one response with the calls, one closing response -- 2 LLM calls in sequence;
- ``N instruments (Agent Teams + LLM)``: N roles, one LLM session per instrument agent, all in flight
  together (sse.md §5.4) -- N LLM calls, concurrent;
- ``4 instruments (Agent Teams, no LLM)``: the same plan without any LLM, for the LLM's share of the time.

Prints the median and p95 wall time to ``complete`` per case, the LLM calls made, and the ratio of the
4-instrument Agent Teams compose to the 1-instrument one (target <= 1.5).

    .venv/bin/python benchmarks/compose_llm.py [--runs 5] [--latency 0.3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from maestro_mcp.agent.events import Emitter  # noqa: E402
from maestro_mcp.agent.llm import LlmClient  # noqa: E402
from maestro_mcp.agent.stream import AgentDeps, StaticBudget, run_stream  # noqa: E402
from maestro_mcp.agent.stream_context import open_context, parse_request  # noqa: E402
from maestro_mcp.config import Settings  # noqa: E402
from maestro_mcp.services import memory_services  # noqa: E402
from maestro_mcp.store.mirrors import MirrorStore  # noqa: E402
from tests.fakes.fake_openai import FakeOpenAI, FakeToolCall, Reply  # noqa: E402

BARS = 8
ROLES = ["drums", "bass", "chords", "lead"]


def teams_prompt(roles: list[str]) -> str:
    return (f"STORI PROMPT\nMode: compose\nStyle: house\nKey: Am\nTempo: 124\nRole: [{', '.join(roles)}]\n"
            f"Constraints: {{bars: {BARS}}}\n")  # fmt: skip


SINGLE = f"STORI PROMPT\nMode: compose\nStyle: house\nKey: Am\nRole: [bass]\nConstraints: {{bars: {BARS}}}\n"


def reply_for(body: dict[str, Any]) -> Reply:
    """The fake model: an agent session adds one effect; the planner writes the calls, then closes."""
    system = str(body["messages"][0]["content"])
    if "Agent Teams composition" in system:
        return Reply(reasoning=["Shape the tone."],
                     tool_calls=[FakeToolCall("stori_add_insert_effect", {"trackId": "x", "type": "eq"})])  # fmt: skip
    if any(m.get("role") == "tool" for m in body["messages"]):
        return Reply(content="An 8-bar house bassline.")
    return Reply(reasoning=["A rolling bassline."], tool_calls=[
        FakeToolCall("stori_add_midi_track", {"name": "Bass", "gmProgram": 33}),
        FakeToolCall("stori_add_midi_region", {"trackId": "$0.trackId", "startBeat": 0, "durationBeats": 4 * BARS}),
        FakeToolCall("stori_generate_midi", {"role": "bass", "style": "house", "tempo": 124, "bars": BARS,
                                             "key": "Am", "regionId": "$1.regionId", "seed": 1}),
        FakeToolCall("stori_add_insert_effect", {"trackId": "$0.trackId", "type": "compressor"}),
    ])  # fmt: skip


async def one_stream(tmp: Path, prompt: str, client: LlmClient | None) -> tuple[float, list[dict[str, Any]]]:
    settings = Settings(data_dir=tmp)
    services = memory_services(settings)
    deps = AgentDeps(settings=settings, budget=StaticBudget(settings), llm=client)
    request = parse_request({"prompt": prompt, "seed": 1}, settings)
    ctx = await open_context("bench", request, settings, services.projects, MirrorStore(None))
    events: list[dict[str, Any]] = []

    async def send(event: dict[str, Any]) -> None:
        events.append(event)

    started = time.perf_counter()
    with anyio.fail_after(120):
        await run_stream(deps, ctx, request, Emitter(send))
    return time.perf_counter() - started, events


async def measure(runs: int, latency: float) -> None:
    cases: list[tuple[str, str, bool]] = [
        ("1 instrument (LLM planner)", SINGLE, True),
        ("2 instruments (Agent Teams + LLM)", teams_prompt(ROLES[:2]), True),
        ("4 instruments (Agent Teams + LLM)", teams_prompt(ROLES), True),
        ("4 instruments (Agent Teams, no LLM)", teams_prompt(ROLES), False),
    ]
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    calls: dict[str, int] = {}
    async with FakeOpenAI(reply_for, latency=latency) as fake:
        client = LlmClient(
            api_key="sk-bench", base_url=fake.base_url, default_model="anthropic/claude-sonnet-4.6"
        )
        try:
            with tempfile.TemporaryDirectory() as tmp:
                await one_stream(Path(tmp), teams_prompt(ROLES), None)  # warm-up: imports, style data
                for run in range(runs):
                    for name, prompt, with_llm in cases:  # interleaved, so machine noise hits all cases alike
                        before = len(fake.bodies)
                        elapsed, events = await one_stream(Path(tmp) / f"{run}-{len(times[name])}", prompt,
                                                           client if with_llm else None)  # fmt: skip
                        assert events[-1]["type"] == "complete" and events[-1]["success"], events[-1]
                        times[name].append(elapsed)
                        calls[name] = len(fake.bodies) - before
        finally:
            await client.aclose()

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    print(f"fake LLM latency {latency * 1000:.0f} ms per call, {BARS} bars, {runs} runs per case\n")
    print("| case | LLM calls | median to complete | p95 |\n| --- | --- | --- | --- |")
    for name, _, _ in cases:
        values = times[name]
        print(
            f"| {name} | {calls[name]} | {statistics.median(values) * 1000:.0f} ms | {p95(values) * 1000:.0f} ms |"
        )
    one = statistics.median(times[cases[0][0]])
    four = statistics.median(times[cases[2][0]])
    plain = statistics.median(times[cases[3][0]])
    print(f"\n4-instrument Agent Teams / 1-instrument: {four / one:.2f}x (target <= 1.5)")
    print(f"LLM share of the 4-instrument compose: {(four - plain) * 1000:.0f} ms "
          f"(4 sessions one after another would be >= {4 * latency * 1000:.0f} ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    anyio.run(measure, args.runs, args.latency)


if __name__ == "__main__":
    main()
