"""Fixtures for the tool layer: a real in-memory project store with the real project model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from maestro_mcp.config import Settings
from maestro_mcp.daw.model import Project
from maestro_mcp.store.projects import MemoryProjectStore
from maestro_mcp.tools.dispatch import ToolContext


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    return request.param


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, daw_mode="headless", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def ctx(settings: Settings) -> ToolContext:
    store: MemoryProjectStore[Project] = MemoryProjectStore(Project, Project.new, content=Project.canonical_form)
    return ToolContext(principal="tester", projects=store, settings=settings)
