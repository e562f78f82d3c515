"""The headless DAW client (``maestro-mcp daw``): a DAW without a screen, for headless sessions, render boxes
and tests. It connects to a server's DAW bridge, runs every forwarded tool call on its own project with the
headless DAW, pushes its ``projectState``, reconnects with backoff, and writes ``.mid`` files.

Ordering matters on the wire: a call is applied and answered under the same lock a snapshot is taken and
sent under, so a snapshot that contains a call never reaches the server before that call's answer (the
server would apply the call to its mirror twice).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from maestro_mcp.errors import ToolError

from .export import project_to_midi
from .headless import apply
from .model import Project

logger = logging.getLogger(__name__)

PROJECT_FILE = "daw-project.json"
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
CLOSE_INVALID_TOKEN = 4001
EXIT_OK = 0
EXIT_AUTH = 3


class AuthenticationFailed(Exception):
    """The server refused the token (close 4001, or the handshake refused): retrying will not help."""


@dataclass(frozen=True)
class ClientOptions:
    url: str
    token: str | None = None
    data_dir: Path | None = None  # keeps the project across restarts
    export_dir: Path | None = None  # <project-name>.mid after every settled change and on SIGUSR1
    push_delay: float = 0.1  # snapshots wait this long for more calls, so a burst costs one push
    initial_backoff: float = 0.5
    max_backoff: float = 30.0


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "project"


class HeadlessDawClient:
    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self.project = self._load() or Project.new()
        self.calls_handled = 0
        self._lock = anyio.Lock()
        self._changed = anyio.Event()

    # -- the project on disk --------------------------------------------------------------------------

    def _project_path(self) -> Path | None:
        return self.options.data_dir / PROJECT_FILE if self.options.data_dir else None

    def _load(self) -> Project | None:
        path = self._project_path()
        if path is None or not path.exists():
            return None
        project = Project.model_validate_json(path.read_text(encoding="utf-8"))
        logger.info("loaded project %s (%s) from %s", project.id, project.name, path)
        return project

    def _save(self, doc: str) -> None:
        path = self._project_path()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".project-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(doc)
        os.replace(tmp, path)

    def export_midi(self) -> Path | None:
        """Write ``<export-dir>/<project-name>.mid``; the path, or None without an export dir."""
        if self.options.export_dir is None:
            return None
        self.options.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.options.export_dir / f"{_slug(self.project.name)}.mid"
        tmp = path.with_suffix(".mid.tmp")
        tmp.write_bytes(project_to_midi(self.project))
        os.replace(tmp, path)
        return path

    # -- running calls -----------------------------------------------------------------------------------

    def execute(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """One forwarded call on the project: the ``result`` object of its ``toolResponse``."""
        if not isinstance(arguments, dict):
            return {"success": False, "error": "arguments must be an object"}
        # On a copy, so a call failing half-way leaves the project as it was.
        work = self.project.model_copy(deep=True)
        warnings: list[str] = []
        try:
            fields = apply(work, tool, arguments, warnings=warnings)
        except ToolError as exc:
            return {"success": False, "error": str(exc), "errors": [e.to_wire() for e in exc.errors]}
        except Exception as exc:  # a bug here must not take the DAW down: report it and carry on
            logger.exception("tool %s failed", tool)
            return {"success": False, "error": f"internal error: {exc}"}
        self.project = work
        return {"success": True, **fields, "warnings": warnings}

    # -- the connection ------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, serve, reconnect with exponential backoff (and jitter) until cancelled."""
        backoff = self.options.initial_backoff
        while True:
            try:
                await self._connect_once()
                backoff = self.options.initial_backoff  # a session happened: start over gently
            except AuthenticationFailed:
                raise
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
                logger.warning("DAW bridge connection lost or refused: %s", exc)
            delay = backoff * random.uniform(0.8, 1.2)
            logger.info("reconnecting in %.1f s", delay)
            await anyio.sleep(delay)
            backoff = min(backoff * 2, self.options.max_backoff)

    async def _connect_once(self) -> None:
        headers = {"Authorization": f"Bearer {self.options.token}"} if self.options.token else {}
        try:
            ws = await connect(self.options.url, additional_headers=headers, max_size=MAX_MESSAGE_BYTES)
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 403):
                raise AuthenticationFailed(f"handshake refused with HTTP {exc.response.status_code}") from exc
            raise
        async with ws:
            try:
                await self._session(ws)
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == CLOSE_INVALID_TOKEN:
                    raise AuthenticationFailed(exc.rcvd.reason or "invalid token") from exc
                raise

    async def _session(self, ws: ClientConnection) -> None:
        # The close is caught inside the task group and raised after it, so it leaves as itself rather
        # than wrapped in an exception group.
        closed: ConnectionClosed | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._pusher, ws)
            try:
                async for raw in ws:
                    await self._handle(ws, raw)
            except ConnectionClosed as exc:
                closed = exc
            tg.cancel_scope.cancel()
        if closed is not None:
            raise closed
        if ws.close_code == CLOSE_INVALID_TOKEN:
            raise AuthenticationFailed(ws.close_reason or "invalid token")

    async def _handle(self, ws: ClientConnection, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            logger.warning("ignoring a frame that is not JSON")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "toolCall":
            async with self._lock:
                result = self.execute(str(message.get("tool")), message.get("arguments") or {})
                body = {"type": "toolResponse", "requestId": message.get("requestId"), "result": result}
                await ws.send(json.dumps(body, separators=(",", ":")))
            self.calls_handled += 1
            self._changed.set()
        elif kind in ("connected", "requestProjectState"):
            if kind == "connected":
                logger.info("connected to %s as %s", self.options.url, message.get("connectionId"))
            await self._push(ws)
        elif kind == "status":
            logger.info("this DAW is now %s", "active" if message.get("active") else "standby")
        elif kind == "error":
            logger.warning("server says %s: %s %s", message.get("code"), message.get("message"),
                           message.get("errors") or "")  # fmt: skip

    async def _push(self, ws: ClientConnection) -> None:
        async with self._lock:
            state = self.project.to_snapshot(include_notes=True, include_automation=True)
            await ws.send(json.dumps({"type": "projectState", "state": state}, separators=(",", ":")))

    async def _pusher(self, ws: ClientConnection) -> None:
        """After a burst of calls settles: push the state, save the project, rewrite the export."""
        while True:
            await self._changed.wait()
            await anyio.sleep(self.options.push_delay)
            self._changed = anyio.Event()
            try:
                await self._push(ws)
            except ConnectionClosed:
                return  # the receive loop sees the close and decides what comes next
            await self.persist()

    async def persist(self) -> None:
        """Save the project (``--data-dir``) and rewrite the export (``--export-dir``)."""
        doc = self.project.model_dump_json()
        await anyio.to_thread.run_sync(self._save, doc)
        await anyio.to_thread.run_sync(self.export_midi)


async def _watch_signals(client: HeadlessDawClient, scope: anyio.CancelScope) -> None:
    """SIGUSR1 exports the project now; SIGTERM and SIGINT stop the client cleanly."""
    wanted = [s for s in ("SIGUSR1", "SIGTERM", "SIGINT") if hasattr(signal, s)]
    with anyio.open_signal_receiver(*(getattr(signal, s) for s in wanted)) as signals:
        async for signum in signals:
            if signum == getattr(signal, "SIGUSR1", None):
                path = await anyio.to_thread.run_sync(client.export_midi)
                logger.info("exported %s", path or "nothing (no --export-dir)")
            else:
                logger.info("stopping on signal %d", signum)
                scope.cancel()
                return


async def run_client(options: ClientOptions, *, handle_signals: bool = True) -> int:
    """``maestro-mcp daw``: serve until stopped; the exit code."""
    client = HeadlessDawClient(options)
    failed: AuthenticationFailed | None = None
    try:
        async with anyio.create_task_group() as tg:
            if handle_signals:
                tg.start_soon(_watch_signals, client, tg.cancel_scope)
            try:
                await client.run()
            except AuthenticationFailed as exc:
                failed = exc
            tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True), contextlib.suppress(OSError):
            await client.persist()
    if failed is not None:
        print(f"maestro-mcp daw: the server refused the token ({failed})", file=sys.stderr)
        return EXIT_AUTH
    return EXIT_OK
