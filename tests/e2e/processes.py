"""Starting and stopping ``python -m maestro_mcp`` subprocesses for the end-to-end tests.

Every wait is bounded; ``stop_process`` terminates, then kills.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90.0  # generous: two shared cores, and the first import compiles bytecode
STOP_TIMEOUT = 15.0


def child_env() -> dict[str, str]:
    """The test's environment minus any STORI_* setting, so only the flags a test passes apply."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORI_") and not k.endswith("API_KEY")}
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "maestro_mcp", *args],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def create_token(data_dir: Path, user: str) -> str:
    done = run_cli("token", "create", "--user", user, "--data-dir", str(data_dir), "--days", "1")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@dataclass
class HttpServer:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def start_http_server(data_dir: Path, log_dir: Path, *extra: str, env: dict[str, str] | None = None) -> HttpServer:
    """``maestro-mcp serve`` on a free loopback port, healthy; ``env`` adds settings to the child's environment."""
    port = free_port()
    log = log_dir / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "maestro_mcp", "serve", "--port", str(port), "--data-dir", str(data_dir), *extra],
            cwd=REPO,
            env={**child_env(), **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = HttpServer(process, port, data_dir, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{server.base}/api/v1/health", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not healthy after {STARTUP_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(0.2)
    except BaseException:
        server.stop()
        raise
