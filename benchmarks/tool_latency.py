"""Tool-call latency of maestro-mcp against a bare official-SDK MCPServer, measured in the same run.

Over stdio and over streamable HTTP (with a bearer token, as a remote agent would call it), N sequential
calls each of a headless DAW tool on our server (a write: stori_set_tempo, one SQLite transaction per call;
and a read: stori_read_project) and of a no-op tool on the bare server. Prints median and p95 per case and
the ratio of our median to the bare server's median on the same transport (target <= 1.25).

    .venv/bin/python benchmarks/tool_latency.py [--calls 500]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@asynccontextmanager
async def stdio(args: list[str]) -> AsyncIterator[Client]:
    params = StdioServerParameters(command=PY, args=args, cwd=str(REPO))
    async with Client(params) as client:
        yield client


@asynccontextmanager
async def http(url: str, token: str | None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as h,
        Client(streamable_http_client(url, http_client=h)) as client,
    ):
        yield client


async def measure(client: Client, tool: str, args_for: Any, calls: int) -> list[float]:
    for i in range(20):  # warm-up: imports, caches, first SQLite pages
        await client.call_tool(tool, args_for(i))
    out = []
    for i in range(calls):
        t0 = time.perf_counter()
        result = await client.call_tool(tool, args_for(i))
        out.append((time.perf_counter() - t0) * 1000)
        if result.is_error:
            raise RuntimeError(f"{tool} failed: {result.content}")
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18]


async def main(calls: int) -> None:
    rows: list[tuple[str, str, str, list[float]]] = []
    tempo = lambda i: {"tempo": 100 + i % 2}  # noqa: E731 - alternating, so every call is a real change
    read = lambda i: {}  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        async with stdio(["-m", "maestro_mcp", "stdio", "--data-dir", str(data)]) as c:
            rows.append(("stdio", "maestro-mcp", "stori_set_tempo", await measure(c, "stori_set_tempo", tempo, calls)))
            rows.append(("stdio", "maestro-mcp", "stori_read_project", await measure(c, "stori_read_project", read, calls)))
        async with stdio([str(REPO / "benchmarks" / "bare_server.py"), "stdio"]) as c:
            rows.append(("stdio", "bare MCPServer", "noop", await measure(c, "noop", read, calls)))

        token = subprocess.run(
            [PY, "-m", "maestro_mcp", "token", "create", "--user", "bench", "--data-dir", str(data)],
            capture_output=True, text=True, check=True, cwd=REPO,
        ).stdout.strip().splitlines()[-1]
        ours_port, bare_port = free_port(), free_port()
        ours = subprocess.Popen(
            [PY, "-m", "maestro_mcp", "serve", "--port", str(ours_port), "--data-dir", str(data)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        bare = subprocess.Popen(
            [PY, str(REPO / "benchmarks" / "bare_server.py"), "http", str(bare_port)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{ours_port}/api/v1/health", ours)
            wait_healthy(f"http://127.0.0.1:{bare_port}/mcp", bare)
            async with http(f"http://127.0.0.1:{ours_port}/mcp", token) as c:
                rows.append(("http", "maestro-mcp", "stori_set_tempo", await measure(c, "stori_set_tempo", tempo, calls)))
                rows.append(("http", "maestro-mcp", "stori_read_project", await measure(c, "stori_read_project", read, calls)))
            async with http(f"http://127.0.0.1:{bare_port}/mcp", None) as c:
                rows.append(("http", "bare MCPServer", "noop", await measure(c, "noop", read, calls)))
        finally:
            for p in (ours, bare):
                p.terminate()
                p.wait(timeout=15)

    base = {t: statistics.median(xs) for t, server, _, xs in rows if server == "bare MCPServer"}
    print(f"\nTool-call latency, {calls} sequential calls each (ms)\n")
    print("| transport | server | tool | median | p95 | ratio to bare median |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for transport, server, tool, xs in rows:
        med = statistics.median(xs)
        print(f"| {transport} | {server} | {tool} | {med:.2f} | {p95(xs):.2f} | {med / base[transport]:.2f}x |")
    print("\ntarget: maestro-mcp median <= 1.25x the bare server's median on both transports")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500)
    anyio.run(main, parser.parse_args().calls)
