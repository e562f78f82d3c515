"""The vocabulary of variations (spec/variations.md §2): the models, their event payloads and their errors.

One model serves every edge: ``Variation.rest()`` is the REST body of ``GET /variation/{id}`` (absent values
``null``, phrases with ``sequence``), and ``variation_events`` gives the ``meta`` / ``phrase`` / ``done``
payloads of sse.md §4.4 (absent values omitted, no ``sequence``). The fields after ``error_message`` are
kept with the variation (persisted) but are not part of the §2.1 object: what a commit needs besides the
phrases.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from maestro_mcp.daw.model import Note, Track, Wire

Status = Literal["created", "streaming", "ready", "committed", "discarded", "failed", "expired"]
TERMINAL: frozenset[str] = frozenset({"committed", "discarded", "failed", "expired"})
# §4: the only transitions there are.
TRANSITIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"streaming", "discarded", "failed", "expired"}),
    "streaming": frozenset({"ready", "discarded", "failed", "expired"}),
    "ready": frozenset({"committed", "discarded", "failed", "expired"}),
}
ChangeType = Literal["added", "removed", "modified"]
ControllerKind = Literal["cc", "pitchBend", "aftertouch"]
INTERRUPTED_MESSAGE = "interrupted by server restart"


def new_uuid() -> str:
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``, millisecond precision."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class NoteChange(Wire):
    note_id: str
    change_type: ChangeType
    before: Note | None = None
    after: Note | None = None

    @property
    def note(self) -> Note:
        """The note that places the change (``after`` unless removed, §3.2)."""
        note = self.before if self.change_type == "removed" else self.after
        assert note is not None
        return note


class ControllerChange(Wire):
    kind: ControllerKind
    change_type: Literal["added", "removed"]
    beat: float
    value: int
    cc: int | None = None  # present for kind "cc"
    pitch: int | None = None  # polyphonic aftertouch only


class Phrase(Wire):
    phrase_id: str
    sequence: int
    track_id: str
    region_id: str
    start_beat: float
    end_beat: float
    label: str
    tags: list[str] = Field(default_factory=list)
    explanation: str
    note_changes: list[NoteChange] = Field(default_factory=list)
    controller_changes: list[ControllerChange] = Field(default_factory=list)


class NoteCounts(Wire):
    added: int = 0
    removed: int = 0
    modified: int = 0

    @property
    def total(self) -> int:
        return self.added + self.removed + self.modified


class ToolCallRecord(Wire):
    """One structural call of the proposal (§2.1 extension), ids already concrete."""

    id: str = Field(default_factory=new_uuid)
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class CreatedRegion(Wire):
    """A region that exists only in the proposal: enough to create it at commit and to describe it in
    ``updatedRegions`` (startBeat, durationBeats, name)."""

    region_id: str
    track_id: str
    name: str = ""
    start_beat: float
    duration_beats: float
    color: str | None = None


class Variation(Wire):
    variation_id: str
    project_id: str
    base_state_id: str
    intent: str
    status: Status = "created"
    ai_explanation: str | None = None
    affected_tracks: list[str] = Field(default_factory=list)
    affected_regions: list[str] = Field(default_factory=list)
    note_counts: NoteCounts = Field(default_factory=NoteCounts)
    phrases: list[Phrase] = Field(default_factory=list)
    phrase_count: int = 0
    last_sequence: int = 0
    created_at: str = Field(default_factory=lambda: iso(utc_now()))
    updated_at: str = Field(default_factory=lambda: iso(utc_now()))
    error_message: str | None = None
    # -- kept with the variation, not part of the §2.1 object --
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    created_tracks: list[Track] = Field(default_factory=list)  # without regions
    created_regions: list[CreatedRegion] = Field(default_factory=list)

    def rest(self) -> dict[str, Any]:
        """The §2.1 object as ``GET /variation/{id}`` returns it."""
        return self.model_dump(
            by_alias=True, mode="json", exclude={"tool_calls", "created_tracks", "created_regions"}
        )

    def phrase(self, phrase_id: str) -> Phrase | None:
        return next((p for p in self.phrases if p.phrase_id == phrase_id), None)


# -- event payloads (sse.md §4.4; the stream adds type-independent ``seq`` and ``protocolVersion``) --------


_SCALARS = frozenset({str, int, float, bool})


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v if type(v) in _SCALARS else _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [v if type(v) in _SCALARS else _without_none(v) for v in value]
    return value


def meta_event(variation: Variation) -> dict[str, Any]:
    body: dict[str, Any] = _without_none(
        {
            "type": "meta",
            "variationId": variation.variation_id,
            "projectId": variation.project_id,
            "baseStateId": variation.base_state_id,
            "intent": variation.intent,
            "aiExplanation": variation.ai_explanation,
            "affectedTracks": variation.affected_tracks,
            "affectedRegions": variation.affected_regions,
            "noteCounts": variation.note_counts.wire(),
        }
    )
    return body


def phrase_event(phrase: Phrase) -> dict[str, Any]:
    # A phrase holds only typed models (no free-form dicts), so pydantic's exclude_none drops every None a
    # recursive walk would, without walking hundreds of note changes in Python.
    body = phrase.model_dump(by_alias=True, mode="json", exclude={"sequence"}, exclude_none=True)
    return {"type": "phrase", **body}


def done_event(variation_id: str, phrase_count: int, status: Literal["ready", "failed", "discarded"]) -> dict[str, Any]:
    return {"type": "done", "variationId": variation_id, "phraseCount": phrase_count, "status": status}


def error_event(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": code, "message": message, "fatal": True}


def variation_events(variation: Variation) -> list[dict[str, Any]]:
    """``meta``, one ``phrase`` per phrase, ``done(ready)``: what a COMPOSING stream sends for a variation
    (sse.md §5.3) and what the variation stream replays. Sequence numbers are the caller's."""
    return [
        meta_event(variation),
        *(phrase_event(p) for p in variation.phrases),
        done_event(variation.variation_id, len(variation.phrases), "ready"),
    ]


class VariationError(Exception):
    """A refused variation operation: the HTTP status, the stable code and the extra body fields of
    variations.md §6 (the edge wraps it in ``{"detail": …}``)."""

    def __init__(self, status: int, code: str, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.error = error
        self.message = message
        self.extra = extra

    def detail(self) -> dict[str, Any]:
        return {"code": self.code, "error": self.error, "message": self.message, **self.extra}


def not_found(variation_id: str) -> VariationError:
    return VariationError(
        404, "VARIATION_NOT_FOUND", "Variation not found", f"No variation {variation_id}.", variationId=variation_id
    )
