"""Client-snapshot mirrors (spec README glossary, sse.md §2.3): the server's persisted copy of a project the
Stori app sends with a stream request, one per principal and snapshot project id, with its state version
(variations.md §5).

A snapshot replaces the mirror; regions whose snapshot left out ``notes`` (or another event list) keep
what the mirror knows for that region id (daw-websocket.md §6.3). The version is 0 when the server first
knows the project, and grows by 1 whenever a replacement or a tool call changes the canonical form.
Every change is one transaction (``Database.write``), so processes sharing a data dir never lose one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, String, Table, Text, insert, select, update
from sqlalchemy.engine import Connection

from maestro_mcp.daw.model import Project
from maestro_mcp.store.db import Database, metadata

T = TypeVar("T")

client_mirrors = Table(
    "client_mirrors",
    metadata,
    Column("principal", String(255), nullable=False),
    Column("project_id", String(255), nullable=False),
    Column("project_json", Text, nullable=False),
    Column("state_version", Integer, nullable=False),
    PrimaryKeyConstraint("principal", "project_id"),
)

EVENT_LISTS = ("notes", "cc_events", "pitch_bends", "aftertouch")


@dataclass(frozen=True)
class Absent:
    """Which event lists a snapshot left out, per region id (snake_case list names of ``EVENT_LISTS``)."""

    lists: dict[str, frozenset[str]] = field(default_factory=dict)


def merge_snapshot(old: Project | None, new: Project, absent: Absent) -> Project:
    """``new`` with the absent event lists filled from ``old`` (same region id); unknown regions stay empty."""
    if old is None or not absent.lists:
        return new
    known = {r.id: r for t in old.tracks for r in t.regions}
    for track in new.tracks:
        for region in track.regions:
            missing = absent.lists.get(region.id)
            previous = known.get(region.id)
            if missing and previous is not None:
                for name in missing:
                    setattr(region, name, [e.model_copy() for e in getattr(previous, name)])
    return new


def _changed(before: Project, after: Project) -> bool:
    return before.canonical_form() != after.canonical_form()


# -- rows: the same logic over SQL or a dict ------------------------------------------------------------


def _load(conn: Connection, principal: str, project_id: str) -> tuple[Project, int] | None:
    c = client_mirrors.c
    row = conn.execute(
        select(c.project_json, c.state_version).where(c.principal == principal, c.project_id == project_id)
    ).first()
    return None if row is None else (Project.model_validate_json(row[0]), int(row[1]))


def _store(conn: Connection, principal: str, project: Project, version: int, exists: bool) -> None:
    values = {"project_json": project.model_dump_json(), "state_version": version}
    c = client_mirrors.c
    if exists:
        conn.execute(
            update(client_mirrors)
            .where(c.principal == principal, c.project_id == project.id)
            .values(**values)
        )
    else:
        conn.execute(insert(client_mirrors).values(principal=principal, project_id=project.id, **values))


def _replace(
    loaded: tuple[Project, int] | None, project: Project, absent: Absent
) -> tuple[Project, int, bool]:
    """(merged project, new version, whether to write)."""
    if loaded is None:
        return merge_snapshot(None, project, absent), 0, True
    old, version = loaded
    merged = merge_snapshot(old, project, absent)
    if _changed(old, merged):
        return merged, version + 1, True
    return merged, version, merged.model_dump_json() != old.model_dump_json()


def _mutate(loaded: tuple[Project, int], fn: Callable[[Project], T]) -> tuple[T, Project, int, bool]:
    old, version = loaded
    project = old.model_copy(deep=True)
    result = fn(project)
    if _changed(old, project):
        return result, project, version + 1, True
    return result, project, version, project.model_dump_json() != old.model_dump_json()


class MirrorNotFoundError(LookupError):
    pass


class MirrorStore:
    """Every principal's client-snapshot mirrors, in ``db`` (or in memory when ``db`` is None)."""

    def __init__(self, db: Database | None) -> None:
        self._db = db
        self._rows: dict[tuple[str, str], tuple[str, int]] = {}
        self._ready = db is None

    async def _ensure_table(self) -> None:
        # The table may have been defined after the database created its schema (import order).
        if not self._ready and self._db is not None:
            await self._db.write(lambda conn: client_mirrors.create(conn, checkfirst=True))
            self._ready = True

    async def replace(
        self, principal: str, project: Project, absent: Absent = Absent()
    ) -> tuple[Project, int]:
        """Replace the mirror of ``project.id`` by the snapshot; returns the mirror and its version."""
        if self._db is None:
            doc = self._rows.get((principal, project.id))
            loaded = None if doc is None else (Project.model_validate_json(doc[0]), doc[1])
            merged, version, write = _replace(loaded, project, absent)
            if write:
                self._rows[(principal, project.id)] = (merged.model_dump_json(), version)
            return merged, version
        await self._ensure_table()

        def run(conn: Connection) -> tuple[Project, int]:
            loaded = _load(conn, principal, project.id)
            merged, version, write = _replace(loaded, project, absent)
            if write:
                _store(conn, principal, merged, version, loaded is not None)
            return merged, version

        return await self._db.write(run)

    async def get(self, principal: str, project_id: str) -> tuple[Project, int] | None:
        if self._db is None:
            doc = self._rows.get((principal, project_id))
            return None if doc is None else (Project.model_validate_json(doc[0]), doc[1])
        await self._ensure_table()
        return await self._db.read(lambda conn: _load(conn, principal, project_id))

    async def mutate(self, principal: str, project_id: str, fn: Callable[[Project], T]) -> tuple[T, int]:
        if self._db is None:
            doc = self._rows.get((principal, project_id))
            if doc is None:
                raise MirrorNotFoundError(project_id)
            result, project, version, write = _mutate((Project.model_validate_json(doc[0]), doc[1]), fn)
            if write:
                self._rows[(principal, project_id)] = (project.model_dump_json(), version)
            return result, version
        await self._ensure_table()

        def run(conn: Connection) -> tuple[T, int]:
            loaded = _load(conn, principal, project_id)
            if loaded is None:
                raise MirrorNotFoundError(project_id)
            result, project, version, write = _mutate(loaded, fn)
            if write:
                _store(conn, principal, project, version, True)
            return result, version

        return await self._db.write(run)

    def target(self, project_id: str) -> MirrorTarget:
        return MirrorTarget(self, project_id)

    async def resolve(self, principal: str, project_id: str) -> MirrorTarget | None:
        """The mirror a project id names for ``principal``, if the server knows one (variation commit)."""
        return self.target(project_id) if await self.get(principal, project_id) is not None else None


@dataclass(frozen=True)
class MirrorTarget:
    """One mirror as a ``ProjectStore``-like object (``read``/``mutate`` by principal), for ``dispatch``."""

    store: MirrorStore
    project_id: str

    async def read(self, principal: str) -> tuple[Project, int]:
        found = await self.store.get(principal, self.project_id)
        if found is None:
            raise MirrorNotFoundError(self.project_id)
        return found

    async def mutate(self, principal: str, fn: Callable[[Project], T]) -> tuple[T, int]:
        return await self.store.mutate(principal, self.project_id, fn)


def absent_lists(missing: Mapping[str, Collection[str]]) -> Absent:
    return Absent({rid: frozenset(names) for rid, names in missing.items() if names})
