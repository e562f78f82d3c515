"""One connected DAW (daw-websocket.md): its pending tool calls, its mirror, and the messages it sends.

The transport feeds every text frame to ``DawConnection.handle_text`` in arrival order and gives the
connection a ``send_text`` function; everything protocol-shaped lives here, so the WebSocket edge only
authenticates, frames and enforces size limits.

The mirror is updated inside the receive loop, while the ``toolResponse`` is handled, never later in the
caller's task: the DAW may push a ``projectState`` right after its answer, and that snapshot must land on a
mirror that already has the call, or the call would be applied twice.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread

from maestro_mcp.errors import ErrorCode, ErrorItem, ToolError

from .headless import apply
from .model import Project
from .project_state import SnapshotError, parse_snapshot

logger = logging.getLogger(__name__)

EXECUTED_BY_DAW = "daw"
DISCONNECTED_MESSAGE = "DAW disconnected before responding; the change may or may not have been applied."
INVALID_RESPONSE_MESSAGE = "DAW sent an invalid toolResponse"
# Snapshots larger than this are parsed off the event loop (a full 8 MiB snapshot takes a while).
INLINE_PARSE_LIMIT = 256 * 1024
REQUEST_STATE_SEND_TIMEOUT = 2.0

SendText = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class CallOutcome:
    """A forwarded call the DAW answered with ``success: true``."""

    result: dict[str, Any]  # the DAW's ``result``, exactly as received
    fields: dict[str, Any] | None  # the tool's own result fields from the mirror; None when not applied
    warnings: list[str]
    state_version: int


@dataclass(eq=False)
class PendingCall:
    tool: str
    # What to apply to the mirror on success (the alias and its full arguments; None: nothing).
    mirror_tool: str | None
    mirror_args: dict[str, Any] | None
    done: anyio.Event = field(default_factory=anyio.Event)
    outcome: CallOutcome | ToolError | None = None

    def finish(self, outcome: CallOutcome | ToolError) -> None:
        if not self.done.is_set():
            self.outcome = outcome
            self.done.set()


@dataclass
class MirrorVersion:
    """The principal's DAW-mirror state version (variations.md §5), shared by its connections, in memory."""

    value: int = 0


class DawConnection:
    """A DAW connected for ``principal``; ``send_text`` writes one text frame."""

    def __init__(self, principal: str, send_text: SendText, version: MirrorVersion | None = None) -> None:
        self.id = str(uuid.uuid4())
        self.principal = principal
        self.open = True
        self.active = False
        self.pending: dict[str, PendingCall] = {}
        self.mirror: Project | None = None  # latest valid projectState + the calls answered since
        self.version = version or MirrorVersion()
        self._canonical: dict[str, Any] | None = None  # of ``mirror``, cached for version comparisons
        self._send_text = send_text
        self._send_lock = anyio.Lock()  # one frame at a time, calls in the order they were accepted
        self._snapshot_arrived = anyio.Event()

    # -- sending ---------------------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        async with self._send_lock:
            await self._send_text(text)

    async def send_error(
        self, code: str, message: str, *, request_id: Any = None, errors: list[ErrorItem] | None = None
    ) -> None:
        body: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if request_id is not None:
            body["requestId"] = request_id
        if errors:
            body["errors"] = [e.to_wire() for e in errors]
        await self.send_quietly(body)

    async def send_quietly(
        self, message: dict[str, Any], timeout: float = REQUEST_STATE_SEND_TIMEOUT
    ) -> None:
        """Best effort, bounded and not cancellable from outside: for notices on a connection that may
        already be gone (status changes, requestProjectState after a timeout or a cancelled call)."""
        with anyio.CancelScope(shield=True), anyio.move_on_after(timeout):
            try:
                await self.send(message)
            except Exception as exc:  # a closed socket: the notice no longer matters
                logger.debug("DAW %s: could not send %s: %s", self.id, message.get("type"), exc)

    async def request_state(self) -> None:
        await self.send_quietly({"type": "requestProjectState"})

    async def wait_for_snapshot(self, timeout: float) -> None:
        """Ask for a ``projectState`` and wait up to ``timeout`` for one (no error when none comes)."""
        if self.mirror is not None:
            return
        await self.request_state()
        with anyio.move_on_after(timeout):
            await self._snapshot_arrived.wait()

    def close(self) -> None:
        """The socket is gone: every pending call fails at once with DAW_UNAVAILABLE."""
        self.open = False
        self.active = False
        for pending in list(self.pending.values()):
            pending.finish(
                ToolError.one(ErrorCode.DAW_UNAVAILABLE, "", DISCONNECTED_MESSAGE, EXECUTED_BY_DAW)
            )
        self.pending.clear()

    # -- receiving -------------------------------------------------------------------------------------

    async def handle_text(self, text: str) -> None:
        """One text frame from the DAW (daw-websocket.md §4)."""
        try:
            message = json.loads(text)
        except ValueError:
            await self.send_error("INVALID_MESSAGE", "message is not valid JSON")
            return
        if not isinstance(message, dict):
            await self.send_error("INVALID_MESSAGE", "message must be a JSON object")
            return
        kind = message.get("type")
        if kind in ("toolResponse", "tool_response"):
            await self._tool_response(message)
        elif kind in ("projectState", "project_state"):
            await self._project_state(message, large=len(text) > INLINE_PARSE_LIMIT)
        elif kind == "ping":
            await self.send({"type": "pong"})
        else:
            await self.send_error("INVALID_MESSAGE", f"unknown message type {kind!r}")

    async def _tool_response(self, message: dict[str, Any]) -> None:
        request_id = message.get("requestId", message.get("request_id"))
        pending = self.pending.get(request_id) if isinstance(request_id, str) else None
        if pending is None or pending.done.is_set():
            # Unknown, or its call already timed out or was cancelled: dropped, the mirror untouched.
            logger.info("DAW %s: response for unknown or finished request %r dropped", self.id, request_id)
            await self.send_error("UNKNOWN_REQUEST", f"no pending call with requestId {request_id!r}",
                                  request_id=request_id)  # fmt: skip
            return
        result = message.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("success"), bool):
            error = ToolError.one(ErrorCode.DAW_ERROR, "", INVALID_RESPONSE_MESSAGE, EXECUTED_BY_DAW)
            error.daw_result = result if isinstance(result, dict) else None
            pending.finish(error)
            await self.send_error("INVALID_MESSAGE", "toolResponse.result must be an object with a boolean "
                                  "success", request_id=request_id)  # fmt: skip
            return
        if not result["success"]:
            text = result.get("error") or result.get("message")
            error = ToolError.one(
                ErrorCode.DAW_ERROR, "", text if isinstance(text, str) and text else "DAW reported failure",
                EXECUTED_BY_DAW,
            )  # fmt: skip
            error.daw_result = result
            pending.finish(error)
            return
        fields, warnings = self._apply_to_mirror(pending)
        pending.finish(CallOutcome(result, fields, warnings, self.version.value))
        if fields is None and pending.mirror_tool is not None and self.mirror is not None:
            await self.request_state()  # the mirror could not follow: ask for the truth

    def _apply_to_mirror(self, pending: PendingCall) -> tuple[dict[str, Any] | None, list[str]]:
        if pending.mirror_tool is None or pending.mirror_args is None or self.mirror is None:
            return None, []
        # On a copy: a handler failing half-way must not leave a half-applied mirror behind.
        work = self.mirror.model_copy(deep=True)
        warnings: list[str] = []
        try:
            fields = apply(work, pending.mirror_tool, pending.mirror_args, warnings=warnings)
        except ToolError as exc:
            logger.warning("DAW %s: mirror could not apply %s: %s", self.id, pending.mirror_tool, exc)
            return None, []
        self._replace_mirror(work)
        return fields, warnings

    def _replace_mirror(self, project: Project) -> None:
        canonical = project.canonical_form()
        if self.mirror is not None and canonical != self._canonical and self.active:
            self.version.value += 1
        self.mirror, self._canonical = project, canonical

    async def _project_state(self, message: dict[str, Any], *, large: bool) -> None:
        state = message.get("state", message.get("project"))
        previous = self.mirror
        try:
            if large:
                # Still in order: the receive loop waits, so no later frame overtakes this snapshot.
                parsed = await anyio.to_thread.run_sync(parse_snapshot, state, previous)
            else:
                parsed = parse_snapshot(state, previous)
        except SnapshotError as exc:
            await self.send_error("INVALID_PROJECT_STATE", "projectState rejected; the previous mirror is kept",
                                  errors=exc.errors)  # fmt: skip
            return
        self._replace_mirror(parsed.project)
        self._snapshot_arrived.set()
        if parsed.clamped:
            await self.send_error(
                "VALUES_CLAMPED", "some values were clamped into range", errors=parsed.clamped
            )
