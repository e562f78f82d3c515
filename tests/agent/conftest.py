"""Fixtures shared by the agent tests: a real SQLite database and an in-memory headless project store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from maestro_mcp.daw.model import Project
from maestro_mcp.store.db import Database
from maestro_mcp.store.projects import MemoryProjectStore


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'maestro.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A real SQLite file with every table."""
    database = Database(db_url)
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def projects() -> MemoryProjectStore[Project]:
    return MemoryProjectStore(Project, Project.new, content=Project.canonical_form)
