"""The wire shapes of conversations (http-api.md §6) and the LLM history helpers (sse.md §2.1).

pydantic models, camelCase out, snake_case accepted in; the store in ``conversations.py`` builds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

DEFAULT_TITLE = "New Conversation"
PROMPT_NOT_STORED = "[content not stored]"
AUTO_TITLE_CHARS = 60


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TokensUsed(_Wire):
    prompt: int = 0
    completion: int = 0


class ToolCallRecord(_Wire):
    id: str
    type: Literal["function"] = "function"
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class MessageAction(_Wire):
    id: str
    action_type: str
    description: str
    success: bool
    error_message: str | None = None
    timestamp: datetime


class Message(_Wire):
    id: str
    role: Literal["user", "assistant"]
    content: str
    timestamp: datetime
    model_used: str | None
    tokens_used: TokensUsed
    cost: float  # dollars
    tool_calls: list[ToolCallRecord]
    sse_events: list[dict[str, Any]]
    actions: list[MessageAction]
    offers_composition: bool | None


class ConversationSummary(_Wire):
    id: str
    title: str
    project_id: str | None
    created_at: datetime
    updated_at: datetime
    is_archived: bool
    message_count: int
    preview: str | None


class Conversation(_Wire):
    id: str
    title: str
    project_id: str | None
    created_at: datetime
    updated_at: datetime
    is_archived: bool
    project_context: dict[str, Any] | None
    messages: list[Message]


class ConversationUpdate(_Wire):
    """The answer to a PATCH."""

    id: str
    title: str
    project_id: str | None
    is_archived: bool
    updated_at: datetime


class SearchResult(_Wire):
    id: str
    title: str
    preview: str | None
    updated_at: datetime
    relevance_score: float


class AssistantTurn(_Wire):
    """What the stream edge hands over after a turn for the assistant message."""

    content: str = ""
    model_used: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_cents: int = 0
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    sse_events: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[MessageAction] = Field(default_factory=list)
    offers_composition: bool = False
    id: str | None = None  # minted here unless the edge supplies one (seeded requests mint v5 ids)


@dataclass(frozen=True, slots=True)
class HistoryMessage:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class ConversationHistory:
    """What the LLM sees of a conversation: the last messages verbatim, older ones summarised."""

    messages: list[HistoryMessage]
    summary: str | None

    @property
    def empty(self) -> bool:
        return not self.messages and self.summary is None


class Unset:
    """The type of ``UNSET``: a PATCH field that was not given (distinct from an explicit null)."""


UNSET: Final = Unset()


def normalise_id(conversation_id: str) -> str:
    return conversation_id.strip().lower()


def auto_title(prompt: str) -> str:
    """The title of a conversation renamed by its first prompt: whitespace collapsed, 60 characters."""
    return re.sub(r"\s+", " ", prompt).strip()[:AUTO_TITLE_CHARS] or DEFAULT_TITLE


def _first_sentence(text: str, limit: int = 160) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def summarise(older: list[HistoryMessage], max_lines: int = 40) -> str | None:
    """An extractive summary: the first sentence of each older message, the most recent ones kept."""
    lines = [
        f"{m.role}: {_first_sentence(m.content)}"
        for m in older
        if m.content.strip() and m.content != PROMPT_NOT_STORED
    ]
    if not lines:
        return None
    return "Earlier in this conversation:\n" + "\n".join(lines[-max_lines:])
