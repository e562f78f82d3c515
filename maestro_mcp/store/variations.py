"""Variations on disk (spec/variations.md §4, §6): the variation, its event history, idempotent responses.

Every function takes a synchronous SQLAlchemy ``Connection`` and is meant to run inside one
``Database.write``/``read`` transaction. The store knows rows and JSON, not the agent's models: the
variation document is opaque text, and the columns hold what queries and the state machine need.

A status change and the events it publishes are one transaction (``transition``): the sequence numbers
follow without gaps, and two writers (a discard racing the proposal's end, or two processes) can never
both move a variation out of the same state.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from maestro_mcp.store.db import metadata

variations = Table(
    "variations",
    metadata,
    Column("variation_id", String(64), primary_key=True),
    Column("principal", String(255), nullable=False, index=True),
    Column("project_id", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("last_sequence", Integer, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("ready_at", String(32), nullable=True),  # when it became ready: the start of its 24 h
    Column("doc", Text, nullable=False),  # the variation as JSON (phrases, structural calls, …)
)

variation_events = Table(
    "variation_events",
    metadata,
    Column("variation_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event", Text, nullable=False),  # the payload without seq and protocolVersion
    PrimaryKeyConstraint("variation_id", "seq"),
)

# Stored first responses of requests that carried a requestId (extension, §6.1 and §6.4).
variation_requests = Table(
    "variation_requests",
    metadata,
    Column("principal", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("request_id", String(128), nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    PrimaryKeyConstraint("principal", "kind", "request_id"),
)


@dataclass(frozen=True, slots=True)
class VariationRow:
    variation_id: str
    principal: str
    project_id: str
    status: str
    last_sequence: int
    error_message: str | None
    created_at: str
    updated_at: str
    ready_at: str | None
    doc: str


@dataclass(frozen=True, slots=True)
class Transition:
    """The outcome of ``transition``: whether it happened, and the row as it is now."""

    done: bool
    row: VariationRow | None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def insert_variation(conn: Connection, row: VariationRow, events: Sequence[dict[str, Any]] = ()) -> None:
    """A new variation with its first events (sequence 1, 2, …); ``row.last_sequence`` must match them."""
    conn.execute(insert(variations).values(**_columns(row)))
    if events:
        conn.execute(
            insert(variation_events),
            [
                {"variation_id": row.variation_id, "seq": i, "event": _dumps(e)}
                for i, e in enumerate(events, start=1)
            ],
        )


def _columns(row: VariationRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in VariationRow.__slots__}


def load_variation(conn: Connection, variation_id: str) -> VariationRow | None:
    found = conn.execute(select(variations).where(variations.c.variation_id == variation_id)).first()
    return None if found is None else VariationRow(**found._mapping)


def transition(
    conn: Connection,
    variation_id: str,
    *,
    allowed_from: Collection[str],
    to: str | None,
    events: Sequence[dict[str, Any]],
    now: str,
    doc: str | None = None,
    error_message: str | None = None,
) -> Transition:
    """Move the variation from one of ``allowed_from`` to ``to`` (``None``: keep the status) and append
    ``events`` after its last sequence number. Nothing happens if its status is not in ``allowed_from``."""
    row = load_variation(conn, variation_id)
    if row is None or row.status not in allowed_from:
        return Transition(False, row)
    values: dict[str, Any] = {"last_sequence": row.last_sequence + len(events), "updated_at": now}
    if to is not None:
        values["status"] = to
        if to == "ready":
            values["ready_at"] = now
    if doc is not None:
        values["doc"] = doc
    if error_message is not None:
        values["error_message"] = error_message
    written = conn.execute(
        update(variations)
        .where(variations.c.variation_id == variation_id)
        .where(variations.c.status == row.status)
        .where(variations.c.last_sequence == row.last_sequence)
        .values(**values)
    )
    if written.rowcount != 1:  # pragma: no cover - writers are serialised by the transaction
        return Transition(False, load_variation(conn, variation_id))
    if events:
        conn.execute(
            insert(variation_events),
            [
                {"variation_id": variation_id, "seq": row.last_sequence + i, "event": _dumps(e)}
                for i, e in enumerate(events, start=1)
            ],
        )
    return Transition(True, load_variation(conn, variation_id))


def events_after(conn: Connection, variation_id: str, after_seq: int) -> list[tuple[int, dict[str, Any]]]:
    c = variation_events.c
    rows = conn.execute(
        select(c.seq, c.event).where(c.variation_id == variation_id).where(c.seq > after_seq).order_by(c.seq)
    )
    return [(int(r[0]), json.loads(str(r[1]))) for r in rows]


def unfinished(conn: Connection) -> list[str]:
    """Ids of variations still ``created`` or ``streaming``."""
    c = variations.c
    return [
        str(v) for (v,) in conn.execute(select(c.variation_id).where(c.status.in_(("created", "streaming"))))
    ]


def stored_response(
    conn: Connection, principal: str, kind: str, request_id: str, since: str
) -> dict[str, Any] | None:
    """The first response to ``request_id`` if it is newer than ``since`` (ISO timestamps sort as text)."""
    c = variation_requests.c
    found = conn.execute(
        select(c.response, c.created_at)
        .where(c.principal == principal)
        .where(c.kind == kind)
        .where(c.request_id == request_id)
    ).first()
    if found is None or str(found[1]) < since:
        return None
    value = json.loads(found[0])
    assert isinstance(value, dict)
    return value


def store_response(
    conn: Connection, principal: str, kind: str, request_id: str, response: dict[str, Any], now: str
) -> None:
    """Remember the response to ``request_id`` (an expired one is replaced)."""
    c = variation_requests.c
    conn.execute(
        delete(variation_requests)
        .where(c.principal == principal)
        .where(c.kind == kind)
        .where(c.request_id == request_id)
    )
    conn.execute(
        insert(variation_requests).values(
            principal=principal, kind=kind, request_id=request_id, response=_dumps(response), created_at=now
        )
    )
