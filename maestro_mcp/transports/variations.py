"""The variation routes (http-api.md §8, variations.md §6): propose, stream, get, commit, discard.

This edge only maps HTTP onto ``VariationService``: it authenticates, reads and checks the body (400
``INVALID_JSON``, 422 ``VALIDATION_ERROR`` with ``errors``), turns ``VariationError`` into the
``{"detail": …}`` envelope (http-api.md §1.3) and frames the variation stream as SSE (sse.md §3).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from maestro_mcp.accounts import AccountsUnavailableError, TokenRevokedError
from maestro_mcp.agent.variation import Scope, VariationError, VariationService
from maestro_mcp.auth import InvalidTokenError
from maestro_mcp.transports.rest import ApiContext, ApiError, validation_error

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_INTENT_CHARS = 32_768
MAX_REQUEST_ID_CHARS = 128
HEARTBEAT_SECONDS = 8.0  # sse.md §3: a comment after this long without a frame
SSE_HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"}
_DECIMAL = re.compile(r"^\s*\d+\s*$")


def routes(api: ApiContext, variations: VariationService | None = None) -> list[BaseRoute]:
    """Every ``/api/v1/variation/*`` route. ``variations`` defaults to ``api.services.variations``."""

    def service() -> VariationService:
        found = variations or getattr(api.services, "variations", None)
        if not isinstance(found, VariationService):
            raise ApiError(503, "SERVICE_UNAVAILABLE", "Service unavailable", "Variations are not available.")
        return found

    async def propose(request: Request) -> Response:
        principal = await api.principal(request)
        body = _Body(await _json_object(request))
        project_id = body.text("projectId", required=True)
        base = body.state_id("baseStateId")
        intent = body.text("intent", required=True, max_chars=MAX_INTENT_CHARS)
        scope = body.scope("scope")
        bar_size = body.options("options")
        request_id = body.text("requestId", max_chars=MAX_REQUEST_ID_CHARS)
        seed = body.integer("seed", 0, 2_147_483_647)
        model = body.text("model")
        quality = body.text("qualityPreset")
        body.finish()
        assert project_id is not None and base is not None and intent is not None
        result = await _call(
            service().propose(
                principal, project_id=project_id, base_state_id=base, intent=intent, scope=scope, bar_size=bar_size,
                seed=seed, model=model, quality_preset=quality, request_id=request_id,
            )
        )  # fmt: skip
        return JSONResponse(result)

    async def stream(request: Request) -> Response:
        principal = await _stream_principal(api, request)
        query = request.query_params
        variation_id = query.get("variation_id") or query.get("variationId")
        raw_from = query.get("from_sequence") or query.get("fromSequence") or "0"
        errors: list[dict[str, Any]] = []
        if not variation_id:
            errors.append({"code": "MISSING_REQUIRED", "field": "variation_id", "message": "is required"})
        if not _DECIMAL.match(raw_from):
            errors.append(
                {"code": "TYPE_MISMATCH", "field": "from_sequence", "message": f"must be an integer >= 0 (got '{raw_from}')"}
            )
        if errors:
            raise validation_error(errors)
        assert variation_id is not None
        events = await _call(service().stream(principal, variation_id, int(raw_from)))
        return StreamingResponse(_sse(events), media_type="text/event-stream; charset=utf-8", headers=SSE_HEADERS)

    async def get(request: Request) -> Response:
        principal = await api.principal(request)
        variation = await _call(service().get(principal, request.path_params["variation_id"]))
        return JSONResponse(variation.rest())

    async def commit(request: Request) -> Response:
        principal = await api.principal(request)
        body = _Body(await _json_object(request))
        project_id = body.text("projectId", required=True)
        base = body.state_id("baseStateId")
        variation_id = body.text("variationId", required=True)
        accepted = body.strings("acceptedPhraseIds", required=True)
        request_id = body.text("requestId", max_chars=MAX_REQUEST_ID_CHARS)
        force = body.boolean("force")
        body.finish()
        assert project_id is not None and base is not None and variation_id is not None and accepted is not None
        result = await _call(
            service().commit(
                principal, project_id=project_id, variation_id=variation_id, base_state_id=base,
                accepted_phrase_ids=accepted, force=force, request_id=request_id,
            )
        )  # fmt: skip
        return JSONResponse(result)

    async def discard(request: Request) -> Response:
        principal = await api.principal(request)
        body = _Body(await _json_object(request))
        project_id = body.text("projectId", required=True)
        variation_id = body.text("variationId", required=True)
        body.text("requestId", max_chars=MAX_REQUEST_ID_CHARS)
        body.finish()
        assert variation_id is not None
        await _call(service().discard(principal, variation_id, project_id))
        return JSONResponse({"ok": True})

    return [
        Route("/api/v1/variation/propose", propose, methods=["POST"]),
        Route("/api/v1/variation/stream", stream, methods=["GET"]),
        Route("/api/v1/variation/commit", commit, methods=["POST"]),
        Route("/api/v1/variation/discard", discard, methods=["POST"]),
        Route("/api/v1/variation/{variation_id}", get, methods=["GET"]),
    ]


async def _call(awaitable: Any) -> Any:
    """Await a service call, mapping its refusals to the error envelope."""
    try:
        return await awaitable
    except VariationError as exc:
        raise ApiError(exc.status, exc.code, exc.error, exc.message, **exc.extra) from None


async def _stream_principal(api: ApiContext, request: Request) -> str:
    """The bearer token, or ``?token=`` for EventSource clients that cannot send headers (extension)."""
    token = request.query_params.get("token")
    if not api.auth or request.headers.get("authorization") or not token:
        return await api.principal(request)
    unauthorized = {"WWW-Authenticate": "Bearer"}
    try:
        return (await api.services.accounts.authenticate(token.strip())).sub
    except InvalidTokenError:
        raise ApiError(401, "UNAUTHORIZED", "Unauthorized", "Invalid or expired access code.", headers=unauthorized) from None
    except TokenRevokedError:
        raise ApiError(401, "UNAUTHORIZED", "Unauthorized", "Access code has been revoked.", headers=unauthorized) from None
    except AccountsUnavailableError:
        raise ApiError(503, "SERVICE_UNAVAILABLE", "Service unavailable", "Service temporarily unavailable.") from None


def _frame(event: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(event, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


async def _sse(events: AsyncIterator[dict[str, Any] | None]) -> AsyncIterator[bytes]:
    last_frame = anyio.current_time()
    async for event in events:
        if event is not None:
            last_frame = anyio.current_time()
            yield _frame(event)
        elif anyio.current_time() - last_frame >= HEARTBEAT_SECONDS:
            last_frame = anyio.current_time()
            yield b": heartbeat\n\n"


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", "Payload too large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_JSON", "Invalid JSON", "The request body must be a JSON object.")
    return body


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class _Body:
    """Reads the fields of one request body, collecting every rule it breaks (http-api.md §1.2–1.3:
    camelCase or snake_case keys, unknown keys ignored)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.errors: list[dict[str, Any]] = []

    def _get(self, name: str) -> Any:
        return self.raw[name] if name in self.raw else self.raw.get(_snake(name))

    def _error(self, code: str, name: str, message: str) -> None:
        self.errors.append({"code": code, "field": name, "message": message})

    def finish(self) -> None:
        if self.errors:
            raise validation_error(self.errors)

    def text(self, name: str, *, required: bool = False, max_chars: int | None = None) -> str | None:
        value = self._get(name)
        if value is None:
            if required:
                self._error("MISSING_REQUIRED", name, "is required")
            return None
        if not isinstance(value, str):
            self._error("TYPE_MISMATCH", name, f"must be a string (got {type(value).__name__})")
            return None
        if not value.strip():
            self._error("INVALID_VALUE", name, "must not be empty")
            return None
        if max_chars is not None and len(value) > max_chars:
            self._error("VALUE_OUT_OF_RANGE", name, f"must be at most {max_chars} characters (got {len(value)})")
            return None
        return value

    def state_id(self, name: str) -> int | None:
        """A state id: a decimal string or a JSON integer (variations.md §5)."""
        value = self._get(name)
        if value is None:
            self._error("MISSING_REQUIRED", name, "is required")
        elif isinstance(value, bool) or not isinstance(value, (int, str, float)):
            self._error("TYPE_MISMATCH", name, "must be a decimal string or an integer")
        elif isinstance(value, str) and _DECIMAL.match(value):
            return int(value)
        elif isinstance(value, int) and value >= 0:
            return value
        elif isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
        else:
            self._error("INVALID_VALUE", name, f"must be a state id such as \"42\" (got {value!r})")
        return None

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, str) and _DECIMAL.match(value):
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self._error("TYPE_MISMATCH", name, "must be an integer")
            return None
        if not low <= value <= high:
            self._error("VALUE_OUT_OF_RANGE", name, f"must be between {low} and {high} (got {value})")
            return None
        return int(value)

    def boolean(self, name: str) -> bool:
        value = self._get(name)
        if value is None:
            return False
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            self._error("TYPE_MISMATCH", name, "must be a boolean")
            return False
        return value

    def strings(self, name: str, *, required: bool = False, field: str | None = None) -> list[str] | None:
        value = self._get(name)
        field = field or name
        if value is None:
            if required:
                self._error("MISSING_REQUIRED", field, "is required")
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._error("TYPE_MISMATCH", field, "must be an array of strings")
            return None
        return list(value)

    def scope(self, name: str) -> Scope | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._error("TYPE_MISMATCH", name, "must be an object")
            return None
        inner = _Body(value)
        tracks = inner.strings("trackIds", field=f"{name}.trackIds") or []
        regions = inner.strings("regionIds", field=f"{name}.regionIds") or []
        raw_range = inner._get("beatRange")
        beat_range: tuple[float, float] | None = None
        if raw_range is not None:
            ok = (
                isinstance(raw_range, list) and len(raw_range) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw_range)
            )  # fmt: skip
            if not ok:
                inner._error("TYPE_MISMATCH", f"{name}.beatRange", "must be [start, end] in beats")
            elif not 0 <= raw_range[0] < raw_range[1]:
                inner._error("INVALID_VALUE", f"{name}.beatRange", "must satisfy 0 <= start < end")
            else:
                beat_range = (float(raw_range[0]), float(raw_range[1]))
        self.errors += inner.errors
        return Scope(track_ids=tuple(tracks), region_ids=tuple(regions), beat_range=beat_range)

    def options(self, name: str) -> int:
        """``options``: ``phraseGrouping`` ("bars" only), ``barSize`` 1–16, ``stream``; returns the bar size."""
        value = self._get(name)
        if value is None:
            return 4
        if not isinstance(value, dict):
            self._error("TYPE_MISMATCH", name, "must be an object")
            return 4
        inner = _Body(value)
        grouping = inner._get("phraseGrouping")
        if grouping is not None and (not isinstance(grouping, str) or grouping.lower() != "bars"):
            inner._error("INVALID_ENUM", f"{name}.phraseGrouping", f"must be one of bars (got {grouping!r})")
        bar_size = inner.integer("barSize", 1, 16)
        inner.boolean("stream")
        for item in inner.errors:
            if not item["field"].startswith(f"{name}."):
                item["field"] = f"{name}.{item['field']}"
        self.errors += inner.errors
        return bar_size or 4
