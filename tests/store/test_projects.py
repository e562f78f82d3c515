"""ProjectStore semantics: default project, versioning only on change, atomicity, CAS across stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from pydantic import BaseModel

from maestro_mcp.store.db import create_engine, init_schema
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


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path / 'maestro.db'}"


@pytest.fixture
async def sql_store(tmp_path: Path) -> AsyncIterator[SqlProjectStore[Doc]]:
    engine = create_engine(_url(tmp_path))
    await init_schema(engine)
    yield SqlProjectStore(engine, Doc, Doc.new)
    await engine.dispose()


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

    # Principals are isolated.
    assert await store.read("bob") == (Doc(), 0)


async def test_sql_versioning(sql_store: SqlProjectStore[Doc]) -> None:
    await _check_versioning(sql_store)


async def test_mutate_creates_default_project(sql_store: SqlProjectStore[Doc]) -> None:
    assert await sql_store.mutate("carol", _bump) == (1, 1)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_memory_versioning() -> None:
    await _check_versioning(MemoryProjectStore(Doc, Doc.new))


async def test_non_content_change_is_stored_without_new_version(tmp_path: Path) -> None:
    engine = create_engine(_url(tmp_path))
    await init_schema(engine)
    store = SqlProjectStore(engine, Doc, Doc.new, content=lambda d: (d.name, d.counter))
    assert await store.mutate("alice", lambda d: d.tags.append("ui-only")) == (None, 0)
    assert await store.read("alice") == (Doc(tags=["ui-only"]), 0)
    assert await store.mutate("alice", _bump) == (1, 1)
    await engine.dispose()


async def test_real_project_model(sql_store: SqlProjectStore[Doc], tmp_path: Path) -> None:
    from maestro_mcp.daw.model import Project

    engine = create_engine(_url(tmp_path / "real"))
    await init_schema(engine)
    store = SqlProjectStore(engine, Project, Project.new, content=Project.canonical_form)
    project, version = await store.read("local")
    assert (project.name, project.tempo, project.key, version) == ("Untitled", 120.0, "C", 0)
    assert (await store.read("local"))[0].id == project.id  # created once

    def set_tempo(p: Project) -> float:
        p.tempo = 90
        return p.tempo

    assert await store.mutate("local", set_tempo) == (90, 1)
    assert await store.mutate("local", set_tempo) == (90, 1)  # same tempo again: no change
    await engine.dispose()


async def test_reopen_keeps_project(tmp_path: Path) -> None:
    engine = create_engine(_url(tmp_path))
    await init_schema(engine)
    await SqlProjectStore(engine, Doc, Doc.new).mutate("alice", lambda d: d.tags.append("x"))
    await engine.dispose()

    engine = create_engine(_url(tmp_path))
    await init_schema(engine)  # idempotent on an existing file
    assert await SqlProjectStore(engine, Doc, Doc.new).read("alice") == (Doc(tags=["x"]), 1)
    await engine.dispose()


async def test_concurrent_mutations_from_two_stores_lose_nothing(tmp_path: Path) -> None:
    """Two engines = two connection pools on one file, as two processes would have."""
    engines = [create_engine(_url(tmp_path)) for _ in range(2)]
    await init_schema(engines[0])
    await init_schema(engines[1])
    stores = [SqlProjectStore(e, Doc, Doc.new) for e in engines]
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
    for engine in engines:
        await engine.dispose()


async def test_concurrent_first_use_creates_one_project(tmp_path: Path) -> None:
    engines = [create_engine(_url(tmp_path)) for _ in range(2)]
    await init_schema(engines[0])
    stores = [SqlProjectStore(e, Doc, Doc.new) for e in engines]
    results: list[tuple[Doc, int]] = []

    async def first_read(store: SqlProjectStore[Doc]) -> None:
        results.append(await store.read("newcomer"))

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for store in stores * 3:
                tg.start_soon(first_read, store)
    assert results == [(Doc(), 0)] * 6
    for engine in engines:
        await engine.dispose()
