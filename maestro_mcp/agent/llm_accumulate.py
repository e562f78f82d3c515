"""The project's own assembler of one streamed chat-completion turn, over raw chunk dicts.

Why not the SDK's stream helper: some OpenAI-compatible servers repeat a tool call's ``id`` and
``function.name`` in every delta, and a helper that appends every string field then produces
``call_1call_1call_1`` and ``stori_set_tempostori_set_tempo``. Here, per tool-call index, ``id`` and
``name`` are *set* (a repeated value is harmless) and only ``arguments`` is appended; the JSON is parsed once,
at the end, and a failure is reported on that call alone.

Reasoning text comes, depending on the server, as ``delta.reasoning`` (OpenRouter), ``delta.reasoning_content``
(DeepSeek, vLLM and others) or only inside ``delta.reasoning_details`` items; OpenRouter sends both
``reasoning`` and ``reasoning_details`` for the same text, so the details are read for display only when
neither string field is present. The details are also kept, merged per index, so the next turn can hand
them back (Anthropic models want their thinking blocks back with the tool results).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .llm_types import ContentDelta, ReasoningDelta, ToolCall, TurnEnd, Usage

_DETAIL_TEXT_FIELDS = ("text", "summary", "data")  # streamed in pieces: appended


@dataclass
class _PartialCall:
    index: int
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _detail_text(item: dict[str, Any]) -> str:
    kind = item.get("type")
    if kind == "reasoning.text" and isinstance(item.get("text"), str):
        return str(item["text"])
    if kind == "reasoning.summary" and isinstance(item.get("summary"), str):
        return str(item["summary"])
    return ""  # reasoning.encrypted (or unknown kinds) carry nothing to display


class TurnAccumulator:
    """Feed the chunks of one streamed turn in order (``feed``), then ``finish``.

    ``id_prefix`` names calls that arrive without an id (``<prefix><index>``); give each turn of a
    conversation its own prefix, since some providers want tool-call ids unique across the history.
    """

    def __init__(self, id_prefix: str = "call_") -> None:
        self._id_prefix = id_prefix
        self._calls: dict[int, _PartialCall] = {}
        self._last_index: int | None = None
        self._content: list[str] = []
        self._details: list[dict[str, Any]] = []
        self._detail_slots: dict[int, int] = {}  # reasoning_details index -> position in _details
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.chunk_count = 0

    # -- feeding -------------------------------------------------------------------------------------------

    def feed(self, chunk: dict[str, Any]) -> list[ReasoningDelta | ContentDelta]:
        """Take one chunk; return the reasoning and content text it carries, in that order."""
        self.chunk_count += 1
        usage = _as_dict(chunk.get("usage"))
        if usage:
            # Some servers repeat a running usage in several chunks: the last one counts.
            self.usage = Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
        out: list[ReasoningDelta | ContentDelta] = []
        choices = chunk.get("choices") or []
        # n=1 is all we ask for; a server that sends more choices is read for its first one only.
        choice = next((_as_dict(c) for c in choices if _as_dict(c).get("index", 0) == 0), None)
        if choice is None:
            return out
        if choice.get("finish_reason"):
            self.finish_reason = str(choice["finish_reason"])
        delta = _as_dict(choice.get("delta"))
        reasoning = self._reasoning_text(delta)
        if reasoning:
            out.append(ReasoningDelta(reasoning))
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._content.append(content)
            out.append(ContentDelta(content))
        for raw in delta.get("tool_calls") or []:
            if isinstance(raw, dict):
                self._feed_tool_call(raw)
        return out

    def _reasoning_text(self, delta: dict[str, Any]) -> str:
        details = [_as_dict(d) for d in delta.get("reasoning_details") or [] if isinstance(d, dict)]
        for item in details:
            self._merge_detail(item)
        for key in ("reasoning", "reasoning_content"):
            value = delta.get(key)
            if isinstance(value, str) and value:
                return value
        return "".join(_detail_text(d) for d in details)

    def _merge_detail(self, item: dict[str, Any]) -> None:
        index = item.get("index")
        slot = self._detail_slots.get(index) if isinstance(index, int) else None
        if slot is None:
            if isinstance(index, int):
                self._detail_slots[index] = len(self._details)
            self._details.append(dict(item))
            return
        merged = self._details[slot]
        for key, value in item.items():
            if key in _DETAIL_TEXT_FIELDS and isinstance(value, str) and isinstance(merged.get(key), str):
                merged[key] += value
            elif value is not None:
                merged[key] = value

    def _slot_for(self, raw: dict[str, Any]) -> _PartialCall:
        index = raw.get("index")
        call_id = raw.get("id") if isinstance(raw.get("id"), str) else ""
        if not isinstance(index, int):
            # No index (a few lax servers): match by id, else continue the call last written to.
            by_id = next((c for c in self._calls.values() if call_id and c.id == call_id), None)
            if by_id is not None:
                index = by_id.index
            elif call_id or self._last_index is None:
                index = max(self._calls, default=-1) + 1
            else:
                index = self._last_index
        if index not in self._calls:
            self._calls[index] = _PartialCall(index)
        self._last_index = index
        return self._calls[index]

    def _feed_tool_call(self, raw: dict[str, Any]) -> None:
        call = self._slot_for(raw)
        if isinstance(raw.get("id"), str) and raw["id"]:
            call.id = raw["id"]
        function = _as_dict(raw.get("function"))
        if isinstance(function.get("name"), str) and function["name"]:
            call.name = function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            call.arguments.append(arguments)
        elif isinstance(arguments, dict):
            # A server that sends the arguments already parsed sends them whole: replace, never append.
            call.arguments = [json.dumps(arguments)]

    # -- finishing -------------------------------------------------------------------------------------------

    @property
    def content(self) -> str:
        return "".join(self._content)

    @property
    def reasoning_details(self) -> list[dict[str, Any]]:
        return [dict(d) for d in self._details]

    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The assembled calls in index order, each parsed on its own."""
        return tuple(self._assemble(self._calls[i]) for i in sorted(self._calls))

    def _assemble(self, partial: _PartialCall) -> ToolCall:
        raw = "".join(partial.arguments)
        call_id = partial.id or f"{self._id_prefix}{partial.index}"
        error: str | None = None
        arguments: dict[str, Any] = {}
        if not partial.name:
            error = "the tool call has no tool name"
        if raw.strip():
            try:
                parsed = json.loads(raw)
            except json.JSONDecodeError as exc:
                error = error or f"the arguments are not valid JSON ({exc.msg} at character {exc.pos})"
            else:
                if isinstance(parsed, dict):
                    arguments = parsed
                else:
                    error = error or "the arguments must be a JSON object"
        return ToolCall(call_id, partial.name, arguments if error is None else {}, raw, partial.index, error)

    def finish(self) -> TurnEnd:
        calls = self.tool_calls()
        return TurnEnd(
            finish_reason=self.finish_reason or "stop",
            content=self.content,
            tool_calls=calls,
            usage=self.usage,
            assistant_message=assistant_message(self.content, calls, self.reasoning_details),
        )


def assistant_message(
    content: str, calls: tuple[ToolCall, ...], reasoning_details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The assistant turn for the next request's history. Malformed arguments are handed back as ``{}``:
    providers re-validate the history and would refuse the whole next request over one bad call; the
    tool result message tells the model what was wrong."""
    message: dict[str, Any] = {"role": "assistant", "content": content or (None if calls else "")}
    if calls:
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name or "invalid_tool_call", "arguments": json.dumps(c.arguments)},
            }
            for c in calls
        ]
    if reasoning_details:
        message["reasoning_details"] = reasoning_details
    return message
