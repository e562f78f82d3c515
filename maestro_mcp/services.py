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

import anyio

from maestro_mcp.accounts import Accounts
from maestro_mcp.agent.proposer import deterministic_proposer
from maestro_mcp.agent.variation import VariationService
from maestro_mcp.agent.variation_proposal import ProjectTarget
from maestro_mcp.auth import token_secret
from maestro_mcp.config import Settings
from maestro_mcp.daw.model import Project
from maestro_mcp.daw.remote import DawHub
from maestro_mcp.store import conversations as _conversations_tables  # noqa: F401 - tables on metadata
from maestro_mcp.store import mirrors as _mirrors_tables  # noqa: F401
from maestro_mcp.store import usage as _usage_tables  # noqa: F401
from maestro_mcp.store import variations as _variations_tables  # noqa: F401
from maestro_mcp.store.conversations import ConversationStore
from maestro_mcp.store.db import Database
from maestro_mcp.store.mirrors import MirrorStore
from maestro_mcp.store.projects import MemoryProjectStore, ProjectStore, SqlProjectStore
from maestro_mcp.store.users import UserStore

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
    projects: ProjectStore  # the principals' headless projects
    accounts: Accounts  # users, tokens and revocation, budgets, usage log, rate and concurrency limits
    conversations: ConversationStore
    mirrors: MirrorStore  # client-snapshot mirrors of the Stori app's projects (streams, variations)
    variations: VariationService
    db: Database | None = None  # the projects' database; None for memory_services
    daw_hub: DawHub = field(default_factory=DawHub)  # connected Stori DAWs, one active per principal
    version: str = field(default_factory=package_version)

    @cached_property
    def token_secret(self) -> str:
        """The JWT secret; read (or generated) on first use, so stdio never touches it."""
        return token_secret(self.settings)

    @property
    def llm_configured(self) -> bool:
        return bool(self.settings.llm_api_key)


def _assemble(
    settings: Settings, projects: ProjectStore, db: Database, *, projects_db: Database | None
) -> Services:
    mirrors = MirrorStore(db)

    async def project_target(principal: str, project_id: str) -> ProjectTarget | None:
        """Where a variation of ``project_id`` commits: the headless project, or a client-snapshot mirror."""
        project, _ = await projects.read(principal)
        if project.id == project_id:
            return projects
        return await mirrors.resolve(principal, project_id)

    return Services(
        settings=settings,
        projects=projects,
        accounts=Accounts(settings, UserStore(db, settings.default_budget_cents)),
        conversations=ConversationStore(db),
        mirrors=mirrors,
        variations=VariationService(
            db, projects, contexts=project_target, proposer=deterministic_proposer(settings)
        ),
        db=projects_db,
    )


def memory_services(settings: Settings) -> Services:
    """Headless projects in memory (one process, any async backend), for tests. Accounts, conversations,
    mirrors and variations still need SQL: a SQLite file in the data dir (tests give each a temporary one)."""
    store = MemoryProjectStore(Project, Project.new, content=Project.canonical_form)
    db = Database(f"sqlite:///{settings.data_dir / 'accounts.db'}")
    db.create_all()
    return _assemble(settings, store, db, projects_db=None)


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Services over the configured database (the SQLite file in the data dir by default)."""
    db = Database(settings.effective_database_url)
    try:
        # Blocking I/O (and possibly a wait for another process's write lock): off the event loop.
        await anyio.to_thread.run_sync(db.create_all)
        store = SqlProjectStore(db, Project, Project.new, content=Project.canonical_form)
        logger.info("database: %s", db.url)
        yield _assemble(settings, store, db, projects_db=db)
    finally:
        db.dispose()
