"""UI placeholders: the rotating hints of the hero prompt input (http-api.md §4.1)."""

from __future__ import annotations

from functools import cache
from typing import Any

from .data import load

MIN_PLACEHOLDERS = 3


@cache
def placeholders() -> tuple[str, ...]:
    items = tuple(str(p) for p in load("placeholders.yaml")["placeholders"])
    if len(items) < MIN_PLACEHOLDERS:  # the contract promises clients at least three to rotate
        raise RuntimeError("placeholders.yaml must hold at least 3 placeholders")
    return items


def placeholders_response() -> dict[str, Any]:
    """Body of ``GET /api/v1/maestro/ui/placeholders``."""
    return {"placeholders": list(placeholders())}
