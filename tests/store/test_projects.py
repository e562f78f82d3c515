"""ProjectStore semantics: default project, versioning only on change, atomicity, CAS across stores.

Every SQL test runs on a real SQLite file, under asyncio and trio (conftest).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from pydantic import BaseModel

from maestro_mcp.store.db import Database
from maestro_mcp.store.projects import MemoryProjectStore, SqlProjectStore

pytestmark = pytest.mark.anyio


class Doc(BaseModel):
    """Stand-in for the project model: the store only needs new() and the pydantic JSON round trip."""

    name: str = "Untitled"
    counter: int = 0
    tags: list[str] = []

    @classmethod
    def new(cls) -> Doc:
        return cls()


def open_db(path: Path) -> Database:
    db = Database(f"sqlite:///{path / 'maestro.db'}")
    db.create_all()
    return db


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def sql_store(db: Database) -> SqlProjectStore[Doc]:
    return SqlProjectStore(db, Doc, Doc.new)


def _bump(doc: Doc) -> int:
    doc.counter += 1
    return doc.counter


async def _check_versioning(store: SqlProjectStore[Doc] | MemoryProjectStore[Doc]) -> None:
    project, version = await store.read("alice")
    assert (project, version) == (Doc(), 0)
    assert await store.read("alice") == (Doc(), 0)

    assert await store.mutate("alice", lambda d: d.name) == ("Untitled", 0)  # no change, same version
    assert await store.mutate("alice", _bump) == (1, 1)
    assert await store.mutate("alice", _bump) == (2, 2)
    assert await store.mutate("alice", lambda d: setattr(d, "counter", 2)) == (None, 2)  # same value
    assert (await store.read("alice"))[1] == 2

    def fail(doc: Doc) -> None:
        doc.counter = 99
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await store.mutate("alice", fail)
    assert await store.read("alice") == (Doc(counter=2), 2)
    # The half-applied project of the failed call is not what the next call starts from either.
    assert await store.mutate("alice", _bump) == (3, 3)

    # Principals are isolated.
    assert await store.read("bob") == (Doc(), 0)


async def test_sql_versioning(sql_store: SqlProjectStore[Doc]) -> None:
    await _check_versioning(sql_store)


async def test_memory_versioning() -> None:
    await _check_versioning(MemoryProjectStore(Doc, Doc.new))


async def test_mutate_creates_default_project(sql_store: SqlProjectStore[Doc]) -> None:
    assert await sql_store.mutate("carol", _bump) == (1, 1)


async def test_read_returns_a_private_copy(sql_store: SqlProjectStore[Doc]) -> None:
    await sql_store.mutate("alice", _bump)
    project, _ = await sql_store.read("alice")
    project.counter = 1000  # the caller's own object: the store must not see this
    project.tags.append("local only")
    assert await sql_store.read("alice") == (Doc(counter=1), 1)
    assert await sql_store.mutate("alice", _bump) == (2, 2)


async def test_non_content_change_is_stored_without_new_version(db: Database) -> None:
    store = SqlProjectStore(db, Doc, Doc.new, content=lambda d: (d.name, d.counter))
    assert await store.mutate("alice", lambda d: d.tags.append("ui-only")) == (None, 0)
    assert await store.read("alice") == (Doc(tags=["ui-only"]), 0)
    assert await store.mutate("alice", _bump) == (1, 1)
    # A fresh process (no cache) computes the same versions from the stored row.
    other = SqlProjectStore(db, Doc, Doc.new, content=lambda d: (d.name, d.counter))
    assert await other.mutate("alice", lambda d: d.tags.append("more ui")) == (None, 1)
    assert await other.mutate("alice", _bump) == (2, 2)


async def test_real_project_model(db: Database) -> None:
    from maestro_mcp.daw.model import Project

    store = SqlProjectStore(db, Project, Project.new, content=Project.canonical_form)
    project, version = await store.read("local")
    assert (project.name, project.tempo, project.key, version) == ("Untitled", 120.0, "C", 0)
    assert (await store.read("local"))[0].id == project.id  # created once

    def set_tempo(p: Project) -> float:
        p.tempo = 90
        return p.tempo

    assert await store.mutate("local", set_tempo) == (90, 1)
    assert await store.mutate("local", set_tempo) == (90, 1)  # same tempo again: no change

    def move_playhead(p: Project) -> None:
        p.transport.position_beats = 8.0  # transport is not content

    assert await store.mutate("local", move_playhead) == (None, 1)
    assert (await store.read("local"))[0].transport.position_beats == 8.0

    def replace(p: Project) -> str:
        fresh = Project.new(name="Second")
        for name in Project.model_fields:
            setattr(p, name, getattr(fresh, name))
        return p.id

    new_id, version = await store.mutate("local", replace)
    assert (new_id != project.id, version) == (True, 0)  # a new project starts again at version 0
    assert await store.mutate("local", set_tempo) == (90, 1)


async def test_reopen_keeps_project(tmp_path: Path) -> None:
    db = open_db(tmp_path)
    await SqlProjectStore(db, Doc, Doc.new).mutate("alice", lambda d: d.tags.append("x"))
    db.dispose()

    db = open_db(tmp_path)  # create_all is idempotent on an existing file
    assert await SqlProjectStore(db, Doc, Doc.new).read("alice") == (Doc(tags=["x"]), 1)
    db.dispose()


async def test_concurrent_mutations_from_two_stores_lose_nothing(tmp_path: Path) -> None:
    """Two databases = two connection pools and two caches on one file, as two processes would have."""
    dbs = [open_db(tmp_path) for _ in range(2)]
    stores = [SqlProjectStore(db, Doc, Doc.new) for db in dbs]
    per_worker = 15
    versions: list[int] = []

    async def worker(store: SqlProjectStore[Doc]) -> None:
        for _ in range(per_worker):
            _, version = await store.mutate("shared", _bump)
            versions.append(version)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for store in stores:
                for _ in range(2):
                    tg.start_soon(worker, store)

    total = per_worker * 4
    assert sorted(versions) == list(range(1, total + 1))  # every change got its own version
    for store in stores:
        assert await store.read("shared") == (Doc(counter=total), total)
    for db in dbs:
        db.dispose()


async def test_concurrent_first_use_creates_one_project(tmp_path: Path) -> None:
    dbs = [open_db(tmp_path) for _ in range(2)]
    stores = [SqlProjectStore(db, Doc, Doc.new) for db in dbs]
    results: list[tuple[Doc, int]] = []

    async def first_read(store: SqlProjectStore[Doc]) -> None:
        results.append(await store.read("newcomer"))

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for store in stores * 3:
                tg.start_soon(first_read, store)
    assert results == [(Doc(), 0)] * 6
    for db in dbs:
        db.dispose()
