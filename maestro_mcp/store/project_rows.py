"""The ``headless_projects`` row operations of ``SqlProjectStore``, on the hot path of every tool call.

The statements are SQLAlchemy Core, compiled once per dialect; the two that run on every call (the
revision check and the guarded update) then go straight to the connection's DBAPI cursor, inside the
transaction ``Database`` opened. Through ``Connection.execute`` each would cost ~40 µs of SQLAlchemy
bookkeeping - more than SQLite needs to run it. They bind only ``str``/``int`` values, which no dialect
processes, and nothing reads their rows by type, so nothing of SQLAlchemy's is lost on the way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, case, insert, null, select, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled

from maestro_mcp.store.db import headless_projects

Row = tuple[
    int, int, str | None
]  # revision, state version, the JSON (None: the caller's revision is current)

_c = headless_projects.c
_SELECT_ROW = select(_c.revision, _c.state_version, _c.project_json).where(_c.principal == bindparam("key"))
# The JSON only when the row moved on from the revision the caller holds.
# (Revisions of a principal's row never repeat: rows are never deleted. The version is compared too, so
# even a database swapped under a running process would have to match both to be mistaken for ours.)
_SELECT_IF_NEWER = select(
    _c.revision,
    _c.state_version,
    case(
        ((_c.revision == bindparam("known")) & (_c.state_version == bindparam("known_version")), null()),
        else_=_c.project_json,
    ),
).where(_c.principal == bindparam("key"))
_INSERT = insert(headless_projects)
_UPDATE_IF_UNCHANGED = (
    update(headless_projects)
    .where(_c.principal == bindparam("key"), _c.revision == bindparam("expected"))
    .values(
        project_json=bindparam("doc"), state_version=bindparam("version"), revision=bindparam("new_revision")
    )
)


class _Direct:
    """A Core statement compiled once per dialect, executed on the DBAPI cursor of a SQLAlchemy connection."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._compiled: dict[Dialect, Compiled] = {}

    def execute(self, conn: Connection, params: dict[str, Any]) -> Any:
        dialect = conn.dialect
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = self._statement.compile(dialect=dialect)
        bound = compiled.construct_params(params) or {}
        positions = getattr(compiled, "positiontup", None)
        arguments = tuple(bound[name] for name in positions) if dialect.positional and positions else bound
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(compiled.string, arguments)
        return cursor


_SELECT_ROW_DIRECT = _Direct(_SELECT_ROW)
_SELECT_IF_NEWER_DIRECT = _Direct(_SELECT_IF_NEWER)
_UPDATE_DIRECT = _Direct(_UPDATE_IF_UNCHANGED)


def select_row(conn: Connection, principal: str, known: tuple[int, int] | None) -> Row | None:
    """The row's revision and version, and its JSON unless they are ``known`` (revision, version)."""
    if known is None:
        cursor = _SELECT_ROW_DIRECT.execute(conn, {"key": principal})
    else:
        params = {"key": principal, "known": known[0], "known_version": known[1]}
        cursor = _SELECT_IF_NEWER_DIRECT.execute(conn, params)
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    return int(row[0]), int(row[1]), None if row[2] is None else str(row[2])


def update_if_unchanged(conn: Connection, principal: str, expected: int, doc: str, version: int) -> bool:
    """Write the row as revision ``expected + 1`` if it is still at ``expected`` (compare-and-swap)."""
    params = {
        "key": principal,
        "expected": expected,
        "doc": doc,
        "version": version,
        "new_revision": expected + 1,
    }
    cursor = _UPDATE_DIRECT.execute(conn, params)
    try:
        return bool(cursor.rowcount == 1)
    finally:
        cursor.close()


def insert_row(conn: Connection, principal: str, doc: str) -> None:
    """A new row at revision 0, version 0. Through SQLAlchemy, so a duplicate raises ``IntegrityError``."""
    conn.execute(_INSERT, {"principal": principal, "project_json": doc, "state_version": 0, "revision": 0})
