"""The usage log: one row per charged request (http-api.md §5 charging), kept for accounting.

Written in the same transaction that takes the cost from the user's budget (``UserStore.charge``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint, select
from sqlalchemy.engine import Connection

from maestro_mcp.store.db import metadata
from maestro_mcp.store.timestamps import UtcDateTime

# The usage-log kind that counts as a "session" in the budget status (http-api.md §4.4 sessionsUsed).
STREAM_KIND = "stream"

usage_log = Table(
    "usage_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("model", String(255), nullable=True),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cost_cents", Integer, nullable=False),
    Column("prompt", Text, nullable=True),  # NULL when the request said storePrompt: false
    Column("conversation_id", String(36), nullable=True),
    Column("trace_id", String(64), nullable=True),
    UniqueConstraint("user_id", "id", name="uq_usage_log_user"),
)

# The usage-log kind that counts as a "session" in the budget status.
STREAM_KIND = "stream"


@dataclass(frozen=True, slots=True)
class UsageEntry:
    """One charged request for the usage log."""

    kind: str = STREAM_KIND
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_cents: int = 0
    prompt: str | None = None
    conversation_id: str | None = None
    trace_id: str | None = None


def record_usage(conn: Connection, user_id: str, entry: UsageEntry, at: datetime) -> None:
    conn.execute(
        usage_log.insert().values(
            user_id=user_id,
            created_at=at,
            kind=entry.kind,
            model=entry.model,
            input_tokens=entry.input_tokens,
            output_tokens=entry.output_tokens,
            cost_cents=entry.cost_cents,
            prompt=entry.prompt,
            conversation_id=entry.conversation_id,
            trace_id=entry.trace_id,
        )
    )


def recent_usage(conn: Connection, user_id: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(usage_log).where(usage_log.c.user_id == user_id).order_by(usage_log.c.id.desc()).limit(limit)
    )
    return [dict(row) for row in rows.mappings()]
