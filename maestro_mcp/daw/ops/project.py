"""Project tools (tools.md §4): read, create, tempo, key."""

from __future__ import annotations

from typing import Any

from maestro_mcp.errors import ErrorCode, ToolError
from maestro_mcp.music.theory import TheoryError, parse_key

from ..model import Project, TimeSignature
from ._common import Handler, required


def normalise_key(value: Any, field: str) -> str:
    try:
        return parse_key(str(value)).name
    except TheoryError as exc:
        raise ToolError.one(ErrorCode.INVALID_VALUE, field, str(exc)) from exc


def read_project(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    snapshot = project.to_snapshot(
        include_notes=bool(params.get("include_notes", False)),
        include_automation=bool(params.get("include_automation", False)),
    )
    return {"project": snapshot, "source": "headless"}


def create_project(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    key = normalise_key(params.get("keySignature") or "C", "keySignature")
    try:
        signature = TimeSignature.parse(params.get("timeSignature") or "4/4")
    except ValueError as exc:
        raise ToolError.one(ErrorCode.INVALID_VALUE, "timeSignature", str(exc)) from exc
    fresh = Project.new(
        name=str(required(params, "name")).strip(),
        tempo=float(required(params, "tempo")),
        key=key,
        time_signature=signature,
        project_id=params.get("projectId"),
    )
    # Replace everything (transport and UI state too) in place: the caller holds this very object.
    for name in Project.model_fields:
        setattr(project, name, getattr(fresh, name))
    return {
        "projectId": project.id,
        "name": project.name,
        "tempo": project.tempo,
        "keySignature": project.key,
        "timeSignature": project.time_signature.wire(),
    }


def set_tempo(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    previous = project.tempo
    project.tempo = float(required(params, "tempo"))
    return {"tempo": project.tempo, "previousTempo": previous}


def set_key(project: Project, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    # The alias stori_set_key_signature may still carry keySignature when called directly.
    field = "key" if params.get("key") is not None else "keySignature"
    previous = project.key
    project.key = normalise_key(required(params, field), field)
    return {"key": project.key, "previousKey": previous}


HANDLERS: dict[str, Handler] = {
    "stori_read_project": read_project,
    "stori_create_project": create_project,
    "stori_set_tempo": set_tempo,
    "stori_set_key": set_key,
    "stori_set_key_signature": set_key,
}
