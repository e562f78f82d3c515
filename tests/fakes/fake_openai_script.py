"""What the fake OpenAI server says: ``Reply`` scripts and the chunk sequence each one streams.

The chunk shapes follow the Chat Completions streaming format; the quirks of real OpenAI-compatible servers
are on by default, because they are what the client must survive: tool-call arguments split over several
deltas, the call's ``id`` and ``function.name`` repeated in every delta, and reasoning text in the field a
given server family uses (``reasoning``, ``reasoning_content``, or only ``reasoning_details``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ReasoningField = Literal["reasoning", "reasoning_content", "reasoning_details", "openrouter"]
Fault = Literal["http_error", "hang", "hang_mid_stream", "drop"]


@dataclass(frozen=True)
class FakeToolCall:
    """One scripted call. ``arguments`` as a dict is serialised; as a string it is sent verbatim (so a
    test can send malformed JSON). It is cut into ``pieces`` argument deltas."""

    name: str
    arguments: dict[str, Any] | str = "{}"
    id: str | None = None  # default: call_<index>
    pieces: int = 3
    repeat_id_name: bool = True  # id and name in every delta, as some servers do

    @property
    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass(frozen=True)
class Reply:
    """One answer. Streamed in this order: reasoning, content, tool calls, the finish chunk, usage.

    ``fault``: ``http_error`` answers ``status`` with an error body; ``hang`` reads the request and never
    answers; ``hang_mid_stream`` / ``drop`` send ``fault_after`` chunks, then stall / close the connection.
    ``raw_chunks`` replaces the generated chunks entirely (dicts are JSON-encoded, strings sent verbatim).
    """

    content: str | Sequence[str] = ()
    reasoning: Sequence[str] = ()
    reasoning_field: ReasoningField = "reasoning"
    tool_calls: Sequence[FakeToolCall] = ()
    interleave: bool = False  # alternate the calls' argument deltas instead of one call after another
    usage: tuple[int, int] | None = (120, 30)  # (prompt_tokens, completion_tokens)
    finish_reason: str | None = None  # default: "tool_calls" with calls, else "stop"
    fault: Fault | None = None
    status: int = 500
    error_message: str = "upstream model failed"
    fault_after: int = 1
    delay: float | None = None  # seconds before the first byte; None = the server's latency
    chunk_delay: float = 0.0
    raw_chunks: Sequence[dict[str, Any] | str] | None = None


def _split(text: str, pieces: int) -> list[str]:
    pieces = max(1, min(pieces, len(text) or 1))
    size = -(-len(text) // pieces) if text else 0
    return [text[i : i + size] for i in range(0, len(text), size)] if text else [""]


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _reasoning_delta(text: str, field: ReasoningField) -> dict[str, Any]:
    detail = {"type": "reasoning.text", "text": text, "index": 0, "format": "anthropic-claude-v1"}
    if field == "reasoning_details":
        return {"role": "assistant", "content": None, "reasoning_details": [detail]}
    if field == "openrouter":  # OpenRouter sends the same text twice: as a string and as a detail
        return {"role": "assistant", "content": None, "reasoning": text, "reasoning_details": [detail]}
    return {"role": "assistant", "content": None, field: text}


def _tool_deltas(calls: Sequence[FakeToolCall], interleave: bool) -> Iterator[dict[str, Any]]:
    per_call: list[list[dict[str, Any]]] = []
    for index, call in enumerate(calls):
        call_id = call.id or f"call_{index}"
        deltas = []
        for number, piece in enumerate(_split(call.arguments_text, call.pieces)):
            first = number == 0
            entry: dict[str, Any] = {"index": index, "function": {"arguments": piece}}
            if first or call.repeat_id_name:
                entry["id"] = call_id
                entry["type"] = "function"
                entry["function"]["name"] = call.name
            deltas.append({"role": "assistant", "content": None, "tool_calls": [entry]})
        per_call.append(deltas)
    if not interleave:
        for deltas in per_call:
            yield from deltas
        return
    longest = max((len(d) for d in per_call), default=0)
    for step in range(longest):
        for deltas in per_call:
            if step < len(deltas):
                yield deltas[step]


def reply_chunks(reply: Reply, model: str) -> Iterator[dict[str, Any] | str]:
    """The SSE ``data`` payloads of one reply, without the final ``[DONE]``."""
    if reply.raw_chunks is not None:
        yield from reply.raw_chunks
        return
    for text in reply.reasoning:
        yield _chunk(model, _reasoning_delta(text, reply.reasoning_field))
    content = [reply.content] if isinstance(reply.content, str) else list(reply.content)
    for text in content:
        if text:
            yield _chunk(model, {"role": "assistant", "content": text})
    for delta in _tool_deltas(reply.tool_calls, reply.interleave):
        yield _chunk(model, delta)
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    yield _chunk(model, {}, finish)
    if reply.usage is not None:
        prompt, completion = reply.usage
        yield {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
