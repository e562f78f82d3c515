"""The wiring: everything long-lived that the core needs, built once by an edge (CLI, tests) and passed down.

An edge opens ``Services`` for its lifetime (``async with open_services(settings) as services``), builds the
MCP server and its transport around it, and closes it on the way out.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncEngine

from maestro_mcp.auth import token_secret
from maestro_mcp.config import Settings
from maestro_mcp.daw.model import Project
from maestro_mcp.store.db import create_engine, init_schema
from maestro_mcp.store.projects import MemoryProjectStore, ProjectStore, SqlProjectStore

logger = logging.getLogger(__name__)

SERVICE_NAME = "stori-maestro"


def package_version() -> str:
    try:
        return importlib.metadata.version("maestro-mcp")
    except importlib.metadata.PackageNotFoundError:
        # Running from a source checkout that was never installed.
        return "0.0.0.dev0"


@dataclass
class Services:
    settings: Settings
    projects: ProjectStore
    engine: AsyncEngine | None = None
    version: str = field(default_factory=package_version)

    @cached_property
    def token_secret(self) -> str:
        """The JWT secret; read (or generated) on first use, so stdio never touches it."""
        return token_secret(self.settings)

    @property
    def llm_configured(self) -> bool:
        return bool(self.settings.llm_api_key)


def memory_services(settings: Settings) -> Services:
    """Services without a database (one process, any async backend): for tests."""
    store = MemoryProjectStore(Project, Project.new, content=Project.canonical_form)
    return Services(settings=settings, projects=store)


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Services over the configured database (the SQLite file in the data dir by default)."""
    engine = create_engine(settings.effective_database_url)
    try:
        await init_schema(engine)
        store = SqlProjectStore(engine, Project, Project.new, content=Project.canonical_form)
        logger.info("database: %s", engine.url.render_as_string(hide_password=True))
        yield Services(settings=settings, projects=store, engine=engine)
    finally:
        await engine.dispose()
