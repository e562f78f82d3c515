"""The Stori SSE stream (spec/sse.md): ``POST /api/v1/maestro/stream`` (and the ``/api/v1/compose/stream``
alias) and ``POST /api/v1/maestro/preview`` (http-api.md §3).

Framing only: the pre-stream checks of sse.md §2.2 in their order, then ``data: <json>\\n\\n`` frames of the
events the agent loop emits, ``: heartbeat`` comments after 8 s of silence, and on client disconnect the
agent's work is cancelled and nothing more is written. The musical logic is ``agent.stream``'s.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from maestro_mcp.accounts import AccountsUnavailableError, LedgerBudget
from maestro_mcp.agent.events import Emitter
from maestro_mcp.agent.intent import Mode, classify_rules, classify_structured, offers_composition
from maestro_mcp.agent.planner_compose import plan_from_prompt
from maestro_mcp.agent.stream import AgentDeps, StaticBudget, prompt_from_slots, run_stream
from maestro_mcp.agent.stream_context import Ids, RequestError, StreamRequest, open_context, parse_request
from maestro_mcp.agent.stream_snapshot import parse_snapshot
from maestro_mcp.prompts import PromptParseError, parse_stori_prompt
from maestro_mcp.store.conversation_models import (
    AssistantTurn,
    ConversationHistory,
    MessageAction,
    ToolCallRecord,
)
from maestro_mcp.store.conversations import ConversationStore
from maestro_mcp.store.mirrors import MirrorStore
from maestro_mcp.transports.conversation_routes import not_found
from maestro_mcp.transports.rest import ApiContext, ApiError, validation_error

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 8.0
STORE_TURN_SECONDS = 10.0  # bound on persisting a turn after the stream, also after a disconnect
STREAM_LIMIT, PREVIEW_LIMIT, WINDOW_SECONDS = 20, 30, 60.0
_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
]


@dataclass
class RateLimiter:
    """Sliding 60 s window per principal (http-api.md §1.4)."""

    limit: int
    window: float = WINDOW_SECONDS
    hits: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, principal: str) -> None:
        now = time.monotonic()
        q = self.hits[principal]
        while q and now - q[0] >= self.window:
            q.popleft()
        if len(q) >= self.limit:
            retry = max(1, int(self.window - (now - q[0])) + 1)
            raise ApiError(429, "RATE_LIMITED", "Rate limited", f"Too many requests; retry in {retry} s.",
                           headers={"Retry-After": str(retry)}, retryAfterSeconds=retry)  # fmt: skip
        q.append(now)


@dataclass
class StreamSlots:
    """Running streams per principal (``STORI_MAX_CONCURRENT_COMPOSITIONS``; 0 = unlimited)."""

    limit: int
    running: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def acquire(self, principal: str) -> None:
        if self.limit and self.running[principal] >= self.limit:
            raise ApiError(429, "TOO_MANY_CONCURRENT", "Too many concurrent streams",
                           f"At most {self.limit} streams may run at once.", limit=self.limit)  # fmt: skip
        self.running[principal] += 1

    def release(self, principal: str) -> None:
        self.running[principal] = max(0, self.running[principal] - 1)


@dataclass
class SseState:
    deps: AgentDeps
    mirrors: MirrorStore
    stream_rate: RateLimiter = field(default_factory=lambda: RateLimiter(STREAM_LIMIT))
    preview_rate: RateLimiter = field(default_factory=lambda: RateLimiter(PREVIEW_LIMIT))
    slots: StreamSlots = field(default_factory=lambda: StreamSlots(2))
    conversations: ConversationStore | None = None  # None: conversationId gives no history, nothing stored


def _frame(event: dict[str, Any]) -> bytes:
    return (
        b"data: "
        + json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
        + b"\n\n"
    )


class EventStreamResponse(Response):
    """Runs ``produce(emitter)`` and writes its events as SSE frames. A disconnect (or a failed write)
    cancels the producer; ``on_close`` runs once either way. ``tap`` sees every event as it is emitted."""

    def __init__(self, produce: Any, trace_id: str, on_close: Any, tap: Any = None) -> None:
        super().__init__(status_code=200)
        self._produce = produce
        self._trace_id = trace_id
        self._on_close = on_close
        self._tap = tap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._stream(receive, send)
        finally:
            self._on_close()

    async def _stream(self, receive: Receive, send: Send) -> None:
        headers = [*_HEADERS, (b"x-trace-id", self._trace_id.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        sender, receiver = anyio.create_memory_object_stream[dict[str, Any]](64)
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                logger.info("stream %s: client disconnected", self._trace_id)
                tg.cancel_scope.cancel()

            async def send_event(event: dict[str, Any]) -> None:
                if self._tap is not None:
                    self._tap(event)
                await sender.send(event)

            async def produce() -> None:
                async with sender:
                    await self._produce(Emitter(send_event))

            tg.start_soon(watch)
            tg.start_soon(produce)
            try:
                async with receiver:
                    while True:
                        with anyio.move_on_after(HEARTBEAT_SECONDS) as wait:
                            try:
                                event = await receiver.receive()
                            except anyio.EndOfStream:
                                break
                        body = b": heartbeat\n\n" if wait.cancelled_caught else _frame(event)
                        await send({"type": "http.response.body", "body": body, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:  # the client went away mid-write
                pass
            tg.cancel_scope.cancel()


def build_state(api: ApiContext) -> SseState:
    services = api.services
    settings = services.settings
    # http-api.md §1.1: ``--no-auth`` (principal ``local``) has no budget limit; otherwise the ledger.
    budget = LedgerBudget(services.accounts) if api.auth else StaticBudget(settings)
    deps = AgentDeps(settings=settings, budget=budget, variations=services.variations)
    return SseState(deps=deps, mirrors=services.mirrors, slots=StreamSlots(settings.max_concurrent_compositions),
                    conversations=services.conversations)  # fmt: skip


def routes(api: ApiContext, state: SseState | None = None) -> list[BaseRoute]:
    sse = state or build_state(api)

    async def stream(request: Request) -> Response:
        return await _stream(api, sse, request)

    async def preview(request: Request) -> Response:
        return await _preview(api, sse, request)

    async def message(request: Request) -> Response:
        return await _stream(api, sse, request, conversation_id=request.path_params["conversation_id"])

    return [
        Route("/api/v1/conversations/{conversation_id}/messages", message, methods=["POST"]),
        Route("/api/v1/maestro/stream", stream, methods=["POST"]),
        Route("/api/v1/compose/stream", stream, methods=["POST"]),
        Route("/api/v1/maestro/preview", preview, methods=["POST"]),
        Route("/api/v1/compose/preview", preview, methods=["POST"]),
    ]


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_JSON", "Invalid JSON", "The body is not valid JSON.") from None


def _parse(body: Any, api: ApiContext) -> StreamRequest:
    try:
        return parse_request(body, api.services.settings)
    except RequestError as exc:
        if exc.status == 400:
            raise ApiError(400, "INVALID_JSON", "Invalid JSON", exc.message) from None
        raise validation_error(exc.errors) from None


async def _stream(
    api: ApiContext, sse: SseState, request: Request, *, conversation_id: str | None = None
) -> Response:
    """A stream; with ``conversation_id`` (``POST /conversations/{id}/messages``, http-api.md §6) the
    conversation must exist (404 before the stream) and the turn is stored after it. ``/maestro/stream``
    with a ``conversationId`` only reads the history (an unknown id is no history, sse.md §2.1)."""
    principal = await api.principal(request)  # 401
    sse.stream_rate.check(principal)  # 429 RATE_LIMITED
    sse.slots.acquire(principal)  # 429 TOO_MANY_CONCURRENT
    handed_over = False
    try:
        body = _parse(await _body(request), api)  # 400, 422
        if conversation_id is not None:
            conversation_id = await _owned_conversation(sse, principal, conversation_id)  # 404
        history = await _history(sse, principal, conversation_id or body.conversation_id)
        if api.auth:
            try:
                remaining = await sse.deps.budget.remaining(principal)
            except AccountsUnavailableError:  # fail closed (sse.md §2.2)
                raise ApiError(503, "SERVICE_UNAVAILABLE", "Service unavailable",
                               "Service temporarily unavailable.") from None  # fmt: skip
            if remaining < 0.01:
                raise ApiError(402, "BUDGET_EXHAUSTED", "Insufficient budget", "Your budget is used up.",
                               budgetRemaining=remaining)  # fmt: skip
        settings = api.services.settings
        if body.project is None and settings.daw_mode == "daw":
            raise ApiError(
                409, "DAW_UNAVAILABLE", "DAW unavailable", "No DAW connected. Please open Stori and connect."
            )
        try:
            ctx = await open_context(principal, body, settings, api.services.projects, sse.mirrors)
        except Exception:
            logger.exception("could not open the project context of %s", principal)
            raise ApiError(
                503, "SERVICE_UNAVAILABLE", "Service unavailable", "Service temporarily unavailable."
            ) from None
        ids = Ids(body.seed, body.prompt)
        trace_id = ids()
        logger.info("stream %s for %s (%s)", trace_id, principal, ctx.apply_target)

        async def produce(emitter: Emitter) -> None:
            await run_stream(sse.deps, ctx, body, emitter, ids=ids, trace_id=trace_id, history=history)

        events: list[dict[str, Any]] = []  # kept only for a turn to store
        store = sse.conversations if conversation_id is not None else None
        if store is not None and conversation_id is not None:
            produce = _storing_turn(
                produce, events, store, principal, conversation_id, body, settings.llm_model
            )

        handed_over = True
        release = lambda: sse.slots.release(principal)  # noqa: E731
        return EventStreamResponse(produce, trace_id, release, tap=events.append if store else None)
    finally:
        if not handed_over:
            sse.slots.release(principal)


async def _preview(api: ApiContext, sse: SseState, request: Request) -> Response:
    principal = await api.principal(request)
    sse.preview_rate.check(principal)
    body = _parse(await _body(request), api)
    if body.project is not None:
        project = parse_snapshot(body.project)[0]
    else:
        project = (await api.services.projects.read(principal))[0]
    try:
        prompt = parse_stori_prompt(body.prompt)
    except PromptParseError as exc:
        raise ApiError(400, "PROMPT_PARSE_ERROR", "Prompt parse error", exc.message, line=exc.line) from None
    if prompt is not None:
        intent = classify_structured(prompt.mode, vibe=[(v.word, v.weight) for v in prompt.vibe],
                                     request=prompt.request, blocks=list(prompt.blocks()), project=project)  # fmt: skip
    else:
        intent = classify_rules(body.prompt, project=project)
    if intent.mode is not Mode.COMPOSING:
        return JSONResponse({
            "previewAvailable": False, "intent": intent.intent, "sseState": intent.mode.value,
            "reason": f"Preview is only available for composing requests (got {intent.intent})",
        })  # fmt: skip
    compose = prompt if prompt is not None else prompt_from_slots(body.prompt, project)
    plan = plan_from_prompt(compose, project, seed=body.seed, allow_teams=prompt is not None)
    generations = sum(s.generations > 0 for s in plan.steps)
    steps = [{"stepId": s.step_id, "label": s.label, "toolName": s.tool_name, "parallelGroup": s.parallel_group,
              "detail": s.detail, "status": "pending", "phase": s.phase} for s in plan.steps]  # fmt: skip
    return JSONResponse({
        "previewAvailable": True, "intent": intent.intent, "sseState": "composing",
        "preview": {
            "valid": True, "title": plan.title, "totalSteps": len(plan.steps), "generations": generations,
            "edits": len(plan.steps) - generations, "steps": [{k: v for k, v in s.items() if v is not None} for s in steps],
            "toolCalls": plan.tool_calls(), "notes": [], "errors": [], "warnings": plan.warnings,
        },
    })  # fmt: skip


# -- conversations (http-api.md §6) ----------------------------------------------------------------------


async def _owned_conversation(sse: SseState, principal: str, conversation_id: str) -> str:
    try:
        cid = str(uuid.UUID(conversation_id.strip())).lower()
    except ValueError:
        raise not_found(conversation_id) from None
    if sse.conversations is None or not await sse.conversations.exists(principal, cid):
        raise not_found(conversation_id)
    return cid


async def _history(sse: SseState, principal: str, conversation_id: str | None) -> list[dict[str, Any]]:
    """The conversation as chat messages for the LLM: the summary of older turns first, then the last ones."""
    if sse.conversations is None or not conversation_id:
        return []
    found: ConversationHistory = await sse.conversations.history(principal, conversation_id)
    messages = [{"role": m.role, "content": m.content} for m in found.messages]
    if found.summary:
        messages.insert(0, {"role": "system", "content": "Earlier in this conversation:\n" + found.summary})
    return messages


def _storing_turn(produce: Any, events: list[dict[str, Any]], store: ConversationStore, principal: str,
                  conversation_id: str, body: StreamRequest, model: str) -> Any:  # fmt: skip
    """Wrap ``produce`` so the turn (``events``: what the response tapped) is stored when the stream ends:
    also after a disconnect (shielded and bounded), so the conversation shows what the client saw."""
    started = datetime.now(UTC)

    async def run(emitter: Emitter) -> None:
        try:
            await produce(emitter)
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(STORE_TURN_SECONDS):
                try:
                    await store.store_turn(principal, conversation_id, prompt=body.prompt,
                                           store_prompt=body.store_prompt, assistant=assistant_turn(events, body, model),
                                           started_at=started)  # fmt: skip
                except Exception:
                    logger.exception("could not store the turn of conversation %s", conversation_id)

    return run


def assistant_turn(events: list[dict[str, Any]], body: StreamRequest, default_model: str) -> AssistantTurn:
    """The assistant message of a streamed turn (http-api.md §6): its ``content``, tool calls, every event,
    one action per tool call (a ``toolError`` is a failed one), tokens and cost."""
    now = datetime.now(UTC)
    content = "".join(str(e["content"]) for e in events if e.get("type") == "content")
    calls: list[ToolCallRecord] = []
    actions: list[MessageAction] = []
    for e in events:
        if e.get("type") == "toolCall":
            calls.append(
                ToolCallRecord(id=str(e["id"]), name=str(e["name"]), arguments=dict(e.get("params") or {}))
            )
            actions.append(MessageAction(id=str(e["id"]), action_type=str(e["name"]), success=True, timestamp=now,
                                         description=str(e.get("label") or e["name"])))  # fmt: skip
        elif e.get("type") == "toolError":
            actions.append(MessageAction(id=str(uuid.uuid4()), action_type=str(e["name"]), success=False,
                                         description=str(e["name"]), error_message=str(e.get("error")),
                                         timestamp=now))  # fmt: skip
    cost = sum(float(e.get("cost") or 0) for e in events if e.get("type") == "budgetUpdate")
    tokens = sum(int(e.get("inputTokens") or 0) for e in events if e.get("type") == "complete")
    state = next((e for e in events if e.get("type") == "state"), {})
    deterministic = bool(state.get("deterministic", True))
    return AssistantTurn(
        content=content, model_used=None if deterministic else body.model or default_model, prompt_tokens=tokens,
        cost_cents=round(cost * 100), tool_calls=calls, sse_events=events, actions=actions,
        offers_composition=state.get("state") == "reasoning" and offers_composition(content),
    )  # fmt: skip
