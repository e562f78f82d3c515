"""The DAW route of tools.md §2.5: the connected DAWs of every principal (``DawHub``) and forwarding a DAW
tool call to the active one (``execute_remote``).

A principal has at most one active DAW: the newest connection; older ones stay open as standby and get
no calls (daw-websocket.md §2). Calls are looked up by principal only, and a ``toolResponse`` can only
complete a call pending on its own connection, so one principal's traffic never reaches another's DAW.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import anyio

from maestro_mcp.config import Settings
from maestro_mcp.errors import ErrorCode, ToolError

from .arguments import effective_arguments
from .headless import READ_ONLY_TOOLS
from .model import Project
from .ops.project import read_project
from .project_state import SnapshotError, parse_snapshot
from .remote_connection import (
    DISCONNECTED_MESSAGE,
    EXECUTED_BY_DAW,
    CallOutcome,
    DawConnection,
    MirrorVersion,
    PendingCall,
    SendText,
)
from .resolve import REFERENCES, UUID_RE, resolve_entities

logger = logging.getLogger(__name__)

__all__ = [
    "NO_DAW_MESSAGE",
    "CallOutcome",
    "DawConnection",
    "DawHub",
    "execute_remote",
    "read_remote_project",
]

NO_DAW_MESSAGE = "No DAW connected. Please open Stori and connect."
# How long a call that must resolve a name waits for a first projectState (sse.md §2.3 waits as long).
SNAPSHOT_WAIT_SECONDS = 2.0
DAW_SNAPSHOT_SOURCE = "dawSnapshot"
DAW_SOURCE = "daw"


@dataclass
class _PrincipalDaws:
    connections: list[DawConnection] = field(default_factory=list)  # oldest first; the last is active
    version: MirrorVersion = field(default_factory=MirrorVersion)


class DawHub:
    """Every connected DAW, by principal. Lives as long as the server (one per ``Services``)."""

    def __init__(self) -> None:
        self._principals: dict[str, _PrincipalDaws] = {}

    # -- what the rest of the server asks ---------------------------------------------------------------

    def active(self, principal: str) -> DawConnection | None:
        daws = self._principals.get(principal)
        return daws.connections[-1] if daws and daws.connections else None

    def is_connected(self, principal: str) -> bool:
        return self.active(principal) is not None

    def mirror(self, principal: str) -> Project | None:
        """A copy of the active DAW's mirror, or None (no DAW, or no ``projectState`` yet)."""
        state = self.mirror_state(principal)
        return state[0] if state else None

    def mirror_state(self, principal: str) -> tuple[Project, int] | None:
        """A copy of the active DAW's mirror and its state version, or None."""
        conn = self.active(principal)
        if conn is None or conn.mirror is None:
            return None
        return conn.mirror.model_copy(deep=True), conn.version.value

    def connection_count(self) -> int:
        return sum(len(d.connections) for d in self._principals.values())

    # -- the WebSocket edge ----------------------------------------------------------------------------

    def new_connection(self, principal: str, send_text: SendText) -> DawConnection:
        """A connection for ``principal`` sharing its mirror version; ``attach`` makes it active."""
        daws = self._principals.setdefault(principal, _PrincipalDaws())
        return DawConnection(principal, send_text, daws.version)

    async def attach(self, conn: DawConnection) -> None:
        """``conn`` (which has been sent its ``connected`` message) becomes the principal's active DAW."""
        daws = self._principals.setdefault(conn.principal, _PrincipalDaws())
        previous = daws.connections[-1] if daws.connections else None
        daws.connections.append(conn)
        conn.active = True
        if previous is not None:
            previous.active = False
            logger.info("DAW %s of %s replaced by %s (now standby)", previous.id, conn.principal, conn.id)
            await previous.send_quietly({"type": "status", "active": False})

    async def detach(self, conn: DawConnection) -> None:
        """The socket closed: fail its pending calls, promote the newest standby if it was active."""
        was_active = conn.active
        conn.close()
        daws = self._principals.get(conn.principal)
        if daws is None or conn not in daws.connections:
            return
        daws.connections.remove(conn)
        if not daws.connections:
            # The version stays (it only grows), the mirror goes with the DAW.
            return
        if was_active:
            successor = daws.connections[-1]
            successor.active = True
            daws.version.value += 1  # another DAW, another project state as far as anyone can tell
            logger.info("DAW %s of %s is active again", successor.id, conn.principal)
            await successor.send_quietly({"type": "status", "active": True})
            await successor.request_state()

    async def call(
        self,
        conn: DawConnection,
        tool: str,
        arguments: dict[str, Any],
        *,
        timeout: float,
        mirror_tool: str | None = None,
        mirror_args: dict[str, Any] | None = None,
    ) -> CallOutcome:
        """Send one ``toolCall`` and wait for its answer; raises ``ToolError`` (DAW_TIMEOUT,
        DAW_UNAVAILABLE, DAW_ERROR). The pending entry is gone when this returns, whatever happened."""
        request_id = str(uuid.uuid4())
        pending = PendingCall(tool, mirror_tool, mirror_args)
        conn.pending[request_id] = pending
        try:
            # Checked after registering (no await in between), so a disconnect cannot slip past both.
            if not conn.open:
                raise ToolError.one(ErrorCode.DAW_UNAVAILABLE, "", DISCONNECTED_MESSAGE, EXECUTED_BY_DAW)
            with anyio.fail_after(timeout):
                message = {"type": "toolCall", "requestId": request_id, "tool": tool, "arguments": arguments}
                try:
                    await conn.send(message)
                except Exception as exc:
                    logger.info("DAW %s: sending %s failed: %s", conn.id, tool, exc)
                    raise ToolError.one(
                        ErrorCode.DAW_UNAVAILABLE, "", DISCONNECTED_MESSAGE, EXECUTED_BY_DAW
                    ) from None
                await pending.done.wait()
        except TimeoutError:
            await conn.request_state()
            raise ToolError.one(
                ErrorCode.DAW_TIMEOUT, "",
                f"DAW did not respond within {timeout:g} s; the change may or may not have been applied. "
                "Call stori_read_project to check.",
                EXECUTED_BY_DAW,
            ) from None  # fmt: skip
        except anyio.get_cancelled_exc_class():
            # The caller gave up; the DAW may still apply the call, so ask it for the truth.
            if conn.open:
                await conn.request_state()
            raise
        finally:
            conn.pending.pop(request_id, None)
        outcome = pending.outcome
        if isinstance(outcome, ToolError):
            raise outcome
        assert outcome is not None
        return outcome


# -- the route -----------------------------------------------------------------------------------------


async def execute_remote(
    hub: DawHub,
    principal: str,
    settings: Settings,
    tool: str,
    params: dict[str, Any],
    warnings: list[str] | None = None,
) -> tuple[dict[str, Any], str]:
    """Run one DAW tool on ``principal``'s active DAW: resolve against the mirror, complete the arguments,
    forward, and return the tool's result fields with ``stateVersion`` and ``dawResult``, and ``"daw"``.

    ``tool`` is the name called (aliases included): an alias is forwarded as its canonical tool(s)
    (tools.md §2.8) and applied to the mirror as one call.
    """
    conn = hub.active(principal)
    if conn is None:
        raise ToolError.one(ErrorCode.DAW_UNAVAILABLE, "", NO_DAW_MESSAGE)
    timeout = settings.daw_timeout_seconds
    if tool in READ_ONLY_TOOLS:
        return await _read(hub, conn, params, timeout)
    if conn.mirror is None and _names_to_resolve(tool, params):
        await conn.wait_for_snapshot(min(SNAPSHOT_WAIT_SECONDS, timeout))
    basis = conn.mirror if conn.mirror is not None else Project.new()
    # Stage 5 against the mirror; a UUID it does not know goes through (the DAW is the authority).
    resolved = resolve_entities(basis, tool, params, pass_unknown_ids=True)
    arguments = effective_arguments(basis, tool, resolved)
    first: CallOutcome | None = None
    for index, (wire_tool, wire_args) in enumerate(forwarded_calls(tool, arguments)):
        outcome = await hub.call(
            conn, wire_tool, wire_args, timeout=timeout,
            mirror_tool=tool if index == 0 else None, mirror_args=arguments if index == 0 else None,
        )  # fmt: skip
        first = first or outcome
    assert first is not None
    if warnings is not None:
        warnings.extend(first.warnings)
    fields = first.fields if first.fields is not None else _fields_without_mirror(arguments, first.result)
    return {**fields, "stateVersion": first.state_version, "dawResult": first.result}, EXECUTED_BY_DAW


def forwarded_calls(tool: str, arguments: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The canonical calls the DAW receives for one call of ``tool`` (tools.md §2.8)."""
    if tool == "stori_add_track":
        add = {k: v for k, v in arguments.items() if k not in ("volume", "pan")}
        calls = [("stori_add_midi_track", add)]
        if arguments.get("volume") is not None:
            calls.append(
                ("stori_set_track_volume", {"trackId": add["trackId"], "volumeDb": arguments["volume"]})
            )
        if arguments.get("pan") is not None:
            calls.append(("stori_set_track_pan", {"trackId": add["trackId"], "pan": arguments["pan"]}))
        return calls
    if tool == "stori_add_region":
        return [("stori_add_midi_region", arguments)]
    if tool == "stori_set_key_signature":
        key = arguments.get("key", arguments.get("keySignature"))
        return [
            ("stori_set_key", {**{k: v for k, v in arguments.items() if k != "keySignature"}, "key": key})
        ]
    return [(tool, arguments)]


def _names_to_resolve(tool: str, params: dict[str, Any]) -> bool:
    """Whether a reference parameter carries a name (which only a mirror can resolve) rather than a UUID."""
    for ref in REFERENCES.get(tool, ()):
        for name in (ref.param, ref.alias):
            value = params.get(name) if name else None
            if isinstance(value, str) and not UUID_RE.match(value.strip()):
                return True
    return False


def _fields_without_mirror(arguments: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Result fields when the mirror could not compute them: what the server sent, then what the DAW said."""
    fields = dict(arguments)
    fields.update({k: v for k, v in result.items() if k != "success" and v is not None})
    return fields


async def _read(
    hub: DawHub, conn: DawConnection, params: dict[str, Any], timeout: float
) -> tuple[dict[str, Any], str]:
    if conn.mirror is not None:
        fields = read_project(conn.mirror, params, [])
        fields["source"] = DAW_SNAPSHOT_SOURCE
        return {**fields, "stateVersion": conn.version.value, "dawResult": None}, EXECUTED_BY_DAW
    outcome = await hub.call(conn, "stori_read_project", params, timeout=timeout)
    try:
        project = parse_snapshot(outcome.result.get("project")).project
    except SnapshotError as exc:
        error = ToolError.one(
            ErrorCode.DAW_ERROR, "", f"the DAW returned no valid project object ({exc})", EXECUTED_BY_DAW
        )
        error.daw_result = outcome.result
        raise error from None
    fields = read_project(project, params, [])
    fields["source"] = DAW_SOURCE
    return {**fields, "stateVersion": conn.version.value, "dawResult": outcome.result}, EXECUTED_BY_DAW


async def read_remote_project(
    hub: DawHub,
    principal: str,
    settings: Settings,
    *,
    include_notes: bool = True,
    include_automation: bool = True,
) -> tuple[dict[str, Any], str, int] | None:
    """For ``/projects/current`` and ``stori://project/current`` (tools.md §4.1): the Project object, its
    source (``dawSnapshot`` or ``daw``) and state version when a DAW is active and the mode allows it;
    None when the headless project answers. May raise ``ToolError`` (a forwarded read that failed)."""
    if settings.daw_mode == "headless" or not hub.is_connected(principal):
        return None
    params = {"include_notes": include_notes, "include_automation": include_automation}
    fields, _ = await execute_remote(hub, principal, settings, "stori_read_project", params)
    return fields["project"], fields["source"], fields["stateVersion"]
