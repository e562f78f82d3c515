"""Headless projects: one project per principal, with a state version (spec/variations.md §5).

Every change is one transaction: load, apply the caller's function, and - only if the project changed -
write it back, guarded by compare-and-swap on the row's revision. Several processes sharing one data dir
therefore never lose an update; a writer that loses the race reloads and applies its function again.
The state version grows by 1 only when the project's *content* changed (its canonical form; transport, UI
state and selection are not content); other changes are stored without touching it. Nothing is cached
between calls, so a process never works on a copy older than the stored one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from maestro_mcp.store.db import headless_projects, read_transaction, write_transaction

if TYPE_CHECKING:
    from maestro_mcp.daw.model import Project

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)

# Compare-and-swap attempts before giving up; each retry means another writer won the race just now.
MAX_CAS_ATTEMPTS = 50


class StoreConflictError(RuntimeError):
    """The project kept changing under us for MAX_CAS_ATTEMPTS attempts."""


class ProjectStore(Protocol):
    """The principal's headless project and its state version."""

    async def read(self, principal: str) -> tuple[Project, int]:
        """The project and its version; the default project (version 0) is created on first use."""
        ...

    async def mutate(self, principal: str, fn: Callable[[Project], T]) -> tuple[T, int]:
        """Apply ``fn`` (mutates the project in place, returns a result) in one transaction.

        Returns ``fn``'s result and the state version after the call: +1 if the content changed, else
        unchanged. ``fn`` may run more than once (after a conflict, on a freshly loaded project), so it must
        have no effect other than on the project it is given. An exception from ``fn`` propagates and leaves
        the stored project as it was.
        """
        ...


def _json_content(project: BaseModel) -> object:
    return project.model_dump_json()


class _Versioned(Generic[P]):
    """What both stores share: how a function call turns into a new row."""

    def __init__(
        self,
        project_type: type[P],
        new_project: Callable[[], P],
        content: Callable[[P], object] | None = None,
    ) -> None:
        self._type = project_type
        self._new = new_project
        self._content: Callable[[P], object] = content or _json_content

    def _apply(self, doc: str, version: int, fn: Callable[[P], T]) -> tuple[T, str | None, int]:
        """``fn``'s result, the new document (``None`` if nothing changed) and the new state version."""
        project = self._type.model_validate_json(doc)
        # Compare normalised dumps, so a row written by an older model version is not a change by itself.
        before_doc = project.model_dump_json()
        before_content = self._content(project)
        before_id = getattr(project, "id", None)
        result = fn(project)
        after_doc = project.model_dump_json()
        if after_doc == before_doc:
            return result, None, version
        if getattr(project, "id", None) != before_id:
            return result, after_doc, 0  # a replaced project (stori_create_project) starts again at version 0
        content_changed = self._content(project) != before_content
        return result, after_doc, version + 1 if content_changed else version


class SqlProjectStore(_Versioned[P]):
    """``ProjectStore`` over the ``headless_projects`` table (SQLite or Postgres)."""

    def __init__(
        self,
        engine: AsyncEngine,
        project_type: type[P],
        new_project: Callable[[], P],
        content: Callable[[P], object] | None = None,
    ) -> None:
        super().__init__(project_type, new_project, content)
        self._engine = engine

    async def read(self, principal: str) -> tuple[P, int]:
        async with read_transaction(self._engine) as conn:
            row = await _load(conn, principal)
        if row is None:
            async with write_transaction(self._engine) as conn:
                row = await self._load_or_create(conn, principal)
        return self._type.model_validate_json(row[0]), row[1]

    async def mutate(self, principal: str, fn: Callable[[P], T]) -> tuple[T, int]:
        for attempt in range(1, MAX_CAS_ATTEMPTS + 1):
            async with write_transaction(self._engine) as conn:
                doc, version, revision = await self._load_or_create(conn, principal)
                result, new_doc, new_version = self._apply(doc, version, fn)
                if new_doc is None:
                    return result, version
                written = await conn.execute(
                    update(headless_projects)
                    .where(headless_projects.c.principal == principal)
                    .where(headless_projects.c.revision == revision)
                    .values(project_json=new_doc, state_version=new_version, revision=revision + 1)
                )
                if written.rowcount == 1:
                    return result, new_version
            # Only reachable where the database does not serialise writers up front (Postgres).
            logger.info("project of %r changed concurrently; retrying (attempt %d)", principal, attempt)
        raise StoreConflictError(f"project of {principal!r} kept changing; gave up after {MAX_CAS_ATTEMPTS} attempts")

    async def _load_or_create(self, conn: AsyncConnection, principal: str) -> tuple[str, int, int]:
        row = await _load(conn, principal)
        if row is not None:
            return row
        doc = self._new().model_dump_json()
        try:
            async with conn.begin_nested():
                await conn.execute(
                    insert(headless_projects).values(
                        principal=principal, project_json=doc, state_version=0, revision=0
                    )
                )
        except IntegrityError:
            # Another process created it between our read and our insert: use theirs.
            row = await _load(conn, principal)
            if row is None:  # pragma: no cover - the conflicting row cannot vanish inside our transaction
                raise
            return row
        return doc, 0, 0


async def _load(conn: AsyncConnection, principal: str) -> tuple[str, int, int] | None:
    c = headless_projects.c
    result = await conn.execute(
        select(c.project_json, c.state_version, c.revision).where(c.principal == principal)
    )
    row = result.first()
    return None if row is None else (str(row[0]), int(row[1]), int(row[2]))


class MemoryProjectStore(_Versioned[P]):
    """``ProjectStore`` in memory, for one process (tests on any async backend, no database)."""

    def __init__(
        self,
        project_type: type[P],
        new_project: Callable[[], P],
        content: Callable[[P], object] | None = None,
    ) -> None:
        super().__init__(project_type, new_project, content)
        # Stored serialised so callers never share a live object with the store.
        self._rows: dict[str, tuple[str, int]] = {}

    def _row(self, principal: str) -> tuple[str, int]:
        row = self._rows.get(principal)
        if row is None:
            row = self._rows[principal] = (self._new().model_dump_json(), 0)
        return row

    async def read(self, principal: str) -> tuple[P, int]:
        doc, version = self._row(principal)
        return self._type.model_validate_json(doc), version

    async def mutate(self, principal: str, fn: Callable[[P], T]) -> tuple[T, int]:
        # No await between load and store: the whole call is atomic on one event loop.
        doc, version = self._row(principal)
        result, new_doc, new_version = self._apply(doc, version, fn)
        if new_doc is not None:
            self._rows[principal] = (new_doc, new_version)
        return result, new_version
