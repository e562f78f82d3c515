"""Headless projects: one project per principal, with a state version (spec/variations.md §5).

Every change is one transaction: load, apply the caller's function, and - only if the project changed -
write it back, guarded by compare-and-swap on the row's revision. Several processes sharing one data dir
therefore never lose an update; a writer that loses the race reloads and applies its function again.
The state version grows by 1 only when the project's *content* changed (its canonical form; transport, UI
state and selection are not content); other changes are stored without touching it.

The SQL store remembers, per principal, the row as this process last read or wrote it - its normalised
JSON and content (canonical form) - keyed by the row's ``revision`` (which grows on every write, whoever
makes it) and version. Each transaction still asks the database for both and uses what it remembers only
when they match, so a process never works on a copy older than the stored one; what it saves is moving
the JSON out of the database, and the normalising dump and canonical form of the "before" side of every
change. The project ``fn`` changes is always a fresh parse of that JSON, never an object anyone else
holds: ``fn``'s result may share parts with it, and callers of ``read`` get their own copy.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from maestro_mcp.store.db import Database
from maestro_mcp.store.project_rows import insert_row, select_row, update_if_unchanged

if TYPE_CHECKING:
    from maestro_mcp.daw.model import Project

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)

# Compare-and-swap attempts before giving up; each retry means another writer won the race just now.
MAX_CAS_ATTEMPTS = 50
# Principals whose last project a process keeps parsed (a stdio server has one; ``serve`` has many users).
CACHE_SIZE = 64


class StoreConflictError(RuntimeError):
    """The project kept changing under us for MAX_CAS_ATTEMPTS attempts."""


class ProjectStore(Protocol):
    """The principal's headless project and its state version."""

    async def read(self, principal: str) -> tuple[Project, int]:
        """The project (the caller's own copy) and its version; the default project (version 0) is created
        on first use."""
        ...

    async def mutate(self, principal: str, fn: Callable[[Project], T]) -> tuple[T, int]:
        """Apply ``fn`` (mutates the project in place, returns a result) in one transaction.

        Returns ``fn``'s result and the state version after the call: +1 if the content changed, else
        unchanged. ``fn`` may run more than once (after a conflict, on a freshly loaded project), so it must
        have no effect other than on the project it is given. An exception from ``fn`` propagates and leaves
        the stored project as it was. ``fn`` may run in a worker thread: it must not touch the event loop.
        """
        ...


def _json_content(project: BaseModel) -> object:
    return project.model_dump_json()


_UNKNOWN = object()  # content not computed yet


@dataclass(frozen=True, slots=True)
class _Stored:
    """One revision of a row, as far as this process knows it. Immutable, so threads share it freely."""

    revision: int
    version: int
    doc: str  # normalised JSON (as the current model dumps it), so an older model's row is not a change
    content: object = _UNKNOWN  # the content function's value for ``doc``, once something needed it


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

    def _normalised(self, revision: int, version: int, doc: str) -> tuple[_Stored, P]:
        project = self._type.model_validate_json(doc)
        return _Stored(revision, version, project.model_dump_json()), project

    def _fresh(self) -> tuple[_Stored, P]:
        project = self._new()
        return _Stored(0, 0, project.model_dump_json()), project

    def _apply(self, stored: _Stored, project: P, fn: Callable[[P], T]) -> tuple[T, _Stored]:
        """Run ``fn`` on ``project`` (a private copy of ``stored.doc``). Returns ``fn``'s result and the row's
        next state: ``stored`` itself when nothing changed."""
        before_id = getattr(project, "id", None)
        result = fn(project)
        after_doc = project.model_dump_json()
        if after_doc == stored.doc:
            return result, stored
        if getattr(project, "id", None) != before_id:
            # A replaced project (stori_create_project) starts again at version 0.
            return result, _Stored(stored.revision + 1, 0, after_doc)
        before = stored.content
        if before is _UNKNOWN:  # only when this row came from elsewhere (another process, a restart)
            before = self._content(self._type.model_validate_json(stored.doc))
        after = self._content(project)
        version = stored.version + 1 if after != before else stored.version
        return result, _Stored(stored.revision + 1, version, after_doc, after)


class SqlProjectStore(_Versioned[P]):
    """``ProjectStore`` over the ``headless_projects`` table (SQLite or Postgres), one worker-thread hop per
    read and per change attempt."""

    def __init__(
        self,
        db: Database,
        project_type: type[P],
        new_project: Callable[[], P],
        content: Callable[[P], object] | None = None,
    ) -> None:
        super().__init__(project_type, new_project, content)
        self._db = db
        self._known: OrderedDict[str, _Stored] = OrderedDict()  # principal -> its row as last seen
        self._known_lock = threading.Lock()  # worker threads and the event loop both use it

    async def read(self, principal: str) -> tuple[P, int]:
        doc, version = await self._db.read(lambda conn: self._read_row(conn, principal))
        if doc is None:  # first use: creating the default project takes the write lock
            stored, project = await self._db.write(lambda conn: self._load(conn, principal))
            self._remember(principal, stored)
            return project, stored.version
        # Parsing is the copy: the caller may change its project freely.
        return self._type.model_validate_json(doc), version

    async def mutate(self, principal: str, fn: Callable[[P], T]) -> tuple[T, int]:
        for attempt in range(1, MAX_CAS_ATTEMPTS + 1):
            outcome = await self._db.write(lambda conn: self._mutate_once(conn, principal, fn))
            if outcome is not None:
                result, stored = outcome
                # Only once committed; an entry is trusted only while its revision is the row's.
                self._remember(principal, stored)
                return result, stored.version
            # Only reachable where the database does not serialise writers up front (Postgres).
            logger.info("project of %r changed concurrently; retrying (attempt %d)", principal, attempt)
        raise StoreConflictError(
            f"project of {principal!r} kept changing; gave up after {MAX_CAS_ATTEMPTS} attempts"
        )

    # -- in the worker thread, inside one transaction ------------------------------------------------

    def _read_row(self, conn: Connection, principal: str) -> tuple[str | None, int]:
        known = self._recall(principal)
        row = select_row(conn, principal, _key(known))
        if row is None:
            return None, 0
        _revision, version, doc = row
        if doc is None:
            assert known is not None
            return known.doc, known.version
        return doc, version

    def _mutate_once(
        self, conn: Connection, principal: str, fn: Callable[[P], T]
    ) -> tuple[T, _Stored] | None:
        """``fn``'s result and the row's state after it, or ``None`` if another writer won the race."""
        stored, project = self._load(conn, principal)
        result, after = self._apply(stored, project, fn)
        if after is stored:
            return result, stored
        if not update_if_unchanged(conn, principal, stored.revision, after.doc, after.version):
            return None
        return result, after

    def _load(self, conn: Connection, principal: str) -> tuple[_Stored, P]:
        """The row (created if missing) and a private copy of its project."""
        known = self._recall(principal)
        row = select_row(conn, principal, _key(known))
        if row is not None:
            revision, version, doc = row
            if doc is None:
                assert known is not None
                return known, self._type.model_validate_json(known.doc)
            return self._normalised(revision, version, doc)
        stored, project = self._fresh()
        try:
            with conn.begin_nested():
                insert_row(conn, principal, stored.doc)
        except IntegrityError:
            # Another process created it between our read and our insert (only where writers are not
            # serialised up front, i.e. not on SQLite): use theirs.
            row = select_row(conn, principal, None)
            if row is None or row[2] is None:  # pragma: no cover - it cannot vanish inside our transaction
                raise
            return self._normalised(row[0], row[1], row[2])
        return stored, project

    # -- what this process knows -----------------------------------------------------------------------

    def _recall(self, principal: str) -> _Stored | None:
        with self._known_lock:
            return self._known.get(principal)

    def _remember(self, principal: str, stored: _Stored) -> None:
        with self._known_lock:
            known = self._known.get(principal)
            if known is not None and known.revision > stored.revision:
                return  # a later revision arrived first (another task's call finished before ours)
            self._known[principal] = stored
            self._known.move_to_end(principal)
            while len(self._known) > CACHE_SIZE:
                self._known.popitem(last=False)


def _key(known: _Stored | None) -> tuple[int, int] | None:
    return None if known is None else (known.revision, known.version)


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
        self._rows: dict[str, _Stored] = {}

    def _row(self, principal: str) -> _Stored:
        stored = self._rows.get(principal)
        if stored is None:
            stored = self._rows[principal] = self._fresh()[0]
        return stored

    async def read(self, principal: str) -> tuple[P, int]:
        stored = self._row(principal)
        return self._type.model_validate_json(stored.doc), stored.version

    async def mutate(self, principal: str, fn: Callable[[P], T]) -> tuple[T, int]:
        # No await between load and store: the whole call is atomic on one event loop.
        stored = self._row(principal)
        result, after = self._apply(stored, self._type.model_validate_json(stored.doc), fn)
        self._rows[principal] = after
        return result, after.version
