"""A fake OpenAI-compatible Chat Completions server on loopback, scripted per test.

It speaks just enough HTTP/1.1 over a real anyio TCP listener (127.0.0.1, random port) for the openai SDK
and httpx: ``POST /v1/chat/completions`` answers with a scripted ``Reply`` streamed as SSE chunks (reasoning,
content, tool calls with split argument deltas and -- like some real servers -- the id and name repeated in
every delta, usage last), or with a scripted fault. Every request body is recorded in ``requests``.

    async with FakeOpenAI([Reply(content="hi")]) as fake:
        client = LlmClient(api_key="test", base_url=fake.base_url, default_model="fake/model")

For synchronous callers (a benchmark, a test driving a server subprocess) ``run_in_thread`` runs the same
server on its own event loop in a background thread.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import anyio.abc
import anyio.from_thread

from .fake_openai_script import FakeToolCall, Reply, reply_chunks

__all__ = ["FakeOpenAI", "FakeToolCall", "RecordedRequest", "Reply", "run_in_thread"]

Script = Sequence[Reply] | Callable[[dict[str, Any]], Reply]
_MAX_HEADER_BYTES = 64 * 1024


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)


class _BadRequest(Exception):
    pass


class FakeOpenAI(AbstractAsyncContextManager["FakeOpenAI"]):
    """``script``: the replies in request order (a request past the end gets HTTP 500, so a test notices
    an unexpected extra call), or a function from the request body to its reply. ``latency``: seconds
    before every answer's first byte (a reply's own ``delay`` wins)."""

    def __init__(self, script: Script, *, latency: float = 0.0, api_key: str | None = None) -> None:
        self._script = script
        self._latency = latency
        self._api_key = api_key
        self._next = 0
        self.requests: list[RecordedRequest] = []
        self.port = 0
        self._group: anyio.abc.TaskGroup | None = None
        self._listener: anyio.abc.Listener[anyio.abc.SocketStream] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat-completion requests received, in order."""
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    async def __aenter__(self) -> FakeOpenAI:
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
        self._listener = listener
        self.port = listener.extra(anyio.abc.SocketAttribute.local_port)
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        self._group.start_soon(listener.serve, self._handle)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._group is not None
        self._group.cancel_scope.cancel()  # stops the listener and every open connection, hangs included
        await self._group.__aexit__(None, None, None)
        self._group = None
        if self._listener is not None:  # cancelling ``serve`` does not close the socket by itself
            await self._listener.aclose()
            self._listener = None

    # -- one connection --------------------------------------------------------------------------------

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            try:
                request = await _read_request(stream)
            except (_BadRequest, anyio.EndOfStream, anyio.BrokenResourceError):
                return
            self.requests.append(request)
            # The client may go away at any point (e.g. it timed out): nothing is left to do then.
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
                await self._answer(stream, request)

    async def _answer(self, stream: anyio.abc.SocketStream, request: RecordedRequest) -> None:
        if self._api_key is not None and request.headers.get("authorization") != f"Bearer {self._api_key}":
            await _send_json(stream, 401, {"error": {"message": "invalid api key", "type": "auth"}})
            return
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            await _send_json(stream, 404, {"error": {"message": f"no route {request.path}"}})
            return
        reply = self._reply_for(request.body)
        if reply is None:
            await _send_json(stream, 500, {"error": {"message": "fake script exhausted"}})
            return
        delay = reply.delay if reply.delay is not None else self._latency
        if delay > 0:
            await anyio.sleep(delay)
        if reply.fault == "hang":
            await _wait_for_close(stream)
            return
        if reply.fault == "http_error":
            await _send_json(
                stream, reply.status, {"error": {"message": reply.error_message, "code": reply.status}}
            )
            return
        await _send_head(stream, 200, "text/event-stream")
        for number, event in enumerate(reply_chunks(reply, request.body.get("model", "fake/model"))):
            if reply.fault == "hang_mid_stream" and number == reply.fault_after:
                await _wait_for_close(stream)
                return
            if reply.fault == "drop" and number == reply.fault_after:
                return  # close without a finish reason or [DONE]
            await stream.send(_sse(event))
            if reply.chunk_delay > 0:
                await anyio.sleep(reply.chunk_delay)
        await stream.send(b"data: [DONE]\n\n")

    def _reply_for(self, body: dict[str, Any]) -> Reply | None:
        if callable(self._script):
            return self._script(body)
        if self._next >= len(self._script):
            return None
        reply = self._script[self._next]
        self._next += 1
        return reply


def _sse(event: dict[str, Any] | str) -> bytes:
    data = event if isinstance(event, str) else json.dumps(event, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


async def _read_request(stream: anyio.abc.SocketStream) -> RecordedRequest:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        buffer += await stream.receive()
        if len(buffer) > _MAX_HEADER_BYTES:
            raise _BadRequest("headers too large")
    head, _, body = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, path, _version = lines[0].split(" ", 2)
    except ValueError as exc:
        raise _BadRequest(lines[0]) from exc
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    while len(body) < length:
        body += await stream.receive()
    parsed: dict[str, Any] = {}
    if body:
        try:
            loaded = json.loads(body[:length])
        except json.JSONDecodeError:
            loaded = None
        parsed = loaded if isinstance(loaded, dict) else {"_raw": body[:length].decode(errors="replace")}
    return RecordedRequest(method, path, headers, parsed)


async def _send_head(
    stream: anyio.abc.SocketStream, status: int, content_type: str, length: int | None = None
) -> None:
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}.get(status, "Error")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    else:
        lines.append("Cache-Control: no-cache")  # the body runs until the connection closes
    await stream.send(("\r\n".join(lines) + "\r\n\r\n").encode())


async def _send_json(stream: anyio.abc.SocketStream, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await _send_head(stream, status, "application/json", len(body))
    await stream.send(body)


async def _wait_for_close(stream: anyio.abc.SocketStream) -> None:
    """Say nothing until the client gives up (or the server stops): the "dead LLM"."""
    try:
        while True:
            await stream.receive()
    except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
        return


@contextmanager
def run_in_thread(
    script: Script, *, latency: float = 0.0, backend: Literal["asyncio", "trio"] = "asyncio"
) -> Iterator[FakeOpenAI]:
    """The fake on its own event loop in a background thread, for synchronous code. Requests are
    recorded on the returned object; read them after the calls you made have finished."""
    with (
        anyio.from_thread.start_blocking_portal(backend) as portal,
        portal.wrap_async_context_manager(FakeOpenAI(script, latency=latency)) as fake,
    ):
        yield fake
