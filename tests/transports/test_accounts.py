"""Account routes (http-api.md §4.4, §5, §6) over a real uvicorn server on 127.0.0.1 with a real SQLite
file: every endpoint with its 401/403/404/422 cases, revocation, budgets, the 429 and the fail-closed 503,
a restart, and the CORS configuration of the full app."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx
import pytest
import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette

from maestro_mcp.accounts import Accounts, BudgetExhaustedError, TooManyConcurrentError
from maestro_mcp.auth import create_token
from maestro_mcp.config import Settings
from maestro_mcp.server import build_server
from maestro_mcp.services import Services, memory_services
from maestro_mcp.store.conversations import ConversationStore
from maestro_mcp.store.db import Database
from maestro_mcp.store.users import UserStore
from maestro_mcp.transports.account_http import api_error
from maestro_mcp.transports.accounts import routes
from maestro_mcp.transports.http import build_app
from maestro_mcp.transports.rest import ApiContext, ApiError, api_error_handler

pytestmark = pytest.mark.anyio

TIMEOUT = 20
SECRET = "7" * 64
ALICE = create_token(SECRET, "alice")
BOB = create_token(SECRET, "bob")
ADMIN = create_token(SECRET, "root", role="admin")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # uvicorn runs on asyncio


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_services(tmp_path: Path, db: Database, rate_limits: Mapping[str, int] | None = None) -> Services:
    settings = Settings(data_dir=tmp_path, access_token_secret=SECRET)
    services = memory_services(settings)
    users = UserStore(db, settings.default_budget_cents)
    limits = dict(rate_limits) if rate_limits is not None else {"default": 1000}
    # TODO(lead): drop these two lines once Services carries `accounts` and `conversations`.
    services.accounts = Accounts(settings, users, rate_limits=limits, revocation_cache_seconds=0)
    services.conversations = ConversationStore(db)
    return services


@asynccontextmanager
async def uvicorn_serving(
    app: Any, lifespan: Literal["on", "off"] = "off"
) -> AsyncIterator[httpx.AsyncClient]:
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, anyio.fail_after(TIMEOUT):
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                while not server.started:
                    await anyio.sleep(0.01)
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                    yield client
            finally:
                server.should_exit = True


@asynccontextmanager
async def serving(
    tmp_path: Path, *, auth_on: bool = True, rate_limits: Mapping[str, int] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The account routes in a Starlette app over the SQLite file in ``tmp_path``."""
    db = Database(f"sqlite:///{tmp_path / 'maestro.db'}")
    db.create_all()
    try:
        services = make_services(tmp_path, db, rate_limits)
        api = ApiContext(services=services, server=build_server(services), auth=auth_on)
        app = Starlette(routes=routes(api), exception_handlers={ApiError: api_error_handler})
        app.state.db = db
        async with uvicorn_serving(app) as client:
            yield client
    finally:
        db.dispose()


def detail(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["detail"]
    return body


async def test_authentication_failures(tmp_path: Path) -> None:
    expired = create_token(SECRET, "alice", now=datetime.now(UTC) - timedelta(days=60))
    async with serving(tmp_path) as client:
        missing = await client.get("/api/v1/users/me")
        malformed = await client.get("/api/v1/users/me", headers={"Authorization": f"Token {ALICE}"})
        bad = await client.get("/api/v1/users/me", headers=auth(expired))
        other_secret = await client.get("/api/v1/models", headers=auth(create_token("1" * 64, "alice")))
    for response in (missing, malformed):
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert detail(response) == {
            "code": "UNAUTHORIZED", "error": "Unauthorized",
            "message": "Access code required. Please provide a valid access code.",
        }  # fmt: skip
    for response in (bad, other_secret):
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert detail(response)["message"] == "Invalid or expired access code."


async def test_register_me_and_validate(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        first = await client.post("/api/v1/users/register", headers=auth(ALICE))
        again = await client.post("/api/v1/users/register", headers=auth(ALICE), json={"userId": "alice"})
        snake = await client.post("/api/v1/users/register", headers=auth(ALICE), json={"user_id": "alice"})
        other = await client.post("/api/v1/users/register", headers=auth(ALICE), json={"userId": "bob"})
        not_object = await client.post("/api/v1/users/register", headers=auth(ALICE), content=b"[1]")
        wrong_type = await client.post("/api/v1/users/register", headers=auth(ALICE), json={"userId": 7})
        huge = await client.post(
            "/api/v1/users/register", headers=auth(ALICE), content=b" " * (2 * 1024 * 1024)
        )
        me = await client.get("/api/v1/users/me", headers=auth(ALICE))
        valid = await client.get("/api/v1/validate-token", headers=auth(ADMIN))
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"userId", "budgetRemaining", "budgetLimit", "usageCount", "createdAt"}
    assert (body["userId"], body["budgetRemaining"], body["budgetLimit"], body["usageCount"]) == (
        "alice",
        5.0,
        5.0,
        0,
    )
    assert again.json() == body and snake.json() == body and me.json() == body  # idempotent
    assert other.status_code == 403 and detail(other)["code"] == "FORBIDDEN"
    assert not_object.status_code == 400 and detail(not_object)["code"] == "INVALID_JSON"
    assert wrong_type.status_code == 422 and detail(wrong_type)["code"] == "VALIDATION_ERROR"
    assert detail(wrong_type)["errors"][0]["field"] == "userId"
    assert huge.status_code == 413 and detail(huge)["code"] == "PAYLOAD_TOO_LARGE"
    v = valid.json()
    assert (v["valid"], v["sub"], v["role"], v["budgetRemaining"], v["budgetLimit"]) == (
        True,
        "root",
        "admin",
        5.0,
        5.0,
    )
    assert 29 * 86400 < v["expiresInSeconds"] <= 30 * 86400 and v["expiresAt"].endswith("Z")


async def test_admin_budget_and_budget_status(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        await client.get("/api/v1/users/me", headers=auth(ALICE))  # provisioned on first request
        status = await client.get("/api/v1/maestro/budget/status", headers=auth(ALICE))
        forbidden = await client.post(
            "/api/v1/users/alice/budget", headers=auth(ALICE), json={"budgetCents": 9999}
        )
        unknown = await client.post(
            "/api/v1/users/nobody/budget", headers=auth(ADMIN), json={"budgetCents": 10}
        )
        negative = await client.post(
            "/api/v1/users/alice/budget", headers=auth(ADMIN), json={"budgetCents": -1}
        )
        missing = await client.post("/api/v1/users/alice/budget", headers=auth(ADMIN), json={})
        fractional = await client.post(
            "/api/v1/users/alice/budget", headers=auth(ADMIN), json={"budgetCents": 1.5}
        )
        raised = await client.post(
            "/api/v1/users/alice/budget", headers=auth(ADMIN), json={"budget_cents": 800}
        )
        states = []
        for cents in (80, 20, 0):
            await client.post("/api/v1/users/alice/budget", headers=auth(ADMIN), json={"budgetCents": cents})
            states.append((await client.get("/api/v1/maestro/budget/status", headers=auth(ALICE))).json())
    assert status.json() == {"remaining": 5.0, "total": 5.0, "state": "normal", "sessionsUsed": 0}
    assert forbidden.status_code == 403 and detail(forbidden)["code"] == "FORBIDDEN"
    assert unknown.status_code == 404 and detail(unknown)["code"] == "USER_NOT_FOUND"
    assert negative.status_code == 422
    assert detail(negative)["errors"] == [
        {
            "code": "VALUE_OUT_OF_RANGE",
            "field": "budgetCents",
            "message": "Input should be greater than or equal to 0",
        }
    ]
    assert detail(missing)["errors"][0]["code"] == "MISSING_REQUIRED"
    assert fractional.status_code == 422
    assert raised.status_code == 200 and (raised.json()["budgetRemaining"], raised.json()["budgetLimit"]) == (
        8.0,
        8.0,
    )
    assert [(s["remaining"], s["total"], s["state"]) for s in states] == [
        (0.8, 8.0, "low"), (0.2, 8.0, "critical"), (0.0, 8.0, "exhausted"),
    ]  # fmt: skip


async def test_tokens_listing_and_revocation(tmp_path: Path) -> None:
    second = create_token(SECRET, "alice", now=datetime.now(UTC) - timedelta(hours=1))
    async with serving(tmp_path) as client:
        await client.get("/api/v1/users/me", headers=auth(second))
        listed = await client.get("/api/v1/users/me/tokens", headers=auth(ALICE))
        bob_forbidden = await client.post("/api/v1/users/alice/tokens/revoke-all", headers=auth(BOB))
        unknown = await client.post("/api/v1/users/nobody/tokens/revoke-all", headers=auth(ADMIN))
        await client.get("/api/v1/users/me", headers=auth(BOB))
        by_admin = await client.post("/api/v1/users/bob/tokens/revoke-all", headers=auth(ADMIN))
        bob_after = await client.get("/api/v1/users/me", headers=auth(BOB))
        mine = await client.post("/api/v1/users/me/tokens/revoke-all", headers=auth(ALICE))
        after = await client.get("/api/v1/users/me", headers=auth(ALICE))
        other_after = await client.get("/api/v1/users/me", headers=auth(second))
        admin_still = await client.get("/api/v1/users/me", headers=auth(ADMIN))
    body = listed.json()
    assert body["count"] == 2 and len(body["tokens"]) == 2
    for token in body["tokens"]:
        assert set(token) == {"id", "expiresAt", "revoked", "createdAt", "lastUsedAt"}
        assert len(token["id"]) == 16 and int(token["id"], 16) >= 0 and token["revoked"] is False
        assert token["lastUsedAt"] is not None
    assert bob_forbidden.status_code == 403 and unknown.status_code == 404
    assert by_admin.json() == {"success": True, "message": "Revoked 1 access code.", "revokedCount": 1}
    assert mine.json()["revokedCount"] == 2  # the calling token included
    for refused in (bob_after, after, other_after):
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert detail(refused)["message"] == "Access code has been revoked."
    assert admin_still.status_code == 200


async def test_models(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        response = await client.get("/api/v1/models", headers=auth(ALICE))
    body = response.json()
    assert body["defaultModel"] == "anthropic/claude-sonnet-4.6" and body["llmConfigured"] is False
    assert [m["id"] for m in body["models"]] == ["anthropic/claude-sonnet-4.6", "anthropic/claude-opus-4.6"]
    assert body["models"][0] == {
        "id": "anthropic/claude-sonnet-4.6", "name": "Claude Sonnet 4.6", "costPer1mInput": 3.0,
        "costPer1mOutput": 15.0, "supportsReasoning": True, "contextWindowTokens": 200000,
    }  # fmt: skip


async def test_conversation_endpoints(tmp_path: Path) -> None:
    base = "/api/v1/conversations"
    async with serving(tmp_path) as client:
        created = await client.post(base, headers=auth(ALICE), json={"title": "Groove", "projectId": "p1",
                                                                       "projectContext": {"tempo": 92}})  # fmt: skip
        default = await client.post(base, headers=auth(ALICE))
        too_long = await client.post(base, headers=auth(ALICE), json={"title": "x" * 256})
        bad_context = await client.post(base, headers=auth(ALICE), json={"projectContext": [1]})
        cid = created.json()["id"]
        listed = await client.get(
            base, headers=auth(ALICE), params={"project_id": "p1", "include_global": "true"}
        )
        only_null = await client.get(base, headers=auth(ALICE), params={"project_id": "null"})
        bad_queries = [
            await client.get(base, headers=auth(ALICE), params=params)
            for params in ({"limit": "0"}, {"limit": "101"}, {"offset": "-1"}, {"include_archived": "yes"}, {"limit": "x"})
        ]  # fmt: skip
        found = await client.get(base + "/search", headers=auth(ALICE), params={"q": "GROOVE"})
        no_q = await client.get(base + "/search", headers=auth(ALICE))
        empty_q = await client.get(base + "/search", headers=auth(ALICE), params={"q": ""})
        search_limit = await client.get(
            base + "/search", headers=auth(ALICE), params={"q": "a", "limit": "51"}
        )
        got = await client.get(f"{base}/{cid}", headers=auth(ALICE))
        bobs_view = await client.get(f"{base}/{cid}", headers=auth(BOB))
        bobs_patch = await client.patch(f"{base}/{cid}", headers=auth(BOB), json={"title": "mine"})
        bobs_delete = await client.delete(f"{base}/{cid}", headers=auth(BOB))
        null_title = await client.patch(f"{base}/{cid}", headers=auth(ALICE), json={"title": None})
        patched = await client.patch(
            f"{base}/{cid}", headers=auth(ALICE), json={"projectId": None, "is_archived": True}
        )
        archived_hidden = await client.get(base, headers=auth(ALICE))
        deleted = await client.delete(f"{base}/{cid}", headers=auth(ALICE))
        gone = await client.get(f"{base}/{cid}", headers=auth(ALICE))
        unauthenticated = await client.get(base)
    assert created.status_code == 201
    c = created.json()
    assert (c["title"], c["projectId"], c["projectContext"], c["messages"], c["isArchived"]) == (
        "Groove", "p1", {"tempo": 92}, [], False,
    )  # fmt: skip
    assert default.status_code == 201 and default.json()["title"] == "New Conversation"
    assert too_long.status_code == 422 and detail(too_long)["errors"][0]["field"] == "title"
    assert bad_context.status_code == 422 and detail(bad_context)["errors"][0]["field"] == "projectContext"
    page = listed.json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 50, 0)
    assert set(page["conversations"][0]) == {
        "id", "title", "projectId", "createdAt", "updatedAt", "isArchived", "messageCount", "preview",
    }  # fmt: skip
    assert [x["title"] for x in only_null.json()["conversations"]] == ["New Conversation"]
    for response in bad_queries:
        assert response.status_code == 422 and detail(response)["code"] == "VALIDATION_ERROR"
    assert [e["field"] for r in bad_queries for e in detail(r)["errors"]] == [
        "limit", "limit", "offset", "include_archived", "limit",
    ]  # fmt: skip
    assert found.json() == {"results": [{"id": cid, "title": "Groove", "preview": None,
                                         "updatedAt": c["updatedAt"], "relevanceScore": 1.0}]}  # fmt: skip
    assert detail(no_q)["errors"][0] == {"code": "MISSING_REQUIRED", "field": "q", "message": "is required"}
    assert empty_q.status_code == 422 and search_limit.status_code == 422
    assert got.status_code == 200 and got.json()["projectContext"] == {"tempo": 92}
    for response in (bobs_view, bobs_patch, bobs_delete, gone):
        assert response.status_code == 404 and detail(response)["code"] == "CONVERSATION_NOT_FOUND"
    assert null_title.status_code == 422
    p = patched.json()
    assert set(p) == {"id", "title", "projectId", "isArchived", "updatedAt"}
    assert (p["title"], p["projectId"], p["isArchived"]) == ("Groove", None, True)
    assert [x["id"] for x in archived_hidden.json()["conversations"]] == [default.json()["id"]]
    assert deleted.status_code == 204 and deleted.content == b""
    assert unauthenticated.status_code == 401


async def test_rate_limit_is_a_429_with_retry_after(tmp_path: Path) -> None:
    async with serving(tmp_path, rate_limits={"default": 3}) as client:
        answers = [await client.get("/api/v1/models", headers=auth(ALICE)) for _ in range(4)]
        bob = await client.get("/api/v1/models", headers=auth(BOB))
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert detail(limited)["code"] == "RATE_LIMITED"
    retry = detail(limited)["retryAfterSeconds"]
    assert isinstance(retry, int) and 1 <= retry <= 60 and limited.headers["retry-after"] == str(retry)
    assert bob.status_code == 200  # per principal


async def test_fail_closed_when_the_store_is_unreachable(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'maestro.db'}")
    db.create_all()
    try:
        services = make_services(tmp_path, db)
        api = ApiContext(services=services, server=build_server(services), auth=True)
        app = Starlette(routes=routes(api), exception_handlers={ApiError: api_error_handler})
        await db.write(lambda conn: conn.execute(text("DROP TABLE access_tokens")))
        async with uvicorn_serving(app) as client:
            response = await client.get("/api/v1/users/me", headers=auth(ALICE))
    finally:
        db.dispose()
    assert response.status_code == 503
    assert detail(response) == {
        "code": "SERVICE_UNAVAILABLE", "error": "Service unavailable", "message": "Service temporarily unavailable.",
    }  # fmt: skip


async def test_no_auth_is_principal_local_with_admin_rights(tmp_path: Path) -> None:
    async with serving(tmp_path, auth_on=False) as client:
        me = await client.get("/api/v1/users/me")
        budget = await client.post("/api/v1/users/local/budget", json={"budgetCents": 100})
        valid = await client.get("/api/v1/validate-token")
    assert me.json()["userId"] == "local" and budget.status_code == 200
    assert (valid.json()["sub"], valid.json()["expiresAt"]) == ("local", None)


async def test_everything_is_still_there_after_a_restart(tmp_path: Path) -> None:
    async with serving(tmp_path) as client:
        cid = (
            await client.post("/api/v1/conversations", headers=auth(ALICE), json={"title": "Keep"})
        ).json()["id"]
        await client.post("/api/v1/users/alice/budget", headers=auth(ADMIN), json={"budgetCents": 123})
        await client.get("/api/v1/users/me", headers=auth(BOB))
        await client.post("/api/v1/users/me/tokens/revoke-all", headers=auth(BOB))
    async with serving(tmp_path) as client:
        conversation = await client.get(f"/api/v1/conversations/{cid}", headers=auth(ALICE))
        me = await client.get("/api/v1/users/me", headers=auth(ALICE))
        bob = await client.get("/api/v1/users/me", headers=auth(BOB))
    assert conversation.json()["title"] == "Keep"
    assert me.json()["budgetRemaining"] == 1.23
    assert bob.status_code == 401 and detail(bob)["message"] == "Access code has been revoked."


def test_pre_stream_errors_for_the_stream_edge() -> None:
    budget = api_error(BudgetExhaustedError(0))
    assert (budget.status, budget.detail) == (402, {
        "code": "BUDGET_EXHAUSTED", "error": "Insufficient budget", "message": "Your budget is exhausted.",
        "budgetRemaining": 0.0,
    })  # fmt: skip
    busy = api_error(TooManyConcurrentError(2))
    assert (busy.status, busy.detail["code"], busy.detail["limit"]) == (429, "TOO_MANY_CONCURRENT", 2)


async def test_cors_origins_from_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        access_token_secret=SECRET,
        cors_origins="https://studio.example, http://localhost:5173",
    )
    app = build_app(memory_services(settings), host="127.0.0.1", port=10001)
    async with uvicorn_serving(app, lifespan="on") as client:
        preflight = await client.options("/api/v1/health", headers={
            "Origin": "https://studio.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        })  # fmt: skip
        foreign = await client.options("/api/v1/health", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        })  # fmt: skip
        simple = await client.get("/api/v1/health", headers={"Origin": "http://localhost:5173"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://studio.example"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert foreign.status_code == 400 and "access-control-allow-origin" not in foreign.headers
    assert simple.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert simple.headers["x-content-type-options"] == "nosniff"
