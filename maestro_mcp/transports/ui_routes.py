"""Default UI content (http-api.md §4.1–4.3): placeholders, inspiration cards and prompt templates.

All three are public (no token): the Stori app shows them before anyone signs in. The content lives in
``prompts/``; this module only maps it to HTTP, cache headers and the ``{"detail": …}`` error envelope.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from maestro_mcp.prompts import PromptNotFound, inspiration_response, placeholders_response, prompt_response
from maestro_mcp.transports.rest import ApiContext, ApiError, validation_error

PLACEHOLDERS_PATH = "/api/v1/maestro/ui/placeholders"
PROMPTS_PATH = "/api/v1/maestro/prompts"
# Placeholders and templates are fixed per server version; a random card draw must not be reused.
CACHE_STATIC = {"Cache-Control": "public, max-age=3600"}
CACHE_NONE = {"Cache-Control": "no-store"}


def routes(api: ApiContext) -> list[BaseRoute]:
    """The routes of http-api.md §4.1–4.3. ``api`` is unused (public, static content) but taken so every
    route module is mounted the same way."""
    del api
    return [
        Route(PLACEHOLDERS_PATH, placeholders, methods=["GET"]),
        Route(PROMPTS_PATH, inspiration_cards, methods=["GET"]),
        Route(PROMPTS_PATH + "/{prompt_id}", prompt_template, methods=["GET"]),
    ]


async def placeholders(_request: Request) -> Response:
    return JSONResponse(placeholders_response(), headers=CACHE_STATIC)


async def inspiration_cards(request: Request) -> Response:
    raw = request.query_params.get("seed")
    seed: int | None = None
    if raw is not None:
        try:
            seed = int(raw)
        except ValueError:
            raise validation_error(
                [{"code": "TYPE_MISMATCH", "field": "seed", "message": f"must be an integer (got '{raw}')"}]
            ) from None
    # A seeded draw is repeatable, so it may be cached like the other static content.
    return JSONResponse(inspiration_response(seed=seed), headers=CACHE_NONE if seed is None else CACHE_STATIC)


async def prompt_template(request: Request) -> Response:
    prompt_id = request.path_params["prompt_id"]
    try:
        body = prompt_response(prompt_id)
    except PromptNotFound as exc:
        raise ApiError(404, exc.code, "Template not found", exc.message) from None
    return JSONResponse(body, headers=CACHE_STATIC)
