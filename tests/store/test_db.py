"""``Database``: one transaction per ``read``/``write`` in a worker thread, on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection

from maestro_mcp.store.db import Database

pytestmark = pytest.mark.anyio

# The tests' own table, kept off the package's ``metadata`` so other tests' databases do not get it.
test_metadata = MetaData()
counters = Table(
    "counters",
    test_metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Integer, nullable=False),
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'nested' / 'maestro.db'}")  # the folder is created
    database.create_all()
    anyio.run(database.write, test_metadata.create_all)
    yield database
    database.dispose()


def _value(conn: Connection, name: str) -> int | None:
    return conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar_one_or_none()


async def test_write_commits_and_read_sees_it(db: Database) -> None:
    await db.write(lambda conn: conn.execute(insert(counters).values(name="a", value=1)))
    assert await db.read(lambda conn: _value(conn, "a")) == 1


async def test_a_failing_write_is_rolled_back_whole(db: Database) -> None:
    def two_steps_then_fail(conn: Connection) -> None:
        conn.execute(insert(counters).values(name="b", value=1))
        conn.execute(update(counters).where(counters.c.name == "b").values(value=2))
        raise ValueError("abort")

    with pytest.raises(ValueError, match="abort"):
        await db.write(two_steps_then_fail)
    assert await db.read(lambda conn: _value(conn, "b")) is None


async def test_read_modify_write_from_two_databases_loses_nothing(db: Database, tmp_path: Path) -> None:
    """Writers hold SQLite's write lock from their first statement, so a read-then-write never interleaves."""
    other = Database(db.url)
    await db.write(lambda conn: conn.execute(insert(counters).values(name="c", value=0)))

    def increment(conn: Connection) -> None:
        value = _value(conn, "c")
        assert value is not None
        conn.execute(update(counters).where(counters.c.name == "c").values(value=value + 1))

    async def worker(database: Database) -> None:
        for _ in range(20):
            await database.write(increment)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for database in (db, other, db, other):
                tg.start_soon(worker, database)
    assert await db.read(lambda conn: _value(conn, "c")) == 80
    other.dispose()


def test_async_driver_urls_map_to_the_sync_driver(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        assert db.is_sqlite and db.url.startswith("sqlite:///")
        db.create_all()
    finally:
        db.dispose()


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a file"):
        Database("sqlite://")
