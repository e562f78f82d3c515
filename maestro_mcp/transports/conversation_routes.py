"""Conversation routes (http-api.md §6), except ``POST /conversations/{id}/messages`` (the SSE edge).

A conversation is visible only to its principal: another principal's id answers exactly like an unknown
one, ``404 CONVERSATION_NOT_FOUND``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from maestro_mcp.store.conversation_models import UNSET, Unset
from maestro_mcp.store.conversations import TITLE_MAX, ConversationStore
from maestro_mcp.transports.account_http import Body as _Body
from maestro_mcp.transports.account_http import authenticate, bind, parse_body, read_json_object
from maestro_mcp.transports.rest import ApiContext, ApiError, validation_error

PATH = "/api/v1/conversations"
LIST_LIMIT = (1, 100, 50)
SEARCH_LIMIT = (1, 50, 20)


def conversations_of(api: ApiContext) -> ConversationStore:
    return api.services.conversations


def conversation_routes(api: ApiContext) -> list[BaseRoute]:
    # `search` before `{conversation_id}`, which would match it.
    return [
        Route(PATH, bind(api, create_conversation), methods=["POST"]),
        Route(PATH, bind(api, list_conversations), methods=["GET"]),
        Route(PATH + "/search", bind(api, search_conversations), methods=["GET"]),
        Route(PATH + "/{conversation_id}", bind(api, get_conversation), methods=["GET"]),
        Route(PATH + "/{conversation_id}", bind(api, update_conversation), methods=["PATCH"]),
        Route(PATH + "/{conversation_id}", bind(api, delete_conversation), methods=["DELETE"]),
    ]


class CreateBody(_Body):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    project_id: str | None = Field(default=None, max_length=255)
    project_context: dict[str, Any] | None = None


class UpdateBody(_Body):
    title: str = Field(default="", min_length=1, max_length=TITLE_MAX)
    project_id: str | None = Field(default=None, max_length=255)
    is_archived: bool = False


def not_found(conversation_id: str) -> ApiError:
    return ApiError(
        404,
        "CONVERSATION_NOT_FOUND",
        "Conversation not found",
        f"Conversation '{conversation_id}' not found.",
    )


def _dump(model: Any) -> Any:
    return model.model_dump(by_alias=True, mode="json")


async def create_conversation(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    body = parse_body(CreateBody, await read_json_object(request, empty_ok=True))
    conversation = await conversations_of(api).create(
        caller.principal, title=body.title, project_id=body.project_id, project_context=body.project_context
    )
    return JSONResponse(_dump(conversation), status_code=201)


# -- query parameters (snake_case on the wire, README wire convention 1) ---------------------------------


def _bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false").strip().lower()
    if raw not in ("true", "false"):
        raise validation_error(
            [{"code": "TYPE_MISMATCH", "field": name, "message": f"must be true or false (got '{raw}')"}]
        )
    return raw == "true"


def _int(request: Request, name: str, low: int, high: int | None, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(
            [{"code": "TYPE_MISMATCH", "field": name, "message": f"must be an integer (got '{raw}')"}]
        ) from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise validation_error(
            [{"code": "VALUE_OUT_OF_RANGE", "field": name, "message": f"must be {bounds} (got {value})"}]
        )
    return value


async def list_conversations(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    raw_project = request.query_params.get("project_id")
    project: str | Unset | None = UNSET
    if raw_project is not None:
        if not raw_project.strip():
            raise validation_error(
                [{"code": "INVALID_VALUE", "field": "project_id", "message": "must be a project id or null"}]
            )
        project = None if raw_project == "null" else raw_project
    low, high, default = LIST_LIMIT
    limit = _int(request, "limit", low, high, default)
    offset = _int(request, "offset", 0, None, 0)
    items, total = await conversations_of(api).page(
        caller.principal,
        project_id=project,
        include_global=_bool(request, "include_global"),
        limit=limit,
        offset=offset,
        include_archived=_bool(request, "include_archived"),
    )
    return JSONResponse(
        {"conversations": [_dump(c) for c in items], "total": total, "limit": limit, "offset": offset}
    )


async def search_conversations(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    query = request.query_params.get("q")
    if query is None:
        raise validation_error([{"code": "MISSING_REQUIRED", "field": "q", "message": "is required"}])
    if not query:
        raise validation_error(
            [{"code": "VALUE_OUT_OF_RANGE", "field": "q", "message": "must be at least 1 character"}]
        )
    low, high, default = SEARCH_LIMIT
    limit = _int(request, "limit", low, high, default)
    results = await conversations_of(api).search(caller.principal, query, limit=limit)
    return JSONResponse({"results": [_dump(r) for r in results]})


async def get_conversation(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    conversation_id = request.path_params["conversation_id"]
    conversation = await conversations_of(api).get(caller.principal, conversation_id)
    if conversation is None:
        raise not_found(conversation_id)
    return JSONResponse(_dump(conversation))


async def update_conversation(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    conversation_id = request.path_params["conversation_id"]
    # A null title is a 422 (a title cannot be removed); a null projectId unlinks the project.
    body = parse_body(UpdateBody, await read_json_object(request))
    given = body.model_fields_set
    updated = await conversations_of(api).update(
        caller.principal,
        conversation_id,
        title=body.title if "title" in given else UNSET,
        project_id=body.project_id if "project_id" in given else UNSET,
        is_archived=body.is_archived if "is_archived" in given else UNSET,
    )
    if updated is None:
        raise not_found(conversation_id)
    return JSONResponse(_dump(updated))


async def delete_conversation(api: ApiContext, request: Request) -> Response:
    caller = await authenticate(api, request)
    conversation_id = request.path_params["conversation_id"]
    if not await conversations_of(api).delete(caller.principal, conversation_id):
        raise not_found(conversation_id)
    return Response(status_code=204)
