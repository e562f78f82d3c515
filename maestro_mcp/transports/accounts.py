"""Account routes: users, tokens, budget, models (http-api.md §4.4, §5) and conversations (§6).

Every route authenticates with ``account_http.authenticate`` (token, revocation, the per-principal rate
limit of §1.4) and answers errors in the ``{"detail": …}`` envelope. ``POST /conversations/{id}/messages``
is a stream and belongs to the SSE edge.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from maestro_mcp.accounts import dollars
from maestro_mcp.agent.llm_models import MODELS
from maestro_mcp.store.users import UserRecord
from maestro_mcp.transports.account_http import (
    Body,
    accounts_of,
    authenticate,
    bind,
    call,
    iso,
    parse_body,
    read_json_object,
    require_admin,
)
from maestro_mcp.transports.conversation_routes import conversation_routes
from maestro_mcp.transports.rest import ApiContext, ApiError


class RegisterBody(Body):
    user_id: str | None = None


class BudgetBody(Body):
    budget_cents: int = Field(ge=0)


def user_response(user: UserRecord) -> dict[str, Any]:
    return {
        "userId": user.user_id,
        "budgetRemaining": dollars(user.budget_cents),
        "budgetLimit": dollars(user.budget_limit_cents),
        "usageCount": user.usage_count,
        "createdAt": iso(user.created_at),
    }


def routes(api: ApiContext) -> list[BaseRoute]:
    """http-api.md §4.4, §5 and §6 (without the ``/messages`` stream). The ``me`` routes come before their
    ``{userId}`` twins, which would otherwise match them."""
    return [
        Route("/api/v1/users/register", bind(api, register), methods=["POST"]),
        Route("/api/v1/users/me", bind(api, me), methods=["GET"]),
        Route("/api/v1/users/me/tokens", bind(api, my_tokens), methods=["GET"]),
        Route("/api/v1/users/me/tokens/revoke-all", bind(api, revoke_my_tokens), methods=["POST"]),
        Route("/api/v1/users/{user_id}/budget", bind(api, set_budget), methods=["POST"]),
        Route("/api/v1/users/{user_id}/tokens/revoke-all", bind(api, revoke_user_tokens), methods=["POST"]),
        Route("/api/v1/validate-token", bind(api, validate_token), methods=["GET"]),
        Route("/api/v1/models", bind(api, models), methods=["GET"]),
        Route("/api/v1/maestro/budget/status", bind(api, budget_status), methods=["GET"]),
        *conversation_routes(api),
    ]


# -- users and budget --------------------------------------------------------------------------------


async def register(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    body = parse_body(RegisterBody, await read_json_object(request, empty_ok=True))
    if body.user_id is not None and body.user_id != caller.principal:
        raise ApiError(403, "FORBIDDEN", "Forbidden", "userId must equal the access code's user.")
    return JSONResponse(user_response(await _user(api, caller.principal)))


async def me(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    return JSONResponse(user_response(await _user(api, caller.principal)))


async def set_budget(api: ApiContext, request: Request) -> Response:
    require_admin(await authenticate(api, request))
    body = parse_body(BudgetBody, await read_json_object(request))
    user_id = request.path_params["user_id"]
    user = await accounts_of(api).users.set_budget(user_id, body.budget_cents)
    if user is None:
        raise _user_not_found(user_id)
    return JSONResponse(user_response(user))


async def budget_status(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    status = await call(accounts_of(api).budget(caller.principal))
    return JSONResponse(
        {
            "remaining": dollars(status.remaining_cents),
            "total": dollars(status.limit_cents),
            "state": status.state,
            "sessionsUsed": status.sessions_used,
        }
    )


async def _user(api: ApiContext, principal: str) -> UserRecord:
    return await call(accounts_of(api).user(principal))


def _user_not_found(user_id: str) -> ApiError:
    return ApiError(404, "USER_NOT_FOUND", "User not found", f"User '{user_id}' not found.")


# -- tokens --------------------------------------------------------------------------------------------


async def my_tokens(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    tokens = await accounts_of(api).users.list_tokens(caller.principal)
    body = [
        {
            "id": t.id,
            "expiresAt": iso(t.expires_at),
            "revoked": t.revoked,
            "createdAt": iso(t.issued_at),
            "lastUsedAt": iso(t.last_used_at),
        }
        for t in tokens
    ]
    return JSONResponse({"tokens": body, "count": len(body)})


def _revoked(count: int) -> Response:
    noun = "access code" if count == 1 else "access codes"
    return JSONResponse({"success": True, "message": f"Revoked {count} {noun}.", "revokedCount": count})


async def revoke_my_tokens(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    count = await accounts_of(api).revoke_all(caller.principal, create_user=True)
    return _revoked(count or 0)


async def revoke_user_tokens(api: ApiContext, request: Request) -> Response:
    require_admin(await authenticate(api, request))
    user_id = request.path_params["user_id"]
    count = await accounts_of(api).revoke_all(user_id)
    if count is None:
        raise _user_not_found(user_id)
    return _revoked(count)


async def validate_token(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    user = await _user(api, caller.principal)
    expires = caller.claims.expires_at if caller.claims else None
    left = None if expires is None else max(0, int((expires - datetime.now(UTC)).total_seconds()))
    return JSONResponse(
        {
            "valid": True,
            "sub": caller.principal,
            "role": caller.claims.role if caller.claims else None,
            "expiresAt": iso(expires),
            "expiresInSeconds": left,
            "budgetRemaining": dollars(user.budget_cents),
            "budgetLimit": dollars(user.budget_limit_cents),
        }
    )


async def models(api: ApiContext, request: Request) -> Response:
    await authenticate(api, request)
    return JSONResponse(
        {
            "models": [m.model_dump(by_alias=True) for m in MODELS],
            "defaultModel": api.services.settings.llm_model,
            "llmConfigured": api.services.llm_configured,
        }
    )
