"""The events of the Stori SSE stream (spec/sse.md §4) as pydantic models, and the emitter that numbers them.

Every event serialises camelCase with ``type``, ``seq`` and ``protocolVersion`` first; optional scalars
without a value are left out (never ``null``) and documented arrays are always present. The agent loop
builds events without ``seq``; the ``Emitter`` assigns it at the moment of emission, under a lock, so
the numbering is the emission order even when several instrument agents emit at once (sse.md §3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

PROTOCOL_VERSION = "1.0.0"

StepStatus = Literal["pending", "active", "completed", "failed", "skipped"]
Phase = Literal["setup", "arrangement", "composition", "expression", "soundDesign", "mixing"]


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Event(_Wire):
    type: str
    seq: int = 0
    protocol_version: str = PROTOCOL_VERSION


# -- §4.1 every mode -----------------------------------------------------------------------------------


class StateEvent(Event):
    type: Literal["state"] = "state"
    state: Literal["reasoning", "editing", "composing"]
    intent: str
    confidence: float = Field(ge=0, le=1)
    trace_id: str
    execution_mode: Literal["reasoning", "apply", "variation"]
    apply_target: Literal["client", "daw", "headless"] | None = None
    deterministic: bool


class StatusEvent(Event):
    type: Literal["status"] = "status"
    message: str
    agent_id: str | None = None
    section_name: str | None = None


class ReasoningEvent(Event):
    type: Literal["reasoning"] = "reasoning"
    content: str
    agent_id: str | None = None
    section_name: str | None = None


class ReasoningEndEvent(Event):
    type: Literal["reasoningEnd"] = "reasoningEnd"
    agent_id: str
    section_name: str | None = None


class ContentEvent(Event):
    type: Literal["content"] = "content"
    content: str


class ErrorEvent(Event):
    type: Literal["error"] = "error"
    error: str
    message: str
    fatal: bool
    trace_id: str | None = None
    line: int | None = None


class BudgetUpdateEvent(Event):
    type: Literal["budgetUpdate"] = "budgetUpdate"
    budget_remaining: float
    cost: float


class ToolCallRecord(_Wire):
    name: str
    params: dict[str, Any]


class CompleteEvent(Event):
    type: Literal["complete"] = "complete"
    success: bool
    trace_id: str
    input_tokens: int = 0
    context_window_tokens: int = 0
    tool_calls: list[ToolCallRecord] | None = None  # EDITING only
    state_version: int | None = None  # EDITING only
    variation_id: str | None = None  # COMPOSING only
    phrase_count: int | None = None
    total_changes: int | None = None
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)


# -- §4.2 plan and tools -------------------------------------------------------------------------------


class PlanStepModel(_Wire):
    step_id: str
    label: str
    tool_name: str | None = None
    parallel_group: str | None = None
    detail: str | None = None
    status: StepStatus = "pending"
    phase: Phase | None = None


class PlanEvent(Event):
    type: Literal["plan"] = "plan"
    plan_id: str
    title: str
    steps: list[PlanStepModel]


class PlanStepUpdateEvent(Event):
    type: Literal["planStepUpdate"] = "planStepUpdate"
    step_id: str
    status: Literal["active", "completed", "failed", "skipped"]
    phase: Phase | None = None
    result: str | None = None
    agent_id: str | None = None


class ToolStartEvent(Event):
    type: Literal["toolStart"] = "toolStart"
    name: str
    label: str
    phase: Phase | None = None
    agent_id: str | None = None
    section_name: str | None = None


class ToolCallEvent(Event):
    type: Literal["toolCall"] = "toolCall"
    id: str
    name: str
    params: dict[str, Any]
    proposal: Literal[True] | None = None
    label: str | None = None
    phase: Phase | None = None
    step_id: str | None = None
    agent_id: str | None = None
    section_name: str | None = None


class ErrorDetail(_Wire):
    code: str
    field: str
    message: str


class ToolErrorEvent(Event):
    type: Literal["toolError"] = "toolError"
    name: str
    error: str
    errors: list[str]
    code: str | None = None
    details: list[ErrorDetail] = Field(default_factory=list)
    agent_id: str | None = None
    section_name: str | None = None
    step_id: str | None = None


class SummaryEvent(Event):
    type: Literal["summary"] = "summary"
    tracks: list[str]
    regions: int
    notes: int
    effects: int


# -- §4.3 Agent Teams ----------------------------------------------------------------------------------


class PreflightEvent(Event):
    type: Literal["preflight"] = "preflight"
    step_id: str
    agent_id: str
    agent_role: str
    label: str
    tool_name: str | None = None
    parallel_group: str | None = None
    confidence: float | None = None
    track_color: str | None = None


class GeneratorStartEvent(Event):
    type: Literal["generatorStart"] = "generatorStart"
    role: str
    agent_id: str
    style: str
    bars: int
    start_beat: float
    label: str
    section_name: str | None = None


class GeneratorCompleteEvent(Event):
    type: Literal["generatorComplete"] = "generatorComplete"
    role: str
    agent_id: str
    note_count: int
    duration_ms: int
    section_name: str | None = None
    backend: Literal["embedded", "orpheus"] | None = None
    fallback: bool | None = None


class AgentCompleteEvent(Event):
    type: Literal["agentComplete"] = "agentComplete"
    agent_id: str
    success: bool


class TrackInfo(_Wire):
    name: str
    instrument: str
    track_id: str
    color: str


class EffectInfo(_Wire):
    track_id: str
    type: str
    name: str | None = None


class CcEnvelopeInfo(_Wire):
    cc: int
    name: str
    track_id: str | None = None
    point_count: int | None = None


class SummaryFinalEvent(Event):
    type: Literal["summary.final"] = "summary.final"
    trace_id: str
    track_count: int = 0
    tracks_created: list[TrackInfo] = Field(default_factory=list)
    tracks_reused: list[TrackInfo] = Field(default_factory=list)
    regions_created: int = 0
    notes_generated: int = 0
    effects_added: list[EffectInfo] = Field(default_factory=list)
    effect_count: int = 0
    sends_created: int = 0
    cc_envelopes: list[CcEnvelopeInfo] = Field(default_factory=list)
    automation_lanes: int = 0
    text: str | None = None


# -- §4.4 variation ------------------------------------------------------------------------------------


class NoteCounts(_Wire):
    added: int = 0
    removed: int = 0
    modified: int = 0


class MetaEvent(Event):
    type: Literal["meta"] = "meta"
    variation_id: str
    project_id: str
    base_state_id: str
    intent: str
    ai_explanation: str | None = None
    affected_tracks: list[str] = Field(default_factory=list)
    affected_regions: list[str] = Field(default_factory=list)
    note_counts: NoteCounts = Field(default_factory=NoteCounts)


class PhraseEvent(Event):
    """Phrase of variations.md §2.2. Note and controller changes pass through as the variation engine
    shaped them (already camelCase, missing sides omitted)."""

    type: Literal["phrase"] = "phrase"
    phrase_id: str
    track_id: str
    region_id: str
    start_beat: float
    end_beat: float
    label: str
    tags: list[str] = Field(default_factory=list)
    explanation: str | None = None
    note_changes: list[dict[str, Any]] = Field(default_factory=list)
    controller_changes: list[dict[str, Any]] = Field(default_factory=list)


class DoneEvent(Event):
    type: Literal["done"] = "done"
    variation_id: str
    phrase_count: int
    status: Literal["ready", "failed", "discarded"]


# -- §4.6 deprecated -----------------------------------------------------------------------------------


class PlanSummaryEvent(Event):
    type: Literal["planSummary"] = "planSummary"
    total_steps: int
    generations: int
    edits: int


class ProgressEvent(Event):
    type: Literal["progress"] = "progress"
    current_step: int
    total_steps: int
    message: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        StateEvent, StatusEvent, ReasoningEvent, ReasoningEndEvent, ContentEvent, ErrorEvent,
        BudgetUpdateEvent, CompleteEvent, PlanEvent, PlanStepUpdateEvent, ToolStartEvent, ToolCallEvent,
        ToolErrorEvent, SummaryEvent, PreflightEvent, GeneratorStartEvent, GeneratorCompleteEvent,
        AgentCompleteEvent, SummaryFinalEvent, MetaEvent, PhraseEvent, DoneEvent, PlanSummaryEvent,
        ProgressEvent,
    )
}  # fmt: skip


def parse_event(data: dict[str, Any]) -> Event:
    """Validate one wire event (tests and clients): the model of its ``type``; unknown types and fields
    raise ``ValueError``."""
    cls = EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    return cls.model_validate(data)


Send = Callable[[dict[str, Any]], Awaitable[None]]


class ProtocolError(RuntimeError):
    """An event failed validation on its way out (sse.md §3: reported as ``PROTOCOL_ERROR``)."""


class Emitter:
    """Numbers events and hands their wire form to ``send``. ``seq`` starts at 1 and grows by exactly 1;
    nothing is emitted after ``complete``."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._lock = anyio.Lock()
        self.seq = 0
        self.closed = False
        self.history: list[str] = []  # event types in emission order (diagnostics, tests)

    async def emit(self, event: Event) -> None:
        await self.emit_many(event)

    async def emit_many(self, *events: Event) -> None:
        """Emit ``events`` back to back: no other task's event comes between them."""
        async with self._lock:
            for event in events:
                await self._emit_locked(event)

    async def _emit_locked(self, event: Event) -> None:
        if self.closed:
            return
        event.seq = self.seq + 1
        try:
            # Re-validate: an event assembled by field assignment must still match its schema.
            wire = type(event).model_validate(event.model_dump()).wire()
        except ValidationError as exc:
            raise ProtocolError(f"invalid {event.type} event: {exc.errors()[0]['msg']}") from exc
        # Counted once sent: a send cancelled at its checkpoint (a time limit, a memory-stream send) delivered
        # nothing, and the next event must take this number, or the wire would skip one.
        await self._send(wire)
        self.seq = event.seq
        self.history.append(event.type)
        if event.type == "complete":
            self.closed = True
