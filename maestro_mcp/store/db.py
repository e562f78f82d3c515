"""The database: schema and ``Database`` (SQLAlchemy 2 Core over a synchronous engine; SQLite by default,
Postgres by URL).

Every transaction is one synchronous unit of Core that runs in a worker thread: one thread hop per
transaction, instead of the hand-off per statement (BEGIN, SELECT, UPDATE, COMMIT, pool reset) an async
driver pays - about 2 ms per tool call on two cores, more than the MCP round trip itself. Being plain
threads, it also works under every anyio backend, trio included.

Several processes (stdio servers and one ``serve``) may share one SQLite file, so the engine runs SQLite in
WAL mode with a busy timeout, and takes over transaction control from the driver: a transaction that will
write starts with ``BEGIN IMMEDIATE`` (it takes the write lock up front and waits for it through the busy
timeout, instead of failing later when a read snapshot would have to be upgraded to a write).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.schema import CreateTable

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long a SQLite writer waits for another process's write lock before giving up.
BUSY_TIMEOUT_MS = 15_000

# URLs written for the async drivers of earlier versions keep working: same database, synchronous driver.
_SYNC_DRIVERS = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}

metadata = MetaData()

headless_projects = Table(
    "headless_projects",
    metadata,
    Column("principal", String(255), primary_key=True),
    Column("project_json", Text, nullable=False),
    # The state version of spec/variations.md §5: grows only when the project's content changes.
    Column("state_version", Integer, nullable=False),
    # Grows on every write (content or not); the compare-and-swap guard of concurrent writers, and the key
    # under which a process may keep the project it last loaded (store/projects.py).
    Column("revision", Integer, nullable=False),
)


class Database:
    """SQLAlchemy Core over a synchronous engine; ``read``/``write`` run ``fn(conn)`` in one transaction
    in a worker thread. Writers take SQLite's write lock up front (``BEGIN IMMEDIATE``)."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        driver = _SYNC_DRIVERS.get(url.drivername)
        if driver:
            url = url.set(drivername=driver)
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if not url.database or url.database == ":memory:":
                # Each pooled connection would open a database of its own: writes would vanish.
                raise ValueError(
                    "SQLite needs a file (an in-memory database is not shared between connections)"
                )
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            # Two engines, two pools: how a transaction begins is a property of the engine's dialect, so
            # neither pays for per-statement event dispatch (an engine-level ``begin`` listener would make
            # SQLAlchemy dispatch events around every statement, ~1/3 of a small transaction's cost).
            self.engine: Engine = _sqlite_engine(url, "BEGIN")
            self._writer: Engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
        else:
            self.engine = self._writer = create_sync_engine(url, pool_pre_ping=True)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def create_all(self) -> None:
        """Create missing tables of every Table defined on ``metadata`` (``IF NOT EXISTS``: several processes
        may start at once)."""
        with self._writer.begin() as conn:
            for table in metadata.sorted_tables:
                conn.execute(CreateTable(table, if_not_exists=True))

    async def read(self, fn: Callable[[SyncConnection], T]) -> T:
        """``fn(conn)`` in one read transaction (one consistent snapshot), in a worker thread."""
        return await anyio.to_thread.run_sync(_run, self.engine, fn)

    async def write(self, fn: Callable[[SyncConnection], T]) -> T:
        """``fn(conn)`` in one write transaction, in a worker thread; committed when ``fn`` returns, rolled
        back when it raises."""
        return await anyio.to_thread.run_sync(_run, self._writer, fn)

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writer is not self.engine:
            self._writer.dispose()


def _run(engine: Engine, fn: Callable[[SyncConnection], T]) -> T:
    with engine.begin() as conn:
        return fn(conn)


def _sqlite_engine(url: URL, begin: str) -> Engine:
    """A SQLite engine whose transactions start with ``begin``; the driver's own transaction handling is off
    (it would begin lazily and skip SELECTs, so a read-then-write could not hold the lock from the start)."""
    engine = create_sync_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")  # a pool event: once per new DBAPI connection, not per statement
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    def do_begin(dbapi_connection: Any) -> None:
        dbapi_connection.execute(begin)

    # The dialect's hook for "the DBAPI starts a transaction here" (a no-op for pysqlite): this engine's
    # dialect is its own instance, so overriding it here touches nothing else.
    setattr(engine.dialect, "do_begin", do_begin)  # noqa: B010 - assigning a method mypy would refuse
    return engine
