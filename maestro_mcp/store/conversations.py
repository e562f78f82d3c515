"""Conversations and their messages (spec/http-api.md §6, sse.md §2.1 ``conversationId``).

A conversation belongs to one principal; every query is scoped by principal, so another principal's id
behaves exactly like an unknown one. Messages keep their order by position (primary key with the
conversation id). The stream edge reads ``history`` before a turn and calls ``store_turn`` after it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql.elements import ColumnElement

from maestro_mcp.store.conversation_models import (
    DEFAULT_TITLE,
    PROMPT_NOT_STORED,
    UNSET,
    AssistantTurn,
    Conversation,
    ConversationHistory,
    ConversationSummary,
    ConversationUpdate,
    HistoryMessage,
    Message,
    MessageAction,
    SearchResult,
    TokensUsed,
    ToolCallRecord,
    Unset,
    auto_title,
    normalise_id,
    summarise,
)
from maestro_mcp.store.db import Database, metadata
from maestro_mcp.store.timestamps import UtcDateTime, utc_now

TITLE_MAX = 255
PREVIEW_CHARS = 100
HISTORY_MESSAGES = 20
TITLE_SCORE, MESSAGE_SCORE = 1.0, 0.7

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(255), nullable=False),
    Column("title", String(TITLE_MAX), nullable=False),
    Column("project_id", String(255), nullable=True),
    Column("project_context", Text, nullable=True),  # JSON object
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("is_archived", Boolean, nullable=False),
    UniqueConstraint("user_id", "id", name="uq_conversations_user"),
)

conversation_messages = Table(
    "conversation_messages",
    metadata,
    Column(
        "conversation_id", String(36), ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("position", Integer, primary_key=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("model_used", String(255), nullable=True),
    Column("prompt_tokens", Integer, nullable=True),
    Column("completion_tokens", Integer, nullable=True),
    Column("cost_cents", Integer, nullable=False),
    Column("tool_calls", Text, nullable=False),  # JSON arrays
    Column("sse_events", Text, nullable=False),
    Column("actions", Text, nullable=False),
    Column("offers_composition", Boolean, nullable=True),
)


def _message(row: Mapping[Any, Any]) -> Message:
    user = row["role"] == "user"
    return Message(
        id=row["id"],
        role=row["role"],
        content=row["content"],
        timestamp=row["timestamp"],
        model_used=row["model_used"],
        tokens_used=TokensUsed(prompt=row["prompt_tokens"] or 0, completion=row["completion_tokens"] or 0),
        cost=row["cost_cents"] / 100,
        tool_calls=[ToolCallRecord.model_validate(c) for c in json.loads(row["tool_calls"])],
        sse_events=json.loads(row["sse_events"]),
        actions=[MessageAction.model_validate(a) for a in json.loads(row["actions"])],
        offers_composition=None if user else bool(row["offers_composition"]),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _owned(principal: str, conversation_id: str) -> ColumnElement[bool]:
    return (conversations.c.user_id == principal) & (conversations.c.id == normalise_id(conversation_id))


def _owned_row(conn: Connection, principal: str, conversation_id: str) -> RowMapping | None:
    """The principal's conversation row, or None (another principal's counts as absent)."""
    return conn.execute(select(conversations).where(_owned(principal, conversation_id))).mappings().one_or_none()


def _count_messages() -> Any:
    return (
        select(func.count())
        .where(conversation_messages.c.conversation_id == conversations.c.id)
        .scalar_subquery()
    )


def _last_message_preview() -> Any:
    return (
        select(func.substr(conversation_messages.c.content, 1, PREVIEW_CHARS))
        .where(conversation_messages.c.conversation_id == conversations.c.id)
        .order_by(conversation_messages.c.position.desc())
        .limit(1)
        .scalar_subquery()
    )


class ConversationStore:
    """Conversations over a ``Database``; every method is one transaction, scoped by principal."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        principal: str,
        *,
        title: str | None = None,
        project_id: str | None = None,
        project_context: dict[str, Any] | None = None,
    ) -> Conversation:
        now = utc_now()
        conversation_id = str(uuid.uuid4())
        chosen_title = title if title is not None else DEFAULT_TITLE
        values = {
            "id": conversation_id,
            "user_id": principal,
            "title": chosen_title,
            "project_id": project_id,
            "project_context": _dumps(project_context) if project_context is not None else None,
            "created_at": now,
            "updated_at": now,
            "is_archived": False,
        }

        def run(conn: Connection) -> None:
            conn.execute(conversations.insert().values(**values))

        await self.db.write(run)
        return Conversation(
            id=conversation_id,
            title=chosen_title,
            project_id=project_id,
            created_at=now,
            updated_at=now,
            is_archived=False,
            project_context=project_context,
            messages=[],
        )

    async def exists(self, principal: str, conversation_id: str) -> bool:
        def run(conn: Connection) -> bool:
            return conn.execute(select(exists().where(_owned(principal, conversation_id)))).scalar_one()

        return await self.db.read(run)

    async def get(self, principal: str, conversation_id: str) -> Conversation | None:
        def run(conn: Connection) -> Conversation | None:
            row = _owned_row(conn, principal, conversation_id)
            if row is None:
                return None
            messages = conn.execute(
                select(conversation_messages)
                .where(conversation_messages.c.conversation_id == row["id"])
                .order_by(conversation_messages.c.position)
            ).mappings()
            return Conversation(
                id=row["id"],
                title=row["title"],
                project_id=row["project_id"],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
                is_archived=row["is_archived"],
                project_context=json.loads(row["project_context"])
                if row["project_context"] is not None
                else None,
                messages=[_message(m) for m in messages],
            )

        return await self.db.read(run)

    async def page(
        self,
        principal: str,
        *,
        project_id: str | Unset | None = UNSET,
        include_global: bool = False,
        limit: int = 50,
        offset: int = 0,
        include_archived: bool = False,
    ) -> tuple[list[ConversationSummary], int]:
        """One page, newest ``updatedAt`` first, and the total. ``project_id=None`` selects conversations
        without a project; with a project id, ``include_global`` adds the project-less ones."""
        where: list[ColumnElement[bool]] = [conversations.c.user_id == principal]
        if not include_archived:
            where.append(conversations.c.is_archived.is_(False))
        if project_id is None:
            where.append(conversations.c.project_id.is_(None))
        elif isinstance(project_id, str):
            same = conversations.c.project_id == project_id
            where.append(or_(same, conversations.c.project_id.is_(None)) if include_global else same)

        def run(conn: Connection) -> tuple[list[ConversationSummary], int]:
            total = conn.execute(select(func.count()).select_from(conversations).where(*where)).scalar_one()
            rows = conn.execute(
                select(
                    conversations,
                    _count_messages().label("message_count"),
                    _last_message_preview().label("preview"),
                )
                .where(*where)
                .order_by(
                    conversations.c.updated_at.desc(), conversations.c.created_at.desc(), conversations.c.id
                )
                .limit(limit)
                .offset(offset)
            ).mappings()
            return [_summary(row) for row in rows], total

        return await self.db.read(run)

    async def search(self, principal: str, query: str, *, limit: int = 20) -> list[SearchResult]:
        """Conversations whose title (score 1.0) or a message (0.7) contains ``query``, case-insensitive."""
        in_title = conversations.c.title.icontains(query, autoescape=True)
        in_message = exists().where(
            conversation_messages.c.conversation_id == conversations.c.id,
            conversation_messages.c.content.icontains(query, autoescape=True),
        )

        def run(conn: Connection) -> list[SearchResult]:
            rows = conn.execute(
                select(conversations, in_title.label("in_title"), _last_message_preview().label("preview"))
                .where(conversations.c.user_id == principal, or_(in_title, in_message))
                .order_by(in_title.desc(), conversations.c.updated_at.desc(), conversations.c.id)
                .limit(limit)
            ).mappings()
            return [
                SearchResult(
                    id=row["id"],
                    title=row["title"],
                    preview=row["preview"],
                    updated_at=row["updated_at"],
                    relevance_score=TITLE_SCORE if row["in_title"] else MESSAGE_SCORE,
                )
                for row in rows
            ]

        return await self.db.read(run)

    async def update(
        self,
        principal: str,
        conversation_id: str,
        *,
        title: str | Unset = UNSET,
        project_id: str | Unset | None = UNSET,
        is_archived: bool | Unset = UNSET,
    ) -> ConversationUpdate | None:
        values: dict[str, Any] = {"updated_at": utc_now()}
        if not isinstance(title, Unset):
            values["title"] = title
        if not isinstance(project_id, Unset):
            values["project_id"] = project_id
        if not isinstance(is_archived, Unset):
            values["is_archived"] = is_archived

        def run(conn: Connection) -> ConversationUpdate | None:
            if not conn.execute(
                update(conversations).where(_owned(principal, conversation_id)).values(**values)
            ).rowcount:
                return None
            row = _owned_row(conn, principal, conversation_id)
            assert row is not None  # the update above matched it in this transaction
            return ConversationUpdate(
                id=row["id"],
                title=row["title"],
                project_id=row["project_id"],
                is_archived=row["is_archived"],
                updated_at=row["updated_at"],
            )

        return await self.db.write(run)

    async def delete(self, principal: str, conversation_id: str) -> bool:
        def run(conn: Connection) -> bool:
            cid = normalise_id(conversation_id)
            if not conn.execute(select(exists().where(_owned(principal, cid)))).scalar_one():
                return False
            # Explicit, not only ON DELETE CASCADE: a Postgres or SQLite connection may run without FKs.
            conn.execute(delete(conversation_messages).where(conversation_messages.c.conversation_id == cid))
            conn.execute(delete(conversations).where(_owned(principal, cid)))
            return True

        return await self.db.write(run)

    async def history(
        self, principal: str, conversation_id: str | None, *, recent: int = HISTORY_MESSAGES
    ) -> ConversationHistory:
        """The LLM history for a stream request (sse.md §2.1): the last ``recent`` messages and a summary
        of older ones. An unknown id, or another principal's, is simply no history."""
        if not conversation_id:
            return ConversationHistory(messages=[], summary=None)

        def run(conn: Connection) -> list[HistoryMessage]:
            rows = conn.execute(
                select(conversation_messages.c.role, conversation_messages.c.content)
                .join(conversations, conversations.c.id == conversation_messages.c.conversation_id)
                .where(_owned(principal, conversation_id))
                .order_by(conversation_messages.c.position)
            )
            return [HistoryMessage(role=row.role, content=row.content) for row in rows]

        messages = await self.db.read(run)
        split = max(0, len(messages) - recent)
        return ConversationHistory(messages=messages[split:], summary=summarise(messages[:split]))

    async def store_turn(
        self,
        principal: str,
        conversation_id: str,
        *,
        prompt: str,
        store_prompt: bool,
        assistant: AssistantTurn,
        started_at: datetime | None = None,
        user_message_id: str | None = None,
    ) -> tuple[Message, Message] | None:
        """Persist one turn (http-api.md §6 ``/messages``): the user message (``[content not stored]``
        when ``store_prompt`` is false), then the assistant message; retitle a conversation still called
        ``New Conversation`` (only when the prompt may be stored). None if the conversation is gone."""
        now = utc_now()
        user_row = {
            "id": user_message_id or str(uuid.uuid4()),
            "role": "user",
            "content": prompt if store_prompt else PROMPT_NOT_STORED,
            "timestamp": started_at or now,
            "model_used": None,
            "prompt_tokens": None,
            "completion_tokens": None,
            "cost_cents": 0,
            "tool_calls": "[]",
            "sse_events": "[]",
            "actions": "[]",
            "offers_composition": None,
        }
        assistant_row = {
            "id": assistant.id or str(uuid.uuid4()),
            "role": "assistant",
            "content": assistant.content,
            "timestamp": now,
            "model_used": assistant.model_used,
            "prompt_tokens": assistant.prompt_tokens,
            "completion_tokens": assistant.completion_tokens,
            "cost_cents": assistant.cost_cents,
            "tool_calls": _dumps([c.model_dump(by_alias=True, mode="json") for c in assistant.tool_calls]),
            "sse_events": _dumps(assistant.sse_events),
            "actions": _dumps([a.model_dump(by_alias=True, mode="json") for a in assistant.actions]),
            "offers_composition": assistant.offers_composition,
        }

        def run(conn: Connection) -> bool:
            row = _owned_row(conn, principal, conversation_id)
            if row is None:
                return False
            last: int | None = conn.execute(
                select(func.max(conversation_messages.c.position)).where(
                    conversation_messages.c.conversation_id == row["id"]
                )
            ).scalar_one()
            start = (last or 0) + 1
            for position, values in enumerate((user_row, assistant_row), start=start):
                conn.execute(
                    conversation_messages.insert().values(
                        conversation_id=row["id"], position=position, **values
                    )
                )
            changes: dict[str, Any] = {"updated_at": now}
            if row["title"] == DEFAULT_TITLE and store_prompt:
                changes["title"] = auto_title(prompt)
            conn.execute(update(conversations).where(conversations.c.id == row["id"]).values(**changes))
            return True

        if not await self.db.write(run):
            return None
        return _message(user_row), _message(assistant_row)


def _summary(row: Mapping[Any, Any]) -> ConversationSummary:
    return ConversationSummary(
        id=row["id"],
        title=row["title"],
        project_id=row["project_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        is_archived=row["is_archived"],
        message_count=row["message_count"],
        preview=row["preview"],
    )
