"""The database: schema and engine (SQLAlchemy 2 async Core; SQLite by default, Postgres by URL).

Several processes (stdio servers and one ``serve``) may share one SQLite file, so the engine runs SQLite in
WAL mode with a busy timeout, and takes over transaction control from the driver: a transaction that will
write starts with ``BEGIN IMMEDIATE`` (it takes the write lock up front and waits for it through the busy
timeout, instead of failing later when a read snapshot would have to be upgraded to a write).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, event
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.schema import CreateTable

logger = logging.getLogger(__name__)

# How long a SQLite writer waits for another process's write lock before giving up.
BUSY_TIMEOUT_MS = 15_000

# Execution option read by the ``begin`` hook: writers ask for ``BEGIN IMMEDIATE``.
_BEGIN_OPTION = "maestro_sqlite_begin"

metadata = MetaData()

headless_projects = Table(
    "headless_projects",
    metadata,
    Column("principal", String(255), primary_key=True),
    Column("project_json", Text, nullable=False),
    # The state version of spec/variations.md §5: grows only when the project's content changes.
    Column("state_version", Integer, nullable=False),
    # Grows on every write (content or not); the compare-and-swap guard of concurrent writers.
    Column("revision", Integer, nullable=False),
)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for ``database_url``; for a SQLite file, the parent folder is created."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(database_url, pool_pre_ping=True)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(database_url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is deferred and skips SELECTs; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: SyncConnection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


async def init_schema(engine: AsyncEngine) -> None:
    """Create missing tables. ``IF NOT EXISTS`` because several processes may start at the same moment."""
    async with write_transaction(engine) as conn:
        for table in metadata.sorted_tables:
            await conn.execute(CreateTable(table, if_not_exists=True))


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction that intends to write: on SQLite it holds the write lock from its first statement."""
    target = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if is_sqlite(engine) else engine
    async with target.begin() as conn:
        yield conn


@asynccontextmanager
async def read_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A read-only transaction (one consistent snapshot)."""
    async with engine.begin() as conn:
        yield conn
