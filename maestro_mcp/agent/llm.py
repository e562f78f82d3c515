"""The LLM client (sse.md §11): streaming chat completions with tools against any OpenAI-compatible
endpoint, through ``openai.AsyncOpenAI``.

The SDK does the HTTP and the SSE decoding; assembling the turn is ours (``llm_accumulate``). Every wait is
bounded: ``idle_timeout`` between the request and the first chunk and between chunks, ``turn_timeout`` for
the whole turn, so a dead or stalled endpoint becomes ``LlmError("timeout")``, never a hang. The SDK's own
retries are off: a retry would silently double the time a client waits before seeing the error.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterable, Sequence
from typing import Any, Literal, TypeVar

import anyio
import httpx
import openai

from maestro_mcp.config import Settings
from maestro_mcp.tools.catalog import get_spec, list_specs

from .llm_accumulate import TurnAccumulator
from .llm_models import UsageLedger, is_openrouter
from .llm_types import ContentDelta, LlmChunk, LlmError, ReasoningDelta, ToolCalls, TurnEnd, Usage

log = logging.getLogger(__name__)

ToolChoice = Literal["auto", "required"]
T = TypeVar("T")

# OpenRouter's unified reasoning switch (Anthropic-style token budget). It is not sent with a forced
# tool choice: Anthropic refuses extended thinking together with ``tool_choice`` any/required.
OPENROUTER_REASONING = {"max_tokens": 2048}
FAILURE_MEMORY_SECONDS = 300.0  # http-api.md §2.1: "unavailable" when the last call failed within 5 min

CLASSIFY_SYSTEM_PROMPT = (
    "You sort a music producer's message, sent to a DAW assistant, into exactly one category. "
    "Answer with the category name only, no other words.\n"
    "Categories: {categories}.\n"
    "transport: play, stop or move the playhead. track_edit: add, rename, mute, solo, recolour a track. "
    "region_edit: add or change regions and notes. effects: add an effect, a bus or a send. "
    "mix_vibe: change how the mix feels (brighter, punchier, wider, more energy). "
    "generation: compose or generate new music. question: a question. "
    "clarify: a request too vague to act on. other: anything else."
)


@functools.cache
def _catalog_definitions() -> tuple[tuple[str, dict[str, Any]], ...]:
    # Built once: the schemas are fixed for the life of the process.
    return tuple(
        (
            s.name,
            {
                "type": "function",
                "function": {"name": s.name, "description": s.description, "parameters": s.input_schema()},
            },
        )
        for s in list_specs("compact")  # every tool but the aliases
    )


def tool_definitions(allowed_tools: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The canonical tools as OpenAI function tools, in catalogue order (intents.md §2: the LLM is only
    shown canonical names). ``allowed_tools`` filters them (aliases in it count as their canonical tool);
    None means every canonical tool. The dicts are shared: do not mutate them."""
    wanted: set[str] | None = None
    if allowed_tools is not None:
        wanted = set()
        for name in allowed_tools:
            spec = get_spec(name)
            wanted.add(spec.canonical if spec is not None else name)
    return [definition for name, definition in _catalog_definitions() if wanted is None or name in wanted]


class LlmClient:
    """One OpenAI-compatible endpoint, shared by every request of the process.

    ``stream`` yields the ``LlmChunk``s of one turn (see ``llm_types``); use it under
    ``contextlib.aclosing`` when you may stop early, so the HTTP response is released at once.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        default_model: str,
        idle_timeout: float = 60.0,
        turn_timeout: float = 300.0,
        classify_timeout: float = 15.0,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url
        self.default_model = default_model
        self.idle_timeout = idle_timeout
        self.turn_timeout = turn_timeout
        self.classify_timeout = classify_timeout
        self.send_reasoning_parameter = is_openrouter(base_url)
        # The SDK's timeout is a backstop only; ours (anyio) are the ones that fire first.
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=httpx.Timeout(turn_timeout + 5.0, connect=min(10.0, idle_timeout)),
            http_client=http_client,
        )
        self._last_failure: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> LlmClient | None:
        """The configured client, or None without a key (the deterministic path)."""
        if not settings.llm_api_key:
            return None
        return cls(api_key=settings.llm_api_key, base_url=settings.llm_base_url,
                   default_model=settings.llm_model, **options)  # fmt: skip

    async def aclose(self) -> None:
        await self._client.close()

    @property
    def status(self) -> Literal["ok", "unavailable"]:
        """``dependencies.llm.status`` of the full health check (http-api.md §2.1)."""
        failed = self._last_failure
        recent = failed is not None and time.monotonic() - failed < FAILURE_MEMORY_SECONDS
        return "unavailable" if recent else "ok"

    def build_request(
        self,
        messages: Sequence[dict[str, Any]],
        *,
        allowed_tools: Sequence[str] = (),
        tool_choice: ToolChoice | None = None,
        model: str | None = None,
    ) -> dict[str, Any]:
        """The keyword arguments of ``chat.completions.create`` for one turn (sse.md §11)."""
        request: dict[str, Any] = {
            "model": model or self.default_model,
            "messages": list(messages),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        tools = tool_definitions(allowed_tools) if allowed_tools else []
        if tools:  # an empty ``tools`` list is refused by OpenAI's own API: leave both keys out
            request["tools"] = tools
            request["tool_choice"] = tool_choice or "auto"
        if self.send_reasoning_parameter and request.get("tool_choice") != "required":
            request["extra_body"] = {"reasoning": dict(OPENROUTER_REASONING)}
        return request

    async def stream(
        self,
        messages: Sequence[dict[str, Any]],
        *,
        allowed_tools: Sequence[str] = (),
        tool_choice: ToolChoice | None = None,
        model: str | None = None,
        ledger: UsageLedger | None = None,
        id_prefix: str = "call_",
    ) -> AsyncGenerator[LlmChunk, None]:
        """Stream one turn. Raises ``LlmError``; records the call in ``ledger`` once its stream started."""
        request = self.build_request(
            messages, allowed_tools=allowed_tools, tool_choice=tool_choice, model=model
        )
        deadline = anyio.current_time() + self.turn_timeout
        accumulator = TurnAccumulator(id_prefix)
        sdk_stream: openai.AsyncStream[Any] | None = None
        chunks: AsyncIterator[Any] | None = None
        try:
            opened: openai.AsyncStream[Any] = await self._bounded(
                self._client.chat.completions.create(**request), deadline
            )
            sdk_stream = opened
            chunks = opened.__aiter__()
            while True:
                try:
                    chunk = await self._bounded(chunks.__anext__(), deadline)
                except StopAsyncIteration:
                    break
                for delta in accumulator.feed(_chunk_dict(chunk)):
                    yield delta
            if accumulator.finish_reason is None:
                raise LlmError("incomplete", "the LLM stream ended before the model finished its answer")
        except LlmError:
            self._last_failure = time.monotonic()
            raise
        finally:
            if sdk_stream is not None:
                if ledger is not None:
                    ledger.record(request["model"], accumulator.usage)
                with anyio.CancelScope(shield=True):  # release the connection even when cancelled
                    closer = getattr(chunks, "aclose", None)
                    if closer is not None:
                        await closer()
                    await sdk_stream.close()
        self._last_failure = None
        end = accumulator.finish()
        if end.tool_calls:
            yield ToolCalls(end.tool_calls)
        if end.usage is not None:
            yield end.usage
        yield end

    async def _bounded(self, awaitable: Awaitable[T], deadline: float) -> T:
        """Await one step of the call within the idle and turn limits, mapping failures to ``LlmError``.
        No ``yield`` happens inside the cancel scope (the caller yields outside it)."""
        remaining = deadline - anyio.current_time()
        limit = max(0.0, min(self.idle_timeout, remaining))
        try:
            with anyio.fail_after(limit):
                return await awaitable
        except TimeoutError:
            which = "for the next chunk" if remaining > self.idle_timeout else "for the whole turn"
            raise LlmError("timeout", f"the LLM did not answer within {limit:g} s ({which})") from None
        except openai.APIStatusError as exc:
            raise LlmError("http", f"the LLM answered HTTP {exc.status_code}: {_error_text(exc)}",
                           status=exc.status_code) from exc  # fmt: skip
        except openai.APITimeoutError as exc:
            raise LlmError("timeout", "the LLM request timed out") from exc
        except openai.APIConnectionError as exc:
            raise LlmError("connection", f"the LLM endpoint could not be reached: {exc}") from exc
        except openai.APIError as exc:  # an error object inside a 200 stream
            raise LlmError("provider", f"the LLM reported an error: {exc.message}") from exc
        except httpx.TimeoutException as exc:
            raise LlmError("timeout", "the LLM connection timed out") from exc
        except httpx.HTTPError as exc:  # raw transport errors surface unwrapped while the body streams
            raise LlmError("connection", f"the LLM connection failed: {exc!r}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise LlmError("malformed", f"the LLM sent a chunk that is not JSON: {exc}") from exc

    # -- one-shot helpers ----------------------------------------------------------------------------------

    async def complete_text(
        self,
        messages: Sequence[dict[str, Any]],
        *,
        model: str | None = None,
        ledger: UsageLedger | None = None,
    ) -> str:
        """The content of one tool-less turn (reasoning is dropped)."""
        parts: list[str] = []
        async for chunk in self.stream(messages, model=model, ledger=ledger):
            if isinstance(chunk, ContentDelta):
                parts.append(chunk.text)
        return "".join(parts)


class IntentClassifier:
    """``agent.intent.IntentLLM`` over an ``LlmClient``: the one short classification call of intents.md
    §4.8. Its usage goes to the request's ``ledger`` (it is charged like any other call)."""

    def __init__(
        self, client: LlmClient, *, model: str | None = None, ledger: UsageLedger | None = None
    ) -> None:
        self.client = client
        self.model = model
        self.ledger = ledger

    async def classify_category(self, text: str, categories: Sequence[str]) -> str:
        messages = [
            {"role": "system", "content": CLASSIFY_SYSTEM_PROMPT.format(categories=", ".join(categories))},
            {"role": "user", "content": text},
        ]
        with anyio.fail_after(self.client.classify_timeout):
            answer = await self.client.complete_text(messages, model=self.model, ledger=self.ledger)
        return _pick_category(answer, categories)


def _pick_category(answer: str, categories: Sequence[str]) -> str:
    """The category an answer names: the whole answer when it is one, else the first category word in it
    (models sometimes wrap the word in a sentence or punctuation). No category → the answer unchanged,
    which ``classify`` counts as a failed call."""
    cleaned = answer.strip().strip("`'\".").lower().replace("-", "_")
    if cleaned in categories:
        return cleaned
    words = [w.strip("`'\".,:;!()*") for w in cleaned.split()]
    return next((w for w in words if w in categories), answer)


def _chunk_dict(chunk: Any) -> dict[str, Any]:
    """A chunk from the SDK as the plain dict the server sent (extra fields such as ``reasoning`` kept)."""
    if isinstance(chunk, dict):
        return chunk
    to_dict = getattr(chunk, "to_dict", None)
    if to_dict is None:
        raise LlmError("malformed", f"unexpected chunk type {type(chunk).__name__}")
    data = to_dict()
    if not isinstance(data, dict):
        raise LlmError("malformed", "the LLM sent a chunk that is not a JSON object")
    return data


def _error_text(exc: openai.APIStatusError) -> str:
    # The SDK keeps either the whole JSON body or its "error" object; look for a message in both.
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error")
        for source in (inner if isinstance(inner, dict) else {}, body):
            message = source.get("message")
            if isinstance(message, str) and message:
                return message[:300]
    return str(exc.message)[:300]


__all__ = [
    "ContentDelta",
    "IntentClassifier",
    "LlmChunk",
    "LlmClient",
    "LlmError",
    "ReasoningDelta",
    "ToolCalls",
    "TurnEnd",
    "Usage",
    "tool_definitions",
]
