"""Fixtures of the end-to-end tests: real processes over real sockets, always cleaned up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import HttpServer, start_http_server


@pytest.fixture
def anyio_backend() -> str:
    # The servers under test run in their own processes; the client side runs on asyncio.
    return "asyncio"


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., HttpServer]]:
    """``start_server(data_dir, *flags)`` starts ``serve``; every server started is stopped at teardown."""
    started: list[HttpServer] = []

    def start(data_dir: Path, *extra: str) -> HttpServer:
        server = start_http_server(data_dir, tmp_path, *extra)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
