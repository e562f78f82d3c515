"""What every account route shares: authentication with revocation and rate limit, the mapping of
accounts errors to HTTP (http-api.md §1.1, §1.3, §1.4; sse.md §2.2), and JSON body parsing.

The SSE edge uses ``authenticate`` (with its own rate bucket) and ``api_error`` for its pre-stream checks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import Response

from maestro_mcp.accounts import (
    Accounts,
    AccountsError,
    AccountsUnavailableError,
    BudgetExhaustedError,
    RateBucket,
    RateLimitedError,
    TokenRevokedError,
    TooManyConcurrentError,
    dollars,
)
from maestro_mcp.auth import InvalidTokenError, TokenClaims
from maestro_mcp.server import LOCAL_PRINCIPAL
from maestro_mcp.transports.rest import ApiContext, ApiError, validation_error

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

MAX_BODY_BYTES = 1024 * 1024  # account bodies are small; a projectContext is the largest
_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated request: its principal and token claims (None on a ``--no-auth`` server)."""

    principal: str
    claims: TokenClaims | None

    @property
    def is_admin(self) -> bool:
        # --no-auth is loopback only: whoever reaches it already controls the machine.
        return self.claims is None or self.claims.is_admin


def accounts_of(api: ApiContext) -> Accounts:
    return api.services.accounts


def api_error(exc: AccountsError) -> ApiError:
    """The HTTP form of an accounts error (http-api.md §1.1, §1.4; sse.md §2.2)."""
    if isinstance(exc, TokenRevokedError):
        return ApiError(
            401, "UNAUTHORIZED", "Unauthorized", "Access code has been revoked.", headers=_UNAUTHORIZED
        )
    if isinstance(exc, AccountsUnavailableError):
        return ApiError(503, "SERVICE_UNAVAILABLE", "Service unavailable", "Service temporarily unavailable.")
    if isinstance(exc, RateLimitedError):
        return ApiError(
            429,
            "RATE_LIMITED",
            "Too many requests",
            f"Rate limit exceeded: at most {exc.limit} requests per minute. Retry in {exc.retry_after_seconds} s.",
            headers={"Retry-After": str(exc.retry_after_seconds)},
            retryAfterSeconds=exc.retry_after_seconds,
        )
    if isinstance(exc, TooManyConcurrentError):
        return ApiError(
            429,
            "TOO_MANY_CONCURRENT",
            "Too many concurrent requests",
            f"At most {exc.limit} compositions may run at once.",
            limit=exc.limit,
        )
    if isinstance(exc, BudgetExhaustedError):
        return ApiError(
            402,
            "BUDGET_EXHAUSTED",
            "Insufficient budget",
            "Your budget is exhausted.",
            budgetRemaining=dollars(exc.remaining_cents),
        )
    return ApiError(500, "INTERNAL_ERROR", "Internal error", "Unexpected accounts error.")


async def authenticate(api: ApiContext, request: Request, bucket: RateBucket | None = "default") -> Caller:
    """The caller of ``request``, or the 401/503/429 ``ApiError``. ``bucket`` is the rate-limit bucket the
    request counts in (None: not counted here, e.g. when the edge counts it itself)."""
    accounts = accounts_of(api)
    if not api.auth:
        caller = Caller(LOCAL_PRINCIPAL, None)
    else:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401,
                "UNAUTHORIZED",
                "Unauthorized",
                "Access code required. Please provide a valid access code.",
                headers=_UNAUTHORIZED,
            )
        try:
            claims = await accounts.authenticate(token.strip())
        except InvalidTokenError:
            raise ApiError(
                401, "UNAUTHORIZED", "Unauthorized", "Invalid or expired access code.", headers=_UNAUTHORIZED
            ) from None
        except AccountsError as exc:
            raise api_error(exc) from None
        caller = Caller(claims.sub, claims)
    if bucket is not None:
        try:
            accounts.check_rate(caller.principal, bucket)
        except RateLimitedError as exc:
            raise api_error(exc) from None
    return caller


def require_admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise ApiError(403, "FORBIDDEN", "Forbidden", "This endpoint requires the admin role.")


async def read_json_object(request: Request, *, empty_ok: bool = False) -> dict[str, Any]:
    """The body as a JSON object: 413 beyond the size limit, 400 ``INVALID_JSON`` for anything else
    (an empty body is ``{}`` when every field is optional)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise _too_large()
    if not raw.strip() and empty_ok:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_JSON", "Invalid JSON", "The request body must be a JSON object.")
    return body


def _too_large() -> ApiError:
    return ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        "Payload too large",
        f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
    )


_PYDANTIC_CODES = {
    "missing": "MISSING_REQUIRED",
    "greater_than_equal": "VALUE_OUT_OF_RANGE",
    "greater_than": "VALUE_OUT_OF_RANGE",
    "less_than_equal": "VALUE_OUT_OF_RANGE",
    "less_than": "VALUE_OUT_OF_RANGE",
    "string_too_long": "VALUE_OUT_OF_RANGE",
    "string_too_short": "VALUE_OUT_OF_RANGE",
}


def parse_body(model: type[M], body: dict[str, Any]) -> M:
    """Validate ``body`` against ``model``; a failure is the 422 ``VALIDATION_ERROR`` of §1.3."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = []
        for item in exc.errors():
            kind = item["type"]
            code = _PYDANTIC_CODES.get(
                kind, "TYPE_MISMATCH" if kind.endswith(("_type", "_parsing")) else "INVALID_VALUE"
            )
            path = ""
            for part in item["loc"]:
                path += (
                    f"[{part}]"
                    if isinstance(part, int)
                    else (f".{to_camel(part)}" if path else to_camel(part))
                )
            errors.append({"code": code, "field": path, "message": item["msg"]})
        raise validation_error(errors) from None


class Body(BaseModel):
    """Request bodies: camelCase or snake_case keys, unknown keys ignored (http-api.md §1.2)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bind(api: ApiContext, handler: Callable[[ApiContext, Request], Awaitable[Response]]) -> Any:
    async def endpoint(request: Request) -> Response:
        return await handler(api, request)

    endpoint.__name__ = handler.__name__
    return endpoint


async def call(pending: Awaitable[T]) -> T:
    try:
        return await pending
    except AccountsError as exc:
        raise api_error(exc) from None
