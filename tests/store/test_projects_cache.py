"""What the SQL store remembers per process: used while the row is unchanged, never once another process
wrote it.

Two ``Database`` objects on one SQLite file stand for two processes (their own pools and caches).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlalchemy import insert, select

from maestro_mcp.store.db import Database, headless_projects
from maestro_mcp.store.projects import SqlProjectStore

pytestmark = pytest.mark.anyio


class Doc(BaseModel):
    counter: int = 0
    tags: list[str] = []

    @classmethod
    def new(cls) -> Doc:
        return cls()


class CountingContent:
    """A content function that counts its calls (the canonical form is the costly part of a change)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, doc: Doc) -> object:
        self.calls += 1
        return doc.counter


def _bump(doc: Doc) -> int:
    doc.counter += 1
    return doc.counter


@pytest.fixture
def dbs(tmp_path: Path) -> Iterator[list[Database]]:
    opened = [Database(f"sqlite:///{tmp_path / 'maestro.db'}") for _ in range(2)]
    opened[0].create_all()
    yield opened
    for db in opened:
        db.dispose()


async def _revision(db: Database, principal: str) -> int:
    c = headless_projects.c
    return int(
        await db.read(
            lambda conn: conn.execute(select(c.revision).where(c.principal == principal)).scalar_one()
        )
    )


async def test_a_change_computes_the_content_of_its_after_side_only(dbs: list[Database]) -> None:
    content = CountingContent()
    store = SqlProjectStore(dbs[0], Doc, Doc.new, content=content)
    await store.mutate("alice", _bump)
    content.calls = 0
    for expected in range(2, 6):
        assert await store.mutate("alice", _bump) == (expected, expected)
    assert content.calls == 4  # the "before" side is what the previous change left

    other = SqlProjectStore(dbs[1], Doc, Doc.new, content=CountingContent())
    await other.mutate("alice", _bump)  # now this process's knowledge is stale
    content.calls = 0
    assert await store.mutate("alice", _bump) == (7, 7)
    assert content.calls == 2  # the row came from elsewhere: both sides


async def test_a_write_by_another_process_is_seen(dbs: list[Database]) -> None:
    ours, theirs = (SqlProjectStore(db, Doc, Doc.new) for db in dbs)
    assert await ours.mutate("alice", _bump) == (1, 1)
    assert await theirs.mutate("alice", _bump) == (2, 2)  # our cache now holds a stale revision

    assert await ours.read("alice") == (Doc(counter=2), 2)
    assert await ours.mutate("alice", _bump) == (3, 3)  # builds on their change, not on what we knew
    assert await theirs.read("alice") == (Doc(counter=3), 3)

    # Alternating writers, each with a warm but stale cache: nothing is lost.
    for i in range(4, 10):
        store = ours if i % 2 else theirs
        assert await store.mutate("alice", _bump) == (i, i)


async def test_a_failed_change_leaves_no_trace_in_the_cache(dbs: list[Database]) -> None:
    store = SqlProjectStore(dbs[0], Doc, Doc.new)
    await store.mutate("alice", _bump)

    def half_then_fail(doc: Doc) -> None:
        doc.counter = 50
        doc.tags.append("half")
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        await store.mutate("alice", half_then_fail)
    assert await store.mutate("alice", lambda d: (d.counter, list(d.tags))) == ((1, []), 1)
    assert await store.read("alice") == (Doc(counter=1), 1)


async def test_a_result_sharing_parts_with_the_project_cannot_change_it(dbs: list[Database]) -> None:
    store = SqlProjectStore(dbs[0], Doc, Doc.new)

    def add_tag(doc: Doc) -> list[str]:
        doc.tags.append("kept")
        return doc.tags  # the project's own list

    tags, _ = await store.mutate("alice", add_tag)
    tags.append("caller's scribble")
    assert await store.mutate("alice", lambda d: list(d.tags)) == (["kept"], 1)
    assert await store.read("alice") == (Doc(tags=["kept"]), 1)


async def test_an_older_rows_normal_form_is_not_a_change(dbs: list[Database]) -> None:
    # Written by an older model: no ``tags``, an unknown field. Loading fills the default and drops the rest.
    doc = '{"counter": 4, "retired": true}'
    await dbs[0].write(
        lambda conn: conn.execute(
            insert(headless_projects).values(principal="alice", project_json=doc, state_version=7, revision=3)
        )
    )
    store = SqlProjectStore(dbs[1], Doc, Doc.new)
    assert await store.mutate("alice", lambda d: d.counter) == (4, 7)
    assert await _revision(dbs[0], "alice") == 3  # nothing was written
    assert await store.mutate("alice", _bump) == (5, 8)
    assert await _revision(dbs[0], "alice") == 4
