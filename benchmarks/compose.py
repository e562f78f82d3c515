"""Latency and throughput of the Stori compose stream with no LLM, over loopback HTTP.

The prompt is a 4-role, 8-bar STORI PROMPT (Agent Teams: four instrument agents at once). Processes: a real
``maestro-mcp serve`` on 127.0.0.1 and this script as the client (httpx, streaming the SSE body).

1. Latency: ``serve --no-auth`` (principal ``local``), streams one after another, each with its own seed.
   Per stream: time from sending the request to the first ``data:`` frame, and to the ``complete`` event.
   Targets: median first event <= 20 ms, median complete <= 150 ms. The stream endpoint allows a principal
   20 requests a minute (http-api.md §1.4); past that the script waits out the window (``Retry-After``) and
   retries, and the wait is not measured.
2. Throughput: ``serve`` with auth, 50 principals with a token each (minted by ``maestro-mcp token create``),
   all 50 streams started at once, ``--rounds`` times. ``STORI_MAX_CONCURRENT_COMPOSITIONS`` limits running
   streams per principal, so one stream per principal never meets it. Every stream must end with
   ``complete(success=true)``; the script reports how many did, the per-stream times under load and the
   streams per second of each round (50 / wall time from the first request to the last ``complete``).

The client shares the machine's cores with the server; on 2 shared cores that costs the figures something.

    .venv/bin/python benchmarks/compose.py [--runs 38] [--streams 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx

REPO = Path(__file__).resolve().parents[1]
PROMPT = """STORI PROMPT
Mode: compose
Style: house
Key: Am
Tempo: 124
Role: [drums, bass, chords, lead]
Constraints: {bars: 8}
"""
FIRST_TARGET_MS, COMPLETE_TARGET_MS = 20.0, 150.0
STREAM_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def child_env() -> dict[str, str]:
    # No STORI_* from the caller's shell and no LLM key: the deterministic path, the defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORI_") and not k.endswith("API_KEY")}
    env["PYTHONPATH"] = str(REPO)
    return env


@contextmanager
def serving(data_dir: Path, *flags: str) -> Iterator[str]:
    port = free_port()
    log = data_dir / f"serve-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "maestro_mcp",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        *flags,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=child_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve not healthy after 90 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def mint_token(data_dir: Path, user: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "maestro_mcp", "token", "create", "--user", user, "--data-dir", str(data_dir),
         "--hours", "2"],
        env=child_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"token create failed: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


async def mint_tokens(data_dir: Path, count: int) -> list[str]:
    # The first call creates the data dir's secret; the rest run a few at a time.
    tokens = [await anyio.to_thread.run_sync(mint_token, data_dir, "bench-00")]
    tokens += [""] * (count - 1)
    limiter = anyio.CapacityLimiter(4)

    async def one(i: int) -> None:
        tokens[i] = await anyio.to_thread.run_sync(mint_token, data_dir, f"bench-{i:02d}", limiter=limiter)

    async with anyio.create_task_group() as tg:
        for i in range(1, count):
            tg.start_soon(one, i)
    return tokens


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after


@dataclass
class Stream:
    first_ms: float
    complete_ms: float
    success: bool
    events: int


async def one_stream(client: httpx.AsyncClient, seed: int, token: str | None = None) -> Stream:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    first: float | None = None
    count = 0
    with anyio.fail_after(STREAM_TIMEOUT):
        async with client.stream(
            "POST", "/api/v1/maestro/stream", json={"prompt": PROMPT, "seed": seed}, headers=headers
        ) as response:
            if response.status_code == 429:
                await response.aread()
                raise RateLimited(float(response.headers.get("retry-after", "1")))
            if response.status_code != 200:
                body = (await response.aread()).decode(errors="replace")
                raise RuntimeError(f"HTTP {response.status_code}: {body[:300]}")
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                now = time.perf_counter()
                if first is None:
                    first = now
                count += 1
                event = json.loads(line[6:])
                if event["type"] == "complete":
                    return Stream(
                        (first - started) * 1e3, (now - started) * 1e3, bool(event["success"]), count
                    )
    raise RuntimeError(f"the stream ended without complete after {count} events")


async def latency(base: str, runs: int, warmup: int) -> list[Stream]:
    results: list[Stream] = []
    async with httpx.AsyncClient(base_url=base, timeout=STREAM_TIMEOUT) as client:
        seed = 0
        while len(results) < runs + warmup:
            seed += 1
            try:
                results.append(await one_stream(client, seed))
            except RateLimited as limited:
                print(f"  rate limit (20 streams a minute per principal): waiting {limited.retry_after:.0f} s",
                      file=sys.stderr, flush=True)  # fmt: skip
                await anyio.sleep(limited.retry_after)
    return results[warmup:]


async def throughput(base: str, tokens: list[str], rounds: int) -> tuple[list[Stream], list[float], int]:
    """All streams of a round start together; returns the streams, each round's wall time, and failures."""
    streams: list[Stream] = []
    walls: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10)
    async with httpx.AsyncClient(base_url=base, timeout=STREAM_TIMEOUT, limits=limits) as client:
        await one_stream(client, 10_000, tokens[0])  # warm-up
        for r in range(rounds):
            done: list[Stream | None] = [None] * len(tokens)

            async def run(i: int, token: str, round_no: int = r, out: list[Stream | None] = done) -> None:
                try:
                    out[i] = await one_stream(client, 1000 * (round_no + 1) + i, token)
                except Exception as exc:  # counted and reported, the round goes on
                    print(f"  stream {i} failed: {exc!r}", file=sys.stderr)

            started = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for i, token in enumerate(tokens):
                    tg.start_soon(run, i, token)
            walls.append(time.perf_counter() - started)
            ok = [s for s in done if s is not None]
            failures += len(tokens) - len(ok) + sum(not s.success for s in ok)
            streams += ok
    return streams, walls, failures


def p95(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def row(name: str, xs: list[float], target: float | None) -> str:
    med, high = statistics.median(xs), p95(xs)
    ratios = f"{med / target:>8.2f} {high / target:>8.2f}" if target else f"{'-':>8} {'-':>8}"
    goal = f"{target:>7.0f}" if target else f"{'-':>7}"
    return f"{name:<32} {len(xs):>4} {med:>9.1f} {high:>9.1f} {goal} {ratios}"


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def main(runs: int, warmup: int, streams: int, rounds: int) -> None:
    load: list[Stream] = []
    walls: list[float] = []
    failures = 0
    with tempfile.TemporaryDirectory(prefix="maestro-bench-compose-") as tmp:
        auth_dir, open_dir = Path(tmp) / "auth", Path(tmp) / "noauth"
        auth_dir.mkdir()
        open_dir.mkdir()
        note(f"latency: {runs} streams (+{warmup} warm-up), serve --no-auth ...")
        with serving(open_dir, "--no-auth") as base:
            seq = await latency(base, runs, warmup)
        if streams:
            note(f"minting {streams} tokens with `maestro-mcp token create` ...")
            tokens = await mint_tokens(auth_dir, streams)
            note(f"throughput: {rounds} x {streams} concurrent streams, serve with auth ...")
            with serving(auth_dir) as base:
                try:
                    load, walls, failures = await throughput(base, tokens, rounds)
                except RuntimeError as exc:  # the latency table is still worth printing
                    logs = "".join(p.read_text(errors="replace") for p in auth_dir.glob("serve-*.log"))
                    note(f"throughput run failed: {exc}\nserver log (tail):\n{logs[-3000:]}")

    print(f"\ncompose stream, 4 roles x 8 bars, no LLM, loopback HTTP ({os.cpu_count()} cores)\n")
    header = (
        f"{'metric (ms)':<32} {'n':>4} {'median':>9} {'p95':>9} {'target':>7} {'med/tgt':>8} {'p95/tgt':>8}"
    )
    print(header)
    print(row("first event, one at a time", [s.first_ms for s in seq], FIRST_TARGET_MS))
    print(row("complete, one at a time", [s.complete_ms for s in seq], COMPLETE_TARGET_MS))
    if load:
        print(row(f"first event, {streams} concurrent", [s.first_ms for s in load], None))
        print(row(f"complete, {streams} concurrent", [s.complete_ms for s in load], None))
    print(f"\nsequential streams: {sum(s.success for s in seq)}/{len(seq)} complete(success=true); "
          f"events per stream: {statistics.median([s.events for s in seq]):.0f}")  # fmt: skip
    if walls:
        rates = [streams / w for w in walls]
        total = rounds * streams
        print(f"throughput: {streams} principals at once, {rounds} rounds: "
              f"{statistics.median(rates):.1f} streams/s median (rounds: {', '.join(f'{r:.1f}' for r in rates)}); "
              f"completed {total - failures}/{total}, failed {failures}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=38, help="measured sequential streams (default 38)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--streams", type=int, default=50, help="concurrent streams, one per principal (0: skip)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    a = parser.parse_args()
    anyio.run(main, a.runs, a.warmup, a.streams, a.rounds)
