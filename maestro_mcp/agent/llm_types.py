"""The values the LLM client yields and raises (sse.md §11), shared by the client, the loop and the agent.

One streamed turn yields, in order: ``ReasoningDelta`` and ``ContentDelta`` as they arrive, then
``ToolCalls`` (when the model called any tool), ``Usage`` (when the server reported it) and always a last
``TurnEnd``. Failures of the call itself raise ``LlmError``; a malformed tool call is not a failure of the
call but a ``ToolCall`` with ``parse_error`` set, so the other calls of the turn still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

LlmErrorKind = Literal["http", "timeout", "connection", "malformed", "incomplete", "provider"]

# sse.md §4.1 error codes for a fatal LLM failure: a dead endpoint is "unavailable", a call that ran out of
# time is a TIMEOUT, everything else the LLM did wrong is an LLM_ERROR.
_SSE_CODES: dict[str, str] = {"timeout": "TIMEOUT", "connection": "LLM_UNAVAILABLE"}


class LlmError(Exception):
    """A failed LLM call. ``kind``: ``http`` (non-2xx answer, ``status`` set), ``timeout`` (no answer or
    no next chunk within the limit), ``connection`` (endpoint unreachable or connection lost),
    ``malformed`` (a chunk that is not a chat-completion chunk), ``incomplete`` (the stream ended without
    a finish reason), ``provider`` (an error object inside a 200 stream)."""

    def __init__(self, kind: LlmErrorKind, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.kind: LlmErrorKind = kind
        self.message = message
        self.status = status

    @property
    def sse_code(self) -> str:
        """The ``error.error`` code of sse.md §4.1 for this failure."""
        return _SSE_CODES.get(self.kind, "LLM_ERROR")

    def __repr__(self) -> str:
        return f"LlmError({self.kind!r}, {self.message!r}, status={self.status!r})"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One assembled tool call, in the LLM's order. ``arguments`` is the parsed JSON object ({} when
    ``parse_error`` is set); ``raw_arguments`` the text exactly as streamed. ``rejection`` is set by the
    tool loop on a call that must not run (unknown tool, outside the allowlist, unparsable arguments): the
    error result (tools.md §2.1 shape) to report as its ``toolError`` instead of dispatching it."""

    id: str
    name: str
    arguments: dict[str, Any]
    raw_arguments: str
    index: int
    parse_error: str | None = None
    rejection: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.parse_error is None


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ContentDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCalls:
    calls: tuple[ToolCall, ...]

    @property
    def errors(self) -> tuple[ToolCall, ...]:
        """The calls whose arguments could not be parsed (or that came without a name)."""
        return tuple(c for c in self.calls if c.parse_error is not None)


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class TurnEnd:
    """The end of one streamed turn. ``assistant_message`` is the turn as the next request's history
    needs it (content, tool calls with their arguments re-serialised, reasoning details to hand back)."""

    finish_reason: str
    content: str
    tool_calls: tuple[ToolCall, ...]
    usage: Usage | None
    assistant_message: dict[str, Any] = field(default_factory=dict)


LlmChunk = ReasoningDelta | ContentDelta | ToolCalls | Usage | TurnEnd
