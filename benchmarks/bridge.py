"""Latency of the DAW bridge: an MCP tool call forwarded to a connected DAW, against a raw WebSocket echo over
the same loopback, measured in the same run.

Processes: one ``maestro-mcp serve``, ``maestro-mcp daw`` clients (one per principal), a raw WebSocket echo
server, and this script as the MCP client (streamable HTTP, bearer token) and the echo client. Cases, taken
in turns call by call so load from elsewhere hits them alike:

- ``ws echo``: a toolCall-sized JSON text frame to the echo process and back (the floor of one WS hop);
- ``mcp, no hop``: ``stori_read_project`` answered from the DAW mirror (same route, no WebSocket hop);
- ``mcp -> daw``: ``stori_set_tempo`` forwarded to the DAW client and answered by it (MCP client -> server ->
  WebSocket -> DAW client -> back).

"added" is ``mcp -> daw`` minus ``mcp, no hop`` (what the bridge costs a call) and, against the target,
that minus the raw echo (what the bridge adds beyond the WebSocket hop itself; target <= 2 ms at the
median). Then the same with 20 DAWs connected (20 principals), idle, and with all 20 callers at once.

    .venv/bin/python benchmarks/bridge.py [--calls 300] [--daws 20]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import anyio
import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from websockets.asyncio.client import connect

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
ECHO_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve
async def echo(ws):
    async for message in ws:
        await ws.send(message)
async def main():
    async with serve(echo, "127.0.0.1", int(sys.argv[1])):
        await asyncio.Future()
asyncio.run(main())
"""
FRAME = json.dumps({"type": "toolCall", "requestId": "4c0e2f6a-9b1d-4e7a-8c3f-2a5d7b9e1c04",
                    "tool": "stori_set_tempo", "arguments": {"tempo": 101}})  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _can_connect(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def wait_until(check: Callable[[], bool], proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if check():
                return
        except (httpx.TransportError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up")


def token(data: Path, user: str) -> str:
    done = subprocess.run([PY, "-m", "maestro_mcp", "token", "create", "--user", user, "--data-dir", str(data)],
                          capture_output=True, text=True, check=True, cwd=REPO)  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def source_of(base: str, tok: str) -> str | None:
    body = httpx.post(f"{base}/api/v1/mcp/tools/stori_read_project/call", json={"arguments": {}},
                      headers={"Authorization": f"Bearer {tok}"}, timeout=5).json()  # fmt: skip
    source: str | None = body["structuredContent"].get("source")
    return source


@asynccontextmanager
async def mcp(url: str, tok: str) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {tok}"}, timeout=60) as h,
        Client(streamable_http_client(url, http_client=h)) as client,
    ):
        yield client


Timed = Callable[[int], Awaitable[None]]


async def measure(cases: list[Timed], calls: int) -> list[list[float]]:
    for i in range(30):  # warm-up
        for case in cases:
            await case(i)
    out: list[list[float]] = [[] for _ in cases]
    for i in range(calls):
        for times, case in zip(out, cases, strict=True):
            t0 = time.perf_counter()
            await case(i)
            times.append((time.perf_counter() - t0) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18]


def call_case(client: Client, tool: str, args: Callable[[int], dict[str, object]], executed_by: str) -> Timed:
    async def case(i: int) -> None:
        result = await client.call_tool(tool, args(i))
        sc = result.structured_content or {}
        if result.is_error or sc.get("executedBy") != executed_by:
            raise RuntimeError(f"{tool}: {result.content}")

    return case


async def main(calls: int, daw_count: int) -> None:
    procs: list[subprocess.Popen[bytes]] = []

    def spawn(*args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([PY, *args], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        return proc

    tempo = lambda i: {"tempo": 100 + i % 2}  # noqa: E731 - alternating, so every call changes something
    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        port, echo_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        try:
            server = spawn("-m", "maestro_mcp", "serve", "--port", str(port), "--data-dir", str(data))
            echo = spawn("-c", ECHO_SERVER, str(echo_port))
            wait_until(
                lambda: httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200, server, "server"
            )
            wait_until(lambda: _can_connect(echo_port), echo, "echo")
            tokens = [token(data, f"bench{i}") for i in range(daw_count)]

            def start_daw(i: int) -> None:
                proc = spawn("-m", "maestro_mcp", "daw", "--url", f"ws://127.0.0.1:{port}/api/v1/mcp/daw",
                             "--token", tokens[i])  # fmt: skip
                wait_until(lambda: source_of(base, tokens[i]) == "dawSnapshot", proc, f"daw client {i}")

            start_daw(0)
            async with AsyncExitStack() as stack:
                ws = await stack.enter_async_context(connect(f"ws://127.0.0.1:{echo_port}"))

                async def echo_case(i: int) -> None:
                    await ws.send(FRAME)
                    await ws.recv()

                first = await stack.enter_async_context(mcp(f"{base}/mcp", tokens[0]))
                cases = [
                    echo_case,
                    call_case(first, "stori_read_project", lambda i: {}, "daw"),
                    call_case(first, "stori_set_tempo", tempo, "daw"),
                ]
                echo_t, nohop_t, fwd_t = await measure(cases, calls)
                rows += [("ws echo", echo_t), ("mcp, no hop (1 DAW)", nohop_t), ("mcp -> daw (1 DAW)", fwd_t)]

                for i in range(1, daw_count):
                    start_daw(i)
                echo_t, nohop_t, fwd_t = await measure(cases, calls)
                rows += [(f"ws echo ({daw_count} DAWs)", echo_t), (f"mcp, no hop ({daw_count} DAWs)", nohop_t),
                         (f"mcp -> daw ({daw_count} DAWs idle)", fwd_t)]  # fmt: skip

                clients = [first] + [
                    await stack.enter_async_context(mcp(f"{base}/mcp", t)) for t in tokens[1:]
                ]
                together: list[float] = []

                async def caller(client: Client) -> None:
                    case = call_case(client, "stori_set_tempo", tempo, "daw")
                    for i in range(max(calls // 5, 20)):
                        t0 = time.perf_counter()
                        await case(i)
                        together.append((time.perf_counter() - t0) * 1000)

                async with anyio.create_task_group() as tg:
                    for client in clients:
                        tg.start_soon(caller, client)
                rows.append((f"mcp -> daw ({daw_count} callers at once)", together))
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=15)

    print(f"\nDAW bridge latency over loopback, {calls} calls per sequential case (ms)\n")
    print("| case | n | median | p95 |")
    print("| --- | ---: | ---: | ---: |")
    for label, xs in rows:
        print(f"| {label} | {len(xs)} | {statistics.median(xs):.2f} | {p95(xs):.2f} |")
    med = {label: statistics.median(xs) for label, xs in rows}
    for suffix, echo_key, nohop_key, fwd_key in (
        ("1 DAW", "ws echo", "mcp, no hop (1 DAW)", "mcp -> daw (1 DAW)"),
        (f"{daw_count} DAWs", f"ws echo ({daw_count} DAWs)", f"mcp, no hop ({daw_count} DAWs)",
         f"mcp -> daw ({daw_count} DAWs idle)"),
    ):  # fmt: skip
        hop = med[fwd_key] - med[nohop_key]
        print(f"\n{suffix}: the bridge adds {hop:.2f} ms per call at the median (forwarded - no hop); "
              f"raw WS echo {med[echo_key]:.2f} ms; beyond the echo: {hop - med[echo_key]:.2f} ms (target <= 2 ms)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--daws", type=int, default=20)
    args = parser.parse_args()
    anyio.run(main, args.calls, args.daws)
