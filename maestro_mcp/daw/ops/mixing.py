"""Effects and routing tools (tools.md §8): insert effects, sends, buses."""

from __future__ import annotations

import math
from typing import Any

from ..model import Bus, Effect, Project, Send, new_id
from ..resolve import resolve_one
from ._common import Handler, required, round_db, track_param

DEFAULT_SEND_DB = -10.5
MIN_DB = -60.0


def linear_to_db(gain: float) -> float:
    """``20·log10(gain)`` to 0.1 dB; silence (0) is the floor, −60 dB."""
    return MIN_DB if gain <= 0 else max(MIN_DB, round_db(20 * math.log10(gain)))


def add_insert_effect(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    track = track_param(project, params)
    effect_type = str(params.get("type") or required(params, "effectType")).strip().lower()
    settings = params.get("settings")
    effect = Effect(
        effect_id=params.get("effectId") or new_id(),
        type=effect_type,
        settings=dict(settings) if settings else None,
    )
    track.effects.append(effect)
    return {
        "trackId": track.id,
        "effectId": effect.effect_id,
        "type": effect.type,
        "position": len(track.effects) - 1,
    }


def add_send(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """One send per (track, bus): a second call updates the level (and then reports created false)."""
    track = track_param(project, params)
    bus_id = resolve_one(project, "bus", str(required(params, "busId")), "busId", "busId")
    if params.get("levelDb") is not None:
        level = round_db(params["levelDb"])
    elif params.get("sendLevel") is not None:
        level = linear_to_db(float(params["sendLevel"]))
    else:
        level = DEFAULT_SEND_DB
    existing = next((s for s in track.sends if s.bus_id == bus_id), None)
    if existing is not None:
        existing.level_db = level
    else:
        track.sends.append(Send(bus_id=bus_id, level_db=level))
    return {"trackId": track.id, "busId": bus_id, "levelDb": level, "created": existing is None}


def ensure_bus(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    name = str(required(params, "name")).strip()
    existing = next((b for b in project.buses if b.name.casefold() == name.casefold()), None)
    if existing is not None:
        return {"busId": existing.id, "name": existing.name, "created": False}
    bus = Bus(id=params.get("busId") or new_id(), name=name)
    project.buses.append(bus)
    return {"busId": bus.id, "name": bus.name, "created": True}


HANDLERS: dict[str, Handler] = {
    "stori_add_insert_effect": add_insert_effect,
    "stori_add_send": add_send,
    "stori_ensure_bus": ensure_bus,
}
