"""Tool-call latency of maestro-mcp against a bare official-SDK MCPServer, measured in the same run.

Over stdio and over streamable HTTP (with a bearer token, as a remote agent would call it), N sequential
calls each of a headless DAW tool on our server (a write: stori_set_tempo, one SQLite transaction per call;
and a read: stori_read_project) and of a no-op tool on the bare server. Prints median and p95 per case and
the ratio of our median to the bare server's median on the same transport (target <= 1.25).

The cases of one transport are interleaved call by call (ours, ours, bare, ours, ...; still one call at a
time), so a burst of load from elsewhere on a shared machine hits all of them alike instead of skewing the
ratio towards whichever case happened to run during it.

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


Case = tuple[str, str, Client, Any]  # server label, tool, client, arguments for call i


async def measure(cases: list[Case], calls: int) -> list[list[float]]:
    """Per case, the latency (ms) of ``calls`` calls; the cases take turns call by call."""
    for i in range(20):  # warm-up: imports, caches, first SQLite pages
        for _, tool, client, args_for in cases:
            await client.call_tool(tool, args_for(i))
    out: list[list[float]] = [[] for _ in cases]
    for i in range(calls):
        for times, (_, tool, client, args_for) in zip(out, cases, strict=True):
            t0 = time.perf_counter()
            result = await client.call_tool(tool, args_for(i))
            times.append((time.perf_counter() - t0) * 1000)
            if result.is_error:
                raise RuntimeError(f"{tool} failed: {result.content}")
    return out


def rows_of(
    transport: str, cases: list[Case], times: list[list[float]]
) -> list[tuple[str, str, str, list[float]]]:
    return [(transport, server, tool, xs) for (server, tool, _, _), xs in zip(cases, times, strict=True)]


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18]


def tempo(i: int) -> dict[str, Any]:
    return {"tempo": 100 + i % 2}  # alternating, so every call is a real change


def read(_i: int) -> dict[str, Any]:
    return {}


async def main(calls: int) -> None:
    rows: list[tuple[str, str, str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        async with (
            stdio(["-m", "maestro_mcp", "stdio", "--data-dir", str(data)]) as ours_client,
            stdio([str(REPO / "benchmarks" / "bare_server.py"), "stdio"]) as bare_client,
        ):
            cases: list[Case] = [
                ("maestro-mcp", "stori_set_tempo", ours_client, tempo),
                ("maestro-mcp", "stori_read_project", ours_client, read),
                ("bare MCPServer", "noop", bare_client, read),
            ]
            rows += rows_of("stdio", cases, await measure(cases, calls))

        token = (
            subprocess.run(
                [PY, "-m", "maestro_mcp", "token", "create", "--user", "bench", "--data-dir", str(data)],
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        ours_port, bare_port = free_port(), free_port()
        ours = subprocess.Popen(
            [PY, "-m", "maestro_mcp", "serve", "--port", str(ours_port), "--data-dir", str(data)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        bare = subprocess.Popen(
            [PY, str(REPO / "benchmarks" / "bare_server.py"), "http", str(bare_port)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{ours_port}/api/v1/health", ours)
            wait_healthy(f"http://127.0.0.1:{bare_port}/mcp", bare)
            async with (
                http(f"http://127.0.0.1:{ours_port}/mcp", token) as ours_client,
                http(f"http://127.0.0.1:{bare_port}/mcp", None) as bare_client,
            ):
                cases = [
                    ("maestro-mcp", "stori_set_tempo", ours_client, tempo),
                    ("maestro-mcp", "stori_read_project", ours_client, read),
                    ("bare MCPServer", "noop", bare_client, read),
                ]
                rows += rows_of("http", cases, await measure(cases, calls))
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
        print(
            f"| {transport} | {server} | {tool} | {med:.2f} | {p95(xs):.2f} | {med / base[transport]:.2f}x |"
        )
    print("\ntarget: maestro-mcp median <= 1.25x the bare server's median on both transports")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=500)
    anyio.run(main, parser.parse_args().calls)
