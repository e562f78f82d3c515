"""The multi-turn tool loop of the LLM path: stream a turn, run its tool calls, hand the results back as
tool messages, and go on until the model stops calling tools, the turn limit is reached, or -- for a
``required`` tool choice -- after the one turn (intents.md §2).

The loop knows nothing about SSE or about how a call is run: the caller's ``execute_calls`` maps calls to
events and runs them through ``tools.dispatch``. What the loop does decide is which calls must not run at
all -- unknown tools, tools outside the allowlist, arguments that are not a JSON object -- and it marks them
with ``ToolCall.rejection``, the error result (tools.md §2.1 shape) to report as that call's ``toolError``.
Everything is bounded: ``max_turns`` turns, ``timeout`` seconds for the whole loop.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio

from maestro_mcp.errors import ErrorCode, ErrorItem
from maestro_mcp.tools.catalog import get_spec
from maestro_mcp.tools.dispatch import unknown_tool_result
from maestro_mcp.tools.results import compact_json, error_payload

from .llm import LlmClient, ToolChoice
from .llm_models import UsageLedger
from .llm_reasoning import ReasoningBuffer
from .llm_types import ContentDelta, LlmError, ReasoningDelta, ToolCall, TurnEnd

log = logging.getLogger(__name__)

TextCallback = Callable[[str], Awaitable[None]]
ExecuteCalls = Callable[[list[ToolCall]], Awaitable[list[dict[str, Any]]]]
StopReason = Literal["answered", "required_turn", "max_turns"]

TOOL_RESULT_LIMIT = 8000  # characters of one tool result handed back to the model


@dataclass(frozen=True)
class ExecutedCall:
    call: ToolCall
    result: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.result.get("ok"))


@dataclass
class LoopOutcome:
    turns: int
    stop_reason: StopReason
    messages: list[dict[str, Any]]  # the whole history, ready for a following request
    calls: list[ExecutedCall] = field(default_factory=list)
    turn_contents: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        """Every turn's user-facing text, in order."""
        return "\n\n".join(c.strip() for c in self.turn_contents if c.strip())


def reject_call(
    call: ToolCall, allowed: frozenset[str] | None, allowlist_label: str | None = None
) -> dict[str, Any] | None:
    """The error result for a call that must not run, or None. Checked in the order of dispatch's stages:
    the name, the allowlist, then the arguments."""
    spec = get_spec(call.name)
    if spec is None:
        return unknown_tool_result(call.name or "(no name)").payload
    if allowed is not None and not {spec.name, spec.canonical} & allowed:
        where = allowlist_label or "this request"
        item = ErrorItem(ErrorCode.TOOL_NOT_ALLOWED, "", f"{spec.canonical} is not allowed for {where}")
        return error_payload(spec.canonical, [item])
    if call.parse_error is not None:
        return error_payload(spec.canonical, [ErrorItem(ErrorCode.INVALID_VALUE, "", call.parse_error)])
    return None


def _tool_message(call: ToolCall, result: dict[str, Any]) -> dict[str, Any]:
    text = compact_json(result)
    if len(text) > TOOL_RESULT_LIMIT:
        text = text[:TOOL_RESULT_LIMIT] + " …(result truncated)"
    return {"role": "tool", "tool_call_id": call.id, "content": text}


def _reconcile(calls: list[ToolCall], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result per call whatever the executor returned; a rejected call always reports its rejection."""
    if len(results) != len(calls):
        log.error("execute_calls returned %d results for %d calls", len(results), len(calls))
    out = []
    for position, call in enumerate(calls):
        if call.rejection is not None:
            out.append(call.rejection)
        elif position < len(results) and isinstance(results[position], dict):
            out.append(results[position])
        else:
            item = ErrorItem(ErrorCode.INTERNAL_ERROR, "", "the call produced no result")
            out.append(error_payload(call.name, [item]))
    return out


async def _stream_turn(
    client: LlmClient,
    history: list[dict[str, Any]],
    *,
    turn: int,
    allowed_tools: Sequence[str],
    tool_choice: ToolChoice | None,
    model: str | None,
    ledger: UsageLedger | None,
    on_reasoning: TextCallback | None,
    on_reasoning_end: Callable[[], Awaitable[None]] | None,
    on_content: TextCallback | None,
) -> TurnEnd:
    buffer = ReasoningBuffer()
    reasoned = False
    end: TurnEnd | None = None
    stream = client.stream(history, allowed_tools=allowed_tools, tool_choice=tool_choice, model=model,
                           ledger=ledger, id_prefix=f"call_t{turn}_")  # fmt: skip
    async with aclosing(stream) as chunks:
        async for chunk in chunks:
            if isinstance(chunk, ReasoningDelta):
                text = buffer.push(chunk.text)
                if text and on_reasoning is not None:
                    reasoned = True
                    await on_reasoning(text)
            elif isinstance(chunk, ContentDelta):
                if on_content is not None:
                    await on_content(chunk.text)
            elif isinstance(chunk, TurnEnd):
                end = chunk
    rest = buffer.flush()
    if rest and on_reasoning is not None:
        reasoned = True
        await on_reasoning(rest)
    if reasoned and on_reasoning_end is not None:
        await on_reasoning_end()
    if end is None:  # the client always ends a successful stream with TurnEnd
        raise LlmError("incomplete", "the LLM turn ended without a result")
    return end


async def run_llm_loop(
    client: LlmClient,
    messages: Sequence[dict[str, Any]],
    *,
    allowed_tools: Sequence[str],
    execute_calls: ExecuteCalls,
    tool_choice: ToolChoice | None = None,
    model: str | None = None,
    max_turns: int = 5,
    timeout: float = 300.0,
    ledger: UsageLedger | None = None,
    allowlist_label: str | None = None,
    on_reasoning: TextCallback | None = None,
    on_reasoning_end: Callable[[], Awaitable[None]] | None = None,
    on_content: TextCallback | None = None,
) -> LoopOutcome:
    """Run the loop on ``messages`` (system + history + user). ``execute_calls`` receives each turn's calls
    in the LLM's order -- rejected ones included, carrying ``rejection``: do not dispatch those, report
    the rejection as their ``toolError`` -- and returns one result dict (tools.md §2.1) per call.
    ``on_reasoning`` gets word-bounded, cleaned chunks; ``on_content`` the raw content deltas.
    Raises ``LlmError`` (a failed call, or ``timeout`` when the whole loop outlasts ``timeout``)."""
    history = list(messages)
    allowed = frozenset(allowed_tools)
    outcome = LoopOutcome(turns=0, stop_reason="max_turns", messages=history)
    try:
        with anyio.fail_after(timeout):
            for turn in range(1, max(1, max_turns) + 1):
                end = await _stream_turn(
                    client, history, turn=turn, allowed_tools=allowed_tools, tool_choice=tool_choice,
                    model=model, ledger=ledger, on_reasoning=on_reasoning,
                    on_reasoning_end=on_reasoning_end, on_content=on_content,
                )  # fmt: skip
                outcome.turns = turn
                outcome.turn_contents.append(end.content)
                history.append(end.assistant_message)
                if not end.tool_calls:
                    outcome.stop_reason = "answered"
                    break
                calls = [
                    dataclasses.replace(c, rejection=reject_call(c, allowed, allowlist_label))
                    for c in end.tool_calls
                ]
                results = _reconcile(calls, await execute_calls(calls))
                for call, result in zip(calls, results, strict=True):
                    history.append(_tool_message(call, result))
                    outcome.calls.append(ExecutedCall(call, result))
                if tool_choice == "required":
                    outcome.stop_reason = "required_turn"
                    break
    except TimeoutError:
        raise LlmError("timeout", f"the LLM tool loop did not finish within {timeout:g} s") from None
    return outcome
