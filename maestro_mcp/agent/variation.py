"""Variations (spec/variations.md): record, propose, read, stream, commit and discard.

The pieces live beside this module and are re-exported here: the models and event payloads
(``variation_model``), the pure diff ``compute_variation`` (``variation_diff``), the pure commit
application (``variation_apply``) and its I/O-free checks (``variation_commit``), and what a proposer is
(``variation_proposal``). ``VariationService`` ties them to the database and a project context.

Proposals from ``POST /variation/propose`` run in the background under ``running()``, through the
``proposer`` the service was given (the agent loop's: it runs the plan on the scratch copy it gets).

For the agent loop (COMPOSING, sse.md §5.3): capture ``(base, version)`` from the project context when the
proposal starts, run the calls on ``base.model_copy(deep=True)``, then::

    variation = compute_variation(base, scratch, variation_id=vid, intent=text, base_state_id=version,
                                  ai_explanation=..., tool_calls=structural_calls, track_order=plan_tracks)
    await variations.record(principal, variation)      # stored as ``ready``, history meta…done
    for event in variation_events(variation): emit(event)  # the stream adds seq and protocolVersion

``projects`` (and the ``target`` of ``commit``) is anything with ``ProjectStore``'s async ``read(principal)``
and ``mutate(principal, fn)``: the headless store, or a client-snapshot mirror bound to its project id.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import anyio
from anyio.abc import TaskGroup
from sqlalchemy.engine import Connection

from maestro_mcp.daw.model import Project
from maestro_mcp.prompts.errors import PromptParseError
from maestro_mcp.prompts.stori_prompt import is_stori_prompt, parse_stori_prompt
from maestro_mcp.store import variations as store
from maestro_mcp.store.db import Database

from .variation_apply import Applied, ApplyError, apply_phrases, structural_calls
from .variation_commit import accepted_phrases, check_commit_state, commit_response, state_conflict
from .variation_diff import Scope, compute_variation
from .variation_model import (
    INTERRUPTED_MESSAGE,
    TERMINAL,
    ControllerChange,
    NoteChange,
    NoteCounts,
    Phrase,
    ToolCallRecord,
    Variation,
    VariationError,
    done_event,
    error_event,
    iso,
    new_uuid,
    not_found,
    utc_now,
    variation_events,
)
from .variation_proposal import (
    ContextResolver,
    ProjectTarget,
    Proposal,
    ProposalFailed,
    ProposalRequest,
    Proposer,
)

__all__ = [
    "Applied", "ContextResolver", "ControllerChange", "NoteChange", "NoteCounts", "Phrase", "ProjectTarget", "Proposal",
    "ProposalFailed", "ProposalRequest", "Proposer", "Scope", "ToolCallRecord", "Variation", "VariationError",
    "VariationService", "compute_variation", "structural_calls", "variation_events",
]  # fmt: skip

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = "1.0.0"
READY_LIFETIME = timedelta(hours=24)  # a ready variation expires after this (§4, extension)
REQUEST_LIFETIME = timedelta(hours=24)  # a requestId is remembered this long (§6.1, §6.4)
POLL_SECONDS = 1.0  # a stream re-reads the history at least this often (events of other processes)


class _ContentChanged(Exception):
    """The project changed between the version check and the commit's transaction."""


def _row_to_variation(row: store.VariationRow) -> Variation:
    variation = Variation.model_validate_json(row.doc)
    return variation.model_copy(
        update={
            "status": row.status,
            "last_sequence": row.last_sequence,
            "updated_at": row.updated_at,
            "error_message": row.error_message,
        }
    )


class VariationService:
    """Variations of every principal, persisted in ``db``; background proposals need ``running()``."""

    def __init__(
        self,
        db: Database,
        projects: ProjectTarget,
        *,
        proposer: Proposer | None = None,
        contexts: ContextResolver | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._db = db
        self._projects = projects
        self._proposer = proposer
        self._contexts = contexts
        self._clock = clock
        self._wakeups: dict[str, anyio.Event] = {}
        self._work: dict[str, anyio.CancelScope] = {}
        self._locks: dict[str, anyio.Lock] = {}
        self._tasks: TaskGroup | None = None

    # -- lifetime -------------------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self) -> AsyncIterator[VariationService]:
        """Owns the background proposals; leaving it cancels those still running (a restart then fails
        them through ``recover_interrupted``)."""
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield self
            finally:
                self._tasks = None
                tasks.cancel_scope.cancel()

    async def recover_interrupted(self) -> list[str]:
        """§4: variations left ``created``/``streaming`` by a previous server become ``failed``. Call once at
        server start, before serving (never from a process that shares the data dir with a running server)."""
        ids = await self._db.read(store.unfinished)
        for vid in ids:
            await self._fail(vid, "INTERNAL_ERROR", INTERRUPTED_MESSAGE)
        return ids

    # -- small helpers --------------------------------------------------------------------------------

    def _now(self) -> str:
        return iso(self._clock())

    @asynccontextmanager
    async def _locked(self, variation_id: str) -> AsyncIterator[None]:
        """Serialises this process's state changes of one variation (commit against commit or discard)."""
        lock = self._locks.setdefault(variation_id, anyio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and lock.statistics().tasks_waiting == 0:
                self._locks.pop(variation_id, None)

    def _notify(self, variation_id: str) -> None:
        wake = self._wakeups.pop(variation_id, None)
        if wake is not None:
            wake.set()

    async def _transition(
        self, variation_id: str, allowed_from: Sequence[str], to: str | None, events: Sequence[dict[str, Any]] = (),
        *, doc: str | None = None, error_message: str | None = None,
    ) -> store.Transition:  # fmt: skip
        now = self._now()
        result = await self._db.write(
            lambda conn: store.transition(
                conn, variation_id, allowed_from=allowed_from, to=to, events=events, now=now, doc=doc,
                error_message=error_message,
            )
        )
        if result.done:
            self._notify(variation_id)
        return result

    async def _fail(self, variation_id: str, code: str, message: str) -> None:
        events = [error_event(code, message), done_event(variation_id, 0, "failed")]
        await self._transition(variation_id, ("created", "streaming"), "failed", events, error_message=message)

    async def _row(self, principal: str, variation_id: str) -> store.VariationRow:
        """The principal's variation, expired first if its 24 h are over; else 404."""
        row = await self._db.read(lambda conn: store.load_variation(conn, variation_id))
        if row is None or row.principal != principal:
            raise not_found(variation_id)
        if row.status == "ready" and row.ready_at is not None:
            ready_at = datetime.fromisoformat(row.ready_at.replace("Z", "+00:00"))
            if self._clock() - ready_at >= READY_LIFETIME:
                result = await self._transition(variation_id, ("ready",), "expired")
                row = result.row or row
        return row

    async def _context(self, principal: str, project_id: str) -> ProjectTarget | None:
        if self._contexts is not None:
            return await self._contexts(principal, project_id)
        project, _ = await self._projects.read(principal)
        return self._projects if project.id == project_id else None

    async def _remembered(self, principal: str, kind: str, request_id: str | None) -> dict[str, Any] | None:
        if request_id is None:
            return None
        since = iso(self._clock() - REQUEST_LIFETIME)
        return await self._db.read(lambda conn: store.stored_response(conn, principal, kind, request_id, since))

    async def _remember(self, principal: str, kind: str, request_id: str | None, response: dict[str, Any]) -> None:
        if request_id is not None:
            now = self._now()
            await self._db.write(lambda conn: store.store_response(conn, principal, kind, request_id, response, now))

    # -- record, get ----------------------------------------------------------------------------------

    async def record(self, principal: str, variation: Variation) -> Variation:
        """Store a finished variation as ``ready`` with its history (meta 1, phrases, done): what a
        COMPOSING stream does when it sends ``done``. Returns the stored variation."""
        now = self._now()
        events = variation_events(variation)
        stored = variation.model_copy(
            update={"status": "ready", "last_sequence": len(events), "phrase_count": len(variation.phrases), "updated_at": now}
        )
        row = store.VariationRow(
            variation_id=stored.variation_id, principal=principal, project_id=stored.project_id, status="ready",
            last_sequence=len(events), error_message=None, created_at=stored.created_at, updated_at=now,
            ready_at=now, doc=stored.model_dump_json(),
        )
        await self._db.write(lambda conn: store.insert_variation(conn, row, events))
        self._notify(stored.variation_id)
        return stored

    async def get(self, principal: str, variation_id: str) -> Variation:
        """§6.3; ``VariationError`` 404 for an unknown id or another principal's."""
        return _row_to_variation(await self._row(principal, variation_id))

    # -- propose --------------------------------------------------------------------------------------

    async def propose(
        self,
        principal: str,
        *,
        project_id: str,
        base_state_id: int,
        intent: str,
        scope: Scope | None = None,
        bar_size: int = 4,
        seed: int | None = None,
        model: str | None = None,
        quality_preset: str | None = None,
        request_id: str | None = None,
        target: ProjectTarget | None = None,
    ) -> dict[str, Any]:
        """§6.1 from the project check on (the edge checks token, rate, JSON, fields and budget): creates the
        variation and starts the proposal in the background. Returns the 200 body."""
        remembered = await self._remembered(principal, "propose", request_id)
        if remembered is not None:
            return remembered
        target = target or await self._context(principal, project_id)
        if target is None:
            raise VariationError(
                404, "PROJECT_NOT_FOUND", "Project not found", f"No project {project_id}.", projectId=project_id
            )
        base, version = await target.read(principal)
        if version != base_state_id:
            raise state_conflict(version, "The project changed: propose against its current state id.")
        if is_stori_prompt(intent):
            try:
                parse_stori_prompt(intent)
            except PromptParseError as exc:
                raise VariationError(400, exc.code, "Prompt parse error", exc.message, line=exc.line) from None
        if self._proposer is None or self._tasks is None:
            raise VariationError(503, "PROPOSER_UNAVAILABLE", "Service unavailable", "Proposals are not available.")
        variation_id = new_uuid()
        now = self._now()
        created = Variation(
            variation_id=variation_id, project_id=project_id, base_state_id=str(version), intent=intent,
            created_at=now, updated_at=now,
        )
        row = store.VariationRow(
            variation_id=variation_id, principal=principal, project_id=project_id, status="created",
            last_sequence=0, error_message=None, created_at=now, updated_at=now, ready_at=None,
            doc=created.model_dump_json(),
        )
        await self._db.write(lambda conn: store.insert_variation(conn, row))
        request = ProposalRequest(
            principal=principal, variation_id=variation_id, intent=intent, project=base.model_copy(deep=True),
            base_state_id=version, seed=seed, model=model, quality_preset=quality_preset,
        )
        self._tasks.start_soon(self._run_proposal, self._proposer, request, base, project_id, scope, bar_size)
        response = {
            "variationId": variation_id, "projectId": project_id, "baseStateId": str(version), "intent": intent,
            "aiExplanation": None, "streamUrl": f"/api/v1/variation/stream?variation_id={variation_id}",
        }  # fmt: skip
        await self._remember(principal, "propose", request_id, response)
        return response

    async def _run_proposal(
        self,
        proposer: Proposer,
        request: ProposalRequest,
        base: Project,
        project_id: str,
        scope: Scope | None,
        bar_size: int,
    ) -> None:
        vid = request.variation_id
        with anyio.CancelScope() as cancel:
            self._work[vid] = cancel
            try:
                if not (await self._transition(vid, ("created",), "streaming")).done:
                    return  # discarded before it started
                try:
                    proposal = await proposer(request)
                    variation = compute_variation(
                        base, proposal.project, variation_id=vid, intent=request.intent,
                        base_state_id=request.base_state_id, project_id=project_id,
                        ai_explanation=proposal.ai_explanation, tool_calls=proposal.tool_calls,
                        track_order=proposal.track_order, bucket_bars=bar_size, scope=scope, now=self._now(),
                    )  # fmt: skip
                except ProposalFailed as exc:
                    await self._fail(vid, exc.code, exc.message)
                    return
                except Exception as exc:  # a fault of the proposal must end the variation, never hang it
                    logger.exception("proposal %s failed", vid)
                    await self._fail(vid, "INTERNAL_ERROR", f"The proposal failed: {exc}")
                    return
                await self._transition(
                    vid, ("streaming",), "ready", variation_events(variation), doc=variation.model_dump_json()
                )
            finally:
                self._work.pop(vid, None)

    # -- commit ---------------------------------------------------------------------------------------

    async def commit(
        self,
        principal: str,
        *,
        project_id: str,
        variation_id: str,
        base_state_id: int,
        accepted_phrase_ids: Sequence[str],
        force: bool = False,
        request_id: str | None = None,
        target: ProjectTarget | None = None,
    ) -> dict[str, Any]:
        """§6.4 checks 2–10 in order, then one transaction on the project context. Returns the 200 body."""
        remembered = await self._remembered(principal, "commit", request_id)
        if remembered is not None:
            return remembered
        async with self._locked(variation_id):
            row = await self._row(principal, variation_id)
            if row.project_id != project_id:
                raise not_found(variation_id)
            variation = _row_to_variation(row)
            check_commit_state(variation, accepted_phrase_ids)
            target = target or await self._context(principal, project_id)
            if target is None:
                if not force:
                    raise state_conflict(None, "The project of this variation no longer exists.")
                raise VariationError(500, "APPLICATION_FAILED", "Application failed", "The project no longer exists.")
            project, version = await target.read(principal)
            if not force and version != base_state_id:
                raise state_conflict(version)
            accepted = accepted_phrases(variation, base_state_id, accepted_phrase_ids)
            expected = None if force else project.canonical_form()

            def apply(p: Project) -> Applied:
                # The version check above ran outside this transaction: the content it vouched for must
                # still be the content we change (the version only moves when the content does).
                if expected is not None and p.canonical_form() != expected:
                    raise _ContentChanged
                return apply_phrases(p, variation, accepted, force=force)

            try:
                applied, new_version = await target.mutate(principal, apply)
            except _ContentChanged:
                raise state_conflict((await target.read(principal))[1]) from None
            except ApplyError as exc:
                raise VariationError(500, "APPLICATION_FAILED", "Application failed", str(exc)) from None
            moved = await self._transition(variation_id, ("ready",), "committed")
            if not moved.done:  # pragma: no cover - every state change of this process holds the lock
                logger.warning("variation %s applied but was %s meanwhile", variation_id, moved.row and moved.row.status)
        response = commit_response(variation, project_id, new_version, accepted, applied)
        await self._remember(principal, "commit", request_id, response)
        return response

    # -- discard --------------------------------------------------------------------------------------

    async def discard(self, principal: str, variation_id: str, project_id: str | None = None) -> None:
        """§6.5: idempotent; cancels a proposal still running. ``VariationError`` 409 from a terminal state
        other than ``discarded``."""
        async with self._locked(variation_id):
            try:
                row = await self._row(principal, variation_id)
            except VariationError:
                return  # unknown or another principal's: nothing happens
            if project_id is not None and row.project_id != project_id:
                return
            while True:
                if row.status == "discarded":
                    return
                if row.status in TERMINAL:
                    raise VariationError(
                        409, "INVALID_STATE", "Invalid state for discard", f"The variation is {row.status}.",
                        currentStatus=row.status,
                    )
                events = [] if row.status == "ready" else [done_event(variation_id, 0, "discarded")]
                result = await self._transition(variation_id, (row.status,), "discarded", events)
                if result.done:
                    break
                assert result.row is not None
                row = result.row  # the proposal moved it on meanwhile: decide again
        work = self._work.get(variation_id)
        if work is not None:
            work.cancel()

    # -- stream ---------------------------------------------------------------------------------------

    async def stream(
        self, principal: str, variation_id: str, from_sequence: int = 0, *, poll_seconds: float = POLL_SECONDS
    ) -> AsyncIterator[dict[str, Any] | None]:
        """§6.2: the events with sequence > ``from_sequence`` as ``{type, seq, protocolVersion, …}``, the
        stored history first, then live ones, ending after ``done``. Yields ``None`` after each wait without
        news (the edge's cue for heartbeats). Raises the 404 before the first item."""
        await self._row(principal, variation_id)
        return self._events(variation_id, from_sequence, poll_seconds)

    async def _events(self, variation_id: str, last: int, poll_seconds: float) -> AsyncIterator[dict[str, Any] | None]:
        while True:
            # Taken before reading, so an event published after the read still wakes us.
            wake = self._wakeups.setdefault(variation_id, anyio.Event())
            batch, row = await self._db.read(partial(_history, variation_id=variation_id, after=last))
            for seq, event in batch:
                yield {"type": event["type"], "seq": seq, "protocolVersion": PROTOCOL_VERSION,
                       **{k: v for k, v in event.items() if k != "type"}}  # fmt: skip
                last = seq
                if event["type"] == "done":
                    break
            else:
                if row is not None and (row.status in ("created", "streaming") or last < row.last_sequence):
                    if not batch:
                        with anyio.move_on_after(poll_seconds):
                            await wake.wait()
                        yield None
                    continue
            # Finished (done sent, or nothing more will come): no publication will pop this wake-up.
            if row is None or row.status not in ("created", "streaming"):
                self._wakeups.pop(variation_id, None)
            return



def _history(
    conn: Connection, *, variation_id: str, after: int
) -> tuple[list[tuple[int, dict[str, Any]]], store.VariationRow | None]:
    return store.events_after(conn, variation_id, after), store.load_variation(conn, variation_id)
